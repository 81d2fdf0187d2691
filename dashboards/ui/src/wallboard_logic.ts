// The wallboard's pure logic, no DOM and no Vue: its live state (one socket, several
// subscriptions), what the floor strip shows for the team filter or a team lead, the paused
// tiles' colours, and how dense TV mode draws the agents so that everything fits the screen.

import type { AgentCounts, AgentView, Figures, FloorView, QueueView, TeamView, ViewData } from "./types";

// ---- live state ----

// WallState is what the wallboard shows. A supervisor follows the floor (queues, agents, the
// floor and every team); a team lead follows their team (its summary and agents) and the queues.
export interface WallState {
  queues: Map<string, QueueView>;
  agents: Map<string, AgentView>;
  teams: Map<string, TeamView>;
  floor?: FloorView;
}

export function emptyWall(): WallState {
  return { queues: new Map(), agents: new Map(), teams: new Map() };
}

// TeamData is a team view's data: the team comes as "team", a floor view's teams as "teams".
type WallData = ViewData & { teams?: TeamView[] };

// applyWallSnapshot replaces what a subscription's snapshot carries (and only that: the queues
// subscription of a team lead does not clear the team's agents).
export function applyWallSnapshot(s: WallState, data: WallData): WallState {
  if (data.queues !== undefined || data.floor !== undefined) s.queues = new Map();
  if (data.agents !== undefined || data.team !== undefined || data.floor !== undefined) s.agents = new Map();
  if (data.floor !== undefined) s.teams = new Map();
  return applyWallDelta(s, data);
}

// applyWallDelta merges changed items in place, keyed by queue, agent and team.
export function applyWallDelta(s: WallState, data: WallData): WallState {
  for (const q of data.queues ?? []) s.queues.set(q.queue, q);
  for (const a of data.agents ?? []) s.agents.set(a.agent, a);
  for (const t of data.teams ?? []) s.teams.set(t.team, t);
  if (data.team) s.teams.set(data.team.team, data.team);
  if (data.floor !== undefined) s.floor = data.floor;
  return s;
}

// TrendData is the trend chart's points: times (s), waiting calls, service level (%).
export type TrendData = [number[], (number | null)[], (number | null)[]];

// ---- the floor strip ----

// Strip is what the strip at the top shows: the floor, or one team.
export interface Strip {
  team: string; // "" = the floor
  waiting: number | null; // null: not known (shown as a dash)
  oldest: string | null;
  today: Figures | null;
  window: Figures | null;
  windowMin: number;
  agents: AgentCounts | null;
  occupancy: number | null;
}

// stripFor is the strip for a team ("" = the floor). A team's figures are its calls' (the
// server's TeamView); its waiting calls are those of the queues its agents serve, since a
// waiting call belongs to no team yet.
// projectScopeTitle is the strip's title for a project manager, whose floor is their projects:
// the project's name, or "my projects (n)" (names: the projects they may see); "" = not scoped.
export function projectScopeTitle(role: string, projects: { id: string; name: string }[], t: (key: "wall.my_projects", params: { n: number }) => string): string {
  if (role !== "project_manager" || projects.length === 0) return "";
  if (projects.length === 1) return projects[0].name || projects[0].id;
  return t("wall.my_projects", { n: projects.length });
}

export function stripFor(s: WallState, team: string, skills: Map<string, Record<string, number>>): Strip {
  if (!team) {
    const f = s.floor;
    if (!f) return { team: "", waiting: null, oldest: null, today: null, window: null, windowMin: 0, agents: null, occupancy: null };
    return { team: "", waiting: f.waiting, oldest: f.oldest_waiting_since, today: f.today, window: f.window, windowMin: f.window_min, agents: f.agents, occupancy: f.occupancy };
  }
  const t = s.teams.get(team);
  const served = new Set<string>();
  for (const a of s.agents.values()) {
    if (a.team !== team) continue;
    for (const q of Object.keys(skills.get(a.agent) ?? {})) served.add(q);
  }
  let waiting: number | null = null;
  let oldest: string | null = null;
  for (const q of served) {
    const v = s.queues.get(q);
    if (!v) continue;
    waiting = (waiting ?? 0) + v.waiting;
    if (v.oldest_waiting_since && (oldest === null || Date.parse(v.oldest_waiting_since) < Date.parse(oldest))) oldest = v.oldest_waiting_since;
  }
  return {
    team, waiting, oldest,
    today: t?.today ?? null, window: t?.window ?? null, windowMin: t?.window_min ?? 0,
    agents: t?.agents ?? null, occupancy: t?.occupancy ?? null,
  };
}

