// Pure logic, no DOM: merging live messages, sequence checks, threshold colours, timers and
// number formats, and turning the REST API's shapes into live views while the socket is down.

import type {
  AgentCounts, AgentStatus, AgentView, Figures, FloorView, QueueView, RestAgent, RestQueue,
  Status, TeamView, ViewData,
} from "./types";
import type { Key } from "./i18n";

// ---- live state ----

export interface LiveState {
  queues: Map<string, QueueView>;
  agents: Map<string, AgentView>;
  team?: TeamView;
  floor?: FloorView;
}

export function emptyState(): LiveState {
  return { queues: new Map(), agents: new Map() };
}

// applySnapshot replaces everything.
export function applySnapshot(data: ViewData): LiveState {
  const s = emptyState();
  for (const q of data.queues ?? []) s.queues.set(q.queue, q);
  for (const a of data.agents ?? []) s.agents.set(a.agent, a);
  s.team = data.team;
  s.floor = data.floor;
  return s;
}

// applyDelta merges a delta into the state (in place) and returns it: queues and agents are
// replaced item by item (keyed by queue / agent), floor and team are replaced whole.
export function applyDelta(s: LiveState, data: ViewData): LiveState {
  for (const q of data.queues ?? []) s.queues.set(q.queue, q);
  for (const a of data.agents ?? []) s.agents.set(a.agent, a);
  if (data.team !== undefined) s.team = data.team;
  if (data.floor !== undefined) s.floor = data.floor;
  return s;
}

// SeqTracker checks that a connection's messages arrive with seq 1, 2, 3...; a gap means a
// lost message, and the client must resubscribe for a fresh snapshot.
export class SeqTracker {
  private last = 0;
  reset(): void {
    this.last = 0;
  }
  // accept reports whether seq follows the previous one (messages without seq are fine).
  accept(seq: number | undefined): boolean {
    if (seq === undefined || seq === null) return true;
    if (this.last !== 0 && seq !== this.last + 1) return false;
    this.last = seq;
    return true;
  }
}

// backoff is the delay before reconnect attempt n (0-based): 0.5 s doubling to 15 s, with
// up to 20 % jitter so a floor of wallboards does not reconnect in step.
export function backoff(attempt: number, rand: () => number = Math.random): number {
  const base = Math.min(15000, 500 * 2 ** Math.min(attempt, 10));
  return Math.round(base * (1 + 0.2 * rand()));
}

// ---- server close codes (realtime/hub.go) ----

export const CLOSE_REVOKED = 4401; // the session or token ended: sign in again
export const CLOSE_RESCOPED = 4409; // role, team or agent changed: reconnect, re-scoped
export const CLOSE_TOO_MANY = 4429; // too many live connections (per user or per node)
export const LIMIT_RETRY_MS = 30000; // how long to wait after CLOSE_TOO_MANY before trying again

export type CloseAction =
  | { kind: "login"; notice: Key } // stop, go to the login page and say why (an i18n key)
  | { kind: "rescope" } // stop, re-read who I am and go to my home page
  | { kind: "limit" } // keep polling, try again after LIMIT_RETRY_MS, say why
  | { kind: "reconnect" }; // anything else: reconnect with backoff

// closeAction says what the live connection does when the server closes it with code and
// reason (the reason starts with a word such as "user_disabled:").
export function closeAction(code: number, reason: string): CloseAction {
  if (code === CLOSE_REVOKED) {
    const why = reason.split(":")[0].trim();
    const notice: Key =
      why === "session_expired" ? "login.ended_expired"
      : why === "user_disabled" || why === "user_deleted" ? "login.ended_disabled"
      : why === "logout" ? "login.ended_logout"
      : "login.ended";
    return { kind: "login", notice };
  }
  if (code === CLOSE_RESCOPED) return { kind: "rescope" };
  if (code === CLOSE_TOO_MANY) return { kind: "limit" };
  return { kind: "reconnect" };
}

// ---- thresholds ----

export function statusClass(status: string | undefined | null): Status {
  return status === "red" || status === "amber" ? status : "ok";
}

const rank: Record<Status, number> = { ok: 0, amber: 1, red: 2 };

// worst returns the worse of two statuses.
export function worst(a: Status, b: Status): Status {
  return rank[a] >= rank[b] ? a : b;
}

