// The QA reports page (/qa/reports): GET /api/v1/qa/reports per agent, team, queue, evaluator
// or everyone and per day, week or month (the centre's days), every figure the API gives — evaluations against
// the quota, average score, fatal-item and non-fatal-item rates to two decimals with their
// denominators named, dispute and overturn rates, the most-failed items — a uPlot trend of the
// average score and both rates, and the same report as CSV and as a printable page (the weekly
// and monthly QA reports are presets of the range).

import uPlot from "uplot";
import type { Me } from "./types";
import { apiAuthed as api } from "./api";
import { clear, h } from "./dom";
import { t, type Key } from "./i18n";
import { errText, notice, show } from "./qa";
import {
  GROUPS, PERIODS, PRESETS, type Group, type Period, type Preset, type QARate, type Report, type ReportRow,
  fmtScore, presetRange, reportMostFailed, quotaText, rangeError, rateText, reportQuery, trendSeries,
} from "./reports_logic";
import "./reports.css";

// denominatorNames translates the API's denominator_name values.
function denominatorNames(): Record<string, string> {
  return {
    evaluations: t("rep.den.evaluations"),
    "non-fatal items": t("rep.den.non_fatal_items"),
    "decided disputes": t("rep.den.decided_disputes"),
  };
}

export function rate(r: QARate | undefined): string {
  return rateText(r, t("rep.rate_of"), t("rep.na"), denominatorNames());
}

export class ReportsPage {
  constructor(private me?: Me) {}
  private plot: uPlot | null = null;
  private seq = 0;
  private alive = true;

  mount(root: HTMLElement): void {
    const opt = (v: string, label: string, selected = false) => h("option", { value: v, selected }, label);
    const preset = h("select", { testid: "rep-preset", "aria-label": t("rep.preset") },
      ...PRESETS.map((p) => opt(p, t(`rep.preset.${p}` as Key), p === "last28")), opt("custom", t("rep.preset.custom")));
    const group = h("select", { testid: "rep-group", "aria-label": t("rep.group") }, ...GROUPS.map((g) => opt(g, t(`rep.group.${g}` as Key))));
    const period = h("select", { testid: "rep-period", "aria-label": t("rep.period") }, ...PERIODS.map((p) => opt(p, t(`rep.period.${p}` as Key))));
    const from = h("input", { type: "date", testid: "rep-from", "aria-label": t("rep.from") });
    const to = h("input", { type: "date", testid: "rep-to", "aria-label": t("rep.to") });
    const run = h("button", { class: "btn btn-primary", testid: "rep-run" }, t("rep.run"));
    const csv = h("a", { class: "btn btn-small", testid: "rep-csv", hidden: true, download: "" }, t("rep.csv"));
    const html = h("a", { class: "btn btn-small", testid: "rep-html", target: "_blank", rel: "noopener", hidden: true }, t("rep.html"));
    const msg = notice("error", "rep-msg");
    const chart = h("div", { class: "qa-chart", testid: "rep-chart" });
    const groupHead = h("th", { testid: "rep-group-head" });
    const body = h("tbody", { testid: "rep-rows" });
    const failed = h("ol", { class: "rep-failed", testid: "rep-most-failed" });

    const setRange = (p: Preset) => {
      const r = presetRange(p, new Date(), this.me?.time_zone);
      from.value = r.from; to.value = r.to; period.value = r.period;
    };
    setRange("last28");

    const label = (text: string, el: HTMLElement) => h("label", { class: "rep-field" }, h("span", { class: "muted" }, text), el);
    root.append(h("div", { class: "qa-page" },
      h("h1", {}, t("rep.title")),
      h("div", { class: "panel rep-controls" },
        label(t("rep.preset"), preset), label(t("rep.group"), group), label(t("rep.period"), period),
        label(t("rep.from"), from), label(t("rep.to"), to), run, h("span", { class: "qa-grow" }), csv, html),
      h("p", { class: "muted rep-note", testid: "rep-zone" }, t("rep.utc", { tz: this.me?.time_zone || "UTC" })),
      msg,
      h("section", { class: "panel" }, h("h2", {}, t("rep.trend")), chart),
      h("div", { class: "rep-scroll" }, h("table", { class: "qa-table rep-table" },
        h("thead", {}, h("tr", {},
          h("th", {}, t("rep.period_col")), groupHead, h("th", { class: "n" }, t("rep.count")), h("th", { class: "n" }, t("rep.avg")),
          h("th", {}, t("rep.fatal_rate")), h("th", {}, t("rep.non_fatal_rate")), h("th", {}, t("rep.dispute_rate")),
          h("th", {}, t("rep.overturn_rate")), h("th", {}, t("rep.top_failed")))),
        body)),
      h("p", { class: "muted rep-note" }, t("rep.quota_note")),
      h("section", { class: "panel" }, h("h2", {}, t("rep.most_failed")), failed, h("p", { class: "muted rep-note" }, t("rep.most_failed_note")))));

    const load = async () => {
      const bad = rangeError(from.value, to.value);
      if (bad) { show(msg, t("rep.range_error", { field: t(bad === "from" ? "rep.from" : "rep.to") }), "error"); return; }
      const q = reportQuery(group.value as Group, period.value as Period, from.value, to.value);
      const mine = ++this.seq;
      show(msg, "");
      body.setAttribute("aria-busy", "true");
      let rep: Report;
      try {
        rep = await api<Report>("GET", "/qa/reports?" + q);
      } catch (e) {
        if (!this.alive || mine !== this.seq) return;
        csv.hidden = html.hidden = true;
        clear(body); clear(failed);
        body.removeAttribute("aria-busy");
        show(msg, errText(e), "error");
        return;
      }
      if (!this.alive || mine !== this.seq) return;
      body.removeAttribute("aria-busy");
      csv.setAttribute("href", "/api/v1/qa/reports?" + q + "&format=csv");
      html.setAttribute("href", "/api/v1/qa/reports?" + q + "&format=html");
      csv.hidden = html.hidden = false;
      groupHead.textContent = t(`rep.group.${rep.group}` as Key);
      this.renderRows(body, rep.rows);
      clear(failed);
      const top = reportMostFailed(rep);
      if (!top.length) failed.append(h("li", { class: "muted rep-none" }, t("qa.none")));
      for (const it of top) {
        failed.append(h("li", { testid: "rep-mf-" + it.item_id },
          h("span", {}, it.text || it.item_id), h("span", { class: "muted mono" }, " " + it.item_id), h("span", { class: "rep-count" }, t("rep.failed_n", { n: it.count }))));
      }
      this.draw(chart, rep, Date.parse(from.value + "T00:00:00Z") / 1000, Date.parse(to.value + "T00:00:00Z") / 1000 + 86400);
    };
    preset.addEventListener("change", () => { if (preset.value !== "custom") setRange(preset.value as Preset); void load(); });
    for (const el of [from, to]) el.addEventListener("change", () => { preset.value = "custom"; });
    group.addEventListener("change", () => void load());
    period.addEventListener("change", () => void load());
    run.addEventListener("click", () => void load());
    void load();
  }

