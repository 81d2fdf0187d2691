// The wallboard's campaign tiles (issue 13): what the hub sends of a running campaign
// (realtime.CampaignView) and how a snapshot or delta changes the wall's campaigns.

export interface CampaignFigures {
  team?: string;
  dials: number;
  answered: number;
  connected: number;
  dropped: number;
  conversions: number;
  talk_minutes: number;
  connect_rate: number | null; // connected ÷ dials
  drop_rate: number | null; // dropped ÷ answered
  drop_over: boolean;
}

export interface CampaignView {
  id: string;
  name: string;
  project?: string;
  teams?: string[];
  status: string;
  mode: string;
  leads_left: number;
  leads_due: number;
  dial_target: number;
  connect_target: number;
  drop_target: number;
  agents_on: number;
  ringing: number;
  team?: string; // a team's share only
  figures: CampaignFigures;
  by_team?: CampaignFigures[];
}

interface CampaignData { campaigns?: CampaignView[]; floor?: unknown; team?: unknown }

// applyCampaigns merges a message's campaigns into m; a floor or team snapshot replaces them.
export function applyCampaigns(m: Map<string, CampaignView>, data: CampaignData, snapshot: boolean): boolean {
  let changed = false;
  if (snapshot && (data.floor !== undefined || data.team !== undefined || data.campaigns !== undefined)) {
    changed = m.size > 0;
    m.clear();
  }
  for (const c of data.campaigns ?? []) { m.set(c.id, c); changed = true; }
  return changed;
}

// progress is a figure's share of its target in percent (0..100), null without a target.
export function progress(v: number, target: number): number | null {
  if (!target || target <= 0) return null;
  return Math.min(100, Math.round((v / target) * 100));
}
