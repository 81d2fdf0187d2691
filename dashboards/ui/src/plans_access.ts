// Who may open the sampling plans (mirrors dashboards/qa_sampling.go); kept apart from the page
// so that the navigation does not load it.

// canReadPlans mirrors the server (dashboards/qa_sampling.go): whoever sees the whole floor, and
// team leads.
export function canReadPlans(role: string): boolean {
  return ["qa", "trainer", "supervisor", "project_manager", "operations_manager", "admin", "team_lead"].includes(role);
}
export function canSample(role: string): boolean {
  return role === "qa" || role === "operations_manager" || role === "admin";
}
