// The wallboard: queue tiles, the floor strip, a trend chart and the agent grid, live from the
// WebSocket (REST polling only while it is down), with supervisor actions on an agent.

import uPlot from "uplot";
import { ApiError, apiAuthed } from "./api";
import { append, clear, h, setText } from "./dom";
import { t, tx } from "./i18n";
import {
  type Filters, type LiveState, agentFromRest, applyDelta, applySnapshot, elapsedSeconds, emptyState,
  filterAgents, floorFromQueues, formatDuration, formatPct, newlyRed, queuesFromRest, statusClass,
} from "./logic";
import { Live } from "./live";
import type { LegacyPageInstance as Page } from "./legacy";
import type { AgentView, Me, QueueView, RestAgent, RestQueue, ViewSpec } from "./types";

const PAUSE_REASONS = ["break", "lunch", "training", "meeting", "coaching"];
const TREND_EVERY_MS = 5000;
const TREND_MAX = 2880; // four hours at one point per 5 s

interface QueueTile {
  el: HTMLElement;
  set(q: QueueView): void;
}
interface AgentTile {
  el: HTMLElement;
  set(a: AgentView): void;
}

export class WallboardPage implements Page {
  private state: LiveState = emptyState();
  private skills = new Map<string, Record<string, number>>();
  private filters: Filters = { team: "", queue: "" };
  private prevStatus = new Map<string, string>();
  private alerts = new Map<string, string>(); // queue -> reason
  private live: Live | null = null;
  private tick: number | undefined;
  private trendTimer: number | undefined;
  private raf = 0;
  private root!: HTMLElement;
  private queueTiles = new Map<string, QueueTile>();
  private agentTiles = new Map<string, AgentTile>();
  private els: Record<string, HTMLElement> = {};
  private trend: [number[], (number | null)[], (number | null)[]] = [[], [], []];
  private chart: uPlot | null = null;
  private resize: ResizeObserver | null = null;
  private canAct: boolean;

  constructor(private me: Me, private setLive: (up: boolean | null) => void) {
    this.canAct = ["supervisor", "project_manager", "operations_manager", "admin", "team_lead"].includes(me.user.role);
    const saved = sessionStorage.getItem("callfloor.filters");
    if (saved) {
      try {
        this.filters = { ...this.filters, ...JSON.parse(saved) };
      } catch { /* ignore */ }
    }
  }

  mount(root: HTMLElement): void {
    this.root = root;
    root.classList.add("wallboard");
    if (document.body.classList.contains("tv") && !document.fullscreenElement) {
      document.body.classList.remove("tv");
      document.documentElement.classList.remove("tv");
    }
    this.els.banner = h("div", { class: "alerts", testid: "alert-banner", role: "alert", hidden: true });
    this.els.floor = h("section", { class: "floor", testid: "floor" });
    this.els.teamSel = h("select", { testid: "filter-team" });
    this.els.queueSel = h("select", { testid: "filter-queue" });
    this.els.teamSel.addEventListener("change", () => this.setFilter({ team: (this.els.teamSel as HTMLSelectElement).value }));
    this.els.queueSel.addEventListener("change", () => this.setFilter({ queue: (this.els.queueSel as HTMLSelectElement).value }));
    this.els.tvBtn = h("button", { class: "btn btn-ghost", testid: "btn-tv", onclick: () => this.toggleTV() }, t("wall.tv"));
    const filters = h("div", { class: "filters" },
      h("label", {}, t("wall.filter.team"), this.els.teamSel),
      h("label", {}, t("wall.filter.queue"), this.els.queueSel),
      this.els.tvBtn);
    this.els.queues = h("section", { class: "queue-grid", testid: "queues" });
    this.els.chart = h("div", { class: "chart", testid: "trend-chart" });
    this.els.agents = h("section", { class: "agent-grid", testid: "agents" });
    this.els.dialog = h("dialog", { class: "dialog", testid: "agent-dialog" });
    root.append(
      h("div", { class: "wall-head" }, h("h1", {}, t("wall.title")), filters),
      this.els.banner,
      this.els.floor,
      h("h2", { class: "section-title" }, t("wall.queues")),
      this.els.queues,
      h("div", { class: "wall-lower" },
        h("section", { class: "card trend" }, h("h2", {}, t("wall.trend")), this.els.chart),
        h("section", { class: "agents-wrap" }, h("h2", { class: "section-title" }, t("wall.agents")), this.els.agents)),
      this.els.dialog,
    );
    document.addEventListener("fullscreenchange", this.onFullscreen);
    this.initChart();
    this.tick = window.setInterval(() => this.tickTimers(), 1000);
    this.trendTimer = window.setInterval(() => this.sampleTrend(), TREND_EVERY_MS);
    void this.loadProfiles();
    const view: ViewSpec = this.me.user.role === "team_lead" && this.me.user.team_id
      ? { kind: "team", team: this.me.user.team_id } : { kind: "floor" };
    this.live = new Live({
      view,
      onSnapshot: (d) => { this.state = applySnapshot(d); this.changed(); },
      onDelta: (d) => { applyDelta(this.state, d); this.changed(); },
      onStatus: (up) => this.setLive(up),
      poll: () => this.poll(),
    });
    this.live.start();
  }

