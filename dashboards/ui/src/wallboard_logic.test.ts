import { describe, expect, it } from "vitest";
import {
  applyWallDelta, applyWallSnapshot, attentionRank, callbackLevel, capacity, density, emptyWall, fits, grouped, pauseLevel, projectScopeTitle, stripFor,
} from "./wallboard_logic";
import { figuresFromCounters } from "./logic";
import type { AgentView, QueueView, TeamView } from "./types";

const fig = figuresFromCounters(null);
const counts = { available: 1, ringing: 0, on_call: 0, wrap_up: 0, paused: 0, logged_out: 0 };
function queue(name: string, over: Partial<QueueView> = {}): QueueView {
  return {
    queue: name, waiting: 0, oldest_waiting_since: null, agents: counts, today: fig, window: fig, window_min: 30,
    occupancy: null, thresholds: { sl_target: 0.8, waiting_amber: 0, waiting_red: 0, longest_wait_amber_s: 0, longest_wait_red_s: 0 }, status: "ok", ...over,
  };
}
function agent(id: string, over: Partial<AgentView> = {}): AgentView {
  return { agent: id, name: "A" + id, team: "team-a", state: "available", since: "2026-01-01T00:00:00Z", handled_today: 0, aht_s: null, occupancy: null, missed_offers: 0, ...over };
}
function team(name: string, answered: number): TeamView {
  return {
    team: name, agents: counts, handled_today: 0, aht_s: null, occupancy: 0.5, missed_offers: 0,
    today: figuresFromCounters({ offered: answered, answered, answered_within_t: answered }), window: fig, window_min: 30,
  };
}

describe("wall state", () => {
  it("a team lead's queues snapshot keeps the team's agents, and the team's snapshot keeps the queues", () => {
    const s = emptyWall();
    applyWallSnapshot(s, { team: team("team-a", 2), agents: [agent("1001")] });
    applyWallSnapshot(s, { queues: [queue("sales")] });
    expect(s.agents.has("1001")).toBe(true);
    expect(s.teams.get("team-a")!.today!.answered).toBe(2);
    applyWallSnapshot(s, { team: team("team-a", 3), agents: [agent("1002")] });
    expect([...s.agents.keys()]).toEqual(["1002"]);
    expect(s.queues.has("sales")).toBe(true);
    expect(s.teams.get("team-a")!.today!.answered).toBe(3);
  });
  it("a floor view's teams merge by name", () => {
    const s = applyWallSnapshot(emptyWall(), { floor: undefined, queues: [], agents: [], teams: [team("a", 1), team("b", 1)] });
    applyWallDelta(s, { teams: [team("b", 5)] });
    expect(s.teams.get("a")!.today!.answered).toBe(1);
    expect(s.teams.get("b")!.today!.answered).toBe(5);
  });
});

describe("the strip", () => {
  it("shows the floor without a team, and the team's own figures with one", () => {
    const s = emptyWall();
    s.floor = { waiting: 7, oldest_waiting_since: null, agents: counts, today: figuresFromCounters({ answered: 40 }), window: fig, window_min: 30, occupancy: 0.7 };
    s.queues.set("sales", queue("sales", { waiting: 2, oldest_waiting_since: "2026-01-01T00:00:10Z" }));
    s.queues.set("support", queue("support", { waiting: 5, oldest_waiting_since: "2026-01-01T00:00:05Z" }));
    s.agents.set("1001", agent("1001", { team: "team-a" }));
    s.agents.set("1013", agent("1013", { team: "team-b" }));
    s.teams.set("team-a", team("team-a", 3));
    const skills = new Map<string, Record<string, number>>([["1001", { sales: 5 }], ["1013", { support: 5 }]]);
    expect(stripFor(s, "", skills).today!.answered).toBe(40);
    expect(stripFor(s, "", skills).waiting).toBe(7);
    const a = stripFor(s, "team-a", skills);
    expect(a.today!.answered).toBe(3);
    expect(a.today!.service_level).toBe(1);
    expect(a.waiting).toBe(2); // sales only: the queue team-a serves
    expect(a.oldest).toBe("2026-01-01T00:00:10Z");
    expect(a.occupancy).toBe(0.5);
    const b = stripFor(s, "team-b", skills);
    expect(b.today).toBeNull(); // no figures for team-b yet: a dash, not the floor's
    expect(b.waiting).toBe(5);
    expect(stripFor(s, "team-a", new Map()).waiting).toBeNull(); // skills not known
  });
});

