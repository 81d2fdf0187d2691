package storage

// QA reports and calibration sessions (evaluations: migration 00007; calibration: 00009).
//
// Reports aggregate evaluations per group (agent, team, queue of the call, evaluator, or all) and per
// period (day, week from Monday, month) in the centre's time zone (QAReportFilter.Loc). The rates are those of shared/design/metrics.md,
// "QA rates", computed with callfloor.FatalRate and NonFatalRate and shown to two decimals with
// their denominators named. A failed item is a scored (non-bonus) item answered with zero
// points on the evaluation's scorecard version.
//
// A calibration session has invited evaluators score one call blind against one scorecard
// version; once closed, every evaluator's answers are compared with the reference evaluator's.
// Who may see what before the close is the API's business.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	gojson "github.com/goccy/go-json"
	"github.com/jackc/pgx/v5"

	"github.com/callfloor/callfloor"
)

// Report groupings and periods.
const (
	GroupAgent     = "agent"
	GroupTeam      = "team"
	GroupQueue     = "queue"
	GroupEvaluator = "evaluator"
	GroupAll       = "all" // one row per period, key "all"

	PeriodDay   = "day"
	PeriodWeek  = "week"
	PeriodMonth = "month"
)

// LeadDailyQuota is how many evaluations a team lead does per working day (Monday to Friday)
// for their team.
const LeadDailyQuota = 10

// TopFailedItems is how many of the most-failed items a report row lists; TopFailedOverall
// how many the whole report does.
const (
	TopFailedItems   = 5
	TopFailedOverall = 10
)

// QAReportFilter selects the evaluations of a report; From and To are required
// (created_at >= From, < To). Agent, Team and OrAgent scope as in EvaluationFilter.
type QAReportFilter struct {
	Group    string
	Period   string
	From, To time.Time
	Agent    string
	Team     string
	OrAgent  string
	Loc      *time.Location // whose days, weeks and months; nil: UTC
	InTeams  *[]string      // as in EvaluationFilter: a project manager's teams
}

// QARate is a rate shown to two decimals with its denominator named: Percent is nil (n/a)
// without a denominator; Text is e.g. "2.31 % (of 433 evaluations)".
type QARate struct {
	Percent         *float64 `json:"percent"`
	Numerator       int      `json:"numerator"`
	Denominator     int      `json:"denominator"`
	DenominatorName string   `json:"denominator_name"`
	Text            string   `json:"text"`
}

func newRate(num, den int, what string) QARate {
	v, ok := 0.0, den > 0
	if ok {
		v = float64(num) / float64(den)
	}
	return rateOf(v, ok, num, den, what)
}

func rateOf(v float64, ok bool, num, den int, what string) QARate {
	r := QARate{Numerator: num, Denominator: den, DenominatorName: what, Text: callfloor.FormatRate(v, ok, den, what)}
	if ok {
		p := round2(v * 100)
		r.Percent = &p
	}
	return r
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// ItemCount is how often an item failed.
type ItemCount struct {
	ItemID string `json:"item_id"`
	Text   string `json:"text"`
	Count  int    `json:"count"`
}

// QAReportRow is one group in one period.
type QAReportRow struct {
	Key          string      `json:"key"`    // the agent id, team id, queue or evaluator username ("" when unknown)
	Period       string      `json:"period"` // its first day, YYYY-MM-DD
	Evaluations  int         `json:"evaluations"`
	Calls        int         `json:"calls"`     // the distinct calls evaluated: what counts towards the quota
	Quota        *int        `json:"quota"`     // team leads only: 10 per working day; null otherwise
	AvgScore     *float64    `json:"avg_score"` // average score_final, two decimals
	FatalRate    QARate      `json:"fatal_rate"`
	NonFatalRate QARate      `json:"non_fatal_rate"`
	TopFailed    []ItemCount `json:"top_failed_items"`
	Disputed     int         `json:"disputed"`
	DisputeRate  QARate      `json:"dispute_rate"`  // disputed ÷ evaluations
	Decided      int         `json:"decided"`       // disputes decided
	Overturned   int         `json:"overturned"`    // decided overturned or partly
	OverturnRate QARate      `json:"overturn_rate"` // (overturned + partly) ÷ decided
}

// QATrendPoint is one period of the report over every group (for charts).
type QATrendPoint struct {
	Period       string   `json:"period"`
	Evaluations  int      `json:"evaluations"`
	AvgScore     *float64 `json:"avg_score"`
	FatalRate    *float64 `json:"fatal_rate"`     // percent, two decimals
	NonFatalRate *float64 `json:"non_fatal_rate"` // percent, two decimals
}

// QAReport is the answer of QAReport.
type QAReport struct {
	Group  string         `json:"group"`
	Period string         `json:"period"`
	From   time.Time      `json:"from"`
	To     time.Time      `json:"to"`
	Rows   []QAReportRow  `json:"rows"` // by period, then key
	Trend  []QATrendPoint `json:"trend"`
	// TopFailed is the report's most-failed items over every row (TopFailedOverall of them).
	TopFailed []ItemCount `json:"top_failed_items"`
}

// PeriodStart is the first instant of the period holding t, in t's location: local midnight
// (of the Monday for a week, of the 1st for a month), so a day may be 23 or 25 hours long.
func PeriodStart(period string, t time.Time) time.Time {
	loc := t.Location()
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	switch period {
	case PeriodWeek:
		return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
	case PeriodMonth:
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
	}
	return d
}

func periodEnd(period string, start time.Time) time.Time {
	switch period {
	case PeriodWeek:
		return start.AddDate(0, 0, 7)
	case PeriodMonth:
		return start.AddDate(0, 1, 0)
	}
	return start.AddDate(0, 0, 1)
}

// WorkingDays counts the days Monday to Friday (in from's location) that [from, to) touches.
func WorkingDays(from, to time.Time) int {
	n := 0
	for d := PeriodStart(PeriodDay, from); d.Before(to); d = d.AddDate(0, 0, 1) {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n++
		}
	}
	return n
}

