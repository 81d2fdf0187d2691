// The scorecard editor (/qa/scorecards): the list of scorecards with their versions, a structured
// form to create one or store an edit as a new version (sections and items added, removed and
// moved; ids slugged from titles; weights previewed), every version readable, and retiring.
// The form's state, validation and JSON body live in scorecard_model.ts; this file only draws
// them. Errors — the client's own, mirroring the server, and the server's 400 — are shown next
// to the field they name (each field's wrapper carries data-field="sections[1].items[0].max").

import "./scorecards.css";
import { ApiError, apiAuthed as api } from "./api";
import { append, clear, h } from "./dom";
import { lang, t, type Key } from "./i18n";
import type { ItemKind, Scorecard } from "./qalogic";
import * as M from "./scorecard_model";

interface Summary { id: string; name: string; latest_version: number; versions: number; retired: boolean; updated_at?: string; updated_by?: string }

// An open editor. mode "new": a form not yet stored; "edit": the next version of scorecard id;
// "retired": versions to read only. view, when set, is a stored version shown read-only (the
// draft is kept underneath).
interface EditorState {
  mode: "new" | "edit" | "retired";
  id: string;
  latest: number;
  draft: M.CardDraft;
  view: Scorecard | null;
  touched: boolean; // a save was tried: validate on every change from now on
}

// pending keeps an open editor across a re-render of the page (the language switch re-mounts
// every page), so an unsaved draft is not lost.
let pending: EditorState | null = null;

interface ShownError { field: string; text: string }

const tk = (key: string, vars?: Record<string, string | number>) => t(key as Key, vars);
const fmt1 = (n: number) => (Math.round(n * 10) / 10).toLocaleString(lang(), { maximumFractionDigits: 1 });

function errText(e: unknown): string {
  const ae = e as ApiError;
  if (ae.status === 0) return t("error.network");
  if (ae.code === "unavailable") return ae.message; // already the whole sentence, in the user's language
  return t("error.generic", { msg: ae.message });
}

function msgBox(testid: string): HTMLElement {
  return h("p", { class: "qa-msg", testid, role: "status", hidden: true });
}
function say(el: HTMLElement, text: string, kind: "error" | "ok" | "info" = "info"): void {
  el.textContent = text;
  el.className = "qa-msg qa-msg-" + kind;
  el.setAttribute("role", kind === "error" ? "alert" : "status");
  el.hidden = !text;
}

// where: a field as words, "Section 2 (Compliance) · item 1 · Weight".
const LEAF: Record<string, Key> = {
  id: "sce.f.item_id", text: "sce.f.text", kind: "sce.f.kind", max: "sce.f.max", weight: "sce.f.weight", choices: "sce.f.choices",
  label: "sce.f.choice_text", points: "sce.f.choice_points", bonus: "sce.flag.bonus", non_fatal: "sce.flag.nonFatal",
  fatal: "sce.flag.fatal", section_fail: "sce.flag.sectionFail", allow_na: "sce.flag.allowNA", items: "sce.add_item",
};
function where(d: M.CardDraft, field: string): string {
  if (!field) return "";
  const m = /^sections\[(\d+)\](?:\.items\[(\d+)\])?(?:\.choices\[(\d+)\])?(?:\.(\w+))?$/.exec(field);
  if (!m) {
    const top: Record<string, Key> = { id: "sce.f.id", name: "sce.f.name", bonus_cap: "sce.f.bonus_cap", sections: "sce.sections" };
    return `${t("sce.loc.card")} · ${top[field] ? t(top[field]) : field}`;
  }
  const [, s, i, c, leaf] = m;
  const title = d.sections[Number(s)]?.title.trim();
  const parts = [title ? t("sce.loc.section_titled", { s: Number(s) + 1, title }) : t("sce.loc.section", { s: Number(s) + 1 })];
  if (i !== undefined) parts.push(t("sce.loc.item", { i: Number(i) + 1 }));
  if (c !== undefined) parts.push(t("sce.loc.choice", { c: Number(c) + 1 }));
  if (leaf) {
    const key = i === undefined ? ({ id: "sce.f.sec_id", title: "sce.f.title", weight: "sce.f.sec_weight", items: "sce.add_item" } as Record<string, Key>)[leaf] : LEAF[leaf];
    parts.push(key ? t(key) : leaf);
  }
  return parts.join(" · ");
}

