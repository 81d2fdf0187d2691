// The QA pages are Vue components now (views/qa). What the hand-built pages still import from
// here (calibration.ts, plans.ts, reports.ts, calls.ts) lives in qa_shared.ts.
export { errText, notice, show } from "./qa_shared";
