package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/callfloor/callfloor"
)

// The monthly score (issue 12): the rule's versions, the trainers' exam results, conduct and
// bonus entries, the inputs gathered from the records (attendance, AHT against the project's
// target, QA accuracy, the exam) and the drafted sheets (callfloor.Score). The review/approve/
// acknowledge/dispute flow moves score_sheets.status.

// savedScoreRules reads the versions saved, oldest first.
func (db *DB) savedScoreRules(ctx context.Context) (callfloor.ScoreRules, error) {
	rows, err := db.Pool.Query(ctx, `SELECT rule FROM score_rules ORDER BY effective_from`)
	if err != nil {
		return nil, fmt.Errorf("score rules: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (callfloor.ScoreRule, error) {
		var raw []byte
		var s callfloor.ScoreRule
		if err := r.Scan(&raw); err != nil {
			return s, err
		}
		return s, json.Unmarshal(raw, &s)
	})
}

// ScoreRules reads every version of the rule (none saved: the manuals' rule from 2000-01).
func (db *DB) ScoreRules(ctx context.Context) (callfloor.ScoreRules, error) {
	rules, err := db.savedScoreRules(ctx)
	if err != nil || len(rules) > 0 {
		return rules, err
	}
	return callfloor.ScoreRules{callfloor.DefaultScoreRule("2000-01")}, nil
}

// AddScoreRule saves a new version (versions are never edited: a sheet names the version it was
// scored by).
func (db *DB) AddScoreRule(ctx context.Context, r callfloor.ScoreRule, by string) error {
	saved, err := db.savedScoreRules(ctx)
	if err != nil {
		return err
	}
	if err := append(saved, r).Validate(); err != nil {
		return err
	}
	raw, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = db.Pool.Exec(ctx, `INSERT INTO score_rules (version, effective_from, rule, created_by) VALUES ($1, ($2 || '-01')::date, $3, $4)`,
		r.Version, r.EffectiveFrom, raw, by)
	return wrapErr("score rule", err)
}

// PutExamResult records an agent's monthly business exam (the trainer's entry).
func (db *DB) PutExamResult(ctx context.Context, agent, month string, score float64, note, by string) error {
	if _, _, err := monthRange(month); err != nil {
		return err
	}
	if score < 0 || score > 100 || score != score {
		return callfloor.Invalid("score", callfloor.CodeOutOfRange, callfloor.Params{"min": 0, "max": 100, "value": score}, "must be 0–100")
	}
	_, err := db.Pool.Exec(ctx, `INSERT INTO exam_results (agent_id, month, score, note, entered_by) VALUES ($1, ($2 || '-01')::date, $3, $4, $5)
		ON CONFLICT (agent_id, month) DO UPDATE SET score = EXCLUDED.score, note = EXCLUDED.note, entered_by = EXCLUDED.entered_by, entered_at = now()`,
		agent, month, score, note, by)
	return wrapErr("exam result", err)
}

// ScoreEntryRow is a conduct deduction or bonus entered.
type ScoreEntryRow struct {
	ID    int64  `json:"id"`
	Agent string `json:"agent"`
	Month string `json:"month"`
	Kind  string `json:"kind"` // conduct, bonus
	callfloor.ScoreEntry
	At time.Time `json:"at"`
}

// AddScoreEntry records a conduct deduction or a bonus item; the rule in force checks its points.
func (db *DB) AddScoreEntry(ctx context.Context, agent, month, kind string, e callfloor.ScoreEntry) (int64, error) {
	rules, err := db.ScoreRules(ctx)
	if err != nil {
		return 0, err
	}
	in := callfloor.ScoreInputs{Agent: agent, Month: month}
	switch kind {
	case "conduct":
		in.Conduct = []callfloor.ScoreEntry{e}
	case "bonus":
		in.Bonus = []callfloor.ScoreEntry{e}
	default:
		return 0, callfloor.Invalid("kind", callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []string{"conduct", "bonus"}, "value": kind}, "must be conduct or bonus")
	}
	if _, err := callfloor.Score(rules, in); err != nil {
		var ce *callfloor.Error
		if errors.As(err, &ce) && strings.HasPrefix(ce.Field, kind+"[0].") {
			ce.Field = strings.TrimPrefix(ce.Field, kind+"[0].")
		}
		return 0, err
	}
	var id int64
	err = db.Pool.QueryRow(ctx, `INSERT INTO score_entries (agent_id, month, kind, points, reason, evidence, entered_by)
		VALUES ($1, ($2 || '-01')::date, $3, $4, $5, $6, $7) RETURNING id`, agent, month, kind, e.Points, strings.TrimSpace(e.Reason), e.Evidence, e.By).Scan(&id)
	return id, wrapErr("score entry", err)
}

