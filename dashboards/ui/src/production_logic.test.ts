import { describe, expect, it } from "vitest";
import {
  callsLink, columnsOf, drillDown, exportLink, figureValue, fmtDur, fmtPct, heatmap, presetRange, reportQuery, rowTime, verdict,
} from "./production_logic";

describe("reportQuery", () => {
  it("writes only what is set; business hours and weekdays in the API's form", () => {
    expect(reportQuery({ from: "2026-12-01", to: "2026-12-03", interval: "60m", group: "none" })).toBe("from=2026-12-01&to=2026-12-03&interval=60m");
    expect(
      reportQuery({ from: "2026-12-01", to: "2026-12-03", interval: "day", group: "team", project: "acme", hours: ["08:00", "20:00"], weekdays: [5, 1, 2, 3, 4, 4] }),
    ).toBe("from=2026-12-01&to=2026-12-03&interval=day&group=team&project=acme&hours=08%3A00-20%3A00&weekdays=1%2C2%2C3%2C4%2C5");
    // all seven days is no filter
    expect(reportQuery({ from: "a", to: "b", interval: "day", group: "agent", weekdays: [1, 2, 3, 4, 5, 6, 7] })).toBe("from=a&to=b&interval=day&group=agent");
  });
  it("links the exports in the reader's language", () => {
    expect(exportLink("from=a", "xlsx", "zh-CN")).toBe("/api/v1/reports/production?from=a&format=xlsx&lang=zh-CN");
  });
});

describe("presetRange", () => {
  // Friday 2026-12-04 01:30 in Shanghai is still Thursday in UTC
  const now = new Date("2026-12-03T17:30:00Z");
  it("counts days in the centre's zone", () => {
    expect(presetRange("today", now, "Asia/Shanghai")).toEqual({ from: "2026-12-04", to: "2026-12-04", interval: "60m" });
    expect(presetRange("today", now, "UTC")).toEqual({ from: "2026-12-03", to: "2026-12-03", interval: "60m" });
    expect(presetRange("yesterday", now, "Asia/Shanghai").from).toBe("2026-12-03");
  });
  it("weeks start on Monday; months by the calendar", () => {
    expect(presetRange("this_week", now, "Asia/Shanghai")).toEqual({ from: "2026-11-30", to: "2026-12-04", interval: "day" });
    expect(presetRange("last_week", now, "Asia/Shanghai")).toEqual({ from: "2026-11-23", to: "2026-11-29", interval: "day" });
    expect(presetRange("this_month", now, "Asia/Shanghai")).toEqual({ from: "2026-12-01", to: "2026-12-04", interval: "day" });
    expect(presetRange("last_month", now, "Asia/Shanghai")).toEqual({ from: "2026-11-01", to: "2026-11-30", interval: "day" });
    expect(presetRange("last_month", new Date("2026-03-10T12:00:00Z"), "UTC")).toEqual({ from: "2026-02-01", to: "2026-02-28", interval: "day" });
    expect(presetRange("last7", now, "Asia/Shanghai").from).toBe("2026-11-28");
  });
});

describe("drillDown", () => {
  it("goes project → team → agent → calls, keeping the filters above", () => {
    const p = drillDown({ group: "project", filters: {}, label: "" }, "acme", "Acme");
    expect(p).toEqual({ group: "team", filters: { project: "acme" }, label: "Acme" });
    const t = drillDown(p as never, "red", "Red");
    expect(t).toEqual({ group: "agent", filters: { project: "acme", team: "red" }, label: "Red" });
    expect(drillDown(t as never, "1001", "Ann")).toBe("calls");
    expect(drillDown({ group: "queue", filters: {}, label: "" }, "sales", "sales")).toEqual({ group: "agent", filters: { queue: "sales" }, label: "sales" });
    expect(drillDown({ group: "none", filters: {}, label: "" }, "", "")).toBeNull();
  });
  it("links an agent's calls over the report's days", () => {
    expect(callsLink("2026-12-01", "2026-12-03", { agent: "1001", team: "red" })).toBe("/calls?from=2026-12-01&to=2026-12-03&agent=1001");
  });
});

