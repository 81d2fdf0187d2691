// Sampling plans (/qa/plans): the plans (name, scope, quota rule, period, filters, active); QA,
// operations managers and admins create plans with a structured form (the fields of
// callfloor.SamplePlan) and draw a plan now over a chosen period with an optional seed, and see
// the draw: seed, population, quota, short-fall, the picks and whom each was assigned to.
// Team leads and supervisors read the plans.

import "./calib.css";
import { ApiError, apiAuthed as api, onUnauthorized } from "./api";
import { clear, h } from "./dom";
import { errText, notice, show } from "./qa";
import { lang, t, type Key } from "./i18n";
import type { Me } from "./types";
import { fmtClock } from "./qalogic";
import { type PlanForm, type SamplePlan, drawBody, drawRange, localInput, planBody, planFilters, quotaRule, seedOf } from "./calib_logic";

export { canReadPlans, canSample } from "./plans_access";
import { canSample } from "./plans_access";

interface DrawSummary { id: number; kind: string; drawn_at: string; drawn_by: string; from: string; to: string; quota: number; short: number; assigned: number; population_size: number }
interface PlanRecord {
  id: number; name: string; scope: string; plan: SamplePlan; period: string; created_by: string; created_at: string; active: boolean;
  last_draw?: DrawSummary | null; next_run?: { from: string; to: string; due_at: string } | null;
}
interface Pick { call_id: string; agent: string; team: string; queue: string; entered_at: string; talk_ms: number; direction: string; outcome: string }
interface Assignment { call_id: string; evaluator: string }
interface DrawResult {
  id: number; plan_id?: number; drawn_at: string; drawn_by: string; from: string; to: string;
  candidates: number; population_size: number; filters: string; quota: number; short: number;
  picks: Pick[]; unassigned: string[]; assignments: Assignment[];
}

const tk = (k: string, vars?: Record<string, string | number>) => t(k as Key, vars);
const fmtTime = (iso: string) => new Date(iso).toLocaleString(lang());
const OUTCOMES = ["answered", "abandoned", "short_abandon", "flowed_out", "unknown_queue", "busy", "no_answer", "failed"];


// postRaw sends a JSON text and answers the response text: the draw's int64 seed must not pass
// through JSON.parse (see seedOf).
async function postRaw(path: string, body: string): Promise<string> {
  let resp: Response;
  try {
    resp = await fetch("/api/v1" + path, { method: "POST", credentials: "same-origin", headers: { Accept: "application/json", "Content-Type": "application/json" }, body });
  } catch (e) {
    throw new ApiError(0, "network", String(e));
  }
  const text = await resp.text();
  if (!resp.ok) {
    let j: any;
    try { j = JSON.parse(text); } catch { j = undefined; }
    if (resp.status === 401) onUnauthorized();
    throw new ApiError(resp.status, j?.code ?? "http_" + resp.status, j?.message ?? (text.slice(0, 200) || resp.statusText), j?.field);
  }
  return text;
}

export function quotaText(p: SamplePlan): string {
  const q = quotaRule(p);
  if (q.kind === "percent") return q.minimum ? tk("plans.rule.percent_min", { p: q.percent, m: q.minimum }) : tk("plans.rule.percent", { p: q.percent });
  return tk("plans.rule." + q.kind, { n: q.n });
}
export function filtersText(p: SamplePlan): string {
  const parts = planFilters(p).map((f) =>
    f.key === "min_talk" ? tk("plans.f.min_talk", { s: f.value })
    : f.key === "not_evaluated" ? tk("plans.f.not_evaluated")
    : f.key === "direction" ? tk("plans.dir." + f.value)
    : f.key === "outcome" ? tk("plans.f.outcome", { v: tk("plans.outcome." + f.value) })
    : tk("plans.f." + f.key, { v: f.value }));
  return parts.length ? parts.join(" · ") : tk("plans.f.none");
}