// DeleteScoreEntry withdraws an entry (kept, marked deleted).
func (db *DB) DeleteScoreEntry(ctx context.Context, id int64) error {
	tag, err := db.Pool.Exec(ctx, `UPDATE score_entries SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL`, id)
	if err != nil {
		return wrapErr("score entry", err)
	}
	if tag.RowsAffected() == 0 {
		return callfloor.NotFound("score_entry", fmt.Sprint(id), "no score entry %d", id)
	}
	return nil
}

// ScoreEntries lists an agent's (or, agent "", everyone's) entries of a month.
func (db *DB) ScoreEntries(ctx context.Context, agents []string, month string) ([]ScoreEntryRow, error) {
	rows, err := db.Pool.Query(ctx, `SELECT id, agent_id, to_char(month, 'YYYY-MM'), kind, points, reason, evidence, entered_by, entered_at
		FROM score_entries WHERE deleted_at IS NULL AND month = ($2 || '-01')::date AND ($1::text[] IS NULL OR agent_id = ANY($1)) ORDER BY id`,
		nilIfEmpty(agents), month)
	if err != nil {
		return nil, fmt.Errorf("score entries: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ScoreEntryRow, error) {
		var e ScoreEntryRow
		return e, r.Scan(&e.ID, &e.Agent, &e.Month, &e.Kind, &e.Points, &e.Reason, &e.Evidence, &e.By, &e.At)
	})
}

// CaseTimeFeeder reports, per agent, the cases (tickets, issue 14) of [from, to) that went over
// their time limit, as evidence keys ("ticket:123"): each costs the rule's timeliness_per_case
// in the timeliness bucket (callfloor.ScoreInputs.CasesOverTimeLimit). A feeder answers only for
// the agents asked about.
type CaseTimeFeeder func(ctx context.Context, db *DB, agents []string, from, to time.Time) (map[string][]string, error)

var caseFeeders struct {
	sync.Mutex
	list []CaseTimeFeeder
}

// RegisterCaseTimeFeeder adds a feeder of cases over their time limit (the ticket module
// registers one when it starts); ScoreInputsFor asks every registered feeder.
func RegisterCaseTimeFeeder(f CaseTimeFeeder) {
	caseFeeders.Lock()
	defer caseFeeders.Unlock()
	caseFeeders.list = append(caseFeeders.list, f)
}

// FatalErrorReason is the reason of a conduct deduction suggested for a fatal error (the UI
// shows it in the reader's language).
const FatalErrorReason = "fatal_error"

// suggestFatalDeductions: each QA evaluation of the month (made in it, in loc) that failed a fatal
// item suggests a conduct deduction of the rule's conduct_max, entered as a score entry by
// "callfloor" with the evaluation as its evidence ("eval:<id>"). It is a suggestion: the lead
// may withdraw it (DeleteScoreEntry) and a withdrawn one is not suggested again; an entry the
// lead made with that evidence already counts. A fatal error is thus deducted once, in conduct
// (the accuracy bucket reads the non-fatal rate only).
func (db *DB) suggestFatalDeductions(ctx context.Context, agents []string, month string, rule callfloor.ScoreRule, loc *time.Location) error {
	from, _, err := monthRange(month)
	if err != nil {
		return err
	}
	start, _ := time.ParseInLocation(time.DateOnly, from, loc)
	end := start.AddDate(0, 1, 0)
	_, err = db.Pool.Exec(ctx, `INSERT INTO score_entries (agent_id, month, kind, points, reason, evidence, entered_by)
		SELECT e.agent_id, $4::date, 'conduct', $5, $6, 'eval:' || e.id, 'callfloor'
		FROM evaluations e WHERE e.fatal AND e.agent_id = ANY($1) AND e.created_at >= $2 AND e.created_at < $3
		AND NOT EXISTS (SELECT 1 FROM score_entries s WHERE s.agent_id = e.agent_id AND s.month = $4::date AND s.evidence = 'eval:' || e.id)
		ORDER BY e.id`, agents, start, end, from, rule.ConductMax, FatalErrorReason)
	return wrapErr("fatal error deductions", err)
}

