package dashboards_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
)

// A queue's survey through the queues API: set (defaults applied), kept by an edit that does not
// send it, bad input naming the field.
func TestQueueSurveyAPI(t *testing.T) {
	t.Parallel()
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

// The survey settings page's API: the timeout in seconds, the queue API's timeout_s beside the
// old nanoseconds, the configuration roles only, audited, bad input naming the page's field.
func TestSurveySettingsAPI(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	res := e.expect("sup", "GET", "/surveys/settings", "", http.StatusOK)
	qs, _ := res["queues"].([]any)
	if len(qs) != 2 || res["default_timeout_s"] != 8.0 {
		t.Fatalf("settings before: %v", res)
	}
	if first, _ := qs[0].(map[string]any); first["queue"] != "sales" || first["survey"] != nil {
		t.Fatalf("sales before: %v", qs[0])
	}
	e.expect("ana", "GET", "/surveys/settings", "", http.StatusForbidden)
	body := `{"enabled":true,"timeout_s":12,"offer_percent":50,"second_question":true,"q2_digits":"12","on_dissatisfied":"ticket","language":"zh",
		"prompts":{"zh":{"q1":"sound:survey-q1","q2":"sound:survey-q2","thanks":"sound:survey-thanks"}}}`
	e.expect("sup", "PUT", "/surveys/settings/sales", body, http.StatusForbidden) // reads, never writes
	res = e.expect("ops", "PUT", "/surveys/settings/sales", body, http.StatusOK)
	sv, _ := res["survey"].(map[string]any)
	if res["queue"] != "sales" || sv == nil || sv["timeout_s"] != 12.0 || sv["timeout"] != 12e9 || sv["satisfied"] != "1" || sv["offer_percent"] != 50.0 || sv["on_dissatisfied"] != "ticket" {
		t.Fatalf("saved: %v", res)
	}
	// the running ACD and the queue API have it, in seconds too
	if q, err := e.acd.Queue("sales"); err != nil || q.Survey == nil || q.Survey.Timeout != 12*time.Second || !q.Survey.SecondQuestion {
		t.Fatalf("the ACD's sales survey: %+v %v", q.Survey, err)
	}
	q := e.expect("root", "GET", "/queues/sales", "", http.StatusOK)
	if sv, _ := q["survey"].(map[string]any); sv["timeout_s"] != 12.0 || sv["timeout"] != 12e9 {
		t.Fatalf("the queue API's survey: %v", q["survey"])
	}
	// older clients still send nanoseconds; timeout_s wins when both are there
	q = e.expect("root", "PUT", "/queues/support", `{"strategy":"longest_idle","sl_target":0.8,"survey":{"enabled":true,"timeout":5000000000,"prompts":{"zh":{"q1":"sound:q","thanks":"sound:t"}}}}`, http.StatusOK)
	if sv, _ := q["survey"].(map[string]any); sv["timeout_s"] != 5.0 {
		t.Fatalf("nanoseconds: %v", q["survey"])
	}
	q = e.expect("root", "PUT", "/queues/support", `{"strategy":"longest_idle","sl_target":0.8,"survey":{"enabled":true,"timeout":5000000000,"timeout_s":20,"prompts":{"zh":{"q1":"sound:q","thanks":"sound:t"}}}}`, http.StatusOK)
	if sv, _ := q["survey"].(map[string]any); sv["timeout_s"] != 20.0 {
		t.Fatalf("both: %v", q["survey"])
	}
	code, bad := e.do("root", "PUT", "/queues/support", `{"strategy":"longest_idle","sl_target":0.8,"survey":{"enabled":true,"timeout_s":90,"prompts":{"zh":{"q1":"sound:q","thanks":"sound:t"}}}}`)
	if code != http.StatusBadRequest || bad["field"] != "survey.timeout_s" || bad["code"] != callfloor.CodeOutOfRange {
		t.Fatalf("queue API timeout 90 s: %d %v", code, bad)
	}
	// the page's errors name its own fields
	for _, c := range []struct{ body, field, code string }{
		{`{"enabled":true,"timeout_s":0.5,"prompts":{"zh":{"q1":"sound:q","thanks":"sound:t"}}}`, "timeout_s", callfloor.CodeOutOfRange},
		{`{"enabled":true,"satisfied":"1","neutral":"1","dissatisfied":"3","prompts":{"zh":{"q1":"sound:q","thanks":"sound:t"}}}`, "neutral", callfloor.CodeDuplicate},
		{`{"enabled":true,"satisfied":"12","neutral":"2","dissatisfied":"3","prompts":{"zh":{"q1":"sound:q","thanks":"sound:t"}}}`, "satisfied", callfloor.CodeInvalidFormat},
		{`{"enabled":true,"prompts":{"zh":{"q1":"q.wav","thanks":"sound:t"}}}`, "prompts.zh.q1", callfloor.CodeInvalidFormat},
		{`{"enabled":true,"language":"en","prompts":{"zh":{"q1":"sound:q","thanks":"sound:t"}}}`, "prompts.en", callfloor.CodeRequired},
		{`{"enabled":true,"offer_percent":120,"prompts":{"zh":{"q1":"sound:q","thanks":"sound:t"}}}`, "offer_percent", callfloor.CodeOutOfRange},
		{`{"enabled":true,"on_dissatisfied":"email","prompts":{"zh":{"q1":"sound:q","thanks":"sound:t"}}}`, "on_dissatisfied", callfloor.CodeInvalidChoice},
		{`{"enabled":true,"timeout_s":"8"}`, "timeout_s", callfloor.CodeWrongType},
	} {
		code, bad := e.do("root", "PUT", "/surveys/settings/sales", c.body)
		if code != http.StatusBadRequest || bad["field"] != c.field || bad["code"] != c.code {
			t.Errorf("%s: %d %v, want 400 %s %s", c.body, code, bad, c.field, c.code)
		}
	}
	e.expect("root", "PUT", "/surveys/settings/nowhere", `{"enabled":false}`, http.StatusNotFound)
	// switched off: kept with its prompts, offered to nobody
	res = e.expect("root", "PUT", "/surveys/settings/sales", strings.Replace(body, `"enabled":true`, `"enabled":false`, 1), http.StatusOK)
	if sv, _ := res["survey"].(map[string]any); sv["enabled"] != false || sv["timeout_s"] != 12.0 {
		t.Fatalf("switched off: %v", res)
	}
	if n := e.auditCount("survey_settings_updated", "ops"); n != 1 {
		t.Errorf("%d audit entries by ops, want 1", n)
	}
	if n := e.auditCount("survey_settings_updated", "root"); n != 1 {
		t.Errorf("%d audit entries by root, want 1 (refused changes are not audited)", n)
	}
}