export class PlansPage {
  private plans: PlanRecord[] = [];
  constructor(private me: Me) {}

  mount(root: HTMLElement): void {
    const writer = canSample(this.me.user.role);
    const msg = notice("ok", "plans-msg");
    const formPanel = h("section", { class: "panel", testid: "plan-form", hidden: true });
    const drawPanel = h("section", { class: "panel", testid: "draw-panel", hidden: true });
    const result = h("section", { class: "panel", testid: "draw-result", hidden: true });
    const body = h("tbody", { testid: "plans-list" }, h("tr", {}, h("td", { colspan: 10, class: "muted" }, t("qa.loading"))));
    root.append(h("div", { class: "qa-page" },
      h("div", { class: "qa-row" }, h("h1", { class: "qa-grow" }, tk("plans.title")),
        writer ? h("button", { class: "btn btn-primary", testid: "plan-new", onclick: () => { formPanel.hidden = !formPanel.hidden; } }, tk("plans.new")) : null),
      h("p", { class: "muted" }, writer ? tk("plans.intro") : tk("plans.read_only")),
      msg, formPanel,
      h("table", { class: "qa-table" },
        h("thead", {}, h("tr", {}, h("th", {}, tk("plans.name")), h("th", {}, tk("plans.scope")), h("th", {}, tk("plans.quota")), h("th", {}, tk("plans.period")),
          h("th", {}, tk("plans.filters")), h("th", {}, tk("plans.active")), h("th", {}, tk("plans.last_draw")), h("th", {}, tk("plans.next_run")),
          h("th", {}, tk("calib.created")), h("th", {}, ""))),
        body),
      drawPanel, result));
    const load = async () => {
      try {
        this.plans = (await api<{ plans: PlanRecord[] }>("GET", "/qa/plans")).plans ?? [];
      } catch (e) { show(msg, errText(e), "error"); return; }
      clear(body);
      if (!this.plans.length) body.append(h("tr", {}, h("td", { colspan: 10, class: "muted", testid: "plans-none" }, tk("plans.none"))));
      for (const p of this.plans) {
        body.append(h("tr", { testid: `plan-row-${p.id}` },
          h("td", { testid: `plan-name-${p.id}` }, p.name),
          h("td", { testid: `plan-scope-${p.id}` }, tk("plans.scope." + p.scope)),
          h("td", { testid: `plan-quota-${p.id}` }, quotaText(p.plan)),
          h("td", {}, tk("plans.period." + p.period)),
          h("td", { testid: `plan-filters-${p.id}` }, filtersText(p.plan)),
          h("td", {}, h("span", { class: "badge " + (p.active ? "badge-ok" : "") }, p.active ? tk("plans.yes") : tk("plans.no"))),
          h("td", { testid: `plan-last-${p.id}` }, p.last_draw
            ? h("span", {}, fmtTime(p.last_draw.drawn_at), h("span", { class: "muted" }, " · " + tk(p.last_draw.kind === "scheduled" ? "plans.kind.scheduled" : "plans.kind.manual")
              + " · " + tk("plans.assigned_of", { n: p.last_draw.assigned, q: p.last_draw.quota })))
            : h("span", { class: "muted" }, "–")),
          h("td", { testid: `plan-next-${p.id}` }, p.active && p.next_run
            ? h("span", {}, fmtTime(p.next_run.due_at), h("span", { class: "muted" }, " · " + tk("plans.covers", { from: fmtTime(p.next_run.from), to: fmtTime(p.next_run.to) })))
            : h("span", { class: "muted" }, p.active ? "–" : tk("plans.paused"))),
          h("td", {}, fmtTime(p.created_at), h("span", { class: "muted" }, " · " + p.created_by)),
          h("td", { class: "calls-actions" },
            writer && p.active ? h("button", { class: "btn btn-small btn-primary", testid: `plan-draw-${p.id}`, onclick: () => this.drawForm(drawPanel, result, p) }, tk("plans.draw")) : null,
            writer ? h("button", { class: "btn btn-small btn-ghost", testid: `plan-toggle-${p.id}`, onclick: async () => {
              try { await api("PUT", `/qa/plans/${p.id}/active`, { active: !p.active }); await load(); } catch (e) { show(msg, errText(e), "error"); }
            } }, p.active ? tk("plans.pause") : tk("plans.resume")) : null)));
      }
    };
    if (writer) this.form(formPanel, msg, async (id) => { formPanel.hidden = true; await load(); const p = this.plans.find((x) => x.id === id); if (p) this.drawForm(drawPanel, result, p); });
    void load();
  }

