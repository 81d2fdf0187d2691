package storage_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// TestRollupsByDifferenceBacklogInOneBucket: a backlog whose calls all entered within one
// 15-minute bucket (1 ms apart, as a replay after an outage writes them) goes through the writer
// in small batches, then a second pass rewrites many of those calls — a ringing call answered by
// another agent, an abandoned call whose later event says it was answered sooner (the bucket's
// longest wait shrinks), an answered call that ends (talk, hold, wrap, transfer), a dial that
// connects, a duplicate event — and closes agents' state intervals; dispositions are set in
// between. The 15-minute and daily rollups maintained by difference equal, row for row, what
// RebuildRollups recomputes from the raw rows, and a replay of the whole stream changes nothing.
func TestRollupsByDifferenceBacklogInOneBucket(t *testing.T) {
	t.Parallel()
	e := newHistEnv(t)
	ctx := context.Background()
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	if _, err := e.db.SetRollupZone(ctx, shanghai); err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 3, 2, 15, 46, 0, 0, time.UTC) // the bucket 15:45–16:00 UTC (23:45 in Shanghai)
	const n = 240
	agent := func(i int) string { return fmt.Sprintf("a%d", i%5) }
	calls := make([]*callfloor.Call, n)
	for i := range calls {
		in := base.Add(time.Duration(i) * time.Millisecond)
		c := &callfloor.Call{ID: fmt.Sprintf("b%d", i), Direction: callfloor.Inbound, State: callfloor.CallWaiting,
			Queue: []string{"sales", "support"}[i%2], Node: "ast1", CallerNumber: fmt.Sprintf("+8613%09d", i), EnteredAt: in}
		calls[i] = c
		if i%6 == 3 { // a dial
			c.Direction, c.Queue, c.Agent, c.CalledNumber, c.CallerNumber, c.State = callfloor.Outbound, "", agent(i), fmt.Sprintf("555%d", i%7), "", callfloor.CallDialing
			if i%4 == 3 { // a campaign's (the outbound report's rollups), some numbers' leads twice
				c.CampaignID, c.LeadID = []string{"renewals", "winback"}[i%8/4], int64(i%20)
			}
		}
		e.save(t, callfloor.EvCallEntered, in, c)
		switch i % 6 {
		case 0: // rings at one agent (the call is theirs until answered)
			c.Offers = []callfloor.Offer{{Agent: agent(i), Channel: "PJSIP/x", Start: in.Add(2 * time.Second)}}
			c.FirstOfferAt = c.Offers[0].Start
			e.save(t, callfloor.EvCallOffered, c.FirstOfferAt, c)
		case 1: // abandoned after a long wait (the bucket's longest)
			c.State, c.EndedAt, c.Outcome = callfloor.CallEnded, in.Add(time.Duration(100+i)*time.Second), callfloor.OutcomeAbandoned
			e.save(t, callfloor.EvCallEnded, c.EndedAt, c)
		case 2: // answered, talking
			c.Offers = []callfloor.Offer{{Agent: agent(i), Channel: "PJSIP/x", Start: in.Add(3 * time.Second), End: in.Add(5 * time.Second), Result: callfloor.OfferAnswered}}
			c.FirstOfferAt, c.AnsweredAt, c.Agent, c.State = c.Offers[0].Start, in.Add(5*time.Second), agent(i), callfloor.CallTalking
			e.save(t, callfloor.EvCallAnswered, c.AnsweredAt, c)
		case 4: // short abandon, never rewritten
			c.State, c.EndedAt, c.Outcome = callfloor.CallEnded, in.Add(2*time.Second), callfloor.OutcomeShortAbandon
			e.save(t, callfloor.EvCallEnded, c.EndedAt, c)
		case 5: // flowed out (its event comes again in the second pass)
			c.State, c.EndedAt, c.Outcome = callfloor.CallEnded, in.Add(90*time.Second), callfloor.OutcomeFlowedOut
			e.save(t, callfloor.EvCallEnded, c.EndedAt, c)
		}
	}
	// agents' states: available before the backlog, paused from within the bucket; the pauses
	// close in the second pass
	state := func(a string, at time.Time, prev callfloor.AgentState, since time.Time, reason string, to callfloor.AgentState) {
		e.xadd(t, callfloor.Event{Type: callfloor.EvAgentState, At: at, Prev: prev, PrevSinceMs: since.UnixMilli(), PrevReason: reason,
			Agent: &callfloor.AgentStatus{Agent: a, State: to, Since: at}})
	}
	for k := 0; k < 5; k++ {
		a := fmt.Sprintf("a%d", k)
		state(a, base.Add(time.Duration(k)*time.Second), callfloor.AgentAvailable, base.Add(-20*time.Minute), "", callfloor.AgentPaused)
	}
	w, stop := e.start(t, e.db, storage.WriterOptions{Consumer: "w1", BatchSize: 9})
	drained(t, w, 60*time.Second)
	stop()
	// dispositions before the rewrites (a ringing call's, a dial's)
	for _, id := range []string{"b0", "b3", "b6", "b9"} {
		if err := e.db.SetCallDisposition(ctx, storage.CallDisposition{CallID: id, Code: "sale", Label: "sale", SetBy: "a1", SetAt: base.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	// the second pass
	for i, c := range calls {
		in := c.EnteredAt
		switch i % 6 {
		case 0: // no answer there, answered by the next agent
			c.Offers[0].End, c.Offers[0].Result = in.Add(10*time.Second), callfloor.OfferNoAnswer
			e.save(t, callfloor.EvCallOfferEnded, c.Offers[0].End, c)
			c.Offers = append(c.Offers, callfloor.Offer{Agent: agent(i + 1), Channel: "PJSIP/y", Start: in.Add(11 * time.Second), End: in.Add(12 * time.Second), Result: callfloor.OfferAnswered})
			c.AnsweredAt, c.Agent, c.State = in.Add(12*time.Second), agent(i+1), callfloor.CallTalking
			e.save(t, callfloor.EvCallAnswered, c.AnsweredAt, c)
			c.EndedAt, c.Outcome, c.State = in.Add(70*time.Second), callfloor.OutcomeAnswered, callfloor.CallEnded
			e.save(t, callfloor.EvCallEnded, c.EndedAt, c)
		case 1: // its later event: answered after 4 s after all (the longest wait shrinks)
			c.Offers = []callfloor.Offer{{Agent: agent(i), Channel: "PJSIP/x", Start: in.Add(3 * time.Second), End: in.Add(4 * time.Second), Result: callfloor.OfferAnswered}}
			c.FirstOfferAt, c.AnsweredAt, c.Agent = c.Offers[0].Start, in.Add(4*time.Second), agent(i)
			c.EndedAt, c.Outcome = in.Add(50*time.Second), callfloor.OutcomeAnswered
			e.save(t, callfloor.EvCallEnded, c.EndedAt, c)
		case 2: // ends, with hold and wrap-up, some transferred
			hold, wrap := int64(2000), int64(7000)
			c.EndedAt, c.Outcome, c.State, c.HoldMs, c.WrapMs = in.Add(95*time.Second), callfloor.OutcomeAnswered, callfloor.CallEnded, &hold, &wrap
			if i%4 == 0 {
				c.TransferredTo = "queue:support"
			}
			e.save(t, callfloor.EvCallEnded, c.EndedAt, c)
		case 3: // half the dials connect
			if i%2 == 1 {
				c.AnsweredAt = in.Add(6 * time.Second)
			}
			c.EndedAt, c.Outcome, c.State = in.Add(40*time.Second), callfloor.OutcomeAnswered, callfloor.CallEnded
			if c.AnsweredAt.IsZero() {
				c.Outcome = callfloor.OutcomeBusy
			}
			e.save(t, callfloor.EvCallEnded, c.EndedAt, c)
		case 5:
			e.save(t, callfloor.EvCallEnded, c.EndedAt, c)
		}
	}
	for k := 0; k < 5; k++ {
		a := fmt.Sprintf("a%d", k)
		paused := base.Add(time.Duration(k) * time.Second)
		state(a, base.Add(20*time.Minute), callfloor.AgentPaused, paused, "lunch", callfloor.AgentAvailable)
	}
	w, stop = e.start(t, e.db, storage.WriterOptions{Consumer: "w2", BatchSize: 11})
	drained(t, w, 60*time.Second)
	stop()
	if err := e.db.SetCallDisposition(ctx, storage.CallDisposition{CallID: "b6", Code: "no_sale", Label: "no_sale", SetBy: "a1", SetAt: base.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	got := rollupSnapshot(t, e.db)
	// the bucket holds every inbound call, after the rewrites
	for _, want := range []string{
		`"bucket":"2026-03-02T15:45:00+00:00","queue":"sales","agent_id":"a1","direction":"inbound","offered":`,
		`"state":"paused","reason":"lunch"`, `"code":"no_sale","calls":1`, `"called_number":"5553"`, `"max_stale":false`,
		`"campaign_id":"renewals","agent_id":"a0","dials":`, `"campaign_id":"renewals","agent_id":"a3","code":"sale","calls":1`,
		`"campaign_id":"renewals","agent_id":"a0","called_number":"5555","lead_id":15`,
	} {
		if !strings.Contains(got, want) {
			t.Fatalf("rollups lack %s:\n%s", want, got)
		}
	}
	if strings.Contains(got, `"max_stale":true`) {
		t.Errorf("a longest wait left stale:\n%s", got)
	}
	if inbound := e.count(t, `SELECT sum(n) FROM rollup_calls WHERE direction = 'inbound'`); inbound != n-n/6 {
		t.Errorf("the 15-minute rows sum %d inbound calls, want %d", inbound, n-n/6)
	}
	assertDailyFromScratch(t, e.db, shanghai)
	// replayed whole: nothing changes
	if err := e.rdb.XGroupDestroy(ctx, e.stream, "history").Err(); err != nil {
		t.Fatal(err)
	}
	w, stop = e.start(t, e.db, storage.WriterOptions{Consumer: "w3", BatchSize: 50})
	drained(t, w, 60*time.Second)
	stop()
	if again := rollupSnapshot(t, e.db); again != got {
		t.Errorf("rollups changed by a replay:\n%s\nwas:\n%s", again, got)
	}
	// the exact recomputation, from nothing and over what is there, gives the same rows
	if _, err := e.db.RebuildRollups(ctx, base.Add(-time.Hour), base.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if rebuilt := rollupSnapshot(t, e.db); rebuilt != got {
		t.Errorf("rollups after a rebuild over them differ:\n%s\nby difference:\n%s", rebuilt, got)
	}
	if _, err := e.db.Pool.Exec(ctx, truncateRollups); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.RebuildRollups(ctx, base.Add(-time.Hour), base.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if rebuilt := rollupSnapshot(t, e.db); rebuilt != got {
		t.Errorf("rebuilt rollups differ from the ones maintained by difference:\n%s\nby difference:\n%s", rebuilt, got)
	}
}

// TestRollupsBatchesMixingNewRowsAndRewrites: the writer's fast paths — a call it inserts (no
// old parts read, nothing subtracted when a batch has only new calls), the state intervals
// added by their insert's own statement, an agent's opening not kept when its interval closes
// in the same batch — in batches that mix new calls with rewrites of calls of earlier batches
// (offered, answered, ended; dials connecting, campaign dials), intervals opened in one batch
// and closed in a later one, a disposition set before its call reaches the history, and an
// interval event delivered twice: the 15-minute and daily rollups equal RebuildRollups' row for
// row, the intervals carry their direction and call, and a replay of the stream changes
// nothing. The calls cross local midnight (23:58 in Shanghai): two days at the daily level.
func TestRollupsBatchesMixingNewRowsAndRewrites(t *testing.T) {
	t.Parallel()
	e := newHistEnv(t)
	ctx := context.Background()
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	if _, err := e.db.SetRollupZone(ctx, shanghai); err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 3, 2, 15, 58, 0, 0, time.UTC) // 23:58 in Shanghai
	const n = 48
	agent := func(i int) string { return fmt.Sprintf("m%d", i%5) }
	outbound := func(i int) bool { return i%4 == 3 }
	calls := make([]*callfloor.Call, n)
	var stateIDs []callfloor.Event
	state := func(a string, at time.Time, prev callfloor.AgentState, since time.Time, to callfloor.AgentState, call string) {
		ev := callfloor.Event{Type: callfloor.EvAgentState, At: at, Prev: prev, PrevSinceMs: since.UnixMilli(),
			Agent: &callfloor.AgentStatus{Agent: a, State: to, Since: at}}
		if call != "" {
			ev.Agent.Direction, ev.Agent.Call = callfloor.Inbound, call
		}
		e.xadd(t, ev)
		stateIDs = append(stateIDs, ev)
	}
	// a disposition set before its (new) call reaches the history
	if err := e.db.SetCallDisposition(ctx, storage.CallDisposition{CallID: "x5", Code: "sale", Label: "sale", SetBy: "m0", SetAt: base}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n+4; i++ {
		if i < n { // a new call
			in := base.Add(time.Duration(i) * 10 * time.Second)
			c := &callfloor.Call{ID: fmt.Sprintf("x%d", i), Direction: callfloor.Inbound, State: callfloor.CallWaiting,
				Queue: []string{"sales", "support"}[i%2], Node: "ast1", CallerNumber: fmt.Sprintf("+8613%09d", i), EnteredAt: in}
			if outbound(i) {
				c.Direction, c.Queue, c.Agent, c.CalledNumber, c.CallerNumber, c.State = callfloor.Outbound, "", agent(i), fmt.Sprintf("+86551%04d", i%3), "", callfloor.CallDialing
				if i%8 == 7 {
					c.CampaignID, c.LeadID = "renewals", int64(i%6)
				}
			}
			calls[i] = c
			e.save(t, callfloor.EvCallEntered, in, c)
		}
		if j := i - 1; j >= 0 && j < n && !outbound(j) { // rings at its agent
			c := calls[j]
			c.Offers = []callfloor.Offer{{Agent: agent(j), Channel: "PJSIP/m", Start: c.EnteredAt.Add(time.Second)}}
			c.FirstOfferAt = c.Offers[0].Start
			e.save(t, callfloor.EvCallOffered, c.FirstOfferAt, c)
			state(agent(j), c.FirstOfferAt, callfloor.AgentAvailable, c.EnteredAt.Add(-4*time.Second), callfloor.AgentRinging, c.ID)
		}
		if k := i - 2; k >= 0 && k < n { // answered (a dial: every other connects)
			c := calls[k]
			switch {
			case !outbound(k):
				c.Offers[0].End, c.Offers[0].Result = c.EnteredAt.Add(3*time.Second), callfloor.OfferAnswered
				c.AnsweredAt, c.Agent, c.State = c.Offers[0].End, agent(k), callfloor.CallTalking
				e.save(t, callfloor.EvCallAnswered, c.AnsweredAt, c)
				state(agent(k), c.AnsweredAt, callfloor.AgentRinging, c.FirstOfferAt, callfloor.AgentOnCall, c.ID)
			case k%8 == 3:
				c.AnsweredAt, c.State = c.EnteredAt.Add(6*time.Second), callfloor.CallTalking
				e.save(t, callfloor.EvCallAnswered, c.AnsweredAt, c)
			}
		}
		if l := i - 4; l >= 0 && l < n { // ends
			c := calls[l]
			c.EndedAt, c.State, c.Outcome = c.EnteredAt.Add(40*time.Second), callfloor.CallEnded, callfloor.OutcomeAnswered
			if c.AnsweredAt.IsZero() {
				c.Outcome = callfloor.OutcomeBusy
			}
			if l%6 == 0 {
				wrap := int64(5000)
				c.WrapMs = &wrap
			}
			e.save(t, callfloor.EvCallEnded, c.EndedAt, c)
			if !outbound(l) {
				state(agent(l), c.EndedAt, callfloor.AgentOnCall, c.AnsweredAt, callfloor.AgentWrapUp, "")
				state(agent(l), c.EndedAt.Add(5*time.Second), callfloor.AgentWrapUp, c.EndedAt, callfloor.AgentAvailable, "")
			}
		}
		if i%10 == 9 { // an interval event delivered again, among new ones
			e.xadd(t, stateIDs[len(stateIDs)-7])
		}
	}
	w, stop := e.start(t, e.db, storage.WriterOptions{Consumer: "w1", BatchSize: 4})
	drained(t, w, 60*time.Second)
	stop()
	if missing := e.count(t, `SELECT count(*) FROM agent_state_intervals WHERE state IN ('ringing', 'on_call') AND (direction IS NULL OR call_id IS NULL)`); missing != 0 {
		t.Errorf("%d ringing or on-call intervals without their direction and call", missing)
	}
	if iv := e.count(t, `SELECT count(*) FROM agent_state_intervals`); iv != 4*(n-n/4) {
		t.Errorf("%d intervals, want %d", iv, 4*(n-n/4))
	}
	got := rollupSnapshot(t, e.db)
	for _, want := range []string{`"state":"on_call"`, `"code":"sale","calls":1`, `"called_number":"+865510001"`, `"campaign_id":"renewals"`, `"day":"2026-03-03"`} {
		if !strings.Contains(got, want) {
			t.Fatalf("rollups lack %s:\n%s", want, got)
		}
	}
	assertDailyFromScratch(t, e.db, shanghai)
	// replayed whole, in other batches: nothing changes
	if err := e.rdb.XGroupDestroy(ctx, e.stream, "history").Err(); err != nil {
		t.Fatal(err)
	}
	w, stop = e.start(t, e.db, storage.WriterOptions{Consumer: "w2", BatchSize: 7})
	drained(t, w, 60*time.Second)
	stop()
	if again := rollupSnapshot(t, e.db); again != got {
		t.Errorf("rollups changed by a replay:\n%s\nwas:\n%s", again, got)
	}
	if _, err := e.db.Pool.Exec(ctx, truncateRollups); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.RebuildRollups(ctx, base.Add(-time.Hour), base.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if rebuilt := rollupSnapshot(t, e.db); rebuilt != got {
		t.Errorf("rebuilt rollups differ from the ones maintained by difference:\n%s\nby difference:\n%s", rebuilt, got)
	}
}
