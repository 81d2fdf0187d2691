package dashboards

// GET /api/v1/reports/outbound: the outbound daily report (外呼日报, storage/outbound_report.go)
// as JSON, or format=csv|xlsx in the user's language, with a totals row.
//
// Scope as the production report's: supervisors and up every campaign; a project manager their
// projects' campaigns (another project's campaign or team is a 403); a team lead their team's
// calls; an agent their own.

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// OutboundReport is the JSON answer.
type OutboundReport struct {
	From         string                  `json:"from"`
	To           string                  `json:"to"`
	TimeZone     string                  `json:"time_zone"`
	Interval     string                  `json:"interval"`
	Group        string                  `json:"group"`
	Rows         []OutboundLine          `json:"rows"`
	Totals       OutboundLine            `json:"totals"`
	Dispositions []callfloor.Disposition `json:"dispositions"` // the columns: the campaigns' codes and names
	Campaigns    []OutboundCampaign      `json:"campaigns"`    // the campaigns in the reader's scope (the filter's choices)
	Notes        []string                `json:"notes"`
}

// OutboundCampaign names a campaign of the report's scope.
type OutboundCampaign struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Project string `json:"project,omitempty"`
}

// OutboundLine is one group in one interval, or the totals.
type OutboundLine struct {
	Key     string                   `json:"key"`
	Label   string                   `json:"label"`
	Start   time.Time                `json:"start"`
	End     time.Time                `json:"end"`
	Figures storage.OutboundFigures  `json:"figures"`
	Targets *storage.OutboundTargets `json:"targets"`
}

var outboundNotes = map[string][]string{
	langEN: {
		"A dial counts in the interval it was placed, in the centre's time zone; teams are today's team membership.",
		"Answered = connected + dropped; connected = talked with an agent; drop rate = dropped ÷ answered (answered with no agent free).",
		"Connect rate (attempts) = connected ÷ dials; connect rate (numbers) = distinct numbers connected ÷ distinct numbers dialled.",
		"Dispositions are the agents' (the lead's attempt); conversions are the dispositions the campaign counts as a success; conversion rate = conversions ÷ connected.",
		"Leads left are the campaign's leads not done now, whatever the dates; targets are the campaigns' daily dial and connect targets and the project's daily talk minutes times the days.",
		"The row without a team or agent holds the dials no agent took: predictive dials dropped for want of a free agent.",
	},
	langZH: {
		"外呼按拨出时所在的时段计入（呼叫中心时区）；班组按今天的班组成员计算。",
		"接听 = 接通 + 掉线；接通 = 与坐席通话；掉线率 = 掉线数 ÷ 接听数（客户接听时无空闲坐席）。",
		"接通率（按次数）= 接通次数 ÷ 外呼次数；接通率（按号码）= 接通的不同号码数 ÷ 拨打的不同号码数。",
		"处理结果为坐席对名单的记录；成交为活动计为成功的处理结果；成交率 = 成交数 ÷ 接通数。",
		"剩余名单为活动当前未完成的名单数（与日期无关）；目标为活动每日外呼、接通目标及项目每日通话分钟目标乘以天数。",
		"无班组、无坐席的行是没有坐席接手的外呼：预测式外呼因无空闲坐席而掉线的呼叫。",
	},
}

// outboundNoAgent labels the row of dials no agent took.
var outboundNoAgent = map[string]string{langEN: "(no agent: dropped dials)", langZH: "（无坐席：掉线的外呼）"}

func (a *API) outboundReportHandler() http.Handler {
	return reportHandler(a, a.outboundReport, func(rep *OutboundReport) string { return rep.TimeZone },
		func(w http.ResponseWriter, rep *OutboundReport, format, lang string, loc *time.Location) {
			cols := outboundCols(rep)
			head := prodHeader(cols, lang, loc)
			lines := make([]sheetLine[OutboundLine], 0, len(rep.Rows)+1)
			for i := range rep.Rows {
				l := &rep.Rows[i]
				lines = append(lines, sheetLine[OutboundLine]{l.Start.In(loc).Format("2006-01-02 15:04"), l.End.In(loc).Format("2006-01-02 15:04"), l.Key, l.Label, l, false})
			}
			lines = append(lines, sheetLine[OutboundLine]{prodTotal[lang], "", "", "", &rep.Totals, true})
			sheet := map[string]string{langEN: "Outbound", langZH: "外呼日报"}[lang]
			sendExport(w, format, fmt.Sprintf("outbound-%s-%s", rep.From, rep.To),
				func() [][]string { return reportTable(head, cols, lines) },
				func(buf *bytes.Buffer) error { return reportXLSX(buf, sheet, head, cols, lines) })
		})
}

