package storage

// Rollup maintenance by difference (migrations 00017, 00020, 00022, 00038; the campaign tables
// of 00041, rollup_campaign.go).
//
// Every rollup row (15-minute or daily) is a sum of additive parts of raw rows. A change is
// applied as a difference: the parts of the raw rows about to be rewritten are read first and
// kept in a per-session stash table (st_old_<table>), the rewrite happens, then the new parts of
// the same raw rows are read, and new − old is added to the 15-minute rows and to their days in
// one statement per table. Two modes share that statement:
//
//   - the history writer (rollupRefresh.diff): the raw rows are the batch's own — its calls (and
//     the calls of its offers), their offers, dispositions and numbers, and its state intervals
//     (insert-only: their difference is the intervals actually inserted). A batch's cost follows
//     its own rows, not the size of the buckets they fall into (a backlog replayed into one
//     bucket was quadratic when every batch recomputed the bucket from all of its raw rows).
//     Only rewrites have old parts: a call the batch inserts (no row before it: most of a
//     backlog, and a live call's first event) has none, and its new parts are read from the
//     batch's staging copy of its rows, not looked up again; a batch of new calls only reads no
//     old parts and subtracts nothing. The state intervals are added by their insert's own
//     statement, from the rows it returns (writerIntervalsSQL);
//   - a rebuild (RebuildRollups, a disposition set): the "old parts" are the bucket's rollup rows
//     themselves and the new parts the bucket recomputed exactly from all of its raw rows, so
//     the rows equal the raw recomputation whatever they held before.
//
// What cannot be subtracted:
//   - a row's existence: a 15-minute row is deleted when its count column falls to 0
//     (rollup_calls.n, the calls it sums; ms, offers, calls, dials elsewhere — every raw row
//     adds at least 1 to it); a daily row counts its 15-minute rows (n, +1 for a 15-minute row
//     created, −1 for one deleted) and is deleted at 0;
//   - the longest wait: when the rewritten calls held a row's maximum and their new waits are
//     shorter, the row is marked stale and recomputed (15-minute rows from the raw calls of the
//     row, daily rows from their 15-minute rows) in the same transaction;
//   - the numbers' shared flags (a number with more than one row, at either level): recomputed,
//     under the advisory lock per number, for the numbers whose rows the change touched.
//
// Concurrency: as before, advisory locks per table and bucket, per day and per number, taken in
// one order in one statement before the old parts are read, make two transactions touching the
// same bucket run one after the other (the second reads the first's rows as old parts).

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/callfloor/callfloor"
)

// rollupRefresh are the buckets a change touches, per rollup table, and in the writer's mode
// (diff) the raw rows it rewrites. A bucket whose calls change has its dispositions and numbers
// refreshed too; disps alone is a disposition set or changed (SetCallDisposition).
type rollupRefresh struct {
	calls, states, offers, disps map[time.Time]bool

	diff bool // the writer's batch: only its rows' parts (else whole buckets)
	// the calls the batch rewrites (and the calls of its offers); fresh: inserted by the
	// batch's COPY before the old parts are read (they have none)
	callIDs     []string
	callEntered []time.Time
	callFresh   []bool
	newNumbers  []string // numbers the batch's outbound call rows dial
	states15    bool     // the batch has state intervals to add (writerIntervalsSQL)
}

func newRollupRefresh() *rollupRefresh {
	return &rollupRefresh{calls: map[time.Time]bool{}, states: map[time.Time]bool{}, offers: map[time.Time]bool{}, disps: map[time.Time]bool{}}
}

func (r *rollupRefresh) empty() bool {
	return r == nil || len(r.calls)+len(r.states)+len(r.offers)+len(r.disps) == 0
}

func (r *rollupRefresh) stateSpan(start, end time.Time) {
	for b := bucketOf(start); b.Before(end); b = b.Add(BucketSize) {
		r.states[b] = true
	}
}

