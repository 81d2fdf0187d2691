package main

// The demo's rosters (issue 12): shift templates, rotations, China's 2026 public holidays and
// make-up workdays as calendar data, each team's minimum heads, this month's roster published and next
// month's drafted from the rotations, and one pending swap in team-a's lead's inbox. Idempotent:
// what exists (a shift, a rotation, a calendar day, a team's month, a team's rules) is left as it is.

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// demoHolidays are China's public holidays and make-up workdays (调休) of 2026: the State
// Council's notice of 4 November 2025 (2026年部分节假日安排). Later years are not seeded: their
// days off and make-up workdays are only known from the State Council's notice, published late in
// the year before; the administrator enters them in the calendar tab then (the page says so for a
// year without any).
var demoHolidays = []struct {
	from, to, kind, name string
}{
	{"2026-01-01", "2026-01-03", callfloor.DayHoliday, "元旦"},
	{"2026-01-04", "2026-01-04", callfloor.DayWorkday, "元旦调休上班"},
	{"2026-02-14", "2026-02-14", callfloor.DayWorkday, "春节调休上班"},
	{"2026-02-15", "2026-02-23", callfloor.DayHoliday, "春节"},
	{"2026-02-28", "2026-02-28", callfloor.DayWorkday, "春节调休上班"},
	{"2026-04-04", "2026-04-06", callfloor.DayHoliday, "清明节"},
	{"2026-05-01", "2026-05-05", callfloor.DayHoliday, "劳动节"},
	{"2026-05-09", "2026-05-09", callfloor.DayWorkday, "劳动节调休上班"},
	{"2026-06-19", "2026-06-21", callfloor.DayHoliday, "端午节"},
	{"2026-09-20", "2026-09-20", callfloor.DayWorkday, "国庆节调休上班"},
	{"2026-09-25", "2026-09-27", callfloor.DayHoliday, "中秋节"},
	{"2026-10-01", "2026-10-07", callfloor.DayHoliday, "国庆节"},
	{"2026-10-10", "2026-10-10", callfloor.DayWorkday, "国庆节调休上班"},
}

var demoShifts = []callfloor.Shift{
	{Code: "E", Name: "早班", Start: "08:30", End: "17:30", Breaks: []callfloor.ShiftBreak{{Start: "12:00", End: "13:00"}}},
	{Code: "M", Name: "中班", Start: "11:00", End: "20:00", Breaks: []callfloor.ShiftBreak{{Start: "16:00", End: "17:00"}}},
	{Code: "L", Name: "晚班", Start: "13:00", End: "22:00", Breaks: []callfloor.ShiftBreak{{Start: "17:30", End: "18:30"}}},
}

var demoRotations = []callfloor.Rotation{
	{Name: "两作两息·早班", Anchor: "2026-01-01", Cycle: []string{"E", "E", "", ""}},
	{Name: "两作两息·晚班", Anchor: "2026-01-01", Cycle: []string{"L", "L", "", ""}},
	{Name: "三班轮换", Anchor: "2026-01-01", Cycle: []string{"E", "E", "M", "M", "L", "L", "", ""}},
	{Name: "做五休二", Weekly: []string{"", "E", "E", "E", "E", "E", ""}, FollowCalendar: true},
}

// demoRosterTeams: each team's rotations (by agent, in turn) and minimum heads.
var demoRosterTeams = []struct {
	team            string
	rotations       []string
	offsets         []int // in turn along the agents of each rotation (complementary pairs keep the heads even)
	min, weekendMin int
}{
	{team: "team-a", rotations: []string{"两作两息·早班", "两作两息·晚班"}, offsets: []int{0, 2, 1, 3}, min: 6, weekendMin: 5},
	{team: "team-b", rotations: []string{"三班轮换"}, offsets: []int{0, 1, 2, 3, 4, 5, 6, 7}, min: 8, weekendMin: 6},
}

