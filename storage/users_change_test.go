package storage_test

import (
	"context"
	"testing"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// ChangeUser writes all of a change or none of it: a bad field anywhere (or a guard's refusal)
// leaves the user, their password, phone and sessions as they were.
func TestChangeUserAllOrNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := usersDB(t)
	u, err := db.CreateUser(ctx, storage.NewUser{Username: "quinn", Password: pw, Role: callfloor.RoleQA})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := db.CreateSession(ctx, u.ID, 3600e9, "", "")
	if err != nil {
		t.Fatal(err)
	}
	sup, short, good, badPhone, okPhone := callfloor.RoleSupervisor, "short", "a long enough new one", "nodial", "PJSIP/2009"
	refuse := &callfloor.Error{Code: callfloor.EFORBID, Message: "no"}
	for _, c := range []struct {
		up    storage.UserUpdate
		guard func(storage.User) error
		code  string
	}{
		{storage.UserUpdate{Role: &sup, Password: &short}, nil, callfloor.EINVALID},
		{storage.UserUpdate{Role: &sup, Password: &good, PhoneEndpoint: &badPhone}, nil, callfloor.EINVALID},
		{storage.UserUpdate{Role: &sup, Password: &good, PhoneEndpoint: &okPhone}, func(storage.User) error { return refuse }, callfloor.EFORBID},
	} {
		_, err := db.ChangeUser(ctx, u.ID, c.up, c.guard)
		wantCode(t, err, c.code, "")
		now, err := db.GetUser(ctx, u.ID)
		if err != nil || now.Role != callfloor.RoleQA || !now.UpdatedAt.Equal(u.UpdatedAt) {
			t.Fatalf("refused change kept: %+v %v", now, err)
		}
		if _, err := db.Authenticate(ctx, "quinn", pw); err != nil {
			t.Fatalf("refused change replaced the password: %v", err)
		}
		if ep, _ := db.UserPhone(ctx, u.ID); ep != "" {
			t.Fatalf("refused change set the phone %q", ep)
		}
		if _, err := db.SessionPrincipal(ctx, sess); err != nil {
			t.Fatalf("refused change ended the session: %v", err)
		}
	}
	c, err := db.ChangeUser(ctx, u.ID, storage.UserUpdate{Role: &sup, Password: &good, PhoneEndpoint: &okPhone}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Before.Role != callfloor.RoleQA || c.After.Role != sup || c.PhoneBefore != "" || c.PhoneAfter != okPhone ||
		!c.PasswordChanged || !c.SessionsEnded || !c.Changed() {
		t.Fatalf("change: %+v", c)
	}
	if _, err := db.SessionPrincipal(ctx, sess); err == nil {
		t.Fatal("a new password left the session alive")
	}
	if _, err := db.Authenticate(ctx, "quinn", good); err != nil {
		t.Fatalf("new password: %v", err)
	}
}
