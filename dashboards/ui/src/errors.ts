// errorText: what the user reads for a failed request, in their language. The API answers
// errors as {code, field, params, message}; the catalogues have a sentence per code (err.<code>)
// and a label per field (field.<name>). Filled in by the errors work (issue 10 item 2); until
// then it knows the network and the database being down, and shows the server's message.

import { ApiError } from "./api";
import { translate, type Lang } from "./i18n";
import { currentLang } from "./locale";

export function errorText(e: unknown, l: Lang = currentLang()): string {
  if (e instanceof ApiError) {
    if (e.status === 0) return translate(l, "error.network");
    if (e.code === "unavailable") return translate(l, "error.unavailable");
    return translate(l, "error.generic", { msg: e.message });
  }
  return translate(l, "error.generic", { msg: e instanceof Error ? e.message : String(e) });
}
