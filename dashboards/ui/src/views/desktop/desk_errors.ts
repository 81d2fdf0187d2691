// The desktop's own error codes, read in the user's language; anything else through errorText.
import { ApiError } from "../../api";
import { errorText, fieldLabel } from "../../errors";
import { translate } from "../../i18n";
import { currentLang } from "../../locale";

const DESK_CODES = ["disposition_required", "not_in_wrap_up", "not_on_call", "agent_unavailable", "disposition_closed"];
// the lead card's codes (desktop_leads.go); the window ones say when the customer may be called
const LEAD_CODES = ["no_preview_campaign", "no_lead", "no_reserved_lead", "outside_window", "frequency_cap", "callback_outside_window", "already_dialled"];

export function deskError(e: unknown): string {
  if (e instanceof ApiError && e.code === "disposition_required" && (e.data?.params as Record<string, unknown> | undefined)?.what === "campaign") {
    return translate(currentLang(), "err.disposition_required.lead");
  }
  if (e instanceof ApiError && DESK_CODES.includes(e.code)) return translate(currentLang(), "err." + e.code);
  if (e instanceof ApiError && LEAD_CODES.includes(e.code)) {
    const p = (e.data?.params ?? {}) as Record<string, unknown>;
    return translate(currentLang(), "err." + e.code, {
      next: String(p.next ?? "—"),
      tz: String(p.time_zone ?? ""),
      per_day: String(p.per_day ?? "—"),
      per_week: String(p.per_week ?? "—"),
      field: fieldLabel(e.field, currentLang()),
    });
  }
  return errorText(e);
}
