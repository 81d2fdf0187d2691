// Pure logic of the production reports page (/reports): the query, presets of the range, the
// drill-down path, the weekday × hour heatmap and the formatting of figures against targets.
// GET /api/v1/reports/production answers figures per row (rates as fractions 0–1, times in
// seconds) and the targets in force for the row (queue's own, else its project's).

export const INTERVALS = ["15m", "30m", "60m", "day", "week", "month", "range"] as const;
export type Interval = (typeof INTERVALS)[number];
export const GROUPS = ["none", "project", "queue", "team", "agent", "direction"] as const;
export type Group = (typeof GROUPS)[number];
export const PRESETS = ["today", "yesterday", "this_week", "last_week", "this_month", "last_month", "last7", "last30"] as const;
export type Preset = (typeof PRESETS)[number];
export const VIEWS = ["inbound", "outbound", "agents", "all"] as const;
export type View = (typeof VIEWS)[number];

export type Figures = Record<string, number | null | Record<string, number> | undefined>;
export interface Targets {
  service_level?: number | null;
  aht_s?: number | null;
  connect_rate?: number | null;
  occupancy_min?: number | null;
  occupancy_max?: number | null;
  daily_dials?: number | null;
  daily_talk_minutes?: number | null;
}
export interface Row { key: string; label?: string; start?: string; end?: string; figures: Figures; targets?: Targets | null }
export interface Report {
  from: string;
  to: string;
  time_zone: string;
  interval: string;
  group: string;
  rows: Row[];
  totals: { figures: Figures; targets?: Targets | null };
  notes?: string[];
}

export interface Filters {
  project?: string;
  queue?: string;
  team?: string;
  agent?: string;
  direction?: string;
}
export interface Query extends Filters {
  from: string; // YYYY-MM-DD, inclusive, centre's days
  to: string;
  interval: Interval;
  group: Group;
  hours?: [string, string] | null; // business hours "HH:MM", centre's zone
  weekdays?: number[]; // ISO weekdays 1 (Monday) … 7; empty or all seven: every day
}

// reportQuery is the query string of a report (without format / lang).
export function reportQuery(q: Query): string {
  const p = new URLSearchParams();
  p.set("from", q.from);
  p.set("to", q.to);
  p.set("interval", q.interval);
  if (q.group !== "none") p.set("group", q.group);
  for (const k of ["project", "queue", "team", "agent", "direction"] as const) {
    const v = q[k];
    if (v) p.set(k, v);
  }
  if (q.hours && q.hours[0] && q.hours[1]) p.set("hours", `${q.hours[0]}-${q.hours[1]}`);
  const wd = [...new Set(q.weekdays ?? [])].filter((d) => d >= 1 && d <= 7).sort((a, b) => a - b);
  if (wd.length > 0 && wd.length < 7) p.set("weekdays", wd.join(","));
  return p.toString();
}

// exportLink is the CSV / XLSX of the same report, headers in lang.
export function exportLink(query: string, format: "csv" | "xlsx", lang: string): string {
  return `/api/v1/reports/production?${query}&format=${format}&lang=${encodeURIComponent(lang)}`;
}

// ---- days in the centre's zone ----

// localParts is the wall-clock date of t in zone tz.
export function localParts(t: Date, tz: string): { y: number; m: number; d: number; hour: number; weekday: number } {
  const f = new Intl.DateTimeFormat("en-US", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", hourCycle: "h23", weekday: "short" });
  const parts = Object.fromEntries(f.formatToParts(t).map((x) => [x.type, x.value]));
  const wd = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(parts.weekday) + 1;
  return { y: +parts.year, m: +parts.month, d: +parts.day, hour: +parts.hour % 24, weekday: wd };
}

const pad = (n: number) => String(n).padStart(2, "0");
const ymd = (d: Date) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
// civil days are computed on UTC dates (no zone arithmetic once the local day is known)
const civil = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d));
const addDays = (d: Date, n: number) => new Date(d.getTime() + n * 86_400_000);

export interface Range { from: string; to: string; interval: Interval }

