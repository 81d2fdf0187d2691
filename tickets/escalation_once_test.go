package tickets_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
	"github.com/callfloor/callfloor/tickets"
)

// Two instances, each with its own river client running the tickets' periodic job on one
// database: every escalation step of a ticket is done once, with one notification per person,
// however often both tick.
func TestEscalationOnceWithTwoRiverClients(t *testing.T) {
	t.Parallel()
	w := setup(t)
	ctx := context.Background()
	if _, err := w.db.Pool.Exec(ctx, `INSERT INTO projects (id, name) VALUES ('care', '客服') ON CONFLICT DO NOTHING`); err != nil {
		t.Fatal(err)
	}
	pm, err := w.db.CreateUser(ctx, storage.NewUser{Username: "zhaomin", DisplayName: "赵敏", Password: "secret-pass-1", Role: callfloor.RoleProjectManager, Projects: []string{"care"}})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	clock := w.now
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
	var ids []int64
	for _, subject := range []string{"态度差", "重复扣费", "宽带不通"} {
		tk, err := w.db.CreateTicket(ctx, storage.NewTicket{Category: "complaint", Priority: "urgent", Subject: subject, Phone: "13800138000", TeamID: "t1", ProjectID: "care",
			Fields: map[string]any{"target": "服务态度"}}, storage.TicketActor{UserID: w.agent.ID, Name: "王芳"}, now())
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tk.ID)
	}
	var svcs []*tickets.Service
	for i := range 2 {
		svc := &tickets.Service{DB: w.db, Now: now, Every: 20 * time.Millisecond, SMS: nop{}, Mail: nop{}}
		svcs = append(svcs, svc)
		workers := river.NewWorkers()
		c, err := river.NewClient(riverpgxv5.New(w.db.Pool), &river.Config{
			ID:                "instance-" + string(rune('a'+i)),
			Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}},
			Workers:           workers,
			PeriodicJobs:      svc.Register(workers),
			FetchPollInterval: 20 * time.Millisecond,
			FetchCooldown:     10 * time.Millisecond,
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = c.Stop(sctx)
		})
	}
	ticks := func() int64 { return svcs[0].Ticks() + svcs[1].Ticks() }
	count := func(q string, args ...any) int {
		var n int
		if err := w.db.Pool.QueryRow(ctx, q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// both instances tick for a while at each step
	waitTicks := func(what string, n int64) {
		t.Helper()
		from := ticks()
		deadline := time.Now().Add(60 * time.Second)
		for ticks()-from < n {
			if time.Now().After(deadline) {
				t.Fatalf("%s: only %d ticks (a %d, b %d)", what, ticks()-from, svcs[0].Ticks(), svcs[1].Ticks())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitTicks("before the SLA", 4)
	if n := count(`SELECT count(*) FROM ticket_events WHERE kind = 'escalated'`); n != 0 {
		t.Fatalf("%d escalations before the SLA", n)
	}
	advance(3 * time.Hour) // urgent: 2 h SLA, so past due: the team lead
	waitTicks("level 1", 10)
	advance(3 * time.Hour) // past due + the SLA again: the project manager
	waitTicks("level 2", 10)
	for _, id := range ids {
		for level, to := range map[int]int64{1: w.lead.ID, 2: pm.ID} {
			if n := count(`SELECT count(*) FROM ticket_events WHERE ticket_id = $1 AND kind = 'escalated' AND (detail->>'level')::int = $2`, id, level); n != 1 {
				t.Errorf("ticket %d: %d escalations to level %d, want 1", id, n, level)
			}
			if n := count(`SELECT count(*) FROM ticket_notifications WHERE ticket_id = $1 AND event = $2`, id, "escalated_"+string(rune('0'+level))); n != 1 {
				t.Errorf("ticket %d: %d level-%d notifications, want 1", id, n, level)
			}
			if n := count(`SELECT count(*) FROM ticket_notifications WHERE ticket_id = $1 AND user_id = $2 AND event LIKE 'escalated_%'`, id, to); n != 1 {
				t.Errorf("ticket %d: %d escalation notices to user %d, want 1", id, n, to)
			}
		}
	}
	if svcs[0].Ticks() == 0 || svcs[1].Ticks() == 0 {
		t.Errorf("one instance never ticked (a %d, b %d): not two clients at work", svcs[0].Ticks(), svcs[1].Ticks())
	}
}

// nop is a gateway that takes every notice.
type nop struct{}

func (nop) Notify(context.Context, tickets.Notice) error { return nil }
