// A leave request with attachments: multipart/form-data, the request as JSON in "request" and
// the files in "files" (POST /agents/{id}/leave). Errors as api() throws them.

import type { Ref } from "vue";
import { errorText } from "../../errors";
import { postMultipart } from "../../multipart";
import type { LeaveRequest } from "./leave_logic";

export async function postLeave(agent: string, body: Record<string, unknown>, files: File[]): Promise<LeaveRequest> {
  const fd = new FormData();
  fd.append("request", JSON.stringify(body));
  for (const f of files) fd.append("files", f, f.name);
  return postMultipart<LeaveRequest>(`/api/v1/agents/${encodeURIComponent(agent)}/leave`, fd);
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
