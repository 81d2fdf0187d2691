package dashboards_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
	"github.com/xuri/excelize/v2"
)

// The monthly sheet as XLSX, opened and read back: the header in the asked language, a row per
// agent with the late arrival, the sick day in its own column, hours and the adherence rate
// with number formats, a bold totals row; only those who may read the sheet get it.
func TestAttendanceSheetXLSX(t *testing.T) {
	t.Parallel()
	e := newAPIEnv(t)
	ctx := context.Background()
	e.addUser(storage.NewUser{Username: "tara", Role: callfloor.RoleTrainer})
	e.expect("ops", "PUT", "/shifts/E", `{"name":"早班","start":"08:30","end":"17:30","breaks":[{"start":"12:00","end":"14:00"}]}`, 201)
	e.expect("lead-a", "PUT", "/rosters/team-a/2026-11/cells", `{"cells":[{"agent":"1001","day":"2026-11-02","shift":"E"},{"agent":"1002","day":"2026-11-02","shift":"E"},{"agent":"1001","day":"2026-11-03","shift":"E"},{"agent":"1002","day":"2026-11-03","shift":"E"}]}`, 200)
	e.expect("lead-a", "POST", "/rosters/team-a/2026-11/publish", ``, 200)
	if _, err := e.db.Pool.Exec(ctx, `INSERT INTO leave_requests (agent_id, type, from_day, to_day, days, requested_on, chain, status)
		VALUES ('1002', 'sick', '2026-11-03', '2026-11-03', 1, '2026-11-03', '{team_lead}', 'approved')`); err != nil {
		t.Fatal(err)
	}
	loc := e.base.Location()
	at := func(s string) time.Time { v, _ := time.ParseInLocation("2006-01-02 15:04", s, loc); return v }
	for _, iv := range [][3]string{{"1001", "2026-11-02 08:47", "2026-11-02 17:30"}, {"1001", "2026-11-03 08:30", "2026-11-03 17:30"}, {"1002", "2026-11-02 08:30", "2026-11-02 17:30"}} {
		s, en := at(iv[1]), at(iv[2])
		if _, err := e.db.Pool.Exec(ctx, `INSERT INTO agent_state_intervals (agent_id, state, started_at, ended_at, duration_ms) VALUES ($1, 'available', $2, $3, $4)`,
			iv[0], s, en, en.Sub(s).Milliseconds()); err != nil {
			t.Fatal(err)
		}
	}
	open := func(user, lang string) (*excelize.File, [][]string, string) {
		t.Helper()
		resp, b := e.getFile(user, "/attendance/sheet?team=team-a&month=2026-11&format=xlsx&lang="+lang, nil)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
			t.Fatalf("xlsx %s: %d %s", lang, resp.StatusCode, b)
		}
		f, err := excelize.OpenReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		name := f.GetSheetName(0)
		rows, err := f.GetRows(name)
		if err != nil {
			t.Fatal(err)
		}
		return f, rows, name
	}
	col := func(head []string, name string) int {
		t.Helper()
		for i, h := range head {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %q in %v", name, head)
		return -1
	}
	f, rows, name := open("lead-a", "zh-CN")
	if name != "考勤统计" || len(rows) != 5 { // title, header, 1001, 1002, totals
		t.Fatalf("sheet %q rows %v", name, rows)
	}
	head := rows[1]
	late, lateMin, sick, adh, absent, rostered := col(head, "迟到次数"), col(head, "迟到分钟"), col(head, "病假（天）"), col(head, "排班遵从率"), col(head, "缺勤天数"), col(head, "排班天数")
	if r := rows[2]; r[0] != "1001" || r[1] != "Ana" || r[late] != "1" || r[lateMin] != "17" || r[rostered] != "2" || r[sick] != "0.0" {
		t.Errorf("1001's row %v", r)
	}
	if r := rows[3]; r[0] != "1002" || r[late] != "0" || r[sick] != "1.0" || r[absent] != "0" {
		t.Errorf("1002's row %v", r)
	}
	tot := rows[4]
	if tot[0] != "合计" || tot[late] != "1" || tot[lateMin] != "17" || tot[rostered] != "4" || tot[sick] != "1.0" {
		t.Errorf("totals %v", tot)
	}
	for _, c := range []struct {
		col  int
		want string
	}{{adh, "0.0%"}, {col(head, "计薪工时"), "0.00"}} {
		cell, _ := excelize.CoordinatesToCellName(c.col+1, 5)
		id, _ := f.GetCellStyle(name, cell)
		st, err := f.GetStyle(id)
		if err != nil || st.CustomNumFmt == nil || *st.CustomNumFmt != c.want || st.Font == nil || !st.Font.Bold {
			t.Errorf("%s style %+v %v, want bold %s", cell, st, err, c.want)
		}
	}
	if v, _ := f.GetCellValue(name, "A1", excelize.Options{RawCellValue: true}); v == "" {
		t.Error("no title row")
	}
	_, rows, name = open("sup", "en")
	if name != "Attendance" || rows[1][0] != "Agent" || rows[4][0] != "Total" {
		t.Errorf("English sheet %q %v", name, rows)
	}
	col(rows[1], "Sick leave (days)")
	col(rows[1], "Late (minutes)")
	// who may read it: the team's lead, supervisors and up; not the agent, QA or the trainer
	for _, u := range []string{"ana", "qa", "tara"} {
		if resp, b := e.getFile(u, "/attendance/sheet?team=team-a&month=2026-11&format=xlsx&lang=en", nil); resp.StatusCode != 403 {
			t.Errorf("%s: %d %s", u, resp.StatusCode, b)
		}
	}
	e.expect("tara", "GET", "/attendance?from=2026-11-02&agent=1001", "", 403)
	e.expect("tara", "GET", "/attendance/sheet?team=team-a&month=2026-11", "", 403)
	// the JSON has the totals too
	js := e.expect("lead-a", "GET", "/attendance/sheet?team=team-a&month=2026-11", "", 200)
	if tt := js["totals"].(map[string]any); tt["late"].(float64) != 1 || tt["rostered_days"].(float64) != 4 {
		t.Errorf("JSON totals %v", tt)
	}
	e.expectInvalid("", []badInput{
		{"GET", "/attendance/sheet?team=team-a&month=2026-11&format=pdf", ``, "format"},
		{"GET", "/attendance/sheet?team=team-a&month=2026-11&format=xlsx&lang=fr", ``, "lang"},
	})
}