describe("heatmap", () => {
  it("sums an additive figure by weekday and hour of the centre's clock", () => {
    const rows = [
      { key: "", start: "2026-11-30T01:00:00Z", figures: { offered: 3 } }, // Monday 09:00 in Shanghai
      { key: "", start: "2026-12-07T01:00:00Z", figures: { offered: 4 } }, // next Monday 09:00
      { key: "", start: "2026-12-05T14:00:00Z", figures: { offered: 1 } }, // Saturday 22:00
      { key: "", start: "2026-12-05T15:00:00Z", figures: { offered: null } },
    ];
    expect(heatmap(rows, "offered", "Asia/Shanghai")).toEqual({ cells: [[9, 0, 7], [22, 5, 1]], max: 7 });
  });
});

describe("figures", () => {
  it("formats rates, durations and missing values", () => {
    expect(fmtPct(0.8046, "–")).toBe("80.5%");
    expect(fmtPct(null, "–")).toBe("–");
    expect(fmtDur(186, "–")).toBe("3:06");
    expect(fmtDur(3725, "–")).toBe("1:02:05");
    expect(fmtDur(undefined, "–")).toBe("–");
  });
  it("judges figures against targets (daily targets only per day)", () => {
    const t = { service_level: 0.8, aht_s: 186, connect_rate: 0.35, occupancy_min: 0.75, occupancy_max: 0.9, daily_dials: 8000 };
    expect(verdict("service_level", { service_level: 0.81 }, t, "day")).toBe("ok");
    expect(verdict("service_level", { service_level: 0.79 }, t, "day")).toBe("bad");
    expect(verdict("aht_s", { aht_s: 200 }, t, "day")).toBe("bad");
    expect(verdict("occupancy", { occupancy: 0.95 }, t, "day")).toBe("bad");
    expect(verdict("occupancy", { occupancy: 0.8 }, t, "day")).toBe("ok");
    expect(verdict("outbound_dials", { outbound_dials: 8100 }, t, "day")).toBe("ok");
    expect(verdict("outbound_dials", { outbound_dials: 100 }, t, "60m")).toBe("");
    expect(verdict("service_level", { service_level: 0.5 }, null, "day")).toBe("");
    expect(verdict("service_level", { service_level: null }, t, "day")).toBe("");
  });
  it("adds up paused time by reason when there is no total", () => {
    expect(figureValue({ paused_s_by_reason: { lunch: 1800, break: 600 } }, "paused_s")).toBe(2400);
    expect(figureValue({ offered: 3 }, "answered")).toBeNull();
  });
  it("lists each column once in the 'all' view", () => {
    const all = columnsOf("all").map((c) => c.figure);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toContain("connect_rate_numbers");
  });
});

describe("rowTime", () => {
  const r = (start: string) => ({ key: "", start, figures: {} });
  it("writes the interval on the centre's clock", () => {
    expect(rowTime(r("2026-12-04T01:15:00Z"), "15m", "Asia/Shanghai")).toBe("2026-12-04 09:15");
    expect(rowTime(r("2026-12-03T16:00:00Z"), "day", "Asia/Shanghai")).toBe("2026-12-04");
    expect(rowTime(r("2026-11-30T16:00:00Z"), "month", "Asia/Shanghai")).toBe("2026-12");
    expect(rowTime(r("2026-11-29T16:00:00Z"), "week", "Asia/Shanghai")).toBe("2026-W49");
    expect(rowTime(r("2027-01-03T12:00:00Z"), "week", "UTC")).toBe("2026-W53");
    expect(rowTime(r("2026-12-04T01:15:00Z"), "range", "UTC")).toBe("");
  });
});
