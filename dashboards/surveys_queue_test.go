package dashboards_test

import (
	"net/http"
	"testing"
)

// A queue's survey through the queues API: set (defaults applied), kept by an edit that does not
// send it, bad input naming the field.
func TestQueueSurveyAPI(t *testing.T) {
	e := newAPIEnv(t)
	q := e.expect("root", "GET", "/queues/sales", "", http.StatusOK)
	if q["survey"] != nil {
		t.Fatalf("survey before: %v", q["survey"])
	}
	body := `{"strategy":"longest_idle","ring_timeout_s":15,"wrap_up_s":10,"service_level_s":20,"short_abandon_s":5,"sl_target":0.8,"music_class":"default",
		"survey":{"enabled":true,"on_dissatisfied":"qa_sample","prompts":{"zh":{"q1":"sound:survey-q1","thanks":"sound:survey-thanks"}}}}`
	q = e.expect("root", "PUT", "/queues/sales", body, http.StatusOK)
	sv, _ := q["survey"].(map[string]any)
	if sv == nil || sv["enabled"] != true || sv["satisfied"] != "1" || sv["timeout"] != 8e9 || sv["language"] != "zh" {
		t.Fatalf("survey after: %v", q["survey"])
	}
	q = e.expect("root", "PUT", "/queues/sales", `{"strategy":"longest_idle","ring_timeout_s":20,"wrap_up_s":10,"service_level_s":20,"short_abandon_s":5,"sl_target":0.8,"music_class":"default"}`, http.StatusOK)
	if sv, _ := q["survey"].(map[string]any); sv == nil || sv["enabled"] != true {
		t.Fatalf("an edit without the survey dropped it: %v", q["survey"])
	}
	code, res := e.do("root", "PUT", "/queues/sales", `{"strategy":"longest_idle","ring_timeout_s":15,"wrap_up_s":10,"service_level_s":20,"short_abandon_s":5,"sl_target":0.8,"music_class":"default",
		"survey":{"enabled":true,"on_dissatisfied":"email","prompts":{"zh":{"q1":"sound:q","thanks":"sound:t"}}}}`)
	if code != http.StatusBadRequest || res["field"] != "survey.on_dissatisfied" {
		t.Fatalf("bad action: %d %v", code, res)
	}
}
