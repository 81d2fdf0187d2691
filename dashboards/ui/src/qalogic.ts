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
