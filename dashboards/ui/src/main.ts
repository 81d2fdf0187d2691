// The single-page app: /login, /wallboard (supervisors, team leads, managers), /desktop (agents).
// Routes are real paths; the Go server answers every non-asset path with index.html.

import "@fontsource/inter/latin-400.css";
import "@fontsource/inter/latin-600.css";
import "@fontsource/inter/latin-700.css";
import "uplot/dist/uPlot.min.css";
import "./style.css";

import { ApiError, api, apiAuthed, setOnUnauthorized } from "./api";
import { clear, h } from "./dom";
import { LANGS, STORAGE_KEY, type Key, lang, pickLang, setLang, t } from "./i18n";
import type { Me } from "./types";
import { DesktopPage } from "./desktop";
import { setLiveHooks } from "./live";
import { WallboardPage } from "./wallboard";
import { CallsPage } from "./calls";
import { canEvaluate } from "./qalogic";
import { DisputesPage, EvaluatePage, MyEvaluationsPage, WorklistPage } from "./qa";
import { CalibrationListPage, CalibrationSessionPage, calibrationNavVisible } from "./calibration";
import { PlansPage, canReadPlans } from "./plans";
import { ReportsPage } from "./reports";
import { ScoreSheetPage } from "./scoresheet";
import { ScoreSheetInboxPage } from "./sheetinbox";
import { ScorecardsPage } from "./scorecards";

export interface Page {
  mount(root: HTMLElement): void;
  unmount(): void;
}

function storedLang(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

setLang(pickLang(navigator.languages, storedLang()));

const root = document.getElementById("app")!;
let page: Page | null = null;
let me: Me | null = null;
let liveUp: boolean | null = null;
let liveNote: Key | null = null; // an i18n key shown instead of "reconnecting" (live.limit)
let loginNotice: Key | null = null; // why the user was sent to the login page (an i18n key)

export function navigate(path: string, replace = false): void {
  if (location.pathname !== path) {
    if (replace) history.replaceState(null, "", path);
    else history.pushState(null, "", path);
  }
  void route();
}

setOnUnauthorized(() => {
  me = null;
  if (location.pathname !== "/login") navigate("/login");
});

// A live connection ended by the server: revoked → sign in again (saying why); role changed →
// re-read who I am and go to my (new) home page, whose live view is scoped by the new role.
setLiveHooks({
  revoked: (notice) => {
    me = null;
    loginNotice = notice;
    navigate("/login");
  },
  rescope: () => {
    me = null;
    navigate("/", true);
  },
  notice: (key) => {
    liveNote = key;
    if (liveUp !== null) setLive(liveUp);
  },
});

window.addEventListener("popstate", () => void route());

function home(m: Me): string {
  return m.user.role === "agent" ? "/desktop" : m.user.role === "qa" ? "/qa" : "/wallboard";
}

async function route(): Promise<void> {
  page?.unmount();
  page = null;
  const path = location.pathname.replace(/\/+$/, "") || "/";
  if (path === "/login") {
    render(null, loginPage());
    return;
  }
  if (!me) {
    try {
      me = await api<Me>("GET", "/me");
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        navigate("/login", true);
        return;
      }
      render(null, h("div", { class: "page-error" }, t("error.generic", { msg: (e as Error).message })));
      return;
    }
  }
  if (path === "/wallboard") page = new WallboardPage(me, setLive);
  else if (path === "/desktop") page = new DesktopPage(me, setLive);
  else if (path === "/calls") page = new CallsPage(me);
  else if (path === "/qa") page = new WorklistPage(me, navigate);
  else if (path.startsWith("/qa/evaluate/")) page = new EvaluatePage(me, decodeURIComponent(path.slice("/qa/evaluate/".length)));
  else if (path === "/qa/mine") page = new MyEvaluationsPage(me);
  else if (path === "/qa/disputes") page = new DisputesPage(me);
  else if (path === "/qa/reports") page = new ReportsPage(me);
  else if (path === "/qa/score-sheet") page = new ScoreSheetPage(me);
  else if (path === "/qa/score-sheets") page = new ScoreSheetInboxPage(me);
  else if (path === "/qa/scorecards") page = new ScorecardsPage();
  else if (path === "/qa/calibrations") page = new CalibrationListPage(me, navigate);
  else if (/^\/qa\/calibrations\/\d+$/.test(path)) page = new CalibrationSessionPage(me, path.slice("/qa/calibrations/".length), navigate);
  else if (path === "/qa/plans" && canReadPlans(me.user.role)) page = new PlansPage(me);
  else {
    navigate(home(me), true);
    return;
  }
  const main = h("main", { class: "content" });
  render(me, main);
  page.mount(main);
}

function setLive(up: boolean | null): void {
  liveUp = up;
  const el = document.querySelector<HTMLElement>("[data-testid=live-status]");
  if (!el) return;
  el.hidden = up === null;
  el.className = "live " + (up ? "live-up" : "live-down");
  el.textContent = up ? t("live.up") : t(liveNote ?? "live.down");
  el.title = el.textContent; // a long note (live.limit) is cut to one line in the top bar
}

