// Pure helpers of the monthly score pages (/scores): evidence links, who may take which step of a
// sheet's flow, money in yuan, periods. No DOM: tested by scores_logic.test.ts.

export interface ScoreLine {
  bucket: string;
  points: number;
  cause: string;
  detail?: string;
  evidence: string;
  counted: boolean;
  why?: string;
}

export interface MonthScore {
  agent: string;
  month: string;
  rule_version: number;
  buckets: Record<string, number>;
  evaluation: number;
  total: number;
  lines: ScoreLine[];
  missed: string[];
  missing: string[];
  attendance_bonus_fen: number;
  evaluation_bonus_fen: number;
  team: string;
  status: string;
  drafted_by?: string;
  reviewed_by?: string;
  approved_by?: string;
  dispute?: string;
  updated_at: string;
}

export const buckets = ["attendance", "timeliness", "accuracy", "exam", "conduct", "bonus"] as const;
export const statuses = ["draft", "reviewed", "approved", "acknowledged", "disputed"] as const;

// lastDay is the last day (YYYY-MM-DD) of month YYYY-MM.
export function lastDay(month: string): string {
  const [y, m] = month.split("-").map(Number);
  const d = new Date(Date.UTC(y, m, 0));
  return d.toISOString().slice(0, 10);
}

// prevMonth is the month before month (YYYY-MM).
export function prevMonth(month: string): string {
  const [y, m] = month.split("-").map(Number);
  const d = new Date(Date.UTC(y, m - 2, 1));
  return d.toISOString().slice(0, 7);
}

// evidenceLink is the page that shows a line's evidence, or "" when none does: calls (the
// month's AHT, a call) on the calls page filtered to the agent; days (late, early, leave, a day
// named by an entry) on attendance; evaluations and the month's QA on the QA pages; the exam
// on the exam tab.
export function evidenceLink(evidence: string, agent: string, month: string): string {
  const i = evidence.indexOf(":");
  if (i < 0) return "";
  const kind = evidence.slice(0, i);
  const val = evidence.slice(i + 1);
  const q = (o: Record<string, string>) => new URLSearchParams(o).toString();
  switch (kind) {
    case "aht":
      return "/calls?" + q({ agent, from: month + "-01", to: lastDay(month) });
    case "call":
      return "/calls?" + q({ agent, from: month + "-01", to: lastDay(month), call: val });
    case "late":
    case "early":
    case "leave":
    case "day":
      return /^\d{4}-\d{2}-\d{2}$/.test(val) ? "/attendance?" + q({ agent, day: val }) : "";
    case "eval":
      return /^\d+$/.test(val) ? "/qa/reports?" + q({ agent, evaluation: val }) : "";
    case "qa":
    case "accuracy":
      return "/qa/reports?" + q({ agent, month });
    case "exam":
      return "/scores?" + q({ tab: "exams", month });
  }
  return "";
}

export interface Who {
  role: string;
  agent_id?: string;
  team_id?: string;
}

const managers = ["operations_manager", "admin"];

// actionsFor are the flow's steps the user may take on a sheet now (the server checks again).
export function actionsFor(me: Who, s: Pick<MonthScore, "agent" | "team" | "status">): string[] {
  const own = !!me.agent_id && me.agent_id === s.agent;
  const mgr = managers.includes(me.role);
  const out: string[] = [];
  if (own) {
    if (s.status === "approved") out.push("acknowledge", "dispute");
    return out;
  }
  if (s.status === "draft" && (mgr || me.role === "project_manager")) out.push("review");
  if (s.status === "reviewed" && mgr) out.push("approve");
  if ((s.status === "reviewed" || s.status === "approved") && mgr) out.push("return");
  if (s.status === "disputed" && (mgr || me.role === "supervisor" || (me.role === "team_lead" && me.team_id === s.team))) out.push("uphold", "reject");
  return out;
}

// canDraft: team leads (their team), supervisors, operations managers and admins.
export const canDraft = (me: Who) => ["team_lead", "supervisor", ...managers].includes(me.role);
// canEnterItems: conduct deductions and bonuses, like drafting (never about oneself).
export const canEnterItems = canDraft;
export const canEnterExams = (me: Who) => me.role === "trainer" || managers.includes(me.role);
export const canEditRules = (me: Who) => managers.includes(me.role);

// yuan shows fen as yuan with two decimals.
export function yuan(fen: number, lang: string): string {
  return (fen / 100).toLocaleString(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

// periods offers the ranking's periods around month: its year's halves, the year, the month.
export function periods(month: string): string[] {
  const y = month.slice(0, 4);
  const half = month.slice(5) > "06" ? "H2" : "H1";
  return [`${y}-${half}`, y, month, `${y}-${half === "H2" ? "H1" : "H2"}`];
}

// detailKey reads the server's detail of a computed line (written in English by score.go) into
// a catalogue key and its parameters, so the reader sees it in their language; null when the
// detail is people's text (conduct, bonus) or unknown.
export function detailKey(l: Pick<ScoreLine, "cause" | "detail">): { key: string; params: Record<string, string> } | null {
  const d = l.detail ?? "";
  let m: RegExpMatchArray | null;
  switch (l.cause) {
    case "late":
    case "early":
      if ((m = d.match(/^(\d{4}-\d{2}-\d{2}) (\d+) min$/))) return { key: "scores.detail." + l.cause, params: { day: m[1], min: m[2] } };
      break;
    case "leave":
      if ((m = d.match(/^(\d{4}-\d{2}-\d{2}) (\w+)$/))) return { key: "scores.detail.leave", params: { day: m[1], type: m[2] } };
      break;
    case "aht":
      if ((m = d.match(/^AHT (\d+) s, limit (\d+) s: (\d+) min over$/))) return { key: "scores.detail.aht", params: { aht: m[1], limit: m[2], n: m[3] } };
      break;
    case "accuracy":
      if ((m = d.match(/^([\d.]+) % against ([\d.]+) %: (\d+) points below$/))) return { key: "scores.detail.accuracy", params: { value: m[1], standard: m[2], n: m[3] } };
      break;
    case "exam":
      if ((m = d.match(/^([\d.]+) against a pass mark of ([\d.]+): (\d+) × ([\d.]+) points below$/))) return { key: "scores.detail.exam", params: { value: m[1], mark: m[2], n: m[3], step: m[4] } };
      break;
    case "case":
      return { key: "scores.detail.case", params: { case: d } };
  }
  return null;
}
