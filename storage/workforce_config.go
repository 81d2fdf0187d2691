package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/callfloor/callfloor"
)

// Workforce configuration (issue 12): shift templates, rotations and the holiday calendar. The
// rules that check them are the root package's (Shift.Validate, Rotation.Validate,
// NewHolidayCalendar).

// ListShifts lists the shift templates by code.
func (db *DB) ListShifts(ctx context.Context) ([]callfloor.Shift, error) {
	m, err := db.Shifts(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]callfloor.Shift, 0, len(m))
	for _, s := range m {
		if s.Breaks == nil {
			s.Breaks = []callfloor.ShiftBreak{}
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b callfloor.Shift) int { return strings.Compare(a.Code, b.Code) })
	return out, nil
}

// PutShift creates or replaces a shift template; it returns the one it replaced (nil: created).
func (db *DB) PutShift(ctx context.Context, s callfloor.Shift) (*callfloor.Shift, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(s.Name) == "" {
		return nil, callfloor.Invalid("name", callfloor.CodeRequired, nil, "is required")
	}
	if s.Breaks == nil {
		s.Breaks = []callfloor.ShiftBreak{}
	}
	breaks, err := json.Marshal(s.Breaks)
	if err != nil {
		return nil, err
	}
	var before *callfloor.Shift
	err = pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		var b callfloor.Shift
		var raw []byte
		err := tx.QueryRow(ctx, `SELECT code, name, start_time, end_time, breaks FROM shifts WHERE code = $1 FOR UPDATE`, s.Code).
			Scan(&b.Code, &b.Name, &b.Start, &b.End, &raw)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return err
		default:
			if err := json.Unmarshal(raw, &b.Breaks); err != nil {
				return err
			}
			before = &b
		}
		_, err = tx.Exec(ctx, `INSERT INTO shifts (code, name, start_time, end_time, breaks) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, start_time = EXCLUDED.start_time, end_time = EXCLUDED.end_time,
			breaks = EXCLUDED.breaks, updated_at = now()`, s.Code, strings.TrimSpace(s.Name), s.Start, s.End, breaks)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("put shift %s: %w", s.Code, err)
	}
	return before, nil
}

// DeleteShift deletes a shift template no roster uses.
func (db *DB) DeleteShift(ctx context.Context, code string) error {
	tag, err := db.Pool.Exec(ctx, `DELETE FROM shifts WHERE code = $1`, code)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23503" {
		return &callfloor.Error{Code: callfloor.CodeInUse, Kind: callfloor.ECONFLICT, Params: callfloor.Params{"what": "shift", "value": code},
			Message: fmt.Sprintf("shift %q is on a roster", code)}
	}
	if err != nil {
		return fmt.Errorf("delete shift %s: %w", code, err)
	}
	if tag.RowsAffected() == 0 {
		return callfloor.NotFound("shift", code, "no shift %q", code)
	}
	return nil
}

