// Calibration (/qa/calibrations and /qa/calibrations/:id): QA, operations managers and admins
// open a session on a recorded call for invited evaluators with a reference evaluator; each
// invited evaluator listens and scores the call blind (the API shows them only their own
// answers until the close); the session is closed and the deviation report compares every
// evaluator with the reference, item by item.

import "./calib.css";
import { ApiError, apiAuthed as api } from "./api";
import { clear, h } from "./dom";
import { errText, notice, show } from "./qa";
import { lang, t, type Key } from "./i18n";
import type { Me } from "./types";
import { Player } from "./player";
import { type Answer, type Item, type Scorecard, allItems, answerText, firstMissing, preview } from "./qalogic";
import {
  type CalibrationSession, type CalibrationSummary, type DevTable, calibrationBody, deviationTable, recordedCalls,
} from "./calib_logic";

type Nav = (path: string) => void;

export { canRunCalibration, calibrationNavVisible } from "./calibration_access";
import { canRunCalibration } from "./calibration_access";

const tk = (k: string, vars?: Record<string, string | number>) => t(k as Key, vars);
const fmtTime = (iso: string) => new Date(iso).toLocaleString(lang());
const fmt2 = (n: number | null | undefined) => (n === null || n === undefined ? "–" : n.toFixed(2));
const signed = (n: number) => (n > 0 ? "+" : n < 0 ? "−" : "") + Math.abs(n).toFixed(2);

function statusBadge(closed: boolean, testid: string): HTMLElement {
  return h("span", { class: "badge " + (closed ? "badge-ok" : "badge-amber"), testid }, closed ? tk("calib.closed") : tk("calib.open"));
}

// ---------------------------------------------------------------- list + new session

interface CallRow { id: string; agent?: string; queue?: string; entered_at: string; ended_at?: string | null; recording_name?: string | null; talk_ms?: number }
interface ScorecardSummary { id: string; name: string; latest_version: number; retired: boolean }

export class CalibrationListPage {
  constructor(private me: Me, private nav: Nav) {}
  mount(root: HTMLElement): void {
    const msg = notice("info", "calib-msg");
    const body = h("tbody", { testid: "calib-list" }, h("tr", {}, h("td", { colspan: 7, class: "muted" }, t("qa.loading"))));
    const runner = canRunCalibration(this.me.user.role);
    const formPanel = h("section", { class: "panel", testid: "calib-form", hidden: true });
    root.append(h("div", { class: "qa-page" },
      h("div", { class: "qa-row" }, h("h1", { class: "qa-grow" }, tk("calib.title")),
        runner ? h("button", { class: "btn btn-primary", testid: "calib-new", onclick: () => { formPanel.hidden = !formPanel.hidden; } }, tk("calib.new")) : null),
      h("p", { class: "muted" }, tk("calib.intro")),
      msg, formPanel,
      h("table", { class: "qa-table" },
        h("thead", {}, h("tr", {}, h("th", {}, "#"), h("th", {}, t("qa.call")), h("th", {}, t("qa.scorecard")), h("th", {}, t("qa.status")),
          h("th", {}, tk("calib.evaluators")), h("th", {}, tk("calib.created")), h("th", {}, ""))),
        body)));
    if (runner) this.form(formPanel);
    void this.load(body, msg);
  }

  private async load(body: HTMLElement, msg: HTMLElement): Promise<void> {
    let list: CalibrationSummary[];
    try {
      list = (await api<{ calibrations: CalibrationSummary[] }>("GET", "/qa/calibrations")).calibrations;
    } catch (e) { show(msg, errText(e), "error"); return; }
    clear(body);
    if (!list.length) body.append(h("tr", {}, h("td", { colspan: 7, class: "muted", testid: "calib-none" }, tk("calib.none"))));
    for (const s of list) {
      const path = `/qa/calibrations/${s.id}`;
      const mine = s.evaluators.includes(this.me.user.username);
      const done = s.submitted.includes(this.me.user.username);
      body.append(h("tr", { testid: `calib-row-${s.id}` },
        h("td", { class: "mono" }, String(s.id)),
        h("td", { class: "mono" }, s.call_id),
        h("td", {}, `${s.scorecard_id} ${t("qa.version", { v: s.scorecard_version })}`),
        h("td", {}, statusBadge(s.status === "closed", `calib-status-${s.id}`)),
        h("td", { testid: `calib-evs-${s.id}` }, evaluatorChips(s.evaluators, s.submitted, s.reference_evaluator)),
        h("td", {}, fmtTime(s.created_at), h("span", { class: "muted" }, " · " + s.created_by)),
        h("td", {}, h("a", {
          href: path, testid: `calib-open-${s.id}`,
          class: "btn btn-small " + (s.status === "open" && mine && !done ? "btn-primary" : ""),
          onclick: (e: Event) => { e.preventDefault(); this.nav(path); },
        }, s.status === "closed" ? tk("calib.report") : mine && !done ? tk("calib.score") : tk("calib.view")))));
    }
  }

