// Pure helpers of the roster pages (issue 12): the grid's day classes and heads, rotation codes
// as text, shift breaks as text, the desktop's two weeks.

export interface RosterDay {
  day: string;
  weekday: number; // 0 Sunday … 6 Saturday
  kind?: string; // holiday | workday (a make-up workday)
  name?: string;
  heads: Record<string, number>;
  required: number;
  short?: boolean;
}

export interface RosterCell {
  shift: string;
  published?: string;
  changed?: boolean;
  leave?: string;
}

export interface RosterView {
  team: string;
  month: string;
  status: string;
  version: number;
  published_at?: string;
  published_by?: string;
  agents: { id: string; name: string }[];
  days: RosterDay[];
  cells: Record<string, Record<string, RosterCell>>;
  changed: number;
  rules: { team: string; min_heads: number; weekend_min_heads: number };
  short: { day: string; heads: number; required: number }[];
}

// dayClass: how a day's column is shaded — a holiday, a weekend day (unless a make-up workday),
// a make-up workday, and short when under its minimum heads.
export function dayClass(d: RosterDay): string {
  const out: string[] = [];
  if (d.kind === "holiday") out.push("rd-holiday");
  else if (d.kind === "workday") out.push("rd-workday");
  else if (d.weekday === 0 || d.weekday === 6) out.push("rd-weekend");
  if (d.short) out.push("rd-short");
  return out.join(" ");
}

// totalHeads: agents on any shift that day.
export function totalHeads(d: RosterDay): number {
  return Object.values(d.heads ?? {}).reduce((a, b) => a + b, 0);
}

// headsText is the footer cell: "6", or "4/6" when under the minimum.
export function headsText(d: RosterDay): string {
  const n = totalHeads(d);
  return d.short ? `${n}/${d.required}` : String(n);
}

// codesText shows a rotation's codes: "" (off) as "-".
export function codesText(codes: string[] | null | undefined): string {
  return (codes ?? []).map((c) => c || "-").join(" ");
}

// parseCodes reads "E E - -" (or commas) back: "-" is a day off.
export function parseCodes(text: string): string[] {
  return text
    .split(/[\s,，]+/)
    .filter((c) => c !== "")
    .map((c) => (c === "-" || c === "休" ? "" : c));
}

export interface ShiftBreak {
  start: string;
  end: string;
  paid?: boolean;
}

export function breaksText(b: ShiftBreak[] | null | undefined): string {
  return (b ?? []).map((x) => `${x.start}-${x.end}`).join(", ");
}

// parseBreaks reads "12:00-13:00, 17:30-18:00"; null when a part is not start-end.
export function parseBreaks(text: string): ShiftBreak[] | null {
  const out: ShiftBreak[] = [];
  for (const part of text.split(/[,，;]+/).map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\d{1,2}:\d{2})\s*[-–~]\s*(\d{1,2}:\d{2})$/.exec(part);
    if (!m) return null;
    out.push({ start: m[1].padStart(5, "0"), end: m[2].padStart(5, "0") });
  }
  return out;
}

// addDays adds n days to a day YYYY-MM-DD.
export function addDays(day: string, n: number): string {
  const d = new Date(day + "T00:00:00Z");
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

// mondayOf is the Monday of day's week.
export function mondayOf(day: string): string {
  const wd = new Date(day + "T00:00:00Z").getUTCDay();
  return addDays(day, -((wd + 6) % 7));
}

// weeks splits days (from a Monday) into weeks of seven.
export function weeks<T>(days: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < days.length; i += 7) out.push(days.slice(i, i + 7));
  return out;
}

// weekdayOf: 0 Sunday … 6 Saturday of a day YYYY-MM-DD.
export function weekdayOf(day: string): number {
  return new Date(day + "T00:00:00Z").getUTCDay();
}

// clock is a shift time "HH:MM" in the centre's zone.
export function clock(iso: string | undefined, tz: string): string {
  if (!iso) return "";
  return new Date(iso).toLocaleTimeString("en-GB", { timeZone: tz, hour: "2-digit", minute: "2-digit", hour12: false });
}