// reportAcc sums the evaluations of one report row (or one trend point) as they stream in.
type reportAcc struct {
	counts                        callfloor.QACounts
	sum                           float64 // of score_final
	failed                        map[string]int
	disputed, decided, overturned int
	calls                         map[string]struct{} // the distinct calls (report rows only)
}

func (a *reportAcc) add(res callfloor.Result, score float64, failed []string, disputed bool, decision string) {
	a.counts.Add(res)
	a.sum += score
	if a.failed == nil {
		a.failed = map[string]int{}
	}
	for _, it := range failed {
		a.failed[it]++
	}
	if disputed {
		a.disputed++
	}
	switch decision {
	case DisputeUpheld:
		a.decided++
	case DisputeOverturned, DisputePartly:
		a.decided++
		a.overturned++
	}
}

// failedItems lists the scored items answered with zero points.
func failedItems(card *callfloor.Scorecard, answers []callfloor.Answer) []string {
	by := map[string]callfloor.Answer{}
	for _, a := range answers {
		by[a.ItemID] = a
	}
	var out []string
	for _, s := range card.Sections {
		for _, it := range s.Items {
			a, ok := by[it.ID]
			if !ok || it.Bonus || a.NA {
				continue
			}
			if f, ok := itemFraction(it, a); ok && f == 0 {
				out = append(out, it.ID)
			}
		}
	}
	return out
}

// itemFraction is the share of the item's maximum the answer earns (ok false when the answer
// does not fit the item).
func itemFraction(it callfloor.Item, a callfloor.Answer) (float64, bool) {
	switch it.Kind {
	case callfloor.ItemYesNo:
		if a.Yes == nil {
			return 0, false
		}
		if *a.Yes {
			return 1, true
		}
		return 0, true
	case callfloor.ItemScale:
		if a.Value == nil || it.Max < 1 {
			return 0, false
		}
		return float64(*a.Value) / float64(it.Max), true
	case callfloor.ItemChoice:
		if a.Choice == nil || *a.Choice < 0 || *a.Choice >= len(it.Choices) {
			return 0, false
		}
		best := 0.0
		for _, c := range it.Choices {
			best = max(best, c.Points)
		}
		if best == 0 {
			return 0, false
		}
		return it.Choices[*a.Choice].Points / best, true
	}
	return 0, false
}

type cardCache struct {
	q     evalQuerier // the report's transaction: no second connection while it holds one
	cards map[string]*callfloor.Scorecard
}

func cardKey(id string, version int) string { return id + "\x00" + strconv.Itoa(version) }

// loaded is a card get has loaded (nil: not loaded, or no such card).
func (c *cardCache) loaded(id string, version int) *callfloor.Scorecard {
	return c.cards[cardKey(id, version)]
}

func (c *cardCache) get(ctx context.Context, id string, version int) (*callfloor.Scorecard, error) {
	k := cardKey(id, version)
	if card, ok := c.cards[k]; ok {
		return card, nil
	}
	card, err := evalScorecard(ctx, c.q, id, version)
	if err != nil && callfloor.ErrorCode(err) != callfloor.ENOTFOUND {
		return nil, err
	}
	var p *callfloor.Scorecard
	if err == nil {
		p = &card
	}
	c.cards[k] = p
	return p, nil
}

func itemTexts(card *callfloor.Scorecard, into map[string]string) {
	for _, s := range card.Sections {
		for _, it := range s.Items {
			if _, ok := into[it.ID]; !ok {
				into[it.ID] = it.Text
			}
		}
	}
}

