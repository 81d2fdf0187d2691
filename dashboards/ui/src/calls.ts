// The call history with its recordings (/calls): search by time, queue, agent, team, outcome,
// direction, number (a trailing * for a prefix) and "recorded only", newest first, a page at a
// time (keyset cursor). Each recorded call plays in a wavesurfer.js player streamed from the
// API with HTTP Range (so it seeks), and downloads; every listen and download is audited by the
// server. The API scopes what comes back (an agent: their own calls; a team lead: their team).

import { apiAuthed as api } from "./api";
import { clear, h } from "./dom";
import { lang, t, type Key } from "./i18n";
import type { Me, RestAgent, RestQueue } from "./types";
import { canEvaluate, fmtClock } from "./qalogic";
import { callsQuery, type CallsFilter, zonedInstant } from "./calls_logic";
import { centreDay } from "./reports_logic";
import { errText, show } from "./qa";
import { Player } from "./player";

interface CallRow {
  id: string; direction: string; queue?: string; caller_number?: string; called_number?: string; agent?: string;
  entered_at: string; ended_at?: string; wait_ms?: number; talk_ms?: number; hold_ms?: number; wrap_ms?: number;
  outcome?: string; recording_name?: string;
  transferred_to?: string; transferred_from?: string; disposition?: string; disposition_label?: string; note?: string; no_disposition?: boolean;
}

const OUTCOMES = ["answered", "abandoned", "short_abandon", "flowed_out", "unknown_queue", "busy", "no_answer", "failed", "lost"];
// transferTarget names where a call was transferred ("queue:sales" → "Queue sales").
const transferTarget = (to: string) => {
  const [kind, ...rest] = to.split(":");
  const k = ({ queue: "desk.transfer.queue", agent: "desk.transfer.agent", number: "desk.transfer.number" } as Record<string, Key>)[kind];
  return k ? `${t(k)} ${rest.join(":")}` : to;
};
const dur = (ms?: number) => (ms === undefined || ms === null ? "" : fmtClock(ms));
const tr = (k: string, fallback: string) => { const v = t(k as Key); return v === k ? fallback : v; };

export class CallsPage {
  private player: Player | null = null;
  private alive = true;
  constructor(private me: Me) {}

