// The agent desktop: my state with its buttons, my current call, the wrap-up countdown,
// click-to-call and my figures for today, live from the WebSocket's "agent" view.

import { ApiError, apiAuthed } from "./api";
import { clear, h, setText } from "./dom";
import { t, tx } from "./i18n";
import {
  agentFromStatus, availableAction, elapsedSeconds, formatDuration, formatPct, formatSeconds, remainingSeconds,
} from "./logic";
import { Live } from "./live";
import type { LegacyPageInstance as Page } from "./legacy";
import type { AgentStatus, AgentToday, AgentView, Me, RestAgent } from "./types";

const PAUSE_REASONS = ["break", "lunch", "training", "meeting", "coaching"];

export class DesktopPage implements Page {
  private agent: AgentView | null = null;
  private today: AgentToday | null = null;
  private live: Live | null = null;
  private tick: number | undefined;
  private todayTimer: number | undefined;
  private els: Record<string, HTMLElement> = {};
  private profile: { name?: string; team?: string } = {};
  private busy = false;

  constructor(private me: Me, private setLive: (up: boolean | null) => void) {}

  private get id(): string {
    return this.me.user.agent_id ?? "";
  }

  mount(root: HTMLElement): void {
    root.classList.add("desktop");
    if (!this.id) {
      root.append(h("section", { class: "card" }, h("h1", {}, t("desk.title")), h("p", { testid: "no-agent" }, t("desk.no_agent"))));
      return;
    }
    const e = this.els;
    e.state = h("span", { class: "my-state", testid: "my-state" }, "…");
    e.stateTime = h("span", { class: "my-state-time", testid: "my-state-time" });
    e.reason = h("select", { testid: "pause-reason", "aria-label": t("desk.reason") },
      ...PAUSE_REASONS.map((r) => h("option", { value: r }, tx("reason", r))));
    e.reason.addEventListener("change", () => this.render());
    e.available = h("button", { class: "btn btn-go", testid: "btn-available", onclick: () => this.available() }, t("desk.available"));
    e.pause = h("button", { class: "btn btn-warn", testid: "btn-pause", onclick: () => this.act("pause", { reason: (e.reason as HTMLSelectElement).value }) }, t("desk.pause"));
    e.logout = h("button", { class: "btn btn-ghost", testid: "btn-logout", onclick: () => this.act("logout") }, t("desk.logout"));
    e.msg = h("p", { class: "act-msg", testid: "desk-msg", role: "status" });
    e.call = h("div", { class: "my-call", testid: "my-call" });
    e.wrap = h("div", { class: "my-wrap", testid: "my-wrap", hidden: true });
    e.dialInput = h("input", { type: "tel", placeholder: t("desk.dial.placeholder"), testid: "dial-number", autocomplete: "off", "aria-label": t("desk.dial.placeholder") });
    e.dialMsg = h("p", { class: "act-msg", testid: "dial-msg", role: "status" });
    e.holdMsg = h("p", { class: "act-msg", testid: "hold-msg", role: "status" });
    const dialForm = h("form", { class: "dial" }, e.dialInput, h("button", { type: "submit", class: "btn btn-primary", testid: "btn-dial" }, t("desk.dial.submit")));
    dialForm.addEventListener("submit", (ev) => { ev.preventDefault(); void this.dial(); });
    const fig = (id: string, label: string) => h("div", { class: "stat" }, h("div", { class: "stat-label" }, label), h("div", { class: "stat-value", testid: `today-${id}` }, t("na")));
    e.name = h("h1", {}, t("desk.title"));
    root.append(
      h("div", { class: "desk-grid" },
        h("section", { class: "card state-card", testid: "state-card" },
          h("div", { class: "card-head" }, e.name, h("span", { class: "muted" }, this.id)),
          h("div", { class: "state-line" }, h("span", { class: "stat-label" }, t("desk.my_state")), e.state, e.stateTime),
          e.wrap,
          h("div", { class: "state-actions" },
            e.available,
            h("div", { class: "pause-group" }, e.reason, e.pause),
            e.logout),
          e.msg),
        h("section", { class: "card" }, h("h2", {}, t("desk.call")), e.call),
        h("section", { class: "card" }, h("h2", {}, t("desk.dial")), dialForm, e.dialMsg),
        h("section", { class: "card today-card" }, h("h2", {}, t("desk.today")),
          h("div", { class: "figures" }, fig("handled", t("desk.handled")), fig("aht", t("desk.aht")), fig("occupancy", t("desk.occupancy")), fig("missed", t("desk.missed"))))),
    );
    this.tick = window.setInterval(() => this.tickTimers(), 1000);
    this.todayTimer = window.setInterval(() => void this.loadToday(), 30000);
    void this.loadProfile();
    void this.loadToday();
    this.live = new Live({
      view: { kind: "agent", agent: this.id },
      onSnapshot: (d) => { const a = d.agents?.find((x) => x.agent === this.id); if (a) this.setAgent(a); },
      onDelta: (d) => { const a = d.agents?.find((x) => x.agent === this.id); if (a) this.setAgent(a); },
      onStatus: (up) => this.setLive(up),
      poll: () => this.poll(),
    });
    this.live.start();
  }