  unmount(): void {
    this.live?.stop();
    window.clearInterval(this.tick);
    window.clearInterval(this.trendTimer);
    cancelAnimationFrame(this.raf);
    this.resize?.disconnect();
    this.chart?.destroy();
    document.removeEventListener("fullscreenchange", this.onFullscreen);
    this.setLive(null);
  }

  // The agents' skills say who serves which queue (the queue filter); the live views omit them.
  private async loadProfiles(): Promise<void> {
    try {
      const r = await apiAuthed<{ agents: RestAgent[] }>("GET", "/agents");
      for (const a of r.agents) if (a.skills) this.skills.set(a.id, a.skills);
      this.changed();
    } catch { /* the grid still works unfiltered */ }
  }

  private async poll(): Promise<void> {
    const [qs, as] = await Promise.all([
      apiAuthed<{ queues: RestQueue[] }>("GET", "/queues"),
      apiAuthed<{ agents: RestAgent[] }>("GET", "/agents"),
    ]);
    if (this.live?.isUp) return; // the socket came back meanwhile: it wins
    const agents = as.agents.map((a) => agentFromRest(a, this.state.agents.get(a.id)));
    for (const a of as.agents) if (a.skills) this.skills.set(a.id, a.skills);
    const queues = queuesFromRest(qs.queues, as.agents, this.state.queues, Date.now());
    this.state = applySnapshot({ queues, agents, floor: floorFromQueues(queues, agents), team: this.state.team });
    this.changed();
  }

  private setFilter(f: Partial<Filters>): void {
    this.filters = { ...this.filters, ...f };
    sessionStorage.setItem("callfloor.filters", JSON.stringify(this.filters));
    clear(this.els.agents);
    this.agentTiles.clear();
    clear(this.els.queues);
    this.queueTiles.clear();
    this.changed();
  }

  private changed(): void {
    if (this.raf) return;
    this.raf = requestAnimationFrame(() => {
      this.raf = 0;
      this.render();
    });
  }

  private render(): void {
    this.renderAlerts();
    this.renderFilters();
    this.renderFloor();
    this.renderQueues();
    this.renderAgents();
    if (this.trend[0].length === 0 && (this.state.floor || this.state.queues.size)) this.sampleTrend();
  }

  private renderFilters(): void {
    const teams = new Set<string>();
    for (const a of this.state.agents.values()) if (a.team) teams.add(a.team);
    fillSelect(this.els.teamSel as HTMLSelectElement, [...teams].sort(), this.filters.team);
    fillSelect(this.els.queueSel as HTMLSelectElement, [...this.state.queues.keys()].sort(), this.filters.queue);
  }

  private renderAlerts(): void {
    const qs = [...this.state.queues.values()];
    for (const q of newlyRed(this.prevStatus, qs)) this.alerts.set(q.queue, q.status_reason ?? "");
    for (const q of qs) {
      if (statusClass(q.status) !== "red") this.alerts.delete(q.queue);
      this.prevStatus.set(q.queue, q.status);
    }
    const b = this.els.banner;
    clear(b);
    for (const [queue, reason] of this.alerts) {
      b.append(h("div", { class: "alert", testid: `alert-${queue}` },
        h("span", { class: "alert-dot" }),
        h("span", {}, t("wall.alert", { queue, reason: reason || tx("status", "red") })),
        h("button", { class: "btn btn-ghost btn-small", onclick: () => { this.alerts.delete(queue); this.renderAlerts(); } }, t("wall.alert.dismiss"))));
    }
    b.hidden = this.alerts.size === 0;
  }

