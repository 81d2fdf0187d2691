// The QA pages: worklist (/qa), evaluate a call (/qa/evaluate/:id, recording with a wavesurfer.js
// waveform + the scorecard form), my evaluations (/qa/mine), disputes inbox (/qa/disputes),
// reports (/qa/reports) and the scorecard editor (/qa/scorecards).

import WaveSurfer from "wavesurfer.js";
import uPlot from "uplot";
import { ApiError, apiAuthed as api } from "./api";
import { clear, h } from "./dom";
import { lang, t, type Key } from "./i18n";
import type { Me } from "./types";
import {
  type Answer, type Item, type Scorecard, type TrendRow, aggregate, allItems, answerText, fieldItem, firstMissing,
  fmtClock, normalizeReport, preview,
} from "./qalogic";

type Nav = (path: string) => void;

interface CallRow { id: string; agent?: string; queue?: string; entered_at: string; talk_ms?: number; recording_name?: string; ended_at?: string }
interface ScorecardSummary { id: string; name: string; latest_version: number; versions: number; retired: boolean; updated_at?: string }
interface Dispute {
  id: number; evaluation_id: number; items: string[]; reason: string; raised_by: string;
  lead_review?: string; lead_by?: string; lead_note?: string; decision?: string; decided_by?: string;
}
interface Evaluation {
  id: number; call_id: string; agent_id: string; evaluator: string; scorecard_id: string; scorecard_version: number;
  answers: Answer[]; comments: { at_ms: number; text: string }[]; score_final: number; fatal: boolean; status: string;
  created_at: string; disputes?: Dispute[]; result?: { section_failed?: string[]; fatal_items?: string[] };
}

function errText(e: unknown): string {
  const ae = e as ApiError;
  if (ae.status === 0) return t("error.network");
  return ae.field ? t("eval.field_error", { field: ae.field, msg: ae.message }) : t("error.generic", { msg: ae.message });
}
const fmtScore = (n: number | null | undefined) => (n === null || n === undefined ? "–" : (Math.round(n * 10) / 10).toFixed(1));
const fmtTime = (iso: string) => new Date(iso).toLocaleString(lang());
const statusText = (s: string) => { const k = ("qa.status." + s) as Key; const v = t(k); return v === k ? s : v; };

