import { describe, expect, it } from "vitest";
import { auditQuery, fromPercent, matches, newQueue, queueBody, queueConfig, skillRows, skillsOf, toPercent, userBody, validDial } from "./admin_logic";

describe("validDial", () => {
  it("takes a dial string as the server does", () => {
    expect(validDial("PJSIP/2001")).toBe(true);
    expect(validDial(" Local/7001@agents ")).toBe(true);
    expect(validDial("2001")).toBe(false);
    expect(validDial("PJSIP/2001,t")).toBe(false);
    expect(validDial("PJSIP/20 01")).toBe(false);
    expect(validDial("PJSIP/" + "1".repeat(123))).toBe(false);
  });
});

describe("matches", () => {
  it("finds every word in some field, any case", () => {
    expect(matches("", "x")).toBe(true);
    expect(matches("sue SUP", "sue", "Sue Supervisor", undefined)).toBe(true);
    expect(matches("sue admin", "sue", "supervisor")).toBe(false);
    expect(matches("1001", "Ana", 1001)).toBe(true);
  });
});

describe("userBody", () => {
  const form = { username: " sue ", display_name: " Sue ", password: "a long password", role: "supervisor", team_id: "", agent_id: "", phone_endpoint: " PJSIP/2001 " };
  it("sends every field on create, trimmed", () => {
    expect(userBody(form)).toEqual({ username: "sue", password: "a long password", display_name: "Sue", role: "supervisor", team_id: "", agent_id: "", phone_endpoint: "PJSIP/2001" });
  });
  it("sends only what changed on edit, never the username or password", () => {
    const before = { id: 3, username: "sue", display_name: "Sue", role: "qa", disabled: false, phone_endpoint: "" };
    expect(userBody(form, before)).toEqual({ role: "supervisor", phone_endpoint: "PJSIP/2001" });
    expect(userBody({ ...form, role: "qa", phone_endpoint: "" }, before)).toEqual({});
  });
  it("unlinks a team or agent whose select was cleared", () => {
    const before = { id: 3, username: "lee", display_name: "", role: "supervisor", team_id: "team-a", agent_id: "1001", disabled: false };
    const cleared = { ...form, display_name: "", role: "supervisor", phone_endpoint: "", team_id: undefined as unknown as string, agent_id: null as unknown as string };
    expect(userBody(cleared, before)).toEqual({ team_id: "", agent_id: "" });
  });
});

describe("skills", () => {
  it("maps rows to the skills map and back, sorted", () => {
    expect(skillsOf([{ queue: "sales", level: 7.6 }, { queue: "", level: 3 }, { queue: "vip", level: 5 }])).toEqual({ sales: 8, vip: 5 });
    expect(skillRows({ vip: 5, billing: 3 })).toEqual([{ queue: "billing", level: 3 }, { queue: "vip", level: 5 }]);
    expect(skillRows(null)).toEqual([]);
  });
});

describe("queues", () => {
  it("drops live figures and keeps settings it does not know", () => {
    const q = queueConfig({ ...newQueue(), name: "vip", waiting: [], today: { offered: 3 }, missed_pause_seconds: 30 });
    expect("waiting" in q || "today" in q).toBe(false);
    expect(q.missed_pause_seconds).toBe(30);
  });
  it("sends a flow-out target only as far as its action needs", () => {
    const q = { ...newQueue(), name: " vip ", on_max_wait: { action: "hangup", context: "x", extension: "y" } };
    expect(queueBody(q).on_max_wait).toEqual({ action: "hangup" });
    expect(queueBody(q).name).toBe("vip");
    expect(queueBody({ ...q, on_max_wait: { action: "continue", context: " overflow ", extension: "s" } }).on_max_wait).toEqual({ action: "continue", context: "overflow", extension: "s" });
  });
  it("shows a service-level target as a percent", () => {
    expect(toPercent(0.8)).toBe(80);
    expect(toPercent(0.855)).toBe(85.5);
    expect(fromPercent(85.5)).toBe(0.855);
  });
});

describe("auditQuery", () => {
  it("leaves empty filters out and adds the page or the CSV's parameters", () => {
    const f = { actor: " ops ", action: "", target_type: "team", target_id: " ", since: new Date("2026-12-01T00:00:00Z"), until: null };
    expect(auditQuery(f)).toBe("actor=ops&target_type=team&since=2026-12-01T00%3A00%3A00.000Z");
    expect(auditQuery(f, { format: "csv", lang: "zh-CN" })).toContain("format=csv&lang=zh-CN");
  });
});
