package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// seedDemoAttendance gives the demo's attendance sheet (/attendance) and the wallboard's
// attendance alerts something true to show: the shifts the demo's history was generated with
// (demoHistoryModel: inbound early 08:00 and late 13:30, the card sales team's dialling 09:00
// and 12:30, 8.5 h each) and a published roster from the first day of last month to the end of
// this one that follows the same agents' days off. Days already rostered (by a team lead, or an
// earlier run) are left as they are: idempotent across demo restarts.
func seedDemoAttendance(ctx context.Context, db *storage.DB, cfg *callfloor.Config, now time.Time, stdout io.Writer) error {
	if _, err := db.Pool.Exec(ctx, `INSERT INTO shifts (code, name, start_time, end_time, breaks) VALUES
		('AM', '早班', '08:00', '16:30', '[{"start":"12:00","end":"12:30"}]'),
		('PM', '晚班', '13:30', '22:00', '[{"start":"17:30","end":"18:00"}]'),
		('OAM', '外呼早班', '09:00', '17:30', '[{"start":"12:30","end":"13:00"}]'),
		('OPM', '外呼晚班', '12:30', '21:00', '[{"start":"17:00","end":"17:30"}]')
		ON CONFLICT (code) DO NOTHING`); err != nil {
		return fmt.Errorf("demo shifts: %w", err)
	}
	loc := cfg.Location()
	today := now.In(loc)
	from := time.Date(today.Year(), today.Month()-1, 1, 0, 0, 0, 0, loc)
	to := time.Date(today.Year(), today.Month()+1, 0, 0, 0, 0, 0, loc)
	m := demoHistoryModel(cfg, from, to, func(time.Time) bool { return true })
	n := 0
	for _, a := range m.agents {
		code := map[[2]bool]string{{false, false}: "AM", {false, true}: "PM", {true, false}: "OAM", {true, true}: "OPM"}[[2]bool{a.proj.outbound, a.late}]
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			var c any
			if a.works(d) {
				c = code
			}
			tag, err := db.Pool.Exec(ctx, `INSERT INTO roster_days (agent_id, day, team_id, shift_code, published, published_code)
				VALUES ($1, $2::date, $3, $4, true, $4) ON CONFLICT (agent_id, day) DO NOTHING`, a.id, d.Format(time.DateOnly), a.team, c)
			if err != nil {
				return fmt.Errorf("demo roster: %w", err)
			}
			n += int(tag.RowsAffected())
		}
	}
	if n > 0 {
		fmt.Fprintf(stdout, "demo: published roster, %d agent days from %s to %s\n", n, from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	return nil
}
