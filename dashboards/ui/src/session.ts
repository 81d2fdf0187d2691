// Who is signed in and the state of the live connection, shared by the shell and the pages.

import { reactive } from "vue";
import { api, ApiError } from "./api";
import type { Key } from "./i18n";
import type { Me } from "./types";

export const session = reactive({
  me: null as Me | null,
  // the live connection of the page on screen: null = the page has none
  liveUp: null as boolean | null,
  liveNote: null as Key | null, // an i18n key shown instead of "reconnecting" (live.limit)
  loginNotice: null as Key | null, // why the user was sent to the login page (an i18n key)
});

// loadMe reads /me once; null when not signed in (401). Other errors are thrown.
export async function loadMe(): Promise<Me | null> {
  if (session.me) return session.me;
  try {
    session.me = await api<Me>("GET", "/me");
    return session.me;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

export function setLive(up: boolean | null): void {
  session.liveUp = up;
}

export function home(m: Me): string {
  return m.user.role === "agent" ? "/desktop" : m.user.role === "qa" ? "/qa" : "/wallboard";
}