  private renderFloor(): void {
    const f = this.state.floor;
    const el = this.els.floor;
    if (!el.firstChild) {
      const stat = (id: string, label: string, cls = "", note?: HTMLElement) => {
        const value = h("div", { class: "stat-value", testid: `floor-${id}` }, t("na"));
        return h("div", { class: "stat " + cls }, h("div", { class: "stat-label" }, label), note ? withNote(value, note) : value);
      };
      el.append(
        h("div", { class: "floor-title" }, t("wall.floor")),
        stat("waiting", t("wall.waiting"), "stat-big"),
        stat("longest", t("wall.longest")),
        stat("sl-today", t("wall.sl_today")),
        stat("answered", t("wall.answered")),
        stat("abandoned", t("wall.abandoned"), "", lostNote("floor-lost")),
        stat("available", t("wall.available"), "c-available"),
        stat("oncall", t("wall.on_call"), "c-on_call"),
        stat("paused", t("wall.paused"), "c-paused"),
        stat("occupancy", t("wall.occupancy")),
      );
    }
    if (!f) return;
    const q = (id: string) => el.querySelector<HTMLElement>(`[data-testid=floor-${id}]`);
    setText(q("waiting"), String(f.waiting));
    const longest = q("longest")!;
    if (f.oldest_waiting_since) longest.dataset.since = f.oldest_waiting_since;
    else delete longest.dataset.since;
    setText(longest, f.oldest_waiting_since ? formatDuration(elapsedSeconds(f.oldest_waiting_since, Date.now())) : t("na"));
    setText(q("sl-today"), formatPct(f.today.service_level, t("na")));
    setText(q("answered"), String(f.today.answered));
    setText(q("abandoned"), String(f.today.abandoned));
    setLost(q("lost"), f.today.lost);
    setText(q("available"), String(f.agents.available));
    setText(q("oncall"), String(f.agents.on_call + f.agents.ringing));
    setText(q("paused"), String(f.agents.paused));
    setText(q("occupancy"), formatPct(f.occupancy, t("na")));
  }

  private renderQueues(): void {
    const want = [...this.state.queues.values()]
      .filter((q) => !this.filters.queue || q.queue === this.filters.queue)
      .sort((a, b) => a.queue.localeCompare(b.queue));
    const keep = new Set(want.map((q) => q.queue));
    for (const [k, tile] of this.queueTiles) if (!keep.has(k)) { tile.el.remove(); this.queueTiles.delete(k); }
    for (const q of want) {
      let tile = this.queueTiles.get(q.queue);
      if (!tile) {
        tile = queueTile(q.queue);
        this.queueTiles.set(q.queue, tile);
      }
      this.els.queues.append(tile.el); // keeps the sorted order
      tile.set(q);
    }
    if (want.length === 0 && this.state.queues.size > 0) {
      clear(this.els.queues);
      this.els.queues.append(h("p", { class: "muted" }, t("wall.no_queues")));
    }
  }

  private renderAgents(): void {
    const want = filterAgents(this.state.agents.values(), this.filters, this.skills);
    const keep = new Set(want.map((a) => a.agent));
    for (const [k, tile] of this.agentTiles) if (!keep.has(k)) { tile.el.remove(); this.agentTiles.delete(k); }
    for (const node of [...this.els.agents.children]) if (!(node as HTMLElement).dataset.agent) node.remove();
    for (const a of want) {
      let tile = this.agentTiles.get(a.agent);
      if (!tile) {
        tile = agentTile(a.agent, this.canAct ? () => this.openActions(a.agent) : undefined);
        this.agentTiles.set(a.agent, tile);
      }
      this.els.agents.append(tile.el);
      tile.set(a);
    }
    if (want.length === 0 && this.state.agents.size > 0) this.els.agents.append(h("p", { class: "muted" }, t("wall.no_agents")));
  }

