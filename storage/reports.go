package storage

// Production reports (issue 11): figures grouped by one dimension per interval in the centre's
// time zone, from the rollups (migration 00017) or straight from the raw history rows.
//
// One implementation of every figure:
//   - the ADDITIVE parts (counts, sums of milliseconds, the longest wait, state time per state and
//     reason, rings) are computed by the parts queries below (callPartsSQL, statePartsSQL,
//     offerPartsSQL). The rollups are exactly those queries' results per 15-minute UTC bucket
//     (the history writer refreshes the buckets a batch touched; RebuildRollups a range); a raw
//     report runs the same queries over the range instead of reading the rollup tables.
//   - the ratios come from the root package's formulas (callfloor.QueueCounters' ServiceLevel,
//     AbandonRate, ASA, AHT…, callfloor.Occupancy, Utilisation, CallsPerHour,
//     OutboundConnectRate), the same the wallboard uses.
//
// Attribution rules (documented in the API too):
//   - a call belongs to the interval it ENTERED (entered_at), whatever its outcome's time;
//   - a call's agent is the agent who answered it, else the last agent it rang at (as the
//     wallboard's team figures do); its team is that agent's team TODAY (agents.team_id), its
//     project the queue's project (a call without a queue: its agent's team's project);
//   - agent state time (logged out excluded) is split exactly at the 15-minute boundaries, so at
//     every interval boundary; an agent's logged-in time is the sum of their states other than
//     logged out; a state still running counts once it has ended (the history has it then);
//   - rings (missed_rings) belong to the interval the ring started;
//   - dispositions count per call's bucket, queue, agent, direction and code (rollup_dispositions,
//     also recomputed for the call's bucket when a disposition is set or changed); the distinct
//     numbers are NOT additive: their rollups (rollup_numbers) hold the set of numbers dialled per
//     bucket or day, queue, agent and direction, and a report counts the distinct numbers of its
//     cells' rows (exact). A row whose number has no other row of its level (shared = false, kept
//     under a lock per number; both levels, migrations 00022 and 00038) is that number's only
//     one: the reports count those rows as they are — from their count per rollup cell,
//     rollup_numbers_cells(_day), kept by triggers (migration 00045) — and take count(DISTINCT)
//     over the shared rows only. From the raw rows: the
//     dispositions set since a day before the range began, the outbound numbers from an index.
//
// Two levels of rollups (migrations 00017 and 00020): 15-minute UTC buckets, and the same parts
// per LOCAL DAY in the centre's zone (rollup_*_day, zone in rollup_day_zone, set by `callfloor
// rollups rebuild` from the configuration's time_zone; a new zone recomputes the daily level).
// A report by day, ISO week, month or range over whole local days of that zone, without business
// hours, reads the daily level; any other report (15/30/60 minutes, business hours, another zone,
// a range not on local midnights) the 15-minute level. Both levels are maintained by difference
// (rollup_diff.go): the old parts of the raw rows a change rewrites are subtracted, their new
// parts added (the longest wait, not subtractable, is recomputed when the rewritten rows held
// it). A 15/30/60-minute report over a range where the zone's offset does not change bins the
// buckets without converting each one (binOrigin). The report's queries run concurrently.
//   - the service-level threshold T of a queue is the one configured now (queues table).

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/callfloor/callfloor"
)

// BucketSize is the rollups' granularity.
const BucketSize = 15 * time.Minute

// Report intervals.
const (
	Interval15m   = "15m"
	Interval30m   = "30m"
	Interval60m   = "60m"
	IntervalDay   = "day"
	IntervalWeek  = "week" // ISO week, from Monday
	IntervalMonth = "month"
	IntervalRange = "range" // the whole range, one row per group
)

// Report groupings (GroupQueue, GroupTeam, GroupAgent are the QA report's).
const (
	GroupNone      = "none"
	GroupProject   = "project"
	GroupDirection = "direction"
)

// Report sources.
const (
	SourceRollup = "rollup"
	SourceRaw    = "raw"
)

// ProductionIntervals and ProductionGroups are the accepted values.
var (
	ProductionIntervals = []string{Interval15m, Interval30m, Interval60m, IntervalDay, IntervalWeek, IntervalMonth, IntervalRange}
	ProductionGroups    = []string{GroupNone, GroupProject, GroupQueue, GroupTeam, GroupAgent, GroupDirection}
)

// ProductionFilter selects a production report. From and To are instants on 15-minute
// boundaries ([From, To)); Loc is the centre's zone that days, weeks, months, business hours and
// interval starts are taken in.
type ProductionFilter struct {
	From, To  time.Time
	Loc       *time.Location
	Interval  string
	Group     string
	Projects  []string // only these projects (nil: any)
	Queue     string
	Team      string
	Agent     string
	Direction string
	// Hours: [HoursFrom, HoursTo) minutes after local midnight (HoursFrom > HoursTo wraps
	// midnight); both 0: all day. Weekdays: ISO days 1 (Monday)..7; empty: all.
	HoursFrom, HoursTo int
	Weekdays           []int
	Source             string // SourceRollup (default) or SourceRaw
}

// ProductionFigures are a row's figures. Rates are fractions (0.819), nil = n/a (no
// denominator); durations in seconds. Agent-time figures are nil where they have no meaning:
// grouped by queue or direction, or filtered by queue or direction (state time belongs to an
// agent, not to a queue or a direction).
type ProductionFigures struct {
	Offered          int64    `json:"offered"`
	Answered         int64    `json:"answered"`
	Abandoned        int64    `json:"abandoned"`
	ShortAbandoned   int64    `json:"short_abandoned"`
	FlowedOut        int64    `json:"flowed_out"`
	Lost             int64    `json:"lost"`
	AnsweredWithinT  int64    `json:"answered_within_t"`
	AbandonedWithinT int64    `json:"abandoned_within_t"`
	ServiceLevel     *float64 `json:"service_level"`
	ServiceLevelA    *float64 `json:"service_level_a"`
	ServiceLevelB    *float64 `json:"service_level_b"`
	ServiceLevelC    *float64 `json:"service_level_c"`
	ServiceLevelE    *float64 `json:"service_level_e"`
	AbandonRate      *float64 `json:"abandon_rate"`
	GrossAbandonRate *float64 `json:"gross_abandon_rate"`
	ASA              *float64 `json:"asa_s"`
	LongestWait      float64  `json:"longest_wait_s"`
	Handled          int64    `json:"handled"`
	AHT              *float64 `json:"aht_s"`
	Talk             *float64 `json:"talk_s"` // average per handled contact; talk + hold + wrap = AHT
	Hold             *float64 `json:"hold_s"`
	Wrap             *float64 `json:"wrap_s"`
	Transfers        int64    `json:"transfers"`

	OutboundDials       int64    `json:"outbound_dials"`
	OutboundConnects    int64    `json:"outbound_connects"`
	ConnectRateAttempts *float64 `json:"connect_rate_attempts"` // connects ÷ dials
	DialledNumbers      int64    `json:"dialled_numbers"`
	ConnectedNumbers    int64    `json:"connected_numbers"`
	ConnectRateNumbers  *float64 `json:"connect_rate_numbers"` // distinct numbers connected ÷ distinct numbers dialled
	OutboundTalkMinutes float64  `json:"outbound_talk_minutes"`

	LoggedIn        *float64           `json:"logged_in_s"`
	Available       *float64           `json:"available_s"`
	Ringing         *float64           `json:"ringing_s"`
	OnCall          *float64           `json:"on_call_s"`
	WrapUp          *float64           `json:"wrap_up_s"`
	Paused          *float64           `json:"paused_s"`
	PausedByReason  map[string]float64 `json:"paused_s_by_reason"`
	Occupancy       *float64           `json:"occupancy"`
	Utilisation     *float64           `json:"utilisation"`
	CallsPerLoggedH *float64           `json:"calls_per_logged_in_hour"`

	Offers       int64            `json:"offers"`
	MissedRings  int64            `json:"missed_rings"`
	Dispositions map[string]int64 `json:"dispositions"`
}

