package storage

// The outbound daily report (外呼日报, issue 13): a campaign's calls by interval (hour, day, ISO
// week, month or the whole range in the centre's zone) and by campaign, team or agent, with a
// totals row, straight from the raw call rows (calls.campaign_id, migration 00029, through its
// partial index) and the campaign's attempts (lead_attempts: the agent's disposition).
//
// Definitions (metrics.md, issue 13), over the campaign calls that ENTERED (were dialled) in
// the interval:
//   - dials: every call row of the campaign;
//   - answered: the customer picked up (answered_at set): connected + dropped;
//   - dropped: answered with no agent on the line (a predictive dial the dialler had no free
//     agent for: outcome "dropped", or answered without an agent); drop rate = dropped ÷ answered;
//   - connected: answered and talked with an agent; connect rate (attempts) = connected ÷ dials;
//     connect rate (numbers) = distinct numbers connected ÷ distinct numbers dialled;
//   - the unanswered dials by result, as callfloor.ResultOfCause maps the hang-up cause (else the
//     outcome): busy, no answer, unallocated (空号), switched off (停机/关机), failed;
//   - talk: the connected calls' talk time (hold excluded); average talk = talk ÷ connected;
//   - dispositions: the attempt's disposition (lead_attempts, the call id is the dial id), else
//     the desk's (call_dispositions); conversions: dispositions the campaign marks as a success;
//     conversion rate = conversions ÷ connected;
//   - leads worked: distinct leads dialled; leads left (now, not of the interval): the
//     campaign's leads not done;
//   - team: the call's agent's team today (as every report); dials without an agent (dropped
//     predictive dials) are under the team "".
// Distinct counts are not additive, so the totals row comes from the same query (GROUPING SETS),
// never from adding rows.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/jackc/pgx/v5"
)

// GroupCampaign groups the outbound report by campaign.
const GroupCampaign = "campaign"

// OutboundIntervals and OutboundGroups are the accepted values.
var (
	OutboundIntervals = []string{Interval60m, IntervalDay, IntervalWeek, IntervalMonth, IntervalRange}
	OutboundGroups    = []string{GroupNone, GroupCampaign, GroupTeam, GroupAgent}
)

// OutboundFilter selects an outbound report: [From, To) on local midnights of Loc.
type OutboundFilter struct {
	From, To time.Time
	Loc      *time.Location
	Interval string
	Group    string
	Projects []string // only the campaigns of these projects (nil: any)
	Campaign string
	Team     string
	Agent    string
	Source   string // SourceRollup (default: the campaign rollups, rollup_campaign.go) or SourceRaw
}

// OutboundFigures are one row's figures; rates are fractions, nil = n/a (no denominator).
type OutboundFigures struct {
	Dials            int64            `json:"dials"`
	Answered         int64            `json:"answered"`
	Connected        int64            `json:"connected"`
	Dropped          int64            `json:"dropped"`
	DropRate         *float64         `json:"drop_rate"`             // dropped ÷ answered
	ConnectRate      *float64         `json:"connect_rate_attempts"` // connected ÷ dials
	DialledNumbers   int64            `json:"dialled_numbers"`
	ConnectedNumbers int64            `json:"connected_numbers"`
	ConnectRateNums  *float64         `json:"connect_rate_numbers"` // connected numbers ÷ dialled numbers
	Busy             int64            `json:"busy"`
	NoAnswer         int64            `json:"no_answer"`
	Unallocated      int64            `json:"unallocated"`
	SwitchedOff      int64            `json:"switched_off"`
	Failed           int64            `json:"failed"`
	TalkMinutes      float64          `json:"talk_minutes"`
	AvgTalk          *float64         `json:"avg_talk_s"` // talk ÷ connected
	Dispositions     map[string]int64 `json:"dispositions"`
	Conversions      int64            `json:"conversions"`
	ConversionRate   *float64         `json:"conversion_rate"` // conversions ÷ connected
	LeadsWorked      int64            `json:"leads_worked"`
	LeadsLeft        *int64           `json:"leads_left"` // now; campaign rows and totals only
	talkMs           int64
}

// OutboundTargets are the targets a row is held against over its interval (the campaigns' daily
// dial and connect targets, the project's daily dials and talk minutes, times the interval's
// days); nil fields: none set.
type OutboundTargets struct {
	Dials       *int64   `json:"dials,omitempty"`
	Connects    *int64   `json:"connects,omitempty"`
	TalkMinutes *int64   `json:"talk_minutes,omitempty"`
	DropRate    *float64 `json:"drop_rate,omitempty"` // the campaign's drop-rate ceiling
}

