import { describe, expect, it } from "vitest";
import {
  type QARate, type ReportRow, centreDay, evaluatorsOf, fill, fmtPct, fmtScore, pct2, reportMostFailed, presetRange, quotaShare, quotaText,
  rangeError, rateText, reportQuery, scoresByKey, sheetQuery, trendSeries,
} from "./reports_logic";

const rate = (numerator: number, denominator: number, denominator_name: string, percent?: number | null): QARate =>
  ({ numerator, denominator, denominator_name, percent: percent === undefined ? pct2(numerator, denominator) : percent, text: "" });

describe("rates", () => {
  it("two decimals, as metrics.md's worked figures", () => {
    expect(pct2(10, 433)).toBe(2.31);
    expect(fmtPct(pct2(10, 433), "n/a")).toBe("2.31 %");
    expect(pct2(743, 10000)).toBe(7.43);
    expect(pct2(1, 3)).toBe(33.33);
    expect(pct2(2, 3)).toBe(66.67);
    expect(pct2(0, 5)).toBe(0);
    expect(fmtPct(0, "n/a")).toBe("0.00 %");
  });
  it("n/a without a denominator, never 0 % or 100 %", () => {
    expect(pct2(0, 0)).toBeNull();
    expect(rateText(rate(0, 0, "decided disputes", null), "{p} of {n} {what}", "n/a")).toBe("n/a");
    expect(rateText(undefined, "{p} of {n} {what}", "n/a")).toBe("n/a");
  });
  it("names the denominator in the page's words", () => {
    expect(rateText(rate(10, 433, "evaluations"), "{p} of {n} {what}", "n/a")).toBe("2.31 % of 433 evaluations");
    expect(rateText(rate(52, 700, "non-fatal items"), "{p} of {n} {what}", "n/a")).toBe("7.43 % of 700 non-fatal items");
    expect(rateText(rate(10, 433, "evaluations"), "{p}（共 {n} {what}）", "不适用", { evaluations: "次评估" })).toBe("2.31 %（共 433 次评估）");
  });
  it("shows the server's percentage, not a recomputed one", () => {
    expect(rateText(rate(1, 3, "evaluations", 33.33), "{p} of {n} {what}", "n/a")).toBe("33.33 % of 3 evaluations");
  });
  it("scores and quotas", () => {
    expect(fmtScore(83.3333)).toBe("83.33");
    expect(fmtScore(null)).toBe("–");
    expect(quotaText(8, 10)).toBe("8 / 10");
    expect(quotaText(8, null)).toBe("8");
    expect(quotaShare(12, 10)).toBe(100);
    expect(quotaShare(3, 0)).toBeNull();
    expect(fill("{a} {b} {c}", { a: 1, b: "x" })).toBe("1 x {c}");
  });
});

