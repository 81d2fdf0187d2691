package storage_test

import (
	"context"
	"errors"
	"github.com/callfloor/callfloor/internal/testdb"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

func init() { storage.BcryptCost = bcrypt.MinCost }

func usersDB(t *testing.T) *storage.DB {
	t.Helper()
	db, _ := testdb.Open(t)
	return db
}

func wantCode(t *testing.T, err error, code, field string) {
	t.Helper()
	var e *callfloor.Error
	if !errors.As(err, &e) {
		t.Fatalf("want %s error, got %v", code, err)
	}
	if e.Class() != code || (field != "" && e.Field != field) {
		t.Fatalf("want %s on %q, got %s on %q (%s)", code, field, e.Code, e.Field, e.Message)
	}
}

const pw = "correct horse battery"

func TestCreateUserValidatesAndConflicts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := usersDB(t)
	if _, err := db.CreateTeam(ctx, storage.Team{ID: "red", Name: "Red"}); err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUser(ctx, storage.NewUser{Username: "Alice", DisplayName: "Alice A", Password: pw, Role: callfloor.RoleAgent, TeamID: "red", AgentID: "1001"})
	if err != nil {
		t.Fatal(err)
	}
	if u.ID == 0 || u.Username != "Alice" || u.Role != callfloor.RoleAgent || u.TeamID != "red" || u.AgentID != "1001" || u.CreatedAt.IsZero() {
		t.Fatalf("created %+v", u)
	}
	if p := u.Principal(); p.UserID != u.ID || p.AgentID != "1001" || p.TeamID != "red" {
		t.Fatalf("principal %+v", p)
	}
	var stored string
	if err := db.Pool.QueryRow(ctx, `SELECT password_hash FROM users WHERE id = $1`, u.ID).Scan(&stored); err != nil || !strings.HasPrefix(stored, "$2") || strings.Contains(stored, pw) {
		t.Fatalf("stored hash %q %v", stored, err)
	}

	_, err = db.CreateUser(ctx, storage.NewUser{Username: "bob", Password: "short", Role: callfloor.RoleQA})
	wantCode(t, err, callfloor.EINVALID, "password")
	_, err = db.CreateUser(ctx, storage.NewUser{Username: "bob", Password: "123456789", Role: callfloor.RoleQA}) // 9
	wantCode(t, err, callfloor.EINVALID, "password")
	_, err = db.CreateUser(ctx, storage.NewUser{Username: "bob", Password: strings.Repeat("x", 73), Role: callfloor.RoleQA})
	wantCode(t, err, callfloor.EINVALID, "password")
	_, err = db.CreateUser(ctx, storage.NewUser{Username: "ALICE", Password: pw, Role: callfloor.RoleQA})
	wantCode(t, err, callfloor.ECONFLICT, "username")
	_, err = db.CreateUser(ctx, storage.NewUser{Username: "carol", Password: pw, Role: callfloor.RoleAgent, AgentID: "1001"})
	wantCode(t, err, callfloor.ECONFLICT, "agent_id")
	_, err = db.CreateUser(ctx, storage.NewUser{Username: "carol", Password: pw, Role: "root"})
	wantCode(t, err, callfloor.EINVALID, "role")
	_, err = db.CreateUser(ctx, storage.NewUser{Username: "carol", Password: pw, Role: callfloor.RoleQA, TeamID: "nope"})
	wantCode(t, err, callfloor.EINVALID, "team_id")
	_, err = db.CreateUser(ctx, storage.NewUser{Username: "carol", Password: pw, Role: callfloor.RoleAgent})
	wantCode(t, err, callfloor.EINVALID, "agent_id")
	_, err = db.CreateUser(ctx, storage.NewUser{Username: "carol", Password: pw, Role: callfloor.RoleTeamLead})
	wantCode(t, err, callfloor.EINVALID, "team_id")
	_, err = db.CreateUser(ctx, storage.NewUser{Username: "has space", Password: pw, Role: callfloor.RoleQA})
	wantCode(t, err, callfloor.EINVALID, "username")

	got, err := db.GetUserByUsername(ctx, "aLiCe")
	if err != nil || got.ID != u.ID {
		t.Fatalf("by name: %+v %v", got, err)
	}
	_, err = db.GetUser(ctx, 999999)
	wantCode(t, err, callfloor.ENOTFOUND, "")
}

