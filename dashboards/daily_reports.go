package dashboards

// The team lead's daily production report (日报): the lead sends their team's figures of a day,
// as the report engine computes them (GET /reports/production for the team, the day, per agent,
// with the team's totals), to the project managers with a note; a report whose totals miss a
// target needs the note. The inbox shows, per day, who sent and who has not.

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// SendDailyReportInput is the body of POST /reports/daily.
type SendDailyReportInput struct {
	Day  string `json:"day"` // YYYY-MM-DD in the centre's zone; default today
	Note string `json:"note"`
}

func (a *API) registerDailyReports(h func(string, handlerFunc)) {
	h("POST /api/v1/reports/daily", a.sendDailyReport)
	h("GET /api/v1/reports/daily", a.dailyReportInbox)
	h("GET /api/v1/reports/daily/{team}/{day}/{lead}", a.getDailyReport)
}

// dailyReportQuery is the production report a daily report holds: the team's day, per agent.
func dailyReportQuery(team, day string) url.Values {
	return url.Values{"from": {day}, "to": {day}, "interval": {"range"}, "group": {"agent"}, "team": {team}}
}

func (a *API) sendDailyReport(w http.ResponseWriter, r *http.Request) (any, error) {
	p := principal(r)
	if p.Role != callfloor.RoleTeamLead || p.TeamID == "" {
		return nil, forbidden("only a team lead with a team sends a daily report (you are %s)", p.Role)
	}
	var in SendDailyReportInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	loc := a.loc()
	now := time.Now().In(loc)
	day := now
	if in.Day != "" {
		var err error
		if day, err = parseLocalDay("day", in.Day, loc); err != nil {
			return nil, err
		}
	}
	if storage.PeriodStart(storage.PeriodDay, day).After(now) {
		return nil, invalid("day", "%s has not begun", day.Format(time.DateOnly)).With(callfloor.CodeOutOfRange, callfloor.Params{"value": day.Format(time.DateOnly)})
	}
	rep, err := a.productionReportJSON(r, dailyReportQuery(p.TeamID, day.Format(time.DateOnly)))
	if err != nil {
		return nil, err
	}
	// the team's share of the day's outbound campaigns, when it dialled any (issue 13)
	dayStart := storage.PeriodStart(storage.PeriodDay, day)
	out, err := a.DB.OutboundSummary(r.Context(), dayStart, dayStart.AddDate(0, 0, 1), loc, nil, p.TeamID)
	if err != nil {
		return nil, err
	}
	if rep, err = withOutbound(rep, out); err != nil {
		return nil, err
	}
	off := offTarget(rep)
	d, err := a.DB.SendDailyReport(r.Context(), p.TeamID, p.Username, day, rep, off, strings.TrimSpace(in.Note), now)
	if err != nil {
		return nil, err
	}
	a.audit(r, "daily_report_sent", "daily_report", d.Team+"/"+d.Day, map[string]any{"off_target": d.OffTarget})
	return created{d}, nil
}

