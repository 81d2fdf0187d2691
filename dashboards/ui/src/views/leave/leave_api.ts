// A leave request with attachments: multipart/form-data, the request as JSON in "request" and
// the files in "files" (POST /agents/{id}/leave). Errors as api() throws them.

import type { Ref } from "vue";
import { ApiError, errorMessage, onUnauthorized } from "../../api";
import { errorText } from "../../errors";
import { lang } from "../../i18n";
import type { LeaveRequest } from "./leave_logic";

export async function postLeave(agent: string, body: Record<string, unknown>, files: File[]): Promise<LeaveRequest> {
  const fd = new FormData();
  fd.append("request", JSON.stringify(body));
  for (const f of files) fd.append("files", f, f.name);
  let resp: Response;
  try {
    resp = await fetch(`/api/v1/agents/${encodeURIComponent(agent)}/leave`, { method: "POST", credentials: "same-origin", headers: { Accept: "application/json" }, body: fd });
  } catch (e) {
    throw new ApiError(0, "network", String(e));
  }
  const text = await resp.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = undefined;
  }
  if (!resp.ok) {
    if (resp.status === 401) onUnauthorized();
    const code: string = json?.code ?? "http_" + resp.status;
    const body = json && typeof json === "object" ? json : { status: resp.status };
    throw new ApiError(resp.status, code, errorMessage(code, json?.message ?? resp.statusText, lang(), body), json?.field, undefined, body);
  }
  return json as LeaveRequest;
}

// loadInto runs one of the page's loads or saves with its own error line: cleared first, set to
// the error's text (in the user's language) when it fails.
export async function loadInto(error: Ref<string>, fn: () => Promise<void>): Promise<void> {
  error.value = "";
  try {
    await fn();
  } catch (e) {
    error.value = errorText(e);
  }
}
