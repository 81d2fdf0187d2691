package main

import (
	"fmt"
	"os"
	"testing"
)

// TestMain gives every serve started by these tests a data_dir of their own run (the durable
// outbox), so that no test writes into the checkout's .run/ or shares a locked outbox with
// another run; tests that set cfg.DataDir or data_dir themselves still win over it where they
// build the configuration in code.
func TestMain(m *testing.M) {
	if os.Getenv(runAsCallfloor) == "1" { // a child of TestBenchServeSmall: be callfloor
		main()
		os.Exit(0)
	}
	dir, err := os.MkdirTemp("", "callfloor-test-data-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if os.Getenv("CALLFLOOR_DATA_DIR") == "" {
		os.Setenv("CALLFLOOR_DATA_DIR", dir)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
