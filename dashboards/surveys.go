package dashboards

// GET /api/v1/reports/surveys: the post-call satisfaction survey report (issue 14,
// storage/surveys.go) as JSON (rows, totals and, with calls=1, the surveys one by one), or
// format=csv|xlsx in the user's language with a totals row.
//
// Scope as the outbound report's: supervisors and up everything; a project manager their
// projects (another project or its team is a 403); a team lead their team; an agent their own.

import (
	"bytes"
	"fmt"
	"net/http"
	"time"

	"github.com/callfloor/callfloor/storage"
)

// SurveyReport is the JSON answer.
type SurveyReport struct {
	From     string                 `json:"from"`
	To       string                 `json:"to"`
	TimeZone string                 `json:"time_zone"`
	Group    string                 `json:"group"`
	Rows     []SurveyLine           `json:"rows"`
	Totals   storage.SurveyCounts   `json:"totals"`
	Calls    []storage.SurveyRecord `json:"calls,omitempty"` // calls=1: the surveys one by one (newest first)
	Notes    []string               `json:"notes"`
}

// SurveyLine is one group's figures with its label.
type SurveyLine struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	storage.SurveyCounts
}

var surveyNotes = map[string][]string{
	langEN: {
		"A call counts on the day it entered, in the centre's time zone. Answered = inbound calls answered; offered = surveys offered after the agent hung up (the caller hanging up first gets none).",
		"Offer rate = offered ÷ answered; response rate = responded (a Q1 answer) ÷ offered; satisfaction = satisfied ÷ responded. Each rate is shown with its denominator; none when the denominator is 0.",
		"The survey's time is not part of the call's talk time or AHT: the call ends when the agent hangs up.",
	},
	langZH: {
		"来电按进入时的日期计入（呼叫中心时区）。接听 = 已接听的呼入电话；邀评 = 坐席挂机后发起的满意度评价（客户先挂机则不邀评）。",
		"邀评率 = 邀评数 ÷ 接听数；参评率 = 参评数（回答了第一题）÷ 邀评数；满意度 = 满意数 ÷ 参评数。各比率均显示其分母；分母为 0 时不计算。",
		"评价时间不计入通话时长和平均处理时长：坐席挂机时通话即结束。",
	},
}

type surveyCol = reportCol[storage.SurveyCounts]

func sc(get func(c *storage.SurveyCounts) int64) func(c *storage.SurveyCounts) *float64 {
	return func(c *storage.SurveyCounts) *float64 { return ip(get(c)) }
}

var surveyCols = []surveyCol{
	{"answered", "Answered", "接听数", kCount, sc(func(c *storage.SurveyCounts) int64 { return c.Answered })},
	{"offered", "Surveys offered", "邀评数", kCount, sc(func(c *storage.SurveyCounts) int64 { return c.Offered })},
	{"offer_rate", "Offer rate", "邀评率", kPct, func(c *storage.SurveyCounts) *float64 { return c.OfferRate }},
	{"responded", "Responses", "参评数", kCount, sc(func(c *storage.SurveyCounts) int64 { return c.Responded })},
	{"response_rate", "Response rate", "参评率", kPct, func(c *storage.SurveyCounts) *float64 { return c.ResponseRate }},
	{"satisfied", "Satisfied", "满意", kCount, sc(func(c *storage.SurveyCounts) int64 { return c.Satisfied })},
	{"neutral", "Neutral", "一般", kCount, sc(func(c *storage.SurveyCounts) int64 { return c.Neutral })},
	{"dissatisfied", "Dissatisfied", "不满意", kCount, sc(func(c *storage.SurveyCounts) int64 { return c.Dissatisfied })},
	{"satisfaction", "Satisfaction (satisfied ÷ responses)", "满意度（满意 ÷ 参评数）", kPct, func(c *storage.SurveyCounts) *float64 { return c.Satisfaction }},
	{"no_input", "No input", "未按键", kCount, sc(func(c *storage.SurveyCounts) int64 { return c.NoInput })},
	{"caller_hangup", "Caller hung up", "中途挂机", kCount, sc(func(c *storage.SurveyCounts) int64 { return c.HungUp })},
}

