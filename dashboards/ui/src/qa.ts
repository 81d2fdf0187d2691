// The QA pages: worklist (/qa), evaluate a call (/qa/evaluate/:id, recording with a wavesurfer.js
// waveform (player.ts) + the scorecard form), my evaluations (/qa/mine) and the disputes inbox
// (/qa/disputes). Elsewhere: reports.ts, scoresheet.ts, scorecards.ts (the editor),
// calibration.ts, plans.ts.

import { type ApiError, apiAuthed as api } from "./api";
import { clear, h } from "./dom";
import { Player } from "./player";
import { lang, t, type Key } from "./i18n";
import type { Me } from "./types";
import { type Answer, type Item, type Scorecard, allItems, answerText, fieldItem, firstMissing, fmtClock, preview } from "./qalogic";

type Nav = (path: string) => void;

interface ScorecardSummary { id: string; name: string; latest_version: number; versions: number; retired: boolean; updated_at?: string }
interface Dispute {
  id: number; evaluation_id: number; items: string[]; reason: string; raised_by: string;
  lead_review?: string; lead_by?: string; lead_note?: string; decision?: string; decided_by?: string;
}
interface Evaluation {
  id: number; call_id: string; agent_id: string; evaluator: string; scorecard_id: string; scorecard_version: number;
  answers: Answer[]; comments: { at_ms: number; text: string }[]; score_final: number; fatal: boolean; status: string;
  created_at: string; disputes?: Dispute[]; result?: { section_failed?: string[]; fatal_items?: string[] };
  superseded_by?: number; // a duplicate from before one evaluation per call: replaced, counts nowhere
}

export function errText(e: unknown): string {
  const ae = e as ApiError;
  if (ae.status === 0) return t("error.network");
  if (ae.code === "unavailable") return ae.message; // already the whole sentence, in the user's language
  return ae.field ? t("eval.field_error", { field: ae.field, msg: ae.message }) : t("error.generic", { msg: ae.message });
}
const fmtScore = (n: number | null | undefined) => (n === null || n === undefined ? "–" : (Math.round(n * 10) / 10).toFixed(1));
const fmtTime = (iso: string) => new Date(iso).toLocaleString(lang());
const statusText = (s: string) => { const k = ("qa.status." + s) as Key; const v = t(k); return v === k ? s : v; };
const reviewText = (s: string) => { const k = ("disp.review." + s) as Key; const v = t(k); return v === k ? s : v; };

export function notice(kind: "error" | "ok" | "info", testid: string): HTMLElement {
  return h("p", { class: "qa-msg qa-msg-" + kind, testid, role: kind === "error" ? "alert" : "status", hidden: true });
}
export function show(el: HTMLElement, text: string, kind?: "error" | "ok" | "info"): void {
  el.textContent = text;
  if (kind) el.className = "qa-msg qa-msg-" + kind;
  el.hidden = !text;
}

const scorecardCache = new Map<string, Scorecard>();
async function scorecard(id: string, version?: number): Promise<Scorecard> {
  const k = id + "@" + (version ?? "latest");
  let sc = scorecardCache.get(k);
  if (!sc) {
    sc = await api<Scorecard>("GET", `/scorecards/${encodeURIComponent(id)}` + (version ? `?version=${version}` : ""));
    if (version) scorecardCache.set(k, sc);
  }
  return sc;
}

function badges(it: Item): HTMLElement {
  return h("span", { class: "qa-badges" },
    it.fatal ? h("span", { class: "badge badge-red", testid: `badge-fatal-${it.id}` }, t("qa.fatal")) : null,
    it.section_fail ? h("span", { class: "badge badge-amber" }, t("qa.section_fail")) : null,
    it.non_fatal ? h("span", { class: "badge" }, t("qa.non_fatal")) : null,
    it.bonus ? h("span", { class: "badge badge-ok" }, t("qa.bonus")) : null);
}