  private form(panel: HTMLElement): void {
    const me = this.me.user.username;
    const callPick = h("select", { testid: "calib-call-pick", "aria-label": tk("calib.recent_calls") }, h("option", { value: "" }, tk("calib.recent_loading")));
    const callId = h("input", { testid: "calib-call", class: "mono", placeholder: tk("calib.call_placeholder"), required: true });
    const cardPick = h("select", { testid: "calib-scorecard", "aria-label": t("qa.scorecard") });
    const evList = h("div", { class: "calib-evlist", testid: "calib-evaluators" });
    const evAdd = h("input", { testid: "calib-ev-add", placeholder: tk("calib.add_placeholder") });
    const evAddBtn = h("button", { class: "btn btn-small", testid: "calib-ev-add-btn", type: "button" }, tk("calib.add"));
    const evNote = h("p", { class: "muted", testid: "calib-ev-note", hidden: true }, tk("calib.users_unavailable"));
    const refPick = h("select", { testid: "calib-reference", "aria-label": tk("calib.reference") });
    const err = notice("error", "calib-form-error");
    const create = h("button", { class: "btn btn-go", testid: "calib-create" }, tk("calib.create"));
    panel.append(h("h2", {}, tk("calib.new")),
      h("div", { class: "qa-grid calib-grid" },
        h("label", {}, t("qa.call")), h("div", { class: "qa-row" }, callPick, callId),
        h("label", {}, t("qa.scorecard")), cardPick,
        h("label", {}, tk("calib.evaluators")), h("div", {}, evList, h("div", { class: "qa-row" }, evAdd, evAddBtn), evNote),
        h("label", {}, tk("calib.reference")), h("div", { class: "qa-row" }, refPick, h("span", { class: "muted" }, tk("calib.reference_help")))),
      err, h("div", { class: "qa-row" }, create));

    const known = new Map<string, string>(); // username → label
    const checked = new Set<string>([me]);
    const renderRef = () => {
      const cur = refPick.value || me;
      clear(refPick);
      for (const u of known.keys()) if (checked.has(u)) refPick.append(h("option", { value: u, selected: u === cur }, known.get(u)!));
    };
    const renderEvs = () => {
      clear(evList);
      for (const [u, label] of known) {
        const cb = h("input", { type: "checkbox", testid: `calib-ev-${u}`, checked: checked.has(u), onchange: () => {
          if (cb.checked) checked.add(u); else checked.delete(u);
          renderRef();
        } });
        evList.append(h("label", { class: "qa-opt calib-ev" }, cb, label));
      }
      renderRef();
    };
    known.set(me, `${this.me.user.display_name || me} (${me})`);
    const addManual = () => {
      const u = evAdd.value.trim();
      if (!u) return;
      if (!known.has(u)) known.set(u, u);
      checked.add(u);
      evAdd.value = "";
      renderEvs();
    };
    evAddBtn.addEventListener("click", addManual);
    evAdd.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); addManual(); } });
    callPick.addEventListener("change", () => { if (callPick.value) callId.value = callPick.value; });
    renderEvs();

    void (async () => {
      try {
        const users = (await api<{ evaluators: { username: string; display_name: string; role: string }[] }>("GET", "/qa/evaluators")).evaluators;
        for (const u of users) if (!known.has(u.username)) known.set(u.username, `${u.display_name || u.username} (${u.username}) · ${tk("calib.role." + u.role)}`);
        renderEvs();
      } catch (e) {
        if (e instanceof ApiError && e.status === 403) evNote.hidden = false;
        else show(err, errText(e), "error");
      }
    })();
    void (async () => {
      try {
        const cards = (await api<{ scorecards: ScorecardSummary[] }>("GET", "/scorecards")).scorecards.filter((s) => !s.retired);
        for (const c of cards) cardPick.append(h("option", { value: c.id }, `${c.name} (${t("qa.version", { v: c.latest_version })})`));
        if (!cards.length) cardPick.append(h("option", { value: "" }, t("eval.no_scorecards")));
      } catch (e) { show(err, errText(e), "error"); }
    })();
    void (async () => {
      const to = new Date(Date.now() + 60_000), from = new Date(Date.now() - 7 * 86_400_000);
      try {
        const page = await api<{ calls: CallRow[] }>("GET", `/calls?from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}&limit=200`);
        const calls = recordedCalls(page.calls ?? []);
        clear(callPick);
        callPick.append(h("option", { value: "" }, calls.length ? tk("calib.recent_pick", { n: calls.length }) : tk("calib.recent_none")));
        for (const c of calls) {
          callPick.append(h("option", { value: c.id }, [c.id, c.agent ? `${t("qa.agent")} ${c.agent}` : "", c.queue ?? "", fmtTime(c.entered_at)].filter(Boolean).join(" · ")));
        }
      } catch (e) {
        clear(callPick);
        callPick.append(h("option", { value: "" }, tk("calib.recent_none")));
        show(err, errText(e), "error");
      }
    })();

    create.addEventListener("click", async () => {
      show(err, "");
      panel.querySelectorAll(".calib-invalid").forEach((x) => x.classList.remove("calib-invalid"));
      const r = calibrationBody(callId.value, cardPick.value, [...known.keys()].filter((u) => checked.has(u)), refPick.value);
      const mark = (field: string) => {
        const el = field === "call_id" ? callId : field === "scorecard_id" ? cardPick : field === "reference_evaluator" ? refPick : evList;
        el.classList.add("calib-invalid");
      };
      if (!r.ok) { show(err, tk(r.key, r.vars), "error"); mark(r.field); return; }
      create.disabled = true;
      try {
        const s = await api<CalibrationSummary>("POST", "/qa/calibrations", r.body);
        this.nav(`/qa/calibrations/${s.id}`);
      } catch (e) {
        show(err, errText(e), "error");
        const f = (e as ApiError).field ?? "";
        if (f) mark(f.startsWith("evaluators") ? "evaluators" : f);
        create.disabled = false;
      }
    });
  }
  unmount(): void {}
}

