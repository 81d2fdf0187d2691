// QA pure logic: scorecard shapes (qa.go), answers, the live score preview (the arithmetic of
// qa.go's file comment). No DOM here: unit-tested. (Reports: reports_logic.ts.)

export type ItemKind = "yes_no" | "scale" | "choice";
export interface Choice { label: string; points: number }
export interface Item {
  id: string; text: string; kind: ItemKind; max?: number; choices?: Choice[]; weight: number;
  fatal?: boolean; section_fail?: boolean; non_fatal?: boolean; allow_na?: boolean; bonus?: boolean;
}
export interface Section { id: string; title: string; weight?: number; items: Item[] }
export interface Scorecard { id: string; version: number; name: string; sections: Section[]; bonus_cap?: number }
export interface Answer { item_id: string; na?: boolean; yes?: boolean; value?: number; choice?: number }
export interface Preview { raw: number | null; bonus: number; final: number | null; fatal: boolean; sectionFailed: string[] }

export function allItems(sc: Scorecard): Item[] {
  return sc.sections.flatMap((s) => s.items);
}

// answered: the answer carries exactly what its item needs.
export function answered(it: Item, a: Answer | undefined): boolean {
  if (!a) return false;
  if (a.na) return !!it.allow_na;
  if (it.kind === "yes_no") return typeof a.yes === "boolean";
  if (it.kind === "scale") return Number.isInteger(a.value) && a.value! >= 0 && a.value! <= (it.max ?? 0);
  return Number.isInteger(a.choice) && a.choice! >= 0 && a.choice! < (it.choices?.length ?? 0);
}

// missing: the first unanswered item, as the API would name it (answers[i] by form order).
export function firstMissing(sc: Scorecard, answers: Map<string, Answer>): { item: Item; field: string } | null {
  let i = 0;
  for (const it of allItems(sc)) {
    if (!answered(it, answers.get(it.id))) return { item: it, field: `answers[${i}]` };
    i++;
  }
  return null;
}

// fraction of the item's maximum earned, null when N/A or unanswered.
export function fraction(it: Item, a: Answer | undefined): number | null {
  if (!a || a.na || !answered(it, a)) return null;
  if (it.kind === "yes_no") return a.yes ? 1 : 0;
  if (it.kind === "scale") return (it.max ?? 0) > 0 ? a.value! / it.max! : 0;
  const best = Math.max(0, ...(it.choices ?? []).map((c) => c.points));
  return best > 0 ? it.choices![a.choice!].points / best : 0;
}

export function preview(sc: Scorecard, answers: Map<string, Answer>): Preview {
  const weighted = sc.sections.some((s) => (s.weight ?? 0) > 0);
  let num = 0, den = 0, bonus = 0, fatal = false;
  const sectionFailed: string[] = [];
  for (const s of sc.sections) {
    const scored = s.items.filter((i) => !i.bonus);
    const sumW = scored.reduce((n, i) => n + i.weight, 0);
    const failed = s.items.some((i) => i.section_fail && fraction(i, answers.get(i.id)) === 0);
    if (failed) sectionFailed.push(s.id);
    for (const it of s.items) {
      const f = fraction(it, answers.get(it.id));
      if (f === null) continue;
      if (it.fatal && f === 0) fatal = true;
      if (it.bonus) { bonus += it.weight * f; continue; }
      const w = weighted ? ((s.weight ?? 0) * it.weight) / (sumW || 1) : it.weight;
      den += w;
      num += failed ? 0 : w * f;
    }
  }
  bonus = Math.min(bonus, sc.bonus_cap || 10);
  const raw = den > 0 ? (100 * num) / den : null;
  return { raw, bonus, fatal, sectionFailed, final: raw === null ? null : fatal ? 0 : raw + bonus };
}

// answerLabel shows an answer in words for lists (yes/no via the given labels).
export function answerText(it: Item, a: Answer | undefined, yes: string, no: string, na: string): string {
  if (!a) return "–";
  if (a.na) return na;
  if (it.kind === "yes_no") return a.yes ? yes : no;
  if (it.kind === "scale") return `${a.value} / ${it.max}`;
  return it.choices?.[a.choice ?? -1]?.label ?? "–";
}

export function fmtClock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

