import { describe, expect, it } from "vitest";
import { formatAHT, parseAHT, targetsBody, targetsForm, targetsSummary } from "./projects_logic";

describe("targets form", () => {
  it("reads AHT as seconds or m:ss and shows m:ss", () => {
    expect(parseAHT("186")).toBe(186);
    expect(parseAHT("3:06")).toBe(186);
    expect(parseAHT(" ")).toBeNull();
    expect(parseAHT("3:75")).toBeNaN();
    expect(parseAHT("abc")).toBeNaN();
    expect(formatAHT(186)).toBe("3:06");
    expect(formatAHT(null)).toBe("");
  });
  it("turns percents into fractions and back", () => {
    const f = { sl: "80", aht: "3:06", connect: "35", occMin: "75", occMax: "90", dials: "8000", talk: "18000" };
    const { body, error } = targetsBody(f);
    expect(error).toBeUndefined();
    expect(body).toEqual({ service_level: 0.8, aht_s: 186, connect_rate: 0.35, occupancy_min: 0.75, occupancy_max: 0.9, daily_dials: 8000, daily_talk_minutes: 18000 });
    expect(targetsForm(body)).toEqual(f);
  });
  it("leaves empty fields without a target", () => {
    const { body } = targetsBody({ sl: "", aht: "", connect: "", occMin: "", occMax: "", dials: "", talk: "" });
    expect(body?.service_level).toBeNull();
    expect(body?.aht_s).toBeNull();
  });
  it("names the field at fault", () => {
    const base = { sl: "", aht: "", connect: "", occMin: "", occMax: "", dials: "", talk: "" };
    expect(targetsBody({ ...base, sl: "120" }).error).toEqual({ field: "sl", key: "proj.err.percent" });
    expect(targetsBody({ ...base, aht: "0" }).error).toEqual({ field: "aht", key: "proj.err.aht" });
    expect(targetsBody({ ...base, dials: "-3" }).error).toEqual({ field: "dials", key: "proj.err.count" });
    expect(targetsBody({ ...base, occMin: "90", occMax: "75" }).error).toEqual({ field: "occMin", key: "proj.err.band" });
  });
  it("summarises targets in one line", () => {
    const { body } = targetsBody({ sl: "80", aht: "186", connect: "", occMin: "75", occMax: "90", dials: "", talk: "" });
    expect(targetsSummary(body, (k) => k.toUpperCase())).toBe("SL 80 % · AHT 3:06 · OCC 75–90 %");
  });
});
