// The side navigation's entries: who is offered which page (the same role rules as the API's),
// grouped as a call-centre floor works — serving calls, quality, reports, workforce, outbound
// and administration. App.vue shows each group as a collapsible sub-menu; the group of the
// page on screen is opened. Pure: the shell translates the label keys.

import { canEvaluate } from "./qalogic";
import { canReadPlans } from "./plans_access";
import { isApprover } from "./views/leave/leave_logic";
import type { Me } from "./types";

export interface NavItem { path: string; label: string; id: string; badge?: number }
export interface NavGroup { key: string; title: string; items: NavItem[]; badge: number }

export const NAV_GROUPS = ["floor", "qa", "reports", "workforce", "outbound", "manage"] as const;
export type NavGroupKey = (typeof NAV_GROUPS)[number];

const LEADS = ["team_lead", "project_manager", "supervisor", "operations_manager", "admin"];

// buildNav lists the groups offered to me (groups without an entry are left out). calib: the
// calibration pages are offered (calibrationNavVisible); leaveCount: the leave inbox's count.
export function buildNav(m: Me | null, calib: boolean, leaveCount: number): NavGroup[] {
  if (!m) return [];
  const r = m.user.role;
  const agent = !!m.user.agent_id;
  const g: Record<NavGroupKey, NavItem[]> = { floor: [], qa: [], reports: [], workforce: [], outbound: [], manage: [] };
  const add = (k: NavGroupKey, path: string, name: string, badge?: number) =>
    g[k].push({ path, label: "nav." + name, id: "nav-" + name.replace(/_/g, "-"), ...(badge ? { badge } : {}) });

  if (r !== "agent") add("floor", "/wallboard", "wallboard");
  if (agent) add("floor", "/desktop", "desktop");
  add("floor", "/calls", "calls");
  add("floor", "/customers", "customers");
  add("floor", "/kb", "kb"); // issue 14
  if (agent || r !== "agent") add("floor", "/callbacks", "callbacks");
  add("floor", "/tickets", "tickets");

  if (canEvaluate(r)) add("qa", "/qa", "qa");
  if (agent || r === "agent") add("qa", "/qa/mine", "qa_mine");
  if (r === "team_lead" || r === "operations_manager" || r === "admin") add("qa", "/qa/disputes", "qa_disputes");
  if (r !== "agent") add("qa", "/qa/reports", "qa_reports");
  // a project manager reads their projects' teams' sheets (no longer "see_all": issue 11)
  const sheets = r === "team_lead" || r === "project_manager" || !!m.permissions.see_all;
  if (sheets) add("qa", "/qa/score-sheet", "qa_score_sheet");
  if (sheets) add("qa", "/qa/score-sheets", "qa_score_sheets");
  if (r === "qa" || r === "operations_manager" || r === "admin") add("qa", "/qa/scorecards", "qa_scorecards");
  if (canReadPlans(r)) add("qa", "/qa/plans", "qa_plans");
  if (calib) add("qa", "/qa/calibrations", "qa_calibrations");

  if (r !== "agent" && r !== "trainer") add("reports", "/reports", "production");
  if (LEADS.includes(r)) add("reports", "/reports/daily", "daily");
  if (r !== "trainer") add("reports", "/reports/outbound", "outbound");
  if (r !== "trainer") add("reports", "/reports/surveys", "surveys");
  add("reports", "/scores", "scores");

  if (r !== "agent") add("workforce", "/roster", "roster");
  if (LEADS.includes(r)) add("workforce", "/attendance", "attendance");
  if (agent || isApprover(r)) add("workforce", "/leave", "leave", leaveCount);
  if (LEADS.includes(r)) add("workforce", "/forecast", "forecast");

  if (LEADS.includes(r)) add("outbound", "/campaigns", "campaigns");
  if (["project_manager", "supervisor", "operations_manager", "admin"].includes(r)) add("outbound", "/dnc", "dnc");

  if (r === "admin" || r === "operations_manager") add("manage", "/admin", "admin");
  if (["admin", "operations_manager", "supervisor", "project_manager"].includes(r)) add("manage", "/bulletins", "bulletins");
  if (r === "admin" || r === "operations_manager") add("manage", "/tickets/settings", "ticket_settings");

  return NAV_GROUPS.filter((k) => g[k].length > 0).map((k) => ({
    key: k, title: "nav.group." + k, items: g[k], badge: g[k].reduce((n, i) => n + (i.badge ?? 0), 0),
  }));
}

// activeItem: the entry of the page on screen, the longest nav path that prefixes the route;
// "" when none does.
export function activeItem(groups: NavGroup[], path: string): string {
  let best = "";
  for (const g of groups) for (const i of g.items) {
    if ((path === i.path || path.startsWith(i.path + "/")) && i.path.length > best.length) best = i.path;
  }
  return best;
}

// groupOf: the group holding the entry at path; "" when none.
export function groupOf(groups: NavGroup[], path: string): string {
  return groups.find((g) => g.items.some((i) => i.path === path))?.key ?? "";
}
