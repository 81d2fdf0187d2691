// postMultipart posts a multipart/form-data body (uploads: a campaign's list file, a leave
// request's attachments) to url and answers its JSON; errors as api() throws them (ApiError with
// the code, the message in the user's language, the field; a 401 signs out).

import { ApiError, errorMessage, onUnauthorized } from "./api";
import { lang } from "./i18n";

export async function postMultipart<T>(url: string, fd: FormData): Promise<T> {
  let resp: Response;
  try {
    resp = await fetch(url, { method: "POST", credentials: "same-origin", headers: { Accept: "application/json" }, body: fd });
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
  return json as T;
}
