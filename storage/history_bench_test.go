package storage_test

// Ingest against raw COPY, on the same machine in the same run, so the ratio can be read side by
// side:
//
//	go test -run XXX -bench . -benchtime 5000x ./storage/
//
// BenchmarkIngest: b.N call.ended events (two offers each) wait in the stream; the timer covers
// a writer draining them (XREADGROUP, JSON decode, COPY to staging, upserts of calls and
// offers, XACK). BenchmarkRawCopy: one COPY of the same b.N call rows straight into calls, the
// ceiling no writer can beat. Both report calls_rows/s.
//
// The "floor" variants are a floor's stream: each call.ended (two offers) comes with the four
// agent.state events of its agent (available → ringing → on call → wrap-up → available), so
// the writer also writes four state intervals per call (and whatever it maintains from them:
// rollups); the raw COPY writes the same calls, offers and intervals. They also report rows/s
// of all three tables. After a change to the writer (rollups on), compare:
//
//	CALLFLOOR_TEST_REDIS_URL=redis://127.0.0.1:6379/15 go test -run XXX -bench 'Ingest|RawCopy' -benchtime 50000x -count 2 ./storage/

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

func benchCalls(n, offers int) []*callfloor.Call {
	base := time.Now().UTC().Truncate(time.Millisecond).Add(-time.Hour)
	out := make([]*callfloor.Call, n)
	for i := range out {
		in := base.Add(time.Duration(i) * time.Millisecond)
		out[i] = &callfloor.Call{ID: fmt.Sprintf("bench-%d", i), Direction: callfloor.Inbound, State: callfloor.CallEnded,
			Queue: "sales", Priority: 1, Node: "ast1", AsteriskID: "00:11:22:33", CallerNumber: fmt.Sprintf("+331%08d", i),
			CallerName: "Caller", CalledNumber: "100", Agent: "a2", EnteredAt: in, FirstOfferAt: in.Add(2 * time.Second),
			AnsweredAt: in.Add(21 * time.Second), EndedAt: in.Add(81 * time.Second), Outcome: callfloor.OutcomeAnswered,
			HangupBy: callfloor.HangupCaller, Cause: 16, CauseText: "Normal Clearing", RecordingName: "callfloor/x/" + fmt.Sprint(i),
			Offers: []callfloor.Offer{
				{Agent: "a1", Channel: "PJSIP/a1-1", Start: in.Add(2 * time.Second), End: in.Add(17 * time.Second), Result: callfloor.OfferNoAnswer},
				{Agent: "a2", Channel: "PJSIP/a2-1", Start: in.Add(18 * time.Second), End: in.Add(21 * time.Second), Result: callfloor.OfferAnswered},
			}[2-offers:]}
	}
	return out
}

func BenchmarkIngest(b *testing.B) {
	b.Run("offers=0", func(b *testing.B) { benchIngest(b, 0, false) })
	b.Run("offers=2", func(b *testing.B) { benchIngest(b, 2, false) })
	b.Run("floor", func(b *testing.B) { benchIngest(b, 2, true) })
}

func BenchmarkRawCopy(b *testing.B) {
	b.Run("offers=0", func(b *testing.B) { benchRawCopy(b, 0, false) })
	b.Run("offers=2", func(b *testing.B) { benchRawCopy(b, 2, false) })
	b.Run("floor", func(b *testing.B) { benchRawCopy(b, 2, true) })
}

// benchStates are the agent.state events around call c (answered by c.Agent): each closes one
// interval, as the ACD's transitions do.
func benchStates(c *callfloor.Call) []callfloor.Event {
	a := c.Agent
	ring := c.Offers[len(c.Offers)-1].Start
	wrapEnd := c.EndedAt.Add(10 * time.Second)
	availSince := ring.Add(-30 * time.Second)
	ev := func(at time.Time, prev callfloor.AgentState, since time.Time, to callfloor.AgentState, dir, call string) callfloor.Event {
		return callfloor.Event{Type: callfloor.EvAgentState, At: at, Prev: prev, PrevSinceMs: since.UnixMilli(),
			Agent: &callfloor.AgentStatus{Agent: a, State: to, Direction: dir, Call: call, Since: at}}
	}
	return []callfloor.Event{
		ev(ring, callfloor.AgentAvailable, availSince, callfloor.AgentRinging, callfloor.Inbound, c.ID),
		ev(c.AnsweredAt, callfloor.AgentRinging, ring, callfloor.AgentOnCall, callfloor.Inbound, c.ID),
		ev(c.EndedAt, callfloor.AgentOnCall, c.AnsweredAt, callfloor.AgentWrapUp, "", ""),
		ev(wrapEnd, callfloor.AgentWrapUp, c.EndedAt, callfloor.AgentAvailable, "", ""),
	}
}

// benchFloorCalls: benchCalls answered by 200 agents in turn.
func benchFloorCalls(n int) []*callfloor.Call {
	calls := benchCalls(n, 2)
	for i, c := range calls {
		c.Agent = fmt.Sprintf("a%d", i%200)
		c.Offers[1].Agent = c.Agent
	}
	return calls
}