// bar: a share as a filled bar; the width is set through the CSSOM (the CSP allows no inline
// style attribute).
function bar(share: number): HTMLElement {
  const fill = h("span", { class: "sce-bar-fill" });
  fill.style.width = `${Math.max(0, Math.min(100, share)).toFixed(1)}%`;
  return fill;
}

export class ScorecardsPage {
  private alive = true;
  private st: EditorState | null = null;
  private msg = msgBox("sc-msg");
  private listPanel = h("div", { class: "sce-listwrap" });
  private list = h("tbody", { testid: "sc-list" });
  private editor = h("section", { class: "panel sce", testid: "sc-editor", hidden: true });
  private summaries: Summary[] = [];
  // built by render(): the field wrappers by field name, and the preview's live spans
  private fieldEls = new Map<string, HTMLElement>();
  private previewEl: HTMLElement | null = null;
  private secShare: HTMLElement[] = [];
  private itemShare: HTMLElement[][] = [];
  private errorBox: HTMLElement | null = null;

  mount(root: HTMLElement): void {
    this.listPanel.append(
      h("div", { class: "qa-row" }, h("p", { class: "muted sce-intro" }, t("sce.intro")), h("span", { class: "qa-grow" }),
        h("button", { class: "btn btn-primary", testid: "sc-new", onclick: () => this.open({ mode: "new", id: "", latest: 0, draft: M.newDraft(), view: null, touched: false }) }, t("sce.new"))),
      h("table", { class: "qa-table" },
        h("thead", {}, h("tr", {}, h("th", {}, t("sce.col.id")), h("th", {}, t("sce.col.name")), h("th", {}, t("sce.col.version")), h("th", {}, t("sce.col.updated")), h("th", {}, ""))),
        this.list));
    root.append(h("div", { class: "qa-page" }, h("h1", {}, t("sce.title")), this.msg, this.editor, this.listPanel));
    if (pending) {
      const p = pending;
      pending = null;
      this.open(p);
      say(this.msg, t("sce.restored"), "info");
    }
    void this.loadList();
  }

  unmount(): void {
    this.alive = false;
    pending = this.st;
  }

  // ------------------------------------------------------------ the list

  private async loadList(): Promise<void> {
    try {
      this.summaries = (await api<{ scorecards: Summary[] }>("GET", "/scorecards")).scorecards ?? [];
    } catch (e) {
      say(this.msg, errText(e), "error");
      return;
    }
    if (!this.alive) return;
    clear(this.list);
    if (!this.summaries.length) this.list.append(h("tr", {}, h("td", { colspan: 5, class: "muted" }, t("sce.none"))));
    for (const c of this.summaries) this.list.append(this.row(c));
  }

  private row(c: Summary): HTMLElement {
    const actions = h("div", { class: "sce-actions" });
    const buttons = () => {
      clear(actions);
      append(actions, [
        c.retired ? null : h("button", { class: "btn btn-small btn-primary", testid: "sc-edit-" + c.id, onclick: () => void this.openStored(c, false) }, t("sce.edit")),
        h("button", { class: "btn btn-small", testid: "sc-history-" + c.id, onclick: () => void this.openStored(c, true) }, t("sce.history")),
        c.retired ? null : h("button", { class: "btn btn-small btn-ghost", testid: "sc-retire-" + c.id, onclick: confirm }, t("sce.retire"))]);
    };
    const confirm = () => {
      clear(actions);
      actions.append(h("span", { class: "sce-confirm", testid: "sc-retire-question-" + c.id }, t("sce.retire_confirm", { id: c.id })),
        h("button", { class: "btn btn-small btn-danger", testid: "sc-retire-confirm-" + c.id, onclick: async () => {
          try {
            await api("DELETE", `/scorecards/${encodeURIComponent(c.id)}`);
            say(this.msg, t("sce.retired_ok", { id: c.id }), "ok");
            await this.loadList();
          } catch (e) { say(this.msg, errText(e), "error"); buttons(); }
        } }, t("sce.retire_yes")),
        h("button", { class: "btn btn-small btn-ghost", onclick: buttons }, t("sce.cancel")));
    };
    buttons();
    const versions = c.versions === 1 ? t("sce.versions_1") : t("sce.versions_n", { n: c.versions });
    return h("tr", { testid: "sc-row-" + c.id },
      h("td", { class: "mono" }, c.id),
      h("td", {}, c.name, c.retired ? h("span", { class: "badge sce-badge", testid: "sc-retired-" + c.id }, t("sce.retired")) : null),
      h("td", { testid: "sc-version-" + c.id }, t("sce.version", { v: c.latest_version }), h("span", { class: "muted" }, " · " + versions)),
      h("td", { class: "muted" }, c.updated_at ? t("sce.updated", { when: new Date(c.updated_at).toLocaleString(lang()), who: c.updated_by ?? "" }) : ""),
      h("td", {}, actions));
  }

