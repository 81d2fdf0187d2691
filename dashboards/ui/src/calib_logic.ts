// Pure logic of the calibration (/qa/calibrations) and sampling plan (/qa/plans) pages: the
// deviation table, the new-session and plan forms → API bodies with their validation, the draw
// body and the int64 seed kept exact. No DOM here: unit-tested.

import { type Answer, type Item, type Scorecard, allItems } from "./qalogic";

// ---------------------------------------------------------------- calibration

export interface CalibrationScore { evaluator: string; answers: Answer[]; result: { score_final: number }; submitted_at: string }
export interface CalibrationItemAgreement {
  item_id: string; text: string; agreeing: number; compared: number; agreement: number | null;
  deviations: Record<string, number>; mean_deviation: number; // per evaluator, percentage points (the server's)
}
export interface CalibrationEvaluatorDeviation {
  evaluator: string; score_final: number; score_diff: number; mean_abs_item_diff: number; agreeing: number; items: number; agreement: number;
}
export interface CalibrationDeviations {
  reference_evaluator: string; reference_score: number; items: CalibrationItemAgreement[];
  evaluators: CalibrationEvaluatorDeviation[]; mean_abs_score_diff: number | null;
}
export interface CalibrationSummary {
  id: number; call_id: string; scorecard_id: string; scorecard_version: number; reference_evaluator: string; evaluators: string[];
  created_by: string; created_at: string; closed_at: string | null; status: "open" | "closed"; submitted: string[];
}
export interface CalibrationSession extends Omit<CalibrationSummary, "status"> {
  scores: CalibrationScore[]; blind: boolean; deviations?: CalibrationDeviations;
}

export const round2 = (x: number): number => Math.round(x * 100) / 100;

// sameAnswer: the same answer given (the server's sameAnswer).
export function sameAnswer(a: Answer | undefined, b: Answer | undefined): boolean {
  if (!a || !b) return !a && !b;
  return !!a.na === !!b.na && a.yes === b.yes && a.value === b.value && a.choice === b.choice;
}

export interface DevCell { evaluator: string; answer: Answer | undefined; deviation: number; worst: boolean }
export interface DevRow {
  item: Item; reference: Answer | undefined; cells: DevCell[];
  agreement: number | null; // percent of the compared evaluators who gave the reference answer
  meanDeviation: number; // mean over the evaluators, two decimals
  worst: boolean;
}
export interface DevColumn {
  evaluator: string; score: number; scoreDiff: number; meanAbsItemDiff: number; agreeing: number; agreement: number; worst: boolean;
}
export interface DevTable {
  reference: string; referenceScore: number | null; rows: DevRow[]; columns: DevColumn[];
  maxDeviation: number; meanAbsScoreDiff: number | null;
}

// deviationTable lays a closed session's deviations (computed by the server,
// storage.CalibrationDeviation) out as items × evaluators, with each evaluator's answers beside
// the reference's. The worst cells (the largest deviation), the worst item (the largest mean
// deviation) and the worst evaluator (the largest mean item deviation) are flagged; nothing is
// worst when everyone agrees.
export function deviationTable(card: Scorecard, s: Pick<CalibrationSession, "reference_evaluator" | "scores" | "deviations">): DevTable {
  const dev = s.deviations;
  const answers = (who: string) => new Map((s.scores.find((x) => x.evaluator === who)?.answers ?? []).map((a) => [a.item_id, a]));
  const refA = answers(s.reference_evaluator);
  const devItems = new Map((dev?.items ?? []).map((x) => [x.item_id, x]));
  const columns: DevColumn[] = (dev?.evaluators ?? []).map((e) => ({
    evaluator: e.evaluator, score: e.score_final, scoreDiff: e.score_diff, meanAbsItemDiff: e.mean_abs_item_diff,
    agreeing: e.agreeing, agreement: e.agreement, worst: false,
  }));
  const given = columns.map((c) => answers(c.evaluator));
  let maxDeviation = 0;
  const rows: DevRow[] = allItems(card).map((it) => {
    const di = devItems.get(it.id);
    const cells = columns.map((c, j) => {
      const d = di?.deviations?.[c.evaluator] ?? 0;
      maxDeviation = Math.max(maxDeviation, d);
      return { evaluator: c.evaluator, answer: given[j].get(it.id), deviation: d, worst: false };
    });
    return { item: it, reference: refA.get(it.id), cells, worst: false, agreement: di?.agreement ?? null, meanDeviation: di?.mean_deviation ?? 0 };
  });
  if (maxDeviation > 0) for (const row of rows) for (const c of row.cells) c.worst = c.deviation === maxDeviation;
  const worstRow = Math.max(0, ...rows.map((r) => r.meanDeviation));
  if (worstRow > 0) for (const row of rows) row.worst = row.meanDeviation === worstRow;
  const worstCol = Math.max(0, ...columns.map((c) => c.meanAbsItemDiff));
  if (worstCol > 0) for (const c of columns) c.worst = c.meanAbsItemDiff === worstCol;
  return { reference: s.reference_evaluator, referenceScore: dev ? dev.reference_score : null, rows, columns, maxDeviation,
    meanAbsScoreDiff: dev?.mean_abs_score_diff ?? null };
}

