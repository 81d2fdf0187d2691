import { describe, expect, it } from "vitest";
import {
  CLOSE_RESCOPED, CLOSE_REVOKED, CLOSE_TOO_MANY, closeAction,
  SeqTracker, agentFromStatus, applyDelta, applySnapshot, availableAction, backoff, computeStatus, elapsedSeconds,
  figuresFromCounters, filterAgents, floorFromQueues, formatDuration, formatPct, newlyRed, queuesFromRest, remainingSeconds, statusClass,
} from "./logic";
import type { AgentView, QueueView } from "./types";

const fig = figuresFromCounters(null);
const th = { sl_target: 0.8, waiting_amber: 3, waiting_red: 6, longest_wait_amber_s: 30, longest_wait_red_s: 60 };
function queue(name: string, over: Partial<QueueView> = {}): QueueView {
  return {
    queue: name, waiting: 0, oldest_waiting_since: null,
    agents: { available: 1, ringing: 0, on_call: 0, wrap_up: 0, paused: 0, logged_out: 0 },
    today: fig, window: fig, window_min: 15, occupancy: null, thresholds: th, status: "ok", ...over,
  };
}
function agent(id: string, over: Partial<AgentView> = {}): AgentView {
  return { agent: id, name: "A" + id, team: "team-a", state: "available", since: "2026-01-01T00:00:00Z", handled_today: 0, aht_s: null, occupancy: null, missed_offers: 0, ...over };
}

describe("delta merge", () => {
  it("replaces queues and agents by key and floor/team whole", () => {
    const s = applySnapshot({
      queues: [queue("sales"), queue("support")],
      agents: [agent("1001"), agent("1002")],
      floor: { waiting: 0, oldest_waiting_since: null, agents: queue("x").agents, today: fig, window: fig, window_min: 15, occupancy: null },
    });
    applyDelta(s, { queues: [queue("sales", { waiting: 4 })], agents: [agent("1002", { state: "paused", reason: "lunch" })] });
    expect(s.queues.get("sales")!.waiting).toBe(4);
    expect(s.queues.get("support")!.waiting).toBe(0);
    expect(s.agents.get("1002")!.state).toBe("paused");
    expect(s.agents.get("1001")!.state).toBe("available");
    expect(s.floor!.waiting).toBe(0); // not in the delta: kept
    applyDelta(s, { floor: { ...s.floor!, waiting: 4 } });
    expect(s.floor!.waiting).toBe(4);
    applyDelta(s, { agents: [agent("1003")] });
    expect(s.agents.size).toBe(3);
  });
  it("a snapshot forgets what it does not carry", () => {
    const s = applySnapshot({ agents: [agent("1001")] });
    expect(s.queues.size).toBe(0);
    expect(s.floor).toBeUndefined();
  });
});

describe("SeqTracker", () => {
  it("accepts 1,2,3 and refuses a gap", () => {
    const t = new SeqTracker();
    expect(t.accept(1)).toBe(true);
    expect(t.accept(2)).toBe(true);
    expect(t.accept(undefined)).toBe(true);
    expect(t.accept(4)).toBe(false);
    t.reset();
    expect(t.accept(1)).toBe(true);
  });
  it("backs off exponentially to a cap", () => {
    expect(backoff(0, () => 0)).toBe(500);
    expect(backoff(1, () => 0)).toBe(1000);
    expect(backoff(20, () => 0)).toBe(15000);
    expect(backoff(20, () => 1)).toBe(18000);
  });
});