// QAReport aggregates the evaluations f selects per group and period.
func (db *DB) QAReport(ctx context.Context, f QAReportFilter) (QAReport, error) {
	switch f.Group {
	case GroupAgent, GroupTeam, GroupQueue, GroupEvaluator, GroupAll:
	default:
		return QAReport{}, invalidField("group", "must be agent, team, queue, evaluator or all, got %q", f.Group).With(callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []string{GroupAgent, GroupTeam, GroupQueue, GroupEvaluator, GroupAll}, "value": f.Group})
	}
	switch f.Period {
	case PeriodDay, PeriodWeek, PeriodMonth:
	default:
		return QAReport{}, invalidField("period", "must be day, week or month, got %q", f.Period).With(callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []string{PeriodDay, PeriodWeek, PeriodMonth}, "value": f.Period})
	}
	if f.From.IsZero() || f.To.IsZero() {
		return QAReport{}, invalidField("from", "from and to are required").With(callfloor.CodeRequired, nil)
	}
	if !f.From.Before(f.To) {
		return QAReport{}, invalidField("to", "must be after from").With(callfloor.CodeMustBeAfter, callfloor.Params{"other": "from"})
	}
	loc := f.Loc
	if loc == nil {
		loc = time.UTC
	}
	f.From, f.To = f.From.In(loc), f.To.In(loc)
	var w sqlWhere
	w.add("e.created_at >= ?", f.From)
	w.add("e.created_at < ?", f.To)
	w.add("e.superseded_by IS NULL") // a duplicate from before one evaluation per call counts once
	if f.Agent != "" {
		w.add("e.agent_id = ?", f.Agent)
	}
	if f.InTeams != nil {
		w.add("e.team_id = ANY(?)", nonNil(*f.InTeams))
	}
	if f.Team != "" && f.OrAgent != "" {
		w.add("(e.team_id = ? OR e.agent_id = ?)", f.Team, f.OrAgent)
	} else if f.Team != "" {
		w.add("e.team_id = ?", f.Team)
	} else if f.OrAgent != "" {
		w.add("e.agent_id = ?", f.OrAgent)
	}
	// The rates need only the result's counts, which are columns (kept with the result on a
	// rescore) or one field read in SQL.
	// The scorecard versions first (few), so that the rows then stream without another query.
	cards := &cardCache{cards: map[string]*callfloor.Scorecard{}}
	texts := map[string]string{}
	type gk struct{ period, key string }
	groups := map[gk]*reportAcc{}
	periods := map[string]*reportAcc{}
	overall := &reportAcc{}
	// Both reads in one snapshot: an evaluation on a card version the first did not see cannot
	// appear in the second.
	err := pgx.BeginTxFunc(ctx, db.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		cards.q = tx
		vrows, err := tx.Query(ctx, `SELECT DISTINCT e.scorecard_id, e.scorecard_version FROM evaluations e WHERE `+w.clause(), w.args...)
		if err != nil {
			return fmt.Errorf("qa report: %w", err)
		}
		type cardVersion struct {
			id string
			v  int
		}
		versions, err := pgx.CollectRows(vrows, func(r pgx.CollectableRow) (cardVersion, error) {
			var c cardVersion
			return c, r.Scan(&c.id, &c.v)
		})
		if err != nil {
			return fmt.Errorf("qa report: %w", err)
		}
		for _, c := range versions {
			card, err := cards.get(ctx, c.id, c.v)
			if err != nil {
				return err
			}
			if card != nil {
				itemTexts(card, texts)
			}
		}
		rows, err := tx.Query(ctx, `SELECT e.agent_id, e.team_id, e.evaluator, e.queue, e.scorecard_id, e.scorecard_version,
			e.answers, e.fatal, e.non_fatal_errors, coalesce((e.result->>'non_fatal_applicable')::int, 0), e.result->'fatal_items',
			e.score_final::float8, e.created_at, d.id IS NOT NULL, coalesce(d.decision, ''), e.call_id
			FROM evaluations e
			LEFT JOIN disputes d ON d.evaluation_id = e.id
			WHERE `+w.clause(), w.args...)
		if err != nil {
			return fmt.Errorf("qa report: %w", err)
		}
		var (
			agent, team, evaluator, queue, card string
			version                             int
			answersJSON, fatalItems             []byte
			res                                 callfloor.Result
			score                               float64
			at                                  time.Time
			disputed                            bool
			decision, callID                    string
		)
		_, err = pgx.ForEachRow(rows, []any{&agent, &team, &evaluator, &queue, &card, &version, &answersJSON, &res.Fatal,
			&res.NonFatalErrors, &res.NonFatalApplicable, &fatalItems, &score, &at, &disputed, &decision, &callID}, func() error {
			period := PeriodStart(f.Period, at.In(loc)).Format(time.DateOnly)
			key := evaluator
			switch f.Group {
			case GroupAgent:
				key = agent
			case GroupTeam:
				key = team
			case GroupQueue:
				key = queue
			case GroupAll:
				key = GroupAll
			}
			var failed []string
			if sc := cards.loaded(card, version); sc != nil {
				var answers []callfloor.Answer
				if err := gojson.Unmarshal(answersJSON, &answers); err != nil {
					return fmt.Errorf("answers: %w", err)
				}
				failed = failedItems(sc, answers)
			} else if len(fatalItems) > 0 { // the card is gone: its failed fatal items are all we know
				if err := gojson.Unmarshal(fatalItems, &failed); err != nil {
					return fmt.Errorf("fatal items: %w", err)
				}
			}
			g := groups[gk{period, key}]
			if g == nil {
				g = &reportAcc{}
				groups[gk{period, key}] = g
			}
			p := periods[period]
			if p == nil {
				p = &reportAcc{}
				periods[period] = p
			}
			g.add(res, score, failed, disputed, decision)
			if g.calls == nil {
				g.calls = map[string]struct{}{}
			}
			g.calls[callID] = struct{}{}
			p.add(res, score, failed, disputed, decision)
			overall.add(res, score, failed, disputed, decision)
			return nil
		})
		if err != nil {
			return fmt.Errorf("qa report: %w", err)
		}
		return nil
	})
	if err != nil {
		return QAReport{}, err
	}

	quotas, err := db.leadQuotaBasis(ctx, f.Group)
	if err != nil {
		return QAReport{}, err
	}
	var allLeads []string
	for _, ls := range quotas {
		allLeads = append(allLeads, ls...)
	}
	rostered, err := db.leadRosters(ctx, db.Pool, allLeads, f.From, f.To)
	if err != nil {
		return QAReport{}, err
	}
	keys := make([]gk, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].period != keys[j].period {
			return keys[i].period < keys[j].period
		}
		return keys[i].key < keys[j].key
	})
	out := QAReport{Group: f.Group, Period: f.Period, From: f.From, To: f.To, Rows: []QAReportRow{}, Trend: []QATrendPoint{},
		TopFailed: overall.topFailed(texts, TopFailedOverall)}
	for _, k := range keys {
		row := groups[k].row(texts)
		row.Key, row.Period = k.key, k.period
		if leads := quotas[k.key]; len(leads) > 0 {
			start, _ := time.ParseInLocation(time.DateOnly, k.period, loc)
			lo, hi := maxTime(start, f.From), minTime(periodEnd(f.Period, start), f.To)
			q := 0
			for _, l := range leads { // each lead's quota days (roster_quota.go)
				q += LeadDailyQuota * rostered.days(l, lo, hi)
			}
			row.Quota = &q
		}
		out.Rows = append(out.Rows, row)
	}
	ps := make([]string, 0, len(periods))
	for p := range periods {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	for _, p := range ps {
		row := periods[p].row(texts)
		out.Trend = append(out.Trend, QATrendPoint{Period: p, Evaluations: row.Evaluations, AvgScore: row.AvgScore,
			FatalRate: row.FatalRate.Percent, NonFatalRate: row.NonFatalRate.Percent})
	}
	return out, nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// leadQuotaBasis maps a group key to the team leads whose quotas it carries: an evaluator who
// is a team lead carries one; a team carries one per team lead of the team. Agent and queue
// rows have no quota.
func (db *DB) leadQuotaBasis(ctx context.Context, group string) (map[string][]string, error) {
	out := map[string][]string{}
	var q string
	switch group {
	case GroupEvaluator:
		q = `SELECT username, username FROM users WHERE role = 'team_lead'`
	case GroupTeam:
		q = `SELECT team_id, username FROM users WHERE role = 'team_lead' AND team_id IS NOT NULL`
	default:
		return out, nil
	}
	rows, err := db.Pool.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("qa report quotas: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, lead string
		if err := rows.Scan(&k, &lead); err != nil {
			return nil, err
		}
		out[k] = append(out[k], lead)
	}
	return out, rows.Err()
}

// row is the accumulated row: average, the QA rates with their denominators named, dispute
// and overturn rates; the most-failed items come with their texts.
func (acc *reportAcc) row(texts map[string]string) QAReportRow {
	row := QAReportRow{Evaluations: acc.counts.Evaluations, Calls: len(acc.calls), Disputed: acc.disputed, Decided: acc.decided, Overturned: acc.overturned}
	if acc.counts.Evaluations > 0 {
		avg := round2(acc.sum / float64(acc.counts.Evaluations))
		row.AvgScore = &avg
	}
	fr, ok := acc.counts.FatalRate()
	row.FatalRate = rateOf(fr, ok, acc.counts.Fatal, acc.counts.Evaluations, "evaluations")
	nfr, ok := acc.counts.NonFatalRate()
	row.NonFatalRate = rateOf(nfr, ok, acc.counts.NonFatalErrors, acc.counts.NonFatalOpportunities, "non-fatal items")
	row.DisputeRate = newRate(row.Disputed, row.Evaluations, "evaluations")
	row.OverturnRate = newRate(row.Overturned, row.Decided, "decided disputes")
	row.TopFailed = acc.topFailed(texts, TopFailedItems)
	return row
}

// topFailed is the n most-failed items, most failed first, then by id.
func (acc *reportAcc) topFailed(texts map[string]string, n int) []ItemCount {
	out := make([]ItemCount, 0, len(acc.failed))
	for id, k := range acc.failed {
		out = append(out, ItemCount{ItemID: id, Text: texts[id], Count: k})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].ItemID < out[j].ItemID
	})
	return out[:min(len(out), n)]
}

