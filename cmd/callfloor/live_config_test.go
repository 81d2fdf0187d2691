package main

import (
	"strings"
	"testing"
)

// The live socket limits: defaults when absent, kept when given, a bad value names its field.
func TestLiveSocketLimitsConfig(t *testing.T) {
	base := `
asterisk: [{name: pbx1, url: "http://127.0.0.1:8088", password: x}]
queues: [{name: sales}]
agents: [{id: "1001", endpoint: PJSIP/1001, skills: {sales: 5}}]
`
	cfg, err := ParseConfig([]byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Live.MaxSocketsPerUser != 20 || cfg.Live.MaxSocketsPerNode != 5000 {
		t.Errorf("defaults: %+v, want 20 per user and 5000 per node", cfg.Live)
	}
	cfg, err = ParseConfig([]byte(base + "live: {max_sockets_per_user: 5, max_sockets_per_node: 800}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Live.MaxSocketsPerUser != 5 || cfg.Live.MaxSocketsPerNode != 800 {
		t.Errorf("given limits: %+v", cfg.Live)
	}
	for yaml, field := range map[string]string{
		"live: {max_sockets_per_user: -1}\n":    "live.max_sockets_per_user",
		"live: {max_sockets_per_node: -5}\n":    "live.max_sockets_per_node",
		"live: {max_sockets_per_user: 20000}\n": "live.max_sockets_per_user",
	} {
		if _, err := ParseConfig([]byte(base + yaml)); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: %v, want an error naming %s", strings.TrimSpace(yaml), err, field)
		}
	}
}
