package storage

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
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
	ivs, err := db.attendanceIntervals(ctx, agents, q.Agents == nil && q.Team == "", lo, hi, q.Now)
	if err != nil {
		return nil, err
	}
	// the days are computed on as many goroutines as there are cores, agent by agent, each
	// agent's intervals turned into callfloor's form in a buffer the goroutine reuses
	per := (len(agents) + attendanceWorkers - 1) / attendanceWorkers
	results := make([][]callfloor.AttendanceDay, attendanceWorkers)
	var wg sync.WaitGroup
	for w := range attendanceWorkers {
		lo, hi := min(w*per, len(agents)), min((w+1)*per, len(agents))
		wg.Go(func() {
			out := make([]callfloor.AttendanceDay, 0, (hi-lo)*len(days))
			var buf []callfloor.StateInterval
			for k := lo; k < hi; k++ {
				ivs.sortAgent(k)
				buf = ivs.agent(k, buf[:0])
				out = compute(out, agents[k], buf)
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

// packedInterval is one state interval as the attendance reads it: no pointers (a month of a
// 300-seat floor is ~2 million of them: the garbage collector need not scan them), 24 bytes
// against callfloor.StateInterval's 80.
type packedInterval struct {
	start, end    int64 // Unix microseconds
	state, reason uint32
}

// agentIntervals are the intervals of a query's agents, grouped by agent (agent k's are from
// buckets[k·nb] to buckets[(k+1)·nb]) and within an agent by 6-hour buckets of their start: sortAgent puts an
// agent's in order of start.
type agentIntervals struct {
	at      []packedInterval
	buckets []int // key (agent × nb + bucket) → the start of its rows in at; one more at the end
	nb      int
	strs    []string // states and reasons by their number in packedInterval
}

// sortAgent orders agent k's intervals by start: each bucket is sorted if it is not in order
// already (rows mostly come in time order).
func (a *agentIntervals) sortAgent(k int) {
	for key := k * a.nb; key < (k+1)*a.nb; key++ {
		if b := a.at[a.buckets[key]:a.buckets[key+1]]; !slices.IsSortedFunc(b, cmpPackedStart) {
			slices.SortFunc(b, cmpPackedStart)
		}
	}
}

// agent appends agent k's intervals to buf in callfloor's form.
func (a *agentIntervals) agent(k int, buf []callfloor.StateInterval) []callfloor.StateInterval {
	for _, p := range a.at[a.buckets[k*a.nb]:a.buckets[(k+1)*a.nb]] {
		buf = append(buf, callfloor.StateInterval{State: callfloor.AgentState(a.strs[p.state]), Reason: a.strs[p.reason],
			Start: time.UnixMicro(p.start), End: time.UnixMicro(p.end)})
	}
	return buf
}

// intervalBucket is the width of the time buckets the intervals are placed by: a counting sort
// on (agent, bucket), the rows of a bucket in the order they came, each bucket sorted later
// only if it is out of order.
const intervalBucket = 6 * time.Hour

// intervalRow is a row as read: the interval with its strings numbered by its reader, and its
// key (agent × buckets + bucket).
type intervalRow struct {
	packedInterval
	key int32
}

// intervalPart is what one reader of attendanceIntervals read: its rows in fixed chunks as they
// came (no growing slices copied over and over), its strings, and its count of rows per key.
type intervalPart struct {
	chunks [][]intervalRow
	strs   []string
	counts []int
}

// attendanceIntervals reads the state intervals of agents that can overlap [lo, hi), a state
// still running as an interval to now, grouped by agent in the order of agents and by bucket
// within an agent (sortAgent then orders them). all: agents are every agent of the centre
// (no filter on them in the query: the planner then scans by time, not agent by agent).
//
// Two queries in the table's order on two connections at once, the range cut in two by start
// (an ORDER BY made PostgreSQL sort a month's ~2 million rows on disk; reading agents in chunks
// made every chunk visit every heap page, the agents' rows being interleaved: BENCHMARKS.md),
// then the rows placed by a counting sort.
func (db *DB) attendanceIntervals(ctx context.Context, agents []string, all bool, lo, hi, now time.Time) (*agentIntervals, error) {
	base := lo.Add(-48 * time.Hour) // the query's earliest start
	nb := int(hi.Sub(base)/intervalBucket) + 1
	at := make(map[string]int, len(agents))
	for i, a := range agents {
		at[a] = i
	}
	var filter []string
	if !all {
		filter = agents
	}
	mid := lo.Add(hi.Sub(lo) / 2).Truncate(time.Second)
	parts := make([]intervalPart, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, sql := range []string{`
SELECT agent_id, state, coalesce(reason, ''), started_at, ended_at FROM agent_state_intervals
WHERE {agents} AND started_at < $3 AND started_at >= $2::timestamptz - interval '2 days' AND ended_at > $2`, `
SELECT agent_id, state, coalesce(reason, ''), started_at, ended_at FROM agent_state_intervals
WHERE {agents} AND started_at < $3 AND started_at >= $2
UNION ALL
-- a state still running: the last open row of an agent with no interval from it
SELECT o.agent_id, o.state, '', o.started_at, $4::timestamptz FROM (
    SELECT DISTINCT ON (agent_id) agent_id, state, started_at FROM agent_state_open
    WHERE {agents} AND started_at < $3 ORDER BY agent_id, started_at DESC) o
WHERE o.started_at < $4 AND NOT EXISTS (SELECT 1 FROM agent_state_intervals i
    WHERE i.agent_id = o.agent_id AND i.started_at >= o.started_at AND i.started_at < $3)`} {
		// the agents' filter only when some are asked for: in a statement's generic plan "$1 IS
		// NULL OR …" would still scan agent by agent
		if all {
			sql = strings.ReplaceAll(sql, "{agents}", "$1::text[] IS NULL")
		} else {
			sql = strings.ReplaceAll(sql, "{agents}", "agent_id = ANY($1)")
		}
		args := []any{filter, lo, mid}
		if i == 1 {
			args = []any{filter, mid, hi, now}
		}
		wg.Go(func() { parts[i], errs[i] = db.readIntervals(ctx, sql, args, at, base, nb) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	// the parts' strings numbered anew, counts[key+1] summed → the start of key's rows (a prefix
	// sum), then every row placed
	out := &agentIntervals{buckets: make([]int, len(agents)*nb+1), nb: nb}
	strNum := map[string]uint32{}
	remap := make([][]uint32, len(parts))
	for i, p := range parts {
		for _, s := range p.strs {
			n, ok := strNum[s]
			if !ok {
				n = uint32(len(out.strs))
				out.strs = append(out.strs, s)
				strNum[s] = n
			}
			remap[i] = append(remap[i], n)
		}
		for key, c := range p.counts {
			out.buckets[key] += c
		}
	}
	for i := 1; i < len(out.buckets); i++ {
		out.buckets[i] += out.buckets[i-1]
	}
	out.at = make([]packedInterval, out.buckets[len(out.buckets)-1])
	next := slices.Clone(out.buckets)
	for i, p := range parts {
		for _, c := range p.chunks {
			for _, r := range c {
				r.state, r.reason = remap[i][r.state], remap[i][r.reason]
				out.at[next[r.key]] = r.packedInterval
				next[r.key]++
			}
		}
	}
	return out, nil
}

// readIntervals runs one of attendanceIntervals' queries (agent, state, reason, started, ended)
// and keeps its rows of the agents in at.
func (db *DB) readIntervals(ctx context.Context, sql string, args []any, at map[string]int, base time.Time, nb int) (intervalPart, error) {
	p := intervalPart{counts: make([]int, len(at)*nb+1)}
	rows, err := db.Pool.Query(ctx, sql, args...)
	if err != nil {
		return p, fmt.Errorf("attendance: intervals: %w", err)
	}
	defer rows.Close()
	// chunks from 1,024 rows (a team's week) doubling to 32,768 (a centre's month)
	cur := make([]intervalRow, 0, 1<<10)
	strNum := map[string]uint32{}
	num := func(b []byte) uint32 {
		if n, ok := strNum[string(b)]; ok {
			return n
		}
		n := uint32(len(p.strs))
		p.strs = append(p.strs, string(b))
		strNum[string(b)] = n
		return n
	}
	raw := binaryIntervalRows(rows.FieldDescriptions())
	baseUs, width := base.UnixMicro(), intervalBucket.Microseconds()
	for rows.Next() {
		var k int
		var r intervalRow
		if raw {
			v := rows.RawValues()
			var ok bool
			if k, ok = at[string(v[0])]; !ok {
				continue
			}
			r.state, r.reason, r.start, r.end = num(v[1]), num(v[2]), pgMicros(v[3]), pgMicros(v[4])
		} else {
			var a, st, reason string
			var s, e time.Time
			if err := rows.Scan(&a, &st, &reason, &s, &e); err != nil {
				return p, fmt.Errorf("attendance: intervals: %w", err)
			}
			var ok bool
			if k, ok = at[a]; !ok {
				continue
			}
			r.state, r.reason, r.start, r.end = num([]byte(st)), num([]byte(reason)), s.UnixMicro(), e.UnixMicro()
		}
		b := min(max((r.start-baseUs)/width, 0), int64(nb-1))
		r.key = int32(k*nb + int(b))
		p.counts[r.key+1]++
		if len(cur) == cap(cur) {
			p.chunks = append(p.chunks, cur)
			cur = make([]intervalRow, 0, min(2*cap(cur), 1<<15))
		}
		cur = append(cur, r)
	}
	if err := rows.Err(); err != nil {
		return p, fmt.Errorf("attendance: intervals: %w", err)
	}
	p.chunks = append(p.chunks, cur)
	return p, nil
}

func cmpPackedStart(x, y packedInterval) int { return cmp.Compare(x.start, y.start) }

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

// binaryIntervalRows says whether every column of the attendance's interval query (agent,
// state, reason, started, ended) comes in the binary form the reader decodes (text as its bytes,
// timestamptz as binary microseconds since 2000); if not, the rows are scanned.
func binaryIntervalRows(fds []pgconn.FieldDescription) bool {
	want := []uint32{pgtype.TextOID, pgtype.TextOID, pgtype.TextOID, pgtype.TimestamptzOID, pgtype.TimestamptzOID}
	if len(fds) != len(want) {
		return false
	}
	for i, fd := range fds {
		// text is its UTF-8 bytes in either format; a timestamptz must be binary
		if fd.DataTypeOID != want[i] || (want[i] == pgtype.TimestamptzOID && fd.Format != pgx.BinaryFormatCode) {
			return false
		}
	}
	return true
}

// pgEpoch is PostgreSQL's timestamp zero.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()

// pgMicros decodes a binary timestamptz into Unix microseconds (±infinity as the farthest
// times representable).
func pgMicros(b []byte) int64 {
	us := int64(binary.BigEndian.Uint64(b))
	switch us {
	case math.MaxInt64:
		return math.MaxInt64 / 2
	case math.MinInt64:
		return math.MinInt64 / 2
	}
	return pgEpoch + us
}
