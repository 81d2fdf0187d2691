// The survey settings page's model: a queue's survey as the form edits it (every language's
// prompts present, the timeout in seconds) and the body the API takes.

export const DTMF_KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "*", "#"];
export const LANGS = ["zh", "en"] as const;
export type Lang = (typeof LANGS)[number];

export type Prompts = { q1: string; q2?: string; thanks: string };
export type Survey = {
  enabled: boolean;
  offer_percent?: number;
  language: string;
  timeout_s: number;
  satisfied: string;
  neutral: string;
  dissatisfied: string;
  second_question: boolean;
  q2_digits: string;
  prompts: Record<string, Prompts>;
  on_dissatisfied: string;
};
export type SurveyLine = { queue: string; project_id?: string; survey: Survey | null };

// blankSurvey is s (a queue's survey from the API) ready for the form, or a new survey with the
// API's defaults.
export function blankSurvey(s?: Partial<Survey> & { timeout?: number }): Survey {
  const out: Survey = {
    enabled: s?.enabled ?? true,
    offer_percent: s?.offer_percent ?? 100,
    language: s?.language || "zh",
    timeout_s: s?.timeout_s ?? 8,
    satisfied: s?.satisfied || "1",
    neutral: s?.neutral || "2",
    dissatisfied: s?.dissatisfied || "3",
    second_question: s?.second_question ?? false,
    q2_digits: s?.q2_digits || "12",
    prompts: { ...(s?.prompts ?? {}) },
    on_dissatisfied: s?.on_dissatisfied || "none",
  };
  for (const l of LANGS) {
    const p = out.prompts[l];
    out.prompts[l] = { q1: p?.q1 ?? "", q2: p?.q2 ?? "", thanks: p?.thanks ?? "" };
  }
  return out;
}

// surveyBody is the PUT's body: the languages without any prompt are left out, Q2's prompt
// only with the second question; the timeout in seconds only (never the old nanoseconds).
export function surveyBody(s: Survey): Record<string, unknown> {
  const prompts: Record<string, Prompts> = {};
  for (const [l, p] of Object.entries(s.prompts)) {
    const q1 = p.q1.trim(), q2 = (p.q2 ?? "").trim(), thanks = p.thanks.trim();
    if (!q1 && !thanks && !q2) continue;
    prompts[l] = s.second_question ? { q1, q2, thanks } : { q1, thanks };
  }
  const body: Record<string, unknown> = {
    enabled: s.enabled, offer_percent: s.offer_percent ?? 100, language: s.language, timeout_s: s.timeout_s,
    satisfied: s.satisfied, neutral: s.neutral, dissatisfied: s.dissatisfied, second_question: s.second_question,
    prompts, on_dissatisfied: s.on_dissatisfied,
  };
  if (s.second_question) body.q2_digits = s.q2_digits;
  return body;
}
