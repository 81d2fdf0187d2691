package storage

// Sending a team lead's daily score sheet to the project managers (migration 00011): the lead
// sends the day's sheet once; what was sent is kept as sent (counts, average, the evaluations'
// ids), so later disputes do not rewrite what the project manager received. A sheet short of its
// quota must say why (the note).

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/callfloor/callfloor"
)

// SentScoreSheet is a score sheet as its team lead sent it.
type SentScoreSheet struct {
	Team          string    `json:"team"`
	Day           string    `json:"day"`
	Lead          string    `json:"lead"`
	Evaluations   int       `json:"evaluations"`
	Quota         int       `json:"quota"`
	AvgScore      *float64  `json:"avg_score"`
	Fatal         int       `json:"fatal"`
	EvaluationIDs []int64   `json:"evaluation_ids"`
	Note          string    `json:"note"`
	SubmittedAt   time.Time `json:"submitted_at"`
}

// SendScoreSheet sends lead's score sheet of team for the day holding day (in day's location,
// the centre's), as ScoreSheet computes it now. A day not begun, or over before the lead's
// account existed, cannot be sent; a sheet short of its quota needs a note; a sheet is sent once
// (ECONFLICT after).
func (db *DB) SendScoreSheet(ctx context.Context, team, lead string, day time.Time, note string, now time.Time) (SentScoreSheet, error) {
	if lead == "" {
		return SentScoreSheet{}, invalidField("lead", "required").With(callfloor.CodeRequired, nil)
	}
	if len(note) > 2000 {
		return SentScoreSheet{}, invalidField("note", "at most 2000 bytes, got %d", len(note)).With(callfloor.CodeTooLong, callfloor.Params{"max": 2000})
	}
	if PeriodStart(PeriodDay, day).After(now) {
		return SentScoreSheet{}, invalidField("day", "%s has not begun", day.Format(time.DateOnly)).With(callfloor.CodeOutOfRange, callfloor.Params{"value": day.Format(time.DateOnly)})
	}
	var since time.Time // the lead exists from then: a day over before it has no sheet of theirs
	err := db.Pool.QueryRow(ctx, `SELECT created_at FROM users WHERE username = $1`, lead).Scan(&since)
	if errors.Is(err, pgx.ErrNoRows) {
		return SentScoreSheet{}, invalidField("lead", "no user %q", lead).With(callfloor.CodeUnknownRef, callfloor.Params{"what": "user", "value": lead})
	} else if err != nil {
		return SentScoreSheet{}, fmt.Errorf("send score sheet: %w", err)
	}
	if end := PeriodStart(PeriodDay, day).AddDate(0, 0, 1); !end.After(since) {
		return SentScoreSheet{}, invalidField("day", "%s was over before %s became a team lead (%s)", day.Format(time.DateOnly), lead,
			since.In(day.Location()).Format(time.DateOnly)).With(callfloor.CodeOutOfRange, callfloor.Params{"value": day.Format(time.DateOnly), "min": since.In(day.Location()).Format(time.DateOnly)})
	}
	sheet, err := db.ScoreSheet(ctx, team, day, lead)
	if err != nil {
		return SentScoreSheet{}, err
	}
	if sheet.Evaluations < sheet.Quota && note == "" {
		return SentScoreSheet{}, invalidField("note", "the sheet has %d evaluations of a quota of %d: say why it is short", sheet.Evaluations, sheet.Quota).With("short_sheet_note", callfloor.Params{"value": sheet.Evaluations, "min": sheet.Quota})
	}
	s := SentScoreSheet{Team: team, Day: sheet.Day, Lead: lead, Evaluations: sheet.Evaluations, Quota: sheet.Quota,
		AvgScore: sheet.AvgScore, Fatal: sheet.Fatal, Note: note, EvaluationIDs: make([]int64, 0, len(sheet.Rows))}
	for _, r := range sheet.Rows {
		s.EvaluationIDs = append(s.EvaluationIDs, r.ID)
	}
	err = db.Pool.QueryRow(ctx, `INSERT INTO score_sheet_submissions (team_id, day, lead, evaluations, quota, avg_score, fatal,
		evaluation_ids, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING submitted_at`,
		team, sheet.Day, lead, s.Evaluations, s.Quota, s.AvgScore, s.Fatal, s.EvaluationIDs, note).Scan(&s.SubmittedAt)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return SentScoreSheet{}, &callfloor.Error{Code: callfloor.CodeAlreadyExists, Params: callfloor.Params{"what": "score_sheet"},
			Message: fmt.Sprintf("the score sheet of team %s for %s was already sent by %s", team, sheet.Day, lead)}
	}
	if err != nil {
		return SentScoreSheet{}, fmt.Errorf("send score sheet: %w", err)
	}
	return s, nil
}

const sentCols = `team_id, to_char(day, 'YYYY-MM-DD'), lead, evaluations, quota, avg_score::float8, fatal,
	evaluation_ids, note, submitted_at`

// scanSent reads a sentCols row, its time in loc.
func scanSent(r pgx.Row, loc *time.Location) (SentScoreSheet, error) {
	var s SentScoreSheet
	err := r.Scan(&s.Team, &s.Day, &s.Lead, &s.Evaluations, &s.Quota, &s.AvgScore, &s.Fatal, &s.EvaluationIDs, &s.Note, &s.SubmittedAt)
	s.SubmittedAt = s.SubmittedAt.In(loc)
	return s, err
}