// ScoreInputsFor gathers each agent's month from the records:
//   - attendance: DB.Attendance over the month (corrections applied) → AttendanceFacts;
//   - timeliness: the agent's month AHT (the production report's, from the 15-minute rollups) against the AHT target
//     of the agent's team's project (no target or no handled call: no data);
//   - accuracy: 100 − the agent's QA non-fatal error rate of the month (evaluations made in the
//     month, in loc); no evaluation: no data;
//   - cases over their time limit: the registered CaseTimeFeeders (tickets, issue 14);
//   - exam: exam_results; conduct and bonus: score_entries (not withdrawn), among them the
//     deductions suggested for fatal errors (suggestFatalDeductions, at drafting).
func (db *DB) ScoreInputsFor(ctx context.Context, agents []string, month string, loc *time.Location) (map[string]*callfloor.ScoreInputs, error) {
	from, to, err := monthRange(month)
	if err != nil {
		return nil, err
	}
	out := map[string]*callfloor.ScoreInputs{}
	for _, a := range agents {
		out[a] = &callfloor.ScoreInputs{Agent: a, Month: month}
	}
	if len(agents) == 0 {
		return out, nil
	}
	days, err := db.Attendance(ctx, AttendanceQuery{From: from, To: to, Loc: loc, Agents: agents})
	if err != nil {
		return nil, err
	}
	byAgent := map[string][]callfloor.AttendanceDay{}
	for _, d := range days {
		byAgent[d.Agent] = append(byAgent[d.Agent], d)
	}
	for a, ds := range byAgent {
		if in := out[a]; in != nil {
			in.Attendance = callfloor.AttendanceFacts(ds)
		}
	}
	start, _ := time.ParseInLocation(time.DateOnly, from, loc)
	end := start.AddDate(0, 1, 0)
	// timeliness
	dir, err := db.ReportDirectory(ctx)
	if err != nil {
		return nil, err
	}
	// the production report's AHT by agent (talk + hold + wrap over handled calls), read from
	// the 15-minute rollups of the agents only: the whole floor's report per team was most of a
	// draft's time (BenchmarkScoresMonth)
	// (the daily rollups when they are kept in loc's days: a month is 30 rows per agent and queue)
	zone, err := db.RollupZone(ctx)
	if err != nil {
		return nil, err
	}
	ahtSQL := `SELECT agent_id, sum(handled)::bigint, sum(sum_talk_ms)::bigint, sum(sum_hold_ms)::bigint, sum(sum_wrap_ms)::bigint
		FROM rollup_calls WHERE bucket >= $1 AND bucket < $2 AND agent_id = ANY($3) GROUP BY agent_id`
	ahtArgs := []any{start, end, agents}
	if zone != "" && zone == loc.String() {
		ahtSQL = `SELECT agent_id, sum(handled)::bigint, sum(sum_talk_ms)::bigint, sum(sum_hold_ms)::bigint, sum(sum_wrap_ms)::bigint
		FROM rollup_calls_day WHERE day >= $1::date AND day <= $2::date AND agent_id = ANY($3) GROUP BY agent_id`
		ahtArgs = []any{from, to, agents}
	}
	rows, err := db.Pool.Query(ctx, ahtSQL, ahtArgs...)
	if err != nil {
		return nil, fmt.Errorf("score AHT: %w", err)
	}
	for rows.Next() {
		var a string
		var c callfloor.QueueCounters
		if err := rows.Scan(&a, &c.Handled, &c.SumTalkMs, &c.SumHoldMs, &c.SumWrapMs); err != nil {
			rows.Close()
			return nil, fmt.Errorf("score AHT: %w", err)
		}
		in := out[a]
		aht, ok := c.AHT()
		t := dir.ProjectTargets(dir.TeamProject[dir.AgentTeam[a]])
		if in == nil || !ok || t == nil || t.AHT == nil {
			continue
		}
		limit := *t.AHT
		in.AHTSeconds, in.AHTLimitSeconds = &aht, &limit
		in.AHTEvidence = "aht:" + month
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("score AHT: %w", err)
	}
	// accuracy
	qa, err := db.QAReport(ctx, QAReportFilter{Group: GroupAgent, Period: PeriodMonth, From: start, To: end, Loc: loc})
	if err != nil {
		return nil, err
	}
	for _, r := range qa.Rows {
		if in := out[r.Key]; in != nil && r.NonFatalRate.Percent != nil {
			acc := 100 - *r.NonFatalRate.Percent
			in.AccuracyPercent = &acc
			in.AccuracyEvidence = "qa:" + month
		}
	}
	// cases over their time limit
	caseFeeders.Lock()
	feeders := append([]CaseTimeFeeder(nil), caseFeeders.list...)
	caseFeeders.Unlock()
	for _, f := range feeders {
		cases, err := f(ctx, db, agents, start, end)
		if err != nil {
			return nil, fmt.Errorf("cases over their time limit: %w", err)
		}
		for a, cs := range cases {
			if in := out[a]; in != nil {
				in.CasesOverTimeLimit = append(in.CasesOverTimeLimit, cs...)
			}
		}
	}
	if err := surveyScoreInputs(ctx, db, out, agents, start, end); err != nil { // the survey bonus (surveys.go)
		return nil, err
	}
	// exam
	rows, err = db.Pool.Query(ctx, `SELECT agent_id, score FROM exam_results WHERE month = $1::date AND agent_id = ANY($2)`, from, agents)
	if err != nil {
		return nil, fmt.Errorf("exam results: %w", err)
	}
	for rows.Next() {
		var a string
		var s float32
		if err := rows.Scan(&a, &s); err != nil {
			rows.Close()
			return nil, err
		}
		v := float64(s)
		out[a].ExamScore = &v
		out[a].ExamEvidence = "exam:" + month
	}
	rows.Close()
	// entries
	entries, err := db.ScoreEntries(ctx, agents, month)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		in := out[e.Agent]
		if e.Kind == "conduct" {
			in.Conduct = append(in.Conduct, e.ScoreEntry)
		} else {
			in.Bonus = append(in.Bonus, e.ScoreEntry)
		}
	}
	return out, nil
}