  mount(root: HTMLElement): void {
    const role = this.me.user.role;
    const agentOnly = role === "agent";
    const evaluator = canEvaluate(role);
    // the times are the centre's (time_zone), like every other page's days
    const tz = this.me.time_zone || "UTC";
    const from = h("input", { type: "datetime-local", testid: "calls-from", value: centreDay(new Date(), tz) + "T00:00" });
    const to = h("input", { type: "datetime-local", testid: "calls-to", value: "" , placeholder: "" });
    const queue = h("select", { testid: "calls-queue" }, h("option", { value: "" }, t("calls.any")));
    const agent = h("select", { testid: "calls-agent" }, h("option", { value: "" }, t("calls.any")));
    const team = h("select", { testid: "calls-team" }, h("option", { value: "" }, t("calls.any")));
    const outcome = h("select", { testid: "calls-outcome" }, h("option", { value: "" }, t("calls.any")),
      ...OUTCOMES.map((o) => h("option", { value: o }, tr("outcome." + o, o))));
    const direction = h("select", { testid: "calls-direction" }, h("option", { value: "" }, t("calls.any")),
      h("option", { value: "inbound" }, t("calls.dir.inbound")), h("option", { value: "outbound" }, t("calls.dir.outbound")));
    const number = h("input", { testid: "calls-number", placeholder: t("calls.number_ph"), size: 14 });
    const recorded = h("input", { type: "checkbox", testid: "calls-recorded", checked: true });
    const disposition = h("input", { testid: "calls-disposition", placeholder: t("calls.disposition_ph"), size: 10 });
    const noteText = h("input", { testid: "calls-q", placeholder: t("calls.note_ph"), size: 14 });
    const search = h("button", { class: "btn btn-primary", testid: "calls-search" }, t("calls.search"));
    const msg = h("p", { class: "qa-msg qa-msg-error", testid: "calls-error", role: "alert", hidden: true });
    const count = h("span", { class: "muted", testid: "calls-count" });
    const more = h("button", { class: "btn", testid: "calls-more", hidden: true }, t("calls.more"));
    const body = h("tbody", { testid: "calls-rows" });
    const player = h("section", { class: "panel qa-player calls-player", testid: "calls-player", hidden: true });
    const label = (k: Key, el: HTMLElement) => h("label", { class: "calls-filter" }, h("span", { class: "muted" }, t(k)), el);

    root.append(h("div", { class: "qa-page" },
      h("h1", {}, t("calls.title")),
      h("div", { class: "panel qa-row calls-filters" },
        label("calls.from", from), label("calls.to", to), label("calls.queue", queue),
        agentOnly ? null : label("calls.agent", agent), agentOnly ? null : label("calls.team", team),
        label("calls.outcome", outcome), label("calls.direction", direction), label("calls.number", number),
        label("calls.disposition", disposition), label("calls.note", noteText),
        h("label", { class: "qa-opt" }, recorded, t("calls.recorded")), search),
      msg, player,
      h("table", { class: "qa-table calls-table" },
        h("thead", {}, h("tr", {}, ...(["calls.col.time", "calls.col.dir", "calls.queue", "calls.col.number", "calls.agent", "calls.outcome",
          "calls.col.wait", "calls.col.talk", "calls.col.hold", "calls.col.wrap", "calls.col.recording"] as Key[]).map((k) => h("th", {}, t(k))))),
        body),
      h("div", { class: "qa-row" }, count, more)));

    // the filters' choices (the API scopes them: a team lead gets their team's agents)
    void (async () => {
      try {
        const [qs, ags] = await Promise.all([api<{ queues: RestQueue[] }>("GET", "/queues"), agentOnly ? Promise.resolve({ agents: [] as RestAgent[] }) : api<{ agents: RestAgent[] }>("GET", "/agents")]);
        for (const q of qs.queues ?? []) queue.append(h("option", { value: q.name }, q.name));
        const teams = new Set<string>();
        for (const a of (ags.agents ?? []).sort((x, y) => x.id.localeCompare(y.id))) {
          agent.append(h("option", { value: a.id }, `${a.id} · ${a.name}`));
          if (a.team) teams.add(a.team);
        }
        for (const tm of [...teams].sort()) team.append(h("option", { value: tm }, tm));
      } catch { /* the search still works with free filters */ }
    })();

    let cursor = "";
    let shown = 0;
    const filter = (): CallsFilter => ({
      from: zonedInstant(from.value || centreDay(new Date(), tz) + "T00:00", tz),
      to: to.value ? zonedInstant(to.value, tz) : new Date(Date.now() + 60_000),
      queue: queue.value, agent: agent.value, team: team.value, outcome: outcome.value, direction: direction.value,
      number: number.value.trim(), recorded: recorded.checked, disposition: disposition.value.trim(), q: noteText.value.trim(),
    });
    const load = async (reset: boolean) => {
      show(msg, "");
      if (reset) { cursor = ""; shown = 0; clear(body); count.textContent = ""; more.hidden = true; }
      let page: { calls: CallRow[]; next_cursor?: string };
      try {
        page = await api("GET", "/calls?" + callsQuery(filter(), cursor));
      } catch (e) {
        show(msg, errText(e), "error");
        return;
      }
      if (!this.alive) return;
      for (const c of page.calls ?? []) body.append(this.row(c, player, evaluator));
      shown += page.calls?.length ?? 0;
      if (!shown) body.append(h("tr", {}, h("td", { colspan: 11, class: "muted" }, t("calls.none"))));
      cursor = page.next_cursor ?? "";
      more.hidden = !cursor;
      count.textContent = t("calls.count", { n: shown });
    };
    search.addEventListener("click", () => void load(true));
    number.addEventListener("keydown", (e) => { if (e.key === "Enter") void load(true); });
    more.addEventListener("click", () => void load(false));
    void load(true);
  }