// rollupTable describes a 15-minute rollup table and its daily level.
type rollupTable struct {
	table, day string
	keys       []string // key columns after bucket/day
	cols       []string // additive columns of both levels
	own        []string // additive columns of the 15-minute level only
	cnt        string   // 0 exactly when a 15-minute row sums no raw row
	parts      func(string) string
	cond       string // the parts query's restriction to the buckets $3
	// touched: the parts of the writer's rows ($1.. the refresh's arrays), where an extra
	// condition ("AND NOT t.fresh": the old parts); fresh: of the calls the batch inserted,
	// from its staging copies of them (freshCalls, freshOffers), no parameters
	touched func(fresh bool, where string) string
}

// touchedCalls are the writer's calls: $1 ids, $2 entry times, $3 fresh. The raw rows are read
// by key, one lateral lookup per row (OFFSET 0 keeps the planner from turning them into a hash
// join over a whole table when its statistics lag behind a backlog).
const touchedCalls = `unnest($1::text[], $2::timestamptz[], $3::bool[]) AS t(id, entered_at, fresh)
  CROSS JOIN LATERAL (SELECT * FROM calls c WHERE c.id = t.id AND c.entered_at = t.entered_at OFFSET 0) c`

// freshCalls, freshOffers: the calls the writer's batch inserts (no row before it) and their
// offers, the batch's staging copies of the rows it COPies into calls and offers: a new call's
// rows are exactly those (its offers come with it, in the same batch), so their parts are read
// from them rather than looked up again by key.
const (
	freshCalls  = `st_new_calls c`
	freshOffers = `st_new_offers`
)

// touchedFrom is the calls' source of touched parts (fresh: freshCalls).
func touchedFrom(fresh bool) string {
	if fresh {
		return freshCalls
	}
	return touchedCalls
}

var rollupTables = append([]rollupTable{
	{"rollup_calls", "rollup_calls_day", []string{"queue", "agent_id", "direction"}, callPartCols, []string{"n"}, "n", callPartsSQL,
		"AND date_bin('15 minutes', c.entered_at, " + bucketOrigin + ") = ANY($3)",
		func(f bool, w string) string { return callPartsOver(touchedFrom(f)+" WHERE true "+w, "") }},
	// (the writer's intervals: writerIntervalsSQL)
	{"rollup_states", "rollup_states_day", []string{"agent_id", "state", "reason"}, []string{"ms"}, nil, "ms", statePartsSQL, "AND b = ANY($3)", nil},
	{"rollup_offers", "rollup_offers_day", []string{"queue", "agent_id"}, []string{"offers", "missed"}, nil, "offers", offerPartsSQL,
		"AND date_bin('15 minutes', o.started_at, " + bucketOrigin + ") = ANY($3)",
		func(f bool, w string) string {
			on := `o.call_id = c.id AND o.call_entered_at = c.entered_at
    AND o.started_at >= c.entered_at - interval '1 day' AND o.started_at < c.entered_at + interval '1 day'`
			if f {
				return offerPartsOver(freshCalls+` JOIN `+freshOffers+` o ON `+on, w)
			}
			return offerPartsOver(touchedCalls+` CROSS JOIN LATERAL (SELECT * FROM offers o WHERE `+on+` OFFSET 0) o`, w)
		}},
	{"rollup_dispositions", "rollup_dispositions_day", []string{"queue", "agent_id", "direction", "code"}, []string{"calls"}, nil, "calls", dispositionPartsSQL,
		"AND date_bin('15 minutes', c.entered_at, " + bucketOrigin + ") = ANY($3)",
		func(f bool, w string) string {
			return dispositionPartsOver(touchedFrom(f)+` CROSS JOIN LATERAL (SELECT * FROM call_dispositions d WHERE d.call_id = c.id OFFSET 0) d`, w)
		}},
	{"rollup_numbers", "rollup_numbers_day", []string{"queue", "agent_id", "direction", "called_number"}, []string{"dials", "connects"}, nil, "dials", numberPartsSQL,
		"AND date_bin('15 minutes', c.entered_at, " + bucketOrigin + ") = ANY($3)",
		func(f bool, w string) string { return numberPartsOver(touchedFrom(f), w) }},
}, campaignRollupTables...) // the outbound report's (rollup_campaign.go)