describe("threshold colouring", () => {
  it("maps server statuses to classes", () => {
    expect(statusClass("red")).toBe("red");
    expect(statusClass("amber")).toBe("amber");
    expect(statusClass("ok")).toBe("ok");
    expect(statusClass(undefined)).toBe("ok");
    expect(statusClass("weird")).toBe("ok");
  });
  it("computes the worst threshold crossed", () => {
    expect(computeStatus(queue("s"), 0).status).toBe("ok");
    expect(computeStatus(queue("s", { waiting: 3 }), 0)).toEqual({ status: "amber", reason: "waiting 3 ≥ 3" });
    expect(computeStatus(queue("s", { waiting: 3 }), 61).status).toBe("red");
    expect(computeStatus(queue("s", { window: { ...fig, service_level: 0.5 } }), 0).status).toBe("amber");
    // n/a service level is not a breach
    expect(computeStatus(queue("s", { window: { ...fig, service_level: null } }), 0).status).toBe("ok");
  });
  it("alerts on a queue turning red, once", () => {
    const prev = new Map([["sales", "amber"], ["support", "red"]]);
    const red = newlyRed(prev, [queue("sales", { status: "red" }), queue("support", { status: "red" }), queue("billing", { status: "ok" })]);
    expect(red.map((q) => q.queue)).toEqual(["sales"]);
  });
});

describe("timers and formats", () => {
  const now = Date.parse("2026-03-01T10:00:00Z");
  it("counts up from an instant", () => {
    expect(elapsedSeconds("2026-03-01T09:58:55Z", now)).toBe(65);
    expect(elapsedSeconds("2026-03-01T10:00:05Z", now)).toBe(0); // clock skew: never negative
    expect(elapsedSeconds(null, now)).toBe(0);
    expect(elapsedSeconds("garbage", now)).toBe(0);
  });
  it("counts down to an instant", () => {
    expect(remainingSeconds("2026-03-01T10:00:09.2Z", now)).toBe(10);
    expect(remainingSeconds("2026-03-01T09:00:00Z", now)).toBe(0);
  });
  it("formats durations and rates", () => {
    expect(formatDuration(7)).toBe("0:07");
    expect(formatDuration(754)).toBe("12:34");
    expect(formatDuration(3723)).toBe("1:02:03");
    expect(formatPct(0.819)).toBe("82%");
    expect(formatPct(null)).toBe("—");
    expect(formatPct(0)).toBe("0%");
  });
});

describe("REST fallback", () => {
  it("computes figures from counters, n/a on zero denominators", () => {
    const f = figuresFromCounters({ offered: 10, answered: 8, abandoned: 2, short_abandoned: 1, answered_within_t: 6 });
    expect(f.service_level).toBeCloseTo(6 / 9);
    expect(f.abandon_rate).toBeCloseTo(1 / 9);
    expect(figuresFromCounters({}).service_level).toBeNull();
  });
  it("carries the calls lost to an Asterisk restart, out of the abandon rates", () => {
    const f = figuresFromCounters({ offered: 12, answered: 8, abandoned: 2, short_abandoned: 1, answered_within_t: 6, lost: 2 });
    expect(f.lost).toBe(2);
    expect(f.abandon_rate).toBeCloseTo(1 / 9);
    expect(f.gross_abandon_rate).toBeCloseTo(2 / 10);
    expect(figuresFromCounters({ offered: 3, lost: 3 }).abandon_rate).toBeNull();
    expect(figuresFromCounters({}).lost).toBe(0);
    const floor = floorFromQueues([
      queue("sales", { today: figuresFromCounters({ offered: 5, lost: 2 }) }),
      queue("support", { today: figuresFromCounters({ offered: 4, lost: 1 }) }),
    ], []);
    expect(floor.today.lost).toBe(3);
    expect(floor.today.offered).toBe(9);
  });
  it("builds queue tiles from GET /queues and /agents", () => {
    const now = Date.parse("2026-03-01T10:00:00Z");
    const qs = queuesFromRest(
      [{ name: "sales", service_level_s: 20, short_abandon_s: 5, sl_target: 0.8, today: { answered: 3 }, waiting: [
        { id: "c1", position: 1, entered_at: "2026-03-01T09:59:00Z" }, { id: "c2", position: 2, entered_at: "2026-03-01T09:59:30Z" }] }],
      [
        { id: "1001", name: "Ana", endpoint: "x", skills: { sales: 5 }, status: { agent: "1001", state: "available", since: "", calls_today: 0 } },
        { id: "1002", name: "Ben", endpoint: "x", skills: { sales: 5 }, status: { agent: "1002", state: "on_call", since: "", calls_today: 0 } },
        { id: "1013", name: "Ming", endpoint: "x", skills: { support: 5 }, status: { agent: "1013", state: "available", since: "", calls_today: 0 } },
      ],
      new Map(), now);
    expect(qs[0].waiting).toBe(2);
    expect(qs[0].oldest_waiting_since).toBe("2026-03-01T09:59:00Z");
    expect(qs[0].today.answered).toBe(3);
    expect(qs[0].agents.available).toBe(1);
    expect(qs[0].agents.on_call).toBe(1);
  });
  it("keeps a known call's number when the status is the same call", () => {
    const prev = agent("1001", { state: "on_call", call: { id: "c1", direction: "inbound", queue: "sales", number: "5550199", since: "2026-01-01T00:00:00Z" } });
    const a = agentFromStatus({ agent: "1001", state: "on_call", since: "2026-01-01T00:00:00Z", call: "c1", calls_today: 2 }, {}, prev);
    expect(a.call!.number).toBe("5550199");
    expect(a.name).toBe("A1001");
    const b = agentFromStatus({ agent: "1001", state: "wrap_up", since: "x", calls_today: 2, wrap_until: "0001-01-01T00:00:00Z" }, {}, prev);
    expect(b.call).toBeNull();
    expect(b.wrap_until).toBeNull();
  });
});

