// The outbound daily report page (外呼日报, /reports/outbound): the query of
// GET /api/v1/reports/outbound, and the chart's series (dials, connects and connect rate per
// interval, every group of the interval added up).

export const OUT_INTERVALS = ["60m", "day", "week", "month", "range"] as const;
export type OutInterval = (typeof OUT_INTERVALS)[number];
export const OUT_GROUPS = ["none", "campaign", "team", "agent"] as const;
export type OutGroup = (typeof OUT_GROUPS)[number];

export interface OutFigures {
  dials: number;
  answered: number;
  connected: number;
  dropped: number;
  drop_rate: number | null;
  connect_rate_attempts: number | null;
  dialled_numbers: number;
  connected_numbers: number;
  connect_rate_numbers: number | null;
  busy: number;
  no_answer: number;
  unallocated: number;
  switched_off: number;
  failed: number;
  talk_minutes: number;
  avg_talk_s: number | null;
  dispositions: Record<string, number>;
  conversions: number;
  conversion_rate: number | null;
  leads_worked: number;
  leads_left: number | null;
}
export interface OutTargets { dials?: number; connects?: number; talk_minutes?: number; drop_rate?: number }
export interface OutLine { key: string; label: string; start: string; end: string; figures: OutFigures; targets: OutTargets | null }
export interface OutReport {
  from: string;
  to: string;
  time_zone: string;
  interval: string;
  group: string;
  rows: OutLine[];
  totals: OutLine;
  dispositions: { code: string; name: string; success?: boolean }[];
  campaigns: { id: string; name: string; project?: string }[];
  notes: string[];
}

export interface OutQuery {
  from: string;
  to: string;
  interval: OutInterval;
  group: OutGroup;
  campaign?: string;
  team?: string;
  agent?: string;
}

export function outboundQuery(q: OutQuery): string {
  const p = new URLSearchParams();
  p.set("from", q.from);
  p.set("to", q.to);
  p.set("interval", q.interval);
  if (q.group !== "none") p.set("group", q.group);
  for (const k of ["campaign", "team", "agent"] as const) if (q[k]) p.set(k, q[k]!);
  return p.toString();
}

export function outboundLink(query: string, format: "csv" | "xlsx", lang: string): string {
  return `/api/v1/reports/outbound?${query}&format=${format}&lang=${encodeURIComponent(lang)}`;
}

// chartSeries adds the rows of each interval up: labels (the interval's start, as label gives
// it), dials, connects and the connect rate in percent (null without dials).
export function chartSeries(rows: OutLine[], label: (r: OutLine) => string): { x: string[]; dials: number[]; connected: number[]; rate: (number | null)[] } {
  const by = new Map<string, { dials: number; connected: number }>();
  const order: string[] = [];
  for (const r of [...rows].sort((a, b) => a.start.localeCompare(b.start))) {
    const k = label(r);
    let v = by.get(k);
    if (!v) { v = { dials: 0, connected: 0 }; by.set(k, v); order.push(k); }
    v.dials += r.figures.dials;
    v.connected += r.figures.connected;
  }
  return {
    x: order,
    dials: order.map((k) => by.get(k)!.dials),
    connected: order.map((k) => by.get(k)!.connected),
    rate: order.map((k) => { const v = by.get(k)!; return v.dials > 0 ? Math.round((v.connected / v.dials) * 1000) / 10 : null; }),
  };
}
