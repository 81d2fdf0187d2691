package storage

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/callfloor/callfloor"
)

// Roster staffing rules per team (issue 12): the fewest agents on shift on a weekday and on a
// weekend day or public holiday (周六周日不得缺岗). A make-up workday (调休) counts as a weekday.
// The roster grid flags the days under their minimum; publishing is not blocked.

// RosterRules is a team's minimum heads per day (0: no minimum).
type RosterRules struct {
	Team            string `json:"team"`
	MinHeads        int    `json:"min_heads"`
	WeekendMinHeads int    `json:"weekend_min_heads"`
}

// RosterShortDay is a day of the working copy under its minimum.
type RosterShortDay struct {
	Day      string `json:"day"`
	Heads    int    `json:"heads"`
	Required int    `json:"required"`
}

// RequiredOn is the minimum heads on a day of the given weekday (0 Sunday) and calendar kind.
func (r RosterRules) RequiredOn(weekday int, kind string) int {
	rest := weekday == 0 || weekday == 6
	switch kind {
	case callfloor.DayHoliday:
		rest = true
	case callfloor.DayWorkday:
		rest = false
	}
	if rest {
		return r.WeekendMinHeads
	}
	return r.MinHeads
}

// GetRosterRules reads a team's rules (zeros when never set; ENOTFOUND for no such team).
func (db *DB) GetRosterRules(ctx context.Context, team string) (RosterRules, error) {
	r := RosterRules{Team: team}
	err := db.Pool.QueryRow(ctx, `SELECT t.id, coalesce(r.min_heads, 0), coalesce(r.weekend_min_heads, 0)
		FROM teams t LEFT JOIN roster_rules r ON r.team_id = t.id WHERE t.id = $1`, team).Scan(&r.Team, &r.MinHeads, &r.WeekendMinHeads)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, callfloor.NotFound("team", team, "no team %q", team)
	}
	if err != nil {
		return r, fmt.Errorf("roster rules %s: %w", team, err)
	}
	return r, nil
}

// PutRosterRules sets a team's rules; it returns the rules they replaced.
func (db *DB) PutRosterRules(ctx context.Context, r RosterRules) (RosterRules, error) {
	for _, f := range []struct {
		name string
		v    int
	}{{"min_heads", r.MinHeads}, {"weekend_min_heads", r.WeekendMinHeads}} {
		if f.v < 0 || f.v > 1000 {
			return RosterRules{}, callfloor.Invalid(f.name, callfloor.CodeOutOfRange, callfloor.Params{"min": 0, "max": 1000, "value": f.v}, "must be 0–1000")
		}
	}
	before, err := db.GetRosterRules(ctx, r.Team)
	if err != nil {
		return before, err
	}
	_, err = db.Pool.Exec(ctx, `INSERT INTO roster_rules (team_id, min_heads, weekend_min_heads) VALUES ($1, $2, $3)
		ON CONFLICT (team_id) DO UPDATE SET min_heads = EXCLUDED.min_heads, weekend_min_heads = EXCLUDED.weekend_min_heads, updated_at = now()`,
		r.Team, r.MinHeads, r.WeekendMinHeads)
	if err != nil {
		return before, fmt.Errorf("roster rules %s: %w", r.Team, err)
	}
	return before, nil
}

// applyRosterRules sets each day's required heads and lists the days under it.
func applyRosterRules(v *RosterView, r RosterRules) {
	v.Rules = r
	v.Short = []RosterShortDay{}
	for i := range v.Days {
		d := &v.Days[i]
		d.Required = r.RequiredOn(d.Weekday, d.Kind)
		heads := 0
		for _, n := range d.Heads {
			heads += n
		}
		if heads < d.Required {
			d.Short = true
			v.Short = append(v.Short, RosterShortDay{Day: d.Day, Heads: heads, Required: d.Required})
		}
	}
}
