package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/storage"
)

// Not parallel: it sets the environment, the bcrypt cost and userStdin.
func TestUserCommand(t *testing.T) {
	ctx := context.Background()
	oldCost, oldStdin := storage.BcryptCost, userStdin
	storage.BcryptCost = bcrypt.MinCost
	t.Cleanup(func() { storage.BcryptCost, userStdin = oldCost, oldStdin })
	url := testenv.Postgres(t)
	t.Setenv("CALLFLOOR_DATABASE_URL", url) // the flag is tried below; the env is the fallback
	// without -config, passwd and disable announce to the demo's Redis and prefix: keep this
	// test's user ids off a demo running on this machine (TestUserCommandClosesLiveSockets
	// covers the announcement)
	t.Setenv("CALLFLOOR_REDIS_URL", "redis://127.0.0.1:1/0")
	run := func(stdin string, args ...string) (string, string, error) {
		t.Helper()
		userStdin = strings.NewReader(stdin)
		var out, errOut bytes.Buffer
		err := runUser(ctx, args, &out, &errOut)
		return out.String(), errOut.String(), err
	}

	t.Setenv("CALLFLOOR_USER_PASSWORD", "first admin password")
	out, _, err := run("", "add", "-username", "root", "-role", "admin", "-name", "The Admin", "-database-url", url)
	if err != nil || !strings.Contains(out, "created user root") {
		t.Fatalf("add admin: %q %v", out, err)
	}
	// Password from stdin; a missing team is created.
	t.Setenv("CALLFLOOR_USER_PASSWORD", "")
	out, errOut, err := run("agent password 1\n", "add", "-username", "ann", "-role", "agent", "-agent", "1001", "-team", "red")
	if err != nil || !strings.Contains(out, "created user ann") || !strings.Contains(errOut, "created team red") || !strings.Contains(errOut, "password for ann") {
		t.Fatalf("add agent: %q %q %v", out, errOut, err)
	}

	for _, bad := range [][]string{
		{"add", "-username", "bo", "-role", "root"},
		{"add", "-role", "qa"},
		{"add", "-username", "ann", "-role", "qa"}, // taken
		{"add", "-username", "cy", "-role", "qa"},  // short password below
		{"add", "-username", "cy", "-role", "agent"},
		{"passwd", "-username", "nobody"},
		{"frobnicate"},
		{},
	} {
		if _, _, err := run("short\n", bad...); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}

	out, _, err = run("", "list")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[1], "ann") || !strings.Contains(lines[1], "1001") ||
		!strings.Contains(lines[1], "red") || !strings.Contains(lines[2], "root") || !strings.Contains(lines[2], "The Admin") {
		t.Fatalf("list:\n%s", out)
	}

	if _, _, err := run("a new agent password\n", "passwd", "-username", "ANN"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run("", "disable", "-username", "root"); err == nil {
		t.Fatal("disabled the last admin")
	}

	db, err := storage.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Authenticate(ctx, "ann", "a new agent password"); err != nil {
		t.Fatalf("new password: %v", err)
	}
	if _, err := db.Authenticate(ctx, "root", "first admin password"); err != nil {
		t.Fatalf("admin password from the environment: %v", err)
	}
	if _, _, err := run("", "disable", "-username", "ann"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Authenticate(ctx, "ann", "a new agent password"); callfloor.ErrorCode(err) != callfloor.EUNAUTH {
		t.Fatalf("disabled user logs in: %v", err)
	}
	if out, _, _ := run("", "list"); !strings.Contains(out, "disabled") {
		t.Fatalf("list does not show the disabled user:\n%s", out)
	}

	created, err := db.ListAudit(ctx, storage.AuditFilter{Action: "user_created"})
	if err != nil || len(created) != 2 || created[0].Actor != "cli" || created[0].Detail["username"] != "ann" || created[0].Detail["agent_id"] != "1001" || created[0].TargetType != "user" {
		t.Fatalf("user_created audit: %+v %v", created, err)
	}
	for _, action := range []string{"password_changed", "user_disabled", "team_created"} {
		if es, _ := db.ListAudit(ctx, storage.AuditFilter{Action: action}); len(es) != 1 || es[0].Actor != "cli" {
			t.Errorf("%s audit: %+v", action, es)
		}
	}
}
