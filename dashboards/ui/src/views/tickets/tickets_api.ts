// The tickets API (dashboards/tickets.go) and its types.

import { apiAuthed } from "../../api";

export type TicketStatus = "open" | "in_progress" | "waiting_followup" | "closed" | "reopened";

export interface Ticket {
  id: number;
  number: string;
  category: string;
  priority: string;
  status: TicketStatus;
  phone: string;
  customer_name: string;
  subject: string;
  description: string;
  fields: Record<string, unknown> | null;
  project_id?: string;
  first_owner_id?: number;
  first_owner_name: string;
  assignee_id?: number;
  assignee_name?: string;
  team_id?: string;
  created_by: string;
  created_at: string;
  due_at: string;
  sla_hours: number;
  answered_at?: string;
  escalation_level: number;
  call_id?: string;
  call_at?: string;
  call_agent?: string;
  queue?: string;
  recording_name?: string;
  followup_outcome?: string;
  followup_at?: string;
  followup_note?: string;
  closed_at?: string;
  reopen_count: number;
  overdue: boolean;
}

export interface TicketEvent {
  id: number;
  at: string;
  kind: string;
  by: string;
  by_user_id?: number;
  detail: Record<string, unknown>;
}

export interface TicketDetail {
  ticket: Ticket;
  history: TicketEvent[];
  can_act: boolean;
}

export interface TicketField {
  key: string;
  label_zh: string;
  label_en: string;
  type: "text" | "number" | "date" | "choice";
  options?: string[];
  required?: boolean;
}

export interface TicketCategory {
  code: string;
  name_zh: string;
  name_en: string;
  fields: TicketField[];
  default_priority: string;
  sla_hours: Record<string, number>;
  sms_on_create: boolean;
  sms_on_answer: boolean;
  disabled: boolean;
  sort: number;
}

export interface Assignees {
  users: { id: number; name: string; role: string; team_id?: string }[];
  teams: { id: string; name: string }[];
}

export interface TicketFigures {
  key: string;
  created: number;
  closed: number;
  answered: number;
  answered_on_time: number;
  on_time_rate: number | null;
  followed_up: number;
  reopened: number;
  reopen_rate: number | null;
  overdue_open: number;
}

export interface TicketReport {
  from: string;
  to: string;
  by_category: TicketFigures[];
  by_project: TicketFigures[];
  by_day: TicketFigures[];
  total: TicketFigures;
  overdue_now: number;
}

export const listTickets = (q: string) => apiAuthed<{ items: Ticket[]; total: number }>("GET", "/tickets" + q);
export const getTicket = (id: number | string) => apiAuthed<TicketDetail>("GET", `/tickets/${id}`);
export const createTicket = (body: Record<string, unknown>) => apiAuthed<Ticket>("POST", "/tickets", body);
export const ticketAction = (id: number, action: string, body: Record<string, unknown>) => apiAuthed<TicketDetail>("POST", `/tickets/${id}/${action}`, body);
export const categories = () => apiAuthed<{ categories: TicketCategory[] }>("GET", "/ticket-categories").then((r) => r.categories);
export const putCategory = (c: TicketCategory) => apiAuthed<TicketCategory>("PUT", `/ticket-categories/${encodeURIComponent(c.code)}`, c);
export const deleteCategory = (code: string) => apiAuthed<unknown>("DELETE", `/ticket-categories/${encodeURIComponent(code)}`);
export const assignees = () => apiAuthed<Assignees>("GET", "/tickets/assignees");
export const ticketReport = (from: string, to: string) => apiAuthed<TicketReport>("GET", `/tickets/report?from=${from}&to=${to}`);
export const dial = (agent: string, number: string) => apiAuthed<{ call_id: string }>("POST", `/agents/${encodeURIComponent(agent)}/calls`, { number });