// answerControl: the input for one item; onChange gets the new answer (or undefined = cleared).
function answerControl(it: Item, prefix: string, current: Answer | undefined, onChange: (a: Answer | undefined) => void): HTMLElement {
  const name = prefix + "-" + it.id;
  const wrap = h("div", { class: "qa-answer", role: "radiogroup" });
  const radio = (label: string, id: string, checked: boolean, a: Answer) => {
    const inp = h("input", { type: "radio", name, testid: `${prefix}-${it.id}-${id}`, checked, onchange: () => onChange(a) });
    return h("label", { class: "qa-opt" }, inp, label);
  };
  if (it.kind === "yes_no") {
    wrap.append(radio(t("qa.yes"), "yes", current?.yes === true && !current.na, { item_id: it.id, yes: true }),
      radio(t("qa.no"), "no", current?.yes === false && !current.na, { item_id: it.id, yes: false }));
  } else if (it.kind === "scale") {
    for (let v = 0; v <= (it.max ?? 0); v++) wrap.append(radio(String(v), String(v), current?.value === v && !current.na, { item_id: it.id, value: v }));
  } else {
    (it.choices ?? []).forEach((c, i) => wrap.append(radio(`${c.label} (${c.points})`, "c" + i, current?.choice === i && !current.na, { item_id: it.id, choice: i })));
  }
  if (it.allow_na) wrap.append(radio(t("qa.na"), "na", !!current?.na, { item_id: it.id, na: true }));
  return wrap;
}

// ---------------------------------------------------------------- worklist

// Assignment is one sampled call on the worklist (storage.SampleAssignment).
interface Assignment { call_id: string; call_entered_at?: string; agent?: string; queue?: string; done?: boolean; done_at?: string; evaluation_id?: number; evaluated_by?: string }

export class WorklistPage {
  constructor(_me: Me, private nav: Nav) {}
  private alive = true;
  mount(root: HTMLElement): void {
    const msg = notice("info", "worklist-note");
    const body = h("tbody", { testid: "worklist" });
    root.append(h("div", { class: "qa-page" },
      h("h1", {}, t("qa.worklist.title")), msg,
      h("table", { class: "qa-table" },
        h("thead", {}, h("tr", {}, h("th", {}, t("qa.call")), h("th", {}, t("qa.agent")), h("th", {}, t("qa.queue")), h("th", {}, t("qa.when")), h("th", {}, t("qa.worklist.evaluated")), h("th", {}, ""))),
        body)));
    void this.load(body, msg);
  }
  private async load(body: HTMLElement, msg: HTMLElement): Promise<void> {
    let rows: Assignment[];
    try {
      rows = (await api<{ assignments: Assignment[] }>("GET", "/qa/worklist")).assignments ?? [];
    } catch (e) {
      if (this.alive) { clear(body); show(msg, errText(e), "error"); }
      return;
    }
    if (!this.alive) return;
    clear(body);
    if (!rows.length) body.append(h("tr", {}, h("td", { colspan: 6, class: "muted" }, t("qa.none"))));
    for (const r of rows) {
      const path = "/qa/evaluate/" + encodeURIComponent(r.call_id);
      // a call is evaluated once (per scorecard): done, by whoever evaluated it, is not offered again
      const done = r.done ? h("span", { class: "badge badge-ok keep-case", testid: "worklist-done-" + r.call_id, title: r.done_at ? fmtTime(r.done_at) : "" },
        r.evaluated_by ? t("qa.worklist.done_by", { who: r.evaluated_by }) : t("qa.worklist.done")) : null;
      body.append(h("tr", { testid: "worklist-row-" + r.call_id, class: r.done ? "muted" : "" },
        h("td", { class: "mono" }, r.call_id), h("td", {}, r.agent ?? ""), h("td", {}, r.queue ?? ""), h("td", {}, r.call_entered_at ? fmtTime(r.call_entered_at) : ""),
        h("td", {}, done),
        h("td", {}, r.done ? null : h("a", { href: path, class: "btn btn-small btn-primary", testid: "worklist-open-" + r.call_id, onclick: (e: Event) => { e.preventDefault(); this.nav(path); } }, t("qa.open")))));
    }
  }
  unmount(): void { this.alive = false; }
}