  private form(panel: HTMLElement, msg: HTMLElement, saved: (id: number) => Promise<void>): void {
    const name = h("input", { testid: "plan-name", maxlength: 200 });
    const period = h("select", { testid: "plan-period" }, ...["day", "week", "month"].map((p) => h("option", { value: p }, tk("plans.period." + p))));
    const scope = h("select", { testid: "plan-scope" }, ...["agent", "team", "queue"].map((s) => h("option", { value: s }, tk("plans.scope." + s))));
    const qCount = h("input", { type: "radio", name: "plan-quota", value: "count", testid: "plan-quota-count", checked: true });
    const qPct = h("input", { type: "radio", name: "plan-quota", value: "percent", testid: "plan-quota-percent" });
    const count = h("input", { type: "number", min: 1, step: 1, value: "10", testid: "plan-count", class: "calib-num" });
    const countUnit = h("span", { class: "muted" });
    const pct = h("input", { type: "number", min: 0, max: 100, step: "any", value: "5", testid: "plan-percent", class: "calib-num" });
    const minimum = h("input", { type: "number", min: 0, step: 1, value: "", placeholder: "0", testid: "plan-minimum", class: "calib-num" });
    const minTalk = h("input", { type: "number", min: 0, step: "any", value: "", placeholder: "0", testid: "plan-min-talk", class: "calib-num" });
    const direction = h("select", { testid: "plan-direction" }, h("option", { value: "" }, tk("plans.any")),
      h("option", { value: "inbound" }, tk("plans.dir.inbound")), h("option", { value: "outbound" }, tk("plans.dir.outbound")));
    const queue = h("select", { testid: "plan-queue" }, h("option", { value: "" }, tk("plans.any")));
    const team = h("select", { testid: "plan-team" }, h("option", { value: "" }, tk("plans.any")));
    const outcome = h("select", { testid: "plan-outcome" }, h("option", { value: "" }, tk("plans.any")), ...OUTCOMES.map((o) => h("option", { value: o }, tk("plans.outcome." + o))));
    const notEval = h("input", { type: "checkbox", testid: "plan-not-evaluated", checked: true, disabled: true });
    const err = notice("error", "plan-error");
    const save = h("button", { class: "btn btn-go", testid: "plan-save" }, tk("plans.save"));
    const sync = () => {
      const isQueue = scope.value === "queue";
      qCount.disabled = isQueue;
      if (isQueue) qPct.checked = true;
      countUnit.textContent = scope.value === "team" ? tk("plans.per_team_unit") : tk("plans.per_agent_unit");
      count.disabled = !qCount.checked;
      pct.disabled = minimum.disabled = !qPct.checked;
    };
    scope.addEventListener("change", sync);
    qCount.addEventListener("change", sync);
    qPct.addEventListener("change", sync);
    sync();
    panel.append(h("h2", {}, tk("plans.new")),
      h("div", { class: "qa-grid calib-grid" },
        h("label", {}, tk("plans.name")), name,
        h("label", {}, tk("plans.period")), h("div", { class: "qa-row" }, period, h("span", { class: "muted" }, tk("plans.period_help"))),
        h("label", {}, tk("plans.scope")), h("div", { class: "qa-row" }, scope, h("span", { class: "muted" }, tk("plans.scope_help"))),
        h("label", {}, tk("plans.quota")),
        h("div", { class: "calib-quota" },
          h("label", { class: "qa-opt" }, qCount, tk("plans.quota_count")), h("div", { class: "qa-row" }, count, countUnit),
          h("label", { class: "qa-opt" }, qPct, tk("plans.quota_percent")),
          h("div", { class: "qa-row" }, pct, h("span", { class: "muted" }, "%"), h("span", { class: "muted" }, tk("plans.minimum")), minimum)),
        h("label", {}, tk("plans.min_talk")), h("div", { class: "qa-row" }, minTalk, h("span", { class: "muted" }, tk("plans.seconds"))),
        h("label", {}, tk("plans.direction")), direction,
        h("label", {}, t("qa.queue")), queue,
        h("label", {}, tk("plans.team")), team,
        h("label", {}, tk("plans.outcome")), outcome,
        h("label", {}, tk("plans.not_evaluated")), h("label", { class: "qa-opt" }, notEval, tk("plans.not_evaluated_help"))),
      err, h("div", { class: "qa-row" }, save));
    void (async () => {
      try { for (const q of (await api<{ queues: { name: string }[] }>("GET", "/queues")).queues ?? []) queue.append(h("option", { value: q.name }, q.name)); } catch { /* any queue only */ }
    })();
    void (async () => {
      try { for (const x of (await api<{ teams: { id: string; name: string }[] }>("GET", "/teams")).teams ?? []) team.append(h("option", { value: x.id }, x.name && x.name !== x.id ? `${x.name} (${x.id})` : x.id)); } catch { /* any team only */ }
    })();
    const inputs: Record<string, HTMLElement> = {
      name, period, "plan.scope": scope, "plan.per_agent": count, "plan.per_team": count, "plan.percent": pct, "plan.minimum": minimum,
      "plan.min_talk": minTalk, "plan.direction": direction, "plan.queue": queue, "plan.team": team, "plan.outcome": outcome,
    };
    const mark = (field: string | undefined) => inputs[field ?? ""]?.classList.add("calib-invalid");
    save.addEventListener("click", async () => {
      show(err, "");
      panel.querySelectorAll(".calib-invalid").forEach((x) => x.classList.remove("calib-invalid"));
      const f: PlanForm = {
        name: name.value, period: period.value, scope: scope.value, quota: qPct.checked ? "percent" : "count",
        count: count.value, percent: pct.value, minimum: minimum.value, minTalkS: minTalk.value,
        direction: direction.value, queue: queue.value, team: team.value, outcome: outcome.value,
      };
      const r = planBody(f);
      if (!r.ok) { show(err, tk(r.key, r.vars), "error"); mark(r.field); return; }
      save.disabled = true;
      try {
        const p = await api<PlanRecord>("POST", "/qa/plans", r.body);
        show(msg, tk("plans.saved", { name: p.name }), "ok");
        name.value = "";
        await saved(p.id);
      } catch (e) { show(err, errText(e), "error"); mark((e as ApiError).field); }
      save.disabled = false;
    });
  }