// computeStatus colours a queue from its thresholds when the server has not (the REST fallback):
// the worst threshold crossed now, with the reason.
export function computeStatus(q: Pick<QueueView, "waiting" | "thresholds" | "window" | "today">, longestWaitS: number): { status: Status; reason: string } {
  const th = q.thresholds;
  const checks: { st: Status; reason: string }[] = [];
  if (th.waiting_red > 0 && q.waiting >= th.waiting_red) checks.push({ st: "red", reason: `waiting ${q.waiting} ≥ ${th.waiting_red}` });
  else if (th.waiting_amber > 0 && q.waiting >= th.waiting_amber) checks.push({ st: "amber", reason: `waiting ${q.waiting} ≥ ${th.waiting_amber}` });
  if (th.longest_wait_red_s > 0 && longestWaitS >= th.longest_wait_red_s) checks.push({ st: "red", reason: `longest wait ${formatDuration(longestWaitS)} ≥ ${formatDuration(th.longest_wait_red_s)}` });
  else if (th.longest_wait_amber_s > 0 && longestWaitS >= th.longest_wait_amber_s) checks.push({ st: "amber", reason: `longest wait ${formatDuration(longestWaitS)} ≥ ${formatDuration(th.longest_wait_amber_s)}` });
  const sl = q.window.service_level ?? q.today.service_level;
  if (th.sl_target > 0 && sl !== null && sl < th.sl_target) checks.push({ st: "amber", reason: `service level ${formatPct(sl)} < ${formatPct(th.sl_target)}` });
  let out: { status: Status; reason: string } = { status: "ok", reason: "" };
  for (const c of checks) if (rank[c.st] > rank[out.status]) out = { status: c.st, reason: c.reason };
  return out;
}

// newlyRed lists the queues that are red now and were not before: these raise an alert.
export function newlyRed(prev: Map<string, string>, next: Iterable<QueueView>): QueueView[] {
  const out: QueueView[] = [];
  for (const q of next) {
    if (statusClass(q.status) === "red" && statusClass(prev.get(q.queue)) !== "red") out.push(q);
  }
  return out;
}

// ---- timers and formats ----

// elapsedSeconds is how long ago an instant was (never negative; clocks drift).
export function elapsedSeconds(since: string | null | undefined, now: number): number {
  if (!since) return 0;
  const t = Date.parse(since);
  if (Number.isNaN(t)) return 0;
  return Math.max(0, Math.floor((now - t) / 1000));
}

// remainingSeconds is how long until an instant (0 once passed).
export function remainingSeconds(until: string | null | undefined, now: number): number {
  if (!until) return 0;
  const t = Date.parse(until);
  if (Number.isNaN(t)) return 0;
  return Math.max(0, Math.ceil((t - now) / 1000));
}

