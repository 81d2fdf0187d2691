// The JSON API, same origin, with the session cookie. Writes carry the page's Origin (fetch
// sends it), which the server checks for cookie-authenticated requests.

import { translate, lang, type Lang } from "./i18n";
import { localSentence } from "./errors";

// errorMessage is what the user reads for an API error: for codes the UI knows (the database
// being down: 503 "unavailable") its own text in the user's language; in Chinese the
// catalogue's sentence for the error's code (errors.ts), never the server's English; in English
// the server's text. (Pages show errorText(e); pages still hosted as legacy show the message.)
export function errorMessage(code: string, serverMessage: string, l: Lang = lang(), body?: Record<string, unknown>): string {
  if (code === "unavailable") return translate(l, "error.unavailable");
  if (l !== "en" && body) return localSentence(body, l);
  return serverMessage;
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public field?: string,
    public retryAfter?: number,
    public data?: Record<string, unknown>, // the whole error body (e.g. a 409's evaluation_id, evaluator)
  ) {
    super(message);
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let resp: Response;
  try {
    resp = await fetch("/api/v1" + path, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? { Accept: "application/json" } : { Accept: "application/json", "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, "network", String(e));
  }
  const text = await resp.text();
  let json: any = undefined;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = undefined;
  }
  if (!resp.ok) {
    const ra = Number(resp.headers.get("Retry-After"));
    const code: string = json?.code ?? "http_" + resp.status;
    throw new ApiError(resp.status, code, errorMessage(code, json?.message ?? (text.slice(0, 200) || resp.statusText), lang(), json && typeof json === "object" ? json : { kind: undefined, status: resp.status }), json?.field, Number.isFinite(ra) && ra > 0 ? ra : undefined, json && typeof json === "object" ? json : undefined);
  }
  return json as T;
}

// onUnauthorized is set by the app: a 401 anywhere sends the user to the login page.
export let onUnauthorized: () => void = () => {};
export function setOnUnauthorized(fn: () => void): void {
  onUnauthorized = fn;
}

export async function apiAuthed<T>(method: string, path: string, body?: unknown): Promise<T> {
  try {
    return await api<T>(method, path, body);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) onUnauthorized();
    throw e;
  }
}