// ScoreSheetDue is one team lead's sheet of one day: sent (Sent set) or still missing.
type ScoreSheetDue struct {
	Team string          `json:"team"`
	Day  string          `json:"day"`
	Lead string          `json:"lead"`
	Sent *SentScoreSheet `json:"sent"` // nil: not sent
}

// ScoreSheetInbox lists, for the days of [from, to) (the centre's days: pass them in its
// location), every sheet sent and, for each working day that is over, every enabled team lead's
// sheet still missing (a lead's quota days follow their published roster: roster_quota.go).
// team filters when set. Newest day first, then team and lead.
func (db *DB) ScoreSheetInbox(ctx context.Context, from, to time.Time, team string, now time.Time) ([]ScoreSheetDue, error) {
	if !from.Before(to) {
		return nil, invalidField("to", "must be after from").With(callfloor.CodeMustBeAfter, callfloor.Params{"other": "from"})
	}
	if from.AddDate(0, 0, 93).Before(to) { // calendar days: a DST day is 23 or 25 h
		return nil, invalidField("from", "the inbox covers at most 93 days").With(callfloor.CodeOutOfRange, callfloor.Params{"max": 93, "unit": "days"})
	}
	loc := from.Location()
	rows, err := db.Pool.Query(ctx, `SELECT `+sentCols+` FROM score_sheet_submissions
		WHERE day >= $1::date AND day < $2::date AND ($3 = '' OR team_id = $3)`,
		from.Format(time.DateOnly), PeriodStart(PeriodDay, to.Add(-time.Nanosecond)).AddDate(0, 0, 1).Format(time.DateOnly), team)
	if err != nil {
		return nil, fmt.Errorf("score sheet inbox: %w", err)
	}
	sent, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (SentScoreSheet, error) { return scanSent(r, loc) })
	if err != nil {
		return nil, fmt.Errorf("score sheet inbox: %w", err)
	}
	key := func(team, day, lead string) string { return team + "\x00" + day + "\x00" + lead }
	out := make([]ScoreSheetDue, 0, len(sent))
	seen := map[string]bool{}
	for i := range sent {
		s := &sent[i]
		seen[key(s.Team, s.Day, s.Lead)] = true
		out = append(out, ScoreSheetDue{Team: s.Team, Day: s.Day, Lead: s.Lead, Sent: s})
	}
	rows, err = db.Pool.Query(ctx, `SELECT username, team_id, created_at FROM users WHERE NOT disabled AND role = 'team_lead'
		AND team_id IS NOT NULL AND ($1 = '' OR team_id = $1)`, team)
	if err != nil {
		return nil, fmt.Errorf("score sheet inbox: %w", err)
	}
	type lead struct {
		name, team string
		since      time.Time // no sheet is due before the lead's first whole day
	}
	leads, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (lead, error) {
		var l lead
		return l, r.Scan(&l.name, &l.team, &l.since)
	})
	if err != nil {
		return nil, fmt.Errorf("score sheet inbox: %w", err)
	}
	names := make([]string, len(leads))
	for i, l := range leads {
		names[i] = l.name
	}
	rostered, err := db.leadRosters(ctx, db.Pool, names, from, to)
	if err != nil {
		return nil, fmt.Errorf("score sheet inbox: %w", err)
	}
	for d := PeriodStart(PeriodDay, from); d.Before(to); d = d.AddDate(0, 0, 1) {
		if d.AddDate(0, 0, 1).After(now) {
			continue // only days that are over are due
		}
		day := d.Format(time.DateOnly)
		for _, l := range leads {
			if d.Before(l.since) || !rostered.owes(l.name, d) {
				continue // not a team lead yet that day, or not a quota day of theirs (roster_quota.go)
			}
			if !seen[key(l.team, day, l.name)] {
				out = append(out, ScoreSheetDue{Team: l.team, Day: day, Lead: l.name})
			}
		}
	}
	slices.SortFunc(out, func(a, b ScoreSheetDue) int {
		return cmp.Or(cmp.Compare(b.Day, a.Day), cmp.Compare(a.Team, b.Team), cmp.Compare(a.Lead, b.Lead))
	})
	return out, nil
}

// SentSheet is a sent score sheet with its evaluations as they are now (a dispute decided since
// may have rescored one; the sheet's own figures are as sent).
type SentSheet struct {
	SentScoreSheet
	Rows []ScoreSheetRow `json:"rows"`
}

// SentScoreSheet returns what lead sent for team on day (YYYY-MM-DD), times in loc; ENOTFOUND
// when nothing was sent.
func (db *DB) SentScoreSheet(ctx context.Context, team, day, lead string, loc *time.Location) (SentSheet, error) {
	var s SentSheet
	var err error
	s.SentScoreSheet, err = scanSent(db.Pool.QueryRow(ctx, `SELECT `+sentCols+` FROM score_sheet_submissions
		WHERE team_id = $1 AND day = $2::date AND lead = $3`, team, day, lead), loc)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, callfloor.NotFound("score_sheet", "", "%s sent no score sheet of team %s for %s", lead, team, day)
	}
	if err != nil {
		return s, fmt.Errorf("sent score sheet: %w", err)
	}
	if s.Rows, err = db.scoreSheetRows(ctx, loc, `id = ANY($1)`, s.EvaluationIDs); err != nil {
		return s, fmt.Errorf("sent score sheet: %w", err)
	}
	if s.Rows == nil {
		s.Rows = []ScoreSheetRow{}
	}
	return s, nil
}
