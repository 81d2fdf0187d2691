package storage

// A team lead's daily production report (日报, migration 00019): the lead sends the day's figures
// of their team to the project managers once, with a note; what was sent is kept as sent, so a
// late-arriving call or a rebuilt rollup does not rewrite what the project manager received. A
// report whose figures miss a target must say why (the note).

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/callfloor/callfloor"
)

// MaxDailyReportNote bounds the note of a daily report (bytes).
const MaxDailyReportNote = 2000

// DailyReport is a daily report as its team lead sent it.
type DailyReport struct {
	Team        string          `json:"team"`
	Day         string          `json:"day"`
	Lead        string          `json:"lead"`
	Report      json.RawMessage `json:"report"`     // the production report of the team's day, as sent
	OffTarget   []string        `json:"off_target"` // the figures that missed their target
	Note        string          `json:"note"`
	SubmittedAt time.Time       `json:"submitted_at"`
}

// SendDailyReport stores lead's report of team for the day holding day (in the centre's
// location). A day not begun cannot be sent; a report with figures off target needs a note; a
// report is sent once (already_exists after).
func (db *DB) SendDailyReport(ctx context.Context, team, lead string, day time.Time, report json.RawMessage, offTarget []string, note string, now time.Time) (DailyReport, error) {
	if team == "" {
		return DailyReport{}, invalidField("team", "required").With(callfloor.CodeRequired, nil)
	}
	if lead == "" {
		return DailyReport{}, invalidField("lead", "required").With(callfloor.CodeRequired, nil)
	}
	if len(note) > MaxDailyReportNote {
		return DailyReport{}, invalidField("note", "at most %d bytes, got %d", MaxDailyReportNote, len(note)).With(callfloor.CodeTooLong, callfloor.Params{"max": MaxDailyReportNote})
	}
	start := PeriodStart(PeriodDay, day)
	if start.After(now) {
		return DailyReport{}, invalidField("day", "%s has not begun", day.Format(time.DateOnly)).With(callfloor.CodeOutOfRange, callfloor.Params{"value": day.Format(time.DateOnly)})
	}
	if len(offTarget) > 0 && note == "" {
		return DailyReport{}, invalidField("note", "%d figures missed their target: say why", len(offTarget)).
			With("off_target_note", callfloor.Params{"value": len(offTarget), "allowed": offTarget})
	}
	if offTarget == nil {
		offTarget = []string{}
	}
	d := DailyReport{Team: team, Day: start.Format(time.DateOnly), Lead: lead, Report: report, OffTarget: offTarget, Note: note}
	err := db.Pool.QueryRow(ctx, `INSERT INTO daily_reports (team_id, day, lead, report, off_target, note)
		VALUES ($1, $2::date, $3, $4, $5, $6) RETURNING submitted_at`, team, d.Day, lead, []byte(report), offTarget, note).Scan(&d.SubmittedAt)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return DailyReport{}, &callfloor.Error{Code: callfloor.CodeAlreadyExists, Params: callfloor.Params{"what": "daily_report", "value": team + "/" + d.Day},
			Message: fmt.Sprintf("the daily report of team %s for %s was already sent by %s", team, d.Day, lead)}
	}
	if err != nil {
		return DailyReport{}, fmt.Errorf("send daily report: %w", err)
	}
	d.SubmittedAt = d.SubmittedAt.In(day.Location())
	return d, nil
}

const dailyCols = `team_id, to_char(day, 'YYYY-MM-DD'), lead, report, off_target, note, submitted_at`

func scanDaily(r pgx.Row, loc *time.Location) (DailyReport, error) {
	var d DailyReport
	var rep []byte
	err := r.Scan(&d.Team, &d.Day, &d.Lead, &rep, &d.OffTarget, &d.Note, &d.SubmittedAt)
	d.Report = rep
	d.SubmittedAt = d.SubmittedAt.In(loc)
	return d, err
}

// GetDailyReport returns the report lead sent for team's day (not_found when none).
func (db *DB) GetDailyReport(ctx context.Context, team, day, lead string, loc *time.Location) (DailyReport, error) {
	d, err := scanDaily(db.Pool.QueryRow(ctx, `SELECT `+dailyCols+` FROM daily_reports WHERE team_id = $1 AND day = $2::date AND lead = $3`, team, day, lead), loc)
	if errors.Is(err, pgx.ErrNoRows) {
		return DailyReport{}, callfloor.NotFound("daily_report", team+"/"+day, "no daily report of team %s for %s by %s", team, day, lead)
	}
	if err != nil {
		return DailyReport{}, fmt.Errorf("daily report: %w", err)
	}
	return d, nil
}

