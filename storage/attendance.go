package storage

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// Attendance from the system's own records (issue 12): published rostered days (roster_days'
// published_code + shifts), approved leave (leave_requests) and the agents' state intervals (agent_state_intervals), through
// callfloor.Attend. The raw facts are read as recorded; corrections are applied on top by the
// caller (attendance_corrections).

// AttendanceMargin is how far before a shift's start and after its end an agent's time still
// belongs to the shift (cut at the middle between two shifts closer than that).
const AttendanceMargin = 4 * time.Hour

// AttendanceQuery asks for the attendance of agents over days.
type AttendanceQuery struct {
	From, To string         // days YYYY-MM-DD, inclusive
	Loc      *time.Location // the centre's zone
	Agents   []string       // nil: every agent rostered in the range or in the agents table
	Team     string         // "": any; else the agents rostered in (or members of) the team
	Grace    time.Duration  // 0: callfloor.DefaultGrace
	Now      time.Time      // states still running end here (zero: time.Now())
	Raw      bool           // without the team leads' corrections
}

// Shifts reads the shift templates by code.
func (db *DB) Shifts(ctx context.Context) (map[string]callfloor.Shift, error) {
	rows, err := db.Pool.Query(ctx, `SELECT code, name, start_time, end_time, breaks FROM shifts`)
	if err != nil {
		return nil, fmt.Errorf("shifts: %w", err)
	}
	defer rows.Close()
	out := map[string]callfloor.Shift{}
	for rows.Next() {
		var s callfloor.Shift
		var breaks []byte
		if err := rows.Scan(&s.Code, &s.Name, &s.Start, &s.End, &breaks); err != nil {
			return nil, fmt.Errorf("shifts: %w", err)
		}
		if err := json.Unmarshal(breaks, &s.Breaks); err != nil {
			return nil, fmt.Errorf("shift %s breaks: %w", s.Code, err)
		}
		out[s.Code] = s
	}
	return out, rows.Err()
}

type rosterKey struct{ agent, day string }

