// Who sees the calibration pages; kept apart from the page so that the navigation does not load it.

import { apiAuthed as api } from "./api";
import type { Me } from "./types";
import type { CalibrationSummary } from "./calib_logic";

export function canRunCalibration(role: string): boolean {
  return role === "qa" || role === "operations_manager" || role === "admin";
}

let invitedCache: { user: string; visible: boolean } | null = null;

// calibrationNavVisible: QA, operations managers and admins always; anyone else once invited
// to a session (asked once per user and page load).
export async function calibrationNavVisible(me: Me): Promise<boolean> {
  if (canRunCalibration(me.user.role)) return true;
  if (invitedCache?.user === me.user.username) return invitedCache.visible;
  let visible = false;
  try {
    visible = (await api<{ calibrations: CalibrationSummary[] }>("GET", "/qa/calibrations?limit=1")).calibrations.length > 0;
  } catch { /* no link */ }
  invitedCache = { user: me.user.username, visible };
  return visible;
}
