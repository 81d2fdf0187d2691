// The score-sheet inbox (/qa/score-sheets): the daily score sheets team leads sent to the
// project managers and, for each working day that is over, the ones still missing
// (GET /api/v1/qa/score-sheets). Project managers and everyone who sees the whole floor read
// every team's; a team lead their own.

import { apiAuthed as api } from "./api";
import { clear, h } from "./dom";
import { lang, t } from "./i18n";
import { errText, notice, show } from "./qa";
import { centreDay, fmtScore, quotaText } from "./reports_logic";
import { nextDay } from "./scoresheet";
import type { Me } from "./types";

interface Sent { evaluations: number; quota: number; avg_score: number | null; fatal: number; note: string; submitted_at: string }
interface Due { team: string; day: string; lead: string; sent: Sent | null }

export class ScoreSheetInboxPage {
  private alive = true;
  constructor(private me: Me) {}

  mount(root: HTMLElement): void {
    const today = centreDay(new Date(), this.me.time_zone);
    const weekAgo = new Date(today + "T00:00:00Z");
    weekAgo.setUTCDate(weekAgo.getUTCDate() - 6);
    const from = h("input", { type: "date", testid: "inbox-from", value: weekAgo.toISOString().slice(0, 10) });
    const to = h("input", { type: "date", testid: "inbox-to", value: today });
    const team = h("select", { testid: "inbox-team" }, h("option", { value: "" }, t("inbox.all_teams")));
    const run = h("button", { class: "btn btn-primary", testid: "inbox-show" }, t("inbox.show"));
    const msg = notice("error", "inbox-msg");
    const summary = h("p", { class: "muted", testid: "inbox-summary" });
    const body = h("tbody", { testid: "inbox-rows" });
    const lead = this.me.user.role === "team_lead";
    const field = (text: string, el: HTMLElement) => h("label", { class: "rep-field" }, h("span", { class: "muted" }, text), el);
    root.append(h("div", { class: "qa-page" }, h("h1", {}, t("inbox.title")),
      h("div", { class: "panel rep-controls" }, field(t("inbox.from"), from), field(t("inbox.to"), to), lead ? null : field(t("inbox.team"), team), run),
      msg, summary,
      h("table", { class: "qa-table" }, h("thead", {}, h("tr", {}, ...(["inbox.col.day", "inbox.col.team", "inbox.col.lead", "inbox.col.status", "inbox.col.count",
        "inbox.col.avg", "inbox.col.fatal", "inbox.col.note", "inbox.col.sheet"] as const).map((k) => h("th", {}, t(k))))), body)));

    const at = (iso: string) => new Date(iso).toLocaleString(lang(), { timeZone: this.me.time_zone || "UTC", dateStyle: "short", timeStyle: "short" });
    const load = async () => {
      show(msg, "");
      const q = new URLSearchParams({ from: from.value, to: nextDay(to.value) });
      if (team.value) q.set("team", team.value);
      let out: { sent: number; missing: number; sheets: Due[] };
      try {
        out = await api("GET", "/qa/score-sheets?" + q.toString());
      } catch (e) { show(msg, errText(e), "error"); return; }
      if (!this.alive) return;
      summary.textContent = t("inbox.summary", { sent: out.sent, missing: out.missing });
      clear(body);
      if (!out.sheets.length) body.append(h("tr", {}, h("td", { colspan: 9, class: "muted" }, t("inbox.empty"))));
      for (const d of out.sheets) {
        const s = d.sent;
        const sheet = new URLSearchParams({ team: d.team, day: d.day, lead: d.lead, format: "html" });
        // a sent sheet opens as sent; a missing one opens the lead's sheet as it is now
        const href = (s ? "/api/v1/qa/score-sheets/sent?" : "/api/v1/qa/score-sheet?") + sheet.toString();
        body.append(h("tr", { testid: `inbox-row-${d.team}-${d.day}-${d.lead}`, class: s ? "" : "inbox-missing" },
          h("td", { class: "mono" }, d.day), h("td", {}, d.team), h("td", {}, d.lead),
          h("td", { testid: `inbox-status-${d.team}-${d.day}-${d.lead}` },
            s ? h("span", { class: "badge badge-ok" }, t("inbox.sent", { at: at(s.submitted_at) })) : h("span", { class: "badge badge-red" }, t("inbox.missing"))),
          h("td", { class: "n" }, s ? quotaText(s.evaluations, s.quota) : ""),
          h("td", { class: "n" }, s ? fmtScore(s.avg_score) : ""),
          h("td", { class: "n" }, s ? String(s.fatal) : ""),
          h("td", {}, s?.note ?? ""),
          h("td", {}, h("a", { class: "btn btn-small", href, target: "_blank", rel: "noopener", testid: `inbox-open-${d.team}-${d.day}-${d.lead}` },
            s ? t("inbox.open_sent") : t("inbox.open")))));
      }
    };
    if (!lead) {
      void (async () => {
        try {
          const teams = (await api<{ teams: { id: string; name: string }[] }>("GET", "/teams")).teams ?? [];
          for (const tm of teams) team.append(h("option", { value: tm.id }, tm.name && tm.name !== tm.id ? `${tm.name} (${tm.id})` : tm.id));
        } catch { /* all teams still work */ }
      })();
    }
    run.addEventListener("click", () => void load());
    void load();
  }

  unmount(): void { this.alive = false; }
}
