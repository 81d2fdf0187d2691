// The JSON shapes of the API (dashboards/openapi.yaml) and of the live views the WebSocket
// pushes (realtime/views.go). Rates are fractions, null = n/a; times are RFC 3339 instants.

export type AgentState = "logged_out" | "available" | "ringing" | "on_call" | "wrap_up" | "paused";
export type Status = "ok" | "amber" | "red";

export interface Figures {
  offered: number;
  answered: number;
  abandoned: number;
  short_abandoned: number;
  answered_within_t: number;
  flowed_out: number;
  lost: number; // cut off by an Asterisk crash or restart: a system fault, out of the abandon rates
  handled: number;
  service_level: number | null;
  abandon_rate: number | null;
  gross_abandon_rate: number | null;
  asa_s: number | null;
  aht_s: number | null;
}

export interface AgentCounts {
  available: number;
  ringing: number;
  on_call: number;
  wrap_up: number;
  paused: number;
  logged_out: number;
  paused_by_reason?: Record<string, number> | null;
}

export interface Thresholds {
  sl_target: number;
  waiting_amber: number;
  waiting_red: number;
  longest_wait_amber_s: number;
  longest_wait_red_s: number;
}

export interface QueueView {
  queue: string;
  waiting: number;
  oldest_waiting_since: string | null;
  callbacks_waiting?: number; // call-backs requested, not yet connected; counted in waiting too
  agents: AgentCounts;
  today: Figures;
  window: Figures;
  window_min: number;
  occupancy: number | null;
  thresholds: Thresholds;
  status: Status | string;
  status_reason?: string; // English, for API clients
  status_reasons?: StatusReason[]; // the thresholds crossed: shown with statusReasonText (errors.ts)
  // the queue's targets (its own, else its project's; issue 11) and today's AHT against them
  targets?: { service_level?: number; aht_s?: number; connect_rate?: number; occupancy_min?: number; occupancy_max?: number; daily_dials?: number; daily_talk_minutes?: number };
  aht_status?: "ok" | "amber" | "red" | string;
}

export interface StatusReason {
  code: string; // waiting | longest_wait | service_level
  value: number;
  limit: number;
}

export interface CurrentCall {
  id: string;
  direction: string;
  queue?: string;
  number: string;
  since: string;
  hold_since?: string; // on hold since (the phone's hold key)
  connected?: boolean; // agent and customer are talking: the call may be put on hold
  hold_desk?: boolean; // held from the desktop (a phone's hold is released on the phone)
}

export interface AgentView {
  agent: string;
  name: string;
  team?: string;
  state: AgentState | string;
  reason?: string;
  since: string;
  wrap_until?: string | null;
  handled_today: number;
  aht_s: number | null;
  occupancy: number | null;
  missed_offers: number;
  call?: CurrentCall | null;
  // Paused agents: the reason's maximum duration in seconds (0/absent = none). Tile contract:
  // amber when paused longer than pause_max_s, red beyond 2 × pause_max_s (time in pause = now − since).
  pause_max_s?: number;
  // A timed pause (a missed ring): the ACD makes the agent available again at this instant.
  pause_until?: string | null;
  pending_pause?: string; // "pause after this call": its reason
  last_call?: string; // the call last talked on (its disposition during wrap-up)
}

// A live alert (FloorView.alerts, TeamView.alerts). kind "not_yet_in": rostered now and not
// logged in; "late": work began late_min minutes late today. kind "pause_over_max": the agent has been
// paused for reason longer than the reason's maximum (max_s); one alert per pause (same agent
// and since = the same alert).
export interface LiveAlert {
  kind: "pause_over_max" | string;
  agent: string;
  name?: string;
  team?: string;
  reason?: string;
  since: string;
  max_s?: number;
  shift?: string; // not_yet_in, late: the rostered shift
  late_min?: number; // late: minutes after the shift's start
}

export interface TeamView {
  team: string;
  agents: AgentCounts;
  handled_today: number;
  aht_s: number | null;
  occupancy: number | null;
  missed_offers: number;
  alerts?: LiveAlert[] | null; // the team's agents paused longer than their reason allows
  // the team's calls (answered by its agents, or unanswered after last ringing at one of them;
  // realtime/views.go), today and in the sliding window
  today?: Figures;
  window?: Figures;
  window_min?: number;
}

