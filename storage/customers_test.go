package storage_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

func insertCall(t *testing.T, db *storage.DB, id, caller, called, queue, agent string, at time.Time, talkMs int64) {
	t.Helper()
	_, err := db.Pool.Exec(context.Background(), `INSERT INTO calls (id, direction, queue, node, caller_number, called_number, agent_id,
		entered_at, answered_at, ended_at, talk_ms, outcome, recording_name, last_event_id)
		VALUES ($1, 'inbound', $4, 'ast1', nullif($2, ''), nullif($3, ''), $5, $6, $6, $6::timestamptz + interval '2 minutes', $7, 'answered', 'rec-' || $1, '1-0')`,
		id, caller, called, queue, agent, at, talkMs)
	if err != nil {
		t.Fatal(err)
	}
}

// The timeline of a number: its calls (in any form the history holds the number), their
// dispositions with notes and the customer's notes, newest first; paging with before; another
// number's items never appear.
func TestCustomerTimeline(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	base := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	me := "+8613800138000"
	insertCall(t, db, "c1", "13800138000", "4008", "billing", "1001", base, 60_000)
	insertCall(t, db, "c2", "+8613800138000", "4008", "cards", "1002", base.Add(time.Hour), 30_000)
	insertCall(t, db, "c3", "13900139000", "4008", "billing", "1001", base.Add(90*time.Minute), 10_000) // someone else
	insertCall(t, db, "c4", "", "8613800138000", "", "1003", base.Add(3*time.Hour), 5_000)              // outbound-ish: called number
	if err := db.SetCallDisposition(ctx, storage.CallDisposition{CallID: "c2", Queue: "cards", AgentID: "1002", Code: "activated", Label: "已激活", Note: "客户要求激活信用卡", SetBy: "1002", SetAt: base.Add(70 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddCustomerNote(ctx, me, "老客户，脾气急", "li.na", "c1", base.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddCustomerNote(ctx, "+8613900139000", "别人的备注", "li.na", "", base.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	items, err := db.Timeline(ctx, me, time.Time{}, 50)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		got = append(got, it.Kind+":"+it.Ref)
	}
	if len(got) != 4 || got[0] != "call:c4" || got[1][:5] != "note:" || got[2] != "call:c2" || got[3] != "call:c1" {
		t.Fatalf("timeline = %v", got)
	}
	if d := items[2].Detail; d["note"] != "客户要求激活信用卡" || d["disposition"] != "activated" || d["talk_s"] != int64(30) || d["queue"] != "cards" {
		t.Fatalf("c2 detail = %v", d)
	}
	if items[1].Detail["body"] != "老客户，脾气急" {
		t.Fatalf("note = %v", items[1].Detail)
	}
	// paging: the two newest, then what is before the second
	page1, _ := db.Timeline(ctx, me, time.Time{}, 2)
	page2, err := db.Timeline(ctx, me, page1[1].At.Add(-time.Microsecond), 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(page1) != 2 || len(page2) != 2 || page2[0].Ref != "c2" || page2[1].Ref != "c1" {
		t.Fatalf("pages %v / %v", page1, page2)
	}
	// the first look at a number with calls makes it a customer; a number with none is not created
	c, err := db.EnsureCustomer(ctx, "+8613900139000")
	if err != nil || !c.Known {
		t.Fatalf("ensure = %+v, %v", c, err)
	}
	c, err = db.EnsureCustomer(ctx, "+8613700137000")
	if err != nil || c.Known {
		t.Fatalf("ensure without calls = %+v, %v", c, err)
	}
}

// The SQL and Go forms of a number agree: every variant PhoneVariants gives is mapped back to
// the canonical number by cust_canon, and cust_variants is PhoneVariants.
func TestCustomerPhoneForms(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	for _, p := range []string{"+8613800138000", "+862161234567", "+861062345678", "+447946095800"} {
		var sqlVariants []string
		if err := db.Pool.QueryRow(ctx, `SELECT cust_variants($1)`, p).Scan(&sqlVariants); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(sqlVariants, callfloor.PhoneVariants(p)) {
			t.Errorf("%s: sql %v, go %v", p, sqlVariants, callfloor.PhoneVariants(p))
		}
		for _, v := range callfloor.PhoneVariants(p) {
			var canon string
			if err := db.Pool.QueryRow(ctx, `SELECT cust_canon($1)`, v).Scan(&canon); err != nil {
				t.Fatal(err)
			}
			goCanon, _ := callfloor.CanonicalPhone(v, "86")
			if strings.HasPrefix(p, "+86") && !(len(p) == 14 && p[3] == '1') && !strings.HasPrefix(v, "0") && !strings.HasPrefix(v, "+") {
				continue // a landline without its trunk 0 or + (86…, 21…): ambiguous, left as it is
			}
			if canon != p || goCanon != p {
				t.Errorf("%s: variant %s → sql %s, go %s", p, v, canon, goCanon)
			}
		}
	}
}

// Edits, flags (who, when, why), the flagged list the ACD is rebuilt from, and search by
// number, name, tag, note text and disposition note text (two Chinese characters), scoped.
func TestCustomerEditFlagsSearch(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	name, tags := "王芳", []string{"信用卡", "高价值"}
	c, err := db.UpdateCustomer(ctx, "+8613800138000", storage.CustomerEdit{Name: &name, Tags: &tags}, now)
	if err != nil || c.Name != "王芳" || len(c.Tags) != 2 {
		t.Fatalf("update = %+v, %v", c, err)
	}
	other := "赵磊"
	if _, err := db.UpdateCustomer(ctx, "+8613900139000", storage.CustomerEdit{Name: &other}, now); err != nil {
		t.Fatal(err)
	}
	c, err = db.SetCustomerFlag(ctx, "+8613800138000", callfloor.FlagVIP, true, "zhang.tl", "白金卡客户", now)
	if err != nil || !c.VIP || c.VIPBy != "zhang.tl" || c.VIPReason != "白金卡客户" || c.Name != "王芳" {
		t.Fatalf("flag = %+v, %v", c, err)
	}
	if _, err := db.SetCustomerFlag(ctx, "+8613700137000", callfloor.FlagBlacklist, true, "zhang.tl", "骚扰电话", now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetCustomerFlag(ctx, "+8613700137000", "gold", true, "x", "", now); callfloor.ErrorCode(err) != callfloor.EINVALID {
		t.Fatalf("unknown flag: %v", err)
	}
	flags, err := db.FlaggedCustomers(ctx)
	if err != nil || len(flags) != 2 || flags["+8613800138000"] != "vip" || flags["+8613700137000"] != "blacklist" {
		t.Fatalf("flagged = %v, %v", flags, err)
	}
	if _, err := db.SetCustomerFlag(ctx, "+8613800138000", callfloor.FlagVIP, false, "zhang.tl", "ignored", now); err != nil {
		t.Fatal(err)
	}
	if flags, _ := db.FlaggedCustomers(ctx); len(flags) != 1 {
		t.Fatalf("after clearing: %v", flags)
	}
	insertCall(t, db, "d1", "13900139000", "", "billing", "1001", now, 1000)
	if err := db.SetCallDisposition(ctx, storage.CallDisposition{CallID: "d1", Queue: "billing", Code: "x", Note: "客户投诉账单重复扣款", SetBy: "1001", SetAt: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddCustomerNote(ctx, "+8613800138000", "想办理信用卡激活业务", "li.na", "", now); err != nil {
		t.Fatal(err)
	}
	search := func(q string, scope []string) []string {
		t.Helper()
		hits, err := db.SearchCustomers(ctx, q, scope, 50)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range hits {
			out = append(out, h.Phone+"/"+h.MatchedIn)
		}
		slices.Sort(out)
		return out
	}
	for q, want := range map[string]string{
		"0138":   "[+8613800138000/]",
		"王芳":     "[+8613800138000/]",
		"高价值":    "[+8613800138000/]",
		"激活":     "[+8613800138000/note]",
		"扣款":     "[+8613900139000/disposition]",
		"重复扣款":   "[+8613900139000/disposition]",
		"没有这个东西": "[]",
	} {
		if got := fmt.Sprint(search(q, nil)); got != want {
			t.Errorf("search %q = %s, want %s", q, got, want)
		}
	}
	if got := fmt.Sprint(search("", []string{"billing"})); got != "[+8613900139000/]" {
		t.Errorf("scoped to billing: %s", got)
	}
	if got := fmt.Sprint(search("", []string{"cards"})); got != "[]" {
		t.Errorf("scoped to cards: %s", got)
	}
	hits, _ := db.SearchCustomers(ctx, "扣款", nil, 5)
	if len(hits) != 1 || !strings.Contains(hits[0].Snippet, "«扣款»") {
		t.Fatalf("snippet: %+v", hits)
	}
}
