// The pages that open on "today" (score sheet, score-sheet inbox, daily report, calls, leave,
// attendance, roster, scores, tickets, forecast, holiday year) take the centre's day from /me's
// time_zone, not the browser's or UTC's: at a fixed clock on a browser in UTC.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { centreDay, centreMonth, centreToday, centreYear } from "./reports_logic";
import { todayIn } from "./forecast_logic";

describe("the centre's today at a fixed clock", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("01:00 UTC on 5 December is 5 December in Shanghai (09:00) and in UTC", () => {
    vi.setSystemTime(new Date("2026-12-05T01:00:00Z"));
    expect(centreToday("Asia/Shanghai")).toBe("2026-12-05");
    expect(centreToday("UTC")).toBe("2026-12-05");
    expect(todayIn("Asia/Shanghai")).toBe("2026-12-05");
  });
  it("20:00 UTC on 4 December is already 5 December in Shanghai (04:00)", () => {
    vi.setSystemTime(new Date("2026-12-04T20:00:00Z"));
    expect(centreToday("Asia/Shanghai")).toBe("2026-12-05");
    expect(centreToday("UTC")).toBe("2026-12-04");
    expect(todayIn("Asia/Shanghai")).toBe("2026-12-05");
    expect(centreToday("America/New_York")).toBe("2026-12-04");
  });
  it("the edges of the Shanghai day: 15:59:59 and 16:00 UTC", () => {
    expect(centreDay(new Date("2026-12-04T15:59:59Z"), "Asia/Shanghai")).toBe("2026-12-04");
    expect(centreDay(new Date("2026-12-04T16:00:00Z"), "Asia/Shanghai")).toBe("2026-12-05");
  });
  it("month and year roll over with the centre's day", () => {
    vi.setSystemTime(new Date("2026-12-31T17:00:00Z"));
    expect(centreMonth("Asia/Shanghai")).toBe("2027-01");
    expect(centreYear("Asia/Shanghai")).toBe(2027);
    expect(centreMonth("UTC")).toBe("2026-12");
    expect(centreYear()).toBe(2026);
  });
  it("no zone, an empty one or an unknown one: UTC's day", () => {
    vi.setSystemTime(new Date("2026-12-04T20:00:00Z"));
    expect(centreToday()).toBe("2026-12-04");
    expect(centreToday("")).toBe("2026-12-04");
    expect(centreToday("Not/AZone")).toBe("2026-12-04");
  });
});
