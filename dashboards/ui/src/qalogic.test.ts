import { describe, expect, it } from "vitest";
import { type Answer, type Scorecard, fieldItem, firstMissing, fmtClock, preview } from "./qalogic";

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