// rollupStashDDL: the stash tables of the old parts, one per rollup table, per session.
var rollupStashDDL = func() string {
	var b strings.Builder
	for _, t := range rollupTables {
		b.WriteString("CREATE TEMP TABLE IF NOT EXISTS st_old_" + t.table + " (LIKE " + t.table + " INCLUDING DEFAULTS);\n")
	}
	return b.String()
}()

func (t rollupTable) stash() string { return "st_old_" + t.table }

// cols15 are the additive columns of the 15-minute level.
func (t rollupTable) cols15() []string { return append(append([]string{}, t.cols...), t.own...) }

func (t rollupTable) hasMax() bool { return t.table == "rollup_calls" }

// match is the equality of a's and b's keys (with the bucket, or the day).
func (t rollupTable) match(a, b, first string) string {
	c := []string{a + "." + first + " = " + b + "." + first}
	for _, k := range t.keys {
		c = append(c, a+"."+k+" = "+b+"."+k)
	}
	return strings.Join(c, " AND ")
}

func prefixed(p string, cols []string) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = p + c
	}
	return strings.Join(out, ", ")
}

func groupOrdinals(n int) string {
	s := make([]string, n)
	for i := range s {
		s[i] = strconv.Itoa(i + 1)
	}
	return strings.Join(s, ", ")
}

// staleCond: the removed parts held the row r's longest wait and the added ones are shorter.
func staleCond(x, r string) string {
	return `(coalesce(` + x + `.old_max, 0) > 0 AND ` + x + `.old_max >= ` + r + `.max_wait_ms AND coalesce(` + x + `.new_max, 0) < ` + x + `.old_max)`
}

// maxSet updates row r's longest wait from x's old and new maxima; stale when it cannot tell.
func maxSet(x, r string) string {
	return `max_stale = ` + r + `.max_stale OR ` + staleCond(x, r) + `, max_wait_ms = CASE WHEN ` + staleCond(x, r) + ` THEN ` + r + `.max_wait_ms ELSE greatest(` + r + `.max_wait_ms, coalesce(` + x + `.new_max, 0)) END`
}

// diffSQL adds newParts − the stash to the 15-minute rows and to their days, in one statement:
// net (the difference per 15-minute key, unchanged keys left out), upd/ins (the 15-minute rows),
// dnet (the difference per day, with the 15-minute rows created and emptied), the daily rows.
// full: newParts recompute whole buckets (the rows' longest wait is then new_max exactly).
func (t rollupTable) diffSQL(newParts string, full bool) string {
	return t.diffSQLWith("", newParts, "", full, true)
}

