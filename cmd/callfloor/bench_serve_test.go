package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

// runAsCallfloor makes the test binary, started as a child (bench serve execs its own binary for
// serve and sim), act as the callfloor command.
const runAsCallfloor = "CALLFLOOR_TEST_RUN_AS_CALLFLOOR"

// bench serve runs the whole platform with its own Redis and PostgreSQL and accounts for every
// call: all placed calls end in PostgreSQL, and each process's CPU per call is reported.
func TestBenchServeSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("starts its own PostgreSQL and Redis")
	}
	t.Setenv(runAsCallfloor, "1")
	var out, errb bytes.Buffer
	err := runBenchServe(t.Context(), []string{"-rate", "20", "-calls", "10", "-agents", "4", "-talk", "200ms", "-ring", "100ms",
		"-wrap", "100ms", "-wallboards", "2", "-pg-top", "3", "-log-level", "warn"}, &out, &errb)
	if err != nil {
		t.Fatalf("%v\n%s\n%s", err, out.String(), errb.String())
	}
	s := out.String()
	if !strings.Contains(s, "calls placed 10, in PostgreSQL 10, ended 10, answered 10") {
		t.Errorf("not every call accounted for:\n%s", s)
	}
	for _, p := range []string{`callfloor serve \| [1-9]`, `PostgreSQL \(all processes\) \| [1-9]`, `Redis \| [0-9]`} {
		if !regexp.MustCompile(`\| ` + p + `[0-9.]* ms \|`).MatchString(s) {
			t.Errorf("no CPU reported (%s):\n%s", p, s)
		}
	}
	if !regexp.MustCompile(`Redis commands: call phase [1-9][0-9]* \([0-9.]+ per call placed\), idle phase [0-9.]+ per second`).MatchString(s) {
		t.Errorf("no Redis command count:\n%s", s)
	}
	if !regexp.MustCompile(`Redis commands per call placed, call phase \(commandstats[^)]*\): .*\bexec [0-9.]+;`).MatchString(s) {
		t.Errorf("no Redis commands by command:\n%s", s)
	}
	// every call makes ARI events and REST requests (its /metrics read at both ends of the phase)
	if !regexp.MustCompile(`callfloor per call placed \(its /metrics\): ARI events [1-9][0-9.]*, ARI REST requests [1-9][0-9.]*, GC cycles [0-9.]+`).MatchString(s) {
		t.Errorf("no ARI / GC counts per call:\n%s", s)
	}
	if !strings.Contains(s, "top statements by execution time") {
		t.Errorf("no pg_stat_statements report:\n%s", s)
	}
}