func TestUpdateDeleteUsersAndLastAdmin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := usersDB(t)
	admin, err := db.CreateUser(ctx, storage.NewUser{Username: "root", Password: pw, Role: callfloor.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	sup, err := db.CreateUser(ctx, storage.NewUser{Username: "sam", Password: pw, Role: callfloor.RoleSupervisor})
	if err != nil {
		t.Fatal(err)
	}
	qa := callfloor.RoleQA
	_, err = db.UpdateUser(ctx, admin.ID, storage.UserUpdate{Role: &qa})
	wantCode(t, err, callfloor.ECONFLICT, "")
	yes := true
	_, err = db.UpdateUser(ctx, admin.ID, storage.UserUpdate{Disabled: &yes})
	wantCode(t, err, callfloor.ECONFLICT, "")
	wantCode(t, db.DeleteUser(ctx, admin.ID), callfloor.ECONFLICT, "")

	name, agent := "Sam S", "2001"
	ag := callfloor.RoleAgent
	up, err := db.UpdateUser(ctx, sup.ID, storage.UserUpdate{DisplayName: &name, Role: &ag, AgentID: &agent})
	if err != nil || up.DisplayName != "Sam S" || up.Role != callfloor.RoleAgent || up.AgentID != "2001" || !up.UpdatedAt.After(up.CreatedAt) {
		t.Fatalf("update: %+v %v", up, err)
	}
	empty := ""
	_, err = db.UpdateUser(ctx, sup.ID, storage.UserUpdate{AgentID: &empty}) // an agent needs an agent id
	wantCode(t, err, callfloor.EINVALID, "agent_id")
	_, err = db.UpdateUser(ctx, 424242, storage.UserUpdate{DisplayName: &name})
	wantCode(t, err, callfloor.ENOTFOUND, "")

	// With a second admin, the first may step down.
	adm := callfloor.RoleAdmin
	if _, err := db.UpdateUser(ctx, sup.ID, storage.UserUpdate{Role: &adm}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateUser(ctx, admin.ID, storage.UserUpdate{Role: &qa}); err != nil {
		t.Fatal(err)
	}
	users, err := db.ListUsers(ctx)
	if err != nil || len(users) != 2 || users[0].Username != "root" || users[1].Username != "sam" {
		t.Fatalf("list: %+v %v", users, err)
	}
	if err := db.DeleteUser(ctx, admin.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, db.DeleteUser(ctx, admin.ID), callfloor.ENOTFOUND, "")
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := usersDB(t)
	u, err := db.CreateUser(ctx, storage.NewUser{Username: "dana", Password: pw, Role: callfloor.RoleQA})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.Authenticate(ctx, "DANA", pw)
	if err != nil || got.ID != u.ID {
		t.Fatalf("good login: %+v %v", got, err)
	}
	reason := func(err error) string {
		t.Helper()
		var af *storage.AuthFailure
		if !errors.As(err, &af) {
			t.Fatalf("not an AuthFailure: %v", err)
		}
		wantCode(t, err, callfloor.EUNAUTH, "")
		if err.Error() != storage.ErrBadCredentials.Message || callfloor.ErrorMessage(err) != storage.ErrBadCredentials.Message {
			t.Fatalf("message %q says more than the generic one", err.Error())
		}
		return af.Reason
	}
	_, err = db.Authenticate(ctx, "dana", pw+"x")
	if r := reason(err); r != "bad_password" {
		t.Fatal(r)
	}
	_, err = db.Authenticate(ctx, "nobody", pw)
	if r := reason(err); r != "unknown_user" {
		t.Fatal(r)
	}
	yes := true
	if _, err := db.UpdateUser(ctx, u.ID, storage.UserUpdate{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	_, err = db.Authenticate(ctx, "dana", pw)
	if r := reason(err); r != "disabled" {
		t.Fatal(r)
	}
	no := false
	if _, err := db.UpdateUser(ctx, u.ID, storage.UserUpdate{Disabled: &no}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, db.SetPassword(ctx, u.ID, "short"), callfloor.EINVALID, "password")
	if err := db.SetPassword(ctx, u.ID, "a brand new password"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Authenticate(ctx, "dana", pw); err == nil {
		t.Fatal("old password still works")
	}
	if _, err := db.Authenticate(ctx, "dana", "a brand new password"); err != nil {
		t.Fatal(err)
	}
}

func TestSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := usersDB(t)
	u, err := db.CreateUser(ctx, storage.NewUser{Username: "erin", Password: pw, Role: callfloor.RoleTeamLead, TeamID: "", AgentID: ""})
	wantCode(t, err, callfloor.EINVALID, "team_id")
	if _, err := db.CreateTeam(ctx, storage.Team{ID: "blue"}); err != nil {
		t.Fatal(err)
	}
	u, err = db.CreateUser(ctx, storage.NewUser{Username: "erin", Password: pw, Role: callfloor.RoleTeamLead, TeamID: "blue"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := db.CreateSession(ctx, u.ID, time.Hour, "10.0.0.1", "test-agent")
	if err != nil || len(tok) != 43 {
		t.Fatalf("token %q %v", tok, err)
	}
	var n int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM sessions WHERE token_hash = convert_to($1, 'UTF8')`, tok).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the plaintext token is stored (%d, %v)", n, err)
	}
	p, err := db.SessionPrincipal(ctx, tok)
	if err != nil || p.UserID != u.ID || p.Role != callfloor.RoleTeamLead || p.TeamID != "blue" || p.Username != "erin" {
		t.Fatalf("principal %+v %v", p, err)
	}

	// last_seen_at moves only when a minute old.
	if _, err := db.Pool.Exec(ctx, `UPDATE sessions SET last_seen_at = now() - interval '30 seconds'`); err != nil {
		t.Fatal(err)
	}
	var before, after time.Time
	_ = db.Pool.QueryRow(ctx, `SELECT last_seen_at FROM sessions`).Scan(&before)
	if _, err := db.SessionPrincipal(ctx, tok); err != nil {
		t.Fatal(err)
	}
	_ = db.Pool.QueryRow(ctx, `SELECT last_seen_at FROM sessions`).Scan(&after)
	if !after.Equal(before) {
		t.Fatal("last_seen_at written within the minute")
	}
	if _, err := db.Pool.Exec(ctx, `UPDATE sessions SET last_seen_at = now() - interval '2 minutes'`); err != nil {
		t.Fatal(err)
	}
	_ = db.Pool.QueryRow(ctx, `SELECT last_seen_at FROM sessions`).Scan(&before)
	if _, err := db.SessionPrincipal(ctx, tok); err != nil {
		t.Fatal(err)
	}
	_ = db.Pool.QueryRow(ctx, `SELECT last_seen_at FROM sessions`).Scan(&after)
	if !after.After(before) {
		t.Fatal("last_seen_at not moved after two minutes")
	}

	_, err = db.SessionPrincipal(ctx, tok+"x")
	wantCode(t, err, callfloor.EUNAUTH, "")
	_, err = db.SessionPrincipal(ctx, "")
	wantCode(t, err, callfloor.EUNAUTH, "")

	// Expired.
	if _, err := db.Pool.Exec(ctx, `UPDATE sessions SET expires_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	_, err = db.SessionPrincipal(ctx, tok)
	wantCode(t, err, callfloor.EUNAUTH, "")

	// Logout; a new password ends every session; disabling too.
	tok2, _ := db.CreateSession(ctx, u.ID, time.Hour, "", "")
	if err := db.DeleteSession(ctx, tok2); err != nil {
		t.Fatal(err)
	}
	_, err = db.SessionPrincipal(ctx, tok2)
	wantCode(t, err, callfloor.EUNAUTH, "")
	tok3, _ := db.CreateSession(ctx, u.ID, time.Hour, "", "")
	if err := db.SetPassword(ctx, u.ID, "another fine password"); err != nil {
		t.Fatal(err)
	}
	_, err = db.SessionPrincipal(ctx, tok3)
	wantCode(t, err, callfloor.EUNAUTH, "")
	tok4, _ := db.CreateSession(ctx, u.ID, time.Hour, "", "")
	yes := true
	if _, err := db.UpdateUser(ctx, u.ID, storage.UserUpdate{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	_, err = db.SessionPrincipal(ctx, tok4)
	wantCode(t, err, callfloor.EUNAUTH, "")

	_, err = db.CreateSession(ctx, 987654, time.Hour, "", "")
	wantCode(t, err, callfloor.ENOTFOUND, "")
	_, err = db.CreateSession(ctx, u.ID, 0, "", "")
	wantCode(t, err, callfloor.EINVALID, "")
}

func TestAPITokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := usersDB(t)
	u, err := db.CreateUser(ctx, storage.NewUser{Username: "fred", Password: pw, Role: callfloor.RoleSupervisor})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = db.CreateAPIToken(ctx, u.ID, " ")
	wantCode(t, err, callfloor.EINVALID, "name")
	tok, id, err := db.CreateAPIToken(ctx, u.ID, "wallboard")
	if err != nil || !strings.HasPrefix(tok, "cf_") || len(tok) != 46 || id == 0 {
		t.Fatalf("token %q %d %v", tok, id, err)
	}
	p, err := db.TokenPrincipal(ctx, tok)
	if err != nil || p.UserID != u.ID || p.Role != callfloor.RoleSupervisor {
		t.Fatalf("principal %+v %v", p, err)
	}
	info, err := db.GetAPIToken(ctx, id)
	if err != nil || info.Name != "wallboard" || info.UserID != u.ID || info.LastUsedAt == nil || info.RevokedAt != nil {
		t.Fatalf("info %+v %v", info, err)
	}
	for _, bad := range []string{"", "cf_", tok[3:], "cf_" + strings.Repeat("A", 43)} {
		_, err = db.TokenPrincipal(ctx, bad)
		wantCode(t, err, callfloor.EUNAUTH, "")
	}
	if err := db.RevokeAPIToken(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeAPIToken(ctx, id); err != nil {
		t.Fatalf("revoking twice: %v", err)
	}
	wantCode(t, db.RevokeAPIToken(ctx, id+1000), callfloor.ENOTFOUND, "")
	_, err = db.TokenPrincipal(ctx, tok)
	wantCode(t, err, callfloor.EUNAUTH, "")
	list, err := db.ListAPITokens(ctx, u.ID)
	if err != nil || len(list) != 1 || list[0].RevokedAt == nil {
		t.Fatalf("list %+v %v", list, err)
	}
	// Deleting the user takes the tokens with it.
	tok2, _, _ := db.CreateAPIToken(ctx, u.ID, "second")
	if err := db.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	_, err = db.TokenPrincipal(ctx, tok2)
	wantCode(t, err, callfloor.EUNAUTH, "")
}

func TestTeams(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := usersDB(t)
	if _, err := db.CreateTeam(ctx, storage.Team{ID: "red", Name: "Red team"}); err != nil {
		t.Fatal(err)
	}
	_, err := db.CreateTeam(ctx, storage.Team{ID: "red"})
	wantCode(t, err, callfloor.ECONFLICT, "id")
	_, err = db.CreateTeam(ctx, storage.Team{ID: ""})
	wantCode(t, err, callfloor.EINVALID, "id")
	b, err := db.CreateTeam(ctx, storage.Team{ID: "blue"})
	if err != nil || b.Name != "blue" {
		t.Fatalf("%+v %v", b, err)
	}
	r, err := db.UpdateTeam(ctx, storage.Team{ID: "red", Name: "Reds"})
	if err != nil || r.Name != "Reds" {
		t.Fatalf("%+v %v", r, err)
	}
	_, err = db.UpdateTeam(ctx, storage.Team{ID: "green", Name: "x"})
	wantCode(t, err, callfloor.ENOTFOUND, "")
	got, err := db.GetTeam(ctx, "red")
	if err != nil || got.Name != "Reds" {
		t.Fatalf("%+v %v", got, err)
	}
	teams, err := db.ListTeams(ctx)
	if err != nil || len(teams) != 2 || teams[0].ID != "blue" {
		t.Fatalf("%+v %v", teams, err)
	}
	u, err := db.CreateUser(ctx, storage.NewUser{Username: "gus", Password: pw, Role: callfloor.RoleTeamLead, TeamID: "red"})
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, db.DeleteTeam(ctx, "red"), callfloor.ECONFLICT, "")
	blue := "blue"
	if _, err := db.UpdateUser(ctx, u.ID, storage.UserUpdate{TeamID: &blue}); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteTeam(ctx, "red"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, db.DeleteTeam(ctx, "red"), callfloor.ENOTFOUND, "")
	_, err = db.GetTeam(ctx, "red")
	wantCode(t, err, callfloor.ENOTFOUND, "")
}

func TestAuditLog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := usersDB(t)
	wantCode(t, db.Audit(ctx, storage.AuditEntry{Actor: "cli"}), callfloor.EINVALID, "action")
	for i := range 5 {
		e := storage.AuditEntry{Actor: "cli", Action: "user_created", TargetType: "user", TargetID: string(rune('a' + i)), Detail: map[string]any{"n": i}}
		if i%2 == 1 {
			e = storage.AuditEntry{ActorUserID: 7, Actor: "root", Action: "login", IP: "10.1.1.1"}
		}
		if err := db.Audit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	all, err := db.ListAudit(ctx, storage.AuditFilter{})
	if err != nil || len(all) != 5 || all[0].ID < all[4].ID {
		t.Fatalf("all: %+v %v", all, err)
	}
	created, err := db.ListAudit(ctx, storage.AuditFilter{Action: "user_created"})
	if err != nil || len(created) != 3 || created[0].TargetID != "e" || created[0].Detail["n"] != float64(4) || created[0].ActorUserID != 0 {
		t.Fatalf("created: %+v %v", created, err)
	}
	logins, _ := db.ListAudit(ctx, storage.AuditFilter{Action: "login"})
	if len(logins) != 2 || logins[0].ActorUserID != 7 || logins[0].IP != "10.1.1.1" || logins[0].Detail != nil {
		t.Fatalf("logins %+v", logins)
	}
	one, _ := db.ListAudit(ctx, storage.AuditFilter{TargetType: "user", TargetID: "c"})
	if len(one) != 1 {
		t.Fatalf("target: %+v", one)
	}
	// Keyset pages of two.
	var seen []int64
	before := int64(0)
	for {
		page, err := db.ListAudit(ctx, storage.AuditFilter{Limit: 2, Before: before})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, e := range page {
			seen = append(seen, e.ID)
		}
		before = page[len(page)-1].ID
	}
	if len(seen) != 5 {
		t.Fatalf("pages gave %v", seen)
	}
	future, _ := db.ListAudit(ctx, storage.AuditFilter{Since: time.Now().Add(time.Hour)})
	past, _ := db.ListAudit(ctx, storage.AuditFilter{Until: time.Now().Add(-time.Hour)})
	window, _ := db.ListAudit(ctx, storage.AuditFilter{Since: time.Now().Add(-time.Hour), Until: time.Now().Add(time.Hour)})
	if len(future) != 0 || len(past) != 0 || len(window) != 5 {
		t.Fatalf("time filters: %d %d %d", len(future), len(past), len(window))
	}
}
