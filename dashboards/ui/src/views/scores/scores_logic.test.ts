import { describe, expect, it } from "vitest";
import { actionsFor, detailKey, evidenceLink, lastDay, periods, prevMonth, yuan } from "./scores_logic";

describe("scores logic", () => {
  it("links evidence to the page that shows it", () => {
    expect(evidenceLink("aht:2026-11", "1001", "2026-11")).toBe("/calls?agent=1001&from=2026-11-01&to=2026-11-30");
    expect(evidenceLink("late:2026-11-05", "1001", "2026-11")).toBe("/attendance?agent=1001&day=2026-11-05");
    expect(evidenceLink("eval:42", "1001", "2026-11")).toBe("/qa/reports?agent=1001&evaluation=42");
    expect(evidenceLink("exam:2026-11", "1001", "2026-11")).toBe("/scores?tab=exams&month=2026-11");
    expect(evidenceLink("conduct:2026-11:0", "1001", "2026-11")).toBe("");
    expect(evidenceLink("day:soon", "1001", "2026-11")).toBe("");
  });
  it("offers each role its steps", () => {
    const s = { agent: "1001", team: "red", status: "draft" };
    expect(actionsFor({ role: "project_manager" }, s)).toEqual(["review"]);
    expect(actionsFor({ role: "team_lead", team_id: "red" }, s)).toEqual([]);
    expect(actionsFor({ role: "operations_manager" }, { ...s, status: "reviewed" })).toEqual(["approve", "return"]);
    expect(actionsFor({ role: "agent", agent_id: "1001" }, { ...s, status: "approved" })).toEqual(["acknowledge", "dispute"]);
    expect(actionsFor({ role: "agent", agent_id: "1002" }, { ...s, status: "approved" })).toEqual([]);
    expect(actionsFor({ role: "team_lead", team_id: "red" }, { ...s, status: "disputed" })).toEqual(["uphold", "reject"]);
    expect(actionsFor({ role: "team_lead", team_id: "blue" }, { ...s, status: "disputed" })).toEqual([]);
  });
  it("months, periods, money", () => {
    expect(lastDay("2026-02")).toBe("2026-02-28");
    expect(prevMonth("2026-01")).toBe("2025-12");
    expect(periods("2026-11")).toEqual(["2026-H2", "2026", "2026-11", "2026-H1"]);
    expect(yuan(37250, "en")).toBe("372.50");
  });
  it("reads the computed lines' details for the catalogue", () => {
    expect(detailKey({ cause: "exam", detail: "72.0 against a pass mark of 80.0: 2 × 5 points below" })).toEqual({ key: "scores.detail.exam", params: { value: "72.0", mark: "80.0", n: "2", step: "5" } });
    expect(detailKey({ cause: "late", detail: "2026-11-02 20 min" })).toEqual({ key: "scores.detail.late", params: { day: "2026-11-02", min: "20" } });
    expect(detailKey({ cause: "leave", detail: "2026-11-03 sick" })).toEqual({ key: "scores.detail.leave", params: { day: "2026-11-03", type: "sick" } });
    expect(detailKey({ cause: "aht", detail: "AHT 220 s, limit 180 s: 1 min over" })).toEqual({ key: "scores.detail.aht", params: { aht: "220", limit: "180", n: "1" } });
    expect(detailKey({ cause: "accuracy", detail: "87.50 % against 97.00 %: 10 points below" })?.params.n).toBe("10");
    expect(detailKey({ cause: "conduct", detail: "工牌未佩戴" })).toBeNull();
  });
});
