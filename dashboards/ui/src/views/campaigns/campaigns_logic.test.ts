import { describe, expect, it } from "vitest";
import { dncSource, guessRoles, insertAt, leadsLeft, mappingOf, minutesToNs, nsToMinutes, renderScript, toggleDay, uncoveredDays } from "./campaigns_logic";

describe("column mapping", () => {
  it("guesses phone, name and zone from Chinese and English headers, the rest custom fields", () => {
    expect(guessRoles(["客户姓名", "手机号码", "车牌号", "保单到期", ""])).toEqual(["name", "phone", "field", "field", "skip"]);
    expect(guessRoles(["Mobile", "Name", "TZ", "Phone 2"])).toEqual(["phone", "name", "time_zone", "field"]);
  });
  it("builds the mapping and refuses one without a phone or with two", () => {
    const h = ["客户姓名", "手机号码", "车牌号"];
    expect(mappingOf(h, ["name", "phone", "field"]).mapping).toEqual({ phone: "手机号码", name: "客户姓名", fields: ["车牌号"] });
    expect(mappingOf(h, ["name", "field", "skip"]).error).toBe("camp.map.need_phone");
    expect(mappingOf(h, ["phone", "phone", "skip"]).error).toBe("camp.map.one_each");
    expect(guessRoles(["手机", "归属坐席", "Owner"])).toEqual(["phone", "owner", "field"]);
    expect(mappingOf(["手机", "归属坐席"], ["phone", "owner"]).mapping).toEqual({ phone: "手机", owner: "归属坐席", fields: [] });
    expect(mappingOf(["a", "b", "c"], ["phone", "owner", "owner"]).error).toBe("camp.map.one_each");
  });
});

describe("windows and waits", () => {
  it("toggles days, sorted, and finds days without a window", () => {
    expect(toggleDay([1, 3], 2)).toEqual([1, 2, 3]);
    expect(toggleDay([1, 2, 3], 2)).toEqual([1, 3]);
    expect(uncoveredDays([{ days: [1, 2, 3, 4, 5] }, { days: [6] }])).toEqual([0]);
  });
  it("converts Go durations and minutes", () => {
    expect(nsToMinutes(2 * 3600e9)).toBe(120);
    expect(minutesToNs(10)).toBe(600e9);
    expect(nsToMinutes(undefined)).toBe(0);
  });
});

describe("script and lists", () => {
  it("renders fields and shows missing ones", () => {
    expect(renderScript("您好{{name}}，车牌{{ 车牌号 }}，{{到期}}", { name: "王芳", 车牌号: "沪A12345" })).toBe("您好王芳，车牌沪A12345，【到期】");
    expect(insertAt("ab", 1, "{{x}}")).toBe("a{{x}}b");
    expect(insertAt("ab", null, "{{x}}")).toBe("ab{{x}}");
  });
  it("counts leads left and reads do-not-call sources", () => {
    expect(leadsLeft({ new: 5, scheduled: 2, done: 9, callback: 1 })).toBe(8);
    expect(dncSource("manual")).toEqual({ kind: "manual", ref: "" });
    expect(dncSource("attempt:42")).toEqual({ kind: "disposition", ref: "42" });
  });
});
