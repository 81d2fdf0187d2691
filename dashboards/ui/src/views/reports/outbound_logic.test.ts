import { describe, expect, it } from "vitest";
import { type OutLine, chartSeries, outboundLink, outboundQuery } from "./outbound_logic";

const line = (start: string, key: string, dials: number, connected: number): OutLine => ({
  key, label: key, start, end: start, targets: null,
  figures: { dials, connected } as OutLine["figures"],
});

describe("outbound report page", () => {
  it("builds the query without empty filters", () => {
    const q = outboundQuery({ from: "2026-12-01", to: "2026-12-04", interval: "day", group: "campaign", campaign: "renew", team: "" });
    expect(q).toBe("from=2026-12-01&to=2026-12-04&interval=day&group=campaign&campaign=renew");
    expect(outboundLink(q, "xlsx", "zh-CN")).toBe("/api/v1/reports/outbound?" + q + "&format=xlsx&lang=zh-CN");
  });
  it("adds the groups of an interval up for the chart, the rate from the sums", () => {
    const s = chartSeries([line("2026-12-02", "b", 10, 5), line("2026-12-01", "a", 4, 1), line("2026-12-02", "a", 30, 5), line("2026-12-03", "a", 0, 0)], (r) => r.start);
    expect(s.x).toEqual(["2026-12-01", "2026-12-02", "2026-12-03"]);
    expect(s.dials).toEqual([4, 40, 0]);
    expect(s.connected).toEqual([1, 10, 0]);
    expect(s.rate).toEqual([25, 25, null]);
  });
});
