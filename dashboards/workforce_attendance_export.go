package dashboards

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"

	"github.com/callfloor/callfloor"
	"github.com/xuri/excelize/v2"
)

// The monthly attendance sheet (考勤统计) as a workbook: GET /api/v1/attendance/sheet?team=&month=
// &format=xlsx[&lang=en|zh-CN, else Accept-Language]. A row per agent, a bold totals row, the
// header bold and frozen, hours and percentages with number formats, leave days per type.

// attendanceSheetOrExport serves format=xlsx itself, anything else (JSON) by json.
func (a *API) attendanceSheetOrExport(json http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if !q.Has("format") && !q.Has("lang") {
			json.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		fail := func(err error) {
			if callfloor.ErrorCode(err) == callfloor.EINTERNAL && a.Log != nil {
				a.Log.Error("api", "method", r.Method, "path", r.URL.Path, "err", err)
			}
			writeError(w, err)
		}
		if err := checkParams(r, "team", "month", "format", "lang"); err != nil {
			fail(err)
			return
		}
		for _, k := range []string{"format", "lang"} {
			if len(q[k]) > 1 {
				fail(invalid(k, "given more than once").With(callfloor.CodeDuplicate, nil))
				return
			}
		}
		if f := q.Get("format"); f != "json" && f != "xlsx" {
			fail(invalid("format", "must be json or xlsx, got %q", f).With(callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []string{"json", "xlsx"}, "value": f}))
			return
		}
		lang, err := exportLang(r)
		if err != nil {
			fail(err)
			return
		}
		sheet, err := a.attendanceSheetOf(r)
		if err != nil {
			fail(err)
			return
		}
		if q.Get("format") == "json" {
			writeJSON(w, http.StatusOK, sheet)
			return
		}
		var buf bytes.Buffer
		if err := attendanceXLSX(&buf, sheet, lang); err != nil {
			fail(err)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="attendance-%s-%s.xlsx"`, sheet.Team, sheet.Month))
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(buf.Bytes())
	})
}

// attendance sheet columns: header per language, number format, value of a row
type attCol struct {
	en, zh string
	format string // "" general (whole numbers), "0.00" hours, "0.0%" a rate
	get    func(r *AttendanceSheetRow) any
}

var attendanceCols = []attCol{
	{"Rostered days", "排班天数", "", func(r *AttendanceSheetRow) any { return r.RosteredDays }},
	{"Worked days", "出勤天数", "", func(r *AttendanceSheetRow) any { return r.WorkedDays }},
	{"Late (times)", "迟到次数", "", func(r *AttendanceSheetRow) any { return r.Late }},
	{"Late (minutes)", "迟到分钟", "", func(r *AttendanceSheetRow) any { return r.LateMinutes }},
	{"Early leave (times)", "早退次数", "", func(r *AttendanceSheetRow) any { return r.Early }},
	{"Early leave (minutes)", "早退分钟", "", func(r *AttendanceSheetRow) any { return r.EarlyMinutes }},
	{"Absences", "缺勤天数", "", func(r *AttendanceSheetRow) any { return r.Absences }},
	{"Rostered hours", "排班工时", "0.00", func(r *AttendanceSheetRow) any { return r.RosteredHours }},
	{"Paid hours", "计薪工时", "0.00", func(r *AttendanceSheetRow) any { return r.PaidHours }},
	{"Unpaid pause hours", "不计薪示忙工时", "0.00", func(r *AttendanceSheetRow) any { return r.UnpaidPauseH }},
	{"Adherence", "排班遵从率", "0.0%", func(r *AttendanceSheetRow) any {
		if r.Adherence == nil {
			return nil
		}
		return *r.Adherence / 100
	}},
	{"Corrections", "更正次数", "", func(r *AttendanceSheetRow) any { return r.Corrections }},
}

var leaveNames = map[string][2]string{
	callfloor.LeaveSick: {"Sick leave (days)", "病假（天）"}, callfloor.LeavePersonal: {"Personal leave (days)", "事假（天）"},
	callfloor.LeaveAnnual: {"Annual leave (days)", "年假（天）"}, callfloor.LeaveMarriage: {"Marriage leave (days)", "婚假（天）"},
	callfloor.LeaveMaternity: {"Maternity/paternity leave (days)", "产假/陪产假（天）"}, callfloor.LeaveCompensatory: {"Compensatory leave (days)", "调休（天）"},
}

func attendanceXLSX(buf *bytes.Buffer, s *AttendanceSheet, lang string) error {
	zh := lang == langZH
	pick := func(en, zhs string) string {
		if zh {
			return zhs
		}
		return en
	}
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	name := pick("Attendance", "考勤统计")
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	styles := map[[2]string]int{} // bold?, format
	style := func(bold bool, format string) (int, error) {
		k := [2]string{fmt.Sprint(bold), format}
		if id, ok := styles[k]; ok {
			return id, nil
		}
		st := &excelize.Style{}
		if format != "" {
			st.CustomNumFmt = &format
		}
		if bold {
			st.Font = &excelize.Font{Bold: true}
		}
		id, err := f.NewStyle(st)
		styles[k] = id
		return id, err
	}
	// leave types in the month, in LeaveTypes' order
	var leaves []string
	for _, t := range callfloor.LeaveTypes {
		if s.Totals != nil && s.Totals.LeaveDays[t] > 0 {
			leaves = append(leaves, t)
		}
	}
	head := []string{pick("Agent", "坐席工号"), pick("Name", "姓名")}
	for _, c := range attendanceCols {
		head = append(head, pick(c.en, c.zh))
	}
	for _, t := range leaves {
		head = append(head, pick(leaveNames[t][0], leaveNames[t][1]))
	}
	bold, err := style(true, "")
	if err != nil {
		return err
	}
	// the title row: team and month, then the header
	title := fmt.Sprintf("%s %s — %s %s (%s %s)", pick("Team", "班组"), s.Team, pick("month", "月份"), s.Month, pick("through", "统计至"), s.Through)
	hc := make([]any, len(head))
	for i, h := range head {
		hc[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 2, XSplit: 2, TopLeftCell: "C3", ActivePane: "bottomRight"}); err != nil {
		return err
	}
	_ = sw.SetColWidth(1, 2, 14)
	_ = sw.SetColWidth(3, len(head), 13)
	if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: bold, Value: title}}); err != nil {
		return err
	}
	if err := sw.SetRow("A2", hc); err != nil {
		return err
	}
	line := func(n int, b bool, first, second string, r *AttendanceSheetRow) error {
		txt, err := style(b, "")
		if err != nil {
			return err
		}
		cells := []any{excelize.Cell{StyleID: txt, Value: first}, excelize.Cell{StyleID: txt, Value: second}}
		for _, c := range attendanceCols {
			st, err := style(b, c.format)
			if err != nil {
				return err
			}
			cells = append(cells, excelize.Cell{StyleID: st, Value: c.get(r)})
		}
		for _, t := range leaves {
			st, err := style(b, "0.0")
			if err != nil {
				return err
			}
			cells = append(cells, excelize.Cell{StyleID: st, Value: r.LeaveDays[t]})
		}
		cell, _ := excelize.CoordinatesToCellName(1, n)
		return sw.SetRow(cell, cells)
	}
	rows := slices.Clone(s.Rows)
	n := 2
	for _, r := range rows {
		n++
		if err := line(n, false, r.Agent, r.Name, r); err != nil {
			return err
		}
	}
	if s.Totals != nil {
		n++
		if err := line(n, true, pick("Total", "合计"), fmt.Sprintf(pick("%d agents", "%d 名坐席"), len(rows)), s.Totals); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(buf)
	return err
}
