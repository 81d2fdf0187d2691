// The team lead's daily score sheet (/qa/score-sheet): GET /api/v1/qa/score-sheet — the day's
// evaluations of the team with their scores and the count against the daily quota of 10, with
// the same sheet as CSV and as a printable page. A team lead sees their own sheet of their own
// team; operations managers, admins (and QA, supervisors) choose the team and, optionally, one
// evaluator.

import { apiAuthed as api } from "./api";
import { clear, h } from "./dom";
import { lang, t, type Key } from "./i18n";
import { errText, notice, show } from "./qa";
import type { Me } from "./types";
import { type ScoreSheet, evaluatorsOf, fmtScore, quotaShare, quotaText, sheetQuery, centreToday } from "./reports_logic";
import "./reports.css";

const statusText = (s: string) => { const k = ("qa.status." + s) as Key; const v = t(k); return v === k ? s : v; };

export class ScoreSheetPage {
  private alive = true;
  private seq = 0;
  constructor(private me: Me) {}

  mount(root: HTMLElement): void {
    const lead = this.me.user.role === "team_lead";
    const team = h("select", { testid: "sheet-team", "aria-label": t("sheet.team") }, h("option", { value: "" }, t("sheet.choose_team")));
    const evaluator = h("select", { testid: "sheet-evaluator", "aria-label": t("sheet.evaluator") }, h("option", { value: "" }, t("sheet.all_evaluators")));
    const dayIn = h("input", { type: "date", testid: "sheet-day", "aria-label": t("sheet.day"), value: centreToday(new Date(), this.me.time_zone) });
    const run = h("button", { class: "btn btn-primary", testid: "sheet-run" }, t("sheet.show"));
    const csv = h("a", { class: "btn btn-small", testid: "sheet-csv", hidden: true, download: "" }, t("sheet.csv"));
    const print = h("a", { class: "btn btn-small", testid: "sheet-html", target: "_blank", rel: "noopener", hidden: true }, t("sheet.print"));
    const msg = notice("error", "sheet-msg");
    const count = h("span", { class: "big", testid: "sheet-count" }, "–");
    const bar = h("span");
    const barWrap = h("div", { class: "sheet-bar", testid: "sheet-bar" }, bar);
    const togo = h("span", { class: "muted", testid: "sheet-togo" });
    const avg = h("span", { class: "big", testid: "sheet-avg" }, "–");
    const fatal = h("span", { class: "big", testid: "sheet-fatal" }, "–");
    const heading = h("span", { class: "muted", testid: "sheet-heading" });
    const send = h("section", { class: "panel sheet-send", testid: "send-panel", hidden: true });
    const body = h("tbody", { testid: "sheet-rows" });

    const field = (text: string, el: HTMLElement) => h("label", { class: "rep-field" }, h("span", { class: "muted" }, text), el);
    const th = (k: Key, cls?: string) => h("th", { class: cls }, t(k));
    root.append(h("div", { class: "qa-page" },
      h("h1", {}, t("sheet.title")),
      lead ? h("p", { class: "muted rep-note", testid: "sheet-lead-note" }, t("sheet.lead_note", { team: this.me.user.team_id ?? "", quota: 10 })) : null,
      h("div", { class: "panel rep-controls" },
        lead ? null : field(t("sheet.team"), team), lead ? null : field(t("sheet.evaluator"), evaluator),
        field(t("sheet.day"), dayIn), run, h("span", { class: "qa-grow" }), csv, print),
      msg,
      h("section", { class: "panel sheet-summary" },
        h("div", { class: "sheet-figure" }, h("span", { class: "muted" }, t("sheet.count_label")), count, barWrap, togo),
        h("div", { class: "sheet-figure" }, h("span", { class: "muted" }, t("sheet.avg")), avg),
        h("div", { class: "sheet-figure" }, h("span", { class: "muted" }, t("sheet.fatal")), fatal),
        h("div", { class: "sheet-figure qa-grow" }, heading)),
      send,
      h("div", { class: "rep-scroll" }, h("table", { class: "qa-table sheet-table" },
        h("thead", {}, h("tr", {}, h("th", {}, "#"), th("sheet.col.time_utc"), th("sheet.col.call"), th("sheet.col.agent"), th("sheet.col.evaluator"),
          th("sheet.col.scorecard"), th("sheet.col.raw", "n"), th("sheet.col.final", "n"), th("sheet.col.fatal"), th("sheet.col.non_fatal", "n"),
          th("sheet.col.comments", "n"), th("sheet.col.status"))),
        body))));

    const load = async () => {
      if (!lead && !team.value) { show(msg, t("sheet.choose_team"), "info"); return; }
      const q = lead ? sheetQuery(dayIn.value) : sheetQuery(dayIn.value, team.value, evaluator.value);
      const mine = ++this.seq;
      show(msg, "");
      let s: ScoreSheet;
      try {
        s = await api<ScoreSheet>("GET", "/qa/score-sheet?" + q);
      } catch (e) {
        if (!this.alive || mine !== this.seq) return;
        csv.hidden = print.hidden = true;
        clear(body);
        show(msg, errText(e), "error");
        return;
      }
      if (!this.alive || mine !== this.seq) return;
      csv.setAttribute("href", "/api/v1/qa/score-sheet?" + q + "&format=csv");
      print.setAttribute("href", "/api/v1/qa/score-sheet?" + q + "&format=html");
      csv.hidden = print.hidden = false;
      if (!lead && !evaluator.value) {
        clear(evaluator);
        evaluator.append(h("option", { value: "" }, t("sheet.all_evaluators")), ...evaluatorsOf(s.rows).map((e) => h("option", { value: e }, e)));
      }
      this.render(s, { count, bar, barWrap, togo, avg, fatal, heading, body });
      if (lead) void this.sendPanel(send, s, mine);
    };

    if (!lead) {
      void (async () => {
        try {
          const teams = (await api<{ teams: { id: string; name: string }[] }>("GET", "/teams")).teams ?? [];
          if (!this.alive) return;
          for (const tm of teams) team.append(h("option", { value: tm.id }, tm.name && tm.name !== tm.id ? `${tm.name} (${tm.id})` : tm.id));
          if (teams.length) team.value = teams[0].id;
          void load();
        } catch (e) { show(msg, errText(e), "error"); }
      })();
      team.addEventListener("change", () => { evaluator.value = ""; void load(); });
      evaluator.addEventListener("change", () => void load());
    } else {
      void load();
    }
    dayIn.addEventListener("change", () => void load());
    run.addEventListener("click", () => void load());
  }