// ---------------------------------------------------------------- evaluate

export class EvaluatePage {
  private player: Player | null = null;
  private answers = new Map<string, Answer>();
  private comments: { at_ms: number; text: string }[] = [];
  private sc: Scorecard | null = null;
  constructor(_me: Me, private callId: string) {}

  mount(root: HTMLElement): void {
    const player = new Player(this.callId);
    this.player = player;
    const cText = h("input", { class: "qa-grow", testid: "comment-text", placeholder: t("eval.comment_placeholder") });
    const cAdd = h("button", { class: "btn", testid: "comment-add" }, t("eval.comment_add", { t: "0:00" }));
    const cList = h("ul", { class: "qa-comments", testid: "comments" });
    const form = h("div", { class: "qa-form", testid: "eval-form" }, h("p", { class: "muted" }, t("qa.loading")));
    const pick = h("select", { testid: "eval-scorecard", "aria-label": t("qa.scorecard") });
    const prev = h("span", { class: "qa-preview", testid: "eval-preview" });
    const err = notice("error", "eval-error");
    const ok = notice("ok", "eval-result");
    const submit = h("button", { class: "btn btn-go", testid: "eval-submit", disabled: true }, t("eval.submit"));

    root.append(h("div", { class: "qa-page" },
      h("h1", {}, t("eval.title", { id: this.callId })),
      h("div", { class: "qa-eval" },
        h("section", { class: "panel qa-player" },
          player.wave, player.audio,
          player.controls(),
          h("h2", {}, t("eval.comments")),
          h("div", { class: "qa-row" }, cText, cAdd),
          cList),
        h("section", { class: "panel qa-card" },
          h("div", { class: "qa-row" }, pick, prev),
          form,
          err, ok,
          h("div", { class: "qa-row" }, submit)))));

    const nowMs = () => player.nowMs();
    const ws = player.start();
    ws.on("timeupdate", (s) => { cAdd.textContent = t("eval.comment_add", { t: fmtClock(s * 1000) }); });

    const renderComments = () => {
      clear(cList);
      if (!this.comments.length) cList.append(h("li", { class: "muted" }, t("eval.no_comments")));
      this.comments.sort((a, b) => a.at_ms - b.at_ms).forEach((c, i) => cList.append(h("li", {},
        h("button", { class: "btn btn-small btn-ghost mono", testid: `comment-${i}-seek`, title: t("eval.comment_seek", { t: fmtClock(c.at_ms) }),
          onclick: () => ws.setTime(c.at_ms / 1000) }, fmtClock(c.at_ms)),
        h("span", { class: "qa-grow", testid: `comment-${i}` }, c.text),
        h("button", { class: "btn btn-small btn-ghost", onclick: () => { this.comments.splice(i, 1); renderComments(); } }, t("eval.remove")))));
    };
    renderComments();
    const addComment = () => {
      const text = cText.value.trim();
      if (!text) return;
      this.comments.push({ at_ms: nowMs(), text });
      cText.value = "";
      renderComments();
    };
    cAdd.addEventListener("click", addComment);
    cText.addEventListener("keydown", (e) => { if (e.key === "Enter") addComment(); });

    const updatePreview = () => {
      if (!this.sc) return;
      const p = preview(this.sc, this.answers);
      prev.textContent = p.fatal ? t("eval.preview_fatal") : t("eval.preview", { score: fmtScore(p.final) });
      prev.className = "qa-preview" + (p.fatal ? " bad" : "");
      for (const s of this.sc.sections) {
        const el = form.querySelector<HTMLElement>(`[data-testid="section-fail-${s.id}"]`);
        if (el) el.hidden = !p.sectionFailed.includes(s.id);
      }
    };
    const renderForm = (sc: Scorecard) => {
      this.sc = sc;
      this.answers.clear();
      clear(form);
      form.append(h("p", { class: "muted", testid: "eval-version" }, `${sc.name} · ${t("qa.version", { v: sc.version })}`));
      for (const s of sc.sections) {
        const fs = h("fieldset", { class: "qa-section" },
          h("legend", {}, s.title, s.weight ? h("span", { class: "muted" }, " · " + t("qa.weight", { w: s.weight })) : null,
            h("span", { class: "badge badge-red", testid: `section-fail-${s.id}`, hidden: true }, t("eval.section_failed"))));
        for (const it of s.items) {
          fs.append(h("div", { class: "qa-item", testid: "item-" + it.id },
            h("div", { class: "qa-item-text" }, it.text, badges(it)),
            answerControl(it, "ans", undefined, (a) => { if (a) this.answers.set(it.id, a); fs.querySelector(`[data-testid="item-${it.id}"]`)?.classList.remove("qa-invalid"); updatePreview(); })));
        }
        form.append(fs);
      }
      submit.disabled = false;
      updatePreview();
    };

    submit.addEventListener("click", async () => {
      if (!this.sc) return;
      show(err, ""); show(ok, "");
      form.querySelectorAll(".qa-invalid").forEach((e) => e.classList.remove("qa-invalid"));
      const miss = firstMissing(this.sc, this.answers);
      if (miss) {
        show(err, t("eval.missing", { item: miss.item.text, field: miss.field }), "error");
        form.querySelector(`[data-testid="item-${miss.item.id}"]`)?.classList.add("qa-invalid");
        return;
      }
      const answers = allItems(this.sc).map((it) => this.answers.get(it.id)!);
      submit.disabled = true; submit.textContent = t("eval.submitting");
      try {
        const ev = await api<Evaluation>("POST", "/evaluations", { call_id: this.callId, scorecard_id: this.sc.id, answers, comments: this.comments });
        show(ok, t("eval.done", { id: ev.id, score: fmtScore(ev.score_final), card: this.sc.name, v: ev.scorecard_version }), "ok");
      } catch (e) {
        const ae = e as ApiError;
        if (ae.status === 409 && typeof ae.data?.evaluation_id === "number") {
          // the call already has its evaluation on this scorecard: say whose, not a generic error
          const when = typeof ae.data.evaluated_at === "string" ? fmtTime(ae.data.evaluated_at) : "";
          show(err, t("eval.duplicate", { id: ae.data.evaluation_id as number, who: String(ae.data.evaluator ?? ""), when }), "error");
          submit.textContent = t("eval.submit");
          return; // stays disabled: submitting again cannot succeed
        }
        const item = fieldItem(ae.field, answers);
        const it = item ? allItems(this.sc).find((i) => i.id === item) : undefined;
        show(err, it ? t("eval.field_error", { field: `${it.text} (${ae.field})`, msg: ae.message }) : errText(e), "error");
        if (item) form.querySelector(`[data-testid="item-${item}"]`)?.classList.add("qa-invalid");
        submit.disabled = false;
      }
      submit.textContent = t("eval.submit");
    });

    void (async () => {
      try {
        const list = (await api<{ scorecards: ScorecardSummary[] }>("GET", "/scorecards")).scorecards.filter((s) => !s.retired);
        if (!list.length) { clear(form); form.append(h("p", { class: "muted" }, t("eval.no_scorecards"))); return; }
        for (const s of list) pick.append(h("option", { value: s.id }, `${s.name} (${t("qa.version", { v: s.latest_version })})`));
        pick.addEventListener("change", async () => renderForm(await scorecard(pick.value)));
        renderForm(await scorecard(list[0].id));
      } catch (e) { show(err, errText(e), "error"); }
    })();
  }
  unmount(): void { this.player?.destroy(); this.player = null; }
}

