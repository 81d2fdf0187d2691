// The campaign pages' logic: guessing a column's role from its header, the import mapping, the
// calling windows' days, the retry waits (Go durations in nanoseconds) and the script preview.

export type ColumnRole = "phone" | "name" | "time_zone" | "owner" | "field" | "skip";

export interface LeadMapping {
  phone: string;
  name?: string;
  time_zone?: string;
  owner?: string; // the agent who owns the lead: agent id, login or name
  fields?: string[];
}

const guesses: [ColumnRole, RegExp][] = [
  ["phone", /手机|电话|号码|phone|mobile|tel|msisdn/i],
  ["time_zone", /时区|zone|tz/i],
  ["owner", /归属|坐席|工号|owner|^agent/i],
  ["name", /姓名|名字|客户名|^name$|customer|联系人/i],
];

// guessRoles proposes a role per header cell: the first phone-like column is the phone, the
// first name-like the name, the first zone-like the zone; everything else a custom field
// (empty headers are skipped).
export function guessRoles(header: string[]): ColumnRole[] {
  const taken = new Set<ColumnRole>();
  return header.map((h) => {
    const text = h.trim();
    if (!text) return "skip";
    for (const [role, re] of guesses) {
      if (!taken.has(role) && re.test(text)) {
        taken.add(role);
        return role;
      }
    }
    return "field";
  });
}

// mappingOf turns the roles into the import's mapping; an error key when it cannot be imported.
export function mappingOf(header: string[], roles: ColumnRole[]): { mapping?: LeadMapping; error?: "camp.map.need_phone" | "camp.map.one_each" } {
  const m: LeadMapping = { phone: "", fields: [] };
  for (const role of ["phone", "name", "time_zone", "owner"] as const) {
    const cols = roles.map((r, i) => (r === role ? i : -1)).filter((i) => i >= 0);
    if (cols.length > 1) return { error: "camp.map.one_each" };
    if (cols.length === 1) m[role] = header[cols[0]].trim();
  }
  if (!m.phone) return { error: "camp.map.need_phone" };
  roles.forEach((r, i) => {
    if (r === "field") m.fields!.push(header[i].trim());
  });
  return { mapping: m };
}

const NS_PER_MIN = 60e9;
export const nsToMinutes = (ns: number | undefined): number => Math.round((ns ?? 0) / NS_PER_MIN);
export const minutesToNs = (min: number): number => Math.round(min) * NS_PER_MIN;

// toggleDay adds or removes a weekday (0 Sunday … 6 Saturday) from a window's days, sorted.
export function toggleDay(days: number[], d: number): number[] {
  const s = new Set(days);
  if (s.has(d)) s.delete(d);
  else s.add(d);
  return [...s].sort((a, b) => a - b);
}

// windowsCover says which weekdays have no calling window at all (shown as a warning).
export function uncoveredDays(windows: { days: number[] }[]): number[] {
  const on = new Set(windows.flatMap((w) => w.days));
  return [0, 1, 2, 3, 4, 5, 6].filter((d) => !on.has(d));
}

// renderScript fills {{field}} from a lead as the agent's card does; a missing field shows as 【field】.
export function renderScript(script: string, fields: Record<string, string>): string {
  return script.replace(/{{\s*([^{}]*?)\s*}}/g, (_m, k: string) => (fields[k] ? fields[k] : `【${k}】`));
}

// insertAt puts text into s at a caret position (the script editor's field picker).
export function insertAt(s: string, pos: number | null | undefined, text: string): string {
  const p = pos == null || pos < 0 || pos > s.length ? s.length : pos;
  return s.slice(0, p) + text + s.slice(p);
}

// leadsLeft: the leads still to work (not done).
export function leadsLeft(leads: Record<string, number> | undefined): number {
  if (!leads) return 0;
  return Object.entries(leads).reduce((n, [k, v]) => (k === "done" ? n : n + v), 0);
}

// dncSource says where a do-not-call entry came from: by hand, or a disposition (attempt:N or
// disposition:campaign).
export function dncSource(source: string): { kind: "manual" | "disposition" | "other"; ref: string } {
  if (source === "manual" || source === "") return { kind: "manual", ref: "" };
  const [k, ref] = source.split(":", 2);
  if (k === "attempt" || k === "disposition") return { kind: "disposition", ref: ref ?? "" };
  return { kind: "other", ref: source };
}
