// The routes. Each page is its own chunk, loaded when first visited. A page still built by hand
// (not yet a Vue component) is hosted by LegacyPage with a factory; see dashboards/ui/README.md.

import { createRouter, createWebHistory, type RouteRecordRaw } from "vue-router";
import type { Me } from "./types";
import { home, loadMe, session } from "./session";
import type { LegacyFactory } from "./legacy";
import { canReadPlans } from "./plans_access";

const LegacyPage = () => import("./views/LegacyPage.vue");

// legacy builds the route props of a hand-built page: `load` resolves to its factory.
function legacy(load: () => Promise<LegacyFactory>) {
  return (route: { params: Record<string, string | string[]> }) => ({
    load,
    params: Object.fromEntries(Object.entries(route.params).map(([k, v]) => [k, Array.isArray(v) ? v.join("/") : v])),
  });
}

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
  {
    path: "/wallboard",
    component: LegacyPage,
    props: legacy(async () => {
      const { WallboardPage } = await import("./wallboard");
      const { legacySetLive } = await import("./legacy");
      return (me) => new WallboardPage(me, legacySetLive);
    }),
    meta: { allow: (me) => me.user.role !== "agent" },
  },
  {
    path: "/desktop",
    component: LegacyPage,
    props: legacy(async () => {
      const { DesktopPage } = await import("./desktop");
      const { legacySetLive } = await import("./legacy");
      return (me) => new DesktopPage(me, legacySetLive);
    }),
    meta: { allow: (me) => !!me.user.agent_id || me.user.role === "agent" },
  },
  { path: "/calls", component: () => import("./views/calls/CallsView.vue") },
  {
    path: "/qa",
    component: LegacyPage,
    props: legacy(async () => {
      const { WorklistPage } = await import("./qa");
      const { legacyNavigate } = await import("./legacy");
      return (me) => new WorklistPage(me, legacyNavigate);
    }),
  },
  {
    path: "/qa/evaluate/:id(.*)",
    component: LegacyPage,
    props: legacy(async () => {
      const { EvaluatePage } = await import("./qa");
      return (me, p) => new EvaluatePage(me, p.id);
    }),
  },
  {
    path: "/qa/mine",
    component: LegacyPage,
    props: legacy(async () => {
      const { MyEvaluationsPage } = await import("./qa");
      return (me) => new MyEvaluationsPage(me);
    }),
  },
  {
    path: "/qa/disputes",
    component: LegacyPage,
    props: legacy(async () => {
      const { DisputesPage } = await import("./qa");
      return (me) => new DisputesPage(me);
    }),
  },
  { path: "/qa/reports", component: () => import("./views/reports/ReportsView.vue") },
  {
    path: "/qa/score-sheet",
    component: LegacyPage,
    props: legacy(async () => {
      const { ScoreSheetPage } = await import("./scoresheet");
      return (me) => new ScoreSheetPage(me);
    }),
  },
  {
    path: "/qa/score-sheets",
    component: LegacyPage,
    props: legacy(async () => {
      const { ScoreSheetInboxPage } = await import("./sheetinbox");
      return (me) => new ScoreSheetInboxPage(me);
    }),
  },
  {
    path: "/qa/scorecards",
    component: LegacyPage,
    props: legacy(async () => {
      const { ScorecardsPage } = await import("./scorecards");
      return () => new ScorecardsPage();
    }),
  },
  {
    path: "/qa/calibrations",
    component: LegacyPage,
    props: legacy(async () => {
      const { CalibrationListPage } = await import("./calibration");
      const { legacyNavigate } = await import("./legacy");
      return (me) => new CalibrationListPage(me, legacyNavigate);
    }),
  },
  {
    path: "/qa/calibrations/:id(\\d+)",
    component: LegacyPage,
    props: legacy(async () => {
      const { CalibrationSessionPage } = await import("./calibration");
      const { legacyNavigate } = await import("./legacy");
      return (me, p) => new CalibrationSessionPage(me, p.id, legacyNavigate);
    }),
  },
  {
    path: "/qa/plans",
    component: LegacyPage,
    props: legacy(async () => {
      const { PlansPage } = await import("./plans");
      return (me) => new PlansPage(me);
    }),
    meta: { allow: (me) => canReadPlans(me.user.role) },
  },
  {
    path: "/admin/:tab?",
    name: "admin",
    component: () => import("./views/admin/AdminView.vue"),
    meta: { allow: roleIn("admin", "operations_manager") },
  },
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