  private drawForm(panel: HTMLElement, result: HTMLElement, p: PlanRecord): void {
    clear(panel);
    panel.hidden = false;
    const r = drawRange(p.period, new Date());
    const from = h("input", { type: "datetime-local", testid: "draw-from", value: localInput(r.from) });
    const to = h("input", { type: "datetime-local", testid: "draw-to", value: localInput(r.to) });
    const seed = h("input", { testid: "draw-seed", class: "mono", inputmode: "numeric", placeholder: tk("plans.seed_random") });
    const err = notice("error", "draw-error");
    const run = h("button", { class: "btn btn-go", testid: "draw-run" }, tk("plans.run"));
    panel.append(h("h2", { testid: "draw-title" }, tk("plans.draw_title", { name: p.name })),
      h("p", { class: "muted" }, quotaText(p.plan) + " · " + filtersText(p.plan)),
      h("div", { class: "qa-row" }, h("label", {}, tk("plans.from")), from, h("label", {}, tk("plans.to")), to,
        h("label", {}, tk("plans.seed")), seed, run),
      h("p", { class: "muted" }, tk("plans.draw_help")), err);
    panel.scrollIntoView({ block: "nearest" });
    run.addEventListener("click", async () => {
      show(err, "");
      const body = drawBody(from.value ? new Date(from.value) : null, to.value ? new Date(to.value) : null, seed.value);
      if (!body.ok) { show(err, tk(body.key, body.vars), "error"); return; }
      run.disabled = true;
      try {
        const text = await postRaw(`/qa/plans/${p.id}/draws`, body.body);
        this.showDraw(result, p, JSON.parse(text) as DrawResult, seedOf(text) ?? "?");
      } catch (e) { show(err, errText(e), "error"); }
      run.disabled = false;
    });
  }

