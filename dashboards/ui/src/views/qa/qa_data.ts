// What the QA pages (views/qa) read from the API, and small helpers they share. Pure logic
// (scores, answers, labels) stays in ../../qalogic.ts with its vitest tests.

import { nextTick } from "vue";
import { apiAuthed as api } from "../../api";
import { currentLang } from "../../locale";
import type { Answer, Scorecard } from "../../qalogic";

export interface ScorecardSummary { id: string; name: string; latest_version: number; versions: number; retired: boolean }
export interface Dispute {
  id: number; evaluation_id: number; items: string[]; reason: string; raised_by: string;
  lead_review?: string; lead_by?: string; lead_note?: string; decision?: string; decided_by?: string;
}
export interface Evaluation {
  id: number; call_id: string; agent_id: string; evaluator: string; scorecard_id: string; scorecard_version: number;
  answers: Answer[]; comments: { at_ms: number; text: string }[]; score_final: number; fatal: boolean; status: string;
  created_at: string; disputes?: Dispute[]; result?: { section_failed?: string[]; fatal_items?: string[] };
  superseded_by?: number; // a duplicate from before one evaluation per call: replaced, counts nowhere
}
// Assignment is one sampled call on the worklist (storage.SampleAssignment).
export interface Assignment {
  call_id: string; call_entered_at?: string; agent?: string; queue?: string; talk_ms?: number;
  done?: boolean; done_at?: string; evaluation_id?: number; evaluated_by?: string;
}
// CallRecord: the part of GET /calls/{id} the evaluate page shows.
export interface CallRecord {
  id: string; agent?: string; queue?: string; entered_at: string; answered_at?: string | null; ended_at?: string | null; talk_ms?: number | null;
}

const scorecards = new Map<string, Scorecard>();
// scorecard reads a scorecard; a given version never changes, so it is read once.
export async function scorecard(id: string, version?: number): Promise<Scorecard> {
  const k = id + "@" + (version ?? "latest");
  let sc = scorecards.get(k);
  if (!sc) {
    sc = await api<Scorecard>("GET", `/scorecards/${encodeURIComponent(id)}` + (version ? `?version=${version}` : ""));
    if (version) scorecards.set(k, sc);
  }
  return sc;
}

// agentNames: the names of the agents the reader may see (GET /agents), id → name. An empty map
// when they cannot be read: the pages then show ids.
export async function agentNames(): Promise<Map<string, string>> {
  try {
    const r = await api<{ agents: { id: string; name?: string }[] }>("GET", "/agents");
    return new Map((r.agents ?? []).map((a) => [a.id, a.name ?? ""]));
  } catch {
    return new Map();
  }
}

export const fmtScore = (n: number | null | undefined) => (n === null || n === undefined ? "–" : (Math.round(n * 10) / 10).toFixed(1));
export const fmtTime = (iso: string) => new Date(iso).toLocaleString(currentLang());

// tagRows gives the rows of an el-table the test ids the browser tests find them by (el-table
// has no per-row attributes): row i of the body gets ids[i]. Call it after the rows changed.
export async function tagRows(table: { $el?: HTMLElement } | null | undefined, ids: string[]): Promise<void> {
  await nextTick();
  const rows = table?.$el?.querySelectorAll<HTMLElement>(".el-table__body-wrapper tbody > tr.el-table__row") ?? [];
  rows.forEach((tr, i) => {
    if (ids[i]) tr.dataset.testid = ids[i];
    else delete tr.dataset.testid;
  });
}
