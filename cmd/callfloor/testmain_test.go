package main

import (
	"fmt"
	"os"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/storage"
)

// TestMain gives every serve started by these tests a data_dir of their own run (the durable
// outbox), so that no test writes into the checkout's .run/ or shares a locked outbox with
// another run; tests that set cfg.DataDir or data_dir themselves still win over it where they
// build the configuration in code. It drops the template databases the run built.
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
	// the tests' users with the cheapest hashes, set here once: parallel tests must not write it
	storage.BcryptCost = bcrypt.MinCost
	code := m.Run()
	testenv.DropTemplates() // the demo fixture (demofixture_test.go)
	os.RemoveAll(dir)
	os.Exit(code)
}
