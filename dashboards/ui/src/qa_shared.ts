// Helpers the hand-built pages still share (calibration.ts, plans.ts, reports.ts, calls.ts):
// the error sentence of a failed request and the message line. They lived in qa.ts until the QA
// pages moved to Vue (views/qa); they go when the last hand-built page does.

import type { ApiError } from "./api";
import { t } from "./i18n";

export function errText(e: unknown): string {
  const ae = e as ApiError;
  if (ae.status === 0) return t("error.network");
  if (ae.code === "unavailable") return ae.message; // already the whole sentence, in the user's language
  return ae.field ? t("eval.field_error", { field: ae.field, msg: ae.message }) : t("error.generic", { msg: ae.message });
}

export function notice(kind: "error" | "ok" | "info", testid: string): HTMLElement {
  const p = document.createElement("p");
  p.className = "qa-msg qa-msg-" + kind;
  p.dataset.testid = testid;
  p.setAttribute("role", kind === "error" ? "alert" : "status");
  p.hidden = true;
  return p;
}

export function show(el: HTMLElement, text: string, kind?: "error" | "ok" | "info"): void {
  el.textContent = text;
  if (kind) el.className = "qa-msg qa-msg-" + kind;
  el.hidden = !text;
}