function evaluatorChips(evaluators: string[], submitted: string[], reference: string): HTMLElement {
  return h("span", { class: "calib-chips" }, ...evaluators.map((e) => h("span", {
    class: "pill calib-chip" + (submitted.includes(e) ? " calib-done" : ""),
    title: submitted.includes(e) ? tk("calib.has_submitted") : tk("calib.not_submitted"),
  }, (submitted.includes(e) ? "✓ " : "… ") + e, e === reference ? h("span", { class: "calib-ref" }, " · " + tk("calib.ref")) : null)));
}

// ---------------------------------------------------------------- one session

export class CalibrationSessionPage {
  private player: Player | null = null;
  private alive = true;
  constructor(private me: Me, private id: string, private nav: Nav) {}

  mount(root: HTMLElement): void {
    const page = h("div", { class: "qa-page" }, h("p", { class: "muted" }, t("qa.loading")));
    root.append(page);
    void this.load(page);
  }

  private async load(page: HTMLElement, flash?: string): Promise<void> {
    let s: CalibrationSession, card: Scorecard;
    try {
      s = await api<CalibrationSession>("GET", `/qa/calibrations/${encodeURIComponent(this.id)}`);
      card = await api<Scorecard>("GET", `/scorecards/${encodeURIComponent(s.scorecard_id)}?version=${s.scorecard_version}`);
    } catch (e) {
      clear(page);
      page.append(h("h1", {}, tk("calib.session", { id: this.id })), h("p", { class: "qa-msg qa-msg-error", testid: "calib-error" }, errText(e)));
      return;
    }
    if (!this.alive) return;
    this.player?.destroy(); this.player = null;
    clear(page);
    const me = this.me.user.username;
    const closed = !!s.closed_at;
    const invited = s.evaluators.includes(me);
    const runner = canRunCalibration(this.me.user.role);
    const back = h("a", { href: "/qa/calibrations", class: "btn btn-small btn-ghost", testid: "calib-back", onclick: (e: Event) => { e.preventDefault(); this.nav("/qa/calibrations"); } }, "← " + tk("calib.title"));
    const msg = notice("ok", "calib-session-msg");
    if (flash) show(msg, flash, "ok");
    page.append(
      h("div", { class: "qa-row" }, back),
      h("h1", {}, tk("calib.session_title", { id: s.id, call: s.call_id })),
      h("div", { class: "qa-row panel calib-head" },
        statusBadge(closed, "calib-session-status"),
        h("span", {}, `${card.name} ${t("qa.version", { v: s.scorecard_version })}`),
        h("span", { class: "muted" }, tk("calib.reference") + ": "), h("strong", { testid: "calib-reference-name" }, s.reference_evaluator),
        h("span", { class: "muted" }, tk("calib.created_by", { who: s.created_by, when: fmtTime(s.created_at) })),
        h("span", { class: "qa-grow" }),
        h("span", { testid: "calib-submitted" }, evaluatorChips(s.evaluators, s.submitted, s.reference_evaluator))),
      msg);

    if (!closed) {
      page.append(h("p", { class: "qa-msg qa-msg-info", testid: "calib-blind" }, tk("calib.blind")));
      if (runner) {
        const refDone = s.submitted.includes(s.reference_evaluator);
        const err = notice("error", "calib-close-error");
        // closing is final (no more scores): a second, explicit click confirms it
        const close = h("button", { class: "btn btn-warn", testid: "calib-close", disabled: !refDone }, tk("calib.close"));
        const confirmBtn = h("button", { class: "btn btn-danger", testid: "calib-close-confirm", hidden: true }, tk("calib.close_confirm", { n: s.submitted.length, m: s.evaluators.length }));
        const cancel = h("button", { class: "btn btn-ghost", testid: "calib-close-cancel", hidden: true }, tk("calib.cancel"));
        const hint = h("span", { class: "muted", testid: "calib-close-hint" }, refDone ? tk("calib.close_hint", { n: s.submitted.length, m: s.evaluators.length }) : tk("calib.close_wait", { who: s.reference_evaluator }));
        const asking = (on: boolean) => { close.hidden = on; confirmBtn.hidden = cancel.hidden = !on; };
        close.addEventListener("click", () => asking(true));
        cancel.addEventListener("click", () => asking(false));
        confirmBtn.addEventListener("click", async () => {
          confirmBtn.disabled = true;
          try {
            await api("POST", `/qa/calibrations/${s.id}/close`);
            await this.load(page, tk("calib.closed_msg"));
          } catch (e) { show(err, errText(e), "error"); confirmBtn.disabled = false; }
        });
        page.append(h("div", { class: "qa-row" }, close, confirmBtn, cancel, hint), err);
      }
      if (invited) this.scoring(page, s, card);
      else page.append(h("p", { class: "muted", testid: "calib-not-invited" }, tk("calib.not_invited")));
      return;
    }
    page.append(report(card, s));
  }