  // openStored: the latest version of c, as the draft of its next version (or read-only when
  // retired or asked for its versions).
  private async openStored(c: Summary, readOnly: boolean): Promise<void> {
    try {
      const sc = await api<Scorecard>("GET", `/scorecards/${encodeURIComponent(c.id)}`);
      if (!this.alive) return;
      say(this.msg, "");
      this.open({ mode: c.retired ? "retired" : "edit", id: c.id, latest: sc.version, draft: M.draftFromCard(sc), view: readOnly || c.retired ? sc : null, touched: false });
    } catch (e) { say(this.msg, errText(e), "error"); }
  }

  private open(st: EditorState): void {
    this.st = st;
    this.listPanel.hidden = true;
    this.editor.hidden = false;
    this.render();
  }

  private close(): void {
    this.st = null;
    this.editor.hidden = true;
    clear(this.editor);
    this.listPanel.hidden = false;
  }

  // ------------------------------------------------------------ the editor

  // render draws the whole editor from the state; focus (a data-testid) gets the focus back
  // after a structural change.
  private render(focus?: string): void {
    const st = this.st!;
    const ro = st.view !== null;
    const d = ro ? M.draftFromCard(st.view!) : st.draft;
    this.fieldEls.clear();
    this.secShare = [];
    this.itemShare = [];
    clear(this.editor);

    const name = st.view?.name ?? (st.draft.name || st.id);
    const heading = st.mode === "new" ? t("sce.heading_new")
      : ro ? t("sce.heading_view", { name, id: st.id, v: st.view!.version })
      : t("sce.heading_edit", { name: st.draft.name || st.id, id: st.id, v: st.latest + 1 });
    this.editor.append(h("h2", { class: "sce-heading", testid: "sc-heading" }, heading));
    if (ro) {
      this.editor.append(h("div", { class: "sce-banner", testid: "sc-viewing" },
        h("span", {}, st.mode === "retired" ? t("sce.retired_note") : t("sce.viewing", { v: st.view!.version })),
        h("span", { class: "qa-grow" }),
        st.mode === "edit" ? h("button", { class: "btn btn-small", testid: "sc-copy-version", onclick: () => {
          const v = st.view!.version;
          st.draft = M.draftFromCard(st.view!);
          st.view = null;
          st.touched = false;
          this.render();
          say(this.msg, t("sce.copied", { v, next: st.latest + 1 }), "info");
        } }, t("sce.copy_version")) : null,
        st.mode === "edit" ? h("button", { class: "btn btn-small btn-primary", testid: "sc-back-to-edit", onclick: () => { st.view = null; this.render(); } }, t("sce.back_to_edit")) : null));
    }

    const main = h("div", { class: "sce-main" });
    const side = h("aside", { class: "sce-side" });
    this.editor.append(h("div", { class: "sce-layout" }, main, side));

    // the card's own fields
    const idInput = h("input", { class: "mono", testid: "sc-id", value: d.id, disabled: ro || st.mode !== "new", maxlength: 64, spellcheck: "false" });
    idInput.addEventListener("input", () => { M.setCardId(st.draft, idInput.value); this.changed(); });
    const nameInput = h("input", { testid: "sc-name", value: d.name, disabled: ro, placeholder: t("sce.f.name_ph") });
    nameInput.addEventListener("input", () => {
      M.setName(st.draft, nameInput.value);
      if (st.mode === "new") idInput.value = st.draft.id;
      this.changed();
    });
    const capInput = h("input", { type: "number", min: 0, step: "any", class: "sce-num", testid: "sc-bonus-cap", value: d.bonusCap, disabled: ro });
    capInput.addEventListener("input", () => { st.draft.bonusCap = capInput.value; this.changed(); });
    main.append(h("div", { class: "sce-meta" },
      this.field("name", t("sce.f.name"), nameInput, undefined, "sce-w-name"),
      this.field("id", t("sce.f.id"), idInput, st.mode === "new" ? t("sce.f.id_hint") : undefined, "sce-w-id"),
      this.field("bonus_cap", t("sce.f.bonus_cap"), capInput, t("sce.f.bonus_cap_hint"), "sce-w-cap")));

    const sections = h("div", { class: "sce-sections", testid: "sc-sections" });
    this.fieldEls.set("sections", sections);
    d.sections.forEach((sec, si) => sections.append(this.section(d, sec, si, ro)));
    main.append(h("h3", { class: "sce-h3" }, t("sce.sections")), sections);
    if (!ro) {
      main.append(h("div", { class: "qa-row" }, h("button", { class: "btn", testid: "sc-add-section", onclick: () => {
        const si = M.addSection(st.draft);
        this.structural(`sc-sec-${si}-title`);
      } }, "+ " + t("sce.add_section"))));
      this.errorBox = h("div", { class: "sce-errors", testid: "sc-error", role: "alert", hidden: true });
      main.append(this.errorBox, h("div", { class: "qa-row sce-save-row" },
        h("button", { class: "btn btn-go", testid: "sc-save", onclick: () => void this.save() },
          st.mode === "new" ? t("sce.save_create") : t("sce.save_version", { v: st.latest + 1 })),
        h("button", { class: "btn btn-ghost", testid: "sc-cancel", onclick: () => this.close() }, t("sce.cancel"))));
    } else {
      this.errorBox = null;
      main.append(h("div", { class: "qa-row sce-save-row" }, h("button", { class: "btn btn-ghost", testid: "sc-cancel", onclick: () => this.close() }, t("sce.close"))));
    }

    // the side: weights preview and versions
    this.previewEl = h("div", { class: "panel sce-preview", testid: "sc-preview" });
    side.append(this.previewEl);
    if (st.mode !== "new") side.append(this.history());
    this.updatePreview(d);

    if (!ro && st.touched) this.showErrors(this.clientErrors());
    if (focus) this.editor.querySelector<HTMLElement>(`[data-testid="${focus}"]`)?.focus();
  }