// ScoreSheetRow is one evaluation on a team lead's daily score sheet.
type ScoreSheetRow struct {
	ID             int64     `json:"id"`
	CallID         string    `json:"call_id"`
	AgentID        string    `json:"agent_id"`
	Evaluator      string    `json:"evaluator"`
	ScorecardID    string    `json:"scorecard_id"`
	Version        int       `json:"scorecard_version"`
	ScoreRaw       float64   `json:"score_raw"`
	ScoreFinal     float64   `json:"score_final"`
	Fatal          bool      `json:"fatal"`
	NonFatalErrors int       `json:"non_fatal_errors"`
	Comments       int       `json:"comments"`
	Status         string    `json:"status"`
	CreatedAt      time.Time `json:"created_at"`
}

// ScoreSheet is the day's evaluations of a team (by one evaluator, when Evaluator is set).
type ScoreSheet struct {
	Team        string          `json:"team"`
	Day         string          `json:"day"`
	Evaluator   string          `json:"evaluator,omitempty"`
	Quota       int             `json:"quota"`       // LeadDailyQuota on a working day, else 0
	Evaluations int             `json:"evaluations"` // the distinct calls evaluated: what counts towards the quota
	AvgScore    *float64        `json:"avg_score"`
	Fatal       int             `json:"fatal"`
	Rows        []ScoreSheetRow `json:"rows"`
}