function notice(kind: "error" | "ok" | "info", testid: string): HTMLElement {
  return h("p", { class: "qa-msg qa-msg-" + kind, testid, role: kind === "error" ? "alert" : "status", hidden: true });
}
function show(el: HTMLElement, text: string, kind?: "error" | "ok" | "info"): void {
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

export class WorklistPage {
  constructor(private me: Me, private nav: Nav) {}
  private alive = true;
  mount(root: HTMLElement): void {
    const msg = notice("info", "worklist-note");
    const body = h("tbody", { testid: "worklist" });
    root.append(h("div", { class: "qa-page" },
      h("h1", {}, t("qa.worklist.title")), msg,
      h("table", { class: "qa-table" },
        h("thead", {}, h("tr", {}, h("th", {}, t("qa.call")), h("th", {}, t("qa.agent")), h("th", {}, t("qa.queue")), h("th", {}, t("qa.when")), h("th", {}, ""))),
        body)));
    void this.load(body, msg);
  }
  private async load(body: HTMLElement, msg: HTMLElement): Promise<void> {
    let rows: { call_id: string; agent?: string; queue?: string; when?: string }[] = [];
    try {
      const w = await api<any>("GET", "/qa/worklist");
      const list: any[] = Array.isArray(w) ? w : w.items ?? w.worklist ?? w.calls ?? w.assignments ?? [];
      rows = list.map((r) => ({ call_id: String(r.call_id ?? r.id), agent: r.agent ?? r.agent_id, queue: r.queue, when: r.call_entered_at ?? r.entered_at ?? r.assigned_at ?? r.drawn_at ?? r.created_at }));
    } catch (e) {
      if (!(e instanceof ApiError) || (e.status !== 404 && e.status !== 405)) { show(msg, errText(e), "error"); return; }
      show(msg, t("qa.worklist.fallback"), "info");
      const from = new Date(); from.setHours(0, 0, 0, 0);
      try {
        const page = await api<{ calls: CallRow[] }>("GET", `/calls?from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(new Date(Date.now() + 60000).toISOString())}&outcome=answered&limit=200`);
        rows = page.calls.filter((c) => c.recording_name && c.ended_at && c.agent && c.agent !== this.me.user.agent_id)
          .map((c) => ({ call_id: c.id, agent: c.agent, queue: c.queue, when: c.entered_at }));
      } catch (e2) { show(msg, errText(e2), "error"); return; }
    }
    if (!this.alive) return;
    clear(body);
    if (!rows.length) body.append(h("tr", {}, h("td", { colspan: 5, class: "muted" }, t("qa.none"))));
    for (const r of rows) {
      const path = "/qa/evaluate/" + encodeURIComponent(r.call_id);
      body.append(h("tr", { testid: "worklist-row-" + r.call_id },
        h("td", { class: "mono" }, r.call_id), h("td", {}, r.agent ?? ""), h("td", {}, r.queue ?? ""), h("td", {}, r.when ? fmtTime(r.when) : ""),
        h("td", {}, h("a", { href: path, class: "btn btn-small btn-primary", testid: "worklist-open-" + r.call_id, onclick: (e: Event) => { e.preventDefault(); this.nav(path); } }, t("qa.open")))));
    }
  }
  unmount(): void { this.alive = false; }
}

// ---------------------------------------------------------------- evaluate

export class EvaluatePage {
  private ws: WaveSurfer | null = null;
  private answers = new Map<string, Answer>();
  private comments: { at_ms: number; text: string }[] = [];
  private sc: Scorecard | null = null;
  constructor(_me: Me, private callId: string) {}

  mount(root: HTMLElement): void {
    const wave = h("div", { class: "qa-wave", testid: "waveform" });
    const url = `/api/v1/calls/${encodeURIComponent(this.callId)}/recording/file`;
    // The page's own <audio> with the plain URL: wavesurfer.js then streams it (HTTP Range, so
    // seeking works) instead of a blob: URL, which the CSP (media-src 'self') would refuse.
    const audio = h("audio", { preload: "auto", testid: "audio", src: url });
    const play = h("button", { class: "btn btn-primary", testid: "eval-play", disabled: true }, t("eval.play"));
    const clock = h("span", { class: "mono qa-clock", testid: "eval-time" }, "0:00");
    const status = h("span", { class: "muted", testid: "audio-status" }, t("eval.loading_audio"));
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
          wave, audio,
          h("div", { class: "qa-row" }, play, clock, status),
          h("h2", {}, t("eval.comments")),
          h("div", { class: "qa-row" }, cText, cAdd),
          cList),
        h("section", { class: "panel qa-card" },
          h("div", { class: "qa-row" }, pick, prev),
          form,
          err, ok,
          h("div", { class: "qa-row" }, submit)))));

    const nowMs = () => Math.round((this.ws?.getCurrentTime() ?? audio.currentTime) * 1000);
    const ws = WaveSurfer.create({
      container: wave, media: audio, url: new URL(url, location.href).href, height: 96,
      waveColor: "#3d5a80", progressColor: "#58a6ff", cursorColor: "#e6edf3", barWidth: 2, barGap: 1, dragToSeek: true,
      fetchParams: { credentials: "same-origin" },
    });
    this.ws = ws;
    ws.on("ready", (d) => { play.disabled = false; status.textContent = t("eval.audio_ready", { d: fmtClock(d * 1000) }); wave.dataset.ready = "1"; });
    ws.on("error", (e) => { status.textContent = t("eval.audio_error", { msg: String((e as Error)?.message ?? e) }); status.className = "form-error"; });
    ws.on("timeupdate", (s) => { clock.textContent = fmtClock(s * 1000); cAdd.textContent = t("eval.comment_add", { t: fmtClock(s * 1000) }); });
    ws.on("play", () => (play.textContent = t("eval.pause")));
    ws.on("pause", () => (play.textContent = t("eval.play")));
    audio.addEventListener("canplay", () => (play.disabled = false));
    play.addEventListener("click", () => void ws.playPause().catch((e) => (status.textContent = t("eval.audio_error", { msg: String(e) }))));

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
  unmount(): void { this.ws?.destroy(); this.ws = null; }
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
        h("span", { class: "muted" }, t("mine.evaluator", { who: ev.evaluator })),
        h("span", { class: "qa-grow" }),
        h("button", { class: "btn btn-small", testid: `mine-details-${ev.id}`, onclick: () => void open(false) }, t("mine.details")),
        mineAgent && ev.status === "submitted" ? h("button", { class: "btn btn-small btn-go", testid: `mine-ack-${ev.id}`, onclick: () => void act(() => api("POST", `/evaluations/${ev.id}/acknowledge`), t("mine.acked")) }, t("mine.ack")) : null,
        mineAgent && (ev.status === "submitted" || ev.status === "acknowledged") ? h("button", { class: "btn btn-small btn-warn", testid: `mine-dispute-${ev.id}`, onclick: () => void open(true) }, t("mine.dispute")) : null),
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
      d.lead_review ? h("p", { class: "muted", testid: `dispute-${d.id}-lead` }, t("disp.lead", { review: d.lead_review, who: d.lead_by ?? "" }), d.lead_note ? " — " + d.lead_note : "") : null);
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
        show(msg, t("disp.done", { what }) + (r?.evaluation ? " " + t("disp.decided", { d: r.dispute?.decision ?? "", score: fmtScore(r.evaluation.score_final) }) : ""), "ok");
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