  // field: a labelled control whose wrapper names its field for error messages.
  private field(field: string, label: string, control: HTMLElement, hint?: string, cls = ""): HTMLElement {
    const el = h("label", { class: "sce-field " + cls, "data-field": field },
      h("span", { class: "sce-cap" }, label), control, hint ? h("span", { class: "sce-hint" }, hint) : null);
    this.fieldEls.set(field, el);
    return el;
  }

  private iconBtn(symbol: string, label: string, testid: string, enabled: boolean, onclick: () => void, danger = false): HTMLElement {
    return h("button", { type: "button", class: "btn btn-small btn-ghost sce-icon" + (danger ? " sce-danger" : ""), testid, title: label, "aria-label": label, disabled: !enabled, onclick }, symbol);
  }

  private section(d: M.CardDraft, sec: M.SectionDraft, si: number, ro: boolean): HTMLElement {
    const st = this.st!;
    const sf = `sections[${si}]`;
    const idInput = h("input", { class: "mono", testid: `sc-sec-${si}-id`, value: sec.id, disabled: ro, spellcheck: "false" });
    idInput.addEventListener("input", () => { M.setSectionId(st.draft, si, idInput.value); this.changed(); });
    const title = h("input", { testid: `sc-sec-${si}-title`, value: sec.title, disabled: ro, placeholder: t("sce.f.title_ph") });
    title.addEventListener("input", () => { M.setSectionTitle(st.draft, si, title.value); idInput.value = st.draft.sections[si].id; this.changed(); });
    const weight = h("input", { type: "number", min: 0, step: "any", class: "sce-num", testid: `sc-sec-${si}-weight`, value: sec.weight, disabled: ro, title: t("sce.f.sec_weight_hint") });
    weight.addEventListener("input", () => { st.draft.sections[si].weight = weight.value; this.changed(); });
    const share = h("span", { class: "sce-share sce-inline", testid: `sc-sec-${si}-share` });
    this.secShare[si] = share;
    this.itemShare[si] = [];
    const n = d.sections.length;
    const head = h("div", { class: "sce-sec-head" },
      h("span", { class: "sce-num-badge" }, t("sce.section_n", { n: si + 1 })),
      this.field(sf + ".title", t("sce.f.title"), title, undefined, "sce-w-grow"),
      this.field(sf + ".id", t("sce.f.sec_id"), idInput, undefined, "sce-w-id"),
      this.field(sf + ".weight", t("sce.f.sec_weight"), weight, undefined, "sce-w-num"),
      share,
      ro ? null : h("span", { class: "sce-tools sce-inline" },
        this.iconBtn("↑", t("sce.up"), `sc-sec-${si}-up`, si > 0, () => { M.moveSection(st.draft, si, -1); this.structural(`sc-sec-${si - 1}-up`); }),
        this.iconBtn("↓", t("sce.down"), `sc-sec-${si}-down`, si < n - 1, () => { M.moveSection(st.draft, si, 1); this.structural(`sc-sec-${si + 1}-down`); }),
        this.iconBtn("✕", t("sce.remove_section"), `sc-sec-${si}-remove`, true, () => { M.removeSection(st.draft, si); this.structural(); }, true)));
    const items = h("div", { class: "sce-items", "data-field": sf + ".items" });
    this.fieldEls.set(sf + ".items", items);
    sec.items.forEach((it, ii) => items.append(this.item(sec, it, si, ii, ro)));
    const box = h("div", { class: "sce-sec", testid: `sc-sec-${si}`, "data-field": sf }, head, items,
      ro ? null : h("div", { class: "qa-row" }, h("button", { class: "btn btn-small", testid: `sc-sec-${si}-add-item`, onclick: () => {
        const ii = M.addItem(st.draft, si);
        this.structural(`sc-item-${si}-${ii}-text`);
      } }, "+ " + t("sce.add_item"))));
    this.fieldEls.set(sf, box);
    return box;
  }

