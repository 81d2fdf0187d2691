package dashboards_test

import (
	"strings"
	"testing"
)

// The API applies the configuration's limits on names, ring timeouts and priorities, naming the
// field; values at the limits are accepted.
func TestAPILimitsNameTheField(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	e.expect("root", "POST", "/agents/1001/login", "", 200)
	long := strings.Repeat("a", 65)
	e.expectInvalid("", []badInput{
		{"POST", "/queues", `{"name":"` + long + `"}`, "name"},
		{"POST", "/queues", `{"name":"q1","ring_timeout_s":0.5}`, "ring_timeout_s"},
		{"POST", "/queues", `{"name":"q1","ring_timeout_s":301}`, "ring_timeout_s"},
		{"POST", "/queues", `{"name":"q1","priority":101}`, "priority"},
		{"POST", "/queues", `{"name":"q1","priority":-5}`, "priority"},
		{"PUT", "/queues/sales", `{"ring_timeout_s":3600}`, "ring_timeout_s"},
		{"POST", "/queues", `{"name":"q1","music_class":"a/../b"}`, "music_class"},
		{"POST", "/agents", `{"id":"` + long + `","endpoint":"PJSIP/9"}`, "id"},
		{"POST", "/agents", `{"id":"9","name":"` + strings.Repeat("名", 65) + `","endpoint":"PJSIP/9"}`, "name"},
		{"POST", "/agents", `{"id":"9","name":"<script>x</script>","endpoint":"PJSIP/9"}`, "name"},
		{"POST", "/agents", `{"id":"9","endpoint":"PJSIP/9,evil"}`, "endpoint"},
		{"PUT", "/agents/1002", `{"name":"Ben\nBen","endpoint":"PJSIP/1002"}`, "name"},
		{"POST", "/teams", `{"id":"t9","name":"` + long + `"}`, "name"},
		{"POST", "/teams", `{"id":"t9","name":"<i>night</i>"}`, "name"},
		{"POST", "/agents/1001/pause", `{"reason":"` + long + `"}`, "reason"},
		{"POST", "/agents/1001/pause", `{"reason":"<img src=x>"}`, "reason"},
	})
	// at the limits
	e.expect("root", "POST", "/queues", `{"name":"`+strings.Repeat("q", 64)+`","ring_timeout_s":1,"priority":100}`, 201)
	e.expect("root", "POST", "/queues", `{"name":"q300","ring_timeout_s":300,"priority":0}`, 201)
	e.expect("root", "POST", "/agents", `{"id":"`+strings.Repeat("9", 64)+`","name":"`+strings.Repeat("名", 64)+`","endpoint":"PJSIP/9"}`, 201)
	e.expect("root", "POST", "/teams", `{"id":"t9","name":"Night shift (EMEA), 2nd line"}`, 201)
	e.expect("root", "POST", "/teams", `{"id":"t10","name":"`+strings.Repeat("𠀀", 64)+`"}`, 201) // 256 bytes
	e.expect("root", "PUT", "/teams/t10", `{"name":"`+strings.Repeat("𠀁", 64)+`"}`, 200)
	e.expect("root", "POST", "/agents/1001/pause", `{"reason":"Lunch break"}`, 200)
	// a limit in characters, not bytes: 64 Chinese characters are 192 bytes
	e.expect("root", "POST", "/agents/1001/pause", `{"reason":"`+strings.Repeat("休", 64)+`"}`, 200)
}
