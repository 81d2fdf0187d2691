// The campaign API's shapes (callfloor.Campaign, storage.CampaignInfo and CampaignList).

export interface Disposition { code: string; name: string; final: boolean; success?: boolean; dnc?: boolean; callback?: boolean; retry_after?: number }
export interface CallingWindow { days: number[]; start: string; end: string }
export interface Campaign {
  id: string; name: string; project?: string; teams?: string[]; queue?: string; mode: string; ratio?: number; drop_target?: number;
  caller_ids: string[]; time_zone: string; windows: CallingWindow[]; skip_holidays: boolean; max_attempts: number; max_attempts_per_day: number;
  retries?: Record<string, number>; dispositions: Disposition[]; script?: string; require_consent?: boolean; recording_keep_days: number;
  daily_dial_target?: number; daily_connect_target?: number;
}
export interface CampaignInfo extends Campaign { status: string; leads: Record<string, number>; dials_today: number; updated_at: string }
export interface ImportReject { row: number; column: string; code: string; value: string; first_row?: number }
export interface CampaignList {
  id: number; campaign: string; name: string; source: string; status: string; imported_by: string; imported_at: string;
  rows_total: number; rows_loaded: number; rows_rejected: number; leads: Record<string, number>; dials_today: number; rejects?: ImportReject[];
}
export interface ImportReport { list_id: number; total: number; loaded: number; rejected: ImportReject[] }