  unmount(): void {
    this.live?.stop();
    window.clearInterval(this.tick);
    window.clearInterval(this.todayTimer);
    this.setLive(null);
  }

  private async loadProfile(): Promise<void> {
    try {
      const a = await apiAuthed<RestAgent>("GET", `/agents/${encodeURIComponent(this.id)}`);
      this.profile = { name: a.name, team: a.team };
      if (!this.agent || !this.live?.isUp) this.setAgent(agentFromStatus(a.status, this.profile, this.agent ?? undefined));
      setText(this.els.name, a.name || t("desk.title"));
    } catch (e) {
      this.showMsg(this.els.msg, e);
    }
  }

  private async loadToday(): Promise<void> {
    try {
      this.today = await apiAuthed<AgentToday>("GET", `/agents/${encodeURIComponent(this.id)}/today`);
      this.renderToday();
    } catch { /* figures stay as they were */ }
  }

  private async poll(): Promise<void> {
    const a = await apiAuthed<RestAgent>("GET", `/agents/${encodeURIComponent(this.id)}`);
    if (this.live?.isUp) return;
    this.profile = { name: a.name, team: a.team };
    this.setAgent(agentFromStatus(a.status, this.profile, this.agent ?? undefined));
  }

  private setAgent(a: AgentView): void {
    const handledChanged = this.agent && a.handled_today !== this.agent.handled_today;
    this.agent = a;
    this.render();
    if (handledChanged) void this.loadToday();
  }

  private async available(): Promise<void> {
    const op = availableAction(this.agent?.state ?? "logged_out");
    if (op) await this.act(op);
  }