func seedDemoRosters(ctx context.Context, db *storage.DB, loc *time.Location, stdout io.Writer) error {
	shifts, err := db.Shifts(ctx)
	if err != nil {
		return err
	}
	for _, s := range demoShifts {
		if _, ok := shifts[s.Code]; !ok {
			if _, err := db.PutShift(ctx, s); err != nil {
				return fmt.Errorf("demo shift %s: %w", s.Code, err)
			}
		}
	}
	rots, err := db.ListRotations(ctx)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, r := range rots {
		have[r.Name] = true
	}
	for _, r := range demoRotations {
		if !have[r.Name] {
			if _, err := db.PutRotation(ctx, r); err != nil {
				return fmt.Errorf("demo rotation %s: %w", r.Name, err)
			}
		}
	}
	cal, err := db.CalendarDays(ctx, "2026-01-01", "2026-12-31")
	if err != nil {
		return err
	}
	inCal := map[string]bool{}
	for _, d := range cal {
		inCal[d.Day] = true
	}
	added := 0
	for _, h := range demoHolidays {
		for _, d := range callfloor.Days(h.from, h.to) {
			if !inCal[d] {
				if _, err := db.PutCalendarDay(ctx, callfloor.CalendarDay{Day: d, Kind: h.kind, Name: h.name}); err != nil {
					return fmt.Errorf("demo calendar %s: %w", d, err)
				}
				added++
			}
		}
	}
	if added > 0 {
		fmt.Fprintf(stdout, "demo: %d holiday calendar days (2026)\n", added)
	}
	now := time.Now().In(loc)
	thisMonth, nextMonth := now.Format("2006-01"), time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, loc).Format("2006-01")
	for _, t := range demoRosterTeams {
		var n int
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM roster_rules WHERE team_id = $1`, t.team).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			if _, err := db.PutRosterRules(ctx, storage.RosterRules{Team: t.team, MinHeads: t.min, WeekendMinHeads: t.weekendMin}); err != nil {
				return fmt.Errorf("demo roster rules %s: %w", t.team, err)
			}
		}
		for _, month := range []string{thisMonth, nextMonth} {
			if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM rosters WHERE team_id = $1 AND month = $2::date`, t.team, month+"-01").Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			v, err := db.Roster(ctx, t.team, month)
			if err != nil {
				return err
			}
			var assign []storage.RotationAssignment
			for i, a := range v.Agents {
				assign = append(assign, storage.RotationAssignment{Agent: a.ID, Rotation: t.rotations[i%len(t.rotations)], Offset: t.offsets[(i/len(t.rotations))%len(t.offsets)]})
			}
			if len(assign) == 0 {
				continue
			}
			if _, err := db.FillRoster(ctx, t.team, month, assign); err != nil {
				return fmt.Errorf("demo roster %s %s: %w", t.team, month, err)
			}
			if month == thisMonth {
				if _, _, err := db.PublishRoster(ctx, t.team, month, "demo"); err != nil {
					return err
				}
				fmt.Fprintf(stdout, "demo: roster %s %s published\n", t.team, month)
			} else {
				fmt.Fprintf(stdout, "demo: roster %s %s drafted\n", t.team, month)
			}
		}
	}
	return seedDemoSwap(ctx, db, now, thisMonth, stdout)
}

// seedDemoSwap: Ben (1002, team-a) asks to give away a shift later this month and work a day off
// instead — pending in lee's inbox. Left out when he asked already or the month has no such pair.
func seedDemoSwap(ctx context.Context, db *storage.DB, now time.Time, month string, stdout io.Writer) error {
	mine, err := db.ListSwaps(ctx, storage.SwapFilter{Agents: []string{"1002"}})
	if err != nil || len(mine) > 0 {
		return err
	}
	today := now.Format(time.DateOnly)
	days, err := db.AgentRoster(ctx, "1002", callfloor.AddDays(today, 2), callfloor.MonthDays(month)[len(callfloor.MonthDays(month))-1], now.Location())
	if err != nil || len(days) < 2 {
		return nil // the month is nearly over, or its last day is near: no swap to show
	}
	for i, d := range days {
		if d.Shift == "" {
			continue
		}
		for _, p := range days[i+1:] {
			if p.Shift == "" && p.Leave == "" {
				s, err := db.RequestSwap(ctx, callfloor.Swap{Agent: "1002", Day: d.Day, Days: 1, PaybackDay: p.Day, Reason: "孩子家长会", RequestedOn: today})
				if err != nil {
					return nil // the manuals' limits say no: the demo goes without
				}
				fmt.Fprintf(stdout, "demo: swap %d of 1002 (%s → %s) pending\n", s.ID, s.Day, s.PaybackDay)
				return nil
			}
		}
	}
	return nil
}