// OutboundRow is one group in one interval.
type OutboundRow struct {
	Start   time.Time        `json:"start"`
	End     time.Time        `json:"end"`
	Key     string           `json:"key"`
	Figures OutboundFigures  `json:"figures"`
	Targets *OutboundTargets `json:"targets"`
}

// OutboundResult is a computed report: rows by start then key, the totals, and the disposition
// codes of the campaigns in scope (their names, in the campaigns' order) for the columns.
type OutboundResult struct {
	Rows          []OutboundRow
	Totals        OutboundFigures
	TotalTargets  *OutboundTargets
	Dispositions  []callfloor.Disposition // every code of the campaigns in scope, once, first seen first
	CampaignNames map[string]string
	campaigns     []CampaignInfo // in scope, by id
}

// outboundCallsSQL: the campaign calls of the filter with their derived flags ($1 from, $2 to,
// $3 zone, then the filter's arguments); cond restricts it.
func outboundBaseSQL(start, key, cond string) string {
	return `WITH c AS (
  SELECT ` + start + ` AS start, ` + key + ` AS key, c.id, c.lead_id, c.called_number,
    ` + outAnsweredSQL + ` AS answered,
    ` + outDroppedSQL + ` AS dropped,
    ` + outResultSQL + ` AS result,
    coalesce(c.talk_ms, 0) AS talk_ms,
    ` + outDispositionSQL + ` AS disposition, c.campaign_id
  FROM calls c
  LEFT JOIN agents ag ON ag.id = c.agent_id
  LEFT JOIN lead_attempts la ON la.lead_id = c.lead_id AND la.dial_id = c.id AND la.campaign_id = c.campaign_id
    AND la.at >= $1::timestamptz - interval '1 day' AND la.at < $2::timestamptz + interval '1 day'
  LEFT JOIN call_dispositions d ON d.call_id = c.id AND d.set_at >= $1::timestamptz
  WHERE c.campaign_id IS NOT NULL AND c.entered_at >= $1 AND c.entered_at < $2 AND c.direction = 'outbound' AND $3::text <> '' ` + cond + `
)`
}

// OutboundReport computes the outbound report.
func (db *DB) OutboundReport(ctx context.Context, f OutboundFilter) (*OutboundResult, error) {
	if f.Loc == nil {
		f.Loc = time.UTC
	}
	if !slices.Contains(OutboundIntervals, f.Interval) {
		return nil, fmt.Errorf("outbound report: interval %q", f.Interval)
	}
	if !slices.Contains(OutboundGroups, f.Group) {
		return nil, fmt.Errorf("outbound report: group %q", f.Group)
	}
	camps, err := db.ListCampaigns(ctx)
	if err != nil {
		return nil, err
	}
	dir, err := db.ReportDirectory(ctx)
	if err != nil {
		return nil, err
	}
	res := &OutboundResult{CampaignNames: map[string]string{}}
	inScope := map[string]CampaignInfo{}
	var success []string // campaign \x1f code
	seenCode := map[string]bool{}
	for _, c := range camps {
		if f.Projects != nil && !slices.Contains(f.Projects, c.Project) {
			continue
		}
		if f.Campaign != "" && c.ID != f.Campaign {
			continue
		}
		inScope[c.ID] = c
		res.CampaignNames[c.ID] = c.Name
		for _, d := range c.Dispositions {
			if d.Success {
				success = append(success, c.ID+"\x1f"+d.Code)
			}
			if !seenCode[d.Code] {
				seenCode[d.Code] = true
				res.Dispositions = append(res.Dispositions, d)
			}
		}
	}

	ids := make([]string, 0, len(inScope))
	for id := range inScope {
		ids = append(ids, id)
	}
	level, err := db.outboundLevel(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("outbound report: %w", err)
	}
	var cells map[outboundCell]*OutboundFigures
	var order []outboundCell
	if level == "" {
		err = db.readOnly(ctx, func(tx pgx.Tx) error {
			cells, order, err = outboundRaw(ctx, tx, f, ids, success)
			return err
		})
	} else {
		cells, order, err = db.outboundRollup(ctx, f, level == "day", ids, success)
	}
	if err != nil {
		return nil, fmt.Errorf("outbound report: %w", err)
	}
	var unseen []string
	for _, fg := range cells {
		for code := range fg.Dispositions {
			if !seenCode[code] { // a code no campaign in scope has (any more)
				seenCode[code] = true
				unseen = append(unseen, code)
			}
		}
	}
	sort.Strings(unseen)
	for _, code := range unseen {
		res.Dispositions = append(res.Dispositions, callfloor.Disposition{Code: code, Name: code})
	}
	return outboundResult(f, res, inScope, dir, cells, order), nil
}

