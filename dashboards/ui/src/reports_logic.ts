// Pure shaping for the QA reports page (/qa/reports) and the team lead's daily score sheet
// (/qa/score-sheet): the JSON of GET /api/v1/qa/reports and /qa/score-sheet
// (storage/qareports.go), rates to two decimals with their denominators named, report ranges
// and queries. No DOM here: unit-tested in reports_logic.test.ts.

// QARate is a rate with its denominator (storage.QARate): percent is null when n/a.
export interface QARate { percent: number | null; numerator: number; denominator: number; denominator_name: string; text: string }
export interface ItemCount { item_id: string; text: string; count: number }
export interface ReportRow {
  key: string; period: string; evaluations: number; calls?: number; quota: number | null; avg_score: number | null;
  fatal_rate: QARate; non_fatal_rate: QARate; top_failed_items: ItemCount[];
  disputed: number; dispute_rate: QARate; decided: number; overturned: number; overturn_rate: QARate;
}
export interface TrendPoint { period: string; evaluations: number; avg_score: number | null; fatal_rate: number | null; non_fatal_rate: number | null }
export interface Report { group: string; period: string; from: string; to: string; rows: ReportRow[]; trend: TrendPoint[]; top_failed_items?: ItemCount[] }

export interface SheetRow {
  id: number; call_id: string; agent_id: string; evaluator: string; scorecard_id: string; scorecard_version: number;
  score_raw: number; score_final: number; fatal: boolean; non_fatal_errors: number; comments: number; status: string; created_at: string;
}
export interface ScoreSheet { team: string; day: string; evaluator?: string; quota: number; evaluations: number; avg_score: number | null; fatal: number; rows: SheetRow[] }

export const GROUPS = ["agent", "team", "queue", "evaluator", "all"] as const;
export const PERIODS = ["day", "week", "month"] as const;
export type Group = (typeof GROUPS)[number];
export type Period = (typeof PERIODS)[number];

// pct2 is num ÷ den in percent, rounded to two decimals as the server does; null without a
// denominator (n/a, never 0 % or 100 %).
export function pct2(num: number, den: number): number | null {
  if (!(den > 0)) return null;
  return Math.round((num / den) * 100 * 100) / 100; // as storage's round2(v * 100)
}

// fmtPct shows a percentage to two decimals: "2.31 %"; null → the n/a text.
export function fmtPct(p: number | null | undefined, na: string): string {
  return p === null || p === undefined || !Number.isFinite(p) ? na : p.toFixed(2) + " %";
}

// fill replaces {name} placeholders.
export function fill(tmpl: string, vars: Record<string, string | number>): string {
  return tmpl.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

// rateText is a rate to two decimals with its denominator named, in the words of tmpl
// ("{p} of {n} {what}" → "2.31 % of 433 evaluations"). The percentage is the server's; the
// denominator's name is the server's denominator_name, translated through names when known.
export function rateText(r: QARate | null | undefined, tmpl: string, na: string, names: Record<string, string> = {}): string {
  if (!r) return na;
  const p = r.percent ?? pct2(r.numerator, r.denominator);
  if (p === null) return na;
  return fill(tmpl, { p: fmtPct(p, na), n: r.denominator, what: names[r.denominator_name] ?? r.denominator_name });
}

// fmtScore shows an average or a score to two decimals ("–" when there is none).
export function fmtScore(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(2);
}

// quotaText: evaluations done against the quota ("8 / 10"), or the bare count when the row has
// no quota.
export function quotaText(done: number, quota: number | null | undefined): string {
  return quota === null || quota === undefined ? String(done) : `${done} / ${quota}`;
}

// quotaShare is done ÷ quota in percent for a progress bar, capped at 100; null without quota.
export function quotaShare(done: number, quota: number | null | undefined): number | null {
  if (!quota || quota <= 0) return null;
  return Math.min(100, (100 * done) / quota);
}

const day = (d: Date) => d.toISOString().slice(0, 10);
const addDays = (d: Date, n: number) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + n));

