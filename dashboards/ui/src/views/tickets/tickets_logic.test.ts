import { describe, expect, it } from "vitest";
import { allowed, chartOption, eventText, formFromCall, percent, statusTag } from "./tickets_logic";
import type { Ticket, TicketCategory } from "./tickets_api";

const base: Ticket = {
  id: 1, number: "T20261204-0001", category: "complaint", priority: "high", status: "open", phone: "+8613800138000",
  customer_name: "", subject: "x", description: "", fields: {}, first_owner_name: "王芳", created_by: "王芳",
  created_at: "2026-12-04T01:00:00Z", due_at: "2026-12-04T09:00:00Z", sla_hours: 8, escalation_level: 0, reopen_count: 0, overdue: false,
};
const cats: TicketCategory[] = [
  { code: "old", name_zh: "旧", name_en: "Old", fields: [], default_priority: "low", sla_hours: {}, sms_on_create: false, sms_on_answer: false, disabled: true, sort: 0 },
  { code: "complaint", name_zh: "投诉", name_en: "Complaint", fields: [], default_priority: "high", sla_hours: {}, sms_on_create: true, sms_on_answer: true, disabled: false, sort: 1 },
];

describe("tickets", () => {
  it("allows closing only after a satisfied or unreachable follow-up", () => {
    expect(allowed(base, true).close).toBe(false);
    expect(allowed(base, true).followup).toBe(false); // not answered yet
    const answered = { ...base, status: "waiting_followup" as const, answered_at: "2026-12-04T02:00:00Z" };
    expect(allowed(answered, true).followup).toBe(true);
    expect(allowed({ ...answered, followup_outcome: "not_satisfied" }, true).close).toBe(false);
    expect(allowed({ ...answered, followup_outcome: "unreachable" }, true).close).toBe(true);
    expect(allowed({ ...answered, followup_outcome: "satisfied" }, false).close).toBe(false);
    expect(allowed({ ...base, status: "closed" }, true)).toEqual({ comment: false, assign: false, followup: false, close: false, reopen: true });
  });
  it("words the history", () => {
    expect(eventText({ id: 1, at: "", kind: "escalated", by: "system:escalation", detail: { level: 2 } })).toEqual({ key: "tk.ev.escalated", vars: { level: "tk.esc.2" } });
    expect(eventText({ id: 1, at: "", kind: "answered", by: "x", detail: { on_time: false } }).key).toBe("tk.ev.answered_late");
    expect(eventText({ id: 1, at: "", kind: "closed", by: "x", detail: {} }).key).toBe("tk.ev.closed");
  });
  it("fills the form from the call, with the first enabled category", () => {
    const f = formFromCall({ id: "c-1", number: "13800138000", queue: "hotline" }, cats);
    expect(f.call_id).toBe("c-1");
    expect(f.phone).toBe("13800138000");
    expect(f.category).toBe("complaint");
    expect(f.priority).toBe("high");
  });
  it("renders rates and the chart", () => {
    expect(percent(null, "n/a")).toBe("n/a");
    expect(percent(0.875, "n/a")).toBe("87.5%");
    expect(statusTag("closed")).toBe("success");
    const o = chartOption([{ key: "complaint", created: 3, closed: 1, answered: 2, answered_on_time: 1, on_time_rate: 0.5, followed_up: 1, reopened: 0, reopen_rate: 0, overdue_open: 1 }], (k) => k.toUpperCase(), { created: "c", onTime: "o" });
    expect(o.xAxis.data).toEqual(["COMPLAINT"]);
    expect(o.series[1].data).toEqual([50]);
  });
});
