package main

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
)

// acd.pause_reasons takes plain names and {name, paid, max_seconds} objects; the missed-ring
// pause settings default and validate with the field named.
func TestFloorControlConfig(t *testing.T) {
	base := "sim: {}\nqueues: [{name: sales}]\nagents: [{id: \"1001\", endpoint: PJSIP/1001, skills: {sales: 5}}]\n"
	cfg, err := ParseConfig([]byte(base + "acd: {pause_reasons: [lunch, {name: break, paid: true, max_seconds: 900}]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []callfloor.PauseReason{{Name: "lunch"}, {Name: "break", Paid: true, MaxSeconds: 900}}
	if !reflect.DeepEqual(cfg.ACD.PauseReasons, want) {
		t.Fatalf("pause_reasons %+v, want %+v", cfg.ACD.PauseReasons, want)
	}
	if cfg.ACD.MissedPauseAfter != 1 || cfg.Queues[0].MissedPause(cfg.ACD) != 30*time.Second {
		t.Fatalf("defaults: after %d, pause %s; want 1 and 30s", cfg.ACD.MissedPauseAfter, cfg.Queues[0].MissedPause(cfg.ACD))
	}
	cfg, err = ParseConfig([]byte(strings.Replace(base, "{name: sales}", "{name: sales, missed_pause_seconds: 0}", 1) + "acd: {missed_pause_after: 3, missed_pause_seconds: 45}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ACD.MissedPauseAfter != 3 || cfg.Queues[0].MissedPause(cfg.ACD) != 0 || (*callfloor.Queue)(nil).MissedPause(cfg.ACD) != 45*time.Second {
		t.Fatalf("set: %+v", cfg.ACD)
	}
	for _, c := range []struct{ yaml, field string }{
		{base + "acd: {pause_reasons: [{name: break, max_seconds: -5}]}\n", "acd.pause_reasons[0].max_seconds"},
		{base + "acd: {pause_reasons: [lunch, {name: lunch}]}\n", "acd.pause_reasons[1].name"},
		{base + "acd: {pause_reasons: [{paid: true}]}\n", "acd.pause_reasons[0]"},
		{base + "acd: {missed_pause_after: -1}\n", "acd.missed_pause_after"},
		{base + "acd: {missed_pause_seconds: -1}\n", "acd.missed_pause_seconds"},
		{base + "acd: {session_close_margin: -1h}\n", "acd.session_close_margin"},
		{base + "acd: {session_close_margin: 25h}\n", "acd.session_close_margin"},
		{strings.Replace(base, "{name: sales}", "{name: sales, missed_pause_seconds: 90000}", 1), "queues[0].missed_pause_seconds"},
	} {
		if _, err := ParseConfig([]byte(c.yaml)); err == nil || !strings.Contains(err.Error(), c.field+":") {
			t.Errorf("%q: %v, want an error naming %s", c.yaml, err, c.field)
		}
	}
}