// readOnly runs fn in a read-only transaction with JIT off: compiling the plan (about a second
// on a loaded machine, EXPLAIN ANALYZE of a month) costs more than it saves at this size.
func (db *DB) readOnly(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := db.Pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read only
	if _, err := tx.Exec(ctx, `SELECT set_config('jit', 'off', true)`); err != nil {
		return err
	}
	return fn(tx)
}

// outboundCell is a report row's key (total: the totals row).
type outboundCell struct {
	total bool
	start time.Time
	key   string
}

// outboundLevel is where the report reads: "day" (the campaign rollups' daily level: whole
// local days of its zone), "15m" (their 15-minute level: a range on bucket boundaries) or ""
// (the raw rows: asked for, or a range off the buckets).
func (db *DB) outboundLevel(ctx context.Context, f OutboundFilter) (string, error) {
	if f.Source == SourceRaw || !bucketOf(f.From).Equal(f.From) || !bucketOf(f.To).Equal(f.To) {
		return "", nil
	}
	zone, err := db.RollupZone(ctx)
	if err != nil {
		return "", err
	}
	if (ProductionFilter{From: f.From, To: f.To, Loc: f.Loc, Interval: f.Interval}).dailyFits(zone) {
		return "day", nil
	}
	return "15m", nil
}

// scanCells reads query's rows: total, start, key, then the columns scan gives for the cell's
// figures (new when the cell is new, then appended to order).
func scanCells(ctx context.Context, tx pgx.Tx, cells map[outboundCell]*OutboundFigures, order *[]outboundCell, sql string, args []any,
	scan func(fg *OutboundFigures) []any) error {
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k outboundCell
		var st *time.Time
		var key *string
		var fg OutboundFigures
		dest := append([]any{&k.total, &st, &key}, scan(&fg)...)
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if st != nil {
			k.start = *st
		}
		if key != nil {
			k.key = *key
		}
		have := cells[k]
		if have == nil {
			fg.Dispositions = map[string]int64{}
			cells[k] = &fg
			*order = append(*order, k)
			continue
		}
		have.add(fg)
	}
	return rows.Err()
}

// add adds x's additive figures and dispositions (a cell read by several queries).
func (fg *OutboundFigures) add(x OutboundFigures) {
	fg.Dials += x.Dials
	fg.Answered += x.Answered
	fg.Connected += x.Connected
	fg.Dropped += x.Dropped
	fg.DialledNumbers += x.DialledNumbers
	fg.ConnectedNumbers += x.ConnectedNumbers
	fg.Busy += x.Busy
	fg.NoAnswer += x.NoAnswer
	fg.Unallocated += x.Unallocated
	fg.SwitchedOff += x.SwitchedOff
	fg.Failed += x.Failed
	fg.talkMs += x.talkMs
	fg.Conversions += x.Conversions
	fg.LeadsWorked += x.LeadsWorked
	for k, v := range x.Dispositions {
		fg.Dispositions[k] += v
	}
}

