// The forecast and staffing page's pure logic (no DOM): slot labels, the hours worth showing,
// the week-ahead heatmap's cells, accuracy figures with their denominators.

import { centreDay } from "./reports_logic";

export interface ForecastSlot { slot: number; volume: number; aht_seconds: number }
export interface DayForecast { day: string; method: string; basis: string[]; slots: ForecastSlot[] }
export interface SlotFigures { offered: number; handled: number; sum_handle_ms: number }
export interface StaffingSlot {
  slot: number; volume: number; aht_seconds: number; traffic: number;
  erlang_c?: number; erlang_c_sl?: number; erlang_a?: number; erlang_a_sl?: number;
  scheduled: number; rostered: number;
}
export interface Accuracy { mape: number; mape_ok: boolean; mape_slots: number; wape: number; wape_ok: boolean; actual: number }
export interface ForecastAnswer {
  queue: string; day: string; interval: number; weeks: number; shrinkage: number; shrinkage_stored: boolean;
  shrinkage_source: "query" | "queue" | "default";
  forecast: DayForecast; reforecast?: DayForecast; actual?: SlotFigures[];
  accuracy?: Accuracy; accuracy_of?: { saved_at: string; method: string };
  patience_s: number | null; service_level_target: number; threshold_s: number;
  staffing: StaffingSlot[];
}
export interface WeekCell { slot: number; required: number | null; scheduled: number; rostered: number; gap: number }
export interface WeekDay { day: string; method: string; basis: string[]; slots: WeekCell[]; reforecast_from?: number }
export interface WeekAnswer { queue: string; from: string; to: string; interval: number; days: WeekDay[]; intraday?: boolean; today?: string }

// slotLabel is the interval's start, HH:MM.
export function slotLabel(slot: number, minutes: number): string {
  const m = slot * minutes;
  return String(Math.floor(m / 60)).padStart(2, "0") + ":" + String(m % 60).padStart(2, "0");
}

// shownSlots is the range of slots [from, to) worth drawing: from an hour before the first
// interval with calls, heads or a requirement to an hour after the last, whole hours; 08:00–20:00
// when nothing happens at all.
export function shownSlots(minutes: number, busy: (slot: number) => boolean, count = (24 * 60) / minutes): [number, number] {
  let first = -1;
  let last = -1;
  for (let s = 0; s < count; s++) {
    if (busy(s)) {
      if (first < 0) first = s;
      last = s;
    }
  }
  const perHour = 60 / minutes;
  if (first < 0) return [8 * perHour, 20 * perHour];
  const from = Math.max(0, (Math.floor(first / perHour) - 1) * perHour);
  const to = Math.min(count, (Math.floor(last / perHour) + 2) * perHour);
  return [from, to];
}

// dayBusy: a forecast answer's slot has forecast or actual calls, a requirement or heads.
export function dayBusy(a: ForecastAnswer): (s: number) => boolean {
  return (s) => {
    const st = a.staffing[s];
    return (a.forecast.slots[s]?.volume ?? 0) > 0 || (a.actual?.[s]?.offered ?? 0) > 0 || (st?.rostered ?? 0) > 0 || (a.reforecast?.slots[s]?.volume ?? 0) > 0;
  };
}

// weekBusy: a week answer's slot has a requirement or heads on any day.
export function weekBusy(w: WeekAnswer): (s: number) => boolean {
  return (s) => w.days.some((d) => (d.slots[s]?.scheduled ?? 0) > 0 || (d.slots[s]?.rostered ?? 0) > 0);
}

// weekCells are the heatmap's [x = slot − from, y = day index, gap] cells of the shown slots,
// and the largest |gap| (the colour scale is symmetric around 0).
export function weekCells(w: WeekAnswer, from: number, to: number): { cells: [number, number, number][]; extent: number } {
  const cells: [number, number, number][] = [];
  let extent = 0;
  w.days.forEach((d, y) => {
    for (let s = from; s < to; s++) {
      const g = d.slots[s]?.gap ?? 0;
      cells.push([s - from, y, g]);
      extent = Math.max(extent, Math.abs(g));
    }
  });
  return { cells, extent: Math.max(1, extent) };
}

// weekTotals: per day, the intervals short of heads and the head-intervals missing (Σ positive
// gaps), the figures the heatmap's tooltip and summary name.
export function weekTotals(d: WeekDay): { shortSlots: number; missing: number; overSlots: number } {
  let shortSlots = 0;
  let missing = 0;
  let overSlots = 0;
  for (const c of d.slots) {
    if (c.gap > 0) {
      shortSlots++;
      missing += c.gap;
    } else if (c.gap < 0) overSlots++;
  }
  return { shortSlots, missing, overSlots };
}

// pct formats a fraction as a percentage with one decimal.
export function pct(v: number | null | undefined, na: string): string {
  return v == null || !isFinite(v) ? na : (Math.round(v * 1000) / 10).toFixed(1) + " %";
}

// weekdayOf a YYYY-MM-DD day: 1 Monday … 7 Sunday.
export function weekdayOf(day: string): number {
  const [y, m, d] = day.split("-").map(Number);
  const wd = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return wd === 0 ? 7 : wd;
}

// addDays to a YYYY-MM-DD day.
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

// todayIn is the local day in the time zone.
export function todayIn(tz: string, now: Date = new Date()): string {
  return centreDay(now, tz);
}

// mayPlan: who saves forecasts and sets a queue's shrinkage (the API's rule).
export function mayPlan(role: string): boolean {
  return ["supervisor", "project_manager", "operations_manager", "admin"].includes(role);
}

// nowSlot is the interval of the day running now in the time zone (the actuals after it are not
// known yet: the chart leaves them out rather than drawing zeros).
export function nowSlot(tz: string, minutes: number, now: Date = new Date()): number {
  const f = new Intl.DateTimeFormat("en-GB", { timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const [h, m] = f.format(now).split(":").map(Number);
  return Math.floor((h * 60 + m) / minutes);
}

// HeatSource says what today's row of the heatmap is drawn from: "intraday" (the re-forecast
// from the morning's actuals, from interval `from` on; the intervals before it the actuals),
// "morning" (the forecast made from the history, the switch turned off) or "none" (today is not
// in the week shown: every row is the plain forecast).
export interface HeatSource { kind: "intraday" | "morning" | "none"; day?: string; from?: number }

export function heatSource(w: WeekAnswer): HeatSource {
  const today = w.days.find((d) => d.day === w.today);
  if (!today) return { kind: "none" };
  if (today.reforecast_from != null) return { kind: "intraday", day: today.day, from: today.reforecast_from };
  return { kind: "morning", day: today.day };
}

// reforecastCell: the heatmap's cell (day index y, slot) is the intraday re-forecast's.
export function reforecastCell(w: WeekAnswer, y: number, slot: number): boolean {
  const from = w.days[y]?.reforecast_from;
  return from != null && slot >= from;
}
