// Multipart uploads of a list file (the preview for the mapping step, then the import).

import { postMultipart } from "../../multipart";

export async function postListFile<T>(campaign: string, path: "lists" | "lists/preview", file: File, extra: Record<string, string> = {}): Promise<T> {
  const fd = new FormData();
  for (const [k, v] of Object.entries(extra)) fd.append(k, v);
  fd.append("file", file, file.name);
  return postMultipart<T>(`/api/v1/campaigns/${encodeURIComponent(campaign)}/${path}`, fd);
}