// scoreSheetRows reads the evaluations where says, oldest first, their times in loc.
func (db *DB) scoreSheetRows(ctx context.Context, loc *time.Location, where string, args ...any) ([]ScoreSheetRow, error) {
	rows, err := db.Pool.Query(ctx, `SELECT id, call_id, agent_id, evaluator, scorecard_id, scorecard_version, score_raw::float8,
		score_final::float8, fatal, non_fatal_errors, jsonb_array_length(comments), status, created_at
		FROM evaluations WHERE `+where+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ScoreSheetRow, error) {
		var s ScoreSheetRow
		err := r.Scan(&s.ID, &s.CallID, &s.AgentID, &s.Evaluator, &s.ScorecardID, &s.Version, &s.ScoreRaw, &s.ScoreFinal, &s.Fatal,
			&s.NonFatalErrors, &s.Comments, &s.Status, &s.CreatedAt)
		s.CreatedAt = s.CreatedAt.In(loc)
		return s, err
	})
}

// ScoreSheet returns the evaluations of team on day (the day holding day, in day's location:
// pass it in the centre's time zone), oldest first, by evaluator if set.
func (db *DB) ScoreSheet(ctx context.Context, team string, day time.Time, evaluator string) (ScoreSheet, error) {
	if team == "" {
		return ScoreSheet{}, invalidField("team", "required").With(callfloor.CodeRequired, nil)
	}
	start := PeriodStart(PeriodDay, day)
	end := start.AddDate(0, 0, 1)
	list, err := db.scoreSheetRows(ctx, start.Location(), `team_id = $1 AND created_at >= $2 AND created_at < $3 AND ($4 = '' OR evaluator = $4)
		AND superseded_by IS NULL`, team, start, end, evaluator)
	if err != nil {
		return ScoreSheet{}, fmt.Errorf("score sheet: %w", err)
	}
	calls := map[string]bool{}
	for _, s := range list {
		calls[s.CallID] = true
	}
	out := ScoreSheet{Team: team, Day: start.Format(time.DateOnly), Evaluator: evaluator, Evaluations: len(calls), Rows: list}
	if out.Rows == nil {
		out.Rows = []ScoreSheetRow{}
	}
	if evaluator != "" { // a lead's sheet: their quota days follow their roster (roster_quota.go)
		rostered, err := db.leadRosters(ctx, db.Pool, []string{evaluator}, start, end)
		if err != nil {
			return ScoreSheet{}, fmt.Errorf("score sheet: %w", err)
		}
		out.Quota = LeadDailyQuota * rostered.days(evaluator, start, end)
	} else {
		out.Quota = LeadDailyQuota * WorkingDays(start, end)
	}
	sum := 0.0
	for _, s := range list {
		sum += s.ScoreFinal
		if s.Fatal {
			out.Fatal++
		}
	}
	if len(list) > 0 {
		avg := round2(sum / float64(len(list)))
		out.AvgScore = &avg
	}
	return out, nil
}

