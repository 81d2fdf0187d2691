package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/callfloor/callfloor"
)

// Monthly rosters per team (issue 12). roster_days holds the working copy the duty lead edits
// (shift_code) and what was published (published_code); agents, attendance and rostered heads read
// only the published code.

// Roster statuses.
const (
	RosterDraft     = "draft"     // never published, or changed since
	RosterPublished = "published" // the working copy is what agents see
)

// RosterCell is one agent's day in a change: Shift "" is a day off.
type RosterCell struct {
	Agent string `json:"agent"`
	Day   string `json:"day"`
	Shift string `json:"shift"`
}

// RosterCellView is a cell as the grid shows it.
type RosterCellView struct {
	Shift     string `json:"shift"`               // working copy ("" off)
	Published string `json:"published,omitempty"` // what agents see ("" off or never published)
	Changed   bool   `json:"changed,omitempty"`   // differs from what was published
	Leave     string `json:"leave,omitempty"`     // approved leave that day
}

// RosterDay is a column of the grid.
type RosterDay struct {
	Day     string         `json:"day"`
	Weekday int            `json:"weekday"` // 0 Sunday … 6 Saturday
	Kind    string         `json:"kind,omitempty"`
	Name    string         `json:"name,omitempty"`
	Heads   map[string]int `json:"heads"` // shift code → agents on it (working copy)
	// Required is the team's minimum heads that day (roster_rules); Short: fewer are on shift.
	Required int  `json:"required"`
	Short    bool `json:"short,omitempty"`
}

// RosterAgent is a row of the grid.
type RosterAgent struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// RosterView is a team's month.
type RosterView struct {
	Team        string                               `json:"team"`
	Month       string                               `json:"month"`
	Status      string                               `json:"status"`
	Version     int                                  `json:"version"`
	PublishedAt *time.Time                           `json:"published_at,omitempty"`
	PublishedBy string                               `json:"published_by,omitempty"`
	Agents      []RosterAgent                        `json:"agents"`
	Days        []RosterDay                          `json:"days"`
	Cells       map[string]map[string]RosterCellView `json:"cells"` // agent → day → cell
	Changed     int                                  `json:"changed"`
	Rules       RosterRules                          `json:"rules"`
	Short       []RosterShortDay                     `json:"short"` // days under their minimum heads (warnings)
}

func monthRange(month string) (string, string, error) {
	if err := callfloor.CheckMonth("month", month); err != nil {
		return "", "", err
	}
	days := callfloor.MonthDays(month)
	return days[0], days[len(days)-1], nil
}

