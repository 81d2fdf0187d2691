// The scorecard editor's model, without DOM: the form's state (a draft whose numeric fields keep
// the text typed, so "abc" can be named as an error), ids slugged from titles, structural edits
// (add, remove, move), the JSON body sent to POST/PUT /api/v1/scorecards, and a validation that
// mirrors the server's rules (qa.go Scorecard.Validate and storage checkScorecard) field for
// field and in the same order, so the first client error is the one the server would answer.
// The edit functions change the draft they are given; everything else is a pure function.

import type { ItemKind, Scorecard } from "./qalogic";

export const KINDS: ItemKind[] = ["yes_no", "scale", "choice"];
export const DEFAULT_BONUS_CAP = 10; // qa.go DefaultBonusCap: a bonus_cap of 0 means this
export const CARD_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/; // storage scorecardIDRE
export const NAME_MAX_BYTES = 200; // storage checkScorecard

export interface ChoiceDraft { label: string; points: string }
export interface ItemDraft {
  id: string; autoId: boolean; text: string; kind: ItemKind; max: string; choices: ChoiceDraft[]; weight: string;
  allowNA: boolean; fatal: boolean; sectionFail: boolean; nonFatal: boolean; bonus: boolean;
}
export interface SectionDraft { id: string; autoId: boolean; title: string; weight: string; items: ItemDraft[] }
export interface CardDraft { id: string; autoId: boolean; name: string; bonusCap: string; sections: SectionDraft[] }

// A FieldError names the field as the server does ("sections[1].items[0].max"); key is an i18n
// key of i18n_scorecards.ts, vars its placeholders.
export interface FieldError { field: string; key: string; vars?: Record<string, string | number> }

// ---------------------------------------------------------------- ids

// slugify: lower-case ASCII letters and digits joined by sep ("Greets the caller!" → "greets_the_caller").
// Letters with accents lose them; other scripts (Chinese titles) give "", and the caller falls back.
export function slugify(text: string, sep = "_", maxLen = 40): string {
  const s = text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .replace(/[^a-z0-9]+/g, sep).split(sep).filter(Boolean).join(sep);
  return s.slice(0, maxLen).replace(new RegExp(`[${sep === "-" ? "\\-" : sep}]+$`), "");
}

// uniqueId: base (or fallback when base is "") made unique against taken by a _2, _3… suffix.
export function uniqueId(base: string, taken: Set<string>, fallback: string): string {
  const b = base || fallback;
  if (!taken.has(b)) return b;
  for (let n = 2; ; n++) if (!taken.has(`${b}_${n}`)) return `${b}_${n}`;
}

export function itemIds(d: CardDraft, except?: ItemDraft): Set<string> {
  const s = new Set<string>();
  for (const sec of d.sections) for (const it of sec.items) if (it !== except && it.id) s.add(it.id);
  return s;
}
function sectionIds(d: CardDraft, except?: SectionDraft): Set<string> {
  return new Set(d.sections.filter((s) => s !== except && s.id).map((s) => s.id));
}

// ---------------------------------------------------------------- building

export function newItem(d: CardDraft): ItemDraft {
  return {
    id: uniqueId("", itemIds(d), "item"), autoId: true, text: "", kind: "yes_no", max: "4", choices: [], weight: "1",
    allowNA: false, fatal: false, sectionFail: false, nonFatal: false, bonus: false,
  };
}

export function newSection(d: CardDraft): SectionDraft {
  const sec: SectionDraft = { id: uniqueId("", sectionIds(d), "section"), autoId: true, title: "", weight: "0", items: [] };
  return sec;
}

// newDraft: a new form with one section holding one yes/no item.
export function newDraft(): CardDraft {
  const d: CardDraft = { id: "", autoId: true, name: "", bonusCap: String(DEFAULT_BONUS_CAP), sections: [] };
  addSection(d);
  return d;
}

const numText = (n: number | undefined, dflt: string) => (n === undefined || n === null ? dflt : String(n));

// draftFromCard: a stored version as a draft. Its ids are kept as they are (evaluations refer to
// them), so none follows its title.
export function draftFromCard(sc: Scorecard): CardDraft {
  return {
    id: sc.id, autoId: false, name: sc.name,
    bonusCap: sc.bonus_cap ? String(sc.bonus_cap) : String(DEFAULT_BONUS_CAP),
    sections: sc.sections.map((s) => ({
      id: s.id, autoId: false, title: s.title, weight: numText(s.weight, "0"),
      items: s.items.map((it) => ({
        id: it.id, autoId: false, text: it.text, kind: it.kind,
        max: it.kind === "scale" ? numText(it.max, "") : "4",
        choices: (it.choices ?? []).map((c) => ({ label: c.label, points: String(c.points) })),
        weight: numText(it.weight, ""),
        allowNA: !!it.allow_na, fatal: !!it.fatal, sectionFail: !!it.section_fail, nonFatal: !!it.non_fatal, bonus: !!it.bonus,
      })),
    })),
  };
}