// ProductionParts are the additive parts of a cell (one group in one interval).
type ProductionParts struct {
	Q                                     callfloor.QueueCounters
	Transfers, Dials, Connects, OutTalkMs int64
	DialledNumbers, ConnectedNumbers      int64
	States                                map[string]int64 // state -> ms
	Paused                                map[string]int64 // reason -> ms
	Offers, Missed                        int64
	Dispositions                          map[string]int64
	agentTime                             bool
}

func newParts(agentTime bool) *ProductionParts {
	return &ProductionParts{States: map[string]int64{}, Paused: map[string]int64{}, Dispositions: map[string]int64{}, agentTime: agentTime}
}

// add accumulates o (not the distinct numbers: they are not additive).
func (p *ProductionParts) add(o *ProductionParts) {
	p.Q.Add(o.Q)
	p.Transfers += o.Transfers
	p.Dials += o.Dials
	p.Connects += o.Connects
	p.OutTalkMs += o.OutTalkMs
	for k, v := range o.States {
		p.States[k] += v
	}
	for k, v := range o.Paused {
		p.Paused[k] += v
	}
	p.Offers += o.Offers
	p.Missed += o.Missed
	for k, v := range o.Dispositions {
		p.Dispositions[k] += v
	}
}

func fptr(v float64, ok bool) *float64 {
	if !ok {
		return nil
	}
	return &v
}

func secs(ms int64) *float64 { v := float64(ms) / 1000; return &v }

// Figures derives the figures from the parts with the domain's formulas.
func (p *ProductionParts) Figures() ProductionFigures {
	q := p.Q
	f := ProductionFigures{
		Offered: q.Offered, Answered: q.Answered, Abandoned: q.Abandoned, ShortAbandoned: q.ShortAbandoned,
		FlowedOut: q.FlowedOut, Lost: q.Lost, AnsweredWithinT: q.AnsweredWithinT, AbandonedWithinT: q.AbandonedWithinT,
		ServiceLevel: fptr(q.ServiceLevel()), ServiceLevelA: fptr(q.SLa()), ServiceLevelB: fptr(q.SLb()),
		ServiceLevelC: fptr(q.SLc()), ServiceLevelE: fptr(q.SLe()),
		AbandonRate: fptr(q.AbandonRate()), GrossAbandonRate: fptr(q.GrossAbandonRate()),
		ASA: fptr(q.ASA()), LongestWait: float64(q.MaxWaitMs) / 1000,
		Handled: q.Handled, AHT: fptr(q.AHT()),
		Talk: fptr(callfloor.QueueCounters{SumTalkMs: q.SumTalkMs, Handled: q.Handled}.AHT()),
		Hold: fptr(callfloor.QueueCounters{SumHoldMs: q.SumHoldMs, Handled: q.Handled}.AHT()),
		Wrap: fptr(callfloor.QueueCounters{SumWrapMs: q.SumWrapMs, Handled: q.Handled}.AHT()),

		Transfers: p.Transfers, OutboundDials: p.Dials, OutboundConnects: p.Connects,
		ConnectRateAttempts: fptr(callfloor.OutboundConnectRate(p.Connects, p.Dials)),
		DialledNumbers:      p.DialledNumbers, ConnectedNumbers: p.ConnectedNumbers,
		ConnectRateNumbers:  fptr(callfloor.OutboundConnectRate(p.ConnectedNumbers, p.DialledNumbers)),
		OutboundTalkMinutes: float64(p.OutTalkMs) / 60000,
		Offers:              p.Offers, MissedRings: p.Missed, Dispositions: p.Dispositions,
	}
	if p.agentTime {
		st := p.States
		var logged int64
		for _, v := range st {
			logged += v
		}
		handling := st[string(callfloor.AgentOnCall)] + st[string(callfloor.AgentWrapUp)]
		avail := st[string(callfloor.AgentAvailable)] + st[string(callfloor.AgentRinging)]
		f.LoggedIn, f.Available, f.Ringing = secs(logged), secs(st[string(callfloor.AgentAvailable)]), secs(st[string(callfloor.AgentRinging)])
		f.OnCall, f.WrapUp, f.Paused = secs(st[string(callfloor.AgentOnCall)]), secs(st[string(callfloor.AgentWrapUp)]), secs(st[string(callfloor.AgentPaused)])
		f.PausedByReason = map[string]float64{}
		for r, v := range p.Paused {
			f.PausedByReason[r] = float64(v) / 1000
		}
		// occupancy as the wallboard takes it: ringing counts as available
		f.Occupancy = fptr(callfloor.Occupancy(handling, avail))
		f.Utilisation = fptr(callfloor.Utilisation(handling, logged))
		f.CallsPerLoggedH = fptr(callfloor.CallsPerHour(q.Handled, logged))
	}
	return f
}

// ProductionCell is one row of a report before labels and targets: a group in an interval.
type ProductionCell struct {
	Start, End time.Time
	Key        string
	Parts      *ProductionParts
}

// ProductionResult is a computed report: its cells sorted by start then key, and the totals.
type ProductionResult struct {
	Cells  []ProductionCell
	Totals *ProductionParts
}

