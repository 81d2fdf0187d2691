package dashboards

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// Attendance from the system's own records (issue 12; storage/attendance.go): per agent and day,
// and the monthly sheet (考勤统计) per team. Attendance is personnel data: an agent reads their
// own, a team lead their team's, a project manager their projects' teams', supervisors and up
// everyone's; QA and trainers do not. Corrections (team lead and up, with a reason) are audited
// and never overwrite the raw facts.

func (a *API) registerAttendance(h func(pattern string, fn handlerFunc)) {
	h("GET /api/v1/attendance", a.listAttendance)
	// GET /api/v1/attendance/sheet is registered in api.go: JSON, or format=xlsx (attendanceSheetOrExport)
	h("POST /api/v1/attendance/corrections", a.correctAttendance)
}

// canSeeAttendance: the agent themselves, their lead, their project's manager, supervisors and up.
func canSeeAttendance(p callfloor.Principal, agent, team string) bool {
	switch p.Role {
	case callfloor.RoleQA, callfloor.RoleTrainer:
		return p.AgentID == agent
	}
	return p.CanSeeAgent(agent, team)
}

// attendanceAgents are the agents of the query the caller may see (team "" any of theirs).
func (a *API) attendanceAgents(p callfloor.Principal, team, agent string) []string {
	var out []string
	for _, ag := range a.ACD.Agents() {
		if (team == "" || ag.Team == team) && (agent == "" || ag.ID == agent) && canSeeAttendance(p, ag.ID, ag.Team) {
			out = append(out, ag.ID)
		}
	}
	return out
}

// listAttendance: ?from=&to= (days, at most 62; default today) &team= &agent=.
func (a *API) listAttendance(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := checkParams(r, "from", "to", "team", "agent"); err != nil {
		return nil, err
	}
	q := r.URL.Query()
	p := principal(r)
	loc := a.Base.Location()
	today := time.Now().In(loc).Format(time.DateOnly)
	from, to := q.Get("from"), q.Get("to")
	if from == "" {
		from = today
	}
	if to == "" {
		to = from
	}
	if t := q.Get("team"); t != "" && !p.CanSeeTeam(t) && !(p.Role == callfloor.RoleAgent) {
		return nil, forbidden("team %s is outside what %s %q may see", t, p.Role, p.Username)
	}
	agents := a.attendanceAgents(p, q.Get("team"), q.Get("agent"))
	if q.Get("agent") != "" && len(agents) == 0 {
		return nil, forbidden("%s %q may not see %s's attendance", p.Role, p.Username, q.Get("agent"))
	}
	out := []callfloor.AttendanceDay{}
	if len(agents) > 0 {
		days, err := a.DB.Attendance(r.Context(), storage.AttendanceQuery{From: from, To: to, Loc: loc, Agents: agents})
		if err != nil {
			return nil, err
		}
		out = days
	}
	return map[string]any{"from": from, "to": to, "days": out}, nil
}

// AttendanceSheetRow is an agent's month on the sheet (考勤统计).
type AttendanceSheetRow struct {
	Agent         string             `json:"agent"`
	Name          string             `json:"name"`
	RosteredDays  int                `json:"rostered_days"`
	WorkedDays    int                `json:"worked_days"`
	Late          int                `json:"late"`
	LateMinutes   int                `json:"late_minutes"`
	Early         int                `json:"early"`
	EarlyMinutes  int                `json:"early_minutes"`
	Absences      int                `json:"absences"`
	LeaveDays     map[string]float64 `json:"leave_days"` // by type (a day on leave counts 1)
	PaidHours     float64            `json:"paid_hours"`
	UnpaidPauseH  float64            `json:"unpaid_pause_hours"`
	RosteredHours float64            `json:"rostered_hours"`
	AdherentHours float64            `json:"adherent_hours"`
	Adherence     *float64           `json:"adherence_percent,omitempty"` // adherent ÷ rostered shift time
	Corrections   int                `json:"corrections"`
	// adherence's parts over the days that have one (rostered, not on leave)
	adherentMs, shiftMs int64
}

// AttendanceSheet is a team's month (考勤统计): a row per agent and their totals.
type AttendanceSheet struct {
	Team    string                `json:"team"`
	Month   string                `json:"month"`
	Through string                `json:"through"` // the last day counted (today in the current month)
	Rows    []*AttendanceSheetRow `json:"rows"`
	Totals  *AttendanceSheetRow   `json:"totals"` // the team's sum (agent "", adherence over all rows)
}

// attendanceSheet: ?team=&month=YYYY-MM — the month per agent, totals.
func (a *API) attendanceSheet(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := checkParams(r, "team", "month"); err != nil {
		return nil, err
	}
	return a.attendanceSheetOf(r)
}