func (db *DB) teamAgents(ctx context.Context, q rowQuerier, team string) ([]RosterAgent, error) {
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM teams WHERE id = $1`, team).Scan(&n); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, callfloor.NotFound("team", team, "no team %q", team)
	}
	rows, err := q.Query(ctx, `SELECT id, name FROM agents WHERE team_id = $1 ORDER BY id`, team)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (RosterAgent, error) {
		var a RosterAgent
		return a, r.Scan(&a.ID, &a.Name)
	})
}

type rowQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Roster reads a team's month: its agents (today's members, and anyone with a day on it), the
// days with the holiday calendar and the heads per shift, every cell with its leave.
func (db *DB) Roster(ctx context.Context, team, month string) (*RosterView, error) {
	from, to, err := monthRange(month)
	if err != nil {
		return nil, err
	}
	agents, err := db.teamAgents(ctx, db.Pool, team)
	if err != nil {
		return nil, err
	}
	v := &RosterView{Team: team, Month: month, Status: RosterDraft, Agents: agents, Cells: map[string]map[string]RosterCellView{}}
	var pubAt *time.Time
	var pubBy *string
	err = db.Pool.QueryRow(ctx, `SELECT status, version, published_at, published_by FROM rosters WHERE team_id = $1 AND month = $2::date`,
		team, from).Scan(&v.Status, &v.Version, &pubAt, &pubBy)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("roster: %w", err)
	}
	v.PublishedAt = pubAt
	if pubBy != nil {
		v.PublishedBy = *pubBy
	}
	cal, err := db.HolidayCalendar(ctx, from, to)
	if err != nil {
		return nil, err
	}
	for _, d := range callfloor.MonthDays(month) {
		t, _ := time.Parse(time.DateOnly, d)
		rd := RosterDay{Day: d, Weekday: int(t.Weekday()), Heads: map[string]int{}}
		if c, ok := cal[d]; ok {
			rd.Kind, rd.Name = c.Kind, c.Name
		}
		v.Days = append(v.Days, rd)
	}
	known := map[string]bool{}
	for _, a := range agents {
		known[a.ID] = true
		v.Cells[a.ID] = map[string]RosterCellView{}
	}
	rows, err := db.Pool.Query(ctx, `SELECT r.agent_id, coalesce(a.name, ''), r.day::text, coalesce(r.shift_code, ''), r.published, coalesce(r.published_code, '')
		FROM roster_days r LEFT JOIN agents a ON a.id = r.agent_id
		WHERE r.team_id = $1 AND r.day BETWEEN $2::date AND $3::date`, team, from, to)
	if err != nil {
		return nil, fmt.Errorf("roster: %w", err)
	}
	for rows.Next() {
		var agent, name, day, shift, pub string
		var published bool
		if err := rows.Scan(&agent, &name, &day, &shift, &published, &pub); err != nil {
			rows.Close()
			return nil, fmt.Errorf("roster: %w", err)
		}
		if !known[agent] { // moved to another team since: still shown on this month
			known[agent] = true
			v.Agents = append(v.Agents, RosterAgent{ID: agent, Name: name})
			v.Cells[agent] = map[string]RosterCellView{}
		}
		c := RosterCellView{Shift: shift, Published: pub, Changed: !published || shift != pub}
		if c.Changed {
			v.Changed++
		}
		v.Cells[agent][day] = c
		if shift != "" {
			i := slices.IndexFunc(v.Days, func(d RosterDay) bool { return d.Day == day })
			v.Days[i].Heads[shift]++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("roster: %w", err)
	}
	ids := make([]string, 0, len(v.Agents))
	for _, a := range v.Agents {
		ids = append(ids, a.ID)
	}
	rows, err = db.Pool.Query(ctx, `SELECT agent_id, type, greatest(from_day, $1::date)::text, least(to_day, $2::date)::text
		FROM leave_requests WHERE status = 'approved' AND from_day <= $2::date AND to_day >= $1::date AND agent_id = ANY($3)`, from, to, ids)
	if err != nil {
		return nil, fmt.Errorf("roster: leave: %w", err)
	}
	for rows.Next() {
		var agent, typ, f, t string
		if err := rows.Scan(&agent, &typ, &f, &t); err != nil {
			rows.Close()
			return nil, err
		}
		for _, d := range callfloor.Days(f, t) {
			c := v.Cells[agent][d]
			c.Leave = typ
			v.Cells[agent][d] = c
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("roster: leave: %w", err)
	}
	slices.SortFunc(v.Agents, func(a, b RosterAgent) int { return strings.Compare(a.ID, b.ID) })
	rules, err := db.GetRosterRules(ctx, team)
	if err != nil {
		return nil, err
	}
	applyRosterRules(v, rules)
	return v, nil
}

// PutRosterCells changes cells of the working copy (the month's roster goes back to draft when
// a cell changes from what was published). Each cell's agent must be on the team's grid, its day
// in the month, its shift a template or "" (off). It returns the cells that changed.
func (db *DB) PutRosterCells(ctx context.Context, team, month string, cells []RosterCell) ([]RosterCell, error) {
	from, to, err := monthRange(month)
	if err != nil {
		return nil, err
	}
	if len(cells) == 0 {
		return nil, callfloor.Invalid("cells", callfloor.CodeRequired, nil, "no cells")
	}
	if len(cells) > 5000 {
		return nil, callfloor.Invalid("cells", callfloor.CodeTooLong, callfloor.Params{"max": 5000}, "at most 5000 cells at once")
	}
	shifts, err := db.Shifts(ctx)
	if err != nil {
		return nil, err
	}
	var changed []RosterCell
	err = pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		agents, err := db.teamAgents(ctx, tx, team)
		if err != nil {
			return err
		}
		member := map[string]bool{}
		for _, a := range agents {
			member[a.ID] = true
		}
		seen := map[rosterKey]bool{}
		for i, c := range cells {
			field := fmt.Sprintf("cells[%d]", i)
			if !member[c.Agent] {
				return callfloor.Invalid(field+".agent", callfloor.CodeUnknownRef, callfloor.Params{"what": "agent", "value": c.Agent}, "agent %q is not in team %s", c.Agent, team)
			}
			if c.Day < from || c.Day > to || len(callfloor.Days(c.Day, c.Day)) != 1 {
				return callfloor.Invalid(field+".day", callfloor.CodeOutOfRange, callfloor.Params{"min": from, "max": to, "value": c.Day}, "must be a day of %s", month)
			}
			if _, ok := shifts[c.Shift]; c.Shift != "" && !ok {
				return callfloor.Invalid(field+".shift", callfloor.CodeUnknownRef, callfloor.Params{"what": "shift", "value": c.Shift}, "no shift %q", c.Shift)
			}
			k := rosterKey{c.Agent, c.Day}
			if seen[k] {
				return callfloor.Invalid(field, callfloor.CodeDuplicate, callfloor.Params{"value": c.Agent + " " + c.Day}, "%s on %s twice", c.Agent, c.Day)
			}
			seen[k] = true
		}
		if _, err := tx.Exec(ctx, `INSERT INTO rosters (team_id, month) VALUES ($1, $2::date) ON CONFLICT DO NOTHING`, team, from); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT 1 FROM rosters WHERE team_id = $1 AND month = $2::date FOR UPDATE`, team, from); err != nil {
			return err
		}
		for _, c := range cells {
			var shift any
			if c.Shift != "" {
				shift = c.Shift
			}
			tag, err := tx.Exec(ctx, `INSERT INTO roster_days (agent_id, day, team_id, shift_code) VALUES ($1, $2::date, $3, $4)
				ON CONFLICT (agent_id, day) DO UPDATE SET team_id = EXCLUDED.team_id, shift_code = EXCLUDED.shift_code
				WHERE roster_days.shift_code IS DISTINCT FROM EXCLUDED.shift_code OR roster_days.team_id <> EXCLUDED.team_id`,
				c.Agent, c.Day, team, shift)
			if err != nil {
				return err
			}
			if tag.RowsAffected() > 0 {
				changed = append(changed, c)
			}
		}
		if len(changed) > 0 {
			_, err = tx.Exec(ctx, `UPDATE rosters SET status = 'draft', updated_at = now() WHERE team_id = $1 AND month = $2::date`, team, from)
		}
		return err
	})
	if err != nil {
		var e *callfloor.Error
		if errors.As(err, &e) {
			return nil, err
		}
		return nil, fmt.Errorf("roster %s %s: %w", team, month, err)
	}
	return changed, nil
}

