import { describe, expect, it } from "vitest";
import { dictionaries } from "./i18n";
import type { Scorecard } from "./qalogic";
import {
  type CardDraft, addChoice, addItem, addSection, buildCard, draftFromCard, fieldChain, flagDisabled, moveItem, moveSection,
  newDraft, parseNum, preview, removeChoice, removeItem, removeSection, serverMessage, setFlag, setItemId, setItemText, setKind,
  setName, setSectionTitle, slugify, uniqueId, validate,
} from "./scorecard_model";

// The forms and fields of scorecard_rules.json: dashboards/scorecard_rules_test.go checks that the
// server names the same fields for the same forms.
const rules = Object.values(import.meta.glob("./scorecard_rules.json", { eager: true, import: "default" }))[0] as
  { name: string; card: Scorecard; field: string }[];

const card: Scorecard = {
  id: "service", version: 3, name: "Service basics", bonus_cap: 5, sections: [
    { id: "open", title: "Opening", weight: 40, items: [
      { id: "greet", text: "Greets", kind: "yes_no", weight: 1, fatal: true },
      { id: "tone", text: "Tone", kind: "scale", max: 4, weight: 2, allow_na: true, non_fatal: true },
    ] },
    { id: "close", title: "Closing", weight: 60, items: [
      { id: "offer", text: "Offer", kind: "choice", weight: 3, section_fail: true, choices: [{ label: "Full", points: 2 }, { label: "Part", points: 1 }, { label: "None", points: 0 }] },
    ] },
    { id: "extra", title: "Extra", weight: 0, items: [{ id: "wow", text: "Wow", kind: "yes_no", weight: 4, bonus: true }] },
  ],
};

const fields = (d: CardDraft, isNew = true) => validate(d, isNew).map((e) => e.field);

describe("slugs and ids", () => {
  it("slugs titles to lower-case ASCII", () => {
    expect(slugify("Greets the caller!")).toBe("greets_the_caller");
    expect(slugify("  Café — crème brûlée ")).toBe("cafe_creme_brulee");
    expect(slugify("Service basics 2026", "-")).toBe("service-basics-2026");
    expect(slugify("问候客户")).toBe("");
    expect(slugify("a".repeat(50) + " b").length).toBe(40);
  });
  it("makes ids unique", () => {
    expect(uniqueId("greet", new Set(["greet", "greet_2"]), "item")).toBe("greet_3");
    expect(uniqueId("", new Set(["item"]), "item")).toBe("item_2");
  });
  it("follows the text until the id is typed by hand", () => {
    const d = newDraft();
    setName(d, "Inbound Sales");
    expect(d.id).toBe("inbound-sales");
    setSectionTitle(d, 0, "Opening");
    expect(d.sections[0].id).toBe("opening");
    setItemText(d, 0, 0, "Greets the caller");
    expect(d.sections[0].items[0].id).toBe("greets_the_caller");
    addItem(d, 0);
    setItemText(d, 0, 1, "Greets the caller");
    expect(d.sections[0].items[1].id).toBe("greets_the_caller_2");
    setItemId(d, 0, 1, "hello");
    setItemText(d, 0, 1, "Says hello");
    expect(d.sections[0].items[1].id).toBe("hello");
    // a loaded form keeps its ids
    const e = draftFromCard(card);
    setItemText(e, 0, 0, "Greets by name");
    expect(e.sections[0].items[0].id).toBe("greet");
  });
  it("falls back to a numbered id for a Chinese title", () => {
    const d = newDraft();
    addSection(d);
    setSectionTitle(d, 1, "开场白");
    expect(d.sections[1].id).toBe("section_2");
  });
});