// fieldItem maps an API error field ("answers[3].value") to the item it names.
export function fieldItem(field: string | undefined, sent: Answer[]): string | null {
  const m = /^answers\[(\d+)\]/.exec(field ?? "");
  return m ? sent[Number(m[1])]?.item_id ?? null : null;
}

// canEvaluate mirrors the server (dashboards/qa_evaluations.go): who may score calls.
export function canEvaluate(role: string): boolean {
  return ["qa", "team_lead", "operations_manager", "admin"].includes(role);
}

// ---- the Vue QA pages (views/qa)

// agentLabel shows an agent by name with the id beside it ("Ana (1001)"); the id alone when the
// name is unknown (an agent removed from the configuration, or outside the reader's scope).
export function agentLabel(id: string | undefined | null, names: ReadonlyMap<string, string>): string {
  if (!id) return "";
  const n = names.get(id)?.trim();
  return n && n !== id ? `${n} (${id})` : id;
}

// answerKey is the radio value of an answer ("yes", "no", "3" for a scale, "c1" for a choice, "na");
// answerOf turns it back into the answer the API takes. undefined: not answered / not valid.
export function answerKey(it: Item, a: Answer | undefined): string | undefined {
  if (!a) return undefined;
  if (a.na) return it.allow_na ? "na" : undefined;
  if (it.kind === "yes_no") return typeof a.yes === "boolean" ? (a.yes ? "yes" : "no") : undefined;
  if (it.kind === "scale") return Number.isInteger(a.value) ? String(a.value) : undefined;
  return Number.isInteger(a.choice) ? "c" + a.choice : undefined;
}
export function answerOf(it: Item, key: string | undefined): Answer | undefined {
  if (key === undefined || key === "") return undefined;
  let a: Answer;
  if (key === "na") a = { item_id: it.id, na: true };
  else if (it.kind === "yes_no") a = { item_id: it.id, yes: key === "yes" };
  else if (it.kind === "scale") a = { item_id: it.id, value: Number(key) };
  else a = { item_id: it.id, choice: Number(key.slice(1)) };
  if (it.kind === "yes_no" && key !== "na" && key !== "yes" && key !== "no") return undefined;
  return answered(it, a) ? a : undefined;
}

// answerOptions: the radio buttons of an item, in order: [key, label] (labels of yes/no/N/A given).
export function answerOptions(it: Item, yes: string, no: string, na: string): [string, string][] {
  const out: [string, string][] = [];
  if (it.kind === "yes_no") out.push(["yes", yes], ["no", no]);
  else if (it.kind === "scale") for (let v = 0; v <= (it.max ?? 0); v++) out.push([String(v), String(v)]);
  else (it.choices ?? []).forEach((c, i) => out.push(["c" + i, `${c.label} (${c.points})`]));
  if (it.allow_na) out.push(["na", na]);
  return out;
}

// PLAYBACK_RATES: the player's speeds; SKIP_S: what the ±5 s buttons move.
export const PLAYBACK_RATES = [0.75, 1, 1.25, 1.5, 2] as const;
export const SKIP_S = 5;

// skipTarget is where a skip of delta seconds from now lands, inside [0, duration] (a duration
// not yet known bounds nothing above).
export function skipTarget(now: number, delta: number, duration: number): number {
  const t = Math.max(0, now + delta);
  return duration > 0 ? Math.min(t, duration) : t;
}

// rateLabel: "1.25×".
export function rateLabel(r: number): string {
  return `${r}×`;
}

// callLength is how long a call was talked (talk_ms), else answered→ended, else entered→ended;
// null when it has not ended.
export function callLength(c: { talk_ms?: number | null; entered_at?: string; answered_at?: string | null; ended_at?: string | null }): number | null {
  if (typeof c.talk_ms === "number" && c.talk_ms > 0) return c.talk_ms;
  if (!c.ended_at) return null;
  const start = c.answered_at ?? c.entered_at;
  if (!start) return null;
  return Math.max(0, Date.parse(c.ended_at) - Date.parse(start));
}

// nextDay is the day after a YYYY-MM-DD day.
export function nextDay(day: string): string {
  const d = new Date(day + "T00:00:00Z");
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

// withLang adds the UI's language to a link the server renders (printable sheet, CSV), so its
// headers come in the reader's language.
export function withLang(href: string, lang: string): string {
  return href + (href.includes("?") ? "&" : "?") + "lang=" + encodeURIComponent(lang);
}