// presetRange is the inclusive range of days of a preset, in the centre's zone, with the
// interval that suits it.
export function presetRange(p: Preset, now: Date, tz: string): Range {
  const l = localParts(now, tz);
  const today = civil(l.y, l.m, l.d);
  const monday = addDays(today, -(l.weekday - 1));
  switch (p) {
    case "today":
      return { from: ymd(today), to: ymd(today), interval: "60m" };
    case "yesterday": {
      const y = addDays(today, -1);
      return { from: ymd(y), to: ymd(y), interval: "60m" };
    }
    case "this_week":
      return { from: ymd(monday), to: ymd(today), interval: "day" };
    case "last_week":
      return { from: ymd(addDays(monday, -7)), to: ymd(addDays(monday, -1)), interval: "day" };
    case "this_month":
      return { from: ymd(civil(l.y, l.m, 1)), to: ymd(today), interval: "day" };
    case "last_month": {
      const first = civil(l.y, l.m, 1);
      const lastPrev = addDays(first, -1);
      return { from: ymd(civil(lastPrev.getUTCFullYear(), lastPrev.getUTCMonth() + 1, 1)), to: ymd(lastPrev), interval: "day" };
    }
    case "last7":
      return { from: ymd(addDays(today, -6)), to: ymd(today), interval: "day" };
    case "last30":
      return { from: ymd(addDays(today, -29)), to: ymd(today), interval: "day" };
  }
}

// ---- drill-down ----

export interface Level { group: Group; filters: Filters; label: string }

// drillDown is the next level under a row of group g (key k), or "calls" when the next step is
// the calls themselves, or null when there is nothing under it.
export function drillDown(cur: Level, key: string, label: string): Level | "calls" | null {
  if (!key) return null;
  const f = { ...cur.filters };
  switch (cur.group) {
    case "project":
      return { group: "team", filters: { ...f, project: key }, label };
    case "team":
      return { group: "agent", filters: { ...f, team: key }, label };
    case "queue":
      return { group: "agent", filters: { ...f, queue: key }, label };
    case "direction":
      return { group: "queue", filters: { ...f, direction: key }, label };
    case "agent":
      return "calls";
    default:
      return null;
  }
}

// callsLink is the calls page for an agent's (or the filters') calls over the report's days.
export function callsLink(from: string, to: string, f: Filters): string {
  const p = new URLSearchParams();
  p.set("from", from);
  p.set("to", to);
  if (f.agent) p.set("agent", f.agent);
  if (f.queue) p.set("queue", f.queue);
  if (f.direction) p.set("direction", f.direction);
  return "/calls?" + p.toString();
}

// ---- heatmap: weekday × hour of an additive figure, from a 60-minute report ----

export function heatmap(rows: Row[], figure: string, tz: string): { cells: [number, number, number][]; max: number } {
  const sums = new Map<string, number>();
  for (const r of rows) {
    if (!r.start) continue;
    const v = r.figures[figure];
    if (typeof v !== "number") continue;
    const l = localParts(new Date(r.start), tz);
    const k = `${l.hour}|${l.weekday}`;
    sums.set(k, (sums.get(k) ?? 0) + v);
  }
  const cells: [number, number, number][] = [];
  let max = 0;
  for (const [k, v] of sums) {
    const [h, wd] = k.split("|").map(Number);
    cells.push([h, wd - 1, v]);
    if (v > max) max = v;
  }
  cells.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
  return { cells, max };
}

// ---- figures ----

export function fmtPct(v: unknown, na: string): string {
  return typeof v === "number" && Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : na;
}

// fmtDur formats seconds as m:ss, or h:mm:ss from an hour.
export function fmtDur(v: unknown, na: string): string {
  if (typeof v !== "number" || !Number.isFinite(v)) return na;
  const s = Math.round(v);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h > 0 ? `${h}:${pad(m)}:${pad(r)}` : `${m}:${pad(r)}`;
}

export function fmtNum(v: unknown, na: string, digits = 0): string {
  if (typeof v !== "number" || !Number.isFinite(v)) return na;
  return digits === 0 ? String(Math.round(v)) : v.toFixed(digits);
}

// Verdict of a figure against its target: "ok", "bad" or "" (no target, no figure).
export type Verdict = "ok" | "bad" | "";

export function verdict(figure: string, f: Figures, t: Targets | null | undefined, interval: string): Verdict {
  if (!t) return "";
  const v = f[figure];
  if (typeof v !== "number") return "";
  const at = (x: number | null | undefined, good: boolean): Verdict => (x == null ? "" : good ? "ok" : "bad");
  switch (figure) {
    case "service_level":
      return at(t.service_level, t.service_level != null && v >= t.service_level);
    case "aht_s":
      return at(t.aht_s, t.aht_s != null && v <= t.aht_s);
    case "connect_rate_attempts":
      return at(t.connect_rate, t.connect_rate != null && v >= t.connect_rate);
    case "occupancy": {
      if (t.occupancy_min == null && t.occupancy_max == null) return "";
      const lo = t.occupancy_min ?? 0, hi = t.occupancy_max ?? 1;
      return v >= lo && v <= hi ? "ok" : "bad";
    }
    case "outbound_dials":
      return interval === "day" ? at(t.daily_dials, t.daily_dials != null && v >= t.daily_dials) : "";
    case "outbound_talk_minutes":
      return interval === "day" ? at(t.daily_talk_minutes, t.daily_talk_minutes != null && v >= t.daily_talk_minutes) : "";
  }
  return "";
}