// ---------------------------------------------------------------- my evaluations (agents)

function answersTable(sc: Scorecard, ev: Evaluation, pick?: Set<string>, testPrefix = "mine"): HTMLElement {
  const byId = new Map(ev.answers.map((a) => [a.item_id, a]));
  const failed = new Set(ev.result?.section_failed ?? []);
  const tb = h("tbody");
  for (const s of sc.sections) {
    tb.append(h("tr", { class: "qa-sec-row" }, h("td", { colspan: 3 }, s.title, failed.has(s.id) ? h("span", { class: "badge badge-red" }, t("eval.section_failed")) : null)));
    for (const it of s.items) {
      const cb = pick ? h("input", { type: "checkbox", testid: `${testPrefix}-item-${it.id}`, onchange: (e: Event) => { (e.target as HTMLInputElement).checked ? pick.add(it.id) : pick.delete(it.id); } }) : null;
      tb.append(h("tr", {}, h("td", { class: "qa-check" }, cb), h("td", {}, it.text, badges(it)),
        h("td", { testid: `${testPrefix}-answer-${ev.id}-${it.id}` }, answerText(it, byId.get(it.id), t("qa.yes"), t("qa.no"), t("qa.na")))));
    }
  }
  return h("table", { class: "qa-table qa-answers" }, tb);
}

