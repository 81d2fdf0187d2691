import { describe, expect, it } from "vitest";
import { actionsFor, evidenceLink, lastDay, periods, prevMonth, yuan } from "./scores_logic";

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
});
