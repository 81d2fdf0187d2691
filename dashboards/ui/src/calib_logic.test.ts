import { describe, expect, it } from "vitest";
import {
  calibrationBody, deviationTable, drawBody, drawRange, localInput, planBody, planFilters, quotaRule, recordedCalls,
  seedOf, type CalibrationDeviations, type CalibrationScore, type PlanForm,
} from "./calib_logic";
import { calibEn, calibZh } from "./i18n_calib";
import type { Answer, Scorecard } from "./qalogic";

const card: Scorecard = {
  id: "svc", version: 2, name: "Service", sections: [
    { id: "open", title: "Opening", items: [{ id: "greet", text: "Greets", kind: "yes_no", weight: 1 }] },
    { id: "comp", title: "Compliance", items: [
      { id: "verify", text: "Verifies", kind: "yes_no", weight: 2, fatal: true },
      { id: "tone", text: "Tone", kind: "scale", max: 4, weight: 2, allow_na: true },
    ] },
  ],
};
const score = (evaluator: string, final: number, answers: Omit<Answer, "item_id">[]): CalibrationScore => ({
  evaluator, result: { score_final: final }, submitted_at: "2026-11-22T10:00:00Z",
  answers: answers.map((a, i) => ({ item_id: ["greet", "verify", "tone"][i], ...a })),
});

// what the server computes (storage.CalibrationDeviation) for the answers below
const devs = (evs: [string, number, number, number, number, number][], items: [string, number | null, Record<string, number>, number][],
  refScore: number, meanScore: number | null): CalibrationDeviations => ({
  reference_evaluator: "qa", reference_score: refScore, mean_abs_score_diff: meanScore,
  evaluators: evs.map(([evaluator, score_final, score_diff, mean_abs_item_diff, agreeing, agreement]) =>
    ({ evaluator, score_final, score_diff, mean_abs_item_diff, agreeing, items: 3, agreement })),
  items: items.map(([item_id, agreement, deviations, mean_deviation]) =>
    ({ item_id, text: item_id, agreeing: 0, compared: evs.length, agreement, deviations, mean_deviation })),
});