// FormError names the API field at fault and the message key (i18n_calib.ts) with its values.
export interface FormError { field: string; key: string; vars?: Record<string, string | number> }
export type Result<T> = { ok: true; body: T } | ({ ok: false } & FormError);
const fail = <T>(field: string, key: string, vars?: Record<string, string | number>): Result<T> => ({ ok: false, field, key, vars });

export interface CalibrationBody { call_id: string; scorecard_id: string; evaluators: string[]; reference_evaluator: string }

// calibrationBody checks the new-session form: a call, a scorecard, at least two distinct
// evaluators, the reference among them.
export function calibrationBody(callId: string, scorecardId: string, evaluators: string[], reference: string): Result<CalibrationBody> {
  const call = callId.trim(), card = scorecardId.trim(), ref = reference.trim();
  if (!call) return fail("call_id", "calib.err.call");
  if (!card) return fail("scorecard_id", "calib.err.scorecard");
  const evs: string[] = [];
  for (const e of evaluators.map((x) => x.trim()).filter(Boolean)) if (!evs.includes(e)) evs.push(e);
  if (evs.length < 2) return fail("evaluators", "calib.err.evaluators");
  if (!ref) return fail("reference_evaluator", "calib.err.reference");
  if (!evs.includes(ref)) return fail("reference_evaluator", "calib.err.reference_invited", { who: ref });
  return { ok: true, body: { call_id: call, scorecard_id: card, evaluators: evs, reference_evaluator: ref } };
}

export interface CallLike { id: string; entered_at: string; ended_at?: string | null; recording_name?: string | null }

// recordedCalls keeps the ended calls with a recording, newest first, each call once.
export function recordedCalls<T extends CallLike>(calls: T[], limit = 50): T[] {
  const seen = new Set<string>();
  return calls.filter((c) => c.recording_name && c.ended_at && !seen.has(c.id) && seen.add(c.id))
    .sort((a, b) => Date.parse(b.entered_at) - Date.parse(a.entered_at)).slice(0, limit);
}

// ---------------------------------------------------------------- sampling plans

// SamplePlan mirrors callfloor.SamplePlan (sampling.go); min_talk in nanoseconds.
export interface SamplePlan {
  scope: "agent" | "team" | "queue"; per_agent?: number; per_team?: number; percent?: number; minimum?: number;
  min_talk?: number; direction?: string; queue?: string; team?: string; outcome?: string; not_evaluated?: boolean;
}
export interface PlanBody { name: string; period: "day" | "week" | "month"; plan: SamplePlan }

// PlanForm is the plan form's raw values.
export interface PlanForm {
  name: string; period: string; scope: string; quota: "count" | "percent";
  count: string; percent: string; minimum: string;
  minTalkS: string; direction: string; queue: string; team: string; outcome: string;
}

const isInt = (s: string) => /^\d+$/.test(s);

