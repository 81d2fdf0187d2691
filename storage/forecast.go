package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/callfloor/callfloor"
)

// Forecast inputs (issue 12): a queue's history per interval of the local day from the 15-minute
// rollups, the callers' patience from its abandons, and the heads the published roster puts on
// the queue per interval.

// QueueHistory reads a queue's inbound calls per local day (from..to inclusive) and interval of
// `minutes` (15 or 30) from rollup_calls: offered, handled and their handle time.
func (db *DB) QueueHistory(ctx context.Context, queue, from, to string, loc *time.Location, minutes int) (callfloor.DayHistory, error) {
	if minutes != 15 && minutes != 30 {
		return nil, callfloor.Invalid("interval", callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []int{15, 30}, "value": minutes}, "must be 15 or 30")
	}
	start, err := time.ParseInLocation(time.DateOnly, from, loc)
	if err != nil {
		return nil, callfloor.Invalid("from", callfloor.CodeInvalidFormat, callfloor.Params{"format": "date", "value": from}, "must be a day")
	}
	endDay, err := time.ParseInLocation(time.DateOnly, to, loc)
	if err != nil {
		return nil, callfloor.Invalid("to", callfloor.CodeInvalidFormat, callfloor.Params{"format": "date", "value": to}, "must be a day")
	}
	end := endDay.AddDate(0, 0, 1)
	slots := 24 * 60 / minutes
	h := callfloor.DayHistory{}
	for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
		h[d.Format(time.DateOnly)] = make([]callfloor.SlotFigures, slots)
	}
	rows, err := db.Pool.Query(ctx, `SELECT bucket, sum(offered)::bigint, sum(handled)::bigint, sum(sum_talk_ms + sum_hold_ms + sum_wrap_ms)::bigint
		FROM rollup_calls WHERE queue = $1 AND direction = 'inbound' AND bucket >= $2 AND bucket < $3 GROUP BY bucket`, queue, start, end)
	if err != nil {
		return nil, fmt.Errorf("queue history: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var b time.Time
		var offered, handled, ms int64
		if err := rows.Scan(&b, &offered, &handled, &ms); err != nil {
			return nil, err
		}
		lt := b.In(loc)
		day := lt.Format(time.DateOnly)
		slot := (lt.Hour()*60 + lt.Minute()) / minutes
		if s := h[day]; s != nil && slot < len(s) {
			s[slot].Offered += int(offered)
			s[slot].Handled += int(handled)
			s[slot].SumHandleMs += ms
		}
	}
	return h, rows.Err()
}

// QueuePatience measures a queue's callers' patience over [from, to) (callfloor.Patience).
func (db *DB) QueuePatience(ctx context.Context, queue string, from, to time.Time) (time.Duration, bool, error) {
	var ans, ab, n int64
	err := db.Pool.QueryRow(ctx, `SELECT coalesce(sum(sum_wait_answered_ms), 0)::bigint, coalesce(sum(sum_wait_abandoned_ms), 0)::bigint,
		coalesce(sum(abandoned), 0)::bigint FROM rollup_calls WHERE queue = $1 AND direction = 'inbound' AND bucket >= $2 AND bucket < $3`,
		queue, from, to).Scan(&ans, &ab, &n)
	if err != nil {
		return 0, false, fmt.Errorf("patience: %w", err)
	}
	p, ok := callfloor.Patience(ans, ab, n)
	return p, ok, nil
}

// RosteredHeads counts, per interval of day, the agents skilled on the queue whose published
// shift covers the interval's start outside an unpaid break, not on approved leave.
func (db *DB) RosteredHeads(ctx context.Context, queue, day string, loc *time.Location, minutes int) ([]int, error) {
	m, err := db.RosteredHeadsRange(ctx, queue, day, day, loc, minutes)
	if err != nil {
		return nil, err
	}
	return m[day], nil
}

