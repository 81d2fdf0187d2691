// The knowledge base API's shapes (dashboards/kb.go).
export interface KBArticle {
  id: number;
  category_id: number | null;
  title: string;
  body: string;
  tags: string[];
  queues: string[];
  status: "draft" | "published";
  owner: string;
  review_on: string | null;
  review_due: boolean;
  version: number;
  updated_by: string;
  updated_at: string;
  snippet?: string;
}

export interface KBCategory {
  id: number;
  parent_id: number | null;
  name: string;
}

export interface KBVersion {
  version: number;
  title: string;
  body: string;
  saved_by: string;
  saved_at: string;
  note: string;
}

export const KB_EDIT_ROLES = ["trainer", "team_lead", "qa", "supervisor", "project_manager", "operations_manager", "admin"];