func (a *API) attendanceSheetOf(r *http.Request) (*AttendanceSheet, error) {
	q := r.URL.Query()
	p := principal(r)
	team, month := q.Get("team"), q.Get("month")
	if team == "" {
		return nil, invalid("team", "is required").With(callfloor.CodeRequired, nil)
	}
	if !canEditRoster(p, team) {
		return nil, forbidden("%s %q may not see team %s's attendance sheet", p.Role, p.Username, team)
	}
	if err := callfloor.CheckMonth("month", month); err != nil {
		return nil, err
	}
	days := callfloor.MonthDays(month)
	loc := a.Base.Location()
	today := time.Now().In(loc).Format(time.DateOnly)
	to := days[len(days)-1]
	if to > today {
		to = today
	}
	rows := []*AttendanceSheetRow{}
	totals := &AttendanceSheetRow{LeaveDays: map[string]float64{}}
	agents := a.attendanceAgents(p, team, "")
	if len(agents) > 0 && days[0] <= to {
		list, err := a.DB.Attendance(r.Context(), storage.AttendanceQuery{From: days[0], To: to, Loc: loc, Agents: agents})
		if err != nil {
			return nil, err
		}
		names := map[string]string{}
		for _, ag := range a.ACD.Agents() {
			names[ag.ID] = ag.Name
		}
		by := map[string]*AttendanceSheetRow{}
		for _, d := range list {
			row := by[d.Agent]
			if row == nil {
				row = &AttendanceSheetRow{Agent: d.Agent, Name: names[d.Agent], LeaveDays: map[string]float64{}}
				by[d.Agent] = row
				rows = append(rows, row)
			}
			addSheetDay(row, d)
			addSheetDay(totals, d)
		}
		for _, row := range append(rows, totals) {
			if row.shiftMs > 0 {
				v := float64(row.adherentMs) / float64(row.shiftMs) * 100
				row.Adherence = &v
			}
		}
	}
	slices.SortFunc(rows, func(x, y *AttendanceSheetRow) int { return strings.Compare(x.Agent, y.Agent) })
	return &AttendanceSheet{Team: team, Month: month, Through: to, Rows: rows, Totals: totals}, nil
}

func addSheetDay(row *AttendanceSheetRow, d callfloor.AttendanceDay) {
	const h = 3600 * 1000.0
	if d.Shift != "" {
		row.RosteredDays++
		row.RosteredHours += float64(d.RosteredMs) / h
	}
	if d.FirstWork != nil {
		row.WorkedDays++
	}
	if d.LateMinutes > 0 {
		row.Late++
		row.LateMinutes += d.LateMinutes
	}
	if d.EarlyMinutes > 0 {
		row.Early++
		row.EarlyMinutes += d.EarlyMinutes
	}
	if d.Absent {
		row.Absences++
	}
	if d.Leave != "" {
		row.LeaveDays[d.Leave]++
	}
	row.PaidHours += float64(d.PaidMs) / h
	row.UnpaidPauseH += float64(d.UnpaidPausedMs) / h
	if d.AdherencePercent != nil {
		row.AdherentHours += float64(d.AdherentMs) / h
		row.adherentMs += d.AdherentMs
		row.shiftMs += d.ShiftMs
	}
	row.Corrections += len(d.Corrected)
}

// AttendanceCorrectionBody is POST /attendance/corrections.
type AttendanceCorrectionBody struct {
	Agent  string `json:"agent"`
	Day    string `json:"day"`
	Field  string `json:"field"`
	Value  any    `json:"value"`
	Reason string `json:"reason"`
}

// correctAttendance: the agent's team lead, their project's manager, supervisors and up.
func (a *API) correctAttendance(w http.ResponseWriter, r *http.Request) (any, error) {
	var in AttendanceCorrectionBody
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	ag, err := a.agentProfile(in.Agent)
	if err != nil {
		return nil, invalid("agent", "no agent %q", in.Agent).With(callfloor.CodeUnknownRef, callfloor.Params{"what": "agent", "value": in.Agent})
	}
	p := principal(r)
	if p.AgentID == ag.ID || !canEditRoster(p, ag.Team) {
		return nil, forbidden("%s %q may not correct %s's attendance", p.Role, p.Username, ag.ID)
	}
	id, err := a.DB.AddAttendanceCorrection(r.Context(), ag.ID, in.Day, in.Field, in.Value, in.Reason, p.Username)
	if err != nil {
		return nil, err
	}
	a.audit(r, "attendance_corrected", "agent", ag.ID, map[string]any{"id": id, "day": in.Day, "field": in.Field, "value": in.Value, "reason": in.Reason})
	days, err := a.DB.Attendance(r.Context(), storage.AttendanceQuery{From: in.Day, To: in.Day, Loc: a.Base.Location(), Agents: []string{ag.ID}})
	if err != nil {
		return nil, err
	}
	return created{map[string]any{"id": strconv.FormatInt(id, 10), "day": days[0]}}, nil
}