describe("deviationTable", () => {
  // reference qa: greet yes, verify yes, tone 3 (score 90)
  // lead: greet yes, verify no, tone 1 → 0, 100, 50; score 0 (fatal)
  // ops:  greet no,  verify yes, tone 3 → 100, 0, 0; score 80
  const s = {
    reference_evaluator: "qa",
    scores: [
      score("lead", 0, [{ yes: true }, { yes: false }, { value: 1 }]),
      score("ops", 80, [{ yes: false }, { yes: true }, { value: 3 }]),
      score("qa", 90, [{ yes: true }, { yes: true }, { value: 3 }]),
    ],
    deviations: devs([["lead", 0, -90, 50, 1, 33.33], ["ops", 80, -10, 33.33, 2, 66.67]],
      [["greet", 50, { lead: 0, ops: 100 }, 50], ["verify", 50, { lead: 100, ops: 0 }, 50], ["tone", 50, { lead: 50, ops: 0 }, 25]], 90, 50),
  };
  const tb = deviationTable(card, s);
  it("lays the server's deviations out: one column per non-reference evaluator, one row per item", () => {
    expect(tb.reference).toBe("qa");
    expect(tb.referenceScore).toBe(90);
    expect(tb.columns.map((c) => c.evaluator)).toEqual(["lead", "ops"]);
    expect(tb.rows.map((r) => r.item.id)).toEqual(["greet", "verify", "tone"]);
    expect(tb.rows.map((r) => r.cells.map((c) => c.deviation))).toEqual([[0, 100], [100, 0], [50, 0]]);
    expect(tb.rows[2].cells[0].answer).toEqual({ item_id: "tone", value: 1 });
    expect(tb.rows[2].reference).toEqual({ item_id: "tone", value: 3 });
  });
  it("shows the server's per-evaluator and per-item figures", () => {
    const lead = tb.columns[0], ops = tb.columns[1];
    expect([lead.score, lead.scoreDiff, lead.meanAbsItemDiff, lead.agreeing, lead.agreement]).toEqual([0, -90, 50, 1, 33.33]);
    expect([ops.score, ops.scoreDiff, ops.meanAbsItemDiff, ops.agreeing, ops.agreement]).toEqual([80, -10, 33.33, 2, 66.67]);
    expect(tb.rows.map((r) => r.agreement)).toEqual([50, 50, 50]);
    expect(tb.rows.map((r) => r.meanDeviation)).toEqual([50, 50, 25]);
    expect(tb.meanAbsScoreDiff).toBe(50);
    expect(tb.maxDeviation).toBe(100);
  });
  it("flags the worst cells, items and evaluator", () => {
    expect(tb.rows.map((r) => r.cells.map((c) => c.worst))).toEqual([[false, true], [true, false], [false, false]]);
    expect(tb.rows.map((r) => r.worst)).toEqual([true, true, false]);
    expect(tb.columns.map((c) => c.worst)).toEqual([true, false]);
  });
  it("flags nothing when everyone agrees", () => {
    const same = deviationTable(card, { reference_evaluator: "qa",
      scores: [score("qa", 100, [{ yes: true }, { yes: true }, { na: true }]), score("x", 100, [{ yes: true }, { yes: true }, { na: true }])],
      deviations: devs([["x", 100, 0, 0, 3, 100]], [["greet", 100, { x: 0 }, 0], ["verify", 100, { x: 0 }, 0], ["tone", 100, { x: 0 }, 0]], 100, 0) });
    expect(same.maxDeviation).toBe(0);
    expect(same.rows.some((r) => r.worst || r.cells.some((c) => c.worst))).toBe(false);
    expect(same.columns[0]).toMatchObject({ worst: false, meanAbsItemDiff: 0, agreement: 100, scoreDiff: 0 });
  });
  it("has no columns when only the reference scored, and nothing before the close", () => {
    const alone = deviationTable(card, { reference_evaluator: "qa", scores: [score("qa", 90, [{ yes: true }, { yes: true }, { value: 3 }])],
      deviations: devs([], [["greet", null, {}, 0], ["verify", null, {}, 0], ["tone", null, {}, 0]], 90, null) });
    expect(alone.columns).toEqual([]);
    expect(alone.rows[0].agreement).toBeNull();
    expect(alone.meanAbsScoreDiff).toBeNull();
    const open = deviationTable(card, { reference_evaluator: "qa", scores: [] });
    expect(open.columns).toEqual([]);
    expect(open.referenceScore).toBeNull();
  });
});

describe("calibrationBody", () => {
  it("builds the body with distinct evaluators", () => {
    expect(calibrationBody(" c1 ", "svc", ["qa", "lead", "qa", " "], "qa")).toEqual({
      ok: true, body: { call_id: "c1", scorecard_id: "svc", evaluators: ["qa", "lead"], reference_evaluator: "qa" },
    });
  });
  it("names the field at fault", () => {
    expect(calibrationBody("", "svc", ["a", "b"], "a")).toMatchObject({ ok: false, field: "call_id" });
    expect(calibrationBody("c", "", ["a", "b"], "a")).toMatchObject({ ok: false, field: "scorecard_id" });
    expect(calibrationBody("c", "svc", ["a", "a"], "a")).toMatchObject({ ok: false, field: "evaluators" });
    expect(calibrationBody("c", "svc", ["a", "b"], "")).toMatchObject({ ok: false, field: "reference_evaluator" });
    expect(calibrationBody("c", "svc", ["a", "b"], "z")).toMatchObject({ ok: false, field: "reference_evaluator", vars: { who: "z" } });
  });
});

describe("recordedCalls", () => {
  it("keeps ended calls with a recording, newest first, once each", () => {
    const calls = [
      { id: "a", entered_at: "2026-11-22T10:00:00Z", ended_at: "x", recording_name: "r/a" },
      { id: "b", entered_at: "2026-11-22T11:00:00Z", ended_at: "x", recording_name: "" },
      { id: "c", entered_at: "2026-11-22T12:00:00Z", ended_at: null, recording_name: "r/c" },
      { id: "d", entered_at: "2026-11-22T13:00:00Z", ended_at: "x", recording_name: "r/d" },
      { id: "a", entered_at: "2026-11-22T10:00:00Z", ended_at: "x", recording_name: "r/a" },
    ];
    expect(recordedCalls(calls).map((c) => c.id)).toEqual(["d", "a"]);
    expect(recordedCalls(calls, 1).map((c) => c.id)).toEqual(["d"]);
  });
});

