package main

// The demo's call-back lists (issue 14): a week of abandoned callers of the three queues on
// their teams' lists (sales: team-a; support and billing: team-b), +86 mobiles, most called
// back within the 30 minutes' target, some late, some served by the caller ringing again,
// a few still open and overdue today, so that 回拨及时率 and the list show a believable week.
// Live call-backs come from the demo's traffic (some support callers press 1). A second run
// changes nothing.

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

func seedDemoCallbacks(ctx context.Context, db *storage.DB, cfg *callfloor.Config, now time.Time, stdout io.Writer) error {
	var n int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM callback_list WHERE first_call_id LIKE 'demo-cb-%'`).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	loc := cfg.Location()
	r := rand.New(rand.NewPCG(14, 2026))
	queues := []struct {
		queue, team string
		perDay      int
		agents      []string
	}{{"sales", "team-a", 6, []string{"ana", "lee"}}, {"support", "team-b", 14, []string{"1013", "1017", "1021"}}, {"billing", "team-b", 5, []string{"1019", "1023"}}}
	outcomes := []string{storage.CallbackReached, storage.CallbackReached, storage.CallbackReached, storage.CallbackReached, storage.CallbackNotNeeded, storage.CallbackWrongNumber}
	today := time.Date(now.In(loc).Year(), now.In(loc).Month(), now.In(loc).Day(), 0, 0, 0, 0, loc)
	rows := 0
	for d := 7; d >= 0; d-- {
		day := today.AddDate(0, 0, -d)
		for _, q := range queues {
			for i := 0; i < q.perDay; i++ {
				since := day.Add(9*time.Hour + time.Duration(r.IntN(10*3600))*time.Second)
				if !since.Before(now.Add(-5 * time.Minute)) {
					continue
				}
				phone := fmt.Sprintf("+86%s%08d", demoPrefixes[r.IntN(len(demoPrefixes))], r.IntN(100000000))
				due := since.Add(30 * time.Minute)
				who := q.agents[r.IntN(len(q.agents))]
				e := struct {
					status, outcome, claimed, closedBy string
					dialled, closed                    *time.Time
				}{status: storage.CallbackDone, claimed: who, closedBy: who}
				late := r.IntN(100) < 18
				switch x := r.IntN(100); {
				case d == 0 && due.After(now.Add(-40*time.Minute)) || (d == 0 && x < 25):
					e.status, e.claimed, e.closedBy = storage.CallbackOpen, "", "" // today's, not yet worked
				case x < 12:
					at := since.Add(time.Duration(3+r.IntN(40)) * time.Minute) // the caller rang again and was answered
					e.status, e.claimed, e.closedBy, e.closed = storage.CallbackServed, "", "demo-call", &at
				default:
					at := since.Add(time.Duration(4+r.IntN(24)) * time.Minute)
					if late {
						at = since.Add(time.Duration(35+r.IntN(90)) * time.Minute)
					}
					closed := at.Add(time.Duration(1+r.IntN(5)) * time.Minute)
					e.dialled, e.closed, e.outcome = &at, &closed, outcomes[r.IntN(len(outcomes))]
				}
				var claimedAt *time.Time
				if e.dialled != nil {
					c := e.dialled.Add(-time.Minute)
					claimedAt = &c
				}
				source := "abandoned"
				if q.queue == "support" && r.IntN(100) < 15 {
					source = string(callfloor.OutcomeCallbackFailed)
				}
				id := fmt.Sprintf("demo-cb-%s-%d-%s", day.Format("20060102"), rows, q.queue)
				attempts := 0
				if e.dialled != nil {
					attempts = 1
				}
				_, err := db.Pool.Exec(ctx, `INSERT INTO callback_list (team, queue, phone, variants, source, first_call_id, last_call_id, calls, since, last_at, due_at,
  status, claimed_by, claimed_at, attempts, dialled_at, outcome, closed_at, closed_by)
VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $8, $9, $10, nullif($11, ''), $12, $13, $14, nullif($15, ''), $16, nullif($17, ''))`,
					q.team, q.queue, phone, storage.PhoneVariants(phone), source, id, 1+r.IntN(2), since, due,
					e.status, e.claimed, claimedAt, attempts, e.dialled, e.outcome, e.closed, e.closedBy)
				if err != nil {
					return fmt.Errorf("demo call-backs: %w", err)
				}
				rows++
			}
		}
	}
	fmt.Fprintf(stdout, "demo: %d call-back list entries over 8 days\n", rows)
	return nil
}