// Attendance computes every agent's days of q: one AttendanceDay per agent and day, ordered by
// agent then day. An agent neither rostered nor logged in on a day gets a row with nothing in it
// (the sheet shows the blank).
func (db *DB) Attendance(ctx context.Context, q AttendanceQuery) ([]callfloor.AttendanceDay, error) {
	if q.Loc == nil {
		q.Loc = time.UTC
	}
	if q.Now.IsZero() {
		q.Now = time.Now()
	}
	days := callfloor.Days(q.From, q.To)
	if len(days) == 0 {
		return nil, callfloor.Invalid("from", callfloor.CodeInvalidFormat, callfloor.Params{"format": "date", "value": q.From},
			"from %q to %q is not a range of days", q.From, q.To)
	}
	if len(days) > 62 {
		return nil, callfloor.Invalid("to", callfloor.CodeOutOfRange, callfloor.Params{"max": 62, "value": len(days)},
			"at most 62 days at once, got %d", len(days))
	}
	shifts, err := db.Shifts(ctx)
	if err != nil {
		return nil, err
	}
	// the day before and after too: a neighbour's shift bounds a day's window
	before := callfloor.AddDays(q.From, -1)
	after := callfloor.AddDays(q.To, 1)

	// rostered days
	roster := map[rosterKey]string{}
	agentSet := map[string]bool{}
	for _, a := range q.Agents {
		agentSet[a] = true
	}
	rows, err := db.Pool.Query(ctx, `SELECT agent_id, day::text, coalesce(published_code, '') FROM roster_days
		WHERE published AND day BETWEEN $1::date AND $2::date AND ($3::text[] IS NULL OR agent_id = ANY($3)) AND ($4 = '' OR team_id = $4)`,
		before, after, nilIfEmpty(q.Agents), q.Team)
	if err != nil {
		return nil, fmt.Errorf("attendance: roster: %w", err)
	}
	for rows.Next() {
		var a, d, code string
		if err := rows.Scan(&a, &d, &code); err != nil {
			rows.Close()
			return nil, fmt.Errorf("attendance: roster: %w", err)
		}
		roster[rosterKey{a, d}] = code
		if q.Agents == nil {
			agentSet[a] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("attendance: roster: %w", err)
	}
	if q.Agents == nil {
		rows, err := db.Pool.Query(ctx, `SELECT id FROM agents WHERE $1 = '' OR team_id = $1`, q.Team)
		if err != nil {
			return nil, fmt.Errorf("attendance: agents: %w", err)
		}
		for rows.Next() {
			var a string
			if err := rows.Scan(&a); err != nil {
				rows.Close()
				return nil, err
			}
			agentSet[a] = true
		}
		rows.Close()
	}
	agents := make([]string, 0, len(agentSet))
	for a := range agentSet {
		agents = append(agents, a)
	}
	slices.Sort(agents)

	// approved leave
	type leave struct{ typ, ref string }
	leaves := map[rosterKey]leave{}
	rows, err = db.Pool.Query(ctx, `SELECT id, agent_id, type, greatest(from_day, $1::date)::text, least(to_day, $2::date)::text
		FROM leave_requests WHERE status = 'approved' AND from_day <= $2::date AND to_day >= $1::date AND agent_id = ANY($3)`,
		q.From, q.To, agents)
	if err != nil {
		return nil, fmt.Errorf("attendance: leave: %w", err)
	}
	for rows.Next() {
		var id int64
		var a, typ, f, t string
		if err := rows.Scan(&id, &a, &typ, &f, &t); err != nil {
			rows.Close()
			return nil, fmt.Errorf("attendance: leave: %w", err)
		}
		for _, d := range callfloor.Days(f, t) {
			leaves[rosterKey{a, d}] = leave{typ, "leave:" + strconv.FormatInt(id, 10)}
		}
	}
	rows.Close()

	// paid pause reasons and rostered work
	paid, work := map[string]bool{}, map[string]bool{}
	rows, err = db.Pool.Query(ctx, `SELECT name, paid, rostered_work FROM pause_reasons`)
	if err != nil {
		return nil, fmt.Errorf("attendance: pause reasons: %w", err)
	}
	for rows.Next() {
		var n string
		var p, w bool
		if err := rows.Scan(&n, &p, &w); err != nil {
			rows.Close()
			return nil, err
		}
		paid[n], work[n] = p, w
	}
	rows.Close()
	rules := callfloor.AttendanceRules{Grace: q.Grace, PaidPause: func(r string) bool { return paid[r] }, WorkPause: func(r string) bool { return work[r] }, Now: q.Now}

	// windows per agent and day: a rostered day's shift with margins, cut halfway to a neighbouring
	// shift; an unrostered day the calendar day less its neighbours' windows
	type dayPlan struct {
		shift  *callfloor.ShiftOn
		window callfloor.Span
	}
	midnight := func(d string) time.Time {
		t, _ := time.ParseInLocation(time.DateOnly, d, q.Loc)
		return t
	}
	plans := map[string][]dayPlan{} // agent → plans for before..after
	allDays := callfloor.Days(before, after)
	var lo, hi time.Time
	for _, a := range agents {
		ps := make([]dayPlan, len(allDays))
		for i, d := range allDays {
			if code := roster[rosterKey{a, d}]; code != "" {
				if s, ok := shifts[code]; ok {
					on, err := s.On(d, q.Loc)
					if err != nil {
						return nil, fmt.Errorf("attendance: shift %s on %s: %w", code, d, err)
					}
					ps[i] = dayPlan{shift: &on, window: callfloor.Span{Start: on.Span.Start.Add(-AttendanceMargin), End: on.Span.End.Add(AttendanceMargin)}}
				}
			}
		}
		for i := range ps {
			if ps[i].shift == nil {
				continue
			}
			if i > 0 && ps[i-1].shift != nil {
				mid := ps[i-1].shift.Span.End.Add(ps[i].shift.Span.Start.Sub(ps[i-1].shift.Span.End) / 2)
				if ps[i].window.Start.Before(mid) {
					ps[i].window.Start = mid
				}
				if ps[i-1].window.End.After(mid) {
					ps[i-1].window.End = mid
				}
			}
		}
		for i, d := range allDays {
			if ps[i].shift != nil {
				continue
			}
			w := callfloor.Span{Start: midnight(d), End: midnight(callfloor.AddDays(d, 1))}
			if i > 0 && ps[i-1].shift != nil && ps[i-1].window.End.After(w.Start) {
				w.Start = ps[i-1].window.End
			}
			if i+1 < len(ps) && ps[i+1].shift != nil && ps[i+1].window.Start.Before(w.End) {
				w.End = ps[i+1].window.Start
			}
			if w.End.Before(w.Start) {
				w.End = w.Start
			}
			ps[i].window = w
		}
		plans[a] = ps
		for _, p := range ps[1 : len(ps)-1] {
			if lo.IsZero() || p.window.Start.Before(lo) {
				lo = p.window.Start
			}
			if p.window.End.After(hi) {
				hi = p.window.End
			}
		}
	}
	if len(agents) == 0 {
		return []callfloor.AttendanceDay{}, nil
	}

	// the intervals, read in one query in the table's order and grouped by agent in Go (an
	// ORDER BY made PostgreSQL sort a month's ~2 million rows on disk, most of the 300-agent
	// month's time; reading agents in chunks made every chunk visit every heap page, the agents'
	// rows being interleaved: BENCHMARKS.md), then each agent's days computed from its intervals
	compute := func(out []callfloor.AttendanceDay, a string, ivs []callfloor.StateInterval) []callfloor.AttendanceDay {
		ps := plans[a]
		// each day is given only the intervals that can overlap its window (ivs are ordered by
		// start): those starting before the window's end and less than the agent's longest
		// interval before its start — not the whole month thirty times over (issue 12's
		// 300-agent month took 47 s before this; BENCHMARKS.md has the time after)
		var longest time.Duration
		for _, iv := range ivs {
			longest = max(longest, iv.End.Sub(iv.Start))
		}
		for i := 1; i < len(allDays)-1; i++ {
			d := allDays[i]
			lv := leaves[rosterKey{a, d}]
			w := ps[i].window
			from := sort.Search(len(ivs), func(j int) bool { return !ivs[j].Start.Before(w.Start.Add(-longest)) })
			to := sort.Search(len(ivs), func(j int) bool { return !ivs[j].Start.Before(w.End) })
			day := callfloor.Attend(a, d, ps[i].shift, lv.typ, w, ivs[from:max(from, to)], rules)
			day.LeaveRef = lv.ref
			out = append(out, day)
		}
		return out
	}
	byAgent, err := db.attendanceIntervals(ctx, agents, lo, hi, q.Now)
	if err != nil {
		return nil, err
	}
	// the days are computed on as many goroutines as there are cores, agent by agent
	per := (len(agents) + attendanceWorkers - 1) / attendanceWorkers
	results := make([][]callfloor.AttendanceDay, attendanceWorkers)
	var wg sync.WaitGroup
	for w := range attendanceWorkers {
		lo, hi := min(w*per, len(agents)), min((w+1)*per, len(agents))
		wg.Go(func() {
			out := make([]callfloor.AttendanceDay, 0, (hi-lo)*len(days))
			for k := lo; k < hi; k++ {
				a, ivs := agents[k], byAgent[k]
				if !slices.IsSortedFunc(ivs, cmpIntervalStart) {
					slices.SortFunc(ivs, cmpIntervalStart)
				}
				out = compute(out, a, ivs)
			}
			results[w] = out
		})
	}
	wg.Wait()
	out := slices.Concat(results...)
	slices.SortStableFunc(out, func(x, y callfloor.AttendanceDay) int {
		return cmp.Or(strings.Compare(x.Agent, y.Agent), strings.Compare(x.Day, y.Day))
	})
	if !q.Raw {
		if err := db.applyCorrections(ctx, out, q.From, q.To); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// attendanceWorkers is how many goroutines compute a month's days.
var attendanceWorkers = max(1, runtime.GOMAXPROCS(0))

func cmpIntervalStart(x, y callfloor.StateInterval) int { return x.Start.Compare(y.Start) }

// attendanceIntervals reads the state intervals of agents that can overlap [lo, hi), a state
// still running as an interval to now, grouped by agent in the order of agents (unordered within
// an agent: the caller sorts).
func (db *DB) attendanceIntervals(ctx context.Context, agents []string, lo, hi, now time.Time) ([][]callfloor.StateInterval, error) {
	rows, err := db.Pool.Query(ctx, `
SELECT agent_id, state, coalesce(reason, ''), started_at, ended_at FROM agent_state_intervals
WHERE agent_id = ANY($1) AND started_at < $3 AND started_at >= $2::timestamptz - interval '2 days' AND ended_at > $2
UNION ALL
-- a state still running: the last open row of an agent with no interval from it
SELECT o.agent_id, o.state, '', o.started_at, $4::timestamptz FROM (
    SELECT DISTINCT ON (agent_id) agent_id, state, started_at FROM agent_state_open
    WHERE agent_id = ANY($1) AND started_at < $3 ORDER BY agent_id, started_at DESC) o
WHERE o.started_at < $4 AND NOT EXISTS (SELECT 1 FROM agent_state_intervals i
    WHERE i.agent_id = o.agent_id AND i.started_at >= o.started_at AND i.started_at < $3)`, agents, lo, hi, now)
	if err != nil {
		return nil, fmt.Errorf("attendance: intervals: %w", err)
	}
	defer rows.Close()
	at := make(map[string]int, len(agents))
	for i, a := range agents {
		at[a] = i
	}
	byAgent := make([][]callfloor.StateInterval, len(agents))
	// a month of a 300-seat floor is millions of rows, the agents' rows interleaved: they are
	// read from pgx's raw binary values (the agent found without allocating, the state and
	// reason strings interned, the times decoded in place) rather than scanned, which allocated
	// five values a row
	raw := rawIntervalReader(rows.FieldDescriptions())
	for rows.Next() {
		var i int
		var st, reason string
		var s, e time.Time
		if raw != nil {
			v := rows.RawValues()
			var ok bool
			if i, ok = at[string(v[0])]; !ok {
				continue
			}
			st, reason, s, e = raw.intern(v[1]), raw.intern(v[2]), pgTime(v[3]), pgTime(v[4])
		} else {
			var a string
			if err := rows.Scan(&a, &st, &reason, &s, &e); err != nil {
				return nil, fmt.Errorf("attendance: intervals: %w", err)
			}
			var ok bool
			if i, ok = at[a]; !ok {
				continue
			}
		}
		byAgent[i] = append(byAgent[i], callfloor.StateInterval{State: callfloor.AgentState(st), Reason: reason, Start: s, End: e})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("attendance: intervals: %w", err)
	}
	return byAgent, nil
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// AddAttendanceCorrection records a correction of one field of an agent's day with its reason;
// the latest correction of a field applies (the raw facts stay as recorded).
func (db *DB) AddAttendanceCorrection(ctx context.Context, agent, day, field string, value any, reason, by string) (int64, error) {
	if len(callfloor.Days(day, day)) != 1 {
		return 0, callfloor.Invalid("day", callfloor.CodeInvalidFormat, callfloor.Params{"format": "date", "value": day}, "must be a day YYYY-MM-DD, got %q", day)
	}
	if strings.TrimSpace(reason) == "" {
		return 0, callfloor.Invalid("reason", callfloor.CodeRequired, nil, "a correction needs its reason")
	}
	if len(reason) > 500 {
		return 0, callfloor.Invalid("reason", callfloor.CodeTooLong, callfloor.Params{"max": 500}, "at most 500 characters")
	}
	var probe callfloor.AttendanceDay
	if err := probe.Correct(field, value, reason, by, time.Now()); err != nil {
		return 0, err
	}
	raw, err := json.Marshal(value)
	if err != nil {
		return 0, err
	}
	var id int64
	err = db.Pool.QueryRow(ctx, `INSERT INTO attendance_corrections (agent_id, day, field, value, reason, by_user) VALUES ($1, $2::date, $3, $4, $5, $6) RETURNING id`,
		agent, day, field, raw, strings.TrimSpace(reason), by).Scan(&id)
	return id, wrapErr("attendance correction", err)
}

// applyCorrections applies the recorded corrections to days, oldest first.
func (db *DB) applyCorrections(ctx context.Context, days []callfloor.AttendanceDay, from, to string) error {
	if len(days) == 0 {
		return nil
	}
	idx := map[rosterKey]int{}
	agents := map[string]bool{}
	var list []string
	for i, d := range days {
		idx[rosterKey{d.Agent, d.Day}] = i
		if !agents[d.Agent] {
			agents[d.Agent] = true
			list = append(list, d.Agent)
		}
	}
	rows, err := db.Pool.Query(ctx, `SELECT agent_id, day::text, field, value, reason, by_user, at FROM attendance_corrections
		WHERE agent_id = ANY($1) AND day BETWEEN $2::date AND $3::date ORDER BY at, id`, list, from, to)
	if err != nil {
		return fmt.Errorf("attendance corrections: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var agent, day, field, reason, by string
		var raw []byte
		var at time.Time
		if err := rows.Scan(&agent, &day, &field, &raw, &reason, &by, &at); err != nil {
			return err
		}
		i, ok := idx[rosterKey{agent, day}]
		if !ok {
			continue
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		if err := days[i].Correct(field, v, reason, by, at); err != nil {
			return fmt.Errorf("attendance correction of %s %s %s: %w", agent, day, field, err)
		}
	}
	return rows.Err()
}

// intervalReader decodes the rows of the attendance's interval query (agent, state, reason,
// started, ended) from their binary form.
type intervalReader struct {
	strs map[string]string // interned states and reasons
}

// rawIntervalReader returns a reader when every column comes in the binary format it decodes
// (text as its bytes, timestamptz as binary microseconds since 2000), else nil: the caller
// scans.
func rawIntervalReader(fds []pgconn.FieldDescription) *intervalReader {
	want := []uint32{pgtype.TextOID, pgtype.TextOID, pgtype.TextOID, pgtype.TimestamptzOID, pgtype.TimestamptzOID}
	if len(fds) != len(want) {
		return nil
	}
	for i, fd := range fds {
		// text is its UTF-8 bytes in either format; a timestamptz must be binary
		if fd.DataTypeOID != want[i] || (want[i] == pgtype.TimestamptzOID && fd.Format != pgx.BinaryFormatCode) {
			return nil
		}
	}
	return &intervalReader{strs: map[string]string{}}
}

// pgEpoch is PostgreSQL's timestamp zero.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()

func (r *intervalReader) intern(b []byte) string {
	if s, ok := r.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	r.strs[s] = s
	return s
}

// pgTime decodes a binary timestamptz (±infinity as the farthest times representable).
func pgTime(b []byte) time.Time {
	us := int64(binary.BigEndian.Uint64(b))
	switch us {
	case math.MaxInt64:
		return time.UnixMicro(math.MaxInt64 / 2)
	case math.MinInt64:
		return time.UnixMicro(math.MinInt64 / 2)
	}
	return time.UnixMicro(pgEpoch + us)
}