  private showDraw(el: HTMLElement, p: PlanRecord, d: DrawResult, seed: string): void {
    clear(el);
    el.hidden = false;
    const to = new Map(d.assignments.map((a) => [a.call_id, a.evaluator]));
    const unassigned = new Set(d.unassigned ?? []);
    const stat = (label: string, value: string | number, testid: string) => h("div", { class: "calib-stat" }, h("span", { class: "muted" }, label), h("strong", { testid, class: "mono" }, String(value)));
    const rows = h("tbody", { testid: "draw-picks" });
    if (!d.picks.length) rows.append(h("tr", {}, h("td", { colspan: 7, class: "muted" }, tk("plans.no_picks"))));
    for (const c of d.picks) {
      const who = to.get(c.call_id);
      rows.append(h("tr", { testid: `draw-pick-${c.call_id}` },
        h("td", { class: "mono" }, c.call_id), h("td", {}, c.agent), h("td", {}, c.team), h("td", {}, c.queue), h("td", {}, fmtTime(c.entered_at)),
        h("td", { class: "num" }, fmtClock(c.talk_ms)),
        h("td", { testid: `draw-pick-${c.call_id}-to` }, who ? who : h("span", { class: "badge badge-amber" }, unassigned.has(c.call_id) ? tk("plans.unassigned") : "–"))));
    }
    el.append(h("h2", {}, tk("plans.result_title", { id: d.id, name: p.name })),
      h("div", { class: "qa-row calib-stats" },
        stat(tk("plans.seed"), seed, "draw-seed-value"),
        stat(tk("plans.population"), d.population_size, "draw-population"),
        stat(tk("plans.candidates"), d.candidates, "draw-candidates"),
        stat(tk("plans.quota"), d.quota, "draw-quota"),
        stat(tk("plans.picked"), d.picks.length, "draw-picked"),
        stat(tk("plans.short"), d.short, "draw-short"),
        stat(tk("plans.assigned"), d.assignments.length, "draw-assigned")),
      h("p", { class: "muted" }, tk("plans.period_range", { from: fmtTime(d.from), to: fmtTime(d.to) }), " · ", tk("plans.drawn_by", { who: d.drawn_by, when: fmtTime(d.drawn_at) })),
      h("p", {}, h("span", { class: "muted" }, tk("plans.filters") + ": "), h("code", { testid: "draw-filters", class: "calib-code" }, d.filters)),
      ...(d.short > 0 ? [h("p", { class: "qa-msg qa-msg-info", testid: "draw-short-note" }, tk("plans.short_note", { n: d.short }))] : []),
      h("table", { class: "qa-table" },
        h("thead", {}, h("tr", {}, h("th", {}, t("qa.call")), h("th", {}, t("qa.agent")), h("th", {}, tk("plans.team")), h("th", {}, t("qa.queue")),
          h("th", {}, t("qa.when")), h("th", { class: "num" }, t("qa.talk")), h("th", {}, tk("plans.assigned_to")))),
        rows));
    el.scrollIntoView({ block: "start" });
  }
  unmount(): void {}
}