// outboundRaw computes the cells from the raw call rows.
func outboundRaw(ctx context.Context, tx pgx.Tx, f OutboundFilter, ids, success []string) (map[outboundCell]*OutboundFigures, []outboundCell, error) {
	args := []any{f.From, f.To, f.Loc.String()}
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	var cond strings.Builder
	fmt.Fprintf(&cond, "AND c.campaign_id = ANY(%s) ", arg(ids))
	if f.Team != "" {
		fmt.Fprintf(&cond, "AND ag.team_id = %s ", arg(f.Team))
	}
	if f.Agent != "" {
		fmt.Fprintf(&cond, "AND c.agent_id = %s ", arg(f.Agent))
	}
	var start string
	switch f.Interval {
	case Interval60m:
		start = `date_bin('1 hour', c.entered_at, $1::timestamptz)`
	case IntervalDay, IntervalWeek, IntervalMonth:
		start = `(date_trunc('` + f.Interval + `', c.entered_at AT TIME ZONE $3) AT TIME ZONE $3)`
	default:
		start = `$1::timestamptz`
	}
	key := map[string]string{GroupNone: "''", GroupCampaign: "c.campaign_id", GroupTeam: "coalesce(ag.team_id, '')",
		GroupAgent: "coalesce(c.agent_id, '')"}[f.Group]
	dispArgs := args // the dispositions' query has no use for the success codes (the last argument)
	succ := arg(success)
	base := outboundBaseSQL(start, key, cond.String())
	figSQL := base + `
SELECT GROUPING(start) = 1 AS total, start, key, count(*),
  count(*) FILTER (WHERE answered), count(*) FILTER (WHERE answered AND NOT dropped), count(*) FILTER (WHERE dropped),
  count(DISTINCT called_number), count(DISTINCT called_number) FILTER (WHERE answered AND NOT dropped),
  count(*) FILTER (WHERE result = 'busy'), count(*) FILTER (WHERE result = 'no_answer'),
  count(*) FILTER (WHERE result = 'unallocated'), count(*) FILTER (WHERE result = 'switched_off'),
  count(*) FILTER (WHERE result = 'failed'),
  coalesce(sum(talk_ms) FILTER (WHERE answered AND NOT dropped), 0)::bigint,
  count(*) FILTER (WHERE (campaign_id || chr(31) || disposition) = ANY(` + succ + `)),
  count(DISTINCT lead_id)
FROM c GROUP BY GROUPING SETS ((start, key), ()) ORDER BY 1, 2, 3`
	dispSQL := base + `
SELECT GROUPING(start) = 1 AS total, start, key, disposition, count(*)
FROM c WHERE disposition IS NOT NULL GROUP BY GROUPING SETS ((start, key, disposition), (disposition))`
	cells := map[outboundCell]*OutboundFigures{}
	var order []outboundCell
	if err := scanCells(ctx, tx, cells, &order, figSQL, args, func(fg *OutboundFigures) []any {
		return []any{&fg.Dials, &fg.Answered, &fg.Connected, &fg.Dropped, &fg.DialledNumbers,
			&fg.ConnectedNumbers, &fg.Busy, &fg.NoAnswer, &fg.Unallocated, &fg.SwitchedOff, &fg.Failed, &fg.talkMs,
			&fg.Conversions, &fg.LeadsWorked}
	}); err != nil {
		return nil, nil, err
	}
	if err := scanDispositions(ctx, tx, cells, dispSQL, dispArgs, false, nil); err != nil {
		return nil, nil, fmt.Errorf("dispositions: %w", err)
	}
	return cells, order, nil
}

// scanDispositions adds the dispositions query's rows (total, start, key, [campaign,] code, n)
// to the cells they belong to; withCampaign: the rows name their campaign, and its success
// codes (campaign \x1f code) count as conversions.
func scanDispositions(ctx context.Context, tx pgx.Tx, cells map[outboundCell]*OutboundFigures, sql string, args []any, withCampaign bool, success []string) error {
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k outboundCell
		var st *time.Time
		var key *string
		var campaign, code string
		var n int64
		dest := []any{&k.total, &st, &key, &code, &n}
		if withCampaign {
			dest = []any{&k.total, &st, &key, &campaign, &code, &n}
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if st != nil {
			k.start = *st
		}
		if key != nil {
			k.key = *key
		}
		fg := cells[k]
		if fg == nil && !withCampaign {
			continue
		} else if fg == nil { // the rollups' cells, merged afterwards
			fg = &OutboundFigures{Dispositions: map[string]int64{}}
			cells[k] = fg
		}
		fg.Dispositions[code] += n
		if withCampaign && slices.Contains(success, campaign+"\x1f"+code) {
			fg.Conversions += n
		}
	}
	return rows.Err()
}

