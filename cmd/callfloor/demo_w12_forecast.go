package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// The forecast page's demo (issue 12, w12-forecast): forecasts saved for the last two weeks and
// the week ahead (so past days report their accuracy against what was forecast), the support
// queue's shrinkage set to 35 % (sales keeps the 30 % default), and — when no roster exists yet
// for the teams' months — an early/late shift pair and a published two-weeks roster, so the
// staffing chart and the week-ahead heatmap have heads to compare. Idempotent: nothing already
// there is rewritten.

// demoForecastDays are the days before today that get a saved forecast.
const demoForecastDays = 14

func seedDemoForecast(ctx context.Context, db *storage.DB, cfg *callfloor.Config, now time.Time, stdout io.Writer) error {
	loc := cfg.Location()
	today := now.In(loc).Format(time.DateOnly)
	if st, err := db.ForecastSettingOf(ctx, "support"); err != nil {
		return err
	} else if st.Default {
		if _, err := db.SetForecastSetting(ctx, "support", 0.35, "demo"); err != nil {
			return err
		}
	}
	saved := 0
	for _, q := range []string{"sales", "support", "billing"} { // sales has no inbound history in the demo: none saved
		from := callfloor.AddDays(today, -demoForecastDays-7*8)
		hist, err := db.QueueHistory(ctx, q, from, callfloor.AddDays(today, 7), loc, 30)
		if err != nil {
			return err
		}
		for d, slots := range hist {
			if !slices.ContainsFunc(slots, func(s callfloor.SlotFigures) bool { return s.Offered > 0 }) {
				delete(hist, d)
			}
		}
		cal, err := db.HolidayCalendar(ctx, from, callfloor.AddDays(today, 7))
		if err != nil {
			return err
		}
		for _, d := range callfloor.Days(callfloor.AddDays(today, -demoForecastDays), callfloor.AddDays(today, 7)) {
			if f, _, err := db.SavedForecast(ctx, q, d, 30); err != nil {
				return err
			} else if f != nil {
				continue
			}
			// as made the day before: only the history before the day
			past := callfloor.DayHistory{}
			for k, v := range hist {
				if k < d {
					past[k] = v
				}
			}
			f := callfloor.ForecastDay(past, d, 48, 6, cal)
			if len(f.Basis) == 0 {
				continue
			}
			if err := db.SaveForecast(ctx, q, 30, f, "pam"); err != nil {
				return err
			}
			saved++
		}
	}
	rostered, err := seedDemoForecastRoster(ctx, db, cfg, today)
	if err != nil {
		return err
	}
	if saved > 0 || rostered > 0 {
		fmt.Fprintf(stdout, "demo: %d forecasts saved, %d roster cells published\n", saved, rostered)
	}
	return nil
}

// seedDemoForecastRoster publishes two weeks from today of an early (早班) / late (晚班) roster
// for each team whose months have no roster yet: each agent two early days, one late, one off,
// staggered across the team.
func seedDemoForecastRoster(ctx context.Context, db *storage.DB, cfg *callfloor.Config, today string) (int, error) {
	shifts, err := db.Shifts(ctx)
	if err != nil {
		return 0, err
	}
	if _, ok := shifts["E"]; !ok && len(shifts) == 0 {
		for _, s := range []callfloor.Shift{
			{Code: "E", Name: "早班", Start: "08:30", End: "17:30", Breaks: []callfloor.ShiftBreak{{Start: "12:00", End: "13:00"}}},
			{Code: "L", Name: "晚班", Start: "12:00", End: "21:00", Breaks: []callfloor.ShiftBreak{{Start: "15:00", End: "16:00"}}},
		} {
			if _, err := db.PutShift(ctx, s); err != nil {
				return 0, err
			}
		}
	} else if !ok {
		return 0, nil // someone else's shifts: leave the roster to them
	}
	var n int
	last := callfloor.AddDays(today, 13)
	months := []string{today[:7]}
	if last[:7] != today[:7] {
		months = append(months, last[:7])
	}
	byTeam := map[string][]string{}
	for _, a := range cfg.Agents {
		if a.Team != "" {
			byTeam[a.Team] = append(byTeam[a.Team], a.ID)
		}
	}
	for team, agents := range byTeam {
		for _, month := range months {
			var exists bool
			if err := db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM roster_days r JOIN agents a ON a.id = r.agent_id WHERE a.team_id = $1 AND to_char(r.day, 'YYYY-MM') = $2)`,
				team, month).Scan(&exists); err != nil {
				return n, err
			}
			if exists {
				continue
			}
			var cells []storage.RosterCell
			for i, d := range callfloor.Days(today, last) {
				if d[:7] != month {
					continue
				}
				for j, a := range agents {
					switch (i + j) % 4 {
					case 0, 1:
						cells = append(cells, storage.RosterCell{Agent: a, Day: d, Shift: "E"})
					case 2:
						cells = append(cells, storage.RosterCell{Agent: a, Day: d, Shift: "L"})
					}
				}
			}
			if len(cells) == 0 {
				continue
			}
			if _, err := db.PutRosterCells(ctx, team, month, cells); err != nil {
				return n, fmt.Errorf("demo roster %s %s: %w", team, month, err)
			}
			if _, _, err := db.PublishRoster(ctx, team, month, "demo"); err != nil {
				return n, fmt.Errorf("demo roster %s %s: %w", team, month, err)
			}
			n += len(cells)
		}
	}
	return n, nil
}