// DailyReportDue is one team lead's report of one day: sent (Sent set, without its figures) or
// still missing.
type DailyReportDue struct {
	Team string       `json:"team"`
	Day  string       `json:"day"`
	Lead string       `json:"lead"`
	Sent *DailyReport `json:"sent"` // nil: not sent
}

// DailyReportInbox lists, for the centre's days of [from, to) (pass them in its location),
// every report sent and, for each day that is over, every enabled team lead's report still
// missing. teams restricts to those teams (nil: every team). Newest day first, then team, lead.
// The reports' figures are left out (GetDailyReport has them).
func (db *DB) DailyReportInbox(ctx context.Context, from, to time.Time, teams []string, now time.Time) ([]DailyReportDue, error) {
	if !from.Before(to) {
		return nil, invalidField("to", "must be after from").With(callfloor.CodeMustBeAfter, callfloor.Params{"other": "from"})
	}
	if from.AddDate(0, 0, 93).Before(to) {
		return nil, invalidField("from", "the inbox covers at most 93 days").With(callfloor.CodeOutOfRange, callfloor.Params{"max": 93, "unit": "days"})
	}
	loc := from.Location()
	all := teams == nil
	if teams == nil {
		teams = []string{}
	}
	fromDay := from.Format(time.DateOnly)
	toDay := PeriodStart(PeriodDay, to.Add(-time.Nanosecond)).AddDate(0, 0, 1).Format(time.DateOnly)
	rows, err := db.Pool.Query(ctx, `SELECT team_id, to_char(day, 'YYYY-MM-DD'), lead, '{}'::jsonb, off_target, note, submitted_at
		FROM daily_reports WHERE day >= $1::date AND day < $2::date AND ($3 OR team_id = ANY($4))`, fromDay, toDay, all, teams)
	if err != nil {
		return nil, fmt.Errorf("daily report inbox: %w", err)
	}
	sent := map[[3]string]*DailyReport{}
	for rows.Next() {
		d, err := scanDaily(rows, loc)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("daily report inbox: %w", err)
		}
		d.Report = nil
		sent[[3]string{d.Day, d.Team, d.Lead}] = &d
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("daily report inbox: %w", err)
	}
	// the team leads expected to send: enabled, with a team, existing before the day ended
	type lead struct {
		team, name string
		since      time.Time
	}
	var leads []lead
	lr, err := db.Pool.Query(ctx, `SELECT team_id, username, created_at FROM users
		WHERE role = 'team_lead' AND NOT disabled AND team_id IS NOT NULL AND ($1 OR team_id = ANY($2))`, all, teams)
	if err != nil {
		return nil, fmt.Errorf("daily report inbox: %w", err)
	}
	for lr.Next() {
		var l lead
		if err := lr.Scan(&l.team, &l.name, &l.since); err != nil {
			lr.Close()
			return nil, fmt.Errorf("daily report inbox: %w", err)
		}
		leads = append(leads, l)
	}
	lr.Close()
	if err := lr.Err(); err != nil {
		return nil, fmt.Errorf("daily report inbox: %w", err)
	}
	var out []DailyReportDue
	seen := map[[3]string]bool{}
	for d := PeriodStart(PeriodDay, to.Add(-time.Nanosecond)); !d.Before(from); d = d.AddDate(0, 0, -1) {
		day := d.Format(time.DateOnly)
		end := d.AddDate(0, 0, 1)
		var due []DailyReportDue
		for _, l := range leads {
			k := [3]string{day, l.team, l.name}
			if s := sent[k]; s != nil {
				due = append(due, DailyReportDue{Team: l.team, Day: day, Lead: l.name, Sent: s})
				seen[k] = true
			} else if !end.After(now) && end.After(l.since) { // the day is over, and they led then
				due = append(due, DailyReportDue{Team: l.team, Day: day, Lead: l.name})
			}
		}
		for k, s := range sent { // sent by someone who is no longer a team lead
			if k[0] == day && !seen[k] {
				due = append(due, DailyReportDue{Team: s.Team, Day: day, Lead: s.Lead, Sent: s})
			}
		}
		sortDue(due)
		out = append(out, due...)
	}
	return out, nil
}

func sortDue(d []DailyReportDue) {
	slices.SortFunc(d, func(a, b DailyReportDue) int { return cmp.Or(cmp.Compare(a.Team, b.Team), cmp.Compare(a.Lead, b.Lead)) })
}

// TeamsOfProjects lists the teams of the given projects.
func (db *DB) TeamsOfProjects(ctx context.Context, projects []string) ([]string, error) {
	out := []string{}
	rows, err := db.Pool.Query(ctx, `SELECT id FROM teams WHERE project_id = ANY($1) ORDER BY id`, projects)
	if err != nil {
		return nil, fmt.Errorf("teams of projects: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("teams of projects: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