// outboundReport validates the request, scopes it and computes the report.
func (a *API) outboundReport(r *http.Request) (*OutboundReport, string, string, error) {
	if err := checkParams(r, "from", "to", "interval", "group", "project", "campaign", "team", "agent", "format", "lang"); err != nil {
		return nil, "", "", err
	}
	q := r.URL.Query()
	format, lang, err := reportFormatLang(r)
	if err != nil {
		return nil, "", "", err
	}
	loc := a.loc()
	f := storage.OutboundFilter{Loc: loc, Interval: storage.IntervalDay, Group: storage.GroupNone,
		Campaign: q.Get("campaign"), Team: q.Get("team"), Agent: q.Get("agent")}
	fromS, toS := q.Get("from"), q.Get("to")
	if f.From, f.To, fromS, toS, err = reportDays(fromS, toS, loc); err != nil {
		return nil, "", "", err
	}
	if v := q.Get("interval"); v != "" {
		if err := choice("interval", v, storage.OutboundIntervals); err != nil {
			return nil, "", "", err
		}
		f.Interval = v
	}
	if v := q.Get("group"); v != "" {
		if err := choice("group", v, storage.OutboundGroups); err != nil {
			return nil, "", "", err
		}
		f.Group = v
	}
	dir, err := a.DB.Reports().ReportDirectory(r.Context())
	if err != nil {
		return nil, "", "", err
	}
	camps, err := a.DB.Reports().ListCampaigns(r.Context())
	if err != nil {
		return nil, "", "", err
	}
	campProject := map[string]string{}
	for _, c := range camps {
		campProject[c.ID] = c.Project
	}
	_, known := campProject[f.Campaign]
	sc := reportScope{what: "outbound report", project: q.Get("project"), team: f.Team, agent: f.Agent,
		field: "campaign", value: f.Campaign, inProj: campProject[f.Campaign], known: known}
	if err := sc.apply(principal(r), dir); err != nil {
		return nil, "", "", err
	}
	f.Projects, f.Team, f.Agent = sc.projects, sc.team, sc.agent
	res, err := a.DB.Reports().OutboundReport(r.Context(), f)
	if err != nil {
		return nil, "", "", err
	}
	rep := &OutboundReport{From: fromS, To: toS, TimeZone: loc.String(), Interval: f.Interval, Group: f.Group,
		Rows: []OutboundLine{}, Dispositions: res.Dispositions, Campaigns: []OutboundCampaign{}, Notes: outboundNotes[lang]}
	if rep.Dispositions == nil {
		rep.Dispositions = []callfloor.Disposition{}
	}
	for _, c := range camps {
		if f.Projects == nil || slices.Contains(f.Projects, c.Project) {
			rep.Campaigns = append(rep.Campaigns, OutboundCampaign{ID: c.ID, Name: c.Name, Project: c.Project})
		}
	}
	for _, row := range res.Rows {
		label := row.Key
		switch f.Group {
		case storage.GroupCampaign:
			label = res.CampaignNames[row.Key]
		case storage.GroupTeam, storage.GroupAgent:
			if row.Key == "" {
				label = outboundNoAgent[lang]
			} else {
				label = dir.Label(f.Group, row.Key)
			}
		}
		rep.Rows = append(rep.Rows, OutboundLine{Key: row.Key, Label: label, Start: row.Start, End: row.End, Figures: row.Figures, Targets: row.Targets})
	}
	rep.Totals = OutboundLine{Start: f.From, End: f.To, Figures: res.Totals, Targets: res.TotalTargets}
	return rep, format, lang, nil
}

type outCol = reportCol[OutboundLine]

func ofig(get func(f *storage.OutboundFigures) *float64) func(l *OutboundLine) *float64 {
	return func(l *OutboundLine) *float64 { return get(&l.Figures) }
}

func otarget(get func(t *storage.OutboundTargets) *int64) func(l *OutboundLine) *float64 {
	return func(l *OutboundLine) *float64 {
		if l.Targets == nil || get(l.Targets) == nil {
			return nil
		}
		return ip(*get(l.Targets))
	}
}