  // Counting up happens here, once a second, from the instants the server sent.
  private tickTimers(): void {
    const now = Date.now();
    for (const el of this.root.querySelectorAll<HTMLElement>("[data-since]")) {
      setText(el, formatDuration(elapsedSeconds(el.dataset.since, now)));
    }
  }

  // ---- trend chart ----

  private initChart(): void {
    const el = this.els.chart;
    const css = getComputedStyle(document.documentElement);
    const fg = css.getPropertyValue("--muted").trim() || "#8b949e";
    const grid = css.getPropertyValue("--grid").trim() || "#30363d";
    const opts: uPlot.Options = {
      width: Math.max(300, el.clientWidth || 600),
      height: document.body.classList.contains("tv") ? 260 : 200,
      cursor: { drag: { x: false, y: false } },
      legend: { show: true },
      scales: { x: { time: true }, n: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil((max ?? 0) * 1.2))] }, pct: { range: [0, 100] } },
      series: [
        { label: t("wall.trend.time") },
        { label: t("wall.trend.waiting"), scale: "n", stroke: "#58a6ff", width: 2, fill: "rgba(88,166,255,0.15)", value: (_u, v) => (v == null ? "—" : String(v)) },
        { label: t("wall.trend.sl"), scale: "pct", stroke: "#3fb950", width: 2, value: (_u, v) => (v == null ? "—" : `${Math.round(v)}%`) },
      ],
      axes: [
        { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } },
        { scale: "n", stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } },
        { scale: "pct", side: 1, stroke: fg, grid: { show: false }, values: (_u, vals) => vals.map((v) => `${v}%`) },
      ],
    };
    this.chart = new uPlot(opts, this.trend as uPlot.AlignedData, el);
    this.resize = new ResizeObserver(() => {
      const w = el.clientWidth;
      if (w > 0 && this.chart) this.chart.setSize({ width: w, height: document.body.classList.contains("tv") ? 260 : 200 });
    });
    this.resize.observe(el);
  }

  private sampleTrend(): void {
    const f = this.state.floor;
    let waiting: number | null = null;
    let sl: number | null = null;
    if (f) {
      waiting = f.waiting;
      const s = f.window_min > 0 && f.window.service_level !== null ? f.window.service_level : f.today.service_level;
      sl = s === null ? null : s * 100;
    } else if (this.state.queues.size) {
      waiting = [...this.state.queues.values()].reduce((n, q) => n + q.waiting, 0);
    } else return;
    const [xs, ws, ss] = this.trend;
    xs.push(Date.now() / 1000);
    ws.push(waiting);
    ss.push(sl);
    if (xs.length > TREND_MAX) { xs.shift(); ws.shift(); ss.shift(); }
    this.chart?.setData(this.trend as uPlot.AlignedData);
    // at least five minutes wide: a first point alone would otherwise stretch the axis over years
    const x0 = xs[0], x1 = xs[xs.length - 1];
    if (this.chart && x1 - x0 < 300) this.chart.setScale("x", { min: x1 - 300, max: x1 + 10 });
  }

  // ---- TV mode ----

  private toggleTV(): void {
    const on = !document.body.classList.contains("tv");
    document.body.classList.toggle("tv", on);
    document.documentElement.classList.toggle("tv", on); // rem-based sizes grow with it
    setText(this.els.tvBtn, on ? t("wall.tv.exit") : t("wall.tv"));
    if (on && document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch(() => { /* refused: the class alone still enlarges */ });
    } else if (!on && document.fullscreenElement) {
      void document.exitFullscreen();
    }
    this.chart?.setSize({ width: this.els.chart.clientWidth || 600, height: on ? 260 : 200 });
  }

  private onFullscreen = (): void => {
    if (!document.fullscreenElement && document.body.classList.contains("tv")) {
      document.body.classList.remove("tv");
      document.documentElement.classList.remove("tv");
      setText(this.els.tvBtn, t("wall.tv"));
    }
  };

  // ---- supervisor actions ----

  private openActions(id: string): void {
    const a = this.state.agents.get(id);
    if (!a) return;
    const d = this.els.dialog as HTMLDialogElement;
    clear(d);
    const msg = h("p", { class: "act-msg", testid: "act-msg", role: "status" });
    const reason = h("select", { testid: "act-reason" }, ...PAUSE_REASONS.map((r) => h("option", { value: r }, tx("reason", r))));
    const run = async (what: string, path: string, body?: unknown, okText?: string) => {
      msg.className = "act-msg";
      setText(msg, "…");
      try {
        const st = await apiAuthed<any>("POST", `/agents/${encodeURIComponent(id)}/${path}`, body);
        if (st && st.agent && st.state) {
          const cur = this.state.agents.get(id);
          if (cur) this.state.agents.set(id, { ...cur, state: st.state, reason: st.reason, since: st.since });
          this.changed();
        }
        setText(msg, okText ?? t("act.done", { what }));
        msg.classList.add("ok");
      } catch (e) {
        const ae = e as ApiError;
        setText(msg, ae.message || String(e));
        msg.classList.add("err");
      }
    };
    const mon = (mode: "listen" | "whisper" | "barge") =>
      h("button", { class: "btn", testid: `act-${mode}`, onclick: () => run(t(`act.${mode}`), "monitor", { mode }, t("act.monitoring", { mode: t(`act.${mode}`), name: a.name })) }, t(`act.${mode}`));
    d.append(
      h("h2", {}, t("act.title", { name: a.name, id: a.agent })),
      h("p", { class: "muted" }, tx("state", a.state) + (a.reason ? " · " + tx("reason", a.reason) : "")),
      h("div", { class: "act-row" },
        h("label", {}, t("act.reason"), reason),
        h("button", { class: "btn btn-warn", testid: "act-pause", onclick: () => run(t("act.pause"), "pause", { reason: (reason as HTMLSelectElement).value }) }, t("act.pause")),
        h("button", { class: "btn btn-danger", testid: "act-logout", onclick: () => run(t("act.logout"), "logout") }, t("act.logout"))),
      h("div", { class: "act-row" }, mon("listen"), mon("whisper"), mon("barge")),
      msg,
      h("div", { class: "act-row act-end" }, h("button", { class: "btn btn-ghost", testid: "act-close", onclick: () => d.close() }, t("act.close"))),
    );
    if (typeof d.showModal === "function") d.showModal();
    else d.setAttribute("open", "");
  }
}

