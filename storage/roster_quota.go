package storage

import (
	"context"
	"fmt"
	"time"
)

// A team lead's QA quota days follow their roster (issue 12). Decision: a team lead is rostered
// by their user's agent id (users.agent_id — the lead's row on their team's roster grid, as a lead
// who also takes calls has); leads are not rostered by username. In a month where that agent id
// has a published roster day, the lead's quota days are the days the published roster gives them
// a shift; a lead without an agent id, or without a published day that month, owes the quota
// Monday to Friday as before (WorkingDays).

// leadRoster is the leads' published days over whole months.
type leadRoster struct {
	on     map[string]map[string]bool // lead → day → on a shift
	months map[string]map[string]bool // lead → "YYYY-MM" with a published day
}

// leadRosters reads the published roster of the leads (usernames) for the months [from, to) touches.
func (db *DB) leadRosters(ctx context.Context, q rowQuerier, leads []string, from, to time.Time) (*leadRoster, error) {
	lr := &leadRoster{on: map[string]map[string]bool{}, months: map[string]map[string]bool{}}
	if len(leads) == 0 || !from.Before(to) {
		return lr, nil
	}
	lo := PeriodStart(PeriodMonth, from)
	hi := PeriodStart(PeriodMonth, to.Add(-time.Nanosecond)).AddDate(0, 1, -1)
	rows, err := q.Query(ctx, `SELECT u.username, r.day::text, r.published_code IS NOT NULL FROM users u
		JOIN roster_days r ON r.agent_id = u.agent_id
		WHERE u.username = ANY($1) AND r.published AND r.day BETWEEN $2::date AND $3::date`,
		leads, lo.Format(time.DateOnly), hi.Format(time.DateOnly))
	if err != nil {
		return nil, fmt.Errorf("lead rosters: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var lead, day string
		var on bool
		if err := rows.Scan(&lead, &day, &on); err != nil {
			return nil, fmt.Errorf("lead rosters: %w", err)
		}
		if lr.months[lead] == nil {
			lr.months[lead], lr.on[lead] = map[string]bool{}, map[string]bool{}
		}
		lr.months[lead][day[:7]] = true
		lr.on[lead][day] = on
	}
	return lr, rows.Err()
}

// owes tells whether lead owes a score sheet on day d (a local midnight).
func (lr *leadRoster) owes(lead string, d time.Time) bool {
	day := d.Format(time.DateOnly)
	if lr.months[lead][day[:7]] {
		return lr.on[lead][day]
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// days counts the days of [from, to) (in from's location) lead owes a sheet.
func (lr *leadRoster) days(lead string, from, to time.Time) int {
	n := 0
	for d := PeriodStart(PeriodDay, from); d.Before(to); d = d.AddDate(0, 0, 1) {
		if lr.owes(lead, d) {
			n++
		}
	}
	return n
}
