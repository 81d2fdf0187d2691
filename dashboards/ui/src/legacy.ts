// The contract of a page still built by hand (a class with mount/unmount), hosted by
// views/LegacyPage.vue while the pages move to Vue components.

import type { Me } from "./types";
import { setLive } from "./session";
import { router } from "./router";

export interface LegacyPageInstance {
  mount(root: HTMLElement): void;
  unmount(): void;
}
export type LegacyFactory = (me: Me, params: Record<string, string>) => LegacyPageInstance;

export const legacySetLive = setLive;
export function legacyNavigate(path: string, replace = false): void {
  if (replace) void router.replace(path);
  else void router.push(path);
}