function fillSelect(sel: HTMLSelectElement, values: string[], current: string): void {
  const want = ["", ...values];
  const have = [...sel.options].map((o) => o.value);
  if (want.join("\u0000") !== have.join("\u0000")) {
    clear(sel);
    for (const v of want) sel.append(h("option", { value: v }, v === "" ? t("wall.filter.all") : v));
  }
  sel.value = want.includes(current) ? current : "";
}

// lostNote is the small figure beside an abandoned count: the calls lost to an Asterisk crash or
// restart, shown only when there are some (a system fault, kept out of the abandons and their
// rate; the tooltip says so).
function lostNote(testid: string): HTMLElement {
  return h("div", { class: "lost-note", testid, title: t("wall.lost.title"), hidden: true });
}

// withNote puts a small note (lostNote) beside a figure, on its baseline.
function withNote(value: HTMLElement, note: HTMLElement): HTMLElement {
  return h("div", { class: "with-note" }, value, note);
}

function setLost(el: HTMLElement | null, n: number | undefined): void {
  if (!el) return;
  const k = n ?? 0;
  el.hidden = k <= 0;
  setText(el, k > 0 ? t("wall.lost", { n: k }) : "");
}

function queueTile(name: string): QueueTile {
  const id = (s: string) => `tile-${name}-${s}`;
  const v = (s: string, cls = "") => h("div", { class: "tile-value " + cls, testid: id(s) }, "0");
  const waiting = v("waiting", "tile-value-big");
  const longest = v("longest", "tile-value-big");
  const slToday = v("sl-today");
  const slWindow = v("sl-window");
  const slWindowLabel = h("div", { class: "tile-label" }, t("wall.sl_window", { n: 15 }));
  const answered = v("answered");
  const abandoned = v("abandoned");
  const lost = lostNote(id("lost"));
  const avail = h("span", { testid: id("available") }, "0");
  const oncall = h("span", { testid: id("oncall") }, "0");
  const badge = h("span", { class: "badge", testid: id("status") });
  const cell = (label: HTMLElement | string, value: HTMLElement) =>
    h("div", { class: "tile-cell" }, typeof label === "string" ? h("div", { class: "tile-label" }, label) : label, value);
  const el = h("article", { class: "tile status-ok", testid: `tile-${name}` },
    h("header", { class: "tile-head" }, h("h3", {}, name), badge),
    h("div", { class: "tile-main" }, cell(t("wall.waiting"), waiting), cell(t("wall.longest"), longest)),
    h("div", { class: "tile-row" },
      cell(t("wall.sl_today"), slToday), cell(slWindowLabel, slWindow),
      cell(t("wall.answered"), answered), cell(t("wall.abandoned"), withNote(abandoned, lost))),
    h("footer", { class: "tile-foot" },
      h("span", { class: "dot c-available" }), avail, " ", t("wall.available"),
      h("span", { class: "sep" }),
      h("span", { class: "dot c-on_call" }), oncall, " ", t("wall.on_call")));
  return {
    el,
    set(q: QueueView) {
      const st = statusClass(q.status);
      el.classList.remove("status-ok", "status-amber", "status-red");
      el.classList.add("status-" + st);
      el.classList.toggle("pulse", st === "red");
      el.title = q.status_reason || tx("status", st);
      setText(badge, tx("status", st));
      badge.className = "badge badge-" + st;
      setText(waiting, String(q.waiting));
      if (q.oldest_waiting_since) longest.dataset.since = q.oldest_waiting_since;
      else delete longest.dataset.since;
      setText(longest, q.oldest_waiting_since ? formatDuration(elapsedSeconds(q.oldest_waiting_since, Date.now())) : "0:00");
      setText(slToday, formatPct(q.today.service_level, t("na")));
      setText(slWindowLabel, t("wall.sl_window", { n: q.window_min || 15 }));
      setText(slWindow, q.window_min ? formatPct(q.window.service_level, t("na")) : t("na"));
      setText(answered, String(q.today.answered));
      setText(abandoned, String(q.today.abandoned));
      setLost(lost, q.today.lost);
      setText(avail, String(q.agents.available));
      setText(oncall, String(q.agents.on_call + q.agents.ringing));
    },
  };
}

