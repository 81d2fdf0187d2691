// The call search's query string, built from the page's filters (pure: unit-tested).

export interface CallsFilter {
  from: Date; to: Date;
  queue?: string; agent?: string; team?: string; outcome?: string; direction?: string;
  number?: string; recorded?: boolean;
}

export const PAGE_SIZE = 50;

// callsQuery is the /calls query for f (empty filters left out) and the next page's cursor.
export function callsQuery(f: CallsFilter, cursor = "", limit = PAGE_SIZE): string {
  const q = new URLSearchParams();
  q.set("from", f.from.toISOString());
  q.set("to", f.to.toISOString());
  for (const k of ["queue", "agent", "team", "outcome", "direction", "number"] as const) {
    const v = (f[k] ?? "").trim();
    if (v) q.set(k, v);
  }
  if (f.recorded) q.set("recorded", "true");
  q.set("limit", String(limit));
  if (cursor) q.set("cursor", cursor);
  return q.toString();
}