  private row(c: CallRow, player: HTMLElement, evaluator: boolean): HTMLElement {
    const number = c.direction === "outbound" ? c.called_number : c.caller_number;
    const file = `/api/v1/calls/${encodeURIComponent(c.id)}/recording/file`;
    const rec = c.recording_name && c.ended_at
      ? h("td", { class: "calls-actions" },
        h("button", { class: "btn btn-small btn-primary", testid: "calls-play-" + c.id, onclick: () => this.play(c, player) }, t("calls.play")),
        h("a", { class: "btn btn-small", href: file + "?download=1", download: "", testid: "calls-download-" + c.id }, t("calls.download")),
        evaluator && c.agent && c.agent !== this.me.user.agent_id
          ? h("a", { class: "btn btn-small btn-ghost", href: "/qa/evaluate/" + encodeURIComponent(c.id), testid: "calls-evaluate-" + c.id }, t("calls.evaluate"))
          : null)
      : h("td", { class: "muted" }, c.ended_at ? "" : tr("outcome.in_progress", "…"));
    return h("tr", { testid: "calls-row-" + c.id },
      h("td", { class: "mono", title: c.id }, new Date(c.entered_at).toLocaleString(lang(), { timeZone: this.me.time_zone || "UTC" })),
      h("td", {}, tr("calls.dir." + c.direction, c.direction)),
      h("td", {}, c.queue ?? ""),
      h("td", { class: "mono" }, number ?? ""),
      h("td", {}, c.agent ?? ""),
      h("td", { testid: "calls-outcome-" + c.id }, c.outcome ? tr("outcome." + c.outcome, c.outcome) : "",
        c.transferred_to ? h("div", { class: "muted", testid: "calls-transfer-" + c.id }, t("calls.transferred", { to: transferTarget(c.transferred_to) })) : null,
        c.disposition ? h("div", { testid: "calls-disposition-" + c.id }, c.disposition_label || c.disposition) : null,
        c.no_disposition ? h("div", { class: "muted", testid: "calls-disposition-" + c.id }, t("calls.no_disposition")) : null,
        c.note ? h("div", { class: "muted calls-note", title: c.note, testid: "calls-note-" + c.id }, c.note.length > 80 ? c.note.slice(0, 80) + "…" : c.note) : null),
      h("td", { class: "mono" }, dur(c.wait_ms)), h("td", { class: "mono" }, dur(c.talk_ms)),
      h("td", { class: "mono" }, dur(c.hold_ms)), h("td", { class: "mono" }, dur(c.wrap_ms)),
      rec);
  }

  // play opens the shared recording player (player.ts: the waveform over the page's own <audio>,
  // streamed from the API with Range requests) on c's recording, and starts playing.
  private play(c: CallRow, panel: HTMLElement): void {
    this.player?.destroy(); this.player = null;
    clear(panel); panel.hidden = false;
    const p = new Player(c.id);
    this.player = p;
    const url = `/api/v1/calls/${encodeURIComponent(c.id)}/recording/file`;
    panel.append(h("div", { class: "qa-row" }, h("strong", {}, t("calls.player", { id: c.id })), h("span", { class: "qa-grow" }),
      h("a", { class: "btn btn-small", href: url + "?download=1", download: "" }, t("calls.download")),
      h("button", { class: "btn btn-small btn-ghost", testid: "calls-player-close", onclick: () => { this.player?.destroy(); this.player = null; clear(panel); panel.hidden = true; } }, t("calls.close"))),
      p.wave, p.audio, p.controls());
    const ws = p.start();
    ws.on("ready", () => void ws.play().catch(() => {}));
    panel.scrollIntoView({ block: "nearest" });
  }

  unmount(): void { this.alive = false; this.player?.destroy(); this.player = null; }
}