  private item(sec: M.SectionDraft, it: M.ItemDraft, si: number, ii: number, ro: boolean): HTMLElement {
    const st = this.st!;
    const f = `sections[${si}].items[${ii}]`;
    const p = `sc-item-${si}-${ii}`;
    const cur = () => st.draft.sections[si].items[ii];
    const idInput = h("input", { class: "mono", testid: `${p}-id`, value: it.id, disabled: ro, spellcheck: "false" });
    idInput.addEventListener("input", () => { M.setItemId(st.draft, si, ii, idInput.value); this.changed(); });
    const text = h("input", { testid: `${p}-text`, value: it.text, disabled: ro, placeholder: t("sce.f.text_ph") });
    text.addEventListener("input", () => { M.setItemText(st.draft, si, ii, text.value); idInput.value = cur().id; this.changed(); });
    const kind = h("select", { testid: `${p}-kind`, disabled: ro },
      ...M.KINDS.map((k) => h("option", { value: k, selected: k === it.kind }, tk("sce.kind." + k))));
    kind.addEventListener("change", () => { M.setKind(st.draft, si, ii, kind.value as ItemKind); this.structural(`${p}-kind`); });
    const weight = h("input", { type: "number", min: 0, step: "any", class: "sce-num", testid: `${p}-weight`, value: it.weight, disabled: ro });
    weight.addEventListener("input", () => { cur().weight = weight.value; this.changed(); });
    let max: HTMLElement | null = null;
    if (it.kind === "scale") {
      const mx = h("input", { type: "number", min: 1, step: 1, class: "sce-num", testid: `${p}-max`, value: it.max, disabled: ro });
      mx.addEventListener("input", () => { cur().max = mx.value; this.changed(); });
      max = this.field(f + ".max", t("sce.f.max"), mx, undefined, "sce-w-num");
    }
    const share = h("span", { class: "sce-share sce-inline", testid: `${p}-share` });
    this.itemShare[si][ii] = share;
    const n = sec.items.length;
    const row1 = h("div", { class: "sce-item-row" },
      h("span", { class: "sce-item-no sce-inline" }, `${ii + 1}.`),
      this.field(f + ".text", t("sce.f.text"), text, undefined, "sce-w-grow"),
      this.field(f + ".id", t("sce.f.item_id"), idInput, undefined, "sce-w-id"),
      this.field(f + ".kind", t("sce.f.kind"), kind, undefined, "sce-w-kind"),
      max,
      this.field(f + ".weight", it.bonus ? t("sce.f.bonus_points") : t("sce.f.weight"), weight, undefined, "sce-w-num"),
      share,
      ro ? null : h("span", { class: "sce-tools sce-inline" },
        this.iconBtn("↑", t("sce.up"), `${p}-up`, ii > 0, () => { M.moveItem(st.draft, si, ii, -1); this.structural(`sc-item-${si}-${ii - 1}-up`); }),
        this.iconBtn("↓", t("sce.down"), `${p}-down`, ii < n - 1, () => { M.moveItem(st.draft, si, ii, 1); this.structural(`sc-item-${si}-${ii + 1}-down`); }),
        this.iconBtn("✕", t("sce.remove_item"), `${p}-remove`, true, () => { M.removeItem(st.draft, si, ii); this.structural(); }, true)));

    const flags: [M.Flag, string, string][] = [
      ["allowNA", "allow_na", "na"], ["fatal", "fatal", "fatal"], ["sectionFail", "section_fail", "section-fail"],
      ["nonFatal", "non_fatal", "non-fatal"], ["bonus", "bonus", "bonus"]];
    const flagRow = h("div", { class: "sce-flags" });
    for (const [flag, json, tid] of flags) {
      const cb = h("input", { type: "checkbox", testid: `${p}-${tid}`, checked: it[flag], disabled: ro || M.flagDisabled(it, flag) });
      cb.addEventListener("change", () => { M.setFlag(st.draft, si, ii, flag, cb.checked); this.structural(`${p}-${tid}`); });
      const el = h("label", { class: `sce-check sce-flag-${tid}` + (it[flag] ? " on" : ""), "data-field": `${f}.${json}`, title: tk(`sce.flag.${flag}_hint`) },
        cb, tk(`sce.flag.${flag}`));
      this.fieldEls.set(`${f}.${json}`, el);
      flagRow.append(el);
    }

    let choices: HTMLElement | null = null;
    if (it.kind === "choice") {
      choices = h("div", { class: "sce-choices", "data-field": f + ".choices", testid: `${p}-choices` },
        h("span", { class: "sce-cap" }, t("sce.f.choices")));
      this.fieldEls.set(f + ".choices", choices);
      it.choices.forEach((c, ci) => {
        const cf = `${f}.choices[${ci}]`;
        const label = h("input", { testid: `${p}-choice-${ci}-label`, value: c.label, disabled: ro, placeholder: t("sce.f.choice_label_ph") });
        label.addEventListener("input", () => { cur().choices[ci].label = label.value; this.changed(); });
        const pts = h("input", { type: "number", min: 0, step: "any", class: "sce-num", testid: `${p}-choice-${ci}-points`, value: c.points, disabled: ro });
        pts.addEventListener("input", () => { cur().choices[ci].points = pts.value; this.changed(); });
        const row = h("div", { class: "sce-choice", "data-field": cf },
          this.field(cf + ".label", t("sce.f.choice_label") + " " + (ci + 1), label, undefined, "sce-w-grow"),
          this.field(cf + ".points", t("sce.f.choice_points"), pts, undefined, "sce-w-num"),
          ro ? null : this.iconBtn("✕", t("sce.remove_choice"), `${p}-choice-${ci}-remove`, true, () => { M.removeChoice(st.draft, si, ii, ci); this.structural(); }, true));
        this.fieldEls.set(cf, row);
        choices!.append(row);
      });
      if (!ro) choices.append(h("div", {}, h("button", { class: "btn btn-small", testid: `${p}-add-choice`, onclick: () => {
        M.addChoice(st.draft, si, ii);
        this.structural(`${p}-choice-${cur().choices.length - 1}-label`);
      } }, "+ " + t("sce.add_choice"))));
    }
    const kindClass = it.bonus ? " sce-item-bonus" : it.fatal ? " sce-item-fatal" : "";
    const box = h("div", { class: "sce-item" + kindClass, testid: p, "data-field": f }, row1, flagRow, choices);
    this.fieldEls.set(f, box);
    return box;
  }

