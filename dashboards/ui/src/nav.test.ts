import { describe, expect, it } from "vitest";
import { activeItem, buildNav, groupOf } from "./nav";
import type { Me } from "./types";

const me = (role: string, agent_id?: string, see_all = false): Me =>
  ({ user: { id: 1, username: "u", display_name: "U", role, agent_id }, via: "session", permissions: { see_all, configure: false } }) as unknown as Me;
const ids = (m: Me, calib = false, leave = 0) => buildNav(m, calib, leave).flatMap((g) => g.items.map((i) => i.id));
const keys = (m: Me) => buildNav(m, false, 0).map((g) => g.key);

describe("buildNav", () => {
  it("an agent: the floor, their evaluations, the reports they may read and their leave", () => {
    expect(keys(me("agent", "1001"))).toEqual(["floor", "qa", "reports", "workforce"]);
    expect(ids(me("agent", "1001"))).toEqual([
      "nav-desktop", "nav-calls", "nav-customers", "nav-kb", "nav-callbacks", "nav-tickets",
      "nav-qa-mine", "nav-outbound", "nav-surveys", "nav-scores", "nav-leave",
    ]);
  });
  it("a team lead: no administration, the score sheets and disputes, campaigns but no DNC list", () => {
    const got = ids(me("team_lead", undefined, false));
    for (const id of ["nav-wallboard", "nav-qa-disputes", "nav-qa-score-sheet", "nav-qa-score-sheets", "nav-daily", "nav-roster", "nav-attendance", "nav-forecast", "nav-campaigns"]) expect(got).toContain(id);
    for (const id of ["nav-admin", "nav-dnc", "nav-bulletins", "nav-desktop", "nav-qa-scorecards", "nav-ticket-settings"]) expect(got).not.toContain(id);
  });
  it("an admin: every group, the administration last", () => {
    expect(keys(me("admin", undefined, true))).toEqual(["floor", "qa", "reports", "workforce", "outbound", "manage"]);
    expect(buildNav(me("admin", undefined, true), true, 0).at(-1)!.items.map((i) => i.id)).toEqual(["nav-admin", "nav-bulletins", "nav-ticket-settings"]);
    expect(ids(me("admin", undefined, true), true)).toContain("nav-qa-calibrations");
    expect(ids(me("admin", undefined, true), false)).not.toContain("nav-qa-calibrations");
  });
  it("a trainer reads no production, outbound or satisfaction report", () => {
    const got = ids(me("trainer"));
    for (const id of ["nav-production", "nav-outbound", "nav-surveys"]) expect(got).not.toContain(id);
    expect(got).toContain("nav-scores");
  });
  it("the leave inbox's count: on the entry and summed on its group's title", () => {
    const g = buildNav(me("supervisor"), false, 3).find((x) => x.key === "workforce")!;
    expect(g.items.find((i) => i.id === "nav-leave")!.badge).toBe(3);
    expect(g.badge).toBe(3);
    expect(buildNav(me("supervisor"), false, 0).every((x) => x.badge === 0)).toBe(true);
  });
  it("nobody signed in: no navigation", () => expect(buildNav(null, false, 0)).toEqual([]));
});

describe("activeItem and groupOf", () => {
  const groups = buildNav(me("admin", undefined, true), true, 0);
  it("the longest entry that prefixes the page's path", () => {
    expect(activeItem(groups, "/tickets/settings")).toBe("/tickets/settings");
    expect(activeItem(groups, "/tickets/42")).toBe("/tickets");
    expect(activeItem(groups, "/qa/score-sheets")).toBe("/qa/score-sheets");
    expect(activeItem(groups, "/reports/daily")).toBe("/reports/daily");
    expect(activeItem(groups, "/nowhere")).toBe("");
  });
  it("the group of the page on screen", () => {
    expect(groupOf(groups, "/tickets/settings")).toBe("manage");
    expect(groupOf(groups, "/leave")).toBe("workforce");
    expect(groupOf(groups, "/dnc")).toBe("outbound");
    expect(groupOf(groups, "")).toBe("");
  });
});