// outboundRollup computes the cells from the campaign rollups (rollup_campaign.go): the daily
// level or the 15-minute one. Every figure is the raw report's: the counts are sums of the
// calls' parts, the distinct numbers and leads count the (number, lead) rows' distinct values,
// conversions are the campaigns' success codes among the dispositions.
func (db *DB) outboundRollup(ctx context.Context, f OutboundFilter, daily bool, ids, success []string) (map[outboundCell]*OutboundFigures, []outboundCell, error) {
	q := &prodQuery{f: ProductionFilter{From: f.From, To: f.To, Loc: f.Loc, Interval: f.Interval}, daily: daily}
	q.args = []any{f.From, f.To, f.Loc.String()}
	cond := "r.campaign_id = ANY(" + q.arg(ids) + ")"
	if f.Team != "" {
		cond += " AND ag.team_id = " + q.arg(f.Team)
	}
	if f.Agent != "" {
		cond += " AND r.agent_id = " + q.arg(f.Agent)
	}
	suffix, span := "", "r.bucket >= $1 AND r.bucket < $2 AND $3::text <> ''"
	if daily {
		suffix, span = "_day", "r.day >= ($1::timestamptz AT TIME ZONE $3)::date AND r.day < ($2::timestamptz AT TIME ZONE $3)::date"
	}
	key := map[string]string{GroupNone: "''", GroupCampaign: "r.campaign_id", GroupTeam: "coalesce(ag.team_id, '')", GroupAgent: "r.agent_id"}[f.Group]
	from := func(table string) string {
		return `(SELECT ` + q.startExpr() + ` AS start, ` + key + ` AS key, r.* FROM ` + table + suffix + ` r LEFT JOIN agents ag ON ag.id = r.agent_id
  WHERE ` + span + ` AND ` + cond + `) r`
	}
	sums := make([]string, len(campaignPartCols))
	for i, c := range campaignPartCols {
		sums[i] = "coalesce(sum(" + c + "), 0)::bigint"
	}
	figSQL := `SELECT GROUPING(start) = 1, start, key, ` + strings.Join(sums, ", ") + `
FROM ` + from("rollup_campaign") + ` GROUP BY GROUPING SETS ((start, key), ())`
	// distinct values in two hashed levels (each cell's values, then their count) rather than
	// count(DISTINCT), which sorts every group
	distinct := func(col, flag string) string {
		return `SELECT g, start, key, count(*) FILTER (WHERE v IS NOT NULL), count(*) FILTER (WHERE v IS NOT NULL AND f)
FROM (SELECT GROUPING(start) = 1 AS g, start, key, ` + col + ` AS v, ` + flag + ` AS f
  FROM ` + from("rollup_campaign_leads") + ` GROUP BY GROUPING SETS ((start, key, ` + col + `), (` + col + `))) x
GROUP BY 1, 2, 3`
	}
	numSQL := distinct("nullif(called_number, '')", "bool_or(connects > 0)")
	leadSQL := distinct("nullif(lead_id, 0)", "false")
	dispSQL := `SELECT GROUPING(start) = 1, start, key, campaign_id, code, sum(calls)::bigint
FROM ` + from("rollup_campaign_dispositions") + ` GROUP BY GROUPING SETS ((start, key, campaign_id, code), (campaign_id, code))`

	// the four statements run at once, each on a connection of its own
	cells := map[outboundCell]*OutboundFigures{}
	var order []outboundCell
	nums, leads, disps := map[outboundCell]*OutboundFigures{}, map[outboundCell]*OutboundFigures{}, map[outboundCell]*OutboundFigures{}
	var discard []outboundCell
	run := []func(tx pgx.Tx) error{
		func(tx pgx.Tx) error {
			return scanCells(ctx, tx, cells, &order, figSQL, q.args, func(fg *OutboundFigures) []any {
				return []any{&fg.Dials, &fg.Answered, &fg.Connected, &fg.Dropped, &fg.Busy, &fg.NoAnswer, &fg.Unallocated, &fg.SwitchedOff, &fg.Failed, &fg.talkMs}
			})
		},
		func(tx pgx.Tx) error {
			return scanCells(ctx, tx, nums, &discard, numSQL, q.args, func(fg *OutboundFigures) []any { return []any{&fg.DialledNumbers, &fg.ConnectedNumbers} })
		},
		func(tx pgx.Tx) error {
			var d []outboundCell
			var never int64
			return scanCells(ctx, tx, leads, &d, leadSQL, q.args, func(fg *OutboundFigures) []any { return []any{&fg.LeadsWorked, &never} })
		},
		func(tx pgx.Tx) error { return scanDispositions(ctx, tx, disps, dispSQL, q.args, true, success) },
	}
	errs := make([]error, len(run))
	var wg sync.WaitGroup
	for i, fn := range run {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = db.readOnly(ctx, fn) }()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	// every cell with numbers or dispositions has dials: the figures' cells
	for k, fg := range cells {
		if d := disps[k]; d != nil {
			fg.Dispositions, fg.Conversions = d.Dispositions, d.Conversions
		}
		if n := nums[k]; n != nil {
			fg.DialledNumbers, fg.ConnectedNumbers = n.DialledNumbers, n.ConnectedNumbers
		}
		if l := leads[k]; l != nil {
			fg.LeadsWorked = l.LeadsWorked
		}
	}
	return cells, order, nil
}