export class MyEvaluationsPage {
  constructor(private me: Me) {}
  mount(root: HTMLElement): void {
    const msg = notice("error", "mine-msg");
    const list = h("div", { class: "qa-list", testid: "mine-list" }, h("p", { class: "muted" }, t("qa.loading")));
    root.append(h("div", { class: "qa-page" }, h("h1", {}, t("mine.title")), msg, list));
    const load = async () => {
      try {
        const evs = (await api<{ evaluations: Evaluation[] }>("GET", "/evaluations?limit=200")).evaluations ?? [];
        clear(list);
        if (!evs.length) list.append(h("p", { class: "muted" }, t("qa.none")));
        for (const ev of evs) list.append(this.card(ev, msg, load));
      } catch (e) { show(msg, errText(e), "error"); }
    };
    void load();
  }
  private card(ev: Evaluation, msg: HTMLElement, reload: () => Promise<void>): HTMLElement {
    const details = h("div", { class: "qa-details", hidden: true });
    const mineAgent = ev.agent_id === this.me.user.agent_id;
    const open = async (dispute: boolean) => {
      details.hidden = false;
      clear(details);
      try {
        const sc = await scorecard(ev.scorecard_id, ev.scorecard_version);
        const full = await api<Evaluation>("GET", `/evaluations/${ev.id}`);
        const pick = dispute ? new Set<string>() : undefined;
        if (pick) details.append(h("p", {}, t("mine.dispute_items")));
        details.append(answersTable(sc, full, pick, "dispute"));
        if (full.comments?.length) details.append(h("ul", { class: "qa-comments" }, ...full.comments.map((c) => h("li", {}, h("span", { class: "mono" }, fmtClock(c.at_ms)), " ", c.text))));
        for (const d of full.disputes ?? []) details.append(h("p", { class: "muted" }, t("disp.raised", { who: d.raised_by, reason: d.reason }), d.decision ? " · " + t("disp.decided", { d: d.decision, score: fmtScore(full.score_final) }) : ""));
        if (pick) {
          const reason = h("textarea", { class: "qa-text", testid: "dispute-reason", rows: 3, placeholder: t("mine.dispute_reason") });
          const err = notice("error", "dispute-error");
          details.append(h("label", {}, t("mine.dispute_reason")), reason, err,
            h("button", { class: "btn btn-warn qa-self-start", testid: "dispute-submit", onclick: async () => {
              if (!pick.size || !reason.value.trim()) { show(err, t("mine.dispute_need"), "error"); return; }
              try {
                await api("POST", `/evaluations/${ev.id}/disputes`, { items: [...pick], reason: reason.value.trim() });
                show(msg, t("mine.disputed"), "ok");
                await reload();
              } catch (e) { show(err, errText(e), "error"); }
            } }, t("mine.dispute_send")));
        }
      } catch (e) { details.append(h("p", { class: "form-error" }, errText(e))); }
    };
    const act = async (fn: () => Promise<unknown>, done: string) => {
      try { await fn(); show(msg, done, "ok"); await reload(); } catch (e) { show(msg, errText(e), "error"); }
    };
    return h("div", { class: "panel qa-ev", testid: "mine-row-" + ev.id },
      h("div", { class: "qa-row" },
        h("strong", {}, `#${ev.id}`), h("span", { class: "mono" }, ev.call_id), h("span", { class: "muted" }, fmtTime(ev.created_at)),
        h("span", { class: "qa-score" + (ev.fatal ? " bad" : ""), testid: `mine-score-${ev.id}` }, fmtScore(ev.score_final)),
        h("span", { class: "badge", testid: `mine-status-${ev.id}` }, statusText(ev.status)),
        ev.superseded_by ? h("span", { class: "badge badge-amber", testid: `mine-superseded-${ev.id}` }, t("mine.superseded", { id: ev.superseded_by })) : null,
        h("span", { class: "muted" }, t("mine.evaluator", { who: ev.evaluator })),
        h("span", { class: "qa-grow" }),
        h("button", { class: "btn btn-small", testid: `mine-details-${ev.id}`, onclick: () => void open(false) }, t("mine.details")),
        mineAgent && !ev.superseded_by && ev.status === "submitted" ? h("button", { class: "btn btn-small btn-go", testid: `mine-ack-${ev.id}`, onclick: () => void act(() => api("POST", `/evaluations/${ev.id}/acknowledge`), t("mine.acked")) }, t("mine.ack")) : null,
        mineAgent && !ev.superseded_by && (ev.status === "submitted" || ev.status === "acknowledged") ? h("button", { class: "btn btn-small btn-warn", testid: `mine-dispute-${ev.id}`, onclick: () => void open(true) }, t("mine.dispute")) : null),
      details);
  }
  unmount(): void {}
}

