// The administration screens' pure logic (no DOM, no Vue): the shapes the API answers, what a
// form sends, the search over a table, and the audit log's query. Tested in admin_logic.test.ts.

export const ROLES = ["agent", "trainer", "team_lead", "qa", "supervisor", "project_manager", "operations_manager", "admin"] as const;
export type Role = (typeof ROLES)[number];

export interface AdminUser {
  id: number;
  username: string;
  display_name: string;
  role: Role | string;
  team_id?: string;
  agent_id?: string;
  disabled: boolean;
  phone_endpoint?: string;
  projects?: string[]; // a project manager's projects (issue 11)
  created_at?: string;
}

export interface ApiToken {
  id: number;
  name: string;
  user_id: number;
  created_at: string;
  last_used_at?: string | null;
  revoked_at?: string | null;
}

export interface Team {
  id: string;
  name: string;
  project_id?: string;
}

export interface AdminAgent {
  id: string;
  name: string;
  endpoint: string;
  team?: string;
  skills: Record<string, number> | null;
  status?: { state: string; reason?: string };
}

export interface Destination {
  action: "hangup" | "continue" | string;
  context?: string;
  extension?: string;
  priority?: number;
}

// QueueConfig is a queue's settings as GET /queues answers them (live figures dropped). Fields
// this screen does not edit (added by other work) are kept and sent back as they were.
export interface QueueConfig {
  name: string;
  strategy: string;
  priority: number;
  ring_timeout_s: number;
  wrap_up_s: number;
  max_wait_s: number;
  on_max_wait: Destination;
  music_class: string;
  service_level_s: number;
  short_abandon_s: number;
  sl_target: number;
  waiting_amber: number;
  waiting_red: number;
  longest_wait_amber_s: number;
  longest_wait_red_s: number;
  project_id?: string; // the project that owns the queue (issue 11)
  [other: string]: unknown;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target_type?: string;
  target_id?: string;
  detail?: Record<string, unknown>;
  ip?: string;
}

// A dial string as the server takes it (an agent's endpoint, a supervisor's phone): TECH/resource,
// at most 128 characters, no spaces or commas.
export const DIAL_RE = /^[^\s,/]+\/[^\s,]+$/;

export function validDial(s: string): boolean {
  const v = s.trim();
  return v.length > 0 && v.length <= 128 && DIAL_RE.test(v);
}

// An id (queue name, agent id, team id): 1-64 letters, digits, '_', '.', '-'.
export const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const USERNAME_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
export const MIN_PASSWORD = 10;

// matches: whether any of the row's fields contains the search words (case-insensitive, every
// word somewhere).
export function matches(search: string, ...fields: (string | number | undefined | null)[]): boolean {
  const words = search.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const hay = fields.map((f) => (f === undefined || f === null ? "" : String(f).toLowerCase())).join("\u0000");
  return words.every((w) => hay.includes(w));
}

export interface UserForm {
  username: string;
  display_name: string;
  password: string;
  role: string;
  team_id: string;
  agent_id: string;
  phone_endpoint: string;
}

// userBody is what a user form sends: on create every field; on edit only what changed (the
// server leaves absent fields alone), never the username.
export function userBody(f: UserForm, before?: AdminUser): Record<string, unknown> {
  // a cleared select may hold undefined or null: sent as "" (unlink), never left out
  const trimmed = {
    display_name: (f.display_name ?? "").trim(),
    role: f.role,
    team_id: f.team_id ?? "",
    agent_id: f.agent_id ?? "",
    phone_endpoint: (f.phone_endpoint ?? "").trim(),
  };
  if (!before) return { username: f.username.trim(), password: f.password, ...trimmed };
  const out: Record<string, unknown> = {};
  const was: Record<string, unknown> = {
    display_name: before.display_name ?? "", role: before.role, team_id: before.team_id ?? "", agent_id: before.agent_id ?? "",
    phone_endpoint: before.phone_endpoint ?? "",
  };
  for (const [k, v] of Object.entries(trimmed)) if (v !== was[k]) out[k] = v;
  return out;
}

