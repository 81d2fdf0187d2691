// Projects and targets (issue 11): the shapes the API answers and the targets form's
// conversions (percent ↔ fraction, AHT as seconds or m:ss). Tested in projects_logic.test.ts.

export interface Targets {
  service_level: number | null;
  aht_s: number | null;
  connect_rate: number | null;
  occupancy_min: number | null;
  occupancy_max: number | null;
  daily_dials: number | null;
  daily_talk_minutes: number | null;
}

export interface Project {
  id: string;
  name: string;
  queues: string[];
  teams: string[];
  managers: { id: number; username: string; display_name: string }[];
  targets: Targets;
}

// TargetsForm is what the form edits: percents and the AHT as typed ("" = no target).
export interface TargetsForm {
  sl: string;
  aht: string;
  connect: string;
  occMin: string;
  occMax: string;
  dials: string;
  talk: string;
}

export const emptyTargets = (): Targets => ({
  service_level: null, aht_s: null, connect_rate: null, occupancy_min: null, occupancy_max: null, daily_dials: null, daily_talk_minutes: null,
});

// formatAHT: seconds as m:ss ("3:06"); "" for none.
export function formatAHT(s: number | null | undefined): string {
  if (s === null || s === undefined || !isFinite(s)) return "";
  const r = Math.round(s);
  return `${Math.floor(r / 60)}:${String(r % 60).padStart(2, "0")}`;
}

// parseAHT reads "186", "186.5" or "3:06" as seconds; null for ""; NaN when it is neither.
export function parseAHT(v: string): number | null {
  const s = v.trim();
  if (s === "") return null;
  const m = /^(\d+):([0-5]\d)$/.exec(s);
  if (m) return Number(m[1]) * 60 + Number(m[2]);
  return /^\d+(\.\d+)?$/.test(s) ? Number(s) : NaN;
}

const pct = (f: number | null): string => (f === null || f === undefined ? "" : String(Math.round(f * 1000) / 10));
const num = (n: number | null): string => (n === null || n === undefined ? "" : String(n));

export function targetsForm(t: Targets | null | undefined): TargetsForm {
  const x = t ?? emptyTargets();
  return {
    sl: pct(x.service_level), aht: formatAHT(x.aht_s), connect: pct(x.connect_rate), occMin: pct(x.occupancy_min),
    occMax: pct(x.occupancy_max), dials: num(x.daily_dials), talk: num(x.daily_talk_minutes),
  };
}

// TargetsError names the form field at fault and the catalogue key of the sentence.
export interface TargetsError {
  field: keyof TargetsForm;
  key: string;
}

// targetsBody checks the form and turns it into the API's targets (fractions, seconds).
export function targetsBody(f: TargetsForm): { body?: Targets; error?: TargetsError } {
  const out = emptyTargets();
  const percent = (field: keyof TargetsForm): number | null | undefined => {
    const s = f[field].trim();
    if (s === "") return null;
    const n = Number(s);
    if (!/^\d+(\.\d+)?$/.test(s) || n > 100) return undefined;
    return Math.round(n * 10) / 1000;
  };
  const count = (field: keyof TargetsForm): number | null | undefined => {
    const s = f[field].trim();
    if (s === "") return null;
    return /^\d{1,9}$/.test(s) ? Number(s) : undefined;
  };
  const pairs: [keyof TargetsForm, "service_level" | "connect_rate" | "occupancy_min" | "occupancy_max"][] = [
    ["sl", "service_level"], ["connect", "connect_rate"], ["occMin", "occupancy_min"], ["occMax", "occupancy_max"],
  ];
  for (const [field, key] of pairs) {
    const v = percent(field);
    if (v === undefined) return { error: { field, key: "proj.err.percent" } };
    out[key] = v;
  }
  const aht = parseAHT(f.aht);
  if (aht !== null && (!isFinite(aht) || aht <= 0 || aht > 86400)) return { error: { field: "aht", key: "proj.err.aht" } };
  out.aht_s = aht;
  for (const [field, key] of [["dials", "daily_dials"], ["talk", "daily_talk_minutes"]] as const) {
    const v = count(field);
    if (v === undefined) return { error: { field, key: "proj.err.count" } };
    out[key] = v;
  }
  if (out.occupancy_min !== null && out.occupancy_max !== null && out.occupancy_min > out.occupancy_max) {
    return { error: { field: "occMin", key: "proj.err.band" } };
  }
  return { body: out };
}

// targetsSummary: the targets in one short line for a table ("SL 80 % · AHT 3:06 · …").
export function targetsSummary(t: Targets | null | undefined, label: (k: string) => string): string {
  if (!t) return "";
  const parts: string[] = [];
  if (t.service_level !== null) parts.push(`${label("sl")} ${pct(t.service_level)} %`);
  if (t.aht_s !== null) parts.push(`${label("aht")} ${formatAHT(t.aht_s)}`);
  if (t.connect_rate !== null) parts.push(`${label("connect")} ${pct(t.connect_rate)} %`);
  if (t.occupancy_min !== null || t.occupancy_max !== null) parts.push(`${label("occ")} ${pct(t.occupancy_min) || "0"}–${pct(t.occupancy_max) || "100"} %`);
  if (t.daily_dials !== null) parts.push(`${label("dials")} ${t.daily_dials}`);
  if (t.daily_talk_minutes !== null) parts.push(`${label("talk")} ${t.daily_talk_minutes}`);
  return parts.join(" · ");
}