// diffSQLWith is diffSQL with pre, CTEs ahead of the difference's ("name AS (...), "), result,
// when not empty, the statement's main query (the daily rows' insert then one more CTE), and
// withOld false when no old parts were stashed: newParts are all added (a batch's new rows).
func (t rollupTable) diffSQLWith(pre, newParts, result string, full, withOld bool) string {
	keys := strings.Join(t.keys, ", ")
	c15 := t.cols15()
	var sums, having, setU, insU, dsum, setD, insD []string
	for _, c := range c15 {
		if c == "max_wait_ms" {
			continue
		}
		sums = append(sums, "sum(s * "+c+")::bigint AS "+c)
		having = append(having, "sum(s * "+c+") <> 0")
		setU = append(setU, c+" = r."+c+" + net."+c)
		insU = append(insU, c)
	}
	for _, c := range t.cols {
		if c == "max_wait_ms" {
			continue
		}
		dsum = append(dsum, "sum(net."+c+")::bigint AS "+c)
		setD = append(setD, c+" = d."+c+" + x."+c)
		insD = append(insD, c)
	}
	insUSel, insDSel := strings.Join(insU, ", "), strings.Join(insD, ", ")
	insUCols, insDCols := insUSel, insDSel
	if t.hasMax() {
		sums = append(sums, "max(max_wait_ms) FILTER (WHERE s > 0) AS new_max", "max(max_wait_ms) FILTER (WHERE s < 0) AS old_max")
		having = append(having, "max(max_wait_ms) FILTER (WHERE s > 0) IS DISTINCT FROM max(max_wait_ms) FILTER (WHERE s < 0)")
		if full {
			setU = append(setU, "max_wait_ms = coalesce(net.new_max, 0)")
		} else {
			setU = append(setU, maxSet("net", "r"))
		}
		insUCols += ", max_wait_ms"
		insUSel += ", coalesce(new_max, 0)"
		dsum = append(dsum, "max(net.new_max) AS new_max", "max(net.old_max) AS old_max")
		setD = append(setD, maxSet("x", "d"))
		insDCols += ", max_wait_ms"
		insDSel += ", coalesce(new_max, 0)"
	}
	nk := 1 + len(t.keys)
	old := ""
	if withOld {
		old = `
        UNION ALL SELECT -1, bucket, ` + keys + `, ` + strings.Join(c15, ", ") + ` FROM ` + t.stash()
	}
	sql := `WITH ` + pre + `net AS (SELECT bucket, ` + keys + `, ` + strings.Join(sums, ", ") + `
  FROM (SELECT 1 AS s, bucket, ` + keys + `, ` + strings.Join(c15, ", ") + ` FROM (` + newParts + `) p` + old + `) x
  GROUP BY ` + groupOrdinals(nk) + ` HAVING ` + strings.Join(having, " OR ") + `),
upd AS (UPDATE ` + t.table + ` r SET ` + strings.Join(setU, ", ") + ` FROM net WHERE ` + t.match("r", "net", "bucket") + `
  RETURNING r.bucket, ` + prefixed("r.", t.keys) + `, r.` + t.cnt + ` AS cnt),
ins AS (INSERT INTO ` + t.table + ` (bucket, ` + keys + `, ` + insUCols + `)
  SELECT bucket, ` + keys + `, ` + insUSel + ` FROM net
  WHERE net.` + t.cnt + ` > 0 AND NOT EXISTS (SELECT 1 FROM ` + t.table + ` r WHERE ` + t.match("r", "net", "bucket") + `)
  ORDER BY ` + groupOrdinals(nk) + ` RETURNING bucket, ` + keys + `),
dnet AS (SELECT ` + dayOf("net.bucket") + ` AS day, ` + prefixed("net.", t.keys) + `,
    (count(ins.bucket) - count(upd.bucket) FILTER (WHERE upd.cnt = 0))::bigint AS n, ` + strings.Join(dsum, ", ") + `
  FROM net LEFT JOIN ins ON ` + t.match("ins", "net", "bucket") + ` LEFT JOIN upd ON ` + t.match("upd", "net", "bucket") + `,
    (SELECT zone FROM rollup_day_zone LIMIT 1) z
  GROUP BY ` + groupOrdinals(nk) + `),
dupd AS (UPDATE ` + t.day + ` d SET n = d.n + x.n, ` + strings.Join(setD, ", ") + ` FROM dnet x WHERE ` + t.match("d", "x", "day") + ` RETURNING 1)`
	dins := `INSERT INTO ` + t.day + ` (day, ` + keys + `, n, ` + insDCols + `)
SELECT day, ` + keys + `, n, ` + insDSel + ` FROM dnet x
WHERE x.n > 0 AND NOT EXISTS (SELECT 1 FROM ` + t.day + ` d WHERE ` + t.match("d", "x", "day") + `)
ORDER BY ` + groupOrdinals(nk)
	if result == "" {
		return sql + "\n" + dins
	}
	// (a data-modifying CTE runs to completion whether or not the main query reads it)
	return sql + ",\ndins AS (" + dins + " RETURNING 1)\n" + result
}

