// The tickets pages' logic, kept out of the views so that vitest checks it.

import type { Lang } from "../../i18n";
import type { Ticket, TicketCategory, TicketEvent, TicketFigures } from "./tickets_api";

export const STATUSES = ["open", "in_progress", "waiting_followup", "closed", "reopened"] as const;
export const PRIORITIES = ["low", "normal", "high", "urgent"] as const;
export const OUTCOMES = ["satisfied", "not_satisfied", "unreachable"] as const;

// statusTag is an el-tag type for a status.
export function statusTag(s: string): "primary" | "success" | "warning" | "info" | "danger" {
  switch (s) {
    case "closed":
      return "success";
    case "waiting_followup":
      return "warning";
    case "reopened":
      return "danger";
    case "open":
      return "info";
  }
  return "primary";
}

export function categoryName(cats: TicketCategory[], code: string, lang: Lang): string {
  const c = cats.find((x) => x.code === code);
  if (!c) return code;
  return lang === "en" ? c.name_en : c.name_zh;
}

export function fieldLabel(f: { label_zh: string; label_en: string }, lang: Lang): string {
  return lang === "en" ? f.label_en : f.label_zh;
}

// The ticket's actions as its state allows them (the server checks again).
export function allowed(t: Ticket, canAct: boolean): { comment: boolean; assign: boolean; followup: boolean; close: boolean; reopen: boolean } {
  const open = t.status !== "closed";
  return {
    comment: canAct && open,
    assign: canAct && open,
    followup: canAct && open && !!t.answered_at,
    close: canAct && open && t.status !== "reopened" && (t.followup_outcome === "satisfied" || t.followup_outcome === "unreachable"),
    reopen: canAct && !open,
  };
}

// The history line's translation key and parameters.
export function eventText(e: TicketEvent): { key: string; vars: Record<string, string> } {
  const d = e.detail ?? {};
  switch (e.kind) {
    case "assigned":
      return { key: "tk.ev.assigned", vars: { who: String(d.assignee ?? "") } };
    case "moved_team":
      return { key: "tk.ev.moved_team", vars: { to: String(d.to ?? "") } };
    case "answered":
      return { key: d.on_time === false ? "tk.ev.answered_late" : "tk.ev.answered", vars: {} };
    case "escalated":
      return { key: "tk.ev.escalated", vars: { level: "tk.esc." + String(d.level ?? 1) } };
    case "followup":
      return { key: "tk.ev.followup", vars: { outcome: "tk.outcome." + String(d.outcome ?? "") } };
  }
  return { key: "tk.ev." + e.kind, vars: {} };
}

// timelineType colours the history's dots.
export function timelineType(kind: string): "primary" | "success" | "warning" | "danger" | "info" {
  switch (kind) {
    case "escalated":
    case "reopened":
      return "danger";
    case "closed":
      return "success";
    case "answered":
    case "followup":
      return "warning";
    case "created":
      return "primary";
  }
  return "info";
}

// A new ticket's form, filled from the call on the desktop.
export interface DeskCall {
  id: string;
  number?: string;
  queue?: string;
}

export function formFromCall(call: DeskCall | null, cats: TicketCategory[]): Record<string, unknown> {
  const first = cats.find((c) => !c.disabled);
  return {
    category: first?.code ?? "",
    priority: first?.default_priority ?? "normal",
    phone: call?.number ?? "",
    customer_name: "",
    subject: "",
    description: "",
    fields: {} as Record<string, unknown>,
    call_id: call?.id ?? "",
  };
}

// percent renders a rate (0..1, null: no denominator).
export function percent(r: number | null | undefined, na: string): string {
  if (r === null || r === undefined) return na;
  return (r * 100).toFixed(1) + "%";
}

// chartOption is the report's chart: tickets created per category (bars) and the on-time
// answer rate (line, right axis).
export function chartOption(rows: TicketFigures[], label: (k: string) => string, names: { created: string; onTime: string }) {
  return {
    tooltip: { trigger: "axis" },
    legend: { top: 0, data: [names.created, names.onTime] },
    grid: { left: 40, right: 50, bottom: 30, top: 40 },
    xAxis: { type: "category", data: rows.map((r) => label(r.key)) },
    yAxis: [
      { type: "value", minInterval: 1 },
      { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    ],
    series: [
      { name: names.created, type: "bar", data: rows.map((r) => r.created) },
      { name: names.onTime, type: "line", yAxisIndex: 1, data: rows.map((r) => (r.on_time_rate === null ? null : Math.round(r.on_time_rate * 1000) / 10)) },
    ],
  };
}