// MonthScore is a stored monthly score sheet with its flow.
type MonthScore struct {
	callfloor.ScoreSheet
	Team       string                `json:"team"`
	Status     string                `json:"status"`
	Inputs     callfloor.ScoreInputs `json:"inputs"`
	DraftedBy  string                `json:"drafted_by,omitempty"`
	ReviewedBy string                `json:"reviewed_by,omitempty"`
	ApprovedBy string                `json:"approved_by,omitempty"`
	Dispute    string                `json:"dispute,omitempty"`
	UpdatedAt  time.Time             `json:"updated_at"`
}

// DraftScores scores the agents' month from the records and stores the sheets as drafts with
// their inputs (a sheet is reproducible from them); a sheet past draft (reviewed, approved…) is
// left alone and reported in skipped.
func (db *DB) DraftScores(ctx context.Context, agents []string, team, month string, loc *time.Location, by string) (drafted []MonthScore, skipped []string, err error) {
	var saved int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM score_rules`).Scan(&saved); err != nil {
		return nil, nil, err
	}
	if saved == 0 { // the sheets name their rule's version: save the default one first
		if err := db.AddScoreRule(ctx, callfloor.DefaultScoreRule("2000-01"), "callfloor"); err != nil {
			return nil, nil, err
		}
	}
	rules, err := db.ScoreRules(ctx)
	if err != nil {
		return nil, nil, err
	}
	rule, err := rules.At(month)
	if err != nil {
		return nil, nil, err
	}
	if len(agents) > 0 {
		if err := db.suggestFatalDeductions(ctx, agents, month, rule, loc); err != nil {
			return nil, nil, err
		}
	}
	ins, err := db.ScoreInputsFor(ctx, agents, month, loc)
	if err != nil {
		return nil, nil, err
	}
	// every sheet in one statement, the history of those drafted in another (round trips were a
	// good part of a team's draft on a loaded machine)
	sheets := make([]*callfloor.ScoreSheet, len(agents))
	var rawIns, rawSheets [][]byte
	var versions, totals []int
	for i, a := range agents {
		in := ins[a]
		sheet, err := callfloor.Score(rules, *in)
		if err != nil {
			return nil, nil, fmt.Errorf("score %s %s: %w", a, month, err)
		}
		sheets[i] = sheet
		rawIn, _ := json.Marshal(in)
		rawSheet, _ := json.Marshal(sheet)
		rawIns, rawSheets = append(rawIns, rawIn), append(rawSheets, rawSheet)
		versions, totals = append(versions, sheet.RuleVersion), append(totals, sheet.Total)
	}
	if len(agents) == 0 {
		return nil, nil, nil
	}
	rows, err := db.Pool.Query(ctx, `WITH up AS (
		INSERT INTO score_sheets (agent_id, month, team_id, rule_version, inputs, sheet, total, status, drafted_by)
		SELECT x.agent, ($2 || '-01')::date, $3, x.version, x.inputs, x.sheet, x.total, 'draft', $8
		FROM unnest($1::text[], $4::int[], $5::jsonb[], $6::jsonb[], $7::int[]) AS x(agent, version, inputs, sheet, total)
		ON CONFLICT (agent_id, month) DO UPDATE SET team_id = EXCLUDED.team_id, rule_version = EXCLUDED.rule_version, inputs = EXCLUDED.inputs,
			sheet = EXCLUDED.sheet, total = EXCLUDED.total, drafted_by = EXCLUDED.drafted_by, updated_at = now()
		WHERE score_sheets.status = 'draft'
		RETURNING agent_id, total),
	h AS (INSERT INTO score_sheet_history (agent_id, month, by_user, action, total) SELECT agent_id, ($2 || '-01')::date, $8, 'drafted', total FROM up)
	SELECT agent_id FROM up`, agents, month, team, versions, rawIns, rawSheets, totals, by)
	if err != nil {
		return nil, nil, wrapErr("draft score", err)
	}
	done, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, nil, wrapErr("draft score", err)
	}
	for i, a := range agents {
		if !slices.Contains(done, a) {
			skipped = append(skipped, a)
			continue
		}
		drafted = append(drafted, MonthScore{ScoreSheet: *sheets[i], Team: team, Status: "draft", Inputs: *ins[a], DraftedBy: by})
	}
	return drafted, skipped, nil
}

// ScoreSheets lists the stored sheets of a month (agents nil: every agent).
func (db *DB) ScoreSheets(ctx context.Context, agents []string, month string) ([]MonthScore, error) {
	rows, err := db.Pool.Query(ctx, `SELECT sheet, inputs, coalesce(team_id, ''), status, coalesce(drafted_by, ''), coalesce(reviewed_by, ''),
		coalesce(approved_by, ''), coalesce(dispute, ''), updated_at FROM score_sheets
		WHERE month = ($2 || '-01')::date AND ($1::text[] IS NULL OR agent_id = ANY($1)) ORDER BY agent_id`, nilIfEmpty(agents), month)
	if err != nil {
		return nil, fmt.Errorf("score sheets: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (MonthScore, error) {
		var s MonthScore
		var sheet, in []byte
		if err := r.Scan(&sheet, &in, &s.Team, &s.Status, &s.DraftedBy, &s.ReviewedBy, &s.ApprovedBy, &s.Dispute, &s.UpdatedAt); err != nil {
			return s, err
		}
		if err := json.Unmarshal(sheet, &s.ScoreSheet); err != nil {
			return s, err
		}
		return s, json.Unmarshal(in, &s.Inputs)
	})
}

// Score sheet flow: draft → reviewed (project manager) → approved (operations manager) →
// acknowledged or disputed (the agent); returned (to draft) by a reviewer or approver; a dispute
// upheld goes back to draft for the lead to redraft, a dispute rejected back to approved.
var scoreMoves = map[string]struct {
	from []string
	to   string
}{
	"review":      {[]string{"draft"}, "reviewed"},
	"approve":     {[]string{"reviewed"}, "approved"},
	"return":      {[]string{"reviewed", "approved"}, "draft"},
	"acknowledge": {[]string{"approved"}, "acknowledged"},
	"dispute":     {[]string{"approved"}, "disputed"},
	"uphold":      {[]string{"disputed"}, "draft"},
	"reject":      {[]string{"disputed"}, "approved"},
}

// MoveScore moves a sheet along the flow (action: review, approve, return, acknowledge, dispute,
// uphold, reject), recording who and the note in its history.
func (db *DB) MoveScore(ctx context.Context, agent, month, action, by, note string) (MonthScore, error) {
	mv, ok := scoreMoves[action]
	if !ok {
		return MonthScore{}, callfloor.Invalid("action", callfloor.CodeInvalidChoice,
			callfloor.Params{"allowed": []string{"review", "approve", "return", "acknowledge", "dispute", "uphold", "reject"}, "value": action}, "unknown action %q", action)
	}
	if action == "dispute" && strings.TrimSpace(note) == "" {
		return MonthScore{}, callfloor.Invalid("note", callfloor.CodeRequired, nil, "a dispute needs its reason")
	}
	if len(note) > 1000 {
		return MonthScore{}, callfloor.Invalid("note", callfloor.CodeTooLong, callfloor.Params{"max": 1000}, "at most 1000 characters")
	}
	if _, _, err := monthRange(month); err != nil {
		return MonthScore{}, err
	}
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		var status string
		var total int
		err := tx.QueryRow(ctx, `SELECT status, total FROM score_sheets WHERE agent_id = $1 AND month = ($2 || '-01')::date FOR UPDATE`, agent, month).Scan(&status, &total)
		if errors.Is(err, pgx.ErrNoRows) {
			return callfloor.NotFound("score_sheet", agent+" "+month, "no score sheet of %s for %s", agent, month)
		}
		if err != nil {
			return err
		}
		allowed := false
		for _, f := range mv.from {
			allowed = allowed || f == status
		}
		if !allowed {
			return callfloor.StateConflict(status, "the sheet of %s for %s is %s: it cannot be %s", agent, month, status, action)
		}
		if _, err := tx.Exec(ctx, `UPDATE score_sheets SET status = $3, updated_at = now(),
			reviewed_by = CASE WHEN $6 = 'review' THEN $4 ELSE reviewed_by END,
			approved_by = CASE WHEN $6 = 'approve' THEN $4 ELSE approved_by END,
			acknowledged_at = CASE WHEN $6 = 'acknowledge' THEN now() ELSE acknowledged_at END,
			dispute = CASE WHEN $6 = 'dispute' THEN $5 ELSE dispute END
			WHERE agent_id = $1 AND month = ($2 || '-01')::date`, agent, month, mv.to, by, note, action); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO score_sheet_history (agent_id, month, by_user, action, note, total) VALUES ($1, ($2 || '-01')::date, $3, $4, $5, $6)`,
			agent, month, by, action, note, total)
		return err
	})
	if err != nil {
		return MonthScore{}, wrapErr("score sheet", err)
	}
	list, err := db.ScoreSheets(ctx, []string{agent}, month)
	if err != nil || len(list) == 0 {
		return MonthScore{}, err
	}
	return list[0], nil
}