// writerIntervalsSQL is the writer's insert of its batch's state intervals (insertIntervals,
// history.go) and, in the same statement, the state time of the intervals it actually inserted
// added to the states' rollups. Intervals are insert-only (an existing one is left as it is, a
// duplicate inserts nothing and returns nothing; fillIntervals sets only its direction and
// call, which no rollup reads), so the rows the insert returns are the whole difference: no old
// parts to read, no raw rows to look up again. Its result: the intervals inserted.
var writerIntervalsSQL = rollupTables[1].diffSQLWith(
	"iv AS ("+insertIntervals+"\nRETURNING agent_id, state, reason, started_at, ended_at),\n",
	statePartsOver("iv i", "i.started_at", "i.ended_at", ""), "SELECT count(*) FROM iv", false, false)

// dayOf is the local day of a 15-minute bucket in the daily level's zone (z: rollup_day_zone).
func dayOf(bucket string) string { return "(" + bucket + " AT TIME ZONE z.zone)::date" }

// touchedDays are the local days of the buckets $1.
const touchedDays = `(SELECT ` + `(b AT TIME ZONE z.zone)::date FROM unnest($1::timestamptz[]) b, (SELECT zone FROM rollup_day_zone LIMIT 1) z)`

// maxStaleSQL recomputes the longest wait of the 15-minute rows of the buckets $1 marked stale,
// from the raw calls of each row.
var maxStaleSQL = `UPDATE rollup_calls r SET max_stale = false, max_wait_ms = coalesce((SELECT p.max_wait_ms FROM (` +
	callPartsOver(`calls c WHERE c.entered_at >= r.bucket AND c.entered_at < r.bucket + interval '15 minutes'
    AND coalesce(c.queue, '') = r.queue AND c.direction = r.direction`, "") + `) p WHERE p.agent_id = r.agent_id), 0)
WHERE r.max_stale AND r.bucket = ANY($1)`

// dayMaxStaleSQL recomputes the longest wait of the daily rows marked stale, from their
// 15-minute rows.
const dayMaxStaleSQL = `UPDATE rollup_calls_day d SET max_stale = false, max_wait_ms = coalesce((SELECT max(r.max_wait_ms) FROM rollup_calls r
  WHERE r.bucket >= (d.day::timestamp AT TIME ZONE z.zone) AND r.bucket < ((d.day + 1)::timestamp AT TIME ZONE z.zone)
    AND r.queue = d.queue AND r.agent_id = d.agent_id AND r.direction = d.direction), 0)
FROM (SELECT zone FROM rollup_day_zone LIMIT 1) z WHERE d.max_stale AND d.day IN ` + touchedDays

// sharedSQL recomputes the shared flags of table's rows (rollup_numbers or its daily level) of
// the numbers nums (a subquery): only their rows were added or removed.
func sharedSQL(table, nums string) string {
	return `UPDATE ` + table + ` d SET shared = s.shared
FROM (SELECT called_number, count(*) > 1 AS shared FROM ` + table + ` WHERE called_number IN (` + nums + `) GROUP BY 1) s
WHERE d.called_number = s.called_number AND d.shared <> s.shared`
}

// queue queues the whole refresh (a rebuild or a disposition: whole buckets).
func (r *rollupRefresh) queue(pb *pgx.Batch) int { return r.queueBefore(pb) + r.queueAfter(pb) }

// run refreshes the buckets r in tx (a session without the stash tables: creates them).
func (r *rollupRefresh) run(ctx context.Context, tx pgx.Tx) error {
	if r.empty() {
		return nil
	}
	if _, err := tx.Exec(ctx, rollupStashDDL); err != nil {
		return err
	}
	pb := &pgx.Batch{}
	r.queue(pb)
	return tx.SendBatch(ctx, pb).Close()
}

// tables are the buckets to refresh per rollup table (rollupTables' order); in the writer's mode
// the tables its rows touch.
func (r *rollupRefresh) tables() []map[time.Time]bool {
	disps := map[time.Time]bool{}
	for b := range r.calls {
		disps[b] = true
	}
	for b := range r.disps {
		disps[b] = true
	}
	if r.diff {
		calls := r.calls
		if len(r.callIDs) == 0 {
			calls = nil
		}
		// (the states': writerIntervalsSQL, with the intervals' insert)
		return []map[time.Time]bool{calls, nil, calls, calls, calls, calls, calls, calls}
	}
	// the campaign tables (rollup_campaign.go): the calls', the dispositions', the calls'
	return []map[time.Time]bool{r.calls, r.states, r.offers, disps, r.calls, r.calls, disps, r.calls}
}