// planBody checks the form as SamplePlan.Validate and CreatePlan would, naming the API's
// field: scope "agent" counts per agent, "team" per team, "queue" only by percent; a minimum only
// with percent. Every plan skips calls already evaluated (the server sets it anyway).
export function planBody(f: PlanForm): Result<PlanBody> {
  const name = f.name.trim();
  if (!name) return fail("name", "plans.err.name");
  if (new TextEncoder().encode(name).length > 200) return fail("name", "plans.err.name_long");
  if (f.period !== "day" && f.period !== "week" && f.period !== "month") return fail("period", "plans.err.period");
  if (f.scope !== "agent" && f.scope !== "team" && f.scope !== "queue") return fail("plan.scope", "plans.err.scope");
  const plan: SamplePlan = { scope: f.scope, not_evaluated: true };
  if (f.quota === "percent") {
    const p = Number(f.percent.trim());
    if (!f.percent.trim() || !Number.isFinite(p) || p <= 0 || p > 100) return fail("plan.percent", "plans.err.percent");
    plan.percent = p;
    const m = f.minimum.trim();
    if (m) {
      if (!isInt(m)) return fail("plan.minimum", "plans.err.minimum");
      if (Number(m) > 0) plan.minimum = Number(m);
    }
  } else {
    if (f.scope === "queue") return fail("plan.percent", "plans.err.queue_percent");
    const field = f.scope === "agent" ? "plan.per_agent" : "plan.per_team";
    const n = f.count.trim();
    if (!isInt(n) || Number(n) < 1) return fail(field, "plans.err.count");
    if (f.scope === "agent") plan.per_agent = Number(n);
    else plan.per_team = Number(n);
  }
  const talk = f.minTalkS.trim();
  if (talk) {
    const s = Number(talk);
    if (!Number.isFinite(s) || s < 0) return fail("plan.min_talk", "plans.err.min_talk");
    if (s > 0) plan.min_talk = Math.round(s * 1000) * 1_000_000;
  }
  if (f.direction && f.direction !== "inbound" && f.direction !== "outbound") return fail("plan.direction", "plans.err.direction");
  if (f.direction) plan.direction = f.direction;
  for (const k of ["queue", "team", "outcome"] as const) {
    const v = f[k].trim();
    if (v) plan[k] = v;
  }
  return { ok: true, body: { name, period: f.period, plan } };
}

export type QuotaRule = { kind: "per_agent" | "per_team"; n: number } | { kind: "percent"; percent: number; minimum: number };

// quotaRule is how many calls a plan picks per group.
export function quotaRule(p: SamplePlan): QuotaRule {
  if ((p.percent ?? 0) > 0) return { kind: "percent", percent: p.percent!, minimum: p.minimum ?? 0 };
  return p.scope === "team" ? { kind: "per_team", n: p.per_team ?? 0 } : { kind: "per_agent", n: p.per_agent ?? 0 };
}

// planFilters lists a plan's filters as (key, value) pairs, min_talk in seconds.
export function planFilters(p: SamplePlan): { key: "min_talk" | "direction" | "queue" | "team" | "outcome" | "not_evaluated"; value: string }[] {
  const out: ReturnType<typeof planFilters> = [];
  if (p.min_talk) out.push({ key: "min_talk", value: String(p.min_talk / 1e9) });
  for (const k of ["direction", "queue", "team", "outcome"] as const) if (p[k]) out.push({ key: k, value: p[k]! });
  if (p.not_evaluated) out.push({ key: "not_evaluated", value: "" });
  return out;
}

const INT64_MAX = 9223372036854775807n, INT64_MIN = -9223372036854775808n;

// drawBody is the JSON text of POST /qa/plans/{id}/draws. The seed is an int64: it is written
// as the digits given, never through a JavaScript number (which keeps only 53 bits).
export function drawBody(from: Date | null, to: Date | null, seed: string): Result<string> {
  if (!from || Number.isNaN(from.getTime())) return fail("from", "plans.err.from");
  if (!to || Number.isNaN(to.getTime())) return fail("to", "plans.err.to");
  if (from.getTime() >= to.getTime()) return fail("to", "plans.err.range");
  const s = seed.trim();
  let seedPart = "";
  if (s) {
    if (!/^-?\d{1,19}$/.test(s)) return fail("seed", "plans.err.seed");
    const b = BigInt(s);
    if (b > INT64_MAX || b < INT64_MIN) return fail("seed", "plans.err.seed");
    seedPart = `,"seed":${b.toString()}`;
  }
  return { ok: true, body: `{"from":${JSON.stringify(from.toISOString())},"to":${JSON.stringify(to.toISOString())}${seedPart}}` };
}

// seedOf reads the draw's seed from the response text exactly (JSON.parse would round an int64
// above 2^53).
export function seedOf(json: string): string | null {
  return /"seed"\s*:\s*(-?\d+)/.exec(json)?.[1] ?? null;
}

const pad = (n: number) => String(n).padStart(2, "0");

// localInput formats a time for <input type="datetime-local"> (local time, to the minute).
export function localInput(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// drawRange is the default period of a draw "now": the plan's period up to the next minute.
export function drawRange(period: string, now: Date): { from: Date; to: Date } {
  const to = new Date(now.getTime());
  to.setSeconds(0, 0);
  to.setMinutes(to.getMinutes() + 1);
  const from = new Date(to.getTime());
  if (period === "month") from.setMonth(from.getMonth() - 1);
  else if (period === "week") from.setDate(from.getDate() - 7);
  else from.setDate(from.getDate() - 1);
  return { from, to };
}