// ---------------------------------------------------------------- reports

export class ReportsPage {
  private plot: uPlot | null = null;
  mount(root: HTMLElement): void {
    const day = (d: Date) => d.toISOString().slice(0, 10);
    const group = h("select", { testid: "rep-group" }, ...(["agent", "team", "all"] as const).map((g) => h("option", { value: g }, t(`rep.group.${g}` as Key))));
    const period = h("select", { testid: "rep-period" }, ...(["day", "week", "month"] as const).map((g) => h("option", { value: g }, t(`rep.period.${g}` as Key))));
    const from = h("input", { type: "date", testid: "rep-from", value: day(new Date(Date.now() - 29 * 86400000)) });
    const to = h("input", { type: "date", testid: "rep-to", value: day(new Date()) });
    const csv = h("a", { class: "btn btn-small", testid: "rep-csv", hidden: true }, t("rep.csv"));
    const html = h("a", { class: "btn btn-small", testid: "rep-html", target: "_blank", rel: "noopener", hidden: true }, t("rep.html"));
    const msg = notice("info", "rep-msg");
    const chart = h("div", { class: "qa-chart", testid: "rep-chart" });
    const body = h("tbody", { testid: "rep-rows" });
    const run = h("button", { class: "btn btn-primary", testid: "rep-run" }, t("rep.run"));
    root.append(h("div", { class: "qa-page" }, h("h1", {}, t("rep.title")),
      h("div", { class: "qa-row panel" }, h("label", {}, t("rep.group")), group, h("label", {}, t("rep.period")), period,
        h("label", {}, t("rep.from")), from, h("label", {}, t("rep.to")), to, run, h("span", { class: "qa-grow" }), csv, html),
      msg, h("section", { class: "panel" }, h("h2", {}, t("rep.trend")), chart),
      h("table", { class: "qa-table" }, h("thead", {}, h("tr", {}, h("th", {}, t("rep.period_col")), h("th", {}, t("rep.group_col")), h("th", {}, t("rep.count")), h("th", {}, t("rep.avg")), h("th", {}, t("rep.fatal_rate")))), body)));
    const load = async () => {
      const fromISO = new Date(from.value + "T00:00:00").toISOString(), toISO = new Date(to.value + "T23:59:59").toISOString();
      const q = `group=${group.value}&period=${period.value}&from=${encodeURIComponent(fromISO)}&to=${encodeURIComponent(toISO)}`;
      let rows: TrendRow[];
      show(msg, "");
      try {
        rows = normalizeReport(await api<any>("GET", "/qa/reports?" + q));
        csv.setAttribute("href", "/api/v1/qa/reports?" + q + "&format=csv"); csv.hidden = false;
        html.setAttribute("href", "/api/v1/qa/reports?" + q + "&format=html"); html.hidden = false;
      } catch (e) {
        csv.hidden = html.hidden = true;
        if (!(e instanceof ApiError) || (e.status !== 404 && e.status !== 405)) { show(msg, errText(e), "error"); return; }
        show(msg, t("rep.fallback"), "info");
        try {
          const evs = (await api<{ evaluations: any[] }>("GET", `/evaluations?from=${encodeURIComponent(fromISO)}&to=${encodeURIComponent(toISO)}&limit=1000`)).evaluations ?? [];
          rows = aggregate(evs, group.value === "all" ? "all" : "agent");
        } catch (e2) { show(msg, errText(e2), "error"); return; }
      }
      clear(body);
      if (!rows.length) body.append(h("tr", {}, h("td", { colspan: 5, class: "muted" }, t("qa.none"))));
      rows.forEach((r, i) => body.append(h("tr", { testid: `rep-row-${i}` }, h("td", {}, r.period), h("td", { testid: `rep-group-${i}` }, r.group), h("td", {}, r.evaluations),
        h("td", { testid: `rep-avg-${i}` }, fmtScore(r.avg_score)), h("td", {}, (r.fatal_rate * 100).toFixed(1) + " %"))));
      this.draw(chart, rows, Date.parse(fromISO) / 1000, Date.parse(toISO) / 1000);
    };
    run.addEventListener("click", () => void load());
    void load();
  }
  private draw(el: HTMLElement, rows: TrendRow[], x0: number, x1: number): void {
    this.plot?.destroy(); this.plot = null;
    const byPeriod = new Map<string, { n: number; sum: number; fatal: number }>();
    for (const r of rows) {
      const p = byPeriod.get(r.period) ?? { n: 0, sum: 0, fatal: 0 };
      p.n += r.evaluations; p.sum += r.avg_score * r.evaluations; p.fatal += r.fatal_rate * r.evaluations;
      byPeriod.set(r.period, p);
    }
    const periods = [...byPeriod.keys()].filter((p) => !Number.isNaN(Date.parse(p))).sort();
    const xs = periods.map((p) => Date.parse(p) / 1000);
    const avg = periods.map((p) => { const v = byPeriod.get(p)!; return v.n ? v.sum / v.n : null; });
    const fatal = periods.map((p) => { const v = byPeriod.get(p)!; return v.n ? (100 * v.fatal) / v.n : null; });
    this.plot = new uPlot({
      width: Math.max(300, el.clientWidth || 900), height: 220,
      scales: { x: { time: true, range: [x0, x1] }, y: { range: [0, 110] }, pct: { range: [0, 100] } },
      axes: [{ stroke: "#8b949e", grid: { stroke: "#262c36" } }, { stroke: "#8b949e", grid: { stroke: "#262c36" } }, { scale: "pct", side: 1, stroke: "#8b949e", grid: { show: false } }],
      series: [{}, { label: t("rep.avg"), stroke: "#58a6ff", width: 2, points: { show: true } }, { label: t("rep.fatal_rate"), scale: "pct", stroke: "#f85149", width: 2, points: { show: true } }],
    }, [xs, avg, fatal] as uPlot.AlignedData, el);
  }
  unmount(): void { this.plot?.destroy(); this.plot = null; }
}
