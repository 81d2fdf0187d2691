// The leave inbox's count in the navigation: requests waiting at a step the signed-in user may
// decide (GET /leave?inbox=1). The shell refreshes it on each page change; the leave page after
// each decision.

import { reactive } from "vue";
import { apiAuthed } from "./api";
import { isApprover } from "./views/leave/leave_logic";

export const leaveInbox = reactive({ count: 0 });

let asked = 0; // the latest refresh: an earlier answer arriving late is dropped

export async function refreshLeaveInbox(role: string | undefined): Promise<void> {
  const n = ++asked;
  if (!role || !isApprover(role)) {
    leaveInbox.count = 0;
    return;
  }
  try {
    const out = await apiAuthed<{ requests: unknown[] }>("GET", "/leave?inbox=1");
    if (n === asked) leaveInbox.count = out.requests?.length ?? 0;
  } catch {
    /* the badge keeps its last count; the page shows errors */
  }
}