const form = (f: Partial<PlanForm>): PlanForm => ({
  name: "Weekly", period: "week", scope: "agent", quota: "count", count: "5", percent: "", minimum: "",
  minTalkS: "", direction: "", queue: "", team: "", outcome: "", ...f,
});

describe("planBody", () => {
  it("counts per agent or per team by scope", () => {
    expect(planBody(form({}))).toEqual({ ok: true, body: { name: "Weekly", period: "week", plan: { scope: "agent", per_agent: 5, not_evaluated: true } } });
    expect(planBody(form({ scope: "team", count: "10" }))).toMatchObject({ ok: true, body: { plan: { scope: "team", per_team: 10 } } });
    const r = planBody(form({ scope: "team", count: "10" }));
    expect(r.ok && r.body.plan.per_agent).toBeFalsy();
  });
  it("takes a percentage with a minimum, and the filters", () => {
    expect(planBody(form({ scope: "queue", quota: "percent", percent: "2.5", minimum: "3", minTalkS: "30", direction: "inbound", queue: "sales", team: "team-a", outcome: "answered" })))
      .toEqual({ ok: true, body: { name: "Weekly", period: "week", plan: {
        scope: "queue", percent: 2.5, minimum: 3, min_talk: 30_000_000_000, direction: "inbound", queue: "sales", team: "team-a", outcome: "answered", not_evaluated: true,
      } } });
    expect(planBody(form({ minTalkS: "1.5" }))).toMatchObject({ ok: true, body: { plan: { min_talk: 1_500_000_000 } } });
  });
  it("refuses what SamplePlan.Validate refuses, naming the API's field", () => {
    expect(planBody(form({ name: "  " }))).toMatchObject({ ok: false, field: "name" });
    expect(planBody(form({ name: "x".repeat(201) }))).toMatchObject({ ok: false, field: "name", key: "plans.err.name_long" });
    expect(planBody(form({ period: "year" }))).toMatchObject({ ok: false, field: "period" });
    expect(planBody(form({ scope: "floor" }))).toMatchObject({ ok: false, field: "plan.scope" });
    expect(planBody(form({ scope: "queue" }))).toMatchObject({ ok: false, field: "plan.percent", key: "plans.err.queue_percent" });
    expect(planBody(form({ count: "0" }))).toMatchObject({ ok: false, field: "plan.per_agent" });
    expect(planBody(form({ scope: "team", count: "1.5" }))).toMatchObject({ ok: false, field: "plan.per_team" });
    for (const p of ["0", "101", "", "abc"]) expect(planBody(form({ quota: "percent", percent: p }))).toMatchObject({ ok: false, field: "plan.percent" });
    expect(planBody(form({ quota: "percent", percent: "10", minimum: "-1" }))).toMatchObject({ ok: false, field: "plan.minimum" });
    expect(planBody(form({ minTalkS: "-3" }))).toMatchObject({ ok: false, field: "plan.min_talk" });
    expect(planBody(form({ direction: "sideways" }))).toMatchObject({ ok: false, field: "plan.direction" });
  });
});

describe("quotaRule and planFilters", () => {
  it("describe a stored plan", () => {
    expect(quotaRule({ scope: "agent", per_agent: 3 })).toEqual({ kind: "per_agent", n: 3 });
    expect(quotaRule({ scope: "team", per_team: 10 })).toEqual({ kind: "per_team", n: 10 });
    expect(quotaRule({ scope: "queue", percent: 5, minimum: 2 })).toEqual({ kind: "percent", percent: 5, minimum: 2 });
    expect(planFilters({ scope: "agent", per_agent: 1, min_talk: 30e9, direction: "inbound", outcome: "answered", not_evaluated: true }))
      .toEqual([{ key: "min_talk", value: "30" }, { key: "direction", value: "inbound" }, { key: "outcome", value: "answered" }, { key: "not_evaluated", value: "" }]);
  });
});

