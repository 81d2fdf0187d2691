// The customer API's shapes (dashboards/customers.go).
export interface Customer {
  phone: string;
  name: string;
  fields: Record<string, string>;
  tags: string[];
  vip: boolean;
  vip_by?: string;
  vip_at?: string;
  vip_reason?: string;
  blacklist: boolean;
  blacklist_by?: string;
  blacklist_at?: string;
  blacklist_reason?: string;
  known: boolean;
  matched_in?: string;
  snippet?: string;
}

export interface TimelineItem {
  at: string;
  kind: string;
  ref: string;
  title: string;
  detail?: Record<string, unknown>;
}

export const FLAG_ROLES = ["team_lead", "supervisor", "project_manager", "operations_manager", "admin"];

export function custPath(phone: string): string {
  return "/customers/" + encodeURIComponent(phone);
}
