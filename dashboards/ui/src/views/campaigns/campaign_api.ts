// Multipart uploads of a list file (the preview for the mapping step, then the import).

import { ApiError, errorMessage, onUnauthorized } from "../../api";
import { lang } from "../../i18n";

export async function postListFile<T>(campaign: string, path: "lists" | "lists/preview", file: File, extra: Record<string, string> = {}): Promise<T> {
  const fd = new FormData();
  for (const [k, v] of Object.entries(extra)) fd.append(k, v);
  fd.append("file", file, file.name);
  let resp: Response;
  try {
    resp = await fetch(`/api/v1/campaigns/${encodeURIComponent(campaign)}/${path}`, { method: "POST", credentials: "same-origin", headers: { Accept: "application/json" }, body: fd });
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