// NewCalibration is what CreateCalibration needs.
type NewCalibration struct {
	CallID             string
	ScorecardID        string
	Evaluators         []string // invited; the reference evaluator is added when missing
	ReferenceEvaluator string
	CreatedBy          string
}

// CalibrationScore is one evaluator's blind score of the session's call.
type CalibrationScore struct {
	Evaluator   string             `json:"evaluator"`
	Answers     []callfloor.Answer `json:"answers"`
	Result      callfloor.Result   `json:"result"`
	SubmittedAt time.Time          `json:"submitted_at"`
}

// CalibrationSession is a calibration with the scores submitted so far.
type CalibrationSession struct {
	CalibrationHead
	Scores []CalibrationScore `json:"scores"`
}

// CalibrationHead is what a session is: the call, the scorecard version, who is invited and who
// is the reference, when it was opened and closed.
type CalibrationHead struct {
	ID                 int64      `json:"id"`
	CallID             string     `json:"call_id"`
	ScorecardID        string     `json:"scorecard_id"`
	ScorecardVersion   int        `json:"scorecard_version"`
	ReferenceEvaluator string     `json:"reference_evaluator"`
	Evaluators         []string   `json:"evaluators"`
	CreatedBy          string     `json:"created_by"`
	CreatedAt          time.Time  `json:"created_at"`
	ClosedAt           *time.Time `json:"closed_at"`
}

// Invited reports whether user is one of the session's evaluators.
func (s CalibrationSession) Invited(user string) bool { return slices.Contains(s.Evaluators, user) }

const calibrationCols = `id, call_id, scorecard_id, scorecard_version, reference_evaluator, evaluators, created_by, created_at, closed_at`

func scanCalibration(row pgx.Row) (CalibrationSession, error) {
	var s CalibrationSession
	err := row.Scan(&s.ID, &s.CallID, &s.ScorecardID, &s.ScorecardVersion, &s.ReferenceEvaluator, &s.Evaluators, &s.CreatedBy,
		&s.CreatedAt, &s.ClosedAt)
	return s, err
}

func calibrationNotFound(id int64) error {
	return callfloor.NotFound("calibration", strconv.FormatInt(id, 10), "calibration %d not found", id)
}

// CreateCalibration opens a session on the latest version of the scorecard.
func (db *DB) CreateCalibration(ctx context.Context, nc NewCalibration) (CalibrationSession, error) {
	if nc.CallID == "" {
		return CalibrationSession{}, invalidField("call_id", "required").With(callfloor.CodeRequired, nil)
	}
	if nc.ScorecardID == "" {
		return CalibrationSession{}, invalidField("scorecard_id", "required").With(callfloor.CodeRequired, nil)
	}
	if nc.ReferenceEvaluator == "" {
		return CalibrationSession{}, invalidField("reference_evaluator", "required").With(callfloor.CodeRequired, nil)
	}
	evaluators := []string{}
	for i, e := range nc.Evaluators {
		if strings.TrimSpace(e) == "" {
			return CalibrationSession{}, invalidField(fmt.Sprintf("evaluators[%d]", i), "required").With(callfloor.CodeRequired, nil)
		}
		if slices.Contains(evaluators, e) {
			return CalibrationSession{}, invalidField(fmt.Sprintf("evaluators[%d]", i), "%q named twice", e).With(callfloor.CodeDuplicate, callfloor.Params{"value": e})
		}
		evaluators = append(evaluators, e)
	}
	if !slices.Contains(evaluators, nc.ReferenceEvaluator) {
		evaluators = append(evaluators, nc.ReferenceEvaluator)
	}
	if len(evaluators) < 2 {
		return CalibrationSession{}, invalidField("evaluators", "a calibration needs at least two evaluators").With(callfloor.CodeTooFew, callfloor.Params{"min": 2})
	}
	card, err := evalScorecard(ctx, db.Pool, nc.ScorecardID, 0)
	if err != nil {
		return CalibrationSession{}, err
	}
	s, err := scanCalibration(db.Pool.QueryRow(ctx, `INSERT INTO calibration_sessions (call_id, scorecard_id, scorecard_version,
		reference_evaluator, evaluators, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING `+calibrationCols,
		nc.CallID, card.ID, card.Version, nc.ReferenceEvaluator, evaluators, nc.CreatedBy))
	if err != nil {
		return s, fmt.Errorf("create calibration: %w", err)
	}
	s.Scores = []CalibrationScore{}
	return s, nil
}