function langSwitch(): HTMLElement {
  const sel = h("select", { class: "lang", testid: "lang-switch", "aria-label": t("lang.label") },
    ...LANGS.map((l) => h("option", { value: l, selected: l === lang() }, l === "en" ? "English" : "简体中文")));
  sel.addEventListener("change", () => {
    try {
      localStorage.setItem(STORAGE_KEY, sel.value);
    } catch {
      /* private mode: the choice lasts this page */
    }
    setLang(sel.value as "en" | "zh-CN");
    void route(); // re-render in the new language; live state is fetched again
  });
  return sel;
}

function header(m: Me | null): HTMLElement {
  const nav = h("nav", { class: "nav" });
  if (m) {
    const here = location.pathname;
    const link = (path: string, label: string, id: string) =>
      h("a", { href: path, class: here === path ? "active" : "", testid: id, onclick: (e: Event) => { e.preventDefault(); navigate(path); } }, label);
    if (m.user.role !== "agent") nav.append(link("/wallboard", t("nav.wallboard"), "nav-wallboard"));
    if (m.user.agent_id) nav.append(link("/desktop", t("nav.desktop"), "nav-desktop"));
    nav.append(link("/calls", t("nav.calls"), "nav-calls"));
    const r = m.user.role;
    const evaluator = canEvaluate(r);
    if (evaluator) nav.append(link("/qa", t("nav.qa"), "nav-qa"));
    if (m.user.agent_id || r === "agent") nav.append(link("/qa/mine", t("nav.qa_mine"), "nav-qa-mine"));
    if (r === "team_lead" || r === "operations_manager" || r === "admin") nav.append(link("/qa/disputes", t("nav.qa_disputes"), "nav-qa-disputes"));
    if (r !== "agent") nav.append(link("/qa/reports", t("nav.qa_reports"), "nav-qa-reports"));
    if (r === "team_lead" || m.permissions.see_all) nav.append(link("/qa/score-sheet", t("nav.qa_score_sheet"), "nav-qa-score-sheet"));
    if (r === "team_lead" || m.permissions.see_all) nav.append(link("/qa/score-sheets", t("nav.qa_score_sheets"), "nav-qa-score-sheets"));
    if (r === "qa" || r === "operations_manager" || r === "admin") nav.append(link("/qa/scorecards", t("nav.qa_scorecards"), "nav-qa-scorecards"));
    if (canReadPlans(r)) nav.append(link("/qa/plans", t("nav.qa_plans"), "nav-qa-plans"));
    // calibration: QA, operations managers and admins; anyone else once invited to a session
    const calib = link("/qa/calibrations", t("nav.qa_calibrations"), "nav-qa-calibrations");
    calib.hidden = true;
    nav.append(calib);
    void calibrationNavVisible(m).then((ok) => { calib.hidden = !ok; });
  }
  const right = h("div", { class: "header-right" },
    h("span", { class: "live", testid: "live-status", hidden: true }),
    langSwitch(),
    m ? h("span", { class: "who", testid: "who" }, m.user.display_name || m.user.username) : null,
    m ? h("button", { class: "btn btn-ghost", testid: "btn-signout", onclick: async () => {
      try { await api("POST", "/logout"); } catch { /* gone anyway */ }
      me = null;
      navigate("/login");
    } }, t("nav.logout")) : null,
  );
  return h("header", { class: "topbar" },
    h("div", { class: "brand" }, h("span", { class: "logo", "aria-hidden": "true" }), t("app.name")),
    nav, right);
}

function render(m: Me | null, content: HTMLElement): void {
  clear(root);
  root.append(header(m), content);
  if (liveUp !== null && m) setLive(liveUp);
}

function loginPage(): HTMLElement {
  const user = h("input", { id: "username", name: "username", autocomplete: "username", required: true, testid: "login-username" });
  const pass = h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true, testid: "login-password" });
  const err = h("p", { class: "form-error", testid: "login-error", role: "alert", hidden: true });
  const notice = h("p", { class: "form-notice", testid: "login-notice", role: "status", hidden: !loginNotice }, loginNotice ? t(loginNotice) : "");
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-block", testid: "login-submit" }, t("login.submit"));
  const form = h("form", { class: "login-card" },
    h("h1", {}, t("login.title")),
    h("p", { class: "muted" }, t("login.subtitle")),
    notice,
    h("label", { for: "username" }, t("login.username")), user,
    h("label", { for: "password" }, t("login.password")), pass,
    err, submit);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    err.hidden = true;
    submit.disabled = true;
    submit.textContent = t("login.busy");
    try {
      await api("POST", "/login", { username: user.value.trim(), password: pass.value });
      me = await apiAuthed<Me>("GET", "/me");
      loginNotice = null;
      navigate(home(me));
    } catch (ex) {
      const ae = ex as ApiError;
      err.textContent =
        ae.status === 429 ? t("login.ratelimited", { n: ae.retryAfter ?? (Number(/(\d+)\s*s/.exec(ae.message)?.[1]) || 60) })
        : ae.status === 401 ? t("login.failed")
        : ae.status === 0 ? t("error.network")
        : ae.code === "unavailable" ? ae.message
        : t("error.generic", { msg: ae.message });
      err.hidden = false;
      submit.disabled = false;
      submit.textContent = t("login.submit");
    }
  });
  setTimeout(() => user.focus(), 0);
  return h("main", { class: "login-wrap" }, form);
}

void route();
