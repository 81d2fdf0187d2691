// The routes. Each page is its own chunk, loaded when first visited.

import { createRouter, createWebHistory, type RouteRecordRaw } from "vue-router";
import type { Me } from "./types";
import { home, loadMe, session } from "./session";
import { canReadPlans } from "./plans_access";
import { isApprover } from "./views/leave/leave_logic";

declare module "vue-router" {
  interface RouteMeta {
    public?: boolean; // no sign-in needed
    allow?: (me: Me) => boolean | Promise<boolean>; // who may open it (default: anyone signed in)
    bare?: boolean; // no navigation around it (TV mode, login)
  }
}

const roleIn = (...roles: string[]) => (me: Me) => roles.includes(me.user.role);

export const routes: RouteRecordRaw[] = [
  { path: "/login", component: () => import("./views/LoginView.vue"), meta: { public: true, bare: true } },
  { path: "/wallboard", component: () => import("./views/wallboard/WallboardView.vue"), meta: { allow: (me) => me.user.role !== "agent" } },
  {
    path: "/desktop",
    component: () => import("./views/desktop/DesktopView.vue"),
    meta: { allow: (me) => !!me.user.agent_id || me.user.role === "agent" },
  },
  { path: "/calls", component: () => import("./views/calls/CallsView.vue") },
  { path: "/qa", component: () => import("./views/qa/WorklistView.vue") },
  { path: "/qa/evaluate/:id(.*)", component: () => import("./views/qa/EvaluateView.vue"), props: true },
  { path: "/qa/mine", component: () => import("./views/qa/MyEvaluationsView.vue") },
  { path: "/qa/disputes", component: () => import("./views/qa/DisputesView.vue") },
  { path: "/qa/reports", component: () => import("./views/reports/ReportsView.vue") },
  { path: "/qa/score-sheet", component: () => import("./views/qa/ScoreSheetView.vue") },
  { path: "/qa/score-sheets", component: () => import("./views/qa/ScoreSheetInboxView.vue") },
  {
    path: "/qa/scorecards",
    component: () => import("./views/qa/scorecards/ScorecardsView.vue"),
  },
  {
    path: "/qa/calibrations",
    component: () => import("./views/qa/calibration/CalibrationList.vue"),
  },
  {
    path: "/qa/calibrations/:id(\\d+)",
    component: () => import("./views/qa/calibration/CalibrationSession.vue"),
  },
  {
    path: "/qa/plans",
    component: () => import("./views/qa/plans/PlansView.vue"),
    meta: { allow: (me) => canReadPlans(me.user.role) },
  },
  { path: "/reports/daily", component: () => import("./views/production/DailyReportView.vue"), meta: { allow: roleIn("team_lead", "project_manager", "supervisor", "operations_manager", "admin") } },
  { path: "/forecast", component: () => import("./views/forecast/ForecastView.vue"), meta: { allow: roleIn("team_lead", "project_manager", "supervisor", "operations_manager", "admin") } },
  { path: "/attendance", component: () => import("./views/attendance/AttendanceView.vue"), meta: { allow: roleIn("team_lead", "project_manager", "supervisor", "operations_manager", "admin") } },
  { path: "/reports", component: () => import("./views/production/ProductionView.vue"), meta: { allow: (me) => me.user.role !== "agent" && me.user.role !== "trainer" } },
  { path: "/reports/outbound", component: () => import("./views/reports/OutboundReportView.vue"), meta: { allow: (me) => me.user.role !== "trainer" } },
  { path: "/reports/surveys", component: () => import("./views/surveys/SurveysView.vue"), meta: { allow: (me) => me.user.role !== "trainer" } },
  { path: "/surveys/settings", component: () => import("./views/surveys/SurveySettingsView.vue"), meta: { allow: (me) => !!me.permissions?.see_all || me.user.role === "project_manager" } },
  {
    path: "/admin/:tab?",
    name: "admin",
    component: () => import("./views/admin/AdminView.vue"),
    meta: { allow: roleIn("admin", "operations_manager") },
  },
  { path: "/roster/:tab?", component: () => import("./views/roster/RosterView.vue"), meta: { allow: (me) => me.user.role !== "agent" } },
  {
    path: "/leave",
    component: () => import("./views/leave/LeaveView.vue"),
    meta: { allow: (me) => !!me.user.agent_id || isApprover(me.user.role) },
  },
  {
    path: "/bulletins",
    component: () => import("./views/bulletins/BulletinsView.vue"),
    meta: { allow: roleIn("admin", "operations_manager", "supervisor", "project_manager") },
  },
  { path: "/scores", component: () => import("./views/scores/ScoresView.vue") },
  { path: "/campaigns", component: () => import("./views/campaigns/CampaignsView.vue"), meta: { allow: roleIn("team_lead", "project_manager", "supervisor", "operations_manager", "admin") } },
  { path: "/campaigns/:id", component: () => import("./views/campaigns/CampaignListsView.vue"), props: true, meta: { allow: roleIn("team_lead", "project_manager", "supervisor", "operations_manager", "admin") } },
  { path: "/dnc", component: () => import("./views/campaigns/DncView.vue"), meta: { allow: roleIn("project_manager", "supervisor", "operations_manager", "admin") } },
  { path: "/tickets", component: () => import("./views/tickets/TicketsView.vue") },
  { path: "/tickets/settings", component: () => import("./views/tickets/TicketSettingsView.vue"), meta: { allow: roleIn("admin", "operations_manager") } },
  { path: "/tickets/:id(\\d+)", component: () => import("./views/tickets/TicketView.vue"), props: true },
  { path: "/customers", component: () => import("./views/customers/CustomersView.vue") },
  { path: "/customers/:phone", component: () => import("./views/customers/CustomersView.vue"), props: true },
  { path: "/kb", component: () => import("./views/kb/KBView.vue") },
  { path: "/callbacks", component: () => import("./views/callbacks/CallbacksView.vue"), meta: { allow: (me) => !!me.user.agent_id || ["team_lead", "project_manager", "supervisor", "operations_manager", "admin", "qa", "trainer"].includes(me.user.role) } },
  { path: "/:rest(.*)*", name: "fallback", component: { render: () => null } }, // anything else: the home page (guard)
];

export const router = createRouter({ history: createWebHistory(), routes });

router.beforeEach(async (to) => {
  if (to.meta.public) return true;
  let me: Me | null;
  try {
    me = await loadMe();
  } catch {
    return true; // the page shows the error when its own requests fail
  }
  if (!me) return { path: "/login", replace: true };
  if (to.name === "fallback") {
    return { path: home(me), replace: true };
  }
  if (to.meta.allow && !(await to.meta.allow(me))) return { path: home(me), replace: true };
  return true;
});

export { session };
