package main

import (
	"bytes"
	"context"
	"github.com/callfloor/callfloor"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/storage"
)

const checkBase = `
asterisk: [{name: pbx1, url: "http://127.0.0.1:1", password: x}]
queues: [{name: sales}]
agents: [{id: "1001", endpoint: PJSIP/1001, skills: {sales: 5}}]
`

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "callfloor.yaml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// check-config refuses what serve refuses (a file without database_url), then warns about what
// serve will not reach: Redis, PostgreSQL and its schema, the Asterisk nodes.
func TestCheckConfigChecksWhatServeChecks(t *testing.T) {
	t.Setenv("CALLFLOOR_DATABASE_URL", "")
	t.Setenv("CALLFLOOR_REDIS_URL", "")
	ctx := context.Background()
	noDB := writeConfig(t, checkBase)
	var out, errOut bytes.Buffer
	err := run(ctx, []string{"check-config", "-config", noDB}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "database_url") || strings.Contains(out.String(), "configuration OK") {
		t.Fatalf("check-config on a file without database_url: %v, %q", err, out.String())
	}
	m := NewMain(io.Discard)
	if err := m.ParseFlags([]string{"-config", noDB}); err != nil {
		t.Fatal(err)
	}
	serveErr := m.Run(ctx)
	m.Close()
	if serveErr == nil || serveErr.Error() != err.Error() {
		t.Fatalf("serve says %v, check-config %v: want the same refusal", serveErr, err)
	}

	// a right file in wrong surroundings: OK, with a warning for each thing not ready
	dbURL := testenv.Postgres(t) // a fresh schema: not migrated
	path := writeConfig(t, checkBase+"database_url: "+dbURL+"\nredis_url: redis://127.0.0.1:1/0\n")
	out.Reset()
	errOut.Reset()
	if err := run(ctx, []string{"check-config", "-config", path}, &out, &errOut); err != nil || !strings.Contains(out.String(), "configuration OK") {
		t.Fatalf("check-config: %v %q %q", err, out.String(), errOut.String())
	}
	for _, want := range []string{"warning: redis at 127.0.0.1:1 does not answer", "callfloor migrate", "warning: asterisk[0] (pbx1): ARI at http://127.0.0.1:1 does not answer"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("check-config warnings %q lack %q", errOut.String(), want)
		}
	}
	out.Reset()
	errOut.Reset()
	if err := run(ctx, []string{"check-config", "-offline", "-config", path}, &out, &errOut); err != nil || errOut.Len() != 0 {
		t.Errorf("check-config -offline: %v %q", err, errOut.String())
	}
}

// Every `user` command takes -config and uses that file's database_url (not the default one).
func TestUserCommandsTakeConfig(t *testing.T) {
	oldCost := storage.BcryptCost
	storage.BcryptCost = bcrypt.MinCost
	t.Cleanup(func() { storage.BcryptCost = oldCost })
	t.Setenv("CALLFLOOR_DATABASE_URL", "")
	t.Setenv("CALLFLOOR_USER_PASSWORD", "the first admin's password")
	ctx := context.Background()
	dbURL := testenv.Postgres(t)
	path := writeConfig(t, checkBase+"database_url: "+dbURL+"\n")
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"user", "add", "-config", path, "-username", "boss", "-role", "admin"}, &out, &errOut); err != nil {
		t.Fatalf("user add -config: %v %s", err, errOut.String())
	}
	out.Reset()
	if err := run(ctx, []string{"user", "list", "-config", path}, &out, &errOut); err != nil || !strings.Contains(out.String(), "boss") {
		t.Fatalf("user list -config: %v %q", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"user", "token", "-config", path, "-username", "boss", "-name", "setup"}, &out, &errOut); err != nil {
		t.Fatalf("user token: %v %s", err, errOut.String())
	}
	tok := strings.TrimSpace(out.String())
	db, err := storage.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := db.GetUserByUsername(ctx, "boss")
	if err != nil {
		t.Fatalf("the admin is not in the file's database: %v", err)
	}
	if p, err := db.TokenPrincipal(ctx, tok); err != nil || p.UserID != u.ID {
		t.Errorf("the printed token %q: %v %v", tok, p, err)
	}
	if es, _ := db.ListAudit(ctx, storage.AuditFilter{Action: "token_created"}); len(es) != 1 || es[0].Actor != "cli" {
		t.Errorf("token audit %+v", es)
	}
	for _, bad := range [][]string{
		{"token", "-config", path, "-username", "boss"},                 // no name
		{"token", "-config", path, "-username", "nobody", "-name", "x"}, // no user
		{"list", "-config", filepath.Join(t.TempDir(), "missing.yaml")},
	} {
		if err := run(ctx, append([]string{"user"}, bad...), io.Discard, io.Discard); err == nil {
			t.Errorf("user %v: no error", bad)
		}
	}
}

// The cap on attempts at one number across campaigns: 3 a day and 10 a week unless the file
// says otherwise; {0, 0} turns it off; a negative cap is refused with the field named.
func TestFrequencyCapConfig(t *testing.T) {
	for _, c := range []struct {
		extra string
		want  callfloor.FrequencyCap
		err   string
	}{
		{"", callfloor.FrequencyCap{PerDay: 3, PerWeek: 10}, ""},
		{"acd: {outbound: {frequency_cap: {per_day: 0, per_week: 0}}}\n", callfloor.FrequencyCap{}, ""},
		{"acd: {outbound: {frequency_cap: {per_day: 2}}}\n", callfloor.FrequencyCap{PerDay: 2}, ""},
		{"acd: {outbound: {frequency_cap: {per_day: -1}}}\n", callfloor.FrequencyCap{}, "acd.outbound.frequency_cap.per_day"},
	} {
		cfg, err := ParseConfig([]byte(checkBase + "database_url: postgres://x@127.0.0.1:1/x\n" + c.extra))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: %v, want an error naming %s", c.extra, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", c.extra, err)
		}
		if got := *cfg.ACD.Outbound.FrequencyCap; got != c.want {
			t.Errorf("%q: cap %+v, want %+v", c.extra, got, c.want)
		}
	}
}