// ScoreHistoryEntry is a step of a sheet's flow.
type ScoreHistoryEntry struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Action string    `json:"action"`
	Note   string    `json:"note,omitempty"`
	Total  *int      `json:"total,omitempty"`
}

// ScoreHistory is a sheet's flow, oldest first.
func (db *DB) ScoreHistory(ctx context.Context, agent, month string) ([]ScoreHistoryEntry, error) {
	rows, err := db.Pool.Query(ctx, `SELECT at, by_user, action, note, total FROM score_sheet_history
		WHERE agent_id = $1 AND month = ($2 || '-01')::date ORDER BY at, action`, agent, month)
	if err != nil {
		return nil, fmt.Errorf("score history: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ScoreHistoryEntry, error) {
		var h ScoreHistoryEntry
		return h, r.Scan(&h.At, &h.By, &h.Action, &h.Note, &h.Total)
	})
}

// FinalScores are the approved or acknowledged sheets of the months from..to (YYYY-MM), for
// totals, rankings and training flags.
func (db *DB) FinalScores(ctx context.Context, from, to string) ([]callfloor.ScoreSheet, error) {
	rows, err := db.Pool.Query(ctx, `SELECT sheet FROM score_sheets WHERE status IN ('approved', 'acknowledged')
		AND month BETWEEN ($1 || '-01')::date AND ($2 || '-01')::date ORDER BY month, agent_id`, from, to)
	if err != nil {
		return nil, fmt.Errorf("final scores: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (callfloor.ScoreSheet, error) {
		var raw []byte
		var s callfloor.ScoreSheet
		if err := r.Scan(&raw); err != nil {
			return s, err
		}
		return s, json.Unmarshal(raw, &s)
	})
}

// ScoreEntryAgent is the agent an entry is about.
func (db *DB) ScoreEntryAgent(ctx context.Context, id int64) (string, error) {
	var a string
	err := db.Pool.QueryRow(ctx, `SELECT agent_id FROM score_entries WHERE id = $1 AND deleted_at IS NULL`, id).Scan(&a)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", callfloor.NotFound("score_entry", fmt.Sprint(id), "no score entry %d", id)
	}
	return a, err
}
