import { describe, expect, it } from "vitest";
import { addDays, heatSource, mayPlan, reforecastCell, nowSlot, pct, shownSlots, slotLabel, todayIn, weekCells, weekTotals, weekdayOf, type WeekAnswer } from "./forecast_logic";

describe("forecast logic", () => {
  it("labels slots", () => {
    expect(slotLabel(0, 30)).toBe("00:00");
    expect(slotLabel(19, 30)).toBe("09:30");
    expect(slotLabel(37, 15)).toBe("09:15");
  });
  it("shows the busy hours with an hour either side", () => {
    const busy = (s: number) => s >= 18 && s <= 21; // 09:00–11:00 in half hours
    expect(shownSlots(30, busy)).toEqual([16, 24]); // 08:00–12:00
    expect(shownSlots(30, () => false)).toEqual([16, 40]);
    expect(shownSlots(30, (s) => s === 0 || s === 47)).toEqual([0, 48]);
    expect(shownSlots(15, (s) => s === 37)).toEqual([32, 44]); // 09:15 → 08:00–11:00
  });
  it("builds a symmetric heatmap and day totals", () => {
    const w: WeekAnswer = {
      queue: "q", from: "2026-12-07", to: "2026-12-08", interval: 30,
      days: [
        { day: "2026-12-07", method: "same_weekday", basis: [], slots: [{ slot: 0, required: 3, scheduled: 5, rostered: 2, gap: 3 }, { slot: 1, required: null, scheduled: 0, rostered: 4, gap: -4 }] },
        { day: "2026-12-08", method: "same_weekday", basis: [], slots: [{ slot: 0, required: 1, scheduled: 2, rostered: 2, gap: 0 }, { slot: 1, required: 1, scheduled: 2, rostered: 1, gap: 1 }] },
      ],
    };
    const { cells, extent } = weekCells(w, 0, 2);
    expect(cells).toEqual([[0, 0, 3], [1, 0, -4], [0, 1, 0], [1, 1, 1]]);
    expect(extent).toBe(4);
    expect(weekTotals(w.days[0])).toEqual({ shortSlots: 1, missing: 3, overSlots: 1 });
  });
  it("says which forecast today's heatmap row is", () => {
    const day = (d: string, from?: number) => ({ day: d, method: "same_weekday", basis: [], slots: [], reforecast_from: from });
    const w: WeekAnswer = { queue: "q", from: "2026-12-04", to: "2026-12-05", interval: 30, intraday: true, today: "2026-12-04", days: [day("2026-12-04", 21), day("2026-12-05")] };
    expect(heatSource(w)).toEqual({ kind: "intraday", day: "2026-12-04", from: 21 });
    expect(reforecastCell(w, 0, 20)).toBe(false); // done: the actuals
    expect(reforecastCell(w, 0, 21)).toBe(true); // running now: re-forecast
    expect(reforecastCell(w, 0, 40)).toBe(true);
    expect(reforecastCell(w, 1, 40)).toBe(false); // tomorrow: the forecast
    const morning: WeekAnswer = { ...w, intraday: false, days: [day("2026-12-04"), day("2026-12-05")] };
    expect(heatSource(morning)).toEqual({ kind: "morning", day: "2026-12-04" });
    expect(reforecastCell(morning, 0, 40)).toBe(false);
    expect(heatSource({ ...w, today: "2026-12-03" })).toEqual({ kind: "none" });
  });
  it("formats and dates", () => {
    expect(pct(0.1234, "—")).toBe("12.3 %");
    expect(pct(null, "—")).toBe("—");
    expect(weekdayOf("2026-12-07")).toBe(1);
    expect(weekdayOf("2026-12-06")).toBe(7);
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(todayIn("Asia/Shanghai", new Date("2026-12-04T17:00:00Z"))).toBe("2026-12-05");
    expect(mayPlan("supervisor")).toBe(true);
    expect(mayPlan("team_lead")).toBe(false);
    expect(nowSlot("Asia/Shanghai", 30, new Date("2026-12-04T02:45:00Z"))).toBe(21); // 10:45
    expect(nowSlot("UTC", 15, new Date("2026-12-04T00:14:59Z"))).toBe(0);
  });
});
