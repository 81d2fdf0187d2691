// where: a field the validation or the server names, as words: "Section 2 (Compliance) · item 1 · Weight".

import type { CardDraft } from "../../../scorecard_model";

type T = (key: string, vars?: Record<string, string | number>) => string;

const LEAF: Record<string, string> = {
  id: "sce.f.item_id", text: "sce.f.text", kind: "sce.f.kind", max: "sce.f.max", weight: "sce.f.weight", choices: "sce.f.choices",
  label: "sce.f.choice_text", points: "sce.f.choice_points", bonus: "sce.flag.bonus", non_fatal: "sce.flag.nonFatal",
  fatal: "sce.flag.fatal", section_fail: "sce.flag.sectionFail", allow_na: "sce.flag.allowNA", items: "sce.add_item",
};
const SECTION: Record<string, string> = { id: "sce.f.sec_id", title: "sce.f.title", weight: "sce.f.sec_weight", items: "sce.add_item" };
const TOP: Record<string, string> = { id: "sce.f.id", name: "sce.f.name", bonus_cap: "sce.f.bonus_cap", sections: "sce.sections" };

export function where(t: T, d: CardDraft, field: string): string {
  if (!field) return "";
  const m = /^sections\[(\d+)\](?:\.items\[(\d+)\])?(?:\.choices\[(\d+)\])?(?:\.(\w+))?$/.exec(field);
  if (!m) return `${t("sce.loc.card")} · ${TOP[field] ? t(TOP[field]) : field}`;
  const [, s, i, c, leaf] = m;
  const title = d.sections[Number(s)]?.title.trim();
  const parts = [title ? t("sce.loc.section_titled", { s: Number(s) + 1, title }) : t("sce.loc.section", { s: Number(s) + 1 })];
  if (i !== undefined) parts.push(t("sce.loc.item", { i: Number(i) + 1 }));
  if (c !== undefined) parts.push(t("sce.loc.choice", { c: Number(c) + 1 }));
  if (leaf) {
    const key = i === undefined ? SECTION[leaf] : LEAF[leaf];
    parts.push(key ? t(key) : leaf);
  }
  return parts.join(" · ");
}

// shownFields: every field the editor draws a place for (the error of a field not drawn goes to
// the nearest enclosing one, see scorecard_model fieldChain).
export function shownFields(d: CardDraft): Set<string> {
  const s = new Set(["name", "id", "bonus_cap", "sections"]);
  d.sections.forEach((sec, si) => {
    const sf = `sections[${si}]`;
    for (const x of ["", ".title", ".id", ".weight", ".items"]) s.add(sf + x);
    sec.items.forEach((it, ii) => {
      const f = `${sf}.items[${ii}]`;
      for (const x of ["", ".text", ".id", ".kind", ".weight", ".allow_na", ".fatal", ".section_fail", ".non_fatal", ".bonus"]) s.add(f + x);
      if (it.kind === "scale") s.add(f + ".max");
      if (it.kind === "choice") {
        s.add(f + ".choices");
        it.choices.forEach((_, ci) => { for (const x of ["", ".label", ".points"]) s.add(`${f}.choices[${ci}]${x}`); });
      }
    });
  });
  return s;
}