// centreDay is now's calendar day (YYYY-MM-DD) in the centre's time zone tz (/me's time_zone):
// the server reads report, sheet and roster days in that zone, whatever the browser's own (a
// browser on UTC at 20:00 is already on the next day in Asia/Shanghai). Built from the parts,
// not from a locale's date pattern.
export function centreDay(now: Date, tz = "UTC"): string {
  try {
    const parts = new Intl.DateTimeFormat("en-US", { timeZone: tz || "UTC", year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(now);
    const part = (k: string) => parts.find((p) => p.type === k)?.value ?? "";
    return `${part("year").padStart(4, "0")}-${part("month")}-${part("day")}`;
  } catch {
    return day(now); // an unknown zone: UTC
  }
}

// centreToday is the centre's day now: the day every page that opens on "today" starts from.
export const centreToday = (tz?: string, now: Date = new Date()) => centreDay(now, tz);
// centreMonth is the centre's month now (YYYY-MM); centreYear its year.
export const centreMonth = (tz?: string, now: Date = new Date()) => centreDay(now, tz).slice(0, 7);
export const centreYear = (tz?: string, now: Date = new Date()) => Number(centreDay(now, tz).slice(0, 4));

// Presets name the weekly and monthly QA reports: a whole week (from Monday) or month of the
// centre's calendar (tz).
export const PRESETS = ["last28", "this_week", "last_week", "this_month", "last_month"] as const;
export type Preset = (typeof PRESETS)[number];
export interface Range { from: string; to: string; period: Period } // from and to inclusive days, YYYY-MM-DD

export function presetRange(p: Preset, now: Date, tz = "UTC"): Range {
  const today = new Date(centreDay(now, tz) + "T00:00:00Z"); // calendar arithmetic in UTC fields
  const monday = addDays(today, -((today.getUTCDay() + 6) % 7));
  const first = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1));
  switch (p) {
    case "this_week": return { from: day(monday), to: day(addDays(monday, 6)), period: "week" };
    case "last_week": return { from: day(addDays(monday, -7)), to: day(addDays(monday, -1)), period: "week" };
    case "this_month": return { from: day(first), to: day(addDays(new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 1)), -1)), period: "month" };
    case "last_month": return { from: day(new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() - 1, 1))), to: day(addDays(first, -1)), period: "month" };
    default: return { from: day(addDays(today, -27)), to: day(today), period: "day" };
  }
}

// reportQuery is the query of GET /qa/reports for a choice: from and to are the date inputs'
// inclusive days (the centre's); the API's to is exclusive, so the day after.
export function reportQuery(group: Group, period: Period, from: string, to: string): string {
  const end = day(addDays(new Date(to + "T00:00:00Z"), 1));
  return new URLSearchParams({ group, period, from, to: end }).toString();
}

// validRange: both days given and from not after to; otherwise the field to fix.
export function rangeError(from: string, to: string): "from" | "to" | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(from)) return "from";
  if (!/^\d{4}-\d{2}-\d{2}$/.test(to) || to < from) return "to";
  return null;
}

// reportMostFailed is the report's most-failed items, counted by the server over every row.
export function reportMostFailed(rep: Report): ItemCount[] {
  return rep.top_failed_items ?? [];
}

// trendSeries turns the report's trend into uPlot columns: x (UTC seconds of each period's
// first day), average score, fatal-item rate %, non-fatal-item rate %.
export function trendSeries(trend: TrendPoint[]): [number[], (number | null)[], (number | null)[], (number | null)[]] {
  const pts = [...trend].filter((p) => !Number.isNaN(Date.parse(p.period + "T00:00:00Z"))).sort((a, b) => a.period.localeCompare(b.period));
  return [
    pts.map((p) => Date.parse(p.period + "T00:00:00Z") / 1000),
    pts.map((p) => p.avg_score ?? null),
    pts.map((p) => p.fatal_rate ?? null),
    pts.map((p) => p.non_fatal_rate ?? null),
  ];
}

// sheetQuery is the query of GET /qa/score-sheet: a team lead's own team and sheet need no
// team or lead; others name the team and optionally one evaluator.
export function sheetQuery(day: string, team?: string, lead?: string): string {
  const q = new URLSearchParams();
  if (team) q.set("team", team);
  if (day) q.set("day", day);
  if (lead) q.set("lead", lead);
  return q.toString();
}

// evaluatorsOf lists the distinct evaluators on a sheet, sorted.
export function evaluatorsOf(rows: SheetRow[]): string[] {
  return [...new Set(rows.map((r) => r.evaluator))].sort();
}

// KeyScore is one group's figures over the whole report: its evaluations and their average
// score (each period's average weighted by its evaluations).
export interface KeyScore { key: string; evaluations: number; avg: number | null }

// scoresByKey sums the report's rows per group key (agent, team, queue, evaluator) for the
// distribution chart: the most evaluated first, then by key.
export function scoresByKey(rows: ReportRow[]): KeyScore[] {
  const m = new Map<string, { n: number; sum: number; scored: number }>();
  for (const r of rows) {
    const e = m.get(r.key) ?? { n: 0, sum: 0, scored: 0 };
    e.n += r.evaluations;
    if (r.avg_score !== null && r.avg_score !== undefined && Number.isFinite(r.avg_score)) {
      e.sum += r.avg_score * r.evaluations;
      e.scored += r.evaluations;
    }
    m.set(r.key, e);
  }
  return [...m.entries()]
    .map(([key, e]) => ({ key, evaluations: e.n, avg: e.scored > 0 ? Math.round((e.sum / e.scored) * 100) / 100 : null }))
    .sort((a, b) => b.evaluations - a.evaluations || a.key.localeCompare(b.key));
}
