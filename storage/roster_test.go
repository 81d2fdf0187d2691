package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// A duty lead fills a month from 两作两息, edits a cell and publishes; agents (and attendance)
// see only what was published; a change after publishing is a draft until published again.
func TestRosterFillEditPublish(t *testing.T) {
	t.Parallel()
	db := usersDB(t)
	ctx := context.Background()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := db.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`INSERT INTO teams (id, name) VALUES ('red', 'Red'), ('blue', 'Blue')`)
	exec(`INSERT INTO agents (id, name, endpoint, team_id) VALUES ('1001', '王芳', 'PJSIP/1001', 'red'), ('1002', '李娜', 'PJSIP/1002', 'red'),
		('1003', '张伟', 'PJSIP/1003', 'red'), ('1004', '刘洋', 'PJSIP/1004', 'red'), ('2001', '陈静', 'PJSIP/2001', 'blue')`)
	for _, s := range []callfloor.Shift{
		{Code: "E", Name: "早班", Start: "08:30", End: "17:30", Breaks: []callfloor.ShiftBreak{{Start: "12:00", End: "14:00"}}},
		{Code: "L", Name: "晚班", Start: "09:30", End: "22:00", Breaks: []callfloor.ShiftBreak{{Start: "12:00", End: "14:00"}}},
	} {
		if _, err := db.PutShift(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.PutRotation(ctx, callfloor.Rotation{Name: "两作两息", Anchor: "2026-12-01", Cycle: []string{"E", "E", "", ""}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutCalendarDay(ctx, callfloor.CalendarDay{Day: "2027-01-01", Kind: callfloor.DayHoliday, Name: "元旦"}); err != nil {
		t.Fatal(err)
	}
	var assign []storage.RotationAssignment
	for i, a := range []string{"1001", "1002", "1003", "1004"} {
		assign = append(assign, storage.RotationAssignment{Agent: a, Rotation: "两作两息", Offset: i})
	}
	changed, err := db.FillRoster(ctx, "red", "2026-12", assign)
	if err != nil || len(changed) != 4*31 {
		t.Fatalf("fill: %d cells, %v", len(changed), err)
	}
	v, err := db.Roster(ctx, "red", "2026-12")
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != storage.RosterDraft || v.Version != 0 || len(v.Agents) != 4 || len(v.Days) != 31 || v.Changed != 124 {
		t.Fatalf("draft %+v", v)
	}
	for _, d := range v.Days {
		if d.Heads["E"] != 2 {
			t.Fatalf("%s: %d on E, want two on every day (four agents, two on two off)", d.Day, d.Heads["E"])
		}
	}
	if v.Cells["1001"]["2026-12-01"].Shift != "E" || v.Cells["1001"]["2026-12-03"].Shift != "" || v.Days[0].Weekday != int(time.Tuesday) {
		t.Fatalf("cells %+v", v.Cells["1001"])
	}
	// nothing published yet: the agent sees no shift, attendance knows no roster
	mine, err := db.AgentRoster(ctx, "1001", "2026-12-01", "2026-12-02", loc)
	if err != nil || mine[0].Shift != "" {
		t.Fatalf("unpublished roster seen: %+v %v", mine, err)
	}
	ver, n, err := db.PublishRoster(ctx, "red", "2026-12", "lee")
	if err != nil || ver != 1 || n != 124 {
		t.Fatalf("publish: v%d %d %v", ver, n, err)
	}
	mine, err = db.AgentRoster(ctx, "1001", "2026-12-01", "2026-12-04", loc)
	if err != nil || mine[0].Shift != "E" || mine[0].Name != "早班" || !mine[0].Start.Equal(time.Date(2026, 12, 1, 8, 30, 0, 0, loc)) || mine[2].Shift != "" {
		t.Fatalf("published: %+v %v", mine, err)
	}
	// edit a cell: a draft again, the agent still sees the published shift
	changed, err = db.PutRosterCells(ctx, "red", "2026-12", []storage.RosterCell{{Agent: "1001", Day: "2026-12-01", Shift: "L"}, {Agent: "1003", Day: "2026-12-01", Shift: ""}})
	if err != nil || len(changed) != 1 { // 1003 (offset 2) was off on the 1st already: not a change
		t.Fatalf("edit: %+v %v", changed, err)
	}
	v, _ = db.Roster(ctx, "red", "2026-12")
	if v.Status != storage.RosterDraft || v.Version != 1 || v.Changed != 1 || !v.Cells["1001"]["2026-12-01"].Changed || v.Cells["1001"]["2026-12-01"].Published != "E" {
		t.Fatalf("after edit %+v", v.Cells["1001"]["2026-12-01"])
	}
	mine, _ = db.AgentRoster(ctx, "1001", "2026-12-01", "2026-12-01", loc)
	if mine[0].Shift != "E" {
		t.Fatalf("the agent sees the unpublished change: %+v", mine[0])
	}
	att, err := db.Attendance(ctx, storage.AttendanceQuery{From: "2026-12-01", To: "2026-12-01", Loc: loc, Agents: []string{"1001"}, Now: time.Date(2026, 12, 2, 0, 0, 0, 0, loc)})
	if err != nil || att[0].Shift != "E" || !att[0].Absent {
		t.Fatalf("attendance reads the published shift: %+v %v", att, err)
	}
	if ver, n, _ := db.PublishRoster(ctx, "red", "2026-12", "lee"); ver != 2 || n != 1 {
		t.Fatalf("republish: v%d %d", ver, n)
	}
	if mine, _ = db.AgentRoster(ctx, "1001", "2026-12-01", "2026-12-01", loc); mine[0].Shift != "L" {
		t.Fatalf("after republishing: %+v", mine[0])
	}

	// bad input names its field
	for _, c := range []struct {
		cells []storage.RosterCell
		field string
	}{
		{[]storage.RosterCell{{Agent: "2001", Day: "2026-12-01", Shift: "E"}}, "cells[0].agent"}, // another team's agent
		{[]storage.RosterCell{{Agent: "1001", Day: "2027-01-01", Shift: "E"}}, "cells[0].day"},
		{[]storage.RosterCell{{Agent: "1001", Day: "2026-12-02", Shift: "Z"}}, "cells[0].shift"},
		{[]storage.RosterCell{{Agent: "1001", Day: "2026-12-02", Shift: "E"}, {Agent: "1001", Day: "2026-12-02", Shift: "L"}}, "cells[1]"},
		{nil, "cells"},
	} {
		_, err := db.PutRosterCells(ctx, "red", "2026-12", c.cells)
		wantCode(t, err, callfloor.EINVALID, c.field)
	}
	_, err = db.FillRoster(ctx, "red", "2026-12", []storage.RotationAssignment{{Agent: "1001", Rotation: "nope"}})
	wantCode(t, err, callfloor.EINVALID, "assignments[0].rotation")
	_, err = db.FillRoster(ctx, "red", "2026-12", []storage.RotationAssignment{{Agent: "1001", Rotation: "两作两息"}, {Agent: "2001", Rotation: "两作两息"}})
	wantCode(t, err, callfloor.EINVALID, "assignments[1].agent")
	_, err = db.Roster(ctx, "red", "2026-13")
	wantCode(t, err, callfloor.EINVALID, "month")
	_, err = db.Roster(ctx, "green", "2026-12")
	wantCode(t, err, callfloor.ENOTFOUND, "")
	// the calendar shows on the grid
	jan, _ := db.Roster(ctx, "red", "2027-01")
	if jan.Days[0].Kind != callfloor.DayHoliday || jan.Days[0].Name != "元旦" || jan.Status != storage.RosterDraft {
		t.Fatalf("January %+v", jan.Days[0])
	}
}
