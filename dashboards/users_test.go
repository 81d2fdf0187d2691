package dashboards_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/callfloor/callfloor/storage"
)

// PUT /users/{id} applies all of a change or none of it, and audits what changed before and
// after (issue 9, item 3: a too-short password was refused but the role change kept, unaudited).
func TestUpdateUserAllOrNothingAudited(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	id := itoa(e.ids["qa"])
	audits := func() []storage.AuditEntry {
		t.Helper()
		es, err := e.db.ListAudit(ctx, storage.AuditFilter{Action: "user_updated", TargetID: id})
		if err != nil {
			t.Fatal(err)
		}
		return es
	}
	for _, c := range []struct{ body, field string }{
		{`{"role":"supervisor","display_name":"Quinn","password":"short"}`, "password"},
		{`{"role":"supervisor","password":"a long enough new one","phone_endpoint":"nodial"}`, "phone_endpoint"},
		{`{"role":"supervisor","password":"a long enough new one","agent_id":"` + strings.Repeat("x", 101) + `"}`, "agent_id"},
		{`{"role":"agent","password":"a long enough new one"}`, "agent_id"}, // an agent needs an agent id
	} {
		if out := e.expect("root", "PUT", "/users/"+id, c.body, 400); out["field"] != c.field {
			t.Fatalf("%s: field %v, want %s", c.body, out["field"], c.field)
		}
		u := e.expect("root", "GET", "/users/"+id, "", 200)
		if u["role"] != "qa" || u["display_name"] != "" {
			t.Fatalf("%s: refused, but the user changed: %v", c.body, u)
		}
		if _, err := e.db.Authenticate(ctx, "qa", "a long enough password"); err != nil {
			t.Fatalf("%s: refused, but the password changed: %v", c.body, err)
		}
	}
	if n := len(audits()); n != 0 {
		t.Fatalf("%d user_updated rows for refused changes", n)
	}

	// A user admin who is not an admin may not change an admin: refused whole, too.
	e.expect("ops", "PUT", "/users/"+itoa(e.ids["root"]), `{"display_name":"Root","password":"a long enough new one"}`, 403)
	if _, err := e.db.Authenticate(ctx, "root", "a long enough password"); err != nil {
		t.Fatalf("the admin's password changed: %v", err)
	}

	u := e.expect("root", "PUT", "/users/"+id, `{"role":"supervisor","display_name":"Quinn","password":"a long enough new one","phone_endpoint":"PJSIP/2009"}`, 200)
	if u["role"] != "supervisor" || u["display_name"] != "Quinn" {
		t.Fatalf("update: %v", u)
	}
	if _, err := e.db.Authenticate(ctx, "qa", "a long enough new one"); err != nil {
		t.Fatalf("new password: %v", err)
	}
	if ep, _ := e.db.UserPhone(ctx, e.ids["qa"]); ep != "PJSIP/2009" {
		t.Fatalf("phone %q", ep)
	}
	rows := audits()
	if len(rows) != 1 {
		t.Fatalf("user_updated rows: %+v", rows)
	}
	d := rows[0].Detail
	before, after := d["before"].(map[string]any), d["after"].(map[string]any)
	if before["role"] != "qa" || after["role"] != "supervisor" || before["display_name"] != "" || after["display_name"] != "Quinn" ||
		before["phone_endpoint"] != "" || after["phone_endpoint"] != "PJSIP/2009" || d["password_changed"] != true || rows[0].Actor != "root" {
		t.Fatalf("audit detail: %v", d)
	}
	if _, ok := before["team_id"]; ok {
		t.Fatalf("unchanged fields in the audit: %v", d)
	}
	raw, _ := json.Marshal(d)
	if strings.Contains(string(raw), "$2") || strings.Contains(string(raw), "long enough") {
		t.Fatalf("the audit shows the password or its hash: %s", raw)
	}
}