// parseNum: the number typed, null when empty or not a finite number.
export function parseNum(s: string): number | null {
  const t = s.trim();
  if (t === "") return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

// buildCard: the JSON body of POST/PUT /scorecards. Only a scale item carries max and only a
// choice item choices (the server refuses them elsewhere); flags only when set. Numbers that do
// not parse are sent as 0; validate() first.
export function buildCard(d: CardDraft): Scorecard {
  const num = (s: string) => parseNum(s) ?? 0;
  return {
    id: d.id.trim(), version: 1, name: d.name.trim(), bonus_cap: num(d.bonusCap),
    sections: d.sections.map((s) => ({
      id: s.id.trim(), title: s.title.trim(), weight: num(s.weight),
      items: s.items.map((it) => {
        const out: Scorecard["sections"][number]["items"][number] = { id: it.id.trim(), text: it.text.trim(), kind: it.kind, weight: num(it.weight) };
        if (it.kind === "scale") out.max = num(it.max);
        if (it.kind === "choice") out.choices = it.choices.map((c) => ({ label: c.label.trim(), points: num(c.points) }));
        if (it.allowNA) out.allow_na = true;
        if (it.fatal) out.fatal = true;
        if (it.sectionFail) out.section_fail = true;
        if (it.nonFatal) out.non_fatal = true;
        if (it.bonus) out.bonus = true;
        return out;
      }),
    })),
  };
}

// ---------------------------------------------------------------- edits

// setName, setSectionTitle, setItemText: the text, and the id slugged from it while the id has
// not been typed by hand (unique: a _2 suffix when taken).
export function setName(d: CardDraft, name: string): void {
  d.name = name;
  if (d.autoId) d.id = slugify(name, "-", 64);
}
export function setSectionTitle(d: CardDraft, si: number, title: string): void {
  const sec = d.sections[si];
  sec.title = title;
  if (sec.autoId) sec.id = uniqueId(slugify(title), sectionIds(d, sec), `section_${si + 1}`);
}
export function setItemText(d: CardDraft, si: number, ii: number, text: string): void {
  const it = d.sections[si].items[ii];
  it.text = text;
  if (it.autoId) it.id = uniqueId(slugify(text), itemIds(d, it), "item");
}
// setCardId, setSectionId, setItemId: an id typed by hand no longer follows the title.
export function setCardId(d: CardDraft, id: string): void { d.id = id; d.autoId = false; }
export function setSectionId(d: CardDraft, si: number, id: string): void { const s = d.sections[si]; s.id = id; s.autoId = false; }
export function setItemId(d: CardDraft, si: number, ii: number, id: string): void { const it = d.sections[si].items[ii]; it.id = id; it.autoId = false; }

export function addSection(d: CardDraft): number {
  const sec = newSection(d);
  d.sections.push(sec);
  sec.items.push(newItem(d));
  return d.sections.length - 1;
}
export function addItem(d: CardDraft, si: number): number {
  d.sections[si].items.push(newItem(d));
  return d.sections[si].items.length - 1;
}
export function removeSection(d: CardDraft, si: number): void { d.sections.splice(si, 1); }
export function removeItem(d: CardDraft, si: number, ii: number): void { d.sections[si].items.splice(ii, 1); }

function move<T>(list: T[], i: number, dir: -1 | 1): boolean {
  const j = i + dir;
  if (i < 0 || i >= list.length || j < 0 || j >= list.length) return false;
  [list[i], list[j]] = [list[j], list[i]];
  return true;
}
// moveSection, moveItem: one place up (-1) or down (+1); false at the ends.
export function moveSection(d: CardDraft, si: number, dir: -1 | 1): boolean { return move(d.sections, si, dir); }
export function moveItem(d: CardDraft, si: number, ii: number, dir: -1 | 1): boolean { return move(d.sections[si].items, ii, dir); }

// setKind: a choice item starts with two empty options, a scale with max 4.
export function setKind(d: CardDraft, si: number, ii: number, kind: ItemKind): void {
  const it = d.sections[si].items[ii];
  it.kind = kind;
  if (kind === "choice" && it.choices.length === 0) it.choices = [{ label: "", points: "" }, { label: "", points: "" }];
  if (kind === "scale" && parseNum(it.max) === null) it.max = "4";
}
export function addChoice(d: CardDraft, si: number, ii: number): void { d.sections[si].items[ii].choices.push({ label: "", points: "" }); }
export function removeChoice(d: CardDraft, si: number, ii: number, ci: number): void { d.sections[si].items[ii].choices.splice(ci, 1); }

export type Flag = "allowNA" | "fatal" | "sectionFail" | "nonFatal" | "bonus";
// setFlag: a bonus item is none of fatal, section-fail, non-fatal; fatal and non-fatal exclude
// each other (the server's rules), so setting one clears the others it excludes.
export function setFlag(d: CardDraft, si: number, ii: number, flag: Flag, on: boolean): void {
  const it = d.sections[si].items[ii];
  it[flag] = on;
  if (!on) return;
  if (flag === "bonus") it.fatal = it.sectionFail = it.nonFatal = false;
  if (flag === "fatal" || flag === "sectionFail" || flag === "nonFatal") it.bonus = false;
  if (flag === "fatal") it.nonFatal = false;
  if (flag === "nonFatal") it.fatal = false;
}
// flagDisabled: whether the editor greys a flag out because another one excludes it.
export function flagDisabled(it: ItemDraft, flag: Flag): boolean {
  if (flag === "fatal" || flag === "sectionFail" || flag === "nonFatal") {
    if (it.bonus) return true;
  }
  if (flag === "fatal") return it.nonFatal;
  if (flag === "nonFatal") return it.fatal;
  return false;
}

// ---------------------------------------------------------------- validation

const utf8Len = (s: string) => new TextEncoder().encode(s).length;

// validate: every problem of the draft, at most one per field, in the order the server checks
// (so errors[0] is the server's answer for the same body). isNew: the id is checked too (an edit
// keeps the scorecard's id).
export function validate(d: CardDraft, isNew: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  const add = (field: string, key: string, vars?: Record<string, string | number>) => {
    if (seen.has(field)) return;
    seen.add(field);
    errs.push({ field, key, vars });
  };
  const id = d.id.trim(), name = d.name.trim();
  // storage checkScorecard, then Scorecard.Validate
  if (isNew && id !== "" && !CARD_ID_RE.test(id)) add("id", "sce.err.card_id");
  if (utf8Len(name) > NAME_MAX_BYTES) add("name", "sce.err.name_long", { n: NAME_MAX_BYTES });
  if (isNew && id === "") add("id", "sce.err.required");
  if (name === "") add("name", "sce.err.required");
  const cap = parseNum(d.bonusCap);
  if (cap === null) add("bonus_cap", "sce.err.number");
  else if (cap < 0) add("bonus_cap", "sce.err.bonus_cap", { d: DEFAULT_BONUS_CAP });
  if (d.sections.length === 0) add("sections", "sce.err.no_sections");

  const secIds = new Set<string>();
  const itemAt = new Map<string, { s: number; i: number }>();
  let weighted = 0, unweighted = 0, scored = 0;
  d.sections.forEach((sec, si) => {
    const sf = `sections[${si}]`;
    const sid = sec.id.trim();
    if (sid === "") add(sf + ".id", "sce.err.required");
    else if (!ID_RE.test(sid)) add(sf + ".id", "sce.err.bad_id");
    else if (secIds.has(sid)) add(sf + ".id", "sce.err.dup_section", { id: sid });
    secIds.add(sid);
    const w = parseNum(sec.weight);
    if (w === null) add(sf + ".weight", "sce.err.number");
    else if (w < 0) add(sf + ".weight", "sce.err.ge0");
    if (sec.items.length === 0) add(sf + ".items", "sce.err.no_items");
    let secScored = 0;
    sec.items.forEach((it, ii) => {
      const f = `${sf}.items[${ii}]`;
      const before = errs.length;
      validateItem(f, it, add);
      const iid = it.id.trim();
      // the server checks duplicates only on an otherwise valid item
      if (iid !== "" && errs.length === before) {
        const prev = itemAt.get(iid);
        if (prev) add(f + ".id", "sce.err.dup_item", { id: iid, item: prev.i + 1, section: d.sections[prev.s].title.trim() || `#${prev.s + 1}` });
      }
      if (iid !== "" && !itemAt.has(iid)) itemAt.set(iid, { s: si, i: ii });
      if (!it.bonus) secScored++;
    });
    scored += secScored;
    if (w === null || w < 0) return;
    if (secScored === 0 && w !== 0) {
      if (sec.items.length > 0) add(sf + ".weight", "sce.err.bonus_only_weight");
    } else if (secScored > 0) {
      if (w > 0) weighted++; else unweighted++;
    }
  });
  if (d.sections.length > 0 && scored === 0) add("sections", "sce.err.no_scored");
  if (weighted > 0 && unweighted > 0) {
    d.sections.forEach((sec, si) => {
      if (parseNum(sec.weight) === 0 && sec.items.some((i) => !i.bonus)) add(`sections[${si}].weight`, "sce.err.mixed_weights");
    });
  }
  return errs;
}

// ID_RE is the server's rule for section and item ids (qa.go qaIDRE).
export const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function validateItem(f: string, it: ItemDraft, add: (field: string, key: string, vars?: Record<string, string | number>) => void): void {
  if (it.id.trim() === "") add(f + ".id", "sce.err.required");
  else if (!ID_RE.test(it.id.trim())) add(f + ".id", "sce.err.bad_id");
  const w = parseNum(it.weight);
  if (w === null) add(f + ".weight", "sce.err.number");
  else if (w <= 0) add(f + ".weight", "sce.err.gt0");
  if (it.kind === "scale") {
    const m = parseNum(it.max);
    if (m === null || !Number.isInteger(m) || m < 1) add(f + ".max", "sce.err.max");
  } else if (it.kind === "choice") {
    if (it.choices.length === 0) add(f + ".choices", "sce.err.no_choices");
    let best = 0, allNumbers = true;
    it.choices.forEach((c, ci) => {
      const cf = `${f}.choices[${ci}]`;
      if (c.label.trim() === "") add(cf + ".label", "sce.err.required");
      const p = parseNum(c.points);
      if (p === null) { add(cf + ".points", "sce.err.number"); allNumbers = false; }
      else if (p < 0) add(cf + ".points", "sce.err.ge0");
      else best = Math.max(best, p);
    });
    if (it.choices.length > 0 && allNumbers && best === 0) add(f + ".choices", "sce.err.choices_zero");
  } else if (it.kind !== "yes_no") {
    add(f + ".kind", "sce.err.kind");
  }
  if (it.bonus && (it.fatal || it.sectionFail || it.nonFatal)) add(f + ".bonus", "sce.err.bonus_flags");
  if (it.fatal && it.nonFatal) add(f + ".non_fatal", "sce.err.fatal_nonfatal");
}

// ---------------------------------------------------------------- server errors

// fieldChain: a field and its ancestors, nearest first ("sections[1].items[0].max" →
// …, "sections[1].items[0]", "sections[1].items", "sections[1]", "sections"), to find the
// nearest control the editor shows for a field the server named.
export function fieldChain(field: string): string[] {
  const out: string[] = [];
  let f = field;
  while (f) {
    out.push(f);
    const m = /^(.*?)(\[\d+\]|\.[^.[\]]+)$/.exec(f);
    if (!m) break;
    f = m[1];
  }
  return out;
}

// serverMessage: the server's message without its "field: " prefix.
export function serverMessage(field: string | undefined, message: string): string {
  return field && message.startsWith(field + ": ") ? message.slice(field.length + 2) : message;
}

// ---------------------------------------------------------------- preview

export interface SectionPreview { share: number; items: (number | null)[]; bonus: number }
export interface CardPreview { weighted: boolean; sections: SectionPreview[]; bonusSum: number; bonusCap: number; bonusMax: number; maxFinal: number }

// preview: each section's and scored item's share of score_raw in percent (qa.go's weights:
// w(item) = W(section) × item.weight ÷ Σ item weights of the section, or item.weight when no
// section has a weight), bonus points per section, and the most a perfect form scores
// (100 + bonus up to the cap). Numbers that do not parse count as 0.
export function preview(d: CardDraft): CardPreview {
  const num = (s: string) => Math.max(0, parseNum(s) ?? 0);
  const scoredSum = (s: SectionDraft) => s.items.filter((i) => !i.bonus).reduce((n, i) => n + num(i.weight), 0);
  const weighted = d.sections.some((s) => num(s.weight) > 0 && s.items.some((i) => !i.bonus));
  const secW = (s: SectionDraft) => (weighted ? (scoredSum(s) > 0 ? num(s.weight) : 0) : scoredSum(s));
  const total = d.sections.reduce((n, s) => n + secW(s), 0);
  let bonusSum = 0;
  const sections = d.sections.map((s) => {
    const sum = scoredSum(s);
    const share = total > 0 ? (100 * secW(s)) / total : 0;
    const bonus = s.items.filter((i) => i.bonus).reduce((n, i) => n + num(i.weight), 0);
    bonusSum += bonus;
    return { share, bonus, items: s.items.map((i) => (i.bonus ? null : sum > 0 ? (share * num(i.weight)) / sum : 0)) };
  });
  const capIn = parseNum(d.bonusCap) ?? 0;
  const bonusCap = capIn > 0 ? capIn : DEFAULT_BONUS_CAP;
  const bonusMax = Math.min(bonusSum, bonusCap);
  return { weighted, sections, bonusSum, bonusCap, bonusMax, maxFinal: 100 + bonusMax };
}