// Calibration returns a session with every score submitted (ordered by evaluator); ENOTFOUND if
// none. Hiding scores before the close is the caller's business.
func (db *DB) Calibration(ctx context.Context, id int64) (CalibrationSession, error) {
	s, err := scanCalibration(db.Pool.QueryRow(ctx, `SELECT `+calibrationCols+` FROM calibration_sessions WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return s, calibrationNotFound(id)
	}
	if err != nil {
		return s, err
	}
	rows, err := db.Pool.Query(ctx, `SELECT evaluator, answers, result, submitted_at FROM calibration_scores WHERE session_id = $1
		ORDER BY evaluator`, id)
	if err != nil {
		return s, err
	}
	s.Scores, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (CalibrationScore, error) {
		var c CalibrationScore
		var answers, result []byte
		if err := r.Scan(&c.Evaluator, &answers, &result, &c.SubmittedAt); err != nil {
			return c, err
		}
		if err := json.Unmarshal(answers, &c.Answers); err != nil {
			return c, err
		}
		return c, json.Unmarshal(result, &c.Result)
	})
	if s.Scores == nil {
		s.Scores = []CalibrationScore{}
	}
	return s, err
}

// lockCalibration reads session id for update (ENOTFOUND when there is none).
func lockCalibration(ctx context.Context, tx pgx.Tx, id int64) (CalibrationSession, error) {
	s, err := scanCalibration(tx.QueryRow(ctx, `SELECT `+calibrationCols+` FROM calibration_sessions WHERE id = $1 FOR UPDATE`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return s, calibrationNotFound(id)
	}
	return s, err
}

// SubmitCalibrationScore stores (or replaces, while the session is open) evaluator's answers,
// scored on the session's scorecard version. Not invited: EFORBID; closed: ECONFLICT.
func (db *DB) SubmitCalibrationScore(ctx context.Context, id int64, evaluator string, answers []callfloor.Answer) (CalibrationScore, error) {
	var out CalibrationScore
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		s, err := lockCalibration(ctx, tx, id)
		if err != nil {
			return err
		}
		if !s.Invited(evaluator) {
			return &callfloor.Error{Code: callfloor.CodeNotInvited, Kind: callfloor.EFORBID, Message: fmt.Sprintf("%q is not invited to calibration %d", evaluator, id)}
		}
		if s.ClosedAt != nil {
			return evalConflict("closed", "calibration %d is closed", id)
		}
		card, err := evalScorecard(ctx, tx, s.ScorecardID, s.ScorecardVersion)
		if err != nil {
			return err
		}
		if answers == nil {
			answers = []callfloor.Answer{}
		}
		res, err := callfloor.Evaluate(&card, answers)
		if err != nil {
			return err
		}
		a, _ := json.Marshal(answers)
		r, _ := json.Marshal(res)
		out = CalibrationScore{Evaluator: evaluator, Answers: answers, Result: res}
		return tx.QueryRow(ctx, `INSERT INTO calibration_scores (session_id, evaluator, answers, result) VALUES ($1, $2, $3, $4)
			ON CONFLICT (session_id, evaluator) DO UPDATE SET answers = excluded.answers, result = excluded.result, submitted_at = now()
			RETURNING submitted_at`, id, evaluator, string(a), string(r)).Scan(&out.SubmittedAt)
	})
	return out, err
}

// CloseCalibration closes an open session; the reference evaluator must have scored
// (ECONFLICT otherwise, and for a closed session).
func (db *DB) CloseCalibration(ctx context.Context, id int64) (CalibrationSession, error) {
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		s, err := lockCalibration(ctx, tx, id)
		if err != nil {
			return err
		}
		if s.ClosedAt != nil {
			return evalConflict("closed", "calibration %d is already closed", id)
		}
		var ref bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM calibration_scores WHERE session_id = $1 AND evaluator = $2)`,
			id, s.ReferenceEvaluator).Scan(&ref); err != nil {
			return err
		}
		if !ref {
			return evalConflict("no_reference", "calibration %d: the reference evaluator %q has not scored yet", id, s.ReferenceEvaluator)
		}
		_, err = tx.Exec(ctx, `UPDATE calibration_sessions SET closed_at = now() WHERE id = $1`, id)
		return err
	})
	if err != nil {
		return CalibrationSession{}, err
	}
	return db.Calibration(ctx, id)
}

// CalibrationItem is the agreement on one item: the share of the (non-reference) evaluators
// who gave the reference answer.
type CalibrationItem struct {
	ItemID    string   `json:"item_id"`
	Text      string   `json:"text"`
	Agreeing  int      `json:"agreeing"`
	Compared  int      `json:"compared"`
	Agreement *float64 `json:"agreement"` // percent, two decimals; null without evaluators to compare
	// Deviations is each evaluator's deviation from the reference on this item, in percentage
	// points of the item's maximum (N/A against an answer 100), two decimals; MeanDeviation
	// their mean.
	Deviations    map[string]float64 `json:"deviations"`
	MeanDeviation float64            `json:"mean_deviation"`
}

// CalibrationEvaluator is one evaluator's deviation from the reference.
type CalibrationEvaluator struct {
	Evaluator  string  `json:"evaluator"`
	ScoreFinal float64 `json:"score_final"`
	ScoreDiff  float64 `json:"score_diff"` // score_final − the reference's, two decimals
	// MeanAbsDiff is the mean over the form's items of |the evaluator's share of the item's
	// maximum − the reference's| in percentage points (N/A against an answer counts 100, N/A
	// against N/A 0), two decimals.
	MeanAbsDiff float64 `json:"mean_abs_item_diff"`
	Agreeing    int     `json:"agreeing"` // items answered as the reference did
	Items       int     `json:"items"`
	Agreement   float64 `json:"agreement"` // percent of items, two decimals
}