// args are the parameters of a table's touched parts (the calls').
func (r *rollupRefresh) args() []any { return []any{r.callIDs, r.callEntered, r.callFresh} }

// rewrites: the writer's batch rewrites calls that were there before it (else all its calls are
// new: no old parts to read, nothing to subtract).
func (r *rollupRefresh) rewrites() bool {
	for _, f := range r.callFresh {
		if !f {
			return true
		}
	}
	return false
}

// hasFresh: the writer's batch inserts new calls.
func (r *rollupRefresh) hasFresh() bool {
	for _, f := range r.callFresh {
		if f {
			return true
		}
	}
	return false
}

// oldCalls are the keys of the calls the writer's batch rewrites.
func (r *rollupRefresh) oldCalls() (ids []string, entered []time.Time) {
	for i, f := range r.callFresh {
		if !f {
			ids, entered = append(ids, r.callIDs[i]), append(entered, r.callEntered[i])
		}
	}
	return ids, entered
}

// intervalsSQL is the writer's insert of its batch's state intervals: with the states' rollups
// (writerIntervalsSQL, its result a row: the intervals inserted) when they are among the rows.
func (r *rollupRefresh) intervalsSQL() (sql string, counted bool) {
	if r.diff && r.states15 {
		return writerIntervalsSQL, true
	}
	return insertIntervals, false
}