func (a *API) surveyReportHandler() http.Handler {
	return reportHandler(a, a.surveyReport, func(rep *SurveyReport) string { return rep.TimeZone },
		func(w http.ResponseWriter, rep *SurveyReport, format, lang string, loc *time.Location) {
			head := prodHeader(surveyCols, lang, loc)
			lines := make([]sheetLine[storage.SurveyCounts], 0, len(rep.Rows)+1)
			for i := range rep.Rows {
				l := &rep.Rows[i]
				lines = append(lines, sheetLine[storage.SurveyCounts]{rep.From, rep.To, l.Key, l.Label, &l.SurveyCounts, false})
			}
			lines = append(lines, sheetLine[storage.SurveyCounts]{prodTotal[lang], "", "", "", &rep.Totals, true})
			sheet := map[string]string{langEN: "Satisfaction", langZH: "满意度"}[lang]
			sendExport(w, format, fmt.Sprintf("satisfaction-%s-%s", rep.From, rep.To),
				func() [][]string { return reportTable(head, surveyCols, lines) },
				func(buf *bytes.Buffer) error { return reportXLSX(buf, sheet, head, surveyCols, lines) })
		})
}

// surveyReport validates the request, scopes it and computes the report.
func (a *API) surveyReport(r *http.Request) (*SurveyReport, string, string, error) {
	if err := checkParams(r, "from", "to", "group", "project", "queue", "team", "agent", "calls", "format", "lang"); err != nil {
		return nil, "", "", err
	}
	q := r.URL.Query()
	format, lang, err := reportFormatLang(r)
	if err != nil {
		return nil, "", "", err
	}
	loc := a.loc()
	f := storage.SurveyFilter{Loc: loc, Group: storage.SurveyByAgent}
	fromS, toS := q.Get("from"), q.Get("to")
	if f.From, f.To, fromS, toS, err = reportDays(fromS, toS, loc); err != nil {
		return nil, "", "", err
	}
	if v := q.Get("group"); v != "" {
		if err := choice("group", v, storage.SurveyGroups); err != nil {
			return nil, "", "", err
		}
		f.Group = v
	}
	if v := q.Get("calls"); v != "" {
		if err := choice("calls", v, []string{"0", "1"}); err != nil {
			return nil, "", "", err
		}
	}
	dir, err := a.DB.Reports().ReportDirectory(r.Context())
	if err != nil {
		return nil, "", "", err
	}
	queue := q.Get("queue")
	_, known := dir.QueueProject[queue]
	sc := reportScope{what: "satisfaction report", project: q.Get("project"), team: q.Get("team"), agent: q.Get("agent"),
		field: "queue", value: queue, inProj: dir.QueueProject[queue], known: known}
	if err := sc.apply(principal(r), dir); err != nil {
		return nil, "", "", err
	}
	f.Projects = sc.projects
	team, agent := sc.team, sc.agent
	for _, s := range []struct {
		v    string
		into *[]string
	}{{queue, &f.Queues}, {team, &f.Teams}, {agent, &f.Agents}} {
		if s.v != "" {
			*s.into = []string{s.v}
		}
	}
	res, err := a.DB.Reports().SurveyReport(r.Context(), f)
	if err != nil {
		return nil, "", "", err
	}
	rep := &SurveyReport{From: fromS, To: toS, TimeZone: loc.String(), Group: f.Group, Rows: []SurveyLine{}, Totals: res.Total, Notes: surveyNotes[lang]}
	for _, row := range res.Rows {
		label := row.Key
		switch f.Group {
		case storage.SurveyByAgent:
			label = dir.Label(storage.GroupAgent, row.Key)
		case storage.SurveyByTeam:
			label = dir.Label(storage.GroupTeam, row.Key)
		case storage.SurveyByProject:
			label = dir.Label(storage.GroupProject, row.Key)
		}
		rep.Rows = append(rep.Rows, SurveyLine{Key: row.Key, Label: label, SurveyCounts: row.SurveyCounts})
	}
	if q.Get("calls") == "1" && (format == "" || format == "json") {
		if rep.Calls, err = a.DB.Reports().Surveys(r.Context(), f); err != nil {
			return nil, "", "", err
		}
	}
	return rep, format, lang, nil
}