// needsAgent / needsTeam: the roles that see nothing without the link.
export const needsAgent = (role: string): boolean => role === "agent";
export const needsTeam = (role: string): boolean => role === "team_lead";

export interface SkillRow {
  queue: string;
  level: number;
}

// skillsOf turns the form's queue rows into the API's skills map (blank queues dropped; a queue
// twice keeps the last level).
export function skillsOf(rows: SkillRow[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) if (r.queue) out[r.queue] = Math.round(r.level);
  return out;
}

export function skillRows(skills: Record<string, number> | null | undefined): SkillRow[] {
  return Object.entries(skills ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([queue, level]) => ({ queue, level }));
}

// queueConfig drops a queue's live figures, keeping every setting (known or not).
export function queueConfig(v: Record<string, unknown>): QueueConfig {
  const { waiting: _w, today: _t, ...rest } = v;
  return rest as unknown as QueueConfig;
}

export function newQueue(): QueueConfig {
  return {
    name: "", strategy: "longest_idle", priority: 0, ring_timeout_s: 15, wrap_up_s: 10, max_wait_s: 0,
    on_max_wait: { action: "hangup" }, music_class: "default", service_level_s: 20, short_abandon_s: 5, sl_target: 0.8,
    waiting_amber: 0, waiting_red: 0, longest_wait_amber_s: 0, longest_wait_red_s: 0,
  };
}

// queueBody is what the queue form sends: the settings, the flow-out target only as far as its
// action needs (hangup carries no dialplan place).
export function queueBody(q: QueueConfig): QueueConfig {
  const d = q.on_max_wait ?? { action: "hangup" };
  const on_max_wait: Destination = d.action === "continue"
    ? { action: "continue", context: (d.context ?? "").trim(), extension: (d.extension ?? "").trim(), ...(d.priority ? { priority: d.priority } : {}) }
    : { action: "hangup" };
  return { ...q, name: q.name.trim(), music_class: (q.music_class || "").trim(), on_max_wait };
}

export interface AuditQuery {
  actor: string;
  action: string;
  target_type: string;
  target_id: string;
  since: Date | null;
  until: Date | null;
}

// auditQuery is the audit log's query string for the filters (empty ones left out), a page's
// keyset (before) and, for the CSV, format and lang.
export function auditQuery(f: AuditQuery, extra: Record<string, string | number> = {}): string {
  const q = new URLSearchParams();
  for (const k of ["actor", "action", "target_type", "target_id"] as const) {
    const v = f[k].trim();
    if (v) q.set(k, v);
  }
  if (f.since) q.set("since", f.since.toISOString());
  if (f.until) q.set("until", f.until.toISOString());
  for (const [k, v] of Object.entries(extra)) q.set(k, String(v));
  return q.toString();
}

// The actions the audit log records, for the filter's suggestions (any text may be typed).
export const AUDIT_ACTIONS = [
  "login", "login_failed", "login_refused", "login_alarm", "logout", "token_created", "token_revoked",
  "user_created", "user_updated", "user_deleted", "agent_created", "agent_updated", "agent_deleted",
  "team_created", "team_updated", "team_deleted", "queue_created", "queue_updated", "queue_deleted",
  "project_created", "project_updated", "project_deleted", "targets_updated",
  "agent_pause", "agent_unpause", "agent_login", "agent_logout", "agent_hold", "agent_call",
  "monitor_listen", "monitor_whisper", "monitor_barge", "recording_listened", "recording_downloaded", "audit_exported",
] as const;

export const AUDIT_TARGETS = ["user", "agent", "team", "queue", "project", "api_token", "recording", "audit"] as const;

// detailText is an audit line's detail in one line (empty when none).
export function detailText(d: Record<string, unknown> | undefined): string {
  if (!d || Object.keys(d).length === 0) return "";
  return JSON.stringify(d);
}

// percent: a fraction (0.8) as the whole percent a form shows (80), and back.
export const toPercent = (f: number): number => Math.round(f * 1000) / 10;
export const fromPercent = (p: number): number => Math.round(p * 10) / 1000;