// ListRotations lists the rotations by name.
func (db *DB) ListRotations(ctx context.Context) ([]callfloor.Rotation, error) {
	rows, err := db.Pool.Query(ctx, `SELECT name, coalesce(anchor::text, ''), coalesce(cycle, '{}'), coalesce(weekly, '{}'), follow_calendar
		FROM rotations ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("rotations: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (callfloor.Rotation, error) {
		var ro callfloor.Rotation
		err := r.Scan(&ro.Name, &ro.Anchor, &ro.Cycle, &ro.Weekly, &ro.FollowCalendar)
		if len(ro.Weekly) == 0 {
			ro.Weekly = nil
		}
		if len(ro.Cycle) == 0 {
			ro.Cycle = nil
		}
		return ro, err
	})
}

// PutRotation creates or replaces a rotation (by name), checked against the shift templates;
// it returns the one it replaced (nil: created).
func (db *DB) PutRotation(ctx context.Context, ro callfloor.Rotation) (*callfloor.Rotation, error) {
	shifts, err := db.Shifts(ctx)
	if err != nil {
		return nil, err
	}
	if err := ro.Validate(shifts); err != nil {
		return nil, err
	}
	all, err := db.ListRotations(ctx)
	if err != nil {
		return nil, err
	}
	var before *callfloor.Rotation
	if i := slices.IndexFunc(all, func(r callfloor.Rotation) bool { return r.Name == ro.Name }); i >= 0 {
		before = &all[i]
	}
	var anchor, cycle, weekly any
	if len(ro.Weekly) > 0 {
		weekly = ro.Weekly
	} else {
		anchor, cycle = ro.Anchor, ro.Cycle
	}
	_, err = db.Pool.Exec(ctx, `INSERT INTO rotations (name, anchor, cycle, weekly, follow_calendar) VALUES ($1, $2::date, $3, $4, $5)
		ON CONFLICT (name) DO UPDATE SET anchor = EXCLUDED.anchor, cycle = EXCLUDED.cycle, weekly = EXCLUDED.weekly,
		follow_calendar = EXCLUDED.follow_calendar, updated_at = now()`, ro.Name, anchor, cycle, weekly, ro.FollowCalendar)
	if err != nil {
		return nil, fmt.Errorf("put rotation %s: %w", ro.Name, err)
	}
	return before, nil
}

// DeleteRotation deletes a rotation.
func (db *DB) DeleteRotation(ctx context.Context, name string) error {
	tag, err := db.Pool.Exec(ctx, `DELETE FROM rotations WHERE name = $1`, name)
	if err != nil {
		return fmt.Errorf("delete rotation %s: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return callfloor.NotFound("rotation", name, "no rotation %q", name)
	}
	return nil
}

// CalendarDays lists the holiday calendar's days from..to (inclusive).
func (db *DB) CalendarDays(ctx context.Context, from, to string) ([]callfloor.CalendarDay, error) {
	rows, err := db.Pool.Query(ctx, `SELECT day::text, kind, name FROM calendar_days WHERE day BETWEEN $1::date AND $2::date ORDER BY day`, from, to)
	if err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (callfloor.CalendarDay, error) {
		var d callfloor.CalendarDay
		return d, r.Scan(&d.Day, &d.Kind, &d.Name)
	})
}

// HolidayCalendar is the calendar from..to as the rules read it.
func (db *DB) HolidayCalendar(ctx context.Context, from, to string) (callfloor.HolidayCalendar, error) {
	days, err := db.CalendarDays(ctx, from, to)
	if err != nil {
		return nil, err
	}
	return callfloor.NewHolidayCalendar(days)
}

// PutCalendarDay sets a day of the calendar; it returns the entry it replaced (nil: new).
func (db *DB) PutCalendarDay(ctx context.Context, d callfloor.CalendarDay) (*callfloor.CalendarDay, error) {
	if _, err := callfloor.NewHolidayCalendar([]callfloor.CalendarDay{d}); err != nil {
		var e *callfloor.Error
		if errors.As(err, &e) {
			e.Field = strings.TrimPrefix(e.Field, "days[0].")
		}
		return nil, err
	}
	var before *callfloor.CalendarDay
	var b callfloor.CalendarDay
	err := db.Pool.QueryRow(ctx, `SELECT day::text, kind, name FROM calendar_days WHERE day = $1::date`, d.Day).Scan(&b.Day, &b.Kind, &b.Name)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return nil, fmt.Errorf("calendar %s: %w", d.Day, err)
	default:
		before = &b
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO calendar_days (day, kind, name) VALUES ($1::date, $2, $3)
		ON CONFLICT (day) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name`, d.Day, d.Kind, strings.TrimSpace(d.Name)); err != nil {
		return nil, fmt.Errorf("calendar %s: %w", d.Day, err)
	}
	return before, nil
}

// DeleteCalendarDay removes a day from the calendar (it becomes an ordinary day again).
func (db *DB) DeleteCalendarDay(ctx context.Context, day string) error {
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		return callfloor.Invalid("day", callfloor.CodeInvalidFormat, callfloor.Params{"format": "date", "value": day}, "must be a day YYYY-MM-DD")
	}
	tag, err := db.Pool.Exec(ctx, `DELETE FROM calendar_days WHERE day = $1::date`, day)
	if err != nil {
		return fmt.Errorf("calendar %s: %w", day, err)
	}
	if tag.RowsAffected() == 0 {
		return callfloor.NotFound("calendar_day", day, "%s is not in the calendar", day)
	}
	return nil
}