  // scoring: the player beside the form, prefilled with the caller's own earlier answers.
  private scoring(page: HTMLElement, s: CalibrationSession, card: Scorecard): void {
    const me = this.me.user.username;
    const own = s.scores.find((x) => x.evaluator === me);
    const answers = new Map<string, Answer>((own?.answers ?? []).map((a) => [a.item_id, a]));
    const player = new Player(s.call_id);
    this.player = player;
    const prev = h("span", { class: "qa-preview", testid: "calib-preview" });
    const err = notice("error", "calib-submit-error");
    const ok = notice("ok", "calib-submit-result");
    const submit = h("button", { class: "btn btn-go", testid: "calib-submit" }, own ? tk("calib.resubmit") : tk("calib.submit"));
    const form = h("div", { class: "qa-form", testid: "calib-score-form" });
    const updatePreview = () => {
      const p = preview(card, answers);
      prev.textContent = p.fatal ? t("eval.preview_fatal") : t("eval.preview", { score: p.final === null ? "–" : p.final.toFixed(1) });
      prev.className = "qa-preview" + (p.fatal ? " bad" : "");
    };
    for (const sec of card.sections) {
      const fs = h("fieldset", { class: "qa-section" }, h("legend", {}, sec.title));
      for (const it of sec.items) {
        const row = h("div", { class: "qa-item", testid: "cal-item-" + it.id }, h("div", { class: "qa-item-text" }, it.text, itemBadges(it)));
        row.append(answerControl(it, answers.get(it.id), (a) => { answers.set(it.id, a); row.classList.remove("qa-invalid"); updatePreview(); }));
        fs.append(row);
      }
      form.append(fs);
    }
    if (own) show(ok, tk("calib.own_submitted", { when: fmtTime(own.submitted_at), score: own.result.score_final.toFixed(1) }), "ok");
    page.append(h("div", { class: "qa-eval" },
      h("section", { class: "panel qa-player" }, h("h2", {}, tk("calib.listen")), player.wave, player.audio, player.controls()),
      h("section", { class: "panel qa-card" },
        h("div", { class: "qa-row" }, h("h2", { class: "qa-grow" }, tk("calib.your_score")), prev),
        form, err, ok, h("div", { class: "qa-row" }, submit))));
    player.start();
    updatePreview();
    submit.addEventListener("click", async () => {
      show(err, "");
      form.querySelectorAll(".qa-invalid").forEach((x) => x.classList.remove("qa-invalid"));
      const miss = firstMissing(card, answers);
      if (miss) {
        show(err, t("eval.missing", { item: miss.item.text, field: miss.field }), "error");
        form.querySelector(`[data-testid="cal-item-${miss.item.id}"]`)?.classList.add("qa-invalid");
        return;
      }
      submit.disabled = true;
      try {
        const sc = await api<{ result: { score_final: number } }>("POST", `/qa/calibrations/${s.id}/scores`, { answers: allItems(card).map((it) => answers.get(it.id)!) });
        await this.load(page, tk("calib.submitted_msg", { score: sc.result.score_final.toFixed(1) }));
      } catch (e) { show(err, errText(e), "error"); submit.disabled = false; }
    });
  }