// CalibrationDeviations compares a session's scores with the reference's.
type CalibrationDeviations struct {
	Reference      string                 `json:"reference_evaluator"`
	ReferenceScore float64                `json:"reference_score"`
	Items          []CalibrationItem      `json:"items"`
	Evaluators     []CalibrationEvaluator `json:"evaluators"` // non-reference evaluators who scored
	MeanAbsScore   *float64               `json:"mean_abs_score_diff"`
}

func sameAnswer(a, b callfloor.Answer) bool {
	eq := func(x, y *int) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.NA == b.NA && (a.Yes == nil) == (b.Yes == nil) && (a.Yes == nil || *a.Yes == *b.Yes) && eq(a.Value, b.Value) && eq(a.Choice, b.Choice)
}

// CalibrationDeviation computes the deviations of s's scores from its reference's, on card
// (the session's scorecard version). ECONFLICT without a reference score.
func CalibrationDeviation(card *callfloor.Scorecard, s CalibrationSession) (CalibrationDeviations, error) {
	var ref *CalibrationScore
	for i := range s.Scores {
		if s.Scores[i].Evaluator == s.ReferenceEvaluator {
			ref = &s.Scores[i]
		}
	}
	if ref == nil {
		return CalibrationDeviations{}, evalConflict("no_reference", "calibration %d has no reference score", s.ID)
	}
	answersOf := func(as []callfloor.Answer) map[string]callfloor.Answer {
		m := map[string]callfloor.Answer{}
		for _, a := range as {
			m[a.ItemID] = a
		}
		return m
	}
	refA := answersOf(ref.Answers)
	out := CalibrationDeviations{Reference: ref.Evaluator, ReferenceScore: round2(ref.Result.ScoreFinal), Items: []CalibrationItem{},
		Evaluators: []CalibrationEvaluator{}}
	var items []callfloor.Item
	for _, sec := range card.Sections {
		items = append(items, sec.Items...)
	}
	agree := make([]int, len(items))
	devs := make([]map[string]float64, len(items))
	for i := range devs {
		devs[i] = map[string]float64{}
	}
	compared := 0
	sumAbs := 0.0
	for _, sc := range s.Scores {
		if sc.Evaluator == ref.Evaluator {
			continue
		}
		compared++
		mine := answersOf(sc.Answers)
		ev := CalibrationEvaluator{Evaluator: sc.Evaluator, ScoreFinal: round2(sc.Result.ScoreFinal),
			ScoreDiff: round2(sc.Result.ScoreFinal - ref.Result.ScoreFinal), Items: len(items)}
		diff := 0.0
		for i, it := range items {
			a, r := mine[it.ID], refA[it.ID]
			d := 0.0
			switch {
			case sameAnswer(a, r):
				agree[i]++
				ev.Agreeing++
			case a.NA || r.NA:
				d = 100
			default:
				fa, _ := itemFraction(it, a)
				fr, _ := itemFraction(it, r)
				d = 100 * math.Abs(fa-fr)
			}
			devs[i][sc.Evaluator] = round2(d)
			diff += d
		}
		if len(items) > 0 {
			ev.MeanAbsDiff = round2(diff / float64(len(items)))
			ev.Agreement = round2(100 * float64(ev.Agreeing) / float64(len(items)))
		}
		sumAbs += math.Abs(sc.Result.ScoreFinal - ref.Result.ScoreFinal)
		out.Evaluators = append(out.Evaluators, ev)
	}
	for i, it := range items {
		ci := CalibrationItem{ItemID: it.ID, Text: it.Text, Agreeing: agree[i], Compared: compared, Deviations: devs[i]}
		if compared > 0 {
			p := round2(100 * float64(agree[i]) / float64(compared))
			ci.Agreement = &p
			sum := 0.0
			for _, d := range devs[i] {
				sum += d
			}
			ci.MeanDeviation = round2(sum / float64(compared))
		}
		out.Items = append(out.Items, ci)
	}
	if compared > 0 {
		m := round2(sumAbs / float64(compared))
		out.MeanAbsScore = &m
	}
	return out, nil
}

// CalibrationDeviationsOf loads the session's scorecard version and computes its deviations.
func (db *DB) CalibrationDeviationsOf(ctx context.Context, s CalibrationSession) (CalibrationDeviations, error) {
	card, err := evalScorecard(ctx, db.Pool, s.ScorecardID, s.ScorecardVersion)
	if err != nil {
		return CalibrationDeviations{}, err
	}
	return CalibrationDeviation(&card, s)
}