  private history(): HTMLElement {
    const st = this.st!;
    const box = h("div", { class: "panel sce-history", testid: "sc-history" },
      h("h3", { class: "sce-h3" }, t("sce.history_title")), h("p", { class: "sce-hint" }, t("sce.history_hint")));
    const list = h("div", { class: "sce-hist-list" });
    for (let v = st.latest; v >= 1; v--) {
      const current = st.view ? st.view.version === v : false;
      const btn = h("button", { class: "btn btn-small sce-hist" + (current ? " active" : ""), testid: `sc-hist-v${v}`, "aria-pressed": current ? "true" : "false",
        onclick: () => void this.viewVersion(v) },
        t("sce.version", { v }), v === st.latest ? h("span", { class: "muted" }, ` · ${t("sce.hist_latest")}`) : null);
      list.append(btn);
    }
    if (st.mode === "edit") {
      list.prepend(h("button", { class: "btn btn-small sce-hist" + (st.view ? "" : " active"), testid: "sc-hist-draft", "aria-pressed": st.view ? "false" : "true",
        onclick: () => { st.view = null; this.render(); } }, t("sce.version", { v: st.latest + 1 }), h("span", { class: "muted" }, ` · ${t("sce.hist_editing")}`)));
    }
    box.append(list);
    return box;
  }