// targetOf is the target a figure is compared with, for the cell's tooltip ("" when none).
export function targetOf(figure: string, t: Targets | null | undefined, interval: string): number | [number | null, number | null] | null {
  if (!t) return null;
  switch (figure) {
    case "service_level":
      return t.service_level ?? null;
    case "aht_s":
      return t.aht_s ?? null;
    case "connect_rate_attempts":
      return t.connect_rate ?? null;
    case "occupancy":
      return t.occupancy_min == null && t.occupancy_max == null ? null : [t.occupancy_min ?? null, t.occupancy_max ?? null];
    case "outbound_dials":
      return interval === "day" ? (t.daily_dials ?? null) : null;
    case "outbound_talk_minutes":
      return interval === "day" ? (t.daily_talk_minutes ?? null) : null;
  }
  return null;
}

// The columns of each view; the kind says how a value is written.
export type Kind = "count" | "pct" | "dur" | "num1" | "min";
export interface Column { figure: string; kind: Kind }
const C = (figure: string, kind: Kind): Column => ({ figure, kind });
export const COLUMNS: Record<Exclude<View, "all">, Column[]> = {
  inbound: [
    C("offered", "count"), C("answered", "count"), C("abandoned", "count"), C("short_abandoned", "count"), C("flowed_out", "count"),
    C("service_level", "pct"), C("abandon_rate", "pct"), C("asa_s", "dur"), C("longest_wait_s", "dur"),
    C("aht_s", "dur"), C("talk_s", "dur"), C("hold_s", "dur"), C("wrap_s", "dur"), C("transfers", "count"),
  ],
  outbound: [
    C("outbound_dials", "count"), C("outbound_connects", "count"), C("connect_rate_attempts", "pct"), C("connect_rate_numbers", "pct"),
    C("outbound_talk_minutes", "min"), C("aht_s", "dur"),
  ],
  agents: [
    C("logged_in_s", "dur"), C("available_s", "dur"), C("paused_s", "dur"), C("occupancy", "pct"), C("utilisation", "pct"),
    C("calls_per_logged_in_hour", "num1"), C("missed_rings", "count"),
  ],
};
export function columnsOf(v: View): Column[] {
  if (v !== "all") return COLUMNS[v];
  const seen = new Set<string>();
  return [...COLUMNS.inbound, ...COLUMNS.outbound, ...COLUMNS.agents].filter((c) => (seen.has(c.figure) ? false : (seen.add(c.figure), true)));
}

// figureValue reads a figure; paused_s is the sum of paused_s_by_reason when the API gives only that.
export function figureValue(f: Figures, figure: string): number | null {
  const v = f[figure];
  if (typeof v === "number") return v;
  if (figure === "paused_s") {
    const by = f.paused_s_by_reason;
    if (by && typeof by === "object") return Object.values(by).reduce((a, b) => a + (typeof b === "number" ? b : 0), 0);
  }
  return null;
}

export function fmtFigure(c: Column, v: number | null, na: string): string {
  switch (c.kind) {
    case "count":
      return fmtNum(v, na);
    case "pct":
      return fmtPct(v, na);
    case "dur":
      return fmtDur(v, na);
    case "num1":
      return fmtNum(v, na, 1);
    case "min":
      return fmtNum(v, na);
  }
}

// rowTime is a row's interval as the centre's wall clock: "2026-12-04 09:15" for sub-day
// intervals, the day, "2026-W49" for ISO weeks, "2026-12" for months, "" for the whole range.
export function rowTime(r: Row, interval: string, tz: string): string {
  if (!r.start || interval === "range") return "";
  const d = new Date(r.start);
  const l = localParts(d, tz);
  const day = `${l.y}-${pad(l.m)}-${pad(l.d)}`;
  switch (interval) {
    case "day":
      return day;
    case "month":
      return `${l.y}-${pad(l.m)}`;
    case "week": {
      const c = civil(l.y, l.m, l.d);
      const th = addDays(c, 3 - ((l.weekday + 6) % 7)); // the week's Thursday decides its year
      const jan1 = civil(th.getUTCFullYear(), 1, 1);
      const wk = 1 + Math.floor((th.getTime() - jan1.getTime()) / 86_400_000 / 7);
      return `${th.getUTCFullYear()}-W${pad(wk)}`;
    }
    default: {
      const mf = new Intl.DateTimeFormat("en-GB", { timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
      return `${day} ${mf.format(d)}`;
    }
  }
}