// RotationAssignment puts an agent on a rotation with an offset (days the cycle is moved by).
type RotationAssignment struct {
	Agent    string `json:"agent"`
	Rotation string `json:"rotation"`
	Offset   int    `json:"offset"`
}

// FillRoster writes the month's working copy of each assigned agent from their rotation (the
// holiday calendar applied for patterns that follow it); it returns the cells that changed.
func (db *DB) FillRoster(ctx context.Context, team, month string, assign []RotationAssignment) ([]RosterCell, error) {
	from, to, err := monthRange(month)
	if err != nil {
		return nil, err
	}
	if len(assign) == 0 {
		return nil, callfloor.Invalid("assignments", callfloor.CodeRequired, nil, "no agent to fill")
	}
	rots, err := db.ListRotations(ctx)
	if err != nil {
		return nil, err
	}
	cal, err := db.HolidayCalendar(ctx, from, to)
	if err != nil {
		return nil, err
	}
	agents, err := db.teamAgents(ctx, db.Pool, team)
	if err != nil {
		return nil, err
	}
	var cells []RosterCell
	for i, a := range assign {
		if !slices.ContainsFunc(agents, func(r RosterAgent) bool { return r.ID == a.Agent }) {
			return nil, callfloor.Invalid(fmt.Sprintf("assignments[%d].agent", i), callfloor.CodeUnknownRef,
				callfloor.Params{"what": "agent", "value": a.Agent}, "agent %q is not in team %s", a.Agent, team)
		}
		j := slices.IndexFunc(rots, func(r callfloor.Rotation) bool { return r.Name == a.Rotation })
		if j < 0 {
			return nil, callfloor.Invalid(fmt.Sprintf("assignments[%d].rotation", i), callfloor.CodeUnknownRef,
				callfloor.Params{"what": "rotation", "value": a.Rotation}, "no rotation %q", a.Rotation)
		}
		if a.Offset < 0 || a.Offset > 365 {
			return nil, callfloor.Invalid(fmt.Sprintf("assignments[%d].offset", i), callfloor.CodeOutOfRange,
				callfloor.Params{"min": 0, "max": 365, "value": a.Offset}, "must be 0–365")
		}
		for _, d := range callfloor.MonthDays(month) {
			cells = append(cells, RosterCell{Agent: a.Agent, Day: d, Shift: rots[j].On(d, a.Offset, cal)})
		}
	}
	return db.PutRosterCells(ctx, team, month, cells)
}