  private async viewVersion(v: number): Promise<void> {
    const st = this.st!;
    try {
      const sc = await api<Scorecard>("GET", `/scorecards/${encodeURIComponent(st.id)}?version=${v}`);
      if (this.st !== st) return;
      st.view = sc;
      say(this.msg, "");
      this.render();
    } catch (e) { say(this.msg, errText(e), "error"); }
  }

  // ------------------------------------------------------------ changes, preview, errors

  private changed(): void {
    const st = this.st!;
    this.updatePreview(st.draft);
    if (st.touched) this.showErrors(this.clientErrors());
  }

  private structural(focus?: string): void {
    this.render(focus);
  }

  private updatePreview(d: M.CardDraft): void {
    if (!this.previewEl) return;
    const p = M.preview(d);
    const el = this.previewEl;
    clear(el);
    el.append(h("h3", { class: "sce-h3" }, t("sce.preview")),
      h("p", { class: "sce-hint" }, p.weighted ? t("sce.preview_weighted") : t("sce.preview_items")));
    const ul = h("ul", { class: "sce-prev-list" });
    d.sections.forEach((s, si) => {
      const sp = p.sections[si];
      ul.append(h("li", { testid: `sc-preview-sec-${si}` },
        h("span", { class: "sce-prev-title" }, s.title.trim() || t("sce.section_n", { n: si + 1 })),
        h("span", { class: "sce-bar" }, bar(sp.share)),
        h("span", { class: "sce-prev-val" }, t("sce.share", { p: fmt1(sp.share) }), sp.bonus > 0 ? h("span", { class: "sce-prev-bonus" }, " " + t("sce.preview_bonus", { b: fmt1(sp.bonus) })) : null)));
      if (this.secShare[si]) this.secShare[si].textContent = t("sce.preview_share", { p: fmt1(sp.share) });
      sp.items.forEach((x, ii) => {
        const e = this.itemShare[si]?.[ii];
        if (e) e.textContent = x === null ? "+" + fmt1(Math.max(0, M.parseNum(s.items[ii].weight) ?? 0)) : t("sce.share", { p: fmt1(x) });
      });
    });
    el.append(ul, h("p", { class: "sce-prev-total", testid: "sc-preview-total" },
      t("sce.preview_total", { max: fmt1(p.maxFinal), cap: fmt1(p.bonusCap), sum: fmt1(p.bonusSum) })));
  }

