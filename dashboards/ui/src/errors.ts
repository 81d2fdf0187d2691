// errorText: what the user reads for a failed request, in their language. The API answers
// errors as {code, kind, field, params, message}: the catalogues (i18n_errors.ts) have a
// sentence per code (err.<code>, some with variants: err.out_of_range.min,
// err.invalid_format.<format>, err.required.when), a label per field (field.<name>), the things
// errors name (what.<x>) and states (state.<x> for agents, errstate.<x>). A code the catalogue
// does not know gets its kind's sentence (err.kind.<kind>): in Chinese never the server's
// English; in English the server's own message, which names the field and is meant for people.

import { ApiError } from "./api";
import { translate, dictionaries, type Lang } from "./i18n";
import { currentLang } from "./locale";

type Params = Record<string, unknown>;

function has(l: Lang, key: string): boolean {
  return key in (dictionaries[l] as Record<string, string>) || key in (dictionaries.en as Record<string, string>);
}

// fieldLabel names a field the API names ("sections[1].items[0].weight", "skills.sales",
// "ring_timeout_s") by its translated label: the whole path, else its last part, else its first;
// a field without a label is "this value".
export function fieldLabel(field: string | undefined, l: Lang): string {
  if (field) {
    const parts = field.replace(/\[[^\]]*\]/g, "").split(".").filter(Boolean);
    for (const k of [parts.join("."), parts[parts.length - 1], parts[0]]) {
      if (k && has(l, "field." + k)) return translate(l, "field." + k);
    }
  }
  return translate(l, "err.field.this");
}

function word(l: Lang, prefixes: string[], v: unknown): string {
  const s = v === undefined || v === null ? "" : String(v);
  for (const p of prefixes) if (s && has(l, p + s)) return translate(l, p + s);
  return s;
}

function list(v: unknown): string {
  return Array.isArray(v) ? v.map(String).join(", ") : v === undefined || v === null ? "" : String(v);
}

// sentence is the catalogue's sentence for code with its params, or "" when it has none.
export function sentence(code: string, field: string | undefined, params: Params, l: Lang): string {
  let key = "err." + code;
  if (code === "out_of_range") {
    const lo = params.min !== undefined && params.min !== null, hi = params.max !== undefined && params.max !== null;
    if (lo && !hi) key += ".min";
    if (hi && !lo) key += ".max";
  } else if (code === "invalid_format" && params.format !== undefined && has(l, key + "." + params.format)) {
    key += "." + params.format;
  } else if (code === "required" && params.other !== undefined) {
    key += ".when";
  }
  if (!has(l, key)) return "";
  const vars: Record<string, string | number> = {
    field: fieldLabel(field, l),
    other: params.other === undefined ? "" : fieldLabel(String(params.other), l),
    what: word(l, ["what."], params.what),
    state: word(l, ["state.", "errstate."], params.state),
    value: list(params.value),
    allowed: list(params.allowed),
    min: list(params.min),
    max: list(params.max),
    limit: list(params.limit),
    unit: params.unit ? word(l, ["err.unit."], params.unit) : "",
    retry_after: list(params.retry_after),
  };
  // the code's own parameters (a period, a month…) as they come
  for (const [k, v] of Object.entries(params)) if (!(k in vars)) vars[k] = list(v);
  let s = translate(l, key, vars);
  // a sentence that starts with a name lacking ("{what} {value} …" without them) loses the gap
  s = s.replace(/^\s+/, "").replace(/\s{2,}/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function errorText(e: unknown, l: Lang = currentLang()): string {
  if (e instanceof ApiError) {
    if (e.status === 0) return translate(l, "error.network");
    if (e.code === "unavailable") return translate(l, "error.unavailable");
    const data = e.data ?? {};
    const params = (typeof data.params === "object" && data.params !== null ? data.params : {}) as Params;
    const s = sentence(e.code, e.field, params, l);
    if (s) return s;
    const kind = typeof data.kind === "string" ? data.kind : kindOfStatus(e.status);
    if (l === "en" && e.message) return e.message;
    if (has(l, "err.kind." + kind)) return translate(l, "err.kind." + kind, { field: fieldLabel(e.field, l) });
    return translate(l, "err.kind.other");
  }
  return translate(l, "error.generic", { msg: e instanceof Error ? e.message : String(e) });
}

// statusReasonText says a queue's crossed thresholds (status_reasons) in l, "; "-separated;
// "" when there are none (or only codes this UI does not know).
export function statusReasonText(reasons: readonly { code: string; value: number; limit: number }[] | undefined, l: Lang = currentLang()): string {
  return (reasons ?? [])
    .filter((r) => has(l, "alert." + r.code))
    .map((r) => translate(l, "alert." + r.code, { value: r.value, limit: r.limit }))
    .join(l === "zh-CN" ? "；" : "; ");
}

// localSentence is the sentence for an error body ({code, kind, field, params}) in l: the code's
// own, else its kind's (never the server's message).
export function localSentence(body: Record<string, unknown>, l: Lang): string {
  const params = (typeof body.params === "object" && body.params !== null ? body.params : {}) as Params;
  const field = typeof body.field === "string" ? body.field : undefined;
  const s = typeof body.code === "string" ? sentence(body.code, field, params, l) : "";
  if (s) return s;
  const kind = typeof body.kind === "string" ? body.kind : typeof body.status === "number" ? kindOfStatus(body.status) : "other";
  return has(l, "err.kind." + kind) ? translate(l, "err.kind." + kind, { field: fieldLabel(field, l) }) : translate(l, "err.kind.other");
}

// kindOfStatus is the kind of an answer without one (a proxy's page, an old server).
function kindOfStatus(status: number): string {
  return (
    { 400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict", 429: "rate_limited", 503: "unavailable" } as Record<number, string>
  )[status] ?? (status >= 500 ? "internal" : "other");
}