describe("drawBody and seedOf", () => {
  const from = new Date("2026-11-22T08:00:00Z"), to = new Date("2026-11-22T09:00:00Z");
  it("keeps an int64 seed exact", () => {
    const r = drawBody(from, to, "9223372036854775807");
    expect(r).toEqual({ ok: true, body: '{"from":"2026-11-22T08:00:00.000Z","to":"2026-11-22T09:00:00.000Z","seed":9223372036854775807}' });
    expect(drawBody(from, to, "-42")).toMatchObject({ ok: true, body: expect.stringContaining('"seed":-42}') });
    expect(drawBody(from, to, " ")).toMatchObject({ ok: true, body: expect.not.stringContaining("seed") });
  });
  it("refuses a bad period or seed", () => {
    expect(drawBody(null, to, "")).toMatchObject({ ok: false, field: "from" });
    expect(drawBody(from, new Date("x"), "")).toMatchObject({ ok: false, field: "to" });
    expect(drawBody(to, from, "")).toMatchObject({ ok: false, field: "to", key: "plans.err.range" });
    for (const s of ["1.5", "abc", "9223372036854775808", "-9223372036854775809", "12345678901234567890"]) {
      expect(drawBody(from, to, s)).toMatchObject({ ok: false, field: "seed" });
    }
  });
  it("reads the seed from the response text, where JSON.parse would round it", () => {
    const text = '{"id":7,"kind":"plan","seed":8446744073709551617,"from":"x","picks":[{"call_id":"1"}]}';
    expect(seedOf(text)).toBe("8446744073709551617");
    expect(String(JSON.parse(text).seed)).not.toBe("8446744073709551617");
    expect(seedOf('{"seed": -5}')).toBe("-5");
    expect(seedOf("{}")).toBeNull();
  });
});

describe("localInput and drawRange", () => {
  it("formats local minutes and spans the plan's period up to the next minute", () => {
    const now = new Date(2026, 10, 22, 9, 41, 30);
    expect(localInput(now)).toBe("2026-11-22T09:41");
    const r = drawRange("day", now);
    expect(localInput(r.to)).toBe("2026-11-22T09:42");
    expect(localInput(r.from)).toBe("2026-11-21T09:42");
    expect(localInput(drawRange("week", now).from)).toBe("2026-11-15T09:42");
    expect(localInput(drawRange("month", now).from)).toBe("2026-10-22T09:42");
    expect(new Date(localInput(r.to)).getTime()).toBe(r.to.getTime());
  });
});

describe("i18n_calib", () => {
  it("has every key the logic and the pages build at run time, in both languages", () => {
    const keys = Object.keys(calibEn);
    expect(Object.keys(calibZh).sort()).toEqual([...keys].sort());
    const built = [
      "calib.err.call", "calib.err.scorecard", "calib.err.evaluators", "calib.err.reference", "calib.err.reference_invited",
      ...["name", "name_long", "period", "scope", "percent", "minimum", "queue_percent", "count", "min_talk", "direction", "from", "to", "range", "seed"].map((k) => "plans.err." + k),
      ...["qa", "team_lead", "operations_manager"].map((r) => "calib.role." + r),
      ...["agent", "team", "queue"].map((s) => "plans.scope." + s),
      ...["day", "week", "month"].map((p) => "plans.period." + p),
      ...["per_agent", "per_team"].map((q) => "plans.rule." + q),
      ...["min_talk", "queue", "team", "outcome", "not_evaluated"].map((f) => "plans.f." + f),
      ...["inbound", "outbound"].map((d) => "plans.dir." + d),
      ...["answered", "abandoned", "short_abandon", "flowed_out", "unknown_queue", "busy", "no_answer", "failed"].map((o) => "plans.outcome." + o),
    ];
    expect(built.filter((k) => !keys.includes(k))).toEqual([]);
  });
});
