package main

import (
	"strings"
	"testing"
)

// Names, ring timeouts and priorities have limits in the configuration file; each refusal names
// the field.
func TestConfigLimitsNameTheField(t *testing.T) {
	base := `
asterisk: [{name: pbx1, url: "http://127.0.0.1:8088", password: x}]
queues: [{name: sales}]
agents: [{id: "1001", name: Ana, endpoint: PJSIP/1001, team: team-a, skills: {sales: 5}}]
`
	if _, err := ParseConfig([]byte(base)); err != nil {
		t.Fatalf("valid config refused: %v", err)
	}
	long := strings.Repeat("a", 65)
	q := func(s string) string { return strings.Replace(base, "{name: sales}", "{name: sales, "+s+"}", 1) }
	ag := func(old, new string) string { return strings.Replace(base, old, new, 1) }
	for _, c := range []struct{ name, yaml, want string }{
		{"queue name too long", strings.Replace(strings.Replace(base, "{name: sales}", "{name: "+long+"}", 1), "{sales: 5}", "{}", 1), "queues[0].name"},
		{"ring timeout too short", q("ring_timeout: 500ms"), "queues[0].ring_timeout"},
		{"ring timeout too long", q("ring_timeout: 301s"), "queues[0].ring_timeout"},
		{"priority too high", q("priority: 101"), "queues[0].priority"},
		{"negative priority", q("priority: -1"), "queues[0].priority"},
		{"music class", q(`music_class: "a b"`), "queues[0].music_class"},
		{"dialplan context", q(`max_wait: 1m, on_max_wait: {action: continue, context: "a,b", extension: s}`), "queues[0].on_max_wait.context"},
		{"agent id too long", ag(`id: "1001"`, `id: "`+long+`"`), "agents[0].id"},
		{"agent name too long", ag("name: Ana", "name: "+strings.Repeat("é", 65)), "agents[0].name"},
		{"agent name with markup", ag("name: Ana", `name: "<b>Ana</b>"`), "agents[0].name"},
		{"agent name with a control character", ag("name: Ana", `name: "Ana\tB"`), "agents[0].name"},
		{"agent team", ag("team: team-a", `team: "team a"`), "agents[0].team"},
		{"agent endpoint too long", ag("PJSIP/1001", "PJSIP/"+strings.Repeat("1", 130)), "agents[0].endpoint"},
		{"agent endpoint with a space", ag("PJSIP/1001", `"PJSIP/10 01"`), "agents[0].endpoint"},
		{"pause reason too long", base + "acd: {pause_reasons: [lunch, " + long + "]}\n", "acd.pause_reasons[1]"},
		{"pause reason blank", base + "acd: {pause_reasons: [\" \"]}\n", "acd.pause_reasons[0]"},
		{"missed pause reason", base + "acd: {missed_pause_reason: \"<missed>\"}\n", "acd.missed_pause_reason"},
		{"outbound ring timeout", base + "acd: {outbound: {dial_string: \"PJSIP/{number}@trunk\", ring_timeout: 10m}}\n", "acd.outbound.ring_timeout"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(c.yaml))
			if err == nil {
				t.Fatalf("accepted")
			}
			if !strings.Contains(err.Error(), c.want+":") {
				t.Fatalf("error %q does not name %q", err, c.want)
			}
		})
	}
	// at the limits: accepted
	if _, err := ParseConfig([]byte(ag("name: Ana", "name: "+strings.Repeat("é", 64)))); err != nil {
		t.Fatalf("limits refused: %v", err)
	}
	if _, err := ParseConfig([]byte(q("ring_timeout: 300s, priority: 100") + "acd: {pause_reasons: [Lunch break, Café, \"Training (1:1)\"]}\n")); err != nil {
		t.Fatalf("limits refused: %v", err)
	}
}