function agentTile(id: string, onAct?: () => void): AgentTile {
  const name = h("span", { class: "agent-name", testid: `agent-${id}-name` });
  const state = h("span", { class: "agent-state", testid: `agent-${id}-state` });
  const time = h("span", { class: "agent-time", testid: `agent-${id}-time` }, "0:00");
  const call = h("div", { class: "agent-call", testid: `agent-${id}-call` });
  const team = h("span", { class: "agent-team" });
  const el = h(onAct ? "button" : "div", { class: "agent", testid: `agent-${id}`, "data-agent": id, type: onAct ? "button" : undefined },
    h("div", { class: "agent-top" }, name, h("span", { class: "agent-id" }, id)),
    h("div", { class: "agent-mid" }, state, time),
    call,
    h("div", { class: "agent-bottom" }, team));
  if (onAct) el.addEventListener("click", onAct);
  return {
    el,
    set(a: AgentView) {
      el.className = "agent s-" + a.state;
      setText(name, a.name || a.agent);
      setText(state, tx("state", a.state) + (a.state === "paused" && a.reason ? " · " + tx("reason", a.reason) : ""));
      time.dataset.since = a.since;
      setText(time, formatDuration(elapsedSeconds(a.since, Date.now())));
      setText(team, [a.team, t("wall.calls_today", { n: a.handled_today })].filter(Boolean).join(" · "));
      clear(call);
      if (a.call) {
        append(call, [
          h("span", { class: "call-number" }, a.call.number || "…"),
          a.call.queue ? h("span", { class: "call-queue" }, a.call.queue) : null,
          h("span", { class: "call-time", "data-since": a.call.since }, formatDuration(elapsedSeconds(a.call.since, Date.now()))),
          a.call.hold_since ? h("span", { class: "pill pill-hold", testid: `agent-hold-${a.agent}` }, t("call.on_hold")) : null]);
      } else {
        call.append(h("span", { class: "muted" }, t("wall.idle")));
      }
    },
  };
}