// ---- the parts queries ----

// The origin of the 15-minute buckets.
const bucketOrigin = `timestamptz '1970-01-01 00:00:00+00'`

// callPartsSQL: the call parts of the calls that entered in [$1, $2), per bucket, queue, agent
// and direction. extra is an additional condition on the bucket (the writer's refresh).
func callPartsSQL(extra string) string {
	return callPartsOver(`calls c WHERE c.entered_at >= $1 AND c.entered_at < $2`, extra)
}

// callPartsOver: the call parts of the calls of from ("calls c WHERE ...", possibly joined),
// with n, the number of calls a row sums.
func callPartsOver(from, extra string) string {
	return `SELECT c.bucket, coalesce(c.queue, '') AS queue, coalesce(c.agent_id, lo.agent_id, '') AS agent_id, c.direction,
  count(*) FILTER (WHERE c.ib) AS offered,
  count(*) FILTER (WHERE c.ib AND c.answered_at IS NOT NULL) AS answered,
  count(*) FILTER (WHERE c.ib AND c.outcome IN ('abandoned', 'short_abandon')) AS abandoned,
  count(*) FILTER (WHERE c.ib AND c.outcome = 'short_abandon') AS short_abandoned,
  count(*) FILTER (WHERE c.ib AND c.answered_at IS NOT NULL AND c.wait_ms <= c.t_ms) AS answered_within_t,
  count(*) FILTER (WHERE c.ib AND c.outcome IN ('abandoned', 'short_abandon') AND c.wait_ms <= c.t_ms) AS abandoned_within_t,
  count(*) FILTER (WHERE c.ib AND c.outcome = 'flowed_out') AS flowed_out,
  count(*) FILTER (WHERE c.ib AND c.outcome = 'lost') AS lost,
  coalesce(sum(c.wait_ms) FILTER (WHERE c.ib AND c.answered_at IS NOT NULL), 0)::bigint AS sum_wait_answered_ms,
  coalesce(sum(c.wait_ms) FILTER (WHERE c.ib AND c.outcome IN ('abandoned', 'short_abandon')), 0)::bigint AS sum_wait_abandoned_ms,
  coalesce(max(c.wait_ms) FILTER (WHERE c.ib AND (c.answered_at IS NOT NULL OR c.outcome IN ('abandoned', 'short_abandon'))), 0)::bigint AS max_wait_ms,
  count(*) FILTER (WHERE c.handled) AS handled,
  coalesce(sum(c.talk_ms) FILTER (WHERE c.handled), 0)::bigint AS sum_talk_ms,
  coalesce(sum(coalesce(c.hold_ms, 0)) FILTER (WHERE c.handled), 0)::bigint AS sum_hold_ms,
  coalesce(sum(coalesce(c.wrap_ms, 0)) FILTER (WHERE c.handled), 0)::bigint AS sum_wrap_ms,
  count(*) FILTER (WHERE c.transferred_to IS NOT NULL) AS transfers,
  count(*) FILTER (WHERE c.direction = 'outbound') AS outbound_dials,
  count(*) FILTER (WHERE c.direction = 'outbound' AND c.answered_at IS NOT NULL) AS outbound_connects,
  coalesce(sum(c.talk_ms) FILTER (WHERE c.direction = 'outbound'), 0)::bigint AS outbound_talk_ms,
  count(*) AS n
FROM (SELECT c.*, date_bin('15 minutes', c.entered_at, ` + bucketOrigin + `) AS bucket,
        (c.direction = 'inbound' AND c.queue IS NOT NULL AND c.outcome IS DISTINCT FROM 'unknown_queue' AND c.outcome IS DISTINCT FROM 'blocked') AS ib,
        (c.outcome = 'answered' AND c.ended_at IS NOT NULL AND c.talk_ms IS NOT NULL) AS handled,
        coalesce((SELECT nullif((q.settings->>'service_level')::bigint, 0) / 1000000 FROM queues q WHERE q.name = c.queue), 20000) AS t_ms
      FROM ` + from + `) c
LEFT JOIN LATERAL (SELECT o.agent_id FROM offers o
    WHERE c.agent_id IS NULL AND c.ib AND o.call_id = c.id AND o.call_entered_at = c.entered_at AND o.started_at >= c.entered_at
    ORDER BY o.seq DESC LIMIT 1) lo ON true
WHERE true ` + extra + `
GROUP BY 1, 2, 3, 4`
}

var callPartCols = []string{"offered", "answered", "abandoned", "short_abandoned", "answered_within_t", "abandoned_within_t",
	"flowed_out", "lost", "sum_wait_answered_ms", "sum_wait_abandoned_ms", "max_wait_ms", "handled", "sum_talk_ms",
	"sum_hold_ms", "sum_wrap_ms", "transfers", "outbound_dials", "outbound_connects", "outbound_talk_ms"}

// MaxStateSpan bounds how long before a range a state interval overlapping it may have begun
// (logged-out time is not counted; no other state lasts a week).
const MaxStateSpan = 7 * 24 * time.Hour

// statePartsSQL: agent state time (logged out excluded) within [$1, $2), split at every bucket
// boundary.
func statePartsSQL(extra string) string {
	return statePartsOver(`agent_state_intervals i`, `$1`, `$2`, `AND i.started_at < $2 AND i.ended_at > $1
  AND i.started_at >= $1::timestamptz - interval '`+strconv.Itoa(int(MaxStateSpan.Hours()))+` hours' `+extra)
}

// statePartsOver: the state time of the intervals i of from, clipped to [lo, hi).
func statePartsOver(from, lo, hi, where string) string {
	return `SELECT b AS bucket, i.agent_id, i.state, coalesce(i.reason, '') AS reason,
  sum(round(extract(epoch FROM least(i.ended_at, b + interval '15 minutes') - greatest(i.started_at, b)) * 1000))::bigint AS ms
FROM ` + from + `
CROSS JOIN LATERAL generate_series(date_bin('15 minutes', greatest(i.started_at, ` + lo + `), ` + bucketOrigin + `),
    least(i.ended_at, ` + hi + `) - interval '1 microsecond', interval '15 minutes') AS b
WHERE i.state <> 'logged_out' AND i.ended_at > i.started_at ` + where + `
GROUP BY 1, 2, 3, 4`
}

// offerPartsSQL: rings of agents' phones for inbound calls that started in [$1, $2).
func offerPartsSQL(extra string) string {
	return offerPartsOver(`offers o JOIN calls c ON c.id = o.call_id AND c.entered_at = o.call_entered_at`, `AND o.started_at >= $1 AND o.started_at < $2
  AND c.entered_at < $2 AND c.entered_at >= $1::timestamptz - interval '1 day' `+extra)
}