  private renderRows(body: HTMLElement, rows: ReportRow[]): void {
    clear(body);
    if (!rows.length) body.append(h("tr", {}, h("td", { colspan: 9, class: "muted" }, t("rep.empty"))));
    rows.forEach((r, i) => {
      const cell = (id: string, text: string, title?: string, cls?: string) => h("td", { testid: `rep-${id}-${i}`, title, class: cls }, text);
      const frac = (q: QARate) => `${q.numerator} / ${q.denominator}`;
      body.append(h("tr", { testid: `rep-row-${i}`, "data-key": r.key, "data-period": r.period },
        cell("period", r.period, undefined, "mono"),
        cell("key", r.key || t("rep.unknown")),
        cell("count", quotaText(r.quota != null ? (r.calls ?? r.evaluations) : r.evaluations, r.quota), undefined, "n"),
        cell("avg", fmtScore(r.avg_score), undefined, "n"),
        cell("fatal", rate(r.fatal_rate), frac(r.fatal_rate)),
        cell("nonfatal", rate(r.non_fatal_rate), frac(r.non_fatal_rate)),
        cell("dispute", rate(r.dispute_rate), frac(r.dispute_rate)),
        cell("overturn", rate(r.overturn_rate), frac(r.overturn_rate)),
        h("td", { testid: `rep-top-${i}`, class: "rep-top" }, ...(r.top_failed_items ?? []).map((it) =>
          h("div", { title: it.item_id }, it.text || it.item_id, h("span", { class: "rep-count" }, "×" + it.count))))));
    });
  }

  private draw(el: HTMLElement, rep: Report, x0: number, x1: number): void {
    this.plot?.destroy(); this.plot = null;
    clear(el);
    const data = trendSeries(rep.trend ?? []);
    const axis = { stroke: "#8b949e", grid: { stroke: "#262c36" }, ticks: { stroke: "#262c36" } };
    this.plot = new uPlot({
      width: Math.max(300, el.clientWidth || 900), height: 240,
      scales: { x: { time: true, range: [x0, x1] }, score: { range: [0, 110] }, pct: { range: (_u, _min, max) => [0, Math.max(10, Math.ceil(((max ?? 0) * 1.2) / 5) * 5)] } },
      axes: [
        axis,
        { ...axis, scale: "score", label: t("rep.axis_score") },
        { ...axis, scale: "pct", side: 1, label: t("rep.axis_rate"), grid: { show: false } },
      ],
      series: [
        {},
        { label: t("rep.avg"), scale: "score", stroke: "#58a6ff", width: 2, points: { show: true } },
        { label: t("rep.fatal_rate") + " %", scale: "pct", stroke: "#f85149", width: 2, points: { show: true } },
        { label: t("rep.non_fatal_rate") + " %", scale: "pct", stroke: "#d29922", width: 2, dash: [6, 4], points: { show: true } },
      ],
    }, data as uPlot.AlignedData, el);
  }

  unmount(): void { this.alive = false; this.plot?.destroy(); this.plot = null; }
}