// outboundResult orders the cells into the report's rows and totals, with the leads left and
// the targets.
func outboundResult(f OutboundFilter, res *OutboundResult, inScope map[string]CampaignInfo, dir *ReportDirectory,
	cells map[outboundCell]*OutboundFigures, order []outboundCell) *OutboundResult {
	left := map[string]int64{}
	var allLeft int64
	for id, c := range inScope {
		for st, n := range c.Leads {
			if st != "done" {
				left[id] += int64(n)
				allLeft += int64(n)
			}
		}
	}
	pf := ProductionFilter{Interval: f.Interval, Loc: f.Loc, To: f.To}
	res.Totals = OutboundFigures{Dispositions: map[string]int64{}}
	for _, k := range order {
		fg := cells[k]
		fg.derive()
		if k.total {
			res.Totals = *fg
			continue
		}
		s := k.start
		if s.Before(f.From) {
			s = f.From
		}
		row := OutboundRow{Start: s, End: pf.intervalEnd(k.start), Key: k.key, Figures: *fg}
		if f.Group == GroupCampaign {
			n := left[k.key]
			row.Figures.LeadsLeft = &n
			if c, ok := inScope[k.key]; ok {
				row.Targets = outboundTargets([]CampaignInfo{c}, dir, localDays(s, row.End, f.Loc), f.Interval)
			}
		}
		res.Rows = append(res.Rows, row)
	}
	sort.SliceStable(res.Rows, func(i, j int) bool {
		a, b := res.Rows[i], res.Rows[j]
		if !a.Start.Equal(b.Start) {
			return a.Start.Before(b.Start)
		}
		return a.Key < b.Key
	})
	if f.Team == "" && f.Agent == "" {
		res.Totals.LeadsLeft = &allLeft
		var cs []CampaignInfo
		for _, id := range sortedKeys(inScope) {
			cs = append(cs, inScope[id])
		}
		res.TotalTargets = outboundTargets(cs, dir, localDays(f.From, f.To, f.Loc), f.Interval)
	}
	for _, id := range sortedKeys(inScope) {
		res.campaigns = append(res.campaigns, inScope[id])
	}
	return res
}

func (fg *OutboundFigures) derive() {
	fg.DropRate = fptr(callfloor.OutboundConnectRate(fg.Dropped, fg.Answered))
	fg.ConnectRate = fptr(callfloor.OutboundConnectRate(fg.Connected, fg.Dials))
	fg.ConnectRateNums = fptr(callfloor.OutboundConnectRate(fg.ConnectedNumbers, fg.DialledNumbers))
	fg.ConversionRate = fptr(callfloor.OutboundConnectRate(fg.Conversions, fg.Connected))
	fg.TalkMinutes = float64(fg.talkMs) / 60000
	if fg.Connected > 0 {
		fg.AvgTalk = fp64(float64(fg.talkMs) / 1000 / float64(fg.Connected))
	}
}

func fp64(v float64) *float64 { return &v }

// TalkMs is the connected calls' talk time in milliseconds.
func (fg *OutboundFigures) TalkMs() int64 { return fg.talkMs }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// localDays counts the local days [from, to) covers (at least 1 for a part of a day).
func localDays(from, to time.Time, loc *time.Location) int {
	a, b := from.In(loc), to.In(loc)
	n := 0
	for d := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, loc); d.Before(b); d = d.AddDate(0, 0, 1) {
		n++
	}
	return max(n, 1)
}

