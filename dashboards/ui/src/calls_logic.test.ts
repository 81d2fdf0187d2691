import { describe, expect, it } from "vitest";
import { Latest, agentLabel, callsQuery, exportQuery, zonedInstant } from "./calls_logic";

describe("callsQuery", () => {
  const from = new Date("2026-11-22T00:00:00Z"), to = new Date("2026-11-22T12:00:00Z");
  it("leaves empty filters out and keeps the range", () => {
    const q = new URLSearchParams(callsQuery({ from, to, queue: "", agent: " ", recorded: false }));
    expect([...q.keys()]).toEqual(["from", "to", "limit"]);
    expect(q.get("from")).toBe("2026-11-22T00:00:00.000Z");
    expect(q.get("limit")).toBe("50");
  });
  it("passes the disposition and the note text", () => {
    const q = new URLSearchParams(callsQuery({ from, to, disposition: "sold", q: " call back " }));
    expect(q.get("disposition")).toBe("sold");
    expect(q.get("q")).toBe("call back");
    expect([...new URLSearchParams(callsQuery({ from, to, disposition: " ", q: "" })).keys()]).toEqual(["from", "to", "limit"]);
  });
  it("passes filters, a number prefix, recorded and the cursor", () => {
    const q = new URLSearchParams(callsQuery({ from, to, queue: "sales", agent: "1001", outcome: "answered", direction: "inbound", number: "555*", recorded: true }, "abc=", 10));
    expect(q.get("queue")).toBe("sales");
    expect(q.get("agent")).toBe("1001");
    expect(q.get("number")).toBe("555*");
    expect(q.get("recorded")).toBe("true");
    expect(q.get("cursor")).toBe("abc=");
    expect(q.get("limit")).toBe("10");
  });
});

describe("zonedInstant", () => {
  it("reads the wall-clock time in the centre's zone, not the browser's", () => {
    expect(zonedInstant("2026-11-22T00:00", "Asia/Shanghai").toISOString()).toBe("2026-11-21T16:00:00.000Z");
    expect(zonedInstant("2026-11-22T08:30", "UTC").toISOString()).toBe("2026-11-22T08:30:00.000Z");
    expect(zonedInstant("2026-03-29T12:00", "Europe/Berlin").toISOString()).toBe("2026-03-29T10:00:00.000Z"); // summer time
    expect(zonedInstant("2026-03-28T12:00", "Europe/Berlin").toISOString()).toBe("2026-03-28T11:00:00.000Z");
    expect(zonedInstant("2026-11-22T08:30", "Not/AZone").toISOString()).toBe("2026-11-22T08:30:00.000Z");
    expect(Number.isNaN(zonedInstant("yesterday").getTime())).toBe(true);
  });
});

describe("exportQuery", () => {
  it("keeps the filters, drops the page size, adds the format and language", () => {
    const q = new URLSearchParams(exportQuery({ from: new Date("2026-11-22T00:00:00Z"), to: new Date("2026-11-23T00:00:00Z"), agent: "1001", recorded: true }, "xlsx", "zh-CN"));
    expect(q.get("agent")).toBe("1001");
    expect(q.get("recorded")).toBe("true");
    expect(q.has("limit")).toBe(false);
    expect(q.get("format")).toBe("xlsx");
    expect(q.get("lang")).toBe("zh-CN");
  });
});

describe("agentLabel", () => {
  it("names the agent with the ID, or the bare ID", () => {
    expect(agentLabel("1001", { "1001": "Ana" })).toBe("Ana (1001)");
    expect(agentLabel("1009", { "1001": "Ana" })).toBe("1009");
    expect(agentLabel(undefined, {})).toBe("");
  });
});

// The search race: a slow earlier search answering after a newer one must not land.
describe("Latest", () => {
  it("lets only the newest of overlapping searches land", async () => {
    const latest = new Latest();
    const shown: string[][] = [];
    const resolvers: ((rows: string[]) => void)[] = [];
    const search = async () => {
      const { n, signal } = latest.start();
      const rows = await new Promise<string[]>((res) => resolvers.push(res));
      if (!latest.current(n) || signal.aborted) return;
      shown.push(rows);
    };
    const slow = search(); // the first search, slow
    const fast = search(); // a newer one, answered first
    resolvers[1](["new"]);
    await fast;
    resolvers[0](["stale"]);
    await slow;
    expect(shown).toEqual([["new"]]);
  });
  it("aborts the earlier request and drops everything on stop", () => {
    const latest = new Latest();
    const a = latest.start();
    const b = latest.start();
    expect(a.signal.aborted).toBe(true);
    expect(b.signal.aborted).toBe(false);
    latest.stop();
    expect(b.signal.aborted).toBe(true);
    expect(latest.current(b.n)).toBe(false);
  });
});