func benchIngest(b *testing.B, offers int, floor bool) {
	e := newHistEnv(b)
	ctx := context.Background()
	now := time.Now()
	if err := e.db.EnsurePartitions(ctx, now.AddDate(0, 0, -1), now); err != nil {
		b.Fatal(err)
	}
	// the daily rollups on, as in a centre whose rollups were rebuilt for its zone
	if _, err := e.db.SetRollupZone(ctx, time.UTC); err != nil {
		b.Fatal(err)
	}
	calls := benchCalls(b.N, offers)
	if floor {
		calls = benchFloorCalls(b.N)
	}
	pipe := e.rdb.Pipeline()
	for i, c := range calls {
		evs := []callfloor.Event{{Type: callfloor.EvCallEnded, At: c.EndedAt, Call: c}}
		if floor {
			evs = append(evs, benchStates(c)...)
		}
		for _, ev := range evs {
			raw, _ := json.Marshal(ev)
			pipe.XAdd(ctx, &redis.XAddArgs{Stream: e.stream, Values: []any{"e", raw}})
		}
		if i%1000 == 999 {
			if _, err := pipe.Exec(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	w, stop := e.start(b, e.db, storage.WriterOptions{Consumer: "bench"})
	for {
		n, err := w.Lag(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			break
		}
		time.Sleep(5 * time.Millisecond) // each look at the lag is two Redis commands: keep it light
	}
	b.StopTimer()
	stop()
	if got := e.count(b, `SELECT count(*) FROM calls`); got != b.N {
		b.Fatalf("%d calls rows, want %d", got, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls_rows/s")
	if floor {
		if got := e.count(b, `SELECT count(*) FROM agent_state_intervals`); got != 4*b.N {
			b.Fatalf("%d intervals, want %d", got, 4*b.N)
		}
		b.ReportMetric(float64(7*b.N)/b.Elapsed().Seconds(), "rows/s")
	}
}

func benchRawCopy(b *testing.B, offers int, floor bool) {
	e := newHistEnv(b)
	ctx := context.Background()
	now := time.Now()
	if err := e.db.EnsurePartitions(ctx, now.AddDate(0, 0, -1), now); err != nil {
		b.Fatal(err)
	}
	calls := benchCalls(b.N, offers)
	if floor {
		calls = benchFloorCalls(b.N)
	}
	cols := []string{"id", "direction", "queue", "priority", "node", "asterisk_id", "caller_number", "caller_name",
		"called_number", "agent_id", "entered_at", "first_offer_at", "answered_at", "ended_at", "wait_ms", "ring_ms", "talk_ms",
		"hold_ms", "wrap_ms", "outcome", "hangup_by", "cause", "cause_text", "recording_name", "offers", "last_event_id"}
	rows := make([][]any, len(calls))
	for i, c := range calls {
		rows[i] = []any{c.ID, c.Direction, c.Queue, c.Priority, c.Node, c.AsteriskID, c.CallerNumber, c.CallerName,
			c.CalledNumber, c.Agent, c.EnteredAt, c.FirstOfferAt, c.AnsweredAt, c.EndedAt, c.WaitMs(), c.RingMs(), c.TalkMs(),
			nil, nil, string(c.Outcome), c.HangupBy, c.Cause, c.CauseText, c.RecordingName, len(c.Offers), fmt.Sprintf("%d-0", i+1)}
	}
	var orows [][]any
	for _, c := range calls {
		for i, o := range c.Offers {
			orows = append(orows, []any{c.ID, i + 1, c.EnteredAt, o.Agent, o.Channel, o.Start, o.End, o.RingMs(), o.Result, nil})
		}
	}
	ocols := []string{"call_id", "seq", "call_entered_at", "agent_id", "channel", "started_at", "ended_at", "ring_ms", "result", "cause"}
	var irows [][]any
	if floor {
		for _, c := range calls {
			for _, ev := range benchStates(c) {
				start := time.UnixMilli(ev.PrevSinceMs).UTC()
				var dir, call any
				if ev.Prev == callfloor.AgentRinging || ev.Prev == callfloor.AgentOnCall {
					dir, call = callfloor.Inbound, c.ID
				}
				irows = append(irows, []any{ev.Agent.Agent, string(ev.Prev), nil, dir, call, start, ev.At, ev.At.Sub(start).Milliseconds()})
			}
		}
	}
	icols := []string{"agent_id", "state", "reason", "direction", "call_id", "started_at", "ended_at", "duration_ms"}
	b.ResetTimer()
	// one transaction, as the writer's batches are
	err := pgx.BeginFunc(ctx, e.db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"calls"}, cols, pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		if len(orows) > 0 {
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"offers"}, ocols, pgx.CopyFromRows(orows)); err != nil {
				return err
			}
		}
		if len(irows) > 0 {
			_, err := tx.CopyFrom(ctx, pgx.Identifier{"agent_state_intervals"}, icols, pgx.CopyFromRows(irows))
			return err
		}
		return nil
	})
	b.StopTimer()
	if err != nil {
		b.Fatalf("copy: %v", err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls_rows/s")
	if floor {
		b.ReportMetric(float64(len(rows)+len(orows)+len(irows))/b.Elapsed().Seconds(), "rows/s")
	}
}
