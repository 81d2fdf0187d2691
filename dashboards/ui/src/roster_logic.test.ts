import { describe, expect, it } from "vitest";
import { addDays, breaksText, clock, codesText, dayClass, headsText, mondayOf, parseBreaks, parseCodes, weeks, type RosterDay } from "./roster_logic";

const day = (over: Partial<RosterDay>): RosterDay => ({ day: "2026-12-05", weekday: 6, heads: {}, required: 0, ...over });

describe("roster grid", () => {
  it("shades weekends, holidays and make-up workdays, and flags short days", () => {
    expect(dayClass(day({}))).toBe("rd-weekend");
    expect(dayClass(day({ weekday: 2 }))).toBe("");
    expect(dayClass(day({ weekday: 2, kind: "holiday" }))).toBe("rd-holiday");
    expect(dayClass(day({ kind: "workday" }))).toBe("rd-workday");
    expect(dayClass(day({ short: true }))).toBe("rd-weekend rd-short");
  });
  it("counts heads over shifts and shows the minimum when short", () => {
    expect(headsText(day({ heads: { E: 3, L: 2 }, required: 4 }))).toBe("5");
    expect(headsText(day({ heads: { E: 1 }, required: 3, short: true }))).toBe("1/3");
  });
});

describe("rotation and shift text", () => {
  it("round-trips codes with - for a day off", () => {
    expect(codesText(["E", "E", "", ""])).toBe("E E - -");
    expect(parseCodes("E E - -")).toEqual(["E", "E", "", ""]);
    expect(parseCodes(" E,L ，- ")).toEqual(["E", "L", ""]);
  });
  it("reads breaks and refuses what is not start-end", () => {
    expect(parseBreaks("12:00-13:00, 9:30 - 9:45")).toEqual([{ start: "12:00", end: "13:00" }, { start: "09:30", end: "09:45" }]);
    expect(parseBreaks("")).toEqual([]);
    expect(parseBreaks("noon")).toBeNull();
    expect(breaksText([{ start: "12:00", end: "13:00" }])).toBe("12:00-13:00");
  });
});

describe("desktop weeks", () => {
  it("finds the Monday and splits into weeks", () => {
    expect(mondayOf("2026-12-06")).toBe("2026-11-30");
    expect(mondayOf("2026-11-30")).toBe("2026-11-30");
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(weeks([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]).map((w) => w.length)).toEqual([7, 7]);
  });
  it("shows shift times in the centre's zone", () => {
    expect(clock("2026-12-01T00:30:00Z", "Asia/Shanghai")).toBe("08:30");
    expect(clock(undefined, "UTC")).toBe("");
  });
});
