package telephony_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testdb"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/storage"
	"github.com/callfloor/callfloor/telephony"
	"github.com/callfloor/callfloor/telephony/sim"
)

// dialFloor is a test floor with a PostgreSQL campaign store and the dialler on.
type dialFloor struct {
	*floor
	db *storage.DB
}

// newDialFloor: n agents (1001…) of team t1, a simulator whose customers follow customers
// (agents answer after 100 ms and never hang up themselves), the dialler on.
func newDialFloor(t testing.TB, n int, customers sim.Dialplan, opts telephony.DialerOptions) *dialFloor {
	t.Helper()
	db, _ := testdb.Open(t)
	var agents []string
	for i := range n {
		agents = append(agents, fmt.Sprint(1001+i))
	}
	cfg := testConfig(agents...)
	rdb, prefix := testenv.Redis(t)
	s := sim.New(sim.Config{RecordingDir: t.TempDir()})
	s.SetDialplan(customers)
	url, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	opts.Source = db
	if opts.Every == 0 {
		opts.Every = 200 * time.Millisecond
	}
	f := &floor{t: t, sim: s, simURL: url, rdb: rdb, prefix: prefix, store: realtime.New(rdb, prefix), cfg: cfg, cursor: "0", dialer: &opts}
	return &dialFloor{floor: f, db: db}
}

// agentsAnswer: the agents' phones answer after 100 ms; other endpoints go to customers.
func agentsAnswer(customers sim.Dialplan) sim.Dialplan {
	return func(ep string) (sim.Behaviour, error) {
		if strings.HasSuffix(ep, "@agents") {
			return sim.Behaviour{RingFor: 100 * time.Millisecond}, nil
		}
		return customers(ep)
	}
}

// byPrefix: numbers dialled (national) starting 136 are unallocated, 137 busy, 135 switched
// off, 139 never answer; others answer after ring and talk for talk.
func byPrefix(ring, talk time.Duration) sim.Dialplan {
	return agentsAnswer(func(ep string) (sim.Behaviour, error) {
		num := strings.TrimSuffix(strings.TrimPrefix(ep, "Local/"), "@outbound")
		switch {
		case strings.HasPrefix(num, "136"):
			return sim.Behaviour{Cause: 1, RingFor: 100 * time.Millisecond}, nil
		case strings.HasPrefix(num, "137"):
			return sim.Behaviour{Busy: true}, nil
		case strings.HasPrefix(num, "135"):
			return sim.Behaviour{Cause: 20, RingFor: 100 * time.Millisecond}, nil
		case strings.HasPrefix(num, "139"):
			return sim.Behaviour{NoAnswer: true}, nil
		}
		return sim.Behaviour{RingFor: ring, HangupAfter: talk}, nil
	})
}

// campaign creates a running campaign of team t1 open all day (UTC) with the given leads.
func (f *dialFloor) campaign(id string, mode callfloor.PacingMode, phones []string, edit func(*callfloor.Campaign)) {
	f.t.Helper()
	ctx := context.Background()
	every := []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}
	c := callfloor.NewCampaign(id, "续保 "+id)
	c.Mode, c.Teams, c.TimeZone, c.SkipHolidays = mode, []string{"t1"}, "UTC", false
	c.Windows = []callfloor.CallingWindow{{Days: every, Start: "00:00", End: "23:59"}}
	c.CallerIDs = []string{"02160001234", "02160001235"}
	c.MaxAttemptsPerDay = 5
	if mode == callfloor.PaceRatio {
		c.Ratio = 2
	}
	if edit != nil {
		edit(&c)
	}
	if _, err := f.db.PutCampaign(ctx, c); err != nil {
		f.t.Fatal(err)
	}
	rows := make([][]string, len(phones))
	for i, p := range phones {
		rows[i] = []string{p, fmt.Sprintf("客户%d", i+1)}
	}
	if rep, err := f.db.ImportLeads(ctx, id, "list-"+id, "", "test", []string{"phone", "name"}, rows, storage.LeadMapping{Phone: "phone", Name: "name"}); err != nil || rep.Loaded != len(phones) {
		f.t.Fatalf("import: %+v %v", rep, err)
	}
	if err := f.db.SetCampaignStatus(ctx, id, "running"); err != nil {
		f.t.Fatal(err)
	}
}

func phones(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%08d", prefix, i+1)
	}
	return out
}

type attemptRow struct {
	phone, dial, result, agent string
}

func (f *dialFloor) attempts(campaign string) []attemptRow {
	f.t.Helper()
	rows, err := f.db.Pool.Query(context.Background(), `SELECT phone, dial_id, result, coalesce(agent_id, '') FROM lead_attempts WHERE campaign_id = $1 ORDER BY id`, campaign)
	if err != nil {
		f.t.Fatal(err)
	}
	defer rows.Close()
	var out []attemptRow
	for rows.Next() {
		var a attemptRow
		if err := rows.Scan(&a.phone, &a.dial, &a.result, &a.agent); err != nil {
			f.t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func (f *dialFloor) leadStatus(campaign, phone string) (status, reason, last string, next *time.Time) {
	f.t.Helper()
	if err := f.db.Pool.QueryRow(context.Background(), `SELECT status, coalesce(done_reason, ''), coalesce(last_result, ''), next_attempt_at FROM leads WHERE campaign_id = $1 AND phone = $2`,
		campaign, phone).Scan(&status, &reason, &last, &next); err != nil {
		f.t.Fatal(err)
	}
	return
}

func countResults(as []attemptRow) map[string]int {
	m := map[string]int{}
	for _, a := range as {
		m[a.result]++
	}
	return m
}

// dispose records the agent's disposition of every answered attempt (as the desk does), so that
// the leads leave "dialling".
func (f *dialFloor) disposeAll(campaign string) {
	ctx := context.Background()
	rows, err := f.db.Pool.Query(ctx, `SELECT lead_id, dial_id, at FROM lead_attempts WHERE campaign_id = $1 AND result = 'answered' AND disposition IS NULL`, campaign)
	if err != nil {
		f.t.Fatal(err)
	}
	type r struct {
		lead int64
		dial string
		at   time.Time
	}
	var list []r
	for rows.Next() {
		var x r
		if err := rows.Scan(&x.lead, &x.dial, &x.at); err != nil {
			f.t.Fatal(err)
		}
		list = append(list, x)
	}
	rows.Close()
	for _, x := range list {
		if _, err := f.db.RecordAttempt(ctx, storage.AttemptRecord{LeadID: x.lead, DialID: x.dial, At: x.at, Result: callfloor.ResultAnswered, Disposition: "success"}, nil); err != nil {
			f.t.Fatal(err)
		}
	}
}

var _ = sync.Mutex{}