describe("paused tiles", () => {
  const now = Date.parse("2026-01-01T00:10:00Z");
  const since = (s: number) => new Date(now - s * 1000).toISOString();
  it("go amber past the reason's maximum and red past twice it", () => {
    expect(pauseLevel({ state: "paused", since: since(299), pause_max_s: 300 }, now)).toBe("ok");
    expect(pauseLevel({ state: "paused", since: since(301), pause_max_s: 300 }, now)).toBe("amber");
    expect(pauseLevel({ state: "paused", since: since(600), pause_max_s: 300 }, now)).toBe("amber");
    expect(pauseLevel({ state: "paused", since: since(601), pause_max_s: 300 }, now)).toBe("red");
  });
  it("stay plain without a maximum or when not paused", () => {
    expect(pauseLevel({ state: "paused", since: since(9999) }, now)).toBe("ok");
    expect(pauseLevel({ state: "paused", since: since(9999), pause_max_s: 0 }, now)).toBe("ok");
    expect(pauseLevel({ state: "on_call", since: since(9999), pause_max_s: 60 }, now)).toBe("ok");
  });
});

describe("TV density", () => {
  it("counts rows and columns with gaps", () => {
    expect(fits(4, 100, 100, 46, 46, 8)).toBe(true); // 2 × 2
    expect(fits(5, 100, 100, 46, 46, 8)).toBe(false);
    expect(fits(0, 0, 0, 10, 10)).toBe(true);
  });
  it("picks the roomiest tiles that fit, then chips, then groups", () => {
    expect(density(24, 1900, 600)).toBe("full");
    expect(density(60, 1900, 400)).toBe("compact");
    expect(density(150, 1900, 450)).toBe("chip"); // 15 × 12 chips
    expect(density(200, 1900, 450)).toBe("grouped");
    expect(density(500, 1900, 450)).toBe("grouped");
    expect(density(500, 3800, 1300, 2)).toBe("grouped");
    expect(density(24, 3800, 1200, 2)).toBe("full");
  });
  it("grouped shows who needs attention first and one +N chip", () => {
    const now = Date.parse("2026-01-01T00:10:00Z");
    const as = [agent("1"), agent("2", { state: "paused" }), agent("3", { state: "paused", since: "2026-01-01T00:00:00Z", pause_max_s: 60 }), agent("4", { state: "on_call" })];
    expect(attentionRank(as[2], now)).toBe(0);
    const g = grouped(as, 3, now);
    expect(g.shown.map((a) => a.agent)).toEqual(["3", "2"]);
    expect(g.more).toBe(2);
    expect(grouped(as, 4, now).more).toBe(0);
    expect(capacity(254, 68)).toBe(4); // 2 columns of 118 + 8, 2 rows of 30 + 8
  });
});

describe("projectScopeTitle", () => {
  const t = (_k: string, p: { n: number }) => `my projects (${p.n})`;
  it("names a project manager's one project, counts several, and leaves others to the floor", () => {
    expect(projectScopeTitle("project_manager", [{ id: "cards", name: "信用卡营销" }], t)).toBe("信用卡营销");
    expect(projectScopeTitle("project_manager", [{ id: "cards", name: "" }], t)).toBe("cards");
    expect(projectScopeTitle("project_manager", [{ id: "a", name: "A" }, { id: "b", name: "B" }], t)).toBe("my projects (2)");
    expect(projectScopeTitle("project_manager", [], t)).toBe("");
    expect(projectScopeTitle("supervisor", [{ id: "a", name: "A" }], t)).toBe("");
  });
});

describe("callbackLevel", () => {
  it("uses the queue's waiting thresholds, else its own", () => {
    const none = { waiting_amber: 0, waiting_red: 0 };
    expect(callbackLevel(undefined, none)).toBe("ok");
    expect(callbackLevel(2, none)).toBe("ok");
    expect(callbackLevel(3, none)).toBe("amber");
    expect(callbackLevel(6, none)).toBe("red");
    const q = { waiting_amber: 1, waiting_red: 2 };
    expect(callbackLevel(0, q)).toBe("ok");
    expect(callbackLevel(1, q)).toBe("amber");
    expect(callbackLevel(2, q)).toBe("red");
  });
});
