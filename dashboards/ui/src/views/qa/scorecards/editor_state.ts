// The scorecard editor's open state, and the copy kept across a re-mount: the language switch
// re-creates every page, and an unsaved draft must not be lost with it.

import type { Scorecard } from "../../../qalogic";
import type { CardDraft } from "../../../scorecard_model";

// An open editor. mode "new": a form not yet stored; "edit": the next version of scorecard id;
// "retired": versions to read only. view, when set, is a stored version shown read-only (the
// draft is kept underneath). touched: a save was tried, so the form is validated on every change.
export interface EditorState {
  mode: "new" | "edit" | "retired";
  id: string;
  latest: number;
  draft: CardDraft;
  view: Scorecard | null;
  touched: boolean;
}

let pending: EditorState | null = null;

// keep remembers the open editor when the page goes; take gives it back once.
export function keep(st: EditorState | null): void { pending = st; }
export function take(): EditorState | null {
  const p = pending;
  pending = null;
  return p;
}