var outBaseCols = []outCol{
	{"dials", "Dials", "外呼次数", kCount, ofig(func(f *storage.OutboundFigures) *float64 { return ip(f.Dials) })},
	{"answered", "Answered", "接听", kCount, ofig(func(f *storage.OutboundFigures) *float64 { return ip(f.Answered) })},
	{"connected", "Connected", "接通", kCount, ofig(func(f *storage.OutboundFigures) *float64 { return ip(f.Connected) })},
	{"connect_rate_attempts", "Connect rate (connected ÷ dials)", "接通率（接通次数 ÷ 外呼次数）", kPct, ofig(func(f *storage.OutboundFigures) *float64 { return f.ConnectRate })},
	{"dialled_numbers", "Numbers dialled", "拨打号码数", kCount, ofig(func(f *storage.OutboundFigures) *float64 { return ip(f.DialledNumbers) })},
	{"connected_numbers", "Numbers connected", "接通号码数", kCount, ofig(func(f *storage.OutboundFigures) *float64 { return ip(f.ConnectedNumbers) })},
	{"connect_rate_numbers", "Connect rate (numbers connected ÷ numbers dialled)", "接通率（接通号码数 ÷ 拨打号码数）", kPct, ofig(func(f *storage.OutboundFigures) *float64 { return f.ConnectRateNums })},
	{"dropped", "Dropped", "掉线", kCount, ofig(func(f *storage.OutboundFigures) *float64 { return ip(f.Dropped) })},
	{"drop_rate", "Drop rate (dropped ÷ answered)", "掉线率（掉线数 ÷ 接听数）", kPct, ofig(func(f *storage.OutboundFigures) *float64 { return f.DropRate })},
	{"busy", "Busy", "忙", kCount, ofig(func(f *storage.OutboundFigures) *float64 { return ip(f.Busy) })},
	{"no_answer", "No answer", "无人接听", kCount, ofig(func(f *storage.OutboundFigures) *float64 { return ip(f.NoAnswer) })},
	{"unallocated", "Unallocated number", "空号", kCount, ofig(func(f *storage.OutboundFigures) *float64 { return ip(f.Unallocated) })},
	{"switched_off", "Switched off", "关机/停机", kCount, ofig(func(f *storage.OutboundFigures) *float64 { return ip(f.SwitchedOff) })},
	{"failed", "Failed", "失败", kCount, ofig(func(f *storage.OutboundFigures) *float64 { return ip(f.Failed) })},
	{"talk_minutes", "Talk minutes", "通话分钟数", kNum, ofig(func(f *storage.OutboundFigures) *float64 { return fp(f.TalkMinutes) })},
	{"avg_talk_s", "Average talk", "平均通话时长", kDur, ofig(func(f *storage.OutboundFigures) *float64 { return f.AvgTalk })},
	{"conversions", "Conversions", "成交", kCount, ofig(func(f *storage.OutboundFigures) *float64 { return ip(f.Conversions) })},
	{"conversion_rate", "Conversion rate (conversions ÷ connected)", "成交率（成交数 ÷ 接通数）", kPct, ofig(func(f *storage.OutboundFigures) *float64 { return f.ConversionRate })},
	{"leads_worked", "Leads worked", "已拨名单数", kCount, ofig(func(f *storage.OutboundFigures) *float64 { return ip(f.LeadsWorked) })},
	{"leads_left", "Leads left (now)", "剩余名单数（当前）", kCount, ofig(func(f *storage.OutboundFigures) *float64 {
		if f.LeadsLeft == nil {
			return nil
		}
		return ip(*f.LeadsLeft)
	})},
	{"targets.dials", "Dial target", "外呼目标", kCount, otarget(func(t *storage.OutboundTargets) *int64 { return t.Dials })},
	{"targets.connects", "Connect target", "接通目标", kCount, otarget(func(t *storage.OutboundTargets) *int64 { return t.Connects })},
	{"targets.talk_minutes", "Talk-minute target", "通话分钟目标", kCount, otarget(func(t *storage.OutboundTargets) *int64 { return t.TalkMinutes })},
}

// outboundCols are the base columns, then one per disposition code of the campaigns in scope.
func outboundCols(rep *OutboundReport) []outCol {
	cols := append([]outCol{}, outBaseCols...)
	for _, d := range rep.Dispositions {
		code := d.Code
		cols = append(cols, outCol{"dispositions." + code, "Disposition: " + code, "处理结果：" + d.Name, kCount,
			ofig(func(f *storage.OutboundFigures) *float64 { return ip(f.Dispositions[code]) })})
	}
	return cols
}