describe("filters and actions", () => {
  it("filters agents by team and by the queue they serve", () => {
    const skills = new Map<string, Record<string, number>>([["1001", { sales: 5 }], ["1013", { support: 5 }]]);
    const all = [agent("1013", { team: "team-b" }), agent("1001"), agent("1002", { call: { id: "c", direction: "inbound", queue: "support", number: "1", since: "" } })];
    expect(filterAgents(all, { team: "", queue: "" }, skills).map((a) => a.agent)).toEqual(["1001", "1002", "1013"]);
    expect(filterAgents(all, { team: "team-b", queue: "" }, skills).map((a) => a.agent)).toEqual(["1013"]);
    expect(filterAgents(all, { team: "", queue: "support" }, skills).map((a) => a.agent)).toEqual(["1002", "1013"]);
  });
  it("makes an agent available the right way", () => {
    expect(availableAction("logged_out")).toBe("login");
    expect(availableAction("paused")).toBe("unpause");
    expect(availableAction("available")).toBeNull();
    expect(availableAction("on_call")).toBeNull();
  });
});

describe("server close codes", () => {
  it("sends a revoked session to the login page, saying why", () => {
    expect(closeAction(CLOSE_REVOKED, "user_disabled: this user was disabled")).toEqual({ kind: "login", notice: "login.ended_disabled" });
    expect(closeAction(CLOSE_REVOKED, "session_expired: this session is no longer valid; log in again")).toEqual({ kind: "login", notice: "login.ended_expired" });
    expect(closeAction(CLOSE_REVOKED, "logout: this session was logged out; log in again")).toEqual({ kind: "login", notice: "login.ended_logout" });
    expect(closeAction(CLOSE_REVOKED, "token_revoked: the API token was revoked")).toEqual({ kind: "login", notice: "login.ended" });
  });
  it("re-reads who I am on a role change, waits on a limit, reconnects otherwise", () => {
    expect(closeAction(CLOSE_RESCOPED, "role_changed: your role or team changed; reconnect")).toEqual({ kind: "rescope" });
    expect(closeAction(CLOSE_TOO_MANY, "user_limit: at most 20 live connections per user")).toEqual({ kind: "limit" });
    expect(closeAction(1006, "")).toEqual({ kind: "reconnect" });
    expect(closeAction(1013, "slow consumer: send queue full")).toEqual({ kind: "reconnect" });
  });
  it("says a deleted user is disabled, and any other revocation that the session ended", () => {
    // (that every notice exists in both languages is the catalogue test in i18n.test.ts)
    expect(closeAction(CLOSE_REVOKED, "user_deleted: x")).toEqual({ kind: "login", notice: "login.ended_disabled" });
    expect(closeAction(CLOSE_REVOKED, "session_revoked: x")).toEqual({ kind: "login", notice: "login.ended" });
  });
});