  unmount(): void { this.alive = false; this.player?.destroy(); this.player = null; }
}

function itemBadges(it: Item): HTMLElement {
  return h("span", { class: "qa-badges" },
    it.fatal ? h("span", { class: "badge badge-red" }, t("qa.fatal")) : null,
    it.section_fail ? h("span", { class: "badge badge-amber" }, t("qa.section_fail")) : null,
    it.non_fatal ? h("span", { class: "badge" }, t("qa.non_fatal")) : null,
    it.bonus ? h("span", { class: "badge badge-ok" }, t("qa.bonus")) : null);
}

function answerControl(it: Item, current: Answer | undefined, onChange: (a: Answer) => void): HTMLElement {
  const wrap = h("div", { class: "qa-answer", role: "radiogroup" });
  const radio = (label: string, id: string, checked: boolean, a: Answer) =>
    h("label", { class: "qa-opt" }, h("input", { type: "radio", name: "cal-" + it.id, testid: `cal-${it.id}-${id}`, checked, onchange: () => onChange(a) }), label);
  const on = (p: (a: Answer) => boolean) => !!current && !current.na && p(current);
  if (it.kind === "yes_no") {
    wrap.append(radio(t("qa.yes"), "yes", on((a) => a.yes === true), { item_id: it.id, yes: true }),
      radio(t("qa.no"), "no", on((a) => a.yes === false), { item_id: it.id, yes: false }));
  } else if (it.kind === "scale") {
    for (let v = 0; v <= (it.max ?? 0); v++) wrap.append(radio(String(v), String(v), on((a) => a.value === v), { item_id: it.id, value: v }));
  } else {
    (it.choices ?? []).forEach((c, i) => wrap.append(radio(`${c.label} (${c.points})`, "c" + i, on((a) => a.choice === i), { item_id: it.id, choice: i })));
  }
  if (it.allow_na) wrap.append(radio(t("qa.na"), "na", !!current?.na, { item_id: it.id, na: true }));
  return wrap;
}

// ---------------------------------------------------------------- the deviation report

