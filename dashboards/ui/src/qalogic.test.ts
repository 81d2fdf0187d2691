import { describe, expect, it } from "vitest";
import { type Answer, type Scorecard, PLAYBACK_RATES, SKIP_S, agentLabel, answerKey, answerOf, answerOptions, callLength, fieldItem, firstMissing, fmtClock, nextDay, preview, rateLabel, skipTarget, withLang } from "./qalogic";

const sc: Scorecard = {
  id: "c", version: 2, name: "C", sections: [
    { id: "a", title: "A", weight: 0, items: [
      { id: "greet", text: "Greet", kind: "yes_no", weight: 1 },
      { id: "tone", text: "Tone", kind: "scale", max: 4, weight: 1, allow_na: true },
    ] },
    { id: "b", title: "B", weight: 0, items: [
      { id: "verify", text: "Verify", kind: "yes_no", weight: 2, fatal: true },
      { id: "res", text: "Resolution", kind: "choice", weight: 2, choices: [{ label: "full", points: 2 }, { label: "part", points: 1 }, { label: "none", points: 0 }] },
      { id: "extra", text: "Extra", kind: "yes_no", weight: 5, bonus: true },
    ] },
  ],
};
const ans = (...a: Answer[]) => new Map(a.map((x) => [x.item_id, x]));

describe("preview", () => {
  it("scores weights, N/A and bonus", () => {
    const p = preview(sc, ans({ item_id: "greet", yes: true }, { item_id: "tone", na: true }, { item_id: "verify", yes: true }, { item_id: "res", choice: 1 }, { item_id: "extra", yes: true }));
    expect(p.raw).toBeCloseTo((100 * (1 + 2 + 1)) / 5);
    expect(p.bonus).toBe(5);
    expect(p.final).toBeCloseTo(85);
    expect(p.fatal).toBe(false);
  });
  it("zeroes the final score on a failed fatal item", () => {
    const p = preview(sc, ans({ item_id: "greet", yes: true }, { item_id: "verify", yes: false }));
    expect(p.fatal).toBe(true);
    expect(p.final).toBe(0);
    expect(p.raw).toBeCloseTo(100 / 3);
  });
});

describe("answers", () => {
  it("names the first missing item like the API", () => {
    expect(firstMissing(sc, ans({ item_id: "greet", yes: true }))?.field).toBe("answers[1]");
    expect(firstMissing(sc, ans({ item_id: "greet", yes: true }, { item_id: "tone", value: 9 }))?.item.id).toBe("tone");
  });
  it("maps an API field to its item", () => {
    expect(fieldItem("answers[1].value", [{ item_id: "x" }, { item_id: "y" }])).toBe("y");
    expect(fieldItem("call_id", [])).toBeNull();
  });
  it("formats clocks", () => expect(fmtClock(75400)).toBe("1:15"));
});

describe("the Vue QA pages' helpers", () => {
  it("labels an agent by name with the id, the id alone when unknown", () => {
    const names = new Map([["1001", "Ana"], ["1002", "1002"], ["1003", " "]]);
    expect(agentLabel("1001", names)).toBe("Ana (1001)");
    expect(agentLabel("1002", names)).toBe("1002");
    expect(agentLabel("1003", names)).toBe("1003");
    expect(agentLabel("9999", names)).toBe("9999");
    expect(agentLabel(undefined, names)).toBe("");
  });
  it("maps answers to radio keys and back", () => {
    const items = sc.sections.flatMap((s) => s.items);
    const [greet, tone, , res] = items;
    for (const [it, a] of [[greet, { item_id: "greet", yes: false }], [tone, { item_id: "tone", value: 3 }], [tone, { item_id: "tone", na: true }], [res, { item_id: "res", choice: 1 }]] as const) {
      expect(answerOf(it, answerKey(it, a))).toEqual(a);
    }
    expect(answerKey(greet, { item_id: "greet", na: true })).toBeUndefined(); // greet allows no N/A
    expect(answerOf(greet, "na")).toBeUndefined();
    expect(answerOf(tone, "5")).toBeUndefined(); // above the scale's max
    expect(answerOf(res, "c3")).toBeUndefined();
    expect(answerOf(greet, "maybe")).toBeUndefined();
    expect(answerOf(greet, undefined)).toBeUndefined();
  });
  it("lists an item's options", () => {
    const [greet, tone, , res] = sc.sections.flatMap((s) => s.items);
    expect(answerOptions(greet, "Y", "N", "NA")).toEqual([["yes", "Y"], ["no", "N"]]);
    expect(answerOptions(tone, "Y", "N", "NA").map((o) => o[0])).toEqual(["0", "1", "2", "3", "4", "na"]);
    expect(answerOptions(res, "Y", "N", "NA")[0]).toEqual(["c0", "full (2)"]);
  });
  it("skips inside the recording", () => {
    expect(skipTarget(3, -SKIP_S, 60)).toBe(0);
    expect(skipTarget(10, SKIP_S, 60)).toBe(15);
    expect(skipTarget(58, SKIP_S, 60)).toBe(60);
    expect(skipTarget(58, SKIP_S, 0)).toBe(63); // duration unknown yet
    expect(PLAYBACK_RATES.map(rateLabel)).toEqual(["0.75×", "1×", "1.25×", "1.5×", "2×"]);
  });
  it("measures a call", () => {
    expect(callLength({ talk_ms: 42000 })).toBe(42000);
    expect(callLength({ talk_ms: 0, entered_at: "2026-01-01T10:00:00Z", answered_at: "2026-01-01T10:00:05Z", ended_at: "2026-01-01T10:01:05Z" })).toBe(60000);
    expect(callLength({ entered_at: "2026-01-01T10:00:00Z", ended_at: "2026-01-01T10:00:30Z" })).toBe(30000);
    expect(callLength({ entered_at: "2026-01-01T10:00:00Z" })).toBeNull();
  });
  it("adds the language to server-rendered links", () => {
    expect(withLang("/api/v1/qa/score-sheet?day=2026-01-02&format=csv", "zh-CN")).toBe("/api/v1/qa/score-sheet?day=2026-01-02&format=csv&lang=zh-CN");
    expect(withLang("/x", "en")).toBe("/x?lang=en");
    expect(nextDay("2026-12-31")).toBe("2027-01-01");
    expect(nextDay("2028-02-28")).toBe("2028-02-29");
  });
});