// outboundTargets adds the campaigns' daily targets (and, when every campaign is of one project,
// that project's daily dials and talk minutes: dir's targets) over days. An hourly row has none.
func outboundTargets(cs []CampaignInfo, dir *ReportDirectory, days int, interval string) *OutboundTargets {
	if interval == Interval60m || len(cs) == 0 {
		return nil
	}
	t := &OutboundTargets{}
	var dials, connects int64
	var hasD, hasC bool
	var drop float64
	for _, c := range cs {
		if c.DailyDialTarget > 0 {
			dials += int64(c.DailyDialTarget * days)
			hasD = true
		}
		if c.DailyConnectTarget > 0 {
			connects += int64(c.DailyConnectTarget * days)
			hasC = true
		}
		dt := c.DropTarget
		if dt == 0 {
			dt = 0.03
		}
		drop = max(drop, dt)
	}
	if hasD {
		t.Dials = &dials
	}
	if hasC {
		t.Connects = &connects
	}
	t.DropRate = &drop
	if dir != nil {
		project := cs[0].Project
		for _, c := range cs {
			if c.Project != project {
				project = ""
			}
		}
		if pt := dir.ProjectTargets(project); project != "" && pt != nil {
			if pt.DailyDials != nil && t.Dials == nil {
				v := *pt.DailyDials * int64(days)
				t.Dials = &v
			}
			if pt.DailyTalkMinutes != nil {
				v := *pt.DailyTalkMinutes * int64(days)
				t.TalkMinutes = &v
			}
		}
	}
	return t
}

// OutboundSummary is a period's outbound campaign figures of a scope against the campaigns'
// targets over the period: the outbound line of the bulletins and of a team's daily report.
// Rates are fractions with their denominators alongside (connect rate = connected ÷ dials; drop
// rate = dropped ÷ answered; conversion rate = conversions ÷ connected); nil: no denominator.
type OutboundSummary struct {
	Dials          int64            `json:"dials"`
	Answered       int64            `json:"answered"`
	Connected      int64            `json:"connected"`
	Dropped        int64            `json:"dropped"`
	Conversions    int64            `json:"conversions"`
	TalkMinutes    float64          `json:"talk_minutes"`
	ConnectRate    *float64         `json:"connect_rate"`
	DropRate       *float64         `json:"drop_rate"`
	ConversionRate *float64         `json:"conversion_rate"`
	Targets        *OutboundTargets `json:"targets,omitempty"`
	DropOver       bool             `json:"drop_over"` // the drop rate is over the campaigns' ceiling
}

// OutboundSummary sums the campaign calls that entered in [from, to) of the projects' campaigns
// (nil: every campaign) and, with team, that team's agents' dials; a team's answered, dropped and
// drop rate are those of the campaigns that name the team (a dropped dial has no agent). Nil when the scope placed no
// campaign dial in the period (a floor or team that runs no campaign has no outbound line).
func (db *DB) OutboundSummary(ctx context.Context, from, to time.Time, loc *time.Location, projects []string, team string) (*OutboundSummary, error) {
	r, err := db.OutboundReport(ctx, OutboundFilter{From: from, To: to, Loc: loc, Interval: IntervalRange, Group: GroupNone, Projects: projects, Team: team})
	if err != nil {
		return nil, err
	}
	t := r.Totals
	if t.Dials == 0 {
		return nil, nil
	}
	s := &OutboundSummary{Dials: t.Dials, Answered: t.Answered, Connected: t.Connected, Dropped: t.Dropped, Conversions: t.Conversions,
		TalkMinutes: t.TalkMinutes, ConnectRate: t.ConnectRate, DropRate: t.DropRate, ConversionRate: t.ConversionRate, Targets: r.TotalTargets}
	if team != "" {
		// a dropped dial has no agent and so no team: a team's drop rate is its campaigns' (those
		// that name the team), answered and dropped counted over them
		byCamp, err := db.OutboundReport(ctx, OutboundFilter{From: from, To: to, Loc: loc, Interval: IntervalRange, Group: GroupCampaign, Projects: projects})
		if err != nil {
			return nil, err
		}
		s.Answered, s.Dropped = 0, 0
		for _, row := range byCamp.Rows {
			for _, c := range byCamp.campaigns {
				if c.ID == row.Key && slices.Contains(c.Teams, team) {
					s.Answered += row.Figures.Answered
					s.Dropped += row.Figures.Dropped
				}
			}
		}
		s.DropRate = fptr(callfloor.OutboundConnectRate(s.Dropped, s.Answered))
	}
	if team != "" && s.Targets == nil { // a team's share: the campaigns' dial targets are the campaigns', their drop ceiling holds
		if all := outboundTargets(r.campaigns, nil, localDays(from, to, loc), IntervalRange); all != nil {
			s.Targets = &OutboundTargets{DropRate: all.DropRate}
		}
	}
	if s.Targets != nil && s.Targets.DropRate != nil && s.DropRate != nil && *s.DropRate > *s.Targets.DropRate {
		s.DropOver = true
	}
	return s, nil
}