function report(card: Scorecard, s: CalibrationSession): HTMLElement {
  const tb: DevTable = deviationTable(card, s);
  const ans = (it: Item, a: Answer | undefined) => answerText(it, a, t("qa.yes"), t("qa.no"), t("qa.na"));
  const wrap = h("section", { class: "panel calib-report", testid: "calib-report" },
    h("h2", {}, tk("calib.report_title")),
    h("p", { class: "muted" }, tk("calib.report_help")),
    h("div", { class: "qa-row calib-stats" },
      stat(tk("calib.reference"), s.reference_evaluator, "calib-stat-reference"),
      stat(tk("calib.reference_score"), fmt2(tb.referenceScore), "calib-stat-reference-score"),
      stat(tk("calib.mean_score_diff"), fmt2(tb.meanAbsScoreDiff), "calib-stat-mean-diff"),
      stat(tk("calib.scored"), `${s.scores.length} / ${s.evaluators.length}`, "calib-stat-scored")));
  if (!tb.columns.length) {
    wrap.append(h("p", { class: "muted", testid: "calib-no-compare" }, tk("calib.nobody_to_compare")));
    return wrap;
  }

  // per evaluator
  const evBody = h("tbody");
  for (const c of tb.columns) {
    evBody.append(h("tr", { testid: `calib-ev-row-${c.evaluator}`, class: c.worst ? "calib-worst-row" : "" },
      h("td", {}, c.evaluator, c.worst ? h("span", { class: "badge badge-red calib-worst-badge" }, tk("calib.worst")) : null),
      h("td", { class: "num", testid: `calib-ev-score-${c.evaluator}` }, fmt2(c.score)),
      h("td", { class: "num", testid: `calib-ev-diff-${c.evaluator}` }, signed(c.scoreDiff)),
      h("td", { class: "num", testid: `calib-ev-mean-${c.evaluator}` }, fmt2(c.meanAbsItemDiff)),
      h("td", { class: "num", testid: `calib-ev-agree-${c.evaluator}` }, `${fmt2(c.agreement)} % (${c.agreeing}/${tb.rows.length})`)));
  }
  wrap.append(h("h3", {}, tk("calib.per_evaluator")),
    h("table", { class: "qa-table calib-table", testid: "calib-ev-table" },
      h("thead", {}, h("tr", {}, h("th", {}, tk("calib.evaluator")), h("th", { class: "num" }, tk("calib.final_score")),
        h("th", { class: "num" }, tk("calib.score_diff")), h("th", { class: "num" }, tk("calib.mean_item_diff")), h("th", { class: "num" }, tk("calib.agreement")))),
      evBody));

  // per item × evaluator
  const head = h("tr", {}, h("th", {}, tk("calib.item")), h("th", {}, tk("calib.reference_answer", { who: s.reference_evaluator })),
    ...tb.columns.map((c) => h("th", { class: "num" + (c.worst ? " calib-worst-head" : "") }, c.evaluator)),
    h("th", { class: "num" }, tk("calib.mean_dev")), h("th", { class: "num" }, tk("calib.agreement")));
  const body = h("tbody");
  for (const r of tb.rows) {
    body.append(h("tr", { testid: `calib-dev-${r.item.id}`, class: r.worst ? "calib-worst-row" : "" },
      h("td", {}, r.item.text, r.worst ? h("span", { class: "badge badge-red calib-worst-badge" }, tk("calib.worst")) : null),
      h("td", { testid: `calib-dev-${r.item.id}-ref` }, ans(r.item, r.reference)),
      ...r.cells.map((c) => h("td", {
        class: "num calib-cell" + (c.worst ? " calib-worst" : c.deviation > 0 ? " calib-off" : ""),
        testid: `calib-dev-${r.item.id}-${c.evaluator}`,
        title: tk("calib.cell_title", { who: c.evaluator, answer: ans(r.item, c.answer), d: fmt2(c.deviation) }),
      }, h("span", { class: "calib-ans" }, ans(r.item, c.answer)), h("span", { class: "calib-dev" }, fmt2(c.deviation)))),
      h("td", { class: "num", testid: `calib-dev-${r.item.id}-mean` }, fmt2(r.meanDeviation)),
      h("td", { class: "num", testid: `calib-dev-${r.item.id}-agree` }, r.agreement === null ? "–" : `${fmt2(r.agreement)} %`)));
  }
  const foot = h("tr", { class: "calib-foot" }, h("td", {}, tk("calib.mean_item_diff")), h("td", {}),
    ...tb.columns.map((c) => h("td", { class: "num" + (c.worst ? " calib-worst" : ""), testid: `calib-dev-mean-${c.evaluator}` }, fmt2(c.meanAbsItemDiff))),
    h("td", {}), h("td", {}));
  wrap.append(h("h3", {}, tk("calib.per_item")),
    h("p", { class: "muted" }, tk("calib.per_item_help")),
    h("div", { class: "calib-scroll" }, h("table", { class: "qa-table calib-table", testid: "calib-dev-table" }, h("thead", {}, head), body, h("tfoot", {}, foot))));
  return wrap;
}

function stat(label: string, value: string, testid: string): HTMLElement {
  return h("div", { class: "calib-stat" }, h("span", { class: "muted" }, label), h("strong", { testid }, value));
}
