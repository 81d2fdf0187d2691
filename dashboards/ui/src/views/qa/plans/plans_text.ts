// The plans page's texts built from a plan (its quota rule and filters), in the given
// translate function's language; shared by the plan list and the draw panel.

import { type SamplePlan, planFilters, quotaRule } from "../../../calib_logic";

type T = (key: string, vars?: Record<string, string | number>) => string;

export function quotaText(t: T, p: SamplePlan): string {
  const q = quotaRule(p);
  if (q.kind === "percent") return q.minimum ? t("plans.rule.percent_min", { p: q.percent, m: q.minimum }) : t("plans.rule.percent", { p: q.percent });
  return t("plans.rule." + q.kind, { n: q.n });
}

export function filtersText(t: T, p: SamplePlan): string {
  const parts = planFilters(p).map((f) =>
    f.key === "min_talk" ? t("plans.f.min_talk", { s: f.value })
    : f.key === "not_evaluated" ? t("plans.f.not_evaluated")
    : f.key === "direction" ? t("plans.dir." + f.value)
    : f.key === "outcome" ? t("plans.f.outcome", { v: t("plans.outcome." + f.value) })
    : t("plans.f." + f.key, { v: f.value }));
  return parts.length ? parts.join(" · ") : t("plans.f.none");
}