// offerPartsOver: the rings o of the calls c of from.
func offerPartsOver(from, where string) string {
	return `SELECT date_bin('15 minutes', o.started_at, ` + bucketOrigin + `) AS bucket, coalesce(c.queue, '') AS queue,
  coalesce(o.agent_id, '') AS agent_id, count(*) AS offers,
  count(*) FILTER (WHERE o.result IN ('no_answer', 'rejected')) AS missed
FROM ` + from + `
WHERE c.direction = 'inbound' ` + where + `
GROUP BY 1, 2, 3`
}

// dispositionPartsSQL: the dispositions of the calls that entered in [$1, $2), per bucket,
// queue, agent (the answering one), direction and code.
func dispositionPartsSQL(extra string) string {
	return dispositionPartsOver(`calls c JOIN call_dispositions d ON d.call_id = c.id`, `AND c.entered_at >= $1 AND c.entered_at < $2 `+extra)
}

// dispositionPartsOver: the dispositions d of the calls c of from.
func dispositionPartsOver(from, where string) string {
	return `SELECT date_bin('15 minutes', c.entered_at, ` + bucketOrigin + `) AS bucket, coalesce(c.queue, '') AS queue,
  coalesce(c.agent_id, '') AS agent_id, c.direction, d.code, count(*) AS calls
FROM ` + from + `
WHERE d.code IS NOT NULL ` + where + `
GROUP BY 1, 2, 3, 4, 5`
}

// numberPartsSQL: the numbers the outbound calls that entered in [$1, $2) dialled, per bucket,
// queue, agent and direction, with their dials and connects.
func numberPartsSQL(extra string) string {
	return numberPartsOver(`calls c`, `AND c.entered_at >= $1 AND c.entered_at < $2 `+extra)
}

// numberPartsOver: the numbers of the outbound calls c of from.
func numberPartsOver(from, where string) string {
	return `SELECT date_bin('15 minutes', c.entered_at, ` + bucketOrigin + `) AS bucket, coalesce(c.queue, '') AS queue,
  coalesce(c.agent_id, '') AS agent_id, c.direction, c.called_number, count(*) AS dials,
  count(*) FILTER (WHERE c.answered_at IS NOT NULL) AS connects
FROM ` + from + `
WHERE c.direction = 'outbound' AND c.called_number IS NOT NULL ` + where + `
GROUP BY 1, 2, 3, 4, 5`
}

// ---- rollup maintenance ----

func bucketOf(t time.Time) time.Time { return t.UTC().Truncate(BucketSize) }