  private async act(op: "login" | "logout" | "pause" | "unpause", body?: unknown): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.render();
    setText(this.els.msg, "");
    try {
      const st = await apiAuthed<AgentStatus>("POST", `/agents/${encodeURIComponent(this.id)}/${op}`, body);
      // the answer is the new state: show it now, the live view confirms it
      this.agent = agentFromStatus(st, this.profile, this.agent ?? undefined);
    } catch (e) {
      this.showMsg(this.els.msg, e);
    } finally {
      this.busy = false;
      this.render();
    }
  }

  // hold puts my caller on music on hold from the desktop, or brings them back.
  private async hold(on: boolean): Promise<void> {
    this.busy = true;
    this.render();
    setText(this.els.holdMsg, "");
    try {
      await apiAuthed("POST", `/agents/${encodeURIComponent(this.id)}/hold`, { on }); // the hold itself arrives over the WebSocket
    } catch (e) {
      this.showMsg(this.els.holdMsg, e);
    } finally {
      this.busy = false;
      this.render();
    }
  }

  private async dial(): Promise<void> {
    const input = this.els.dialInput as HTMLInputElement;
    const number = input.value.trim();
    if (!number) return;
    this.els.dialMsg.className = "act-msg";
    try {
      await apiAuthed("POST", `/agents/${encodeURIComponent(this.id)}/calls`, { number });
      setText(this.els.dialMsg, t("desk.dial.placed", { number }));
      this.els.dialMsg.classList.add("ok");
      input.value = "";
    } catch (e) {
      this.showMsg(this.els.dialMsg, e);
    }
  }

  private showMsg(el: HTMLElement, e: unknown): void {
    const ae = e as ApiError;
    el.className = "act-msg err";
    setText(el, ae.status === 0 ? t("error.network") : ae.message || String(e));
  }

  private render(): void {
    const a = this.agent;
    const e = this.els;
    if (!a) return;
    const card = e.state.closest(".state-card");
    card?.setAttribute("data-state", a.state);
    e.state.className = "my-state s-" + a.state;
    setText(e.state, tx("state", a.state) + (a.state === "paused" && a.reason ? " · " + tx("reason", a.reason) : ""));
    e.stateTime.dataset.since = a.since;
    setText(e.stateTime, t("desk.in_state", { t: formatDuration(elapsedSeconds(a.since, Date.now())) }));
    (e.available as HTMLButtonElement).disabled = this.busy || availableAction(a.state) === null;
    (e.pause as HTMLButtonElement).disabled = this.busy || a.state === "logged_out" || (a.state === "paused" && a.reason === (e.reason as HTMLSelectElement).value);
    (e.logout as HTMLButtonElement).disabled = this.busy || a.state === "logged_out" || a.state === "on_call" || a.state === "ringing";
    // the current call
    clear(e.call);
    if (a.call) {
      const dir = a.call.direction === "outbound" ? t("desk.direction.outbound") : t("desk.direction.inbound");
      e.call.append(
        h("div", { class: "call-big", testid: "my-call-number" }, a.call.number || "…"),
        h("div", { class: "call-meta" },
          h("span", { class: "pill" }, dir),
          a.call.queue ? h("span", { class: "pill", testid: "my-call-queue" }, a.call.queue) : null,
          h("span", { class: "call-timer", testid: "my-call-time", "data-since": a.call.since }, formatDuration(elapsedSeconds(a.call.since, Date.now()))),
          a.call.hold_since ? h("span", { class: "pill pill-hold", testid: "my-call-hold" }, t("call.on_hold") + " ",
            h("span", { "data-since": a.call.hold_since }, formatDuration(elapsedSeconds(a.call.hold_since, Date.now())))) : null));
      // the desktop holds and resumes its own holds; a phone's hold is released on the phone
      if (a.state === "on_call" && a.call.connected && (!a.call.hold_since || a.call.hold_desk)) {
        const held = !!a.call.hold_since;
        e.call.append(h("div", { class: "call-actions" },
          h("button", { class: "btn " + (held ? "btn-go" : "btn-warn"), testid: "btn-hold", disabled: this.busy,
            onclick: () => void this.hold(!held) }, held ? t("desk.resume") : t("desk.hold")),
          this.els.holdMsg));
      }
    } else {
      e.call.append(h("p", { class: "muted" }, t("desk.no_call")));
    }
    // the wrap-up countdown
    if (a.state === "wrap_up" && a.wrap_until) {
      e.wrap.hidden = false;
      e.wrap.dataset.until = a.wrap_until;
      setText(e.wrap, `${t("desk.wrap")} ${formatDuration(remainingSeconds(a.wrap_until, Date.now()))}`);
    } else {
      e.wrap.hidden = true;
      delete e.wrap.dataset.until;
    }
    this.renderToday();
  }

  private renderToday(): void {
    const td = this.today;
    const a = this.agent;
    const q = (id: string) => document.querySelector<HTMLElement>(`[data-testid=today-${id}]`);
    // the live view is newer than the last fetch for what it carries
    const handled = a && this.live?.isUp ? a.handled_today : td?.handled;
    const aht = a && this.live?.isUp && a.aht_s !== null ? a.aht_s : td?.aht_s;
    const occ = a && this.live?.isUp && a.occupancy !== null ? a.occupancy : td?.occupancy;
    const missed = a && this.live?.isUp ? a.missed_offers : td?.missed_offers;
    setText(q("handled"), handled === undefined ? t("na") : String(handled));
    setText(q("aht"), formatSeconds(aht, t("na")));
    setText(q("occupancy"), formatPct(occ, t("na")));
    setText(q("missed"), missed === undefined ? t("na") : String(missed));
  }

  private tickTimers(): void {
    const now = Date.now();
    for (const el of document.querySelectorAll<HTMLElement>(".desktop [data-since]")) {
      const s = formatDuration(elapsedSeconds(el.dataset.since, now));
      setText(el, el === this.els.stateTime ? t("desk.in_state", { t: s }) : s);
    }
    const w = this.els.wrap;
    if (w && w.dataset.until) setText(w, `${t("desk.wrap")} ${formatDuration(remainingSeconds(w.dataset.until, now))}`);
  }
}