describe("draft ↔ body", () => {
  it("round-trips a stored form", () => {
    const body = buildCard(draftFromCard(card));
    expect(body).toEqual({ ...card, version: 1 });
  });
  it("sends max only for scales and choices only for choice items", () => {
    const d = draftFromCard(card);
    setKind(d, 0, 1, "yes_no");
    setKind(d, 1, 0, "scale");
    const b = buildCard(d);
    expect(b.sections[0].items[1]).toEqual({ id: "tone", text: "Tone", kind: "yes_no", weight: 2, allow_na: true, non_fatal: true });
    expect(b.sections[1].items[0]).toEqual({ id: "offer", text: "Offer", kind: "scale", max: 4, weight: 3, section_fail: true });
  });
  it("trims text and parses numbers", () => {
    const d = newDraft();
    setName(d, "  Card ");
    setSectionTitle(d, 0, " Opening ");
    d.sections[0].weight = " 2.5 ";
    setItemText(d, 0, 0, " Greets ");
    d.sections[0].items[0].weight = "1e0";
    expect(buildCard(d)).toEqual({ id: "card", version: 1, name: "Card", bonus_cap: 10, sections: [
      { id: "opening", title: "Opening", weight: 2.5, items: [{ id: "greets", text: "Greets", kind: "yes_no", weight: 1 }] }] });
    expect(parseNum("")).toBeNull();
    expect(parseNum("abc")).toBeNull();
    expect(parseNum("Infinity")).toBeNull();
  });
  it("shows the default bonus cap for a form stored without one", () => {
    expect(draftFromCard({ ...card, bonus_cap: undefined }).bonusCap).toBe("10");
  });
  it("starts a choice with two options and a scale at 4", () => {
    const d = newDraft();
    setKind(d, 0, 0, "choice");
    expect(d.sections[0].items[0].choices).toHaveLength(2);
    d.sections[0].items[0].max = "";
    setKind(d, 0, 0, "scale");
    expect(d.sections[0].items[0].max).toBe("4");
  });
});

describe("structural edits", () => {
  it("moves sections and items and stops at the ends", () => {
    const d = draftFromCard(card);
    expect(moveSection(d, 0, -1)).toBe(false);
    expect(moveSection(d, 2, 1)).toBe(false);
    expect(moveSection(d, 0, 1)).toBe(true);
    expect(d.sections.map((s) => s.id)).toEqual(["close", "open", "extra"]);
    expect(moveItem(d, 1, 1, -1)).toBe(true);
    expect(d.sections[1].items.map((i) => i.id)).toEqual(["tone", "greet"]);
    expect(moveItem(d, 1, 1, 1)).toBe(false);
  });
  it("adds and removes sections, items and choices", () => {
    const d = draftFromCard(card);
    const si = addSection(d);
    expect(si).toBe(3);
    expect(d.sections[3].items).toHaveLength(1);
    expect(d.sections[3].id).toBe("section");
    expect(d.sections[3].items[0].id).toBe("item");
    addItem(d, 3);
    expect(d.sections[3].items[1].id).toBe("item_2");
    removeItem(d, 3, 0);
    expect(d.sections[3].items.map((i) => i.id)).toEqual(["item_2"]);
    removeSection(d, 3);
    expect(d.sections).toHaveLength(3);
    addChoice(d, 1, 0);
    expect(d.sections[1].items[0].choices).toHaveLength(4);
    removeChoice(d, 1, 0, 1);
    expect(d.sections[1].items[0].choices.map((c) => c.label)).toEqual(["Full", "None", ""]);
  });
  it("keeps flags within the server's rules", () => {
    const d = draftFromCard(card);
    setFlag(d, 0, 0, "bonus", true);
    expect(d.sections[0].items[0]).toMatchObject({ bonus: true, fatal: false });
    expect(flagDisabled(d.sections[0].items[0], "fatal")).toBe(true);
    expect(flagDisabled(d.sections[0].items[0], "allowNA")).toBe(false);
    setFlag(d, 0, 1, "fatal", true);
    expect(d.sections[0].items[1]).toMatchObject({ fatal: true, nonFatal: false });
    expect(flagDisabled(d.sections[0].items[1], "nonFatal")).toBe(true);
    setFlag(d, 0, 1, "fatal", false);
    expect(flagDisabled(d.sections[0].items[1], "nonFatal")).toBe(false);
  });
});