describe("ranges and queries", () => {
  const wed = new Date("2026-11-18T23:30:00Z"); // a Wednesday (UTC)
  it("weekly and monthly reports cover whole UTC weeks from Monday and months", () => {
    expect(presetRange("this_week", wed)).toEqual({ from: "2026-11-16", to: "2026-11-22", period: "week" });
    expect(presetRange("last_week", wed)).toEqual({ from: "2026-11-09", to: "2026-11-15", period: "week" });
    expect(presetRange("this_month", wed)).toEqual({ from: "2026-11-01", to: "2026-11-30", period: "month" });
    expect(presetRange("last_month", new Date("2026-03-05T00:00:00Z"))).toEqual({ from: "2026-02-01", to: "2026-02-28", period: "month" });
    expect(presetRange("last_week", new Date("2026-11-16T08:00:00Z"))).toEqual({ from: "2026-11-09", to: "2026-11-15", period: "week" });
    expect(presetRange("last28", wed)).toEqual({ from: "2026-10-22", to: "2026-11-18", period: "day" });
  });
  it("takes the centre's calendar, not the browser's: 23:30 UTC Wednesday is Thursday in Shanghai", () => {
    expect(centreDay(wed, "Asia/Shanghai")).toBe("2026-11-19");
    expect(centreDay(wed, "America/New_York")).toBe("2026-11-18");
    expect(centreDay(wed, "Not/AZone")).toBe("2026-11-18");
    expect(presetRange("last28", wed, "Asia/Shanghai")).toEqual({ from: "2026-10-23", to: "2026-11-19", period: "day" });
    expect(presetRange("this_month", new Date("2026-11-30T17:00:00Z"), "Asia/Shanghai")).toEqual({ from: "2026-12-01", to: "2026-12-31", period: "month" });
  });
  it("the API's to is the day after the last day shown", () => {
    expect(reportQuery("queue", "week", "2026-11-01", "2026-11-30")).toBe("group=queue&period=week&from=2026-11-01&to=2026-12-01");
    expect(reportQuery("all", "month", "2026-12-01", "2026-12-31")).toBe("group=all&period=month&from=2026-12-01&to=2027-01-01");
  });
  it("refuses an empty or reversed range by field", () => {
    expect(rangeError("", "2026-11-02")).toBe("from");
    expect(rangeError("2026-11-03", "2026-11-02")).toBe("to");
    expect(rangeError("2026-11-02", "2026-11-02")).toBeNull();
  });
  it("score sheet queries", () => {
    expect(sheetQuery("2026-11-18")).toBe("day=2026-11-18");
    expect(sheetQuery("2026-11-18", "team-a", "lee")).toBe("team=team-a&day=2026-11-18&lead=lee");
    expect(evaluatorsOf([{ evaluator: "z" }, { evaluator: "a" }, { evaluator: "z" }] as any)).toEqual(["a", "z"]);
  });
});

describe("shaping", () => {
  const row = (items: [string, number][]): ReportRow => ({
    key: "k", period: "2026-11-16", evaluations: 1, quota: null, avg_score: 1, fatal_rate: rate(0, 1, "evaluations"),
    non_fatal_rate: rate(0, 1, "non-fatal items"), top_failed_items: items.map(([id, count]) => ({ item_id: id, text: id.toUpperCase(), count })),
    disputed: 0, dispute_rate: rate(0, 1, "evaluations"), decided: 0, overturned: 0, overturn_rate: rate(0, 0, "decided disputes"),
  });
  it("shows the report's own most-failed list, not the rows' top fives added up", () => {
    const rep = { group: "agent", period: "week", from: "", to: "", trend: [], rows: [row([["greet", 2]])],
      top_failed_items: [{ item_id: "tone", text: "Tone", count: 9 }] };
    expect(reportMostFailed(rep)).toEqual([{ item_id: "tone", text: "Tone", count: 9 }]);
    expect(reportMostFailed({ ...rep, top_failed_items: undefined })).toEqual([]);
  });
  it("trend columns for uPlot, by period", () => {
    expect(trendSeries([
      { period: "2026-11-17", evaluations: 1, avg_score: 50, fatal_rate: 100, non_fatal_rate: null },
      { period: "2026-11-16", evaluations: 2, avg_score: 75.5, fatal_rate: 0, non_fatal_rate: 7.43 },
    ])).toEqual([[Date.UTC(2026, 10, 16) / 1000, Date.UTC(2026, 10, 17) / 1000], [75.5, 50], [0, 100], [7.43, null]]);
  });
});

describe("scoresByKey", () => {
  const rate = { percent: null, numerator: 0, denominator: 0, denominator_name: "evaluations", text: "" };
  const row = (key: string, period: string, evaluations: number, avg: number | null): ReportRow => ({
    key, period, evaluations, quota: null, avg_score: avg, fatal_rate: rate, non_fatal_rate: rate, top_failed_items: [],
    disputed: 0, dispute_rate: rate, decided: 0, overturned: 0, overturn_rate: rate,
  });
  it("weights each period's average by its evaluations, most evaluated first", () => {
    expect(scoresByKey([row("ana", "2026-11-01", 1, 100), row("ben", "2026-11-01", 1, 50), row("ana", "2026-11-02", 3, 60), row("cy", "2026-11-02", 0, null)])).toEqual([
      { key: "ana", evaluations: 4, avg: 70 },
      { key: "ben", evaluations: 1, avg: 50 },
      { key: "cy", evaluations: 0, avg: null },
    ]);
  });
});