// queueBefore queues, on a batch of the transaction, what precedes the rewrite of the raw rows:
// the locks (namespace, then time; the days last), then the old parts into the stash tables.
// It returns the number of statements queued.
func (r *rollupRefresh) queueBefore(pb *pgx.Batch) int {
	if r.empty() {
		return 0
	}
	tables := r.tables()
	// (the campaign tables' buckets are among the calls' and the dispositions': their locks)
	lockTables := []map[time.Time]bool{r.calls, r.states, r.offers, tables[3], r.calls}
	var ns, keys []int32
	all := map[time.Time]bool{}
	for i, nsi := range []int32{lockCalls, lockStates, lockOffers, lockDisps, lockNumbers} {
		for _, b := range sortedBuckets(lockTables[i]) {
			ns = append(ns, nsi)
			keys = append(keys, int32(b.Unix()/int64(BucketSize/time.Second)))
			all[b] = true
		}
	}
	// JIT compiling these small statements costs more than running them (and the planner's
	// estimates of the small rollup tables can exceed jit_above_cost).
	pb.Queue(`SELECT set_config('jit', 'off', true)`)
	n := 2
	if r.diff {
		// The writer's statements are the same every batch, over a batch's rows: planning them
		// with their arguments each time (custom plans of these CTEs: 20–70 ms a statement on
		// a loaded machine) cost more than running them; one generic plan per connection.
		pb.Queue(`SELECT set_config('plan_cache_mode', 'force_generic_plan', true)`)
		n++
	}
	if len(tables[3]) > 0 {
		pb.Queue(`SELECT pg_advisory_xact_lock_shared(` + strconv.Itoa(lockDispGate) + `, 0)`)
		n++
	}
	// the numbers whose rows this change may add or remove (all locks in one statement, in one
	// order): those of the rewritten calls before and after
	lockAll := `SELECT count(pg_advisory_xact_lock(n, k)) FROM (
  SELECT n, k FROM unnest($1::int[], $2::int[]) AS u(n, k)
  UNION SELECT ` + strconv.Itoa(lockDays) + `, (b AT TIME ZONE z.zone)::date - date '1970-01-01' FROM unnest($3::timestamptz[]) b, (SELECT zone FROM rollup_day_zone LIMIT 1) z
  UNION SELECT ` + strconv.Itoa(lockNumberKeys) + `, hashtext(x) FROM unnest($4::text[]) x
  UNION %s
  ORDER BY 1, 2) s`
	if r.diff {
		// the numbers of the rewritten calls' old rows (the new calls' are newNumbers)
		oldIDs, oldEntered := r.oldCalls()
		pb.Queue(strings.Replace(lockAll, "%s", `SELECT `+strconv.Itoa(lockNumberKeys)+`, hashtext(c.called_number)
  FROM unnest($5::text[], $6::timestamptz[]) AS t(id, entered_at)
  CROSS JOIN LATERAL (SELECT * FROM calls c WHERE c.id = t.id AND c.entered_at = t.entered_at OFFSET 0) c
  WHERE c.direction = 'outbound' AND c.called_number IS NOT NULL`, 1), ns, keys, sortedBuckets(all), r.newNumbers, oldIDs, oldEntered)
	} else {
		var nlo, nhi time.Time
		nbs := sortedBuckets(r.calls)
		if len(nbs) > 0 {
			nlo, nhi = nbs[0], nbs[len(nbs)-1].Add(BucketSize)
		}
		pb.Queue(strings.Replace(lockAll, "%s", `SELECT `+strconv.Itoa(lockNumberKeys)+`, hashtext(called_number) FROM rollup_numbers WHERE bucket = ANY($5)
  UNION SELECT `+strconv.Itoa(lockNumberKeys)+`, hashtext(c.called_number) FROM calls c WHERE c.entered_at >= $6 AND c.entered_at < $7
    AND c.direction = 'outbound' AND c.called_number IS NOT NULL AND date_bin('15 minutes', c.entered_at, `+bucketOrigin+`) = ANY($5)`, 1),
			ns, keys, sortedBuckets(all), []string(nil), nbs, nlo, nhi)
	}
	for i, m := range tables {
		if len(m) == 0 {
			continue
		}
		t := rollupTables[i]
		c15 := "bucket, " + strings.Join(t.keys, ", ") + ", " + strings.Join(t.cols15(), ", ")
		if r.diff {
			if !r.rewrites() {
				continue // all new: no old parts
			}
			// the calls the batch COPied have no old parts
			pb.Queue(`INSERT INTO `+t.stash()+` (`+c15+`) SELECT `+c15+` FROM (`+t.touched(false, "AND NOT t.fresh")+`) p`, r.args()...)
		} else {
			pb.Queue(`INSERT INTO `+t.stash()+` (`+c15+`) SELECT `+c15+` FROM `+t.table+` WHERE bucket = ANY($1)`, sortedBuckets(m))
		}
		n++
	}
	return n
}

// queueAfter queues, after the rewrite of the raw rows, the difference of every table's parts
// applied to both levels, then what cannot be subtracted (longest waits, emptied rows, shared
// flags), and empties the stash tables.
func (r *rollupRefresh) queueAfter(pb *pgx.Batch) int {
	if r.empty() {
		return 0
	}
	n := 0
	tables := r.tables()
	for i, m := range tables {
		if len(m) == 0 {
			continue
		}
		t := rollupTables[i]
		bs := sortedBuckets(m)
		if r.diff && !r.rewrites() {
			// all new: their parts added, nothing subtracted — no row can be emptied nor its
			// longest wait shortened; the numbers' shared flags may change
			pb.Queue(t.diffSQLWith("", t.touched(true, ""), "", false, false))
			n++
			if t.table == "rollup_numbers" {
				n += r.queueShared(pb, false)
			}
			continue
		}
		if r.diff {
			// the rewritten calls' new parts (and the new calls', from their staging copies)
			parts := t.touched(false, "AND NOT t.fresh")
			if r.hasFresh() {
				parts = t.touched(true, "") + "\nUNION ALL\n" + parts
			}
			pb.Queue(t.diffSQL(parts, false), r.args()...)
		} else {
			pb.Queue(t.diffSQL(t.parts(t.cond), true), bs[0], bs[len(bs)-1].Add(BucketSize), bs)
		}
		n++
		if t.hasMax() {
			pb.Queue(maxStaleSQL, bs)
			n++
		}
		pb.Queue(`DELETE FROM ` + t.table + ` r USING ` + t.stash() + ` s WHERE ` + t.match("r", "s", "bucket") + ` AND r.` + t.cnt + ` = 0`)
		n++
		if t.hasMax() {
			pb.Queue(dayMaxStaleSQL, bs)
			n++
		}
		pb.Queue(`DELETE FROM ` + t.day + ` d USING (SELECT DISTINCT ` + dayOf("s.bucket") + ` AS day, ` + prefixed("s.", t.keys) + `
  FROM ` + t.stash() + ` s, (SELECT zone FROM rollup_day_zone LIMIT 1) z) x WHERE ` + t.match("d", "x", "day") + ` AND d.n = 0`)
		n++
		if t.table == "rollup_numbers" {
			n += r.queueShared(pb, true)
		}
		pb.Queue(`DELETE FROM ` + t.stash())
		n++
	}
	return n
}