export interface FloorView {
  waiting: number;
  oldest_waiting_since: string | null;
  agents: AgentCounts;
  today: Figures;
  window: Figures;
  window_min: number;
  occupancy: number | null;
  alerts?: LiveAlert[] | null; // agents paused longer than their reason allows
}

// ViewData is a snapshot's or a delta's data: a delta carries only what changed.
export interface ViewData {
  queues?: QueueView[];
  agents?: AgentView[];
  team?: TeamView;
  floor?: FloorView;
  teams?: TeamView[]; // a floor view's teams (the wallboard's team filter)
}

export interface ServerMessage {
  type: "snapshot" | "delta" | "error" | "pong" | string;
  sub?: string;
  seq?: number;
  at?: string;
  data?: ViewData;
  code?: string;
  message?: string;
}

export type ViewSpec =
  | { kind: "floor" }
  | { kind: "queues"; queues: string[] }
  | { kind: "team"; team: string }
  | { kind: "agent"; agent: string };

// ---- REST shapes ----

export interface User {
  id: number;
  username: string;
  display_name: string;
  role: string;
  team_id?: string;
  agent_id?: string;
}

export interface Me {
  user: User;
  via: string;
  permissions: Record<string, boolean>;
  time_zone?: string; // the centre's IANA zone: its days are report and score-sheet days
}

export interface AgentStatus {
  agent: string;
  state: AgentState | string;
  reason?: string;
  direction?: string;
  since: string;
  call?: string;
  calls_today: number;
  wrap_until?: string;
  pending_pause?: string;
  last_call?: string;
}

export interface RestAgent {
  id: string;
  name: string;
  endpoint: string;
  team?: string;
  skills: Record<string, number> | null;
  status: AgentStatus;
}

export interface RestQueue {
  name: string;
  service_level_s: number;
  short_abandon_s: number;
  sl_target: number;
  waiting: { id: string; position: number; entered_at: string }[] | null;
  today: Record<string, number> | null;
}

export interface AgentToday {
  agent: string;
  status: AgentStatus;
  handled: number;
  aht_s: number | null;
  occupancy: number | null;
  missed_offers: number;
}

// The agent desktop (issue 10 item 5).
export interface DispositionSet {
  queue: string;
  disposition_required: boolean;
  codes: { code: string; label: string }[];
}

export interface CallDisposition {
  call_id: string;
  code?: string;
  label?: string;
  note: string;
}

export interface RecentCall {
  id: string;
  direction: string;
  queue?: string;
  agent?: string;
  agent_name?: string;
  entered_at: string;
  outcome?: string;
  talk_ms?: number;
  disposition?: string;
  disposition_label?: string;
  note?: string;
  transferred_to?: string;
}

// ---- the agent's lead card (issue 13 item 5: GET /agents/{id}/lead) ----
export interface CampaignDispositionDef {
  code: string;
  name: string;
  final: boolean;
  success?: boolean;
  dnc?: boolean;
  callback?: boolean;
}

export interface DeskCampaign {
  id: string;
  name: string;
  mode: string;
  status: string;
  time_zone: string;
  dispositions: CampaignDispositionDef[];
}

export interface LeadHistoryRow {
  at: string;
  result: string;
  disposition?: string;
  disposition_name?: string;
  agent?: string;
  agent_name?: string;
  call_id: string;
  note?: string;
}

export interface DeskLead {
  lead: {
    id: number;
    name: string;
    phone: string;
    phone_masked: boolean;
    time_zone: string;
    fields: Record<string, string>;
    status: string;
    attempts: number;
    owner?: string;
    callback_at?: string;
  };
  campaign: DeskCampaign;
  script: string;
  script_parts: { text: string; field?: string; missing?: boolean }[];
  history: LeadHistoryRow[];
  stage: "reserved" | "dialling" | "on_call" | "wrap_up" | "ended";
  dial_id?: string;
  reserved_until?: string;
  call_id?: string;
  answered: boolean;
  disposition?: CallDisposition;
}

export interface AgentLead {
  card: DeskLead | null;
  preview_campaigns: DeskCampaign[];
}
