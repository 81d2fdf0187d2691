import { describe, expect, it } from "vitest";
import { dictionaries, pickLang, translate } from "./i18n";
import { errorMessage } from "./api";

describe("pickLang", () => {
  it("takes the stored choice first", () => {
    expect(pickLang(["en-US"], "zh-CN")).toBe("zh-CN");
    expect(pickLang(["zh-CN"], "en")).toBe("en");
  });
  it("ignores an unknown stored value", () => {
    expect(pickLang(["zh-Hans-CN"], "fr")).toBe("zh-CN");
  });
  it("follows the browser's order", () => {
    expect(pickLang(["fr-FR", "zh-TW", "en"], null)).toBe("zh-CN");
    expect(pickLang(["de", "en-GB", "zh"], null)).toBe("en");
  });
  it("falls back to English", () => {
    expect(pickLang(["fr", "de"], null)).toBe("en");
    expect(pickLang(undefined, null)).toBe("en");
  });
});

describe("translate", () => {
  it("looks keys up and fills placeholders", () => {
    expect(translate("en", "login.ratelimited", { n: 42 })).toBe("Too many attempts, try again in 42 s.");
    expect(translate("zh-CN", "login.ratelimited", { n: 42 })).toBe("尝试次数过多，请 42 秒后再试。");
    expect(translate("zh-CN", "state.paused")).toBe("暂停");
  });
  it("leaves unknown placeholders and keys visible", () => {
    expect(translate("en", "wall.alert", { queue: "sales" })).toBe("sales is red: {reason}");
    expect(translate("en", "no.such.key")).toBe("no.such.key");
  });
  it("has every English string in Chinese, translated", () => {
    const en = dictionaries.en as Record<string, string>;
    const zh = dictionaries["zh-CN"] as Record<string, string>;
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    const same = Object.keys(en).filter((k) => en[k] === zh[k] && !["app.name", "na"].includes(k));
    expect(same).toEqual([]);
  });
});

describe("errorMessage", () => {
  it("says the database is down in the user's language", () => {
    expect(errorMessage("unavailable", "the database (PostgreSQL) is unavailable", "zh-CN")).toBe(translate("zh-CN", "error.unavailable"));
    expect(errorMessage("unavailable", "x", "en")).toContain("database is unavailable");
    expect(errorMessage("invalid", "name: required", "zh-CN")).toBe("name: required");
  });
});