describe("validation", () => {
  it("finds nothing wrong with a valid form", () => {
    expect(validate(draftFromCard(card), false)).toEqual([]);
    expect(validate(draftFromCard(card), true)).toEqual([]);
  });
  for (const c of rules) {
    it(`names the server's field: ${c.name}`, () => {
      expect(fields(draftFromCard(c.card))[0] ?? "").toBe(c.field);
    });
  }
  it("names a number that does not parse", () => {
    const d = draftFromCard(card);
    d.bonusCap = "";
    d.sections[0].weight = "abc";
    d.sections[0].items[1].max = "2.5";
    d.sections[1].items[0].choices[0].points = "x";
    expect(fields(d)).toEqual(["bonus_cap", "sections[0].weight", "sections[0].items[1].max", "sections[1].items[0].choices[0].points"]);
  });
  it("reports every problem, at most one per field, and a duplicate id with where it is", () => {
    const d = draftFromCard(card);
    d.name = "";
    d.sections[0].items[0].weight = "0";
    setItemId(d, 1, 0, "tone");
    const errs = validate(d, true);
    expect(errs.map((e) => e.field)).toEqual(["name", "sections[0].items[0].weight", "sections[1].items[0].id"]);
    expect(errs[2]).toEqual({ field: "sections[1].items[0].id", key: "sce.err.dup_item", vars: { id: "tone", item: 2, section: "Opening" } });
  });
  it("skips the id of an edit", () => {
    const d = draftFromCard(card);
    d.id = "";
    expect(validate(d, false)).toEqual([]);
    expect(fields(d)).toEqual(["id"]);
  });
  it("has every message in English and Chinese", () => {
    const d = draftFromCard(card);
    d.id = "-x"; d.name = "x".repeat(201); d.bonusCap = "-1";
    d.sections[0].items[0].kind = "maybe" as never;
    setFlag(d, 0, 1, "bonus", true); d.sections[0].items[1].fatal = true;
    d.sections[1].items[0].choices = [];
    const keys = new Set(validate(d, true).map((e) => e.key));
    for (const c of rules) for (const e of validate(draftFromCard(c.card), true)) keys.add(e.key);
    const d2 = newDraft(); d2.sections[0].items[0].nonFatal = true; d2.sections[0].items[0].fatal = true; d2.sections[0].items[0].weight = "";
    for (const e of validate(d2, true)) keys.add(e.key);
    expect(keys.size).toBeGreaterThanOrEqual(17);
    for (const k of keys) {
      expect(dictionaries.en, k).toHaveProperty([k]);
      expect(dictionaries["zh-CN"], k).toHaveProperty([k]);
    }
  });
});

describe("server errors", () => {
  it("walks up from a field to its ancestors", () => {
    expect(fieldChain("sections[1].items[0].choices[2].label")).toEqual([
      "sections[1].items[0].choices[2].label", "sections[1].items[0].choices[2]", "sections[1].items[0].choices",
      "sections[1].items[0]", "sections[1].items", "sections[1]", "sections"]);
    expect(fieldChain("bonus_cap")).toEqual(["bonus_cap"]);
    expect(fieldChain("")).toEqual([]);
  });
  it("drops the field prefix of the message", () => {
    expect(serverMessage("sections[0].items[0].max", "sections[0].items[0].max: a scale item needs max ≥ 1, got 0")).toBe("a scale item needs max ≥ 1, got 0");
    expect(serverMessage(undefined, "scorecard \"x\" already exists")).toBe("scorecard \"x\" already exists");
  });
});

describe("preview", () => {
  it("splits a weighted form by section weight, items by their weight", () => {
    const p = preview(draftFromCard(card));
    expect(p.weighted).toBe(true);
    expect(p.sections.map((s) => s.share)).toEqual([40, 60, 0]);
    expect(p.sections[0].items.map((x) => Math.round(x! * 100) / 100)).toEqual([13.33, 26.67]);
    expect(p.sections[2]).toEqual({ share: 0, bonus: 4, items: [null] });
    expect(p).toMatchObject({ bonusSum: 4, bonusCap: 5, bonusMax: 4, maxFinal: 104 });
  });
  it("uses item weights when no section has a weight, and caps the bonus", () => {
    const d = draftFromCard(card);
    for (const s of d.sections) s.weight = "0";
    d.sections[2].items[0].weight = "12";
    d.bonusCap = "0"; // 0 means the default, 10
    const p = preview(d);
    expect(p.weighted).toBe(false);
    expect(p.sections.map((s) => s.share)).toEqual([50, 50, 0]);
    expect(p).toMatchObject({ bonusSum: 12, bonusCap: 10, bonusMax: 10, maxFinal: 110 });
  });
});