func sortedBuckets(m map[time.Time]bool) []time.Time {
	out := make([]time.Time, 0, len(m))
	for b := range m {
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

// Advisory lock namespaces of the rollup tables' buckets, and of the daily level's days.
const (
	lockCalls  = 0x636c6c01
	lockStates = 0x636c6c02
	lockOffers = 0x636c6c03
	lockDays   = 0x636c6c04
	// below the others' namespaces, so that the days stay the last locks taken
	lockDisps   = 0x636c6b01
	lockNumbers = 0x636c6b02
	// one lock per number (hashtext) whose daily rows a batch may add or remove: the daily
	// rows' shared flags of a number are recomputed under it (sharedNumbersSQL)
	lockNumberKeys = 0x636c6b03
	// The dispositions' gate: a writer batch recomputing dispositions holds it shared, a
	// disposition being set holds it exclusively while it looks its call up (SetCallDisposition).
	lockDispGate = 0x636c6b00
)

// RollupZone is the time zone of the daily rollups ("" none: not maintained).
func (db *DB) RollupZone(ctx context.Context) (string, error) {
	var z string
	err := db.Pool.QueryRow(ctx, `SELECT zone FROM rollup_day_zone`).Scan(&z)
	if err == pgx.ErrNoRows {
		return "", nil
	}
	return z, err
}

// SetRollupZone makes loc the zone of the daily rollups. When it changes, every daily row is
// recomputed from the 15-minute rollups (in one transaction that holds the writers back), and
// true is returned.
func (db *DB) SetRollupZone(ctx context.Context, loc *time.Location) (bool, error) {
	changed := false
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		days := make([]string, len(rollupTables))
		for i, t := range rollupTables {
			days[i] = t.day
		}
		if _, err := tx.Exec(ctx, `LOCK TABLE rollup_day_zone, `+strings.Join(days, ", ")+` IN ACCESS EXCLUSIVE MODE`); err != nil {
			return err
		}
		var z string
		if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT zone FROM rollup_day_zone), '')`).Scan(&z); err != nil {
			return err
		}
		if z == loc.String() {
			return nil
		}
		changed = true
		pb := &pgx.Batch{}
		pb.Queue(`TRUNCATE ` + strings.Join(days, ", "))
		pb.Queue(`INSERT INTO rollup_day_zone (zone) VALUES ($1) ON CONFLICT (one) DO UPDATE SET zone = excluded.zone`, loc.String())
		for _, t := range rollupTables {
			keys := strings.Join(t.keys, ", ")
			sel := []string{dayOf("o.bucket"), keys, "count(*)"}
			for _, c := range t.cols {
				if c == "max_wait_ms" {
					sel = append(sel, "max(o.max_wait_ms)")
				} else {
					sel = append(sel, "sum(o."+c+")::bigint")
				}
			}
			pb.Queue(`INSERT INTO ` + t.day + ` (day, ` + keys + `, n, ` + strings.Join(t.cols, ", ") + `) SELECT ` + strings.Join(sel, ", ") +
				` FROM ` + t.table + ` o, (SELECT zone FROM rollup_day_zone LIMIT 1) z GROUP BY ` + groupOrdinals(1+len(t.keys)))
		}
		pb.Queue(`UPDATE rollup_numbers_day SET shared = true
WHERE called_number IN (SELECT called_number FROM rollup_numbers_day GROUP BY 1 HAVING count(*) > 1)`)
		return tx.SendBatch(ctx, pb).Close()
	})
	if err != nil {
		return false, fmt.Errorf("set rollup zone %s: %w", loc, err)
	}
	return changed, nil
}

// RebuildRollups recomputes the rollups of [from, to) (widened to whole buckets) exactly from the
// raw rows, one day per transaction, and returns the number of buckets rewritten.
func (db *DB) RebuildRollups(ctx context.Context, from, to time.Time) (int, error) {
	from = bucketOf(from)
	if t := bucketOf(to); t.Before(to) {
		to = t.Add(BucketSize)
	}
	n := 0
	for lo := from; lo.Before(to); lo = lo.Add(24 * time.Hour) {
		hi := lo.Add(24 * time.Hour)
		if hi.After(to) {
			hi = to
		}
		r := newRollupRefresh()
		for b := lo; b.Before(hi); b = b.Add(BucketSize) {
			r.calls[b], r.states[b], r.offers[b] = true, true, true
		}
		err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error { return r.run(ctx, tx) })
		if err != nil {
			return n, fmt.Errorf("rebuild rollups %s: %w", lo.Format(time.RFC3339), err)
		}
		n += len(r.calls)
	}
	return n, nil
}

// ---- the report query ----

// prodQuery builds one aggregation over a parts source: $1 from, $2 to, $3 the zone.
type prodQuery struct {
	f     ProductionFilter
	args  []any
	daily bool // reads the daily level (r.day) instead of 15-minute buckets (r.bucket)
}

func (q *prodQuery) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

// local is the bucket's local wall time.
const localBucket = `(r.bucket AT TIME ZONE $3)`

func (q *prodQuery) startExpr() string {
	if q.daily {
		return q.startOut(q.startGroup())
	}
	switch q.f.Interval {
	case Interval15m, Interval30m, Interval60m:
		n := map[string]int{Interval15m: 15, Interval30m: 30, Interval60m: 60}[q.f.Interval]
		if origin, ok := q.f.binOrigin(n); ok {
			if n == 15 {
				return `r.bucket`
			}
			return `date_bin('` + strconv.Itoa(n) + ` minutes', r.bucket, timestamptz '` + origin.Format(time.RFC3339) + `')`
		}
		// an instant (not a wall time): a repeated local hour (DST's end) stays two rows
		return `(r.bucket - make_interval(mins => ((extract(hour FROM ` + localBucket + `) * 60 + extract(minute FROM ` + localBucket + `))::int % ` + strconv.Itoa(n) + `)))`
	case IntervalDay, IntervalWeek, IntervalMonth:
		return `(date_trunc('` + q.f.Interval + `', ` + localBucket + `) AT TIME ZONE $3)`
	default:
		return `$1::timestamptz`
	}
}

// startGroup is what a report's rows are grouped by for their interval: on the daily level the
// local day (or its week's or month's first day), turned into the interval's start instant
// (startOut) once per group rather than once per row; on the 15-minute level the start itself.
func (q *prodQuery) startGroup() string {
	if !q.daily {
		return q.startExpr()
	}
	switch q.f.Interval {
	case IntervalDay:
		return `r.day`
	case IntervalWeek, IntervalMonth:
		return `date_trunc('` + q.f.Interval + `', r.day::timestamp)`
	}
	return `$1::timestamptz`
}

// startOut is the start instant of the interval of g, a startGroup value (or a column holding one).
func (q *prodQuery) startOut(g string) string {
	if q.daily {
		switch q.f.Interval {
		case IntervalDay:
			return `(` + g + `::timestamp AT TIME ZONE $3)`
		case IntervalWeek, IntervalMonth:
			return `(` + g + ` AT TIME ZONE $3)`
		}
	}
	return g
}

// grouped is a report query's select list and grouping: the interval's start, the group's key,
// then cols; grouped by the interval, the key and the first more columns.
func (q *prodQuery) grouped(kind int, cols []string, more int) (sel, groupBy string) {
	g := q.startGroup()
	by := []string{g, "2"}
	for i := 0; i < more; i++ {
		by = append(by, strconv.Itoa(3+i))
	}
	return q.startOut(g) + `, ` + q.keyExpr(kind) + `, ` + strings.Join(cols, ", "), ` GROUP BY ` + strings.Join(by, ", ")
}

// binOrigin: when the zone's offset modulo n minutes is the same at every bucket of the range (a
// zone without DST, or a range without a change of offset), the local n-minute intervals start
// at the instants origin + k·n minutes, and a bucket's interval is date_bin over it: no time zone
// conversion per row (a month of 15-minute rows is ~0.3 M calls rows and ~1.4 M state rows).
func (f ProductionFilter) binOrigin(n int) (time.Time, bool) {
	loc := f.Loc
	if loc == nil {
		loc = time.UTC
	}
	step := int64(n) * 60
	res := int64(-1)
	for b := bucketOf(f.From); b.Before(f.To); b = b.Add(BucketSize) {
		_, off := b.In(loc).Zone()
		if off%(15*60) != 0 { // a zone off the 15-minute grid (never today): convert per row
			return time.Time{}, false
		}
		r := ((-int64(off))%step + step) % step
		if res >= 0 && r != res {
			return time.Time{}, false
		}
		res = r
	}
	if res < 0 {
		return time.Time{}, false
	}
	return time.Unix(res, 0).UTC(), true
}

// kinds of parts sources
const (
	srcCalls = iota
	srcStates
	srcOffers
)

func (q *prodQuery) keyExpr(kind int) string {
	switch q.f.Group {
	case GroupQueue:
		return "r.queue"
	case GroupAgent:
		return "r.agent_id"
	case GroupTeam:
		return "coalesce(ag.team_id, '')"
	case GroupDirection:
		if kind == srcOffers {
			return "'inbound'"
		}
		return "r.direction"
	case GroupProject:
		switch kind {
		case srcStates:
			return "coalesce(tm.project_id, '')"
		case srcOffers:
			return "coalesce(qu.project_id, '')"
		}
		return "coalesce(CASE WHEN r.queue <> '' THEN qu.project_id ELSE tm.project_id END, '')"
	}
	return "''"
}

// agentTime reports whether agent-state figures make sense for the filter's grouping.
func (f ProductionFilter) agentTime() bool {
	return f.Group != GroupQueue && f.Group != GroupDirection && f.Queue == "" && f.Direction == ""
}

func (q *prodQuery) where(kind int) string {
	f := q.f
	var c []string
	if f.HoursFrom != 0 || f.HoursTo != 0 {
		mins := `(extract(hour FROM ` + localBucket + `) * 60 + extract(minute FROM ` + localBucket + `))`
		op := " AND "
		if f.HoursFrom > f.HoursTo {
			op = " OR "
		}
		c = append(c, "("+mins+" >= "+q.arg(f.HoursFrom)+op+mins+" < "+q.arg(f.HoursTo)+")")
	}
	if len(f.Weekdays) > 0 {
		days := make([]int32, len(f.Weekdays))
		for i, d := range f.Weekdays {
			days[i] = int32(d)
		}
		if q.daily {
			c = append(c, "extract(isodow FROM r.day)::int = ANY("+q.arg(days)+"::int[])")
		} else {
			c = append(c, "extract(isodow FROM "+localBucket+")::int = ANY("+q.arg(days)+"::int[])")
		}
	}
	if f.Projects != nil {
		p := q.arg(f.Projects)
		switch kind {
		case srcStates:
			c = append(c, "tm.project_id = ANY("+p+"::text[])")
		case srcOffers:
			c = append(c, "qu.project_id = ANY("+p+"::text[])")
		default:
			c = append(c, "(CASE WHEN r.queue <> '' THEN qu.project_id ELSE tm.project_id END) = ANY("+p+"::text[])")
		}
	}
	if f.Queue != "" && kind != srcStates {
		c = append(c, "r.queue = "+q.arg(f.Queue))
	}
	if f.Team != "" {
		c = append(c, "ag.team_id = "+q.arg(f.Team))
	}
	if f.Agent != "" {
		c = append(c, "r.agent_id = "+q.arg(f.Agent))
	}
	if f.Direction != "" {
		switch kind {
		case srcCalls:
			c = append(c, "r.direction = "+q.arg(f.Direction))
		case srcOffers:
			if f.Direction != string(callfloor.Inbound) {
				c = append(c, "false")
			}
		}
	}
	if len(c) == 0 {
		return ""
	}
	return " AND " + strings.Join(c, " AND ")
}

const prodJoins = ` LEFT JOIN agents ag ON ag.id = r.agent_id LEFT JOIN teams tm ON tm.id = ag.team_id`
const prodQueueJoin = ` LEFT JOIN queues qu ON qu.name = r.queue`

// ProductionReport computes the report's cells and totals.
func (db *DB) ProductionReport(ctx context.Context, f ProductionFilter) (*ProductionResult, error) {
	if f.Loc == nil {
		f.Loc = time.UTC
	}
	if f.Interval == "" {
		f.Interval = IntervalDay
	}
	if f.Group == "" {
		f.Group = GroupNone
	}
	raw := f.Source == SourceRaw
	daily := false
	if !raw {
		zone, err := db.RollupZone(ctx)
		if err != nil {
			return nil, fmt.Errorf("production report: %w", err)
		}
		daily = f.dailyFits(zone)
	}
	agentTime := f.agentTime()
	// The queries run concurrently on several pool connections; mu guards the cells.
	var mu sync.Mutex
	type cellKey struct {
		start int64 // Unix nanoseconds
		key   string
	}
	cells := map[cellKey]*ProductionCell{}
	cell := func(start time.Time, key string) *ProductionParts {
		k := cellKey{start.UnixNano(), key}
		c := cells[k]
		if c == nil {
			c = &ProductionCell{Start: start, Key: key, Parts: newParts(agentTime)}
			cells[k] = c
		}
		return c.Parts
	}
	base := func() *prodQuery {
		return &prodQuery{f: f, args: []any{f.From, f.To, f.Loc.String()}}
	}
	rollup := func(q *prodQuery, table string) string {
		if daily {
			q.daily = true
			return table + "_day"
		}
		return table
	}
	var jobs []func() error
	run := func(q *prodQuery, sql string, scan func(pgx.Rows) error) {
		jobs = append(jobs, func() error {
			rows, err := db.Pool.Query(ctx, sql, q.args...)
			if err != nil {
				return fmt.Errorf("production report: %w", err)
			}
			defer rows.Close()
			for rows.Next() {
				mu.Lock()
				err := scan(rows)
				mu.Unlock()
				if err != nil {
					return fmt.Errorf("production report: %w", err)
				}
			}
			if err := rows.Err(); err != nil {
				return fmt.Errorf("production report: %w", err)
			}
			return nil
		})
	}

	// calls
	{
		q := base()
		src := rollup(q, "rollup_calls")
		if raw {
			src = "(" + callPartsSQL("") + ")"
		}
		sums := make([]string, len(callPartCols))
		for i, c := range callPartCols {
			if c == "max_wait_ms" {
				sums[i] = "max(r." + c + ")::bigint"
			} else {
				sums[i] = "sum(r." + c + ")::bigint"
			}
		}
		sel, by := q.grouped(srcCalls, sums, 0)
		sql := `SELECT ` + sel + ` FROM ` + src + ` r` + prodJoins + prodQueueJoin + q.rng() + q.where(srcCalls) + by
		run(q, sql, func(rows pgx.Rows) error {
			var start time.Time
			var key string
			var v [19]int64
			dst := []any{&start, &key}
			for i := range v {
				dst = append(dst, &v[i])
			}
			if err := rows.Scan(dst...); err != nil {
				return err
			}
			p := cell(start, key)
			p.Q.Add(callfloor.QueueCounters{Offered: v[0], Answered: v[1], Abandoned: v[2], ShortAbandoned: v[3],
				AnsweredWithinT: v[4], AbandonedWithinT: v[5], FlowedOut: v[6], Lost: v[7], SumWaitAnsweredMs: v[8],
				SumWaitAbandonedMs: v[9], MaxWaitMs: v[10], Handled: v[11], SumTalkMs: v[12], SumHoldMs: v[13], SumWrapMs: v[14]})
			p.Transfers += v[15]
			p.Dials += v[16]
			p.Connects += v[17]
			p.OutTalkMs += v[18]
			return nil
		})
	}
	// agent states
	if agentTime {
		q := base()
		src := rollup(q, "rollup_states")
		if raw {
			src = "(" + statePartsSQL("") + ")"
		}
		sel, by := q.grouped(srcStates, []string{"r.state", "r.reason", "sum(r.ms)::bigint"}, 2)
		sql := `SELECT ` + sel + ` FROM ` + src + ` r` + prodJoins + q.rng() + q.where(srcStates) + by
		run(q, sql, func(rows pgx.Rows) error {
			var start time.Time
			var key, state, reason string
			var ms int64
			if err := rows.Scan(&start, &key, &state, &reason, &ms); err != nil {
				return err
			}
			p := cell(start, key)
			p.States[state] += ms
			if state == string(callfloor.AgentPaused) {
				p.Paused[reason] += ms
			}
			return nil
		})
	}
	// rings
	{
		q := base()
		src := rollup(q, "rollup_offers")
		if raw {
			src = "(" + offerPartsSQL("") + ")"
		}
		sel, by := q.grouped(srcOffers, []string{"sum(r.offers)::bigint", "sum(r.missed)::bigint"}, 0)
		sql := `SELECT ` + sel + ` FROM ` + src + ` r` + prodJoins + prodQueueJoin + q.rng() + q.where(srcOffers) + by
		run(q, sql, func(rows pgx.Rows) error {
			var start time.Time
			var key string
			var offers, missed int64
			if err := rows.Scan(&start, &key, &offers, &missed); err != nil {
				return err
			}
			p := cell(start, key)
			p.Offers += offers
			p.Missed += missed
			return nil
		})
	}
	// dispositions and distinct numbers: from their rollups, or from the raw rows
	rawCalls := func(cols string) string {
		return `(SELECT date_bin('15 minutes', c.entered_at, ` + bucketOrigin + `) AS bucket, coalesce(c.queue, '') AS queue,
  coalesce(c.agent_id, '') AS agent_id, c.direction, ` + cols + ` FROM calls c %s WHERE c.entered_at >= $1 AND c.entered_at < $2 %s)`
	}
	{
		q := base()
		src := rollup(q, "rollup_dispositions")
		if raw {
			// a disposition is set once its call entered: only those set since the range began are read
			src = fmt.Sprintf(rawCalls("d.code, 1 AS calls"), "JOIN call_dispositions d ON d.call_id = c.id",
				"AND d.code IS NOT NULL AND d.set_at >= $1::timestamptz - interval '1 day'")
		}
		sel, by := q.grouped(srcCalls, []string{"r.code", "sum(r.calls)::bigint"}, 1)
		sql := `SELECT ` + sel + ` FROM ` + src + ` r` + prodJoins + prodQueueJoin + q.rng() + q.where(srcCalls) + by
		run(q, sql, func(rows pgx.Rows) error {
			var start time.Time
			var key, code string
			var n int64
			if err := rows.Scan(&start, &key, &code, &n); err != nil {
				return err
			}
			cell(start, key).Dispositions[code] += n
			return nil
		})
	}
	// distinct numbers per cell and for the totals (exact: counts of distinct numbers, never a
	// sum of counts): from the raw rows in one pass; from the rollups in two queries run at once,
	// the cells' and the totals'
	wholeNumbers := newParts(agentTime)
	scanNumbers := func(rows pgx.Rows) error {
		var whole bool
		var start time.Time
		var key string
		var d, cn int64
		if err := rows.Scan(&whole, &start, &key, &d, &cn); err != nil {
			return err
		}
		p := wholeNumbers
		if !whole {
			p = cell(start, key)
		}
		p.DialledNumbers, p.ConnectedNumbers = d, cn
		return nil
	}
	if raw {
		q := base()
		// an index holds the outbound calls' numbers
		src := fmt.Sprintf(rawCalls("c.called_number, (c.answered_at IS NOT NULL)::int AS connects"), "", "AND c.direction = 'outbound' AND c.called_number IS NOT NULL")
		// (where() adds its arguments: called once per query)
		sql := `WITH x AS MATERIALIZED (SELECT ` + q.startExpr() + ` AS s, ` + q.keyExpr(srcCalls) + ` AS k, r.called_number AS num, bool_or(r.connects > 0) AS connected
  FROM ` + src + ` r` + prodJoins + prodQueueJoin + q.rng() + q.where(srcCalls) + ` GROUP BY 1, 2, 3)
SELECT false, s, k, count(*), count(*) FILTER (WHERE connected) FROM x GROUP BY 1, 2, 3
UNION ALL SELECT true, $1::timestamptz, '', count(*), count(*) FILTER (WHERE connected) FROM (SELECT num, bool_or(connected) AS connected FROM x GROUP BY num) n`
		run(q, sql, scanNumbers)
	} else {
		for _, totals := range []bool{false, true} {
			q := base()
			run(q, numbersSQL(q, rollup(q, "rollup_numbers"), rollup(q, "rollup_numbers_cells"), totals), scanNumbers)
		}
	}
	errs := make(chan error, len(jobs))
	for _, job := range jobs {
		go func() { errs <- job() }()
	}
	var firstErr error
	for range jobs {
		if err := <-errs; err != nil && firstErr == nil {
			firstErr = err
		}
	}
	if firstErr != nil {
		return nil, firstErr
	}
	res := &ProductionResult{Totals: newParts(agentTime)}
	for _, c := range cells {
		c.End = f.intervalEnd(c.Start)
		res.Cells = append(res.Cells, *c)
		res.Totals.add(c.Parts)
	}
	res.Totals.DialledNumbers, res.Totals.ConnectedNumbers = wholeNumbers.DialledNumbers, wholeNumbers.ConnectedNumbers
	sort.Slice(res.Cells, func(i, j int) bool {
		a, b := res.Cells[i], res.Cells[j]
		if !a.Start.Equal(b.Start) {
			return a.Start.Before(b.Start)
		}
		return a.Key < b.Key
	})
	return res, nil
}

// numbersSQL is a rollup report's distinct numbers query, per cell or (totals) overall, over the
// number rows src and their cells' counts cells. A number row that has no other row of its level
// (not shared) is that number's only one: it counts as it is, per cell and overall, and its
// cell's count of such rows is kept in rollup_numbers_cells(_day) (migration 00045; a month:
// ~2,000 daily cells instead of ~130,000 rows); distinct numbers are counted only over the shared
// rows, read from an index that covers them, by hashing (count(DISTINCT) sorts). On the daily
// level the interval is converted once per group (startOut).
func numbersSQL(q *prodQuery, src, cells string, totals bool) string {
	w := q.rng() + q.where(srcCalls) // (where() adds its arguments: once per query)
	if totals {
		return `SELECT true, $1::timestamptz, '',
  (SELECT coalesce(sum(r.numbers), 0) FROM ` + cells + ` r` + prodJoins + prodQueueJoin + w + `)::bigint + count(*),
  (SELECT coalesce(sum(r.connected), 0) FROM ` + cells + ` r` + prodJoins + prodQueueJoin + w + `)::bigint + count(*) FILTER (WHERE connected)
FROM (SELECT r.called_number, bool_or(r.connects > 0) AS connected FROM ` + src + ` r` + prodJoins + prodQueueJoin + w + ` AND r.shared GROUP BY 1) n`
	}
	g, key := q.startGroup(), q.keyExpr(srcCalls)
	return `SELECT false, ` + q.startOut("s") + `, k, sum(d)::bigint, sum(c)::bigint FROM (
  SELECT ` + g + ` AS s, ` + key + ` AS k, sum(r.numbers) AS d, sum(r.connected) AS c FROM ` + cells + ` r` + prodJoins + prodQueueJoin + w + ` GROUP BY 1, 2
  UNION ALL SELECT s, k, count(*), count(*) FILTER (WHERE connected)
  FROM (SELECT ` + g + ` AS s, ` + key + ` AS k, r.called_number, bool_or(r.connects > 0) AS connected
    FROM ` + src + ` r` + prodJoins + prodQueueJoin + w + ` AND r.shared GROUP BY 1, 2, 3) x GROUP BY 1, 2) y
GROUP BY 1, 2, 3`
}

// intervalEnd is the end of the interval starting at start.
func (f ProductionFilter) intervalEnd(start time.Time) time.Time {
	var end time.Time
	switch f.Interval {
	case Interval15m:
		end = start.Add(15 * time.Minute)
	case Interval30m:
		end = start.Add(30 * time.Minute)
	case Interval60m:
		end = start.Add(time.Hour)
	case IntervalDay, IntervalWeek, IntervalMonth:
		l := start.In(f.Loc)
		switch f.Interval {
		case IntervalDay:
			end = time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, f.Loc)
		case IntervalWeek:
			end = time.Date(l.Year(), l.Month(), l.Day()+7, 0, 0, 0, 0, f.Loc)
		default:
			end = time.Date(l.Year(), l.Month()+1, 1, 0, 0, 0, 0, f.Loc)
		}
	default:
		return f.To
	}
	if end.After(f.To) {
		end = f.To
	}
	return end
}

// ---- labels and targets ----

// ProductionTargets are a queue's or project's targets (nil: none set).
type ProductionTargets struct {
	ServiceLevel     *float64 `json:"service_level,omitempty"`
	AHT              *float64 `json:"aht_s,omitempty"`
	ConnectRate      *float64 `json:"connect_rate,omitempty"`
	OccupancyMin     *float64 `json:"occupancy_min,omitempty"`
	OccupancyMax     *float64 `json:"occupancy_max,omitempty"`
	DailyDials       *int64   `json:"daily_dials,omitempty"`
	DailyTalkMinutes *int64   `json:"daily_talk_minutes,omitempty"`
}

// ReportDirectory is what labels and targets a report: names of projects, teams and agents, the
// project of each queue and team, and the targets.
type ReportDirectory struct {
	Projects     map[string]string // id -> name
	Teams        map[string]string
	Agents       map[string]string
	QueueProject map[string]string
	TeamProject  map[string]string
	AgentTeam    map[string]string
	Targets      map[string]ProductionTargets // "project:<id>" or "queue:<name>"
}

// ReportDirectory reads the directory.
func (db *DB) ReportDirectory(ctx context.Context) (*ReportDirectory, error) {
	d := &ReportDirectory{Projects: map[string]string{}, Teams: map[string]string{}, Agents: map[string]string{},
		QueueProject: map[string]string{}, TeamProject: map[string]string{}, AgentTeam: map[string]string{}, Targets: map[string]ProductionTargets{}}
	type q struct {
		sql  string
		scan func(pgx.Rows) error
	}
	var a, b, c string
	for _, x := range []q{
		{`SELECT id, name FROM projects`, func(r pgx.Rows) error { err := r.Scan(&a, &b); d.Projects[a] = b; return err }},
		{`SELECT id, name, project_id FROM teams`, func(r pgx.Rows) error {
			err := r.Scan(&a, &b, &c)
			d.Teams[a], d.TeamProject[a] = b, c
			return err
		}},
		{`SELECT id, name, coalesce(team_id, '') FROM agents`, func(r pgx.Rows) error {
			err := r.Scan(&a, &b, &c)
			d.Agents[a], d.AgentTeam[a] = b, c
			return err
		}},
		{`SELECT name, project_id FROM queues`, func(r pgx.Rows) error { err := r.Scan(&a, &b); d.QueueProject[a] = b; return err }},
		{`SELECT scope_kind, scope_id, service_level::numeric::float8, aht_s::numeric::float8, connect_rate::numeric::float8, occupancy_min::numeric::float8, occupancy_max::numeric::float8,
			daily_dials::bigint, daily_talk_minutes::bigint FROM targets`, func(r pgx.Rows) error {
			var t ProductionTargets
			err := r.Scan(&a, &b, &t.ServiceLevel, &t.AHT, &t.ConnectRate, &t.OccupancyMin, &t.OccupancyMax, &t.DailyDials, &t.DailyTalkMinutes)
			d.Targets[a+":"+b] = t
			return err
		}},
	} {
		rows, err := db.Pool.Query(ctx, x.sql)
		if err != nil {
			return nil, fmt.Errorf("report directory: %w", err)
		}
		for rows.Next() {
			if err := x.scan(rows); err != nil {
				rows.Close()
				return nil, fmt.Errorf("report directory: %w", err)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("report directory: %w", err)
		}
	}
	return d, nil
}

// QueueTargets are a queue's own targets, else its project's.
func (d *ReportDirectory) QueueTargets(queue string) *ProductionTargets {
	if t, ok := d.Targets["queue:"+queue]; ok {
		return &t
	}
	if p, ok := d.QueueProject[queue]; ok {
		return d.ProjectTargets(p)
	}
	return nil
}

// ProjectTargets are a project's targets.
func (d *ReportDirectory) ProjectTargets(project string) *ProductionTargets {
	if t, ok := d.Targets["project:"+project]; ok {
		return &t
	}
	return nil
}

// Label is the display name of a group key.
func (d *ReportDirectory) Label(group, key string) string {
	var m map[string]string
	switch group {
	case GroupProject:
		m = d.Projects
	case GroupTeam:
		m = d.Teams
	case GroupAgent:
		m = d.Agents
	}
	if n := m[key]; n != "" {
		return n
	}
	return key
}

// prodRange restricts a parts source to the report's buckets ($3, the zone, is always named so
// that every query takes the same first three parameters).
const prodRange = ` WHERE r.bucket >= $1 AND r.bucket < $2 AND $3::text <> ''`

// dayRange restricts the daily level to the report's days ($1 and $2 are local midnights).
const dayRange = ` WHERE r.day >= ($1 AT TIME ZONE $3)::date AND r.day < ($2 AT TIME ZONE $3)::date`

func (q *prodQuery) rng() string {
	if q.daily {
		return dayRange
	}
	return prodRange
}

// dailyFits reports whether the report can read the daily level of zone: intervals of whole
// local days in that zone, no business hours.
func (f ProductionFilter) dailyFits(zone string) bool {
	switch f.Interval {
	case IntervalDay, IntervalWeek, IntervalMonth, IntervalRange:
	default:
		return false
	}
	midnight := func(t time.Time) bool {
		l := t.In(f.Loc)
		return l.Equal(time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, f.Loc))
	}
	return zone != "" && zone == f.Loc.String() && f.HoursFrom == 0 && f.HoursTo == 0 && midnight(f.From) && midnight(f.To)
}
