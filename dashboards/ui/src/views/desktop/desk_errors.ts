// The desktop's own error codes, read in the user's language; anything else through errorText.
import { ApiError } from "../../api";
import { errorText } from "../../errors";
import { translate } from "../../i18n";
import { currentLang } from "../../locale";

const DESK_CODES = ["disposition_required", "not_in_wrap_up", "not_on_call", "agent_unavailable", "disposition_closed"];

export function deskError(e: unknown): string {
  if (e instanceof ApiError && DESK_CODES.includes(e.code)) return translate(currentLang(), "err." + e.code);
  return errorText(e);
}
