// The call search's query string, built from the page's filters (pure: unit-tested).

export interface CallsFilter {
  from: Date; to: Date;
  queue?: string; agent?: string; team?: string; outcome?: string; direction?: string;
  number?: string; recorded?: boolean;
  disposition?: string; q?: string; // a disposition code ("none": required, not given); text in the note
}

export const PAGE_SIZE = 50;

// callsQuery is the /calls query for f (empty filters left out) and the next page's cursor.
export function callsQuery(f: CallsFilter, cursor = "", limit = PAGE_SIZE): string {
  const q = new URLSearchParams();
  q.set("from", f.from.toISOString());
  q.set("to", f.to.toISOString());
  for (const k of ["queue", "agent", "team", "outcome", "direction", "number", "disposition", "q"] as const) {
    const v = (f[k] ?? "").trim();
    if (v) q.set(k, v);
  }
  if (f.recorded) q.set("recorded", "true");
  q.set("limit", String(limit));
  if (cursor) q.set("cursor", cursor);
  return q.toString();
}

// zoneOffsetMs is tz's offset from UTC at instant t (ms; east positive).
function zoneOffsetMs(t: number, tz: string): number {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit" }).formatToParts(new Date(t));
  const v = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(v("year"), v("month") - 1, v("day"), v("hour"), v("minute"), v("second")) - Math.floor(t / 1000) * 1000;
}

// zonedInstant reads a wall-clock time ("2026-11-22T08:30", as a datetime-local input gives it)
// in the centre's time zone tz: the centre's 08:30, whatever the browser's zone.
export function zonedInstant(local: string, tz = "UTC"): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local);
  if (!m) return new Date(NaN);
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  try {
    let t = wall - zoneOffsetMs(wall, tz);
    t = wall - zoneOffsetMs(t, tz); // once more: the offset at the instant itself (DST edges)
    return new Date(t);
  } catch {
    return new Date(wall); // an unknown zone: UTC
  }
}

// exportQuery is the query of the search's export (GET /calls?...&format=csv|xlsx): the same
// filters, no page size or cursor (the export holds every call the search matches), the file's
// format and the user's language for its headers.
export function exportQuery(f: CallsFilter, format: "csv" | "xlsx", lang: string): string {
  const q = new URLSearchParams(callsQuery(f));
  q.delete("limit");
  q.set("format", format);
  q.set("lang", lang);
  return q.toString();
}

// agentLabel is how the page names an agent: "Ana (1001)", or the bare ID when the name is not
// known (an agent removed since, or outside what the user may list).
export function agentLabel(id: string | undefined, names: Record<string, string>): string {
  if (!id) return "";
  const n = names[id];
  return n && n !== id ? `${n} (${id})` : id;
}

// Latest lets only the newest of overlapping requests land: start() numbers a request (and
// aborts the one before it), current(n) says whether request n is still the newest. A slow
// earlier search then cannot append its rows after a newer one's (or clear its error).
export class Latest {
  private n = 0;
  private ctl: AbortController | null = null;
  start(): { n: number; signal: AbortSignal } {
    this.ctl?.abort();
    this.ctl = new AbortController();
    return { n: ++this.n, signal: this.ctl.signal };
  }
  current(n: number): boolean {
    return n === this.n;
  }
  // stop drops every request under way (the page is leaving).
  stop(): void {
    this.ctl?.abort();
    this.ctl = null;
    this.n++;
  }
}