// ---------------------------------------------------------------- disputes inbox

export class DisputesPage {
  constructor(private me: Me) {}
  mount(root: HTMLElement): void {
    const msg = notice("ok", "disp-msg");
    const list = h("div", { class: "qa-list", testid: "disputes" }, h("p", { class: "muted" }, t("qa.loading")));
    root.append(h("div", { class: "qa-page" }, h("h1", {}, t("disp.title")), msg, list));
    const load = async () => {
      try {
        const evs = (await api<{ evaluations: Evaluation[] }>("GET", "/evaluations?status=disputed&limit=200")).evaluations ?? [];
        const fulls = await Promise.all(evs.map((e) => api<Evaluation>("GET", `/evaluations/${e.id}`)));
        clear(list);
        let n = 0;
        for (const ev of fulls) {
          for (const d of ev.disputes ?? []) {
            if (d.decision) continue;
            n++;
            list.append(await this.card(ev, d, msg, load));
          }
        }
        if (!n) list.append(h("p", { class: "muted" }, t("qa.none")));
      } catch (e) { show(msg, errText(e), "error"); }
    };
    void load();
  }
  private async card(ev: Evaluation, d: Dispute, msg: HTMLElement, reload: () => Promise<void>): Promise<HTMLElement> {
    const sc = await scorecard(ev.scorecard_id, ev.scorecard_version);
    const role = this.me.user.role;
    const err = notice("error", `dispute-${d.id}-error`);
    const note = h("input", { class: "qa-grow", testid: `dispute-${d.id}-note`, placeholder: t("disp.note") });
    const card = h("div", { class: "panel qa-ev", testid: `dispute-${d.id}` },
      h("div", { class: "qa-row" }, h("strong", {}, `#${ev.id}`), h("span", { class: "mono" }, ev.call_id), h("span", {}, `${t("qa.agent")} ${ev.agent_id}`),
        h("span", { class: "qa-score" + (ev.fatal ? " bad" : "") }, fmtScore(ev.score_final)), h("span", { class: "muted" }, `${sc.name} ${t("qa.version", { v: sc.version })}`)),
      h("p", {}, t("disp.raised", { who: d.raised_by, reason: d.reason })),
      d.lead_review ? h("p", { class: "muted", testid: `dispute-${d.id}-lead` }, t("disp.lead", { review: reviewText(d.lead_review), who: d.lead_by ?? "" }), d.lead_note ? " — " + d.lead_note : "") : null);
    const disputed = new Set(d.items);
    const corrected = new Map<string, Answer>();
    const byId = new Map(ev.answers.map((a) => [a.item_id, a]));
    const items = h("div", { class: "qa-form" }, h("h2", {}, t("disp.items")));
    for (const it of allItems(sc).filter((i) => disputed.has(i.id))) {
      const cur = byId.get(it.id);
      items.append(h("div", { class: "qa-item", testid: `dispute-${d.id}-item-${it.id}` },
        h("div", { class: "qa-item-text" }, it.text, badges(it), h("span", { class: "muted" }, " · " + answerText(it, cur, t("qa.yes"), t("qa.no"), t("qa.na")))),
        role === "operations_manager" || role === "admin"
          ? h("div", {}, h("span", { class: "muted" }, t("disp.corrected") + ": "), answerControl(it, `fix-${d.id}`, cur, (a) => { if (a) corrected.set(it.id, a); }))
          : null));
    }
    card.append(items);
    const act = async (path: string, body: unknown, what: string) => {
      try {
        const r = await api<any>("POST", path, body);
        // a rejection is the lead's advice: the dispute stays open for the operations manager
        const done = r?.lead_review === "rejected" ? t("disp.rejected_open") : t("disp.done", { what });
        show(msg, done + (r?.evaluation ? " " + t("disp.decided", { d: r.dispute?.decision ?? "", score: fmtScore(r.evaluation.score_final) }) : ""), "ok");
        await reload();
      } catch (e) { show(err, errText(e), "error"); }
    };
    if (role === "team_lead" && !d.lead_review) {
      card.append(h("div", { class: "qa-row" }, note,
        h("button", { class: "btn btn-small btn-go", testid: `dispute-${d.id}-forward`, onclick: () => void act(`/disputes/${d.id}/review`, { action: "forward", note: note.value.trim() }, t("disp.forward")) }, t("disp.forward")),
        h("button", { class: "btn btn-small btn-danger", testid: `dispute-${d.id}-reject`, onclick: () => void act(`/disputes/${d.id}/review`, { action: "reject", note: note.value.trim() }, t("disp.reject")) }, t("disp.reject"))));
    }
    if (role === "operations_manager" || role === "admin") {
      const dec = h("select", { testid: `dispute-${d.id}-decision`, "aria-label": t("disp.decision") },
        h("option", { value: "upheld" }, t("disp.upheld")), h("option", { value: "overturned" }, t("disp.overturned")), h("option", { value: "partly" }, t("disp.partly")));
      card.append(h("div", { class: "qa-row" }, dec, note,
        h("button", { class: "btn btn-small btn-primary", testid: `dispute-${d.id}-decide`, onclick: () => {
          const body: any = { decision: dec.value, note: note.value.trim() };
          if (dec.value !== "upheld") body.answers = [...corrected.values()];
          void act(`/disputes/${d.id}/decide`, body, t("disp.decide"));
        } }, t("disp.decide"))));
    }
    card.append(err);
    return card;
  }
  unmount(): void {}
}