// RosteredHeadsRange is RosteredHeads for every day from..to (inclusive) in one read: the
// week-ahead heatmap's rostered side. Every day of the range has its slice (zeros when nobody).
func (db *DB) RosteredHeadsRange(ctx context.Context, queue, from, to string, loc *time.Location, minutes int) (map[string][]int, error) {
	if minutes != 15 && minutes != 30 {
		return nil, callfloor.Invalid("interval", callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []int{15, 30}, "value": minutes}, "must be 15 or 30")
	}
	if _, err := time.ParseInLocation(time.DateOnly, from, loc); err != nil {
		return nil, callfloor.Invalid("from", callfloor.CodeInvalidFormat, callfloor.Params{"format": "date", "value": from}, "must be a day")
	}
	if _, err := time.ParseInLocation(time.DateOnly, to, loc); err != nil {
		return nil, callfloor.Invalid("to", callfloor.CodeInvalidFormat, callfloor.Params{"format": "date", "value": to}, "must be a day")
	}
	shifts, err := db.Shifts(ctx)
	if err != nil {
		return nil, err
	}
	slots := 24 * 60 / minutes
	out := map[string][]int{}
	for _, d := range callfloor.Days(from, to) {
		out[d] = make([]int, slots)
	}
	rows, err := db.Pool.Query(ctx, `SELECT r.day::text, r.agent_id, r.published_code FROM roster_days r JOIN agents a ON a.id = r.agent_id
		WHERE r.day BETWEEN $1::date AND $2::date AND r.published AND r.published_code IS NOT NULL AND a.skills ? $3
		AND NOT EXISTS (SELECT 1 FROM leave_requests l WHERE l.agent_id = r.agent_id AND l.status = 'approved' AND r.day BETWEEN l.from_day AND l.to_day)`,
		from, to, queue)
	if err != nil {
		return nil, fmt.Errorf("rostered heads: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var day, agent, code string
		if err := rows.Scan(&day, &agent, &code); err != nil {
			return nil, err
		}
		s, ok := shifts[code]
		heads := out[day]
		if !ok || heads == nil {
			continue
		}
		on, err := s.On(day, loc)
		if err != nil {
			return nil, err
		}
		midnight, _ := time.ParseInLocation(time.DateOnly, day, loc)
		for i := range heads {
			t := time.Date(midnight.Year(), midnight.Month(), midnight.Day(), 0, i*minutes, 0, 0, loc)
			if t.Before(on.Span.Start) || !t.Before(on.Span.End) {
				continue
			}
			onBreak := false
			for j, b := range on.Breaks {
				if !on.PaidBreaks[j] && !t.Before(b.Start) && t.Before(b.End) {
					onBreak = true
				}
			}
			if !onBreak {
				heads[i]++
			}
		}
	}
	return out, rows.Err()
}

// DefaultShrinkage is the shrinkage of a queue without its own setting (30 %).
const DefaultShrinkage = 0.3

// ForecastSetting is a queue's stored forecast setting.
type ForecastSetting struct {
	Queue     string     `json:"queue"`
	Shrinkage float64    `json:"shrinkage"`
	Default   bool       `json:"default"` // no stored setting: DefaultShrinkage
	UpdatedBy string     `json:"updated_by,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// ForecastSettingOf reads a queue's forecast setting (the default when none is stored).
func (db *DB) ForecastSettingOf(ctx context.Context, queue string) (ForecastSetting, error) {
	s := ForecastSetting{Queue: queue}
	var at time.Time
	err := db.Pool.QueryRow(ctx, `SELECT shrinkage, updated_by, updated_at FROM forecast_settings WHERE queue = $1`, queue).Scan(&s.Shrinkage, &s.UpdatedBy, &at)
	if errors.Is(err, pgx.ErrNoRows) {
		s.Shrinkage, s.Default = DefaultShrinkage, true
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("forecast setting: %w", err)
	}
	s.UpdatedAt = &at
	return s, nil
}

// SetForecastSetting stores a queue's shrinkage (0 or more, below 0.9).
func (db *DB) SetForecastSetting(ctx context.Context, queue string, shrinkage float64, by string) (ForecastSetting, error) {
	if !(shrinkage >= 0 && shrinkage < 0.9) {
		return ForecastSetting{}, callfloor.Invalid("shrinkage", callfloor.CodeOutOfRange, callfloor.Params{"min": 0, "max": 0.9, "value": shrinkage}, "must be 0 or more and below 0.9")
	}
	_, err := db.Pool.Exec(ctx, `INSERT INTO forecast_settings (queue, shrinkage, updated_by) VALUES ($1, $2, $3)
		ON CONFLICT (queue) DO UPDATE SET shrinkage = excluded.shrinkage, updated_by = excluded.updated_by, updated_at = now()`, queue, shrinkage, by)
	if err != nil {
		return ForecastSetting{}, fmt.Errorf("set forecast setting: %w", err)
	}
	return db.ForecastSettingOf(ctx, queue)
}

// SaveForecast keeps a forecast as made (accuracy is later reported against it).
func (db *DB) SaveForecast(ctx context.Context, queue string, minutes int, f callfloor.DayForecast, by string) error {
	raw, err := json.Marshal(f.Slots)
	if err != nil {
		return err
	}
	_, err = db.Pool.Exec(ctx, `INSERT INTO forecasts (queue, day, interval_minutes, method, basis, slots, made_by) VALUES ($1, $2::date, $3, $4, $5::date[], $6, $7)`,
		queue, f.Day, minutes, f.Method, f.Basis, raw, by)
	return wrapErr("save forecast", err)
}

// SavedForecast is the last forecast saved for a queue's day (nil: none).
func (db *DB) SavedForecast(ctx context.Context, queue, day string, minutes int) (*callfloor.DayForecast, *time.Time, error) {
	var f callfloor.DayForecast
	var raw []byte
	var basis []time.Time
	var at time.Time
	err := db.Pool.QueryRow(ctx, `SELECT method, basis, slots, made_at FROM forecasts WHERE queue = $1 AND day = $2::date AND interval_minutes = $3
		ORDER BY made_at DESC LIMIT 1`, queue, day, minutes).Scan(&f.Method, &basis, &raw, &at)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("saved forecast: %w", err)
	}
	f.Day = day
	for _, b := range basis {
		f.Basis = append(f.Basis, b.Format(time.DateOnly))
	}
	return &f, &at, json.Unmarshal(raw, &f.Slots)
}
