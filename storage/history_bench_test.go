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
	b.Run("offers=0", func(b *testing.B) { benchIngest(b, 0) })
	b.Run("offers=2", func(b *testing.B) { benchIngest(b, 2) })
}

func BenchmarkRawCopy(b *testing.B) {
	b.Run("offers=0", func(b *testing.B) { benchRawCopy(b, 0) })
	b.Run("offers=2", func(b *testing.B) { benchRawCopy(b, 2) })
}

func benchIngest(b *testing.B, offers int) {
	e := newHistEnv(b)
	ctx := context.Background()
	now := time.Now()
	if err := e.db.EnsurePartitions(ctx, now.AddDate(0, 0, -1), now); err != nil {
		b.Fatal(err)
	}
	calls := benchCalls(b.N, offers)
	pipe := e.rdb.Pipeline()
	for i, c := range calls {
		raw, _ := json.Marshal(callfloor.Event{Type: callfloor.EvCallEnded, At: c.EndedAt, Call: c})
		pipe.XAdd(ctx, &redis.XAddArgs{Stream: e.stream, Values: []any{"e", raw}})
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
}

func benchRawCopy(b *testing.B, offers int) {
	e := newHistEnv(b)
	ctx := context.Background()
	now := time.Now()
	if err := e.db.EnsurePartitions(ctx, now.AddDate(0, 0, -1), now); err != nil {
		b.Fatal(err)
	}
	calls := benchCalls(b.N, offers)
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
	b.ResetTimer()
	// one transaction, as the writer's batches are
	err := pgx.BeginFunc(ctx, e.db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"calls"}, cols, pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		if len(orows) > 0 {
			_, err := tx.CopyFrom(ctx, pgx.Identifier{"offers"}, ocols, pgx.CopyFromRows(orows))
			return err
		}
		return nil
	})
	b.StopTimer()
	if err != nil {
		b.Fatalf("copy: %v", err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls_rows/s")
}