// withOutbound adds the team's outbound campaigns of the day (storage.OutboundSummary: dials,
// connects, 接通率 with its denominator, talk, conversions, drop rate against its ceiling) to the
// production report a daily report holds, as "outbound"; none, the report is unchanged.
func withOutbound(rep json.RawMessage, out *storage.OutboundSummary) (json.RawMessage, error) {
	if out == nil {
		return rep, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(rep, &m); err != nil {
		return nil, err
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	m["outbound"] = b
	return json.Marshal(m)
}

// offTarget names the totals' figures that missed their target (the rules of the reports page:
// service level and connect rate at least the target, AHT at most, occupancy inside the band,
// the day's dials and talk minutes at least the daily targets).
func offTarget(rep json.RawMessage) []string {
	var r struct {
		Totals struct {
			Figures map[string]any `json:"figures"`
			Targets map[string]any `json:"targets"`
		} `json:"totals"`
	}
	if json.Unmarshal(rep, &r) != nil {
		return nil
	}
	num := func(m map[string]any, k string) (float64, bool) {
		v, ok := m[k].(float64)
		return v, ok
	}
	f, tg := r.Totals.Figures, r.Totals.Targets
	var out []string
	check := func(figure, target string, atLeast bool) {
		v, ok1 := num(f, figure)
		t, ok2 := num(tg, target)
		if ok1 && ok2 && (atLeast && v < t || !atLeast && v > t) {
			out = append(out, figure)
		}
	}
	check("service_level", "service_level", true)
	check("aht_s", "aht_s", false)
	check("connect_rate_attempts", "connect_rate", true)
	if v, ok := num(f, "occupancy"); ok {
		lo, okLo := num(tg, "occupancy_min")
		hi, okHi := num(tg, "occupancy_max")
		if okLo && v < lo || okHi && v > hi {
			out = append(out, "occupancy")
		}
	}
	check("outbound_dials", "daily_dials", true)
	check("outbound_talk_minutes", "daily_talk_minutes", true)
	var o struct {
		Outbound *struct {
			DropOver bool `json:"drop_over"`
		} `json:"outbound"`
	}
	if json.Unmarshal(rep, &o) == nil && o.Outbound != nil && o.Outbound.DropOver {
		out = append(out, "drop_rate") // the campaigns' drop ceiling
	}
	return out
}

// DailyReportInbox is the answer of GET /reports/daily.
type DailyReportInbox struct {
	From    string                   `json:"from"`
	To      string                   `json:"to"` // exclusive
	Sent    int                      `json:"sent"`
	Missing int                      `json:"missing"`
	Reports []storage.DailyReportDue `json:"reports"`
}

// dailyTeams is who reads which teams' daily reports: a team lead their team, a project manager
// the teams of their projects, supervisors and up every team (nil).
func (a *API) dailyTeams(r *http.Request) ([]string, error) {
	p := principal(r)
	switch {
	case p.Role == callfloor.RoleTeamLead && p.TeamID != "":
		return []string{p.TeamID}, nil
	case p.Role == callfloor.RoleProjectManager:
		return a.DB.TeamsOfProjects(r.Context(), p.Projects)
	case p.Role == callfloor.RoleSupervisor || p.Role == callfloor.RoleOperationsManager || p.Role == callfloor.RoleAdmin:
		return nil, nil
	}
	return nil, forbidden("the %s role may not read daily reports", p.Role)
}

func (a *API) dailyReportInbox(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := checkParams(r, "from", "to", "team"); err != nil {
		return nil, err
	}
	teams, err := a.dailyTeams(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	if t := q.Get("team"); t != "" {
		if teams != nil && !slices.Contains(teams, t) {
			return nil, forbidden("you may not read the daily reports of team %q", t)
		}
		teams = []string{t}
	}
	loc := a.loc()
	now := time.Now().In(loc)
	to := storage.PeriodStart(storage.PeriodDay, now).AddDate(0, 0, 1)
	from := to.AddDate(0, 0, -7)
	if v := q.Get("to"); v != "" {
		if to, err = parseLocalDay("to", v, loc); err != nil {
			return nil, err
		}
		from = to.AddDate(0, 0, -7)
	}
	if v := q.Get("from"); v != "" {
		if from, err = parseLocalDay("from", v, loc); err != nil {
			return nil, err
		}
	}
	reports, err := a.DB.DailyReportInbox(r.Context(), from, to, teams, now)
	if err != nil {
		return nil, err
	}
	out := DailyReportInbox{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Reports: reports}
	if out.Reports == nil {
		out.Reports = []storage.DailyReportDue{}
	}
	for _, d := range reports {
		if d.Sent != nil {
			out.Sent++
		} else {
			out.Missing++
		}
	}
	return out, nil
}

func (a *API) getDailyReport(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := checkParams(r); err != nil {
		return nil, err
	}
	teams, err := a.dailyTeams(r)
	if err != nil {
		return nil, err
	}
	team, day, lead := r.PathValue("team"), r.PathValue("day"), r.PathValue("lead")
	if teams != nil && !slices.Contains(teams, team) {
		return nil, forbidden("you may not read the daily reports of team %q", team)
	}
	if _, err := parseLocalDay("day", day, a.loc()); err != nil {
		return nil, err
	}
	return a.DB.GetDailyReport(r.Context(), team, day, lead, a.loc())
}
