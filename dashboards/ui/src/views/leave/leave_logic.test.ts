import { describe, expect, it } from "vitest";
import { calendarDays, chainFor, perTypeRows, stepStatus, weekdays, withPerType, type LeavePolicy } from "./leave_logic";

const policy: LeavePolicy = {
  steps: [
    { min_days: 0, chain: ["team_lead", "supervisor"] },
    { min_days: 2, chain: ["team_lead", "supervisor", "operations_manager"] },
    { types: ["marriage"], min_days: 0, chain: ["operations_manager"] },
  ],
  ahead_days: { personal: 2 },
  attachment_from_days: { sick: 1 },
};

describe("leave days", () => {
  it("counts calendar days and weekdays, both ends included", () => {
    expect(calendarDays("2026-12-07", "2026-12-08")).toBe(2);
    expect(calendarDays("2026-12-08", "2026-12-07")).toBe(0);
    expect(weekdays("2026-12-04", "2026-12-07")).toBe(2); // Friday to Monday
  });
});

describe("chainFor", () => {
  it("picks by length, and a type's own rule first", () => {
    expect(chainFor(policy, "sick", 1.5)).toEqual(["team_lead", "supervisor"]);
    expect(chainFor(policy, "sick", 2)).toEqual(["team_lead", "supervisor", "operations_manager"]);
    expect(chainFor(policy, "marriage", 3)).toEqual(["operations_manager"]);
  });
});

describe("stepStatus", () => {
  it("marks decided, current, rejected and later steps", () => {
    const r = { status: "pending", step: 1, chain: ["team_lead", "supervisor", "operations_manager"] };
    expect([0, 1, 2].map((i) => stepStatus(r, i))).toEqual(["success", "process", "wait"]);
    expect(stepStatus({ ...r, status: "rejected" }, 1)).toBe("error");
    expect(stepStatus({ ...r, status: "approved", step: 3 }, 2)).toBe("success");
  });
});

describe("per-type rows", () => {
  it("round-trip, and an emptied value drops the rule", () => {
    const rows = perTypeRows(policy);
    expect(rows.find((r) => r.type === "personal")?.ahead).toBe(2);
    rows.find((r) => r.type === "sick")!.attach = null;
    rows.find((r) => r.type === "annual")!.ahead = 7;
    const p = withPerType(policy, rows);
    expect(p.ahead_days).toEqual({ personal: 2, annual: 7 });
    expect(p.attachment_from_days).toEqual({});
    expect(p.steps[2]).toEqual({ types: ["marriage"], min_days: 0, chain: ["operations_manager"] });
    expect(p.steps[0]).toEqual({ min_days: 0, chain: ["team_lead", "supervisor"] });
  });
});