  private render(s: ScoreSheet, el: Record<"count" | "bar" | "barWrap" | "togo" | "avg" | "fatal" | "heading" | "body", HTMLElement>): void {
    el.count.textContent = s.quota > 0 ? quotaText(s.evaluations, s.quota) : t("sheet.no_quota", { n: s.evaluations });
    const share = quotaShare(s.evaluations, s.quota);
    el.barWrap.hidden = share === null;
    el.bar.style.width = (share ?? 0) + "%";
    el.barWrap.classList.toggle("met", s.quota > 0 && s.evaluations >= s.quota);
    el.togo.textContent = s.quota <= 0 ? "" : s.evaluations >= s.quota ? t("sheet.quota_met") : t("sheet.to_go", { n: s.quota - s.evaluations });
    el.avg.textContent = fmtScore(s.avg_score);
    el.fatal.textContent = String(s.fatal);
    el.fatal.classList.toggle("bad", s.fatal > 0);
    el.heading.textContent = [t("sheet.heading_team", { team: s.team }), s.day, s.evaluator ? t("sheet.heading_by", { who: s.evaluator }) : ""].filter(Boolean).join(" · ");
    clear(el.body);
    if (!s.rows.length) el.body.append(h("tr", {}, h("td", { colspan: 12, class: "muted" }, t("sheet.empty"))));
    for (const r of s.rows) {
      el.body.append(h("tr", { testid: "sheet-row-" + r.id },
        h("td", {}, String(r.id)),
        h("td", {}, new Date(r.created_at).toLocaleTimeString(lang(), { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: this.me.time_zone || "UTC" })),
        h("td", { class: "mono" }, r.call_id),
        h("td", {}, r.agent_id),
        h("td", {}, r.evaluator),
        h("td", {}, `${r.scorecard_id} ${t("qa.version", { v: r.scorecard_version })}`),
        h("td", { class: "n" }, fmtScore(r.score_raw)),
        h("td", { class: "n", testid: `sheet-final-${r.id}` }, fmtScore(r.score_final)),
        h("td", {}, r.fatal ? h("span", { class: "badge badge-red" }, t("qa.fatal")) : ""),
        h("td", { class: "n" }, String(r.non_fatal_errors)),
        h("td", { class: "n" }, String(r.comments)),
        h("td", {}, h("span", { class: "badge" }, statusText(r.status)))));
    }
  }

  // sendPanel: a team lead sends the day's sheet to the project managers once (POST
  // /qa/score-sheet/send); a sheet short of its quota needs a note. Once sent it says when.
  private async sendPanel(panel: HTMLElement, s: ScoreSheet, mine: number): Promise<void> {
    let sent: SentSheet | undefined;
    try {
      const inbox = await api<{ sheets: { day: string; lead: string; sent: SentSheet | null }[] }>("GET",
        `/qa/score-sheets?from=${s.day}&to=${nextDay(s.day)}`);
      sent = inbox.sheets.find((x) => x.day === s.day && x.lead === this.me.user.username)?.sent ?? undefined;
    } catch { /* the panel still offers to send; the server refuses a second send */ }
    if (!this.alive || mine !== this.seq) return;
    clear(panel);
    panel.hidden = false;
    const at = (iso: string) => new Date(iso).toLocaleString(lang(), { timeZone: this.me.time_zone || "UTC", dateStyle: "short", timeStyle: "short" });
    if (sent) {
      panel.append(h("h2", {}, t("send.title")),
        h("p", { testid: "send-status" }, t("send.sent", { at: at(sent.submitted_at), n: sent.evaluations, quota: sent.quota })));
      if (sent.note) panel.append(h("p", { class: "muted", testid: "send-sent-note" }, sent.note));
      return;
    }
    const short = s.evaluations < s.quota;
    const note = h("input", { class: "qa-grow", testid: "send-note", placeholder: short ? t("send.note_short") : t("send.note"), maxlength: 2000 });
    const err = notice("error", "send-error");
    const btn = h("button", { class: "btn btn-go", testid: "send-button" }, t("send.button"));
    btn.addEventListener("click", async () => {
      show(err, "");
      btn.disabled = true;
      try {
        await api("POST", "/qa/score-sheet/send", { day: s.day, note: note.value.trim() });
        if (this.alive) void this.sendPanel(panel, s, this.seq);
      } catch (e) {
        show(err, errText(e), "error");
        if ((e as { field?: string }).field === "note") note.focus();
      } finally { btn.disabled = false; }
    });
    panel.append(h("h2", {}, t("send.title")), h("div", { class: "qa-row" }, note, btn), err);
  }

  unmount(): void { this.alive = false; }
}

interface SentSheet { evaluations: number; quota: number; avg_score: number | null; fatal: number; note: string; submitted_at: string }

// nextDay is the day after a YYYY-MM-DD day.
export function nextDay(day: string): string {
  const d = new Date(day + "T00:00:00Z");
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}