// PublishRoster publishes a team's month: every working-copy cell becomes what agents see; the
// version goes up by one (also when nothing changed: a re-publish is recorded). It returns the
// new version and how many cells changed for agents.
func (db *DB) PublishRoster(ctx context.Context, team, month, by string) (int, int, error) {
	from, to, err := monthRange(month)
	if err != nil {
		return 0, 0, err
	}
	var version, changed int
	err = pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if _, err := db.teamAgents(ctx, tx, team); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE roster_days SET published = true, published_code = shift_code
			WHERE team_id = $1 AND day BETWEEN $2::date AND $3::date AND (NOT published OR published_code IS DISTINCT FROM shift_code)`, team, from, to)
		if err != nil {
			return err
		}
		changed = int(tag.RowsAffected())
		return tx.QueryRow(ctx, `INSERT INTO rosters (team_id, month, status, version, published_at, published_by) VALUES ($1, $2::date, 'published', 1, now(), $3)
			ON CONFLICT (team_id, month) DO UPDATE SET status = 'published', version = rosters.version + 1, published_at = now(),
			published_by = EXCLUDED.published_by, updated_at = now() RETURNING version`, team, from, by).Scan(&version)
	})
	if err != nil {
		var e *callfloor.Error
		if errors.As(err, &e) {
			return 0, 0, err
		}
		return 0, 0, fmt.Errorf("publish roster %s %s: %w", team, month, err)
	}
	return version, changed, nil
}

// AgentRosterDay is a day of an agent's published roster.
type AgentRosterDay struct {
	Day   string     `json:"day"`
	Shift string     `json:"shift,omitempty"` // "" off
	Name  string     `json:"name,omitempty"`
	Start *time.Time `json:"start,omitempty"`
	End   *time.Time `json:"end,omitempty"`
	Leave string     `json:"leave,omitempty"`
	Kind  string     `json:"kind,omitempty"` // holiday / workday from the calendar
}

// AgentRoster is an agent's published days from..to (at most 62), with the shift's times placed
// in loc and approved leave.
func (db *DB) AgentRoster(ctx context.Context, agent, from, to string, loc *time.Location) ([]AgentRosterDay, error) {
	for _, f := range [][2]string{{"from", from}, {"to", to}} {
		if len(callfloor.Days(f[1], f[1])) != 1 {
			return nil, callfloor.Invalid(f[0], callfloor.CodeInvalidFormat, callfloor.Params{"format": "date", "value": f[1]}, "must be a day YYYY-MM-DD, got %q", f[1])
		}
	}
	days := callfloor.Days(from, to)
	if len(days) == 0 {
		return nil, callfloor.Invalid("to", callfloor.CodeMustBeAfter, callfloor.Params{"other": "from"}, "is before from")
	}
	if len(days) > 62 {
		return nil, callfloor.Invalid("to", callfloor.CodeOutOfRange, callfloor.Params{"max": 62, "value": len(days)}, "at most 62 days at once")
	}
	shifts, err := db.Shifts(ctx)
	if err != nil {
		return nil, err
	}
	cal, err := db.HolidayCalendar(ctx, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]AgentRosterDay, len(days))
	idx := map[string]int{}
	for i, d := range days {
		out[i] = AgentRosterDay{Day: d, Kind: cal[d].Kind}
		idx[d] = i
	}
	rows, err := db.Pool.Query(ctx, `SELECT day::text, coalesce(published_code, '') FROM roster_days
		WHERE agent_id = $1 AND published AND day BETWEEN $2::date AND $3::date`, agent, from, to)
	if err != nil {
		return nil, fmt.Errorf("agent roster: %w", err)
	}
	for rows.Next() {
		var d, code string
		if err := rows.Scan(&d, &code); err != nil {
			rows.Close()
			return nil, err
		}
		if s, ok := shifts[code]; ok {
			on, err := s.On(d, loc)
			if err != nil {
				rows.Close()
				return nil, err
			}
			st, en := on.Span.Start, on.Span.End
			out[idx[d]].Shift, out[idx[d]].Name, out[idx[d]].Start, out[idx[d]].End = code, s.Name, &st, &en
		}
	}
	rows.Close()
	rows, err = db.Pool.Query(ctx, `SELECT type, greatest(from_day, $2::date)::text, least(to_day, $3::date)::text FROM leave_requests
		WHERE agent_id = $1 AND status = 'approved' AND from_day <= $3::date AND to_day >= $2::date`, agent, from, to)
	if err != nil {
		return nil, fmt.Errorf("agent roster: leave: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var typ, f, t string
		if err := rows.Scan(&typ, &f, &t); err != nil {
			return nil, err
		}
		for _, d := range callfloor.Days(f, t) {
			out[idx[d]].Leave = typ
		}
	}
	return out, rows.Err()
}