// ---- agent tiles ----

export type PauseLevel = "ok" | "amber" | "red";

// pauseLevel colours a paused agent: amber once paused longer than the reason's maximum, red
// beyond twice it; "ok" without a maximum or when not paused.
export function pauseLevel(a: Pick<AgentView, "state" | "since" | "pause_max_s">, now: number): PauseLevel {
  const max = a.pause_max_s ?? 0;
  if (a.state !== "paused" || !(max > 0)) return "ok";
  const t = Date.parse(a.since);
  if (Number.isNaN(t)) return "ok";
  const s = (now - t) / 1000;
  if (s > 2 * max) return "red";
  if (s > max) return "amber";
  return "ok";
}

// ---- call-backs waiting on a queue tile ----

// Without the queue's own waiting thresholds, the call-backs waiting turn amber and red at these.
export const CALLBACK_AMBER = 3;
export const CALLBACK_RED = 6;

// callbackLevel colours a queue's call-backs waiting: they are callers waiting (at their place,
// without a line), so the queue's waiting thresholds apply to them alone too; a queue without
// them uses CALLBACK_AMBER and CALLBACK_RED.
export function callbackLevel(n: number | undefined, th: Pick<QueueView["thresholds"], "waiting_amber" | "waiting_red">): PauseLevel {
  const v = n ?? 0;
  const red = th.waiting_red > 0 ? th.waiting_red : CALLBACK_RED;
  const amber = th.waiting_amber > 0 ? th.waiting_amber : CALLBACK_AMBER;
  if (v > 0 && v >= red) return "red";
  if (v > 0 && v >= amber) return "amber";
  return "ok";
}

// ---- TV mode: fitting the agents on one screen ----

export type Density = "full" | "compact" | "chip" | "grouped";

// Tile sizes (CSS pixels at a 1080-pixel-high screen; TV mode scales them with the screen's
// height) of each density, as the stylesheet draws them. The gap is between tiles.
export const TILE_SIZES: Record<Exclude<Density, "grouped">, { w: number; h: number }> = {
  full: { w: 220, h: 124 },
  compact: { w: 168, h: 58 },
  chip: { w: 118, h: 30 },
};
export const TILE_GAP = 8;

// fits reports whether n tiles of w × h (plus gaps) fit a box of width × height.
export function fits(n: number, width: number, height: number, w: number, h: number, gap = TILE_GAP): boolean {
  if (n === 0) return true;
  const cols = Math.floor((width + gap) / (w + gap));
  const rows = Math.floor((height + gap) / (h + gap));
  return cols > 0 && rows > 0 && cols * rows >= n;
}

// density picks the roomiest tiles with which n agents fit the box (scale: TV mode's size
// factor); "grouped" when even chips do not fit: then counts per state and as many chips as fit.
export function density(n: number, width: number, height: number, scale = 1): Density {
  for (const d of ["full", "compact", "chip"] as const) {
    const z = TILE_SIZES[d];
    if (fits(n, width, height, z.w * scale, z.h * scale, TILE_GAP * scale)) return d;
  }
  return "grouped";
}

// capacity is how many chips fit the box.
export function capacity(width: number, height: number, scale = 1): number {
  const z = TILE_SIZES.chip;
  const gap = TILE_GAP * scale;
  const cols = Math.floor((width + gap) / (z.w * scale + gap));
  const rows = Math.floor((height + gap) / (z.h * scale + gap));
  return Math.max(0, cols) * Math.max(0, rows);
}

// attention orders agents for the grouped view: who most needs a supervisor's eye first
// (paused too long, then paused, ringing, on a call, wrap-up, available, logged out).
export function attentionRank(a: AgentView, now: number): number {
  const lvl = pauseLevel(a, now);
  if (lvl === "red") return 0;
  if (lvl === "amber") return 1;
  switch (a.state) {
    case "paused": return 2;
    case "ringing": return 3;
    case "on_call": return 4;
    case "wrap_up": return 5;
    case "available": return 6;
    default: return 7;
  }
}

// grouped is the grouped view: the first room − 1 agents by attention (all of them when they
// fit) and how many are left out, shown as one "+N" chip.
export function grouped(agents: AgentView[], room: number, now: number): { shown: AgentView[]; more: number } {
  if (agents.length <= room) return { shown: agents, more: 0 };
  const keep = Math.max(0, room - 1);
  const sorted = [...agents].sort((x, y) => attentionRank(x, now) - attentionRank(y, now) || x.agent.localeCompare(y.agent, undefined, { numeric: true }));
  return { shown: sorted.slice(0, keep), more: agents.length - keep };
}
