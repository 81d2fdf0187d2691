// The leave page's pure rules (no DOM): days between two dates, the chain's steps for el-steps,
// who sees which tab, the policy editor's rows to the API's policy.

export const LEAVE_TYPES = ["sick", "personal", "annual", "marriage", "maternity", "compensatory"] as const;
export const APPROVER_ROLES = ["team_lead", "supervisor", "project_manager", "operations_manager", "admin"] as const;

export interface LeaveDecision { step: number; role: string; decided_by: string; decision: string; note: string; at: string }
export interface LeaveFile { id: number; filename: string; content_type: string; size: number }
export interface LeaveRequest {
  id: number; agent: string; type: string; from: string; to: string; days: number; half?: string; reason: string;
  requested_on: string; chain: string[]; step: number; status: string; decisions: LeaveDecision[]; files: LeaveFile[];
  created_at: string; next_role?: string;
}
export interface LeaveBalance { type: string; entitled: number | null; taken: number; pending: number; remaining: number | null }
export interface LeaveStep { types?: string[]; min_days: number; chain: string[] }
export interface LeavePolicy { steps: LeaveStep[]; ahead_days: Record<string, number> | null; attachment_from_days: Record<string, number> | null }

// calendarDays counts the days from from to to, both included (0 when to is before from).
export function calendarDays(from: string, to: string): number {
  const a = Date.parse(from + "T00:00:00Z"), b = Date.parse(to + "T00:00:00Z");
  if (!Number.isFinite(a) || !Number.isFinite(b) || b < a) return 0;
  return Math.round((b - a) / 86400000) + 1;
}

// weekdays counts Monday–Friday from from to to, both included: the form's first guess of the
// working days asked (the agent corrects it for a roster that differs).
export function weekdays(from: string, to: string): number {
  const n = calendarDays(from, to);
  let w = 0;
  for (let i = 0; i < n; i++) {
    const d = new Date(Date.parse(from + "T00:00:00Z") + i * 86400000).getUTCDay();
    if (d !== 0 && d !== 6) w++;
  }
  return w;
}

// stepStatus is el-steps' status of step i of a request's chain.
export function stepStatus(r: Pick<LeaveRequest, "status" | "step" | "chain">, i: number): "success" | "error" | "process" | "wait" {
  if (i < r.step) return "success";
  if (i === r.step && r.status === "rejected") return "error";
  if (i === r.step && r.status === "pending") return "process";
  return "wait";
}

// decisionAt is the decision of step i, if made.
export function decisionAt(r: Pick<LeaveRequest, "decisions">, i: number): LeaveDecision | undefined {
  return r.decisions.find((d) => d.step === i);
}

export const isApprover = (role: string) => (APPROVER_ROLES as readonly string[]).includes(role);
export const canEditPolicy = (role: string) => role === "operations_manager" || role === "admin";

// chainFor mirrors callfloor.LeavePolicy.Chain: of the steps that fit the type and days, one
// naming the type beats a general one, then the largest min_days.
export function chainFor(p: LeavePolicy, type: string, days: number): string[] {
  let best: LeaveStep | undefined;
  for (const s of p.steps) {
    const types = s.types ?? [];
    if (!(types.length === 0 || types.includes(type)) || days < s.min_days) continue;
    const specific = types.length > 0, bestSpecific = !!best && (best.types ?? []).length > 0;
    if (!best || (specific && !bestSpecific) || (specific === bestSpecific && s.min_days > best.min_days)) best = s;
  }
  return best ? best.chain : [];
}

// perTypeRows / fromPerTypeRows: the policy's per-type numbers as editable rows and back (a
// row's empty value leaves the type out: no rule for it).
export interface PerTypeRow { type: string; ahead: number | null; attach: number | null }
export function perTypeRows(p: LeavePolicy): PerTypeRow[] {
  return LEAVE_TYPES.map((type) => ({ type, ahead: p.ahead_days?.[type] ?? null, attach: p.attachment_from_days?.[type] ?? null }));
}
export function withPerType(p: LeavePolicy, rows: PerTypeRow[]): LeavePolicy {
  const ahead: Record<string, number> = {}, attach: Record<string, number> = {};
  for (const r of rows) {
    if (r.ahead !== null && r.ahead !== undefined) ahead[r.type] = r.ahead;
    if (r.attach !== null && r.attach !== undefined) attach[r.type] = r.attach;
  }
  return { steps: p.steps.map((s) => ({ ...(s.types && s.types.length ? { types: s.types } : {}), min_days: s.min_days, chain: s.chain })), ahead_days: ahead, attachment_from_days: attach };
}