  private clientErrors(): ShownError[] {
    const st = this.st!;
    return M.validate(st.draft, st.mode === "new").map((e) => ({ field: e.field, text: tk(e.key, e.vars) }));
  }

  // showErrors puts each message next to its field (or the nearest enclosing one shown) and
  // lists them all above the save button; a click on a listed one focuses its field.
  private showErrors(errs: ShownError[], serverSaid = false): void {
    this.editor.querySelectorAll(".sce-ferr").forEach((e) => e.remove());
    this.editor.querySelectorAll(".sce-invalid").forEach((e) => e.classList.remove("sce-invalid"));
    const box = this.errorBox;
    if (!box) return;
    clear(box);
    box.hidden = errs.length === 0;
    if (!errs.length) return;
    const d = this.st!.draft;
    box.append(h("p", { class: "sce-errors-title" }, serverSaid ? t("sce.server_refused") : errs.length === 1 ? t("sce.errors_1") : t("sce.errors_n", { n: errs.length })));
    const ul = h("ul", {});
    for (const e of errs) {
      const target = M.fieldChain(e.field).map((f) => this.fieldEls.get(f)).find((x) => x);
      if (target) {
        target.classList.add("sce-invalid");
        const note = h("span", { class: "sce-ferr", testid: "sc-field-error", "data-for": e.field }, e.text);
        if (target.classList.contains("sce-field") || target.classList.contains("sce-check")) target.append(note);
        else target.insertBefore(note, target.firstChild?.nextSibling ?? null);
      }
      ul.append(h("li", {}, h("button", { type: "button", class: "sce-errlink", "data-for": e.field, onclick: () => {
        const c = target?.querySelector<HTMLElement>("input, select") ?? target;
        c?.scrollIntoView({ block: "center" });
        c?.focus();
      } }, e.field ? h("strong", {}, where(d, e.field) + t("sce.loc.sep")) : null, e.text)));
    }
    box.append(ul);
  }

  private async save(): Promise<void> {
    const st = this.st!;
    st.touched = true;
    const errs = this.clientErrors();
    this.showErrors(errs);
    if (errs.length) {
      this.errorBox?.scrollIntoView({ block: "nearest" });
      return;
    }
    const body = M.buildCard(st.draft);
    const btn = this.editor.querySelector<HTMLButtonElement>('[data-testid="sc-save"]')!;
    const label = btn.textContent;
    btn.disabled = true;
    btn.textContent = t("sce.saving");
    try {
      const saved = st.mode === "new"
        ? await api<Scorecard>("POST", "/scorecards", body)
        : await api<Scorecard>("PUT", `/scorecards/${encodeURIComponent(st.id)}`, { ...body, id: st.id });
      if (this.st !== st) return;
      this.close();
      say(this.msg, t("sce.saved", { id: saved.id, v: saved.version }), "ok");
      await this.loadList();
    } catch (e) {
      btn.disabled = false;
      btn.textContent = label;
      const ae = e as ApiError;
      // the server's words stay until the next change validates the form again
      if (ae.status === 409 && st.mode === "new") this.showErrors([{ field: "id", text: t("sce.err.id_taken", { id: body.id }) }], true);
      else if (ae.status && ae.field) this.showErrors([{ field: ae.field, text: M.serverMessage(ae.field, ae.message) }], true);
      else this.showErrors([{ field: "", text: errText(e) }], true);
      this.errorBox?.scrollIntoView({ block: "nearest" });
    }
  }
}