// formatDuration: 0:07, 12:34, 1:02:03.
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`;
}

// formatPct shows a fraction as a whole percentage; null (n/a) shows as a dash, never 100 %.
export function formatPct(v: number | null | undefined, na = "—"): string {
  if (v === null || v === undefined || Number.isNaN(v)) return na;
  return `${Math.round(v * 100)}%`;
}

export function formatSeconds(v: number | null | undefined, na = "—"): string {
  if (v === null || v === undefined || Number.isNaN(v)) return na;
  return formatDuration(Math.round(v));
}

// ---- REST fallback ----

const zeroCounts = (): AgentCounts => ({ available: 0, ringing: 0, on_call: 0, wrap_up: 0, paused: 0, logged_out: 0 });

function countState(c: AgentCounts, state: string): void {
  switch (state) {
    case "available": c.available++; break;
    case "ringing": c.ringing++; break;
    case "on_call": c.on_call++; break;
    case "wrap_up": c.wrap_up++; break;
    case "paused": c.paused++; break;
    default: c.logged_out++;
  }
}

export function figuresFromCounters(c: Record<string, number> | null | undefined): Figures {
  const g = (k: string) => (c && typeof c[k] === "number" ? c[k] : 0);
  const ans = g("answered"), ab = g("abandoned"), sab = g("short_abandoned"), off = g("offered"), lost = g("lost");
  const slDen = ans + ab - sab;
  // calls lost to an Asterisk crash or restart are out of the abandon rates (kpi.go)
  return {
    offered: off, answered: ans, abandoned: ab, short_abandoned: sab, answered_within_t: g("answered_within_t"),
    flowed_out: g("flowed_out"), lost, handled: g("handled"),
    service_level: slDen > 0 ? g("answered_within_t") / slDen : null,
    abandon_rate: off - sab - lost > 0 ? (ab - sab) / (off - sab - lost) : null,
    gross_abandon_rate: off - lost > 0 ? ab / (off - lost) : null,
    asa_s: ans > 0 ? g("sum_wait_answered_ms") / ans / 1000 : null,
    aht_s: null,
  };
}

const emptyFigures = (): Figures => figuresFromCounters(null);

// agentFromRest turns GET /agents' item into a live AgentView (what REST lacks stays empty).
export function agentFromRest(a: RestAgent, prev?: AgentView): AgentView {
  return agentFromStatus(a.status, { name: a.name, team: a.team }, prev);
}

export function agentFromStatus(st: AgentStatus, profile: { name?: string; team?: string }, prev?: AgentView): AgentView {
  const sameCall = prev?.call && st.call && prev.call.id === st.call;
  return {
    agent: st.agent,
    name: profile.name ?? prev?.name ?? st.agent,
    team: profile.team ?? prev?.team,
    state: st.state,
    reason: st.reason,
    since: st.since,
    wrap_until: st.wrap_until && !st.wrap_until.startsWith("0001-") ? st.wrap_until : null,
    handled_today: st.calls_today ?? prev?.handled_today ?? 0,
    aht_s: prev?.aht_s ?? null,
    occupancy: prev?.occupancy ?? null,
    missed_offers: prev?.missed_offers ?? 0,
    call: st.call ? (sameCall ? prev!.call! : { id: st.call, direction: st.direction ?? "", number: "", since: st.since }) : null,
    pending_pause: st.pending_pause,
    last_call: st.last_call,
  };
}

// queuesFromRest builds queue tiles from GET /queues and GET /agents (skills say who serves
// which queue). Thresholds kept from a previous live view, if any, colour the tiles.
export function queuesFromRest(queues: RestQueue[], agents: RestAgent[], prev: Map<string, QueueView>, now: number): QueueView[] {
  return queues.map((q) => {
    const counts = zeroCounts();
    for (const a of agents) if (a.skills && q.name in a.skills) countState(counts, a.status?.state ?? "logged_out");
    const waiting = q.waiting ?? [];
    let oldest: string | null = null;
    for (const w of waiting) if (oldest === null || Date.parse(w.entered_at) < Date.parse(oldest)) oldest = w.entered_at;
    const p = prev.get(q.name);
    const thresholds = p?.thresholds ?? { sl_target: q.sl_target ?? 0, waiting_amber: 0, waiting_red: 0, longest_wait_amber_s: 0, longest_wait_red_s: 0 };
    const v: QueueView = {
      queue: q.name, waiting: waiting.length, oldest_waiting_since: oldest, agents: counts,
      today: figuresFromCounters(q.today), window: p?.window ?? emptyFigures(), window_min: p?.window_min ?? 0,
      occupancy: p?.occupancy ?? null, thresholds, status: "ok",
    };
    const st = computeStatus(v, elapsedSeconds(oldest, now));
    v.status = st.status;
    v.status_reason = st.reason;
    return v;
  });
}

// floorFromQueues sums queue tiles into a floor view (fallback only; the live floor counts each
// agent once, which a sum over queues cannot).
export function floorFromQueues(queues: QueueView[], agents: AgentView[]): FloorView {
  const counts = zeroCounts();
  for (const a of agents) countState(counts, a.state);
  const c: Record<string, number> = {};
  let waiting = 0;
  let oldest: string | null = null;
  for (const q of queues) {
    waiting += q.waiting;
    if (q.oldest_waiting_since && (oldest === null || Date.parse(q.oldest_waiting_since) < Date.parse(oldest))) oldest = q.oldest_waiting_since;
    for (const k of ["offered", "answered", "abandoned", "short_abandoned", "answered_within_t", "flowed_out", "lost", "handled"] as const) {
      c[k] = (c[k] ?? 0) + (q.today[k] ?? 0);
    }
  }
  return { waiting, oldest_waiting_since: oldest, agents: counts, today: figuresFromCounters(c), window: emptyFigures(), window_min: 0, occupancy: null };
}

// ---- filters ----

export interface Filters {
  team: string; // "" = all
  queue: string; // "" = all
}

export function filterAgents(agents: Iterable<AgentView>, f: Filters, skills: Map<string, Record<string, number>>): AgentView[] {
  const out: AgentView[] = [];
  for (const a of agents) {
    if (f.team && a.team !== f.team) continue;
    if (f.queue) {
      const sk = skills.get(a.agent);
      const serves = sk ? f.queue in sk : false;
      if (!serves && a.call?.queue !== f.queue) continue;
    }
    out.push(a);
  }
  return out.sort((x, y) => x.agent.localeCompare(y.agent, undefined, { numeric: true }));
}

// canBeAvailable: the desktop's Available button logs in a logged-out agent or unpauses a
// paused one; otherwise there is nothing to do.
export function availableAction(state: string): "login" | "unpause" | null {
  if (state === "logged_out") return "login";
  if (state === "paused") return "unpause";
  return null;
}