// queueShared queues the recomputation of the numbers' shared flags, of the numbers whose rows
// the change touched: those of the old parts stashed (withOld), and the writer's calls' numbers
// or the buckets'.
func (r *rollupRefresh) queueShared(pb *pgx.Batch, withOld bool) int {
	var nums string
	if withOld {
		nums = `SELECT called_number FROM ` + rollupTables[4].stash() + ` UNION `
	}
	var args []any
	if r.diff {
		// the numbers of the batch's outbound rows (a number's rows are added by a new or
		// rewritten row: the row the batch wrote; removed: the old row, stashed)
		nums += `SELECT unnest($1::text[])`
		args = []any{r.newNumbers}
	} else {
		nums += `SELECT called_number FROM rollup_numbers WHERE bucket = ANY($1)`
		args = []any{sortedBuckets(r.calls)}
	}
	pb.Queue(sharedSQL("rollup_numbers", nums), args...)
	pb.Queue(sharedSQL("rollup_numbers_day", nums), args...)
	return 2
}

// rollupsOf is the writer's refresh of a batch: the buckets it touches (a call's entry bucket,
// an offer's start bucket, every bucket an agent state spans) and the raw rows it rewrites.
// fresh are the calls the batch inserts by COPY before its upserts (no old parts).
func rollupsOf(b *batch, fresh map[string]bool) *rollupRefresh {
	r := newRollupRefresh()
	r.diff = true
	type ck struct {
		id string
		at time.Time
	}
	touched := map[ck]bool{}
	for _, m := range []map[string]callRow{b.calls, b.recCalls} { // a recording may insert a call's first row
		for _, c := range m {
			if t, ok := c.row[10].(time.Time); ok {
				r.calls[bucketOf(t)] = true
				touched[ck{c.row[0].(string), t}] = true
			}
			if dir, _ := c.row[1].(string); dir == callfloor.Outbound {
				if num, ok := c.row[8].(string); ok {
					r.newNumbers = append(r.newNumbers, num)
				}
			}
		}
	}
	for _, o := range b.offers {
		if t, ok := o[2].(time.Time); ok {
			r.calls[bucketOf(t)] = true
			touched[ck{o[0].(string), t}] = true
		}
		if t, ok := o[5].(time.Time); ok {
			r.offers[bucketOf(t)] = true
		}
	}
	keys := make([]ck, 0, len(touched))
	for k := range touched {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].id < keys[j].id })
	for _, k := range keys {
		r.callIDs, r.callEntered, r.callFresh = append(r.callIDs, k.id), append(r.callEntered, k.at), append(r.callFresh, fresh[k.id])
	}
	for _, i := range b.intervals {
		st, _ := i[1].(string)
		s, ok1 := i[5].(time.Time)
		e, ok2 := i[6].(time.Time)
		if st != string(callfloor.AgentLoggedOut) && ok1 && ok2 {
			r.stateSpan(s, e)
			r.states15 = true
		}
	}
	return r
}
