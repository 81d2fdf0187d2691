package dashboards

// GET /api/v1/reports/production: the production report (storage/reports.go) as JSON, or
// format=csv|xlsx in the user's language (lang=en|zh-CN, else Accept-Language), with a totals row.
//
// from/to are the centre's days (to inclusive; default today). Scope: supervisors and up
// (trainer, QA, supervisor, operations manager, admin) see everything; a project manager only the
// queues and teams of their projects (a project outside them is a 403); a team lead their team
// (another team is a 403); an agent themselves (another agent, a team or a project is a 403).

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// ProductionReport is the JSON answer.
type ProductionReport struct {
	From     string          `json:"from"`
	To       string          `json:"to"`
	TimeZone string          `json:"time_zone"`
	Interval string          `json:"interval"`
	Group    string          `json:"group"`
	Source   string          `json:"source"`
	Rows     []ProductionRow `json:"rows"`
	Totals   ProductionTotal `json:"totals"`
	Notes    []string        `json:"notes"`
}

// ProductionRow is one group in one interval.
type ProductionRow struct {
	Key     string                     `json:"key"`
	Label   string                     `json:"label"`
	Start   time.Time                  `json:"start"`
	End     time.Time                  `json:"end"`
	Figures storage.ProductionFigures  `json:"figures"`
	Targets *storage.ProductionTargets `json:"targets"`
}

// ProductionTotal is the whole report's figures.
type ProductionTotal struct {
	Figures storage.ProductionFigures  `json:"figures"`
	Targets *storage.ProductionTargets `json:"targets"`
}

var productionNotes = map[string][]string{
	langEN: {
		"Calls are counted in the interval they entered the queue, whatever the time of their outcome.",
		"Agent state time is split exactly at interval boundaries; a state still running counts once it has ended.",
		"A call's agent is the agent who answered it, else the last agent it rang at; teams are today's team membership; a call's project is its queue's (an outbound call's: its agent's team's).",
		"connect_rate_attempts = outbound connects ÷ dials; connect_rate_numbers = distinct numbers connected ÷ distinct numbers dialled.",
		"Agent time (logged in, available, paused, occupancy, utilisation) is not shown by queue or by direction.",
		"By team or agent, handled and AHT include the team's outbound calls (an outbound team's AHT is its outbound handling time); choose direction inbound for inbound figures only.",
	},
	langZH: {
		"通话计入其进入队列的时段，而不论其结果发生的时间。",
		"坐席状态时长在时段边界处精确拆分；仍在持续的状态在结束后计入。",
		"通话的坐席是接听的坐席，否则为最后振铃的坐席；班组按今天的班组成员计算；通话的项目是其队列的项目（外呼通话为其坐席所在班组的项目）。",
		"接通率（按次数）= 外呼接通次数 ÷ 外呼次数；接通率（按号码）= 接通的不同号码数 ÷ 拨打的不同号码数。",
		"坐席时长（登录、空闲、示忙、占用率、利用率）不按队列或方向显示。",
		"按班组或坐席分组时，已处理数和平均处理时长包含该班组的外呼（外呼班组的平均处理时长即其外呼处理时长）；只看呼入请将方向选为呼入。",
	},
}

// productionNoKey names what a row without a key holds, by grouping: calls no agent was ever
// offered (abandoned or flowed out while waiting: no agent, so no team), outbound calls (no
// queue), calls of no project.
var productionNoKey = map[string]map[string]string{
	storage.GroupTeam:    {langEN: "(no team: abandoned or flowed out before any agent was offered the call)", langZH: "（无班组：分配到坐席前放弃或溢出的来电）"},
	storage.GroupAgent:   {langEN: "(no agent: abandoned or flowed out before any agent was offered the call)", langZH: "（无坐席：分配到坐席前放弃或溢出的来电）"},
	storage.GroupQueue:   {langEN: "(no queue: outbound calls)", langZH: "（无队列：外呼）"},
	storage.GroupProject: {langEN: "(no project)", langZH: "（无项目）"},
}

func (a *API) productionReportHandler() http.Handler {
	return reportHandler(a, a.productionReport, func(rep *ProductionReport) string { return rep.TimeZone },
		func(w http.ResponseWriter, rep *ProductionReport, format, lang string, loc *time.Location) {
			cols := productionCols(rep)
			sendExport(w, format, fmt.Sprintf("production-%s-%s", rep.From, rep.To),
				func() [][]string { return productionTable(rep, cols, lang, loc) },
				func(buf *bytes.Buffer) error { return productionXLSX(buf, rep, cols, lang, loc) })
		})
}

// reportHandler serves a report (built and checked by build) as JSON, or as the download export
// writes (format csv or xlsx), its times in the report's zone (zone; UTC when unknown).
func reportHandler[R any](a *API, build func(*http.Request) (R, string, string, error), zone func(R) string,
	export func(w http.ResponseWriter, rep R, format, lang string, loc *time.Location)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		rep, format, lang, err := build(r)
		if err != nil {
			if callfloor.ErrorCode(err) == callfloor.EINTERNAL && a.Log != nil {
				a.Log.Error("api", "method", r.Method, "path", r.URL.Path, "err", err)
			}
			writeError(w, err)
			return
		}
		if format == "" || format == "json" {
			writeJSON(w, http.StatusOK, rep)
			return
		}
		loc, _ := time.LoadLocation(zone(rep))
		if loc == nil {
			loc = time.UTC
		}
		export(w, rep, format, lang, loc)
	})
}

// sendExport writes a report's CSV (table, with a BOM for spreadsheets) or workbook (xlsx) as
// a download named name.format.
func sendExport(w http.ResponseWriter, format, name string, table func() [][]string, xlsx func(*bytes.Buffer) error) {
	var buf bytes.Buffer
	switch format {
	case "csv":
		buf.WriteString("\ufeff")
		cw := csv.NewWriter(&buf)
		_ = cw.WriteAll(csvSafe(table()))
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	case "xlsx":
		if err := xlsx(&buf); err != nil {
			writeError(w, err)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, name, format))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(buf.Bytes())
}

// parseHours reads HH:MM-HH:MM on 15-minute steps (24:00 may end it).
func parseHours(v string) (int, int, error) {
	bad := invalid("hours", "business hours such as 08:00-20:00 on 15-minute steps, got %q", v).
		With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "hours", "value": v})
	a, b, ok := strings.Cut(v, "-")
	if !ok {
		return 0, 0, bad
	}
	m := func(s string) (int, bool) {
		h, mm, ok := strings.Cut(strings.TrimSpace(s), ":")
		hi, err1 := strconv.Atoi(h)
		mi, err2 := strconv.Atoi(mm)
		if !ok || err1 != nil || err2 != nil || len(mm) != 2 || hi < 0 || mi < 0 || mi > 59 || hi*60+mi > 24*60 || mi%15 != 0 {
			return 0, false
		}
		return hi*60 + mi, true
	}
	from, ok1 := m(a)
	to, ok2 := m(b)
	if !ok1 || !ok2 || from == to || from == 24*60 {
		return 0, 0, bad
	}
	if to == 24*60 {
		to = 0
	}
	if to == 0 && from > 0 {
		return from, 24 * 60, nil
	}
	return from, to, nil
}

// parseWeekdays reads ISO weekdays: "1-5", "1,3,5", "6-7".
func parseWeekdays(v string) ([]int, error) {
	bad := invalid("weekdays", "ISO weekdays 1 (Monday) to 7 such as 1-5 or 1,3,5, got %q", v).
		With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "weekdays", "value": v})
	seen := map[int]bool{}
	for _, part := range strings.Split(v, ",") {
		a, b, isRange := strings.Cut(strings.TrimSpace(part), "-")
		lo, err := strconv.Atoi(a)
		hi := lo
		if err == nil && isRange {
			hi, err = strconv.Atoi(b)
		}
		if err != nil || lo < 1 || hi > 7 || lo > hi {
			return nil, bad
		}
		for d := lo; d <= hi; d++ {
			seen[d] = true
		}
	}
	var out []int
	for d := range seen {
		out = append(out, d)
	}
	sort.Ints(out)
	return out, nil
}

func choice(field, v string, allowed []string) error {
	if slices.Contains(allowed, v) {
		return nil
	}
	return invalid(field, "must be one of %s, got %q", strings.Join(allowed, ", "), v).
		With(callfloor.CodeInvalidChoice, callfloor.Params{"allowed": allowed, "value": v})
}

func unknownRef(field, what, v string) error {
	return invalid(field, "no %s %q", what, v).With(callfloor.CodeUnknownRef, callfloor.Params{"what": what, "value": v})
}

// reportDays reads a report's from and to days (to inclusive; default today and from) and
// returns the local midnights [from, to) with the days as given.
func reportDays(fromS, toS string, loc *time.Location) (from, to time.Time, _, _ string, err error) {
	if fromS == "" {
		fromS = time.Now().In(loc).Format(time.DateOnly)
	}
	if toS == "" {
		toS = fromS
	}
	if from, err = parseLocalDay("from", fromS, loc); err != nil {
		return
	}
	toDay, err := parseLocalDay("to", toS, loc)
	if err != nil {
		return
	}
	if toDay.Before(from) {
		err = invalid("to", "must not be before from").With(callfloor.CodeMustBeAfter, callfloor.Params{"other": "from"})
		return
	}
	if from.AddDate(0, 0, MaxReportDays).Before(toDay) {
		err = invalid("to", "a report covers at most %d days", MaxReportDays).With(callfloor.CodeOutOfRange, callfloor.Params{"max": MaxReportDays, "unit": "days"})
		return
	}
	return from, time.Date(toDay.Year(), toDay.Month(), toDay.Day()+1, 0, 0, 0, 0, loc), fromS, toS, nil
}

// productionReport validates the request, scopes it and computes the report.
func (a *API) productionReport(r *http.Request) (*ProductionReport, string, string, error) {
	if err := checkParams(r, "from", "to", "interval", "group", "project", "queue", "team", "agent", "direction",
		"hours", "weekdays", "source", "format", "lang"); err != nil {
		return nil, "", "", err
	}
	q := r.URL.Query()
	format, lang, err := reportFormatLang(r)
	if err != nil {
		return nil, "", "", err
	}
	loc := a.loc()
	f := storage.ProductionFilter{Loc: loc, Interval: storage.IntervalDay, Group: storage.GroupNone, Source: storage.SourceRollup,
		Queue: q.Get("queue"), Team: q.Get("team"), Agent: q.Get("agent"), Direction: q.Get("direction")}
	fromS, toS := q.Get("from"), q.Get("to")
	if f.From, f.To, fromS, toS, err = reportDays(fromS, toS, loc); err != nil {
		return nil, "", "", err
	}
	if v := q.Get("interval"); v != "" {
		if err := choice("interval", v, storage.ProductionIntervals); err != nil {
			return nil, "", "", err
		}
		f.Interval = v
	}
	if v := q.Get("group"); v != "" {
		if err := choice("group", v, storage.ProductionGroups); err != nil {
			return nil, "", "", err
		}
		f.Group = v
	}
	if v := q.Get("source"); v != "" {
		if err := choice("source", v, []string{storage.SourceRollup, storage.SourceRaw}); err != nil {
			return nil, "", "", err
		}
		f.Source = v
	}
	if f.Direction != "" {
		if err := choice("direction", f.Direction, []string{string(callfloor.Inbound), string(callfloor.Outbound)}); err != nil {
			return nil, "", "", err
		}
	}
	if v := q.Get("hours"); v != "" {
		if f.HoursFrom, f.HoursTo, err = parseHours(v); err != nil {
			return nil, "", "", err
		}
	}
	if v := q.Get("weekdays"); v != "" {
		if f.Weekdays, err = parseWeekdays(v); err != nil {
			return nil, "", "", err
		}
	}
	dir, err := a.DB.Reports().ReportDirectory(r.Context())
	if err != nil {
		return nil, "", "", err
	}
	project := q.Get("project")
	if _, ok := dir.Projects[project]; project != "" && !ok {
		return nil, "", "", unknownRef("project", "project", project)
	}
	if _, ok := dir.QueueProject[f.Queue]; f.Queue != "" && !ok {
		return nil, "", "", unknownRef("queue", "queue", f.Queue)
	}
	if _, ok := dir.Teams[f.Team]; f.Team != "" && !ok {
		return nil, "", "", unknownRef("team", "team", f.Team)
	}
	if project != "" {
		f.Projects = []string{project}
	}

	// scope
	p := principal(r)
	switch {
	case p.Role == callfloor.RoleProjectManager:
		if project != "" && !slices.Contains(p.Projects, project) {
			return nil, "", "", forbidden("project %q is not one of your projects", project)
		}
		if project == "" {
			f.Projects = append([]string{}, p.Projects...) // none: an empty report
		}
		if f.Queue != "" && !slices.Contains(p.Projects, dir.QueueProject[f.Queue]) {
			return nil, "", "", forbidden("queue %q is not in your projects", f.Queue)
		}
		if f.Team != "" && !slices.Contains(p.Projects, dir.TeamProject[f.Team]) {
			return nil, "", "", forbidden("team %q is not in your projects", f.Team)
		}
	case p.CanSeeAll():
	case p.Role == callfloor.RoleTeamLead:
		if f.Team != "" && f.Team != p.TeamID {
			return nil, "", "", forbidden("team lead of %q may not read the production report of team %q", p.TeamID, f.Team)
		}
		if project != "" {
			return nil, "", "", forbidden("a team lead reads their team's production report, not a project's")
		}
		if f.Agent != "" && dir.AgentTeam[f.Agent] != p.TeamID {
			return nil, "", "", forbidden("agent %q is not in your team", f.Agent)
		}
		f.Team = p.TeamID
	case p.AgentID != "":
		if (f.Agent != "" && f.Agent != p.AgentID) || f.Team != "" || project != "" {
			return nil, "", "", forbidden("an agent may read only their own production report")
		}
		f.Agent = p.AgentID
	default:
		return nil, "", "", forbidden("the %s role may not read production reports", p.Role)
	}

	res, err := a.DB.Reports().ProductionReport(r.Context(), f)
	if err != nil {
		return nil, "", "", err
	}
	rep := &ProductionReport{From: fromS, To: toS, TimeZone: loc.String(), Interval: f.Interval, Group: f.Group, Source: f.Source,
		Rows: []ProductionRow{}, Notes: productionNotes[lang]}
	for _, c := range res.Cells {
		row := ProductionRow{Key: c.Key, Label: dir.Label(f.Group, c.Key), Start: c.Start, End: c.End, Figures: c.Parts.Figures()}
		if c.Key == "" {
			row.Label = productionNoKey[f.Group][lang]
		}
		switch f.Group {
		case storage.GroupQueue:
			row.Targets = dir.QueueTargets(c.Key)
		case storage.GroupProject:
			row.Targets = dir.ProjectTargets(c.Key)
		}
		rep.Rows = append(rep.Rows, row)
	}
	rep.Totals.Figures = res.Totals.Figures()
	switch {
	case f.Queue != "":
		rep.Totals.Targets = dir.QueueTargets(f.Queue)
	case len(f.Projects) == 1:
		rep.Totals.Targets = dir.ProjectTargets(f.Projects[0])
	}
	return rep, format, lang, nil
}

// ---- export ----

// column kinds: how a figure is written in a workbook
const (
	kCount = iota
	kPct
	kDur // seconds, written as a [h]:mm:ss duration
	kNum
)

// reportCol is one figure column of a report export: its key, headers, kind and getter.
type reportCol[F any] struct {
	key, en, zh string
	kind        int
	get         func(f *F) *float64
}

type prodCol = reportCol[storage.ProductionFigures]

func ip(v int64) *float64   { f := float64(v); return &f }
func fp(v float64) *float64 { return &v }

var prodBaseCols = []prodCol{
	{"offered", "Offered", "呼入量", kCount, func(f *storage.ProductionFigures) *float64 { return ip(f.Offered) }},
	{"answered", "Answered", "已接听", kCount, func(f *storage.ProductionFigures) *float64 { return ip(f.Answered) }},
	{"abandoned", "Abandoned", "放弃", kCount, func(f *storage.ProductionFigures) *float64 { return ip(f.Abandoned) }},
	{"short_abandoned", "Short abandons", "短时放弃", kCount, func(f *storage.ProductionFigures) *float64 { return ip(f.ShortAbandoned) }},
	{"flowed_out", "Flowed out", "溢出", kCount, func(f *storage.ProductionFigures) *float64 { return ip(f.FlowedOut) }},
	{"lost", "Lost (Asterisk restart)", "丢失（Asterisk 重启）", kCount, func(f *storage.ProductionFigures) *float64 { return ip(f.Lost) }},
	{"answered_within_t", "Answered within T", "T 内接听", kCount, func(f *storage.ProductionFigures) *float64 { return ip(f.AnsweredWithinT) }},
	{"service_level", "Service level", "服务水平", kPct, func(f *storage.ProductionFigures) *float64 { return f.ServiceLevel }},
	{"service_level_a", "SL-a (abandons count against)", "服务水平 SL-a（放弃计入）", kPct, func(f *storage.ProductionFigures) *float64 { return f.ServiceLevelA }},
	{"service_level_b", "SL-b (abandons within T in favour)", "服务水平 SL-b（T 内放弃计为达标）", kPct, func(f *storage.ProductionFigures) *float64 { return f.ServiceLevelB }},
	{"service_level_c", "SL-c (abandons within T ignored)", "服务水平 SL-c（忽略 T 内放弃）", kPct, func(f *storage.ProductionFigures) *float64 { return f.ServiceLevelC }},
	{"service_level_e", "SL-e (of answered)", "服务水平 SL-e（仅接听）", kPct, func(f *storage.ProductionFigures) *float64 { return f.ServiceLevelE }},
	{"abandon_rate", "Abandon rate", "放弃率", kPct, func(f *storage.ProductionFigures) *float64 { return f.AbandonRate }},
	{"asa_s", "ASA", "平均应答速度", kDur, func(f *storage.ProductionFigures) *float64 { return f.ASA }},
	{"longest_wait_s", "Longest wait", "最长等待", kDur, func(f *storage.ProductionFigures) *float64 { return fp(f.LongestWait) }},
	{"handled", "Handled", "已处理", kCount, func(f *storage.ProductionFigures) *float64 { return ip(f.Handled) }},
	{"aht_s", "AHT", "平均处理时长", kDur, func(f *storage.ProductionFigures) *float64 { return f.AHT }},
	{"talk_s", "Average talk", "平均通话时长", kDur, func(f *storage.ProductionFigures) *float64 { return f.Talk }},
	{"hold_s", "Average hold", "平均保持时长", kDur, func(f *storage.ProductionFigures) *float64 { return f.Hold }},
	{"wrap_s", "Average wrap-up", "平均话后处理时长", kDur, func(f *storage.ProductionFigures) *float64 { return f.Wrap }},
	{"transfers", "Transfers", "转接", kCount, func(f *storage.ProductionFigures) *float64 { return ip(f.Transfers) }},
	{"outbound_dials", "Outbound dials", "外呼次数", kCount, func(f *storage.ProductionFigures) *float64 { return ip(f.OutboundDials) }},
	{"outbound_connects", "Outbound connects", "外呼接通次数", kCount, func(f *storage.ProductionFigures) *float64 { return ip(f.OutboundConnects) }},
	{"connect_rate_attempts", "Connect rate (connects ÷ dials)", "接通率（接通次数 ÷ 外呼次数）", kPct, func(f *storage.ProductionFigures) *float64 { return f.ConnectRateAttempts }},
	{"connect_rate_numbers", "Connect rate (numbers connected ÷ numbers dialled)", "接通率（接通号码数 ÷ 拨打号码数）", kPct, func(f *storage.ProductionFigures) *float64 { return f.ConnectRateNumbers }},
	{"outbound_talk_minutes", "Outbound talk minutes", "外呼通话分钟数", kNum, func(f *storage.ProductionFigures) *float64 { return fp(f.OutboundTalkMinutes) }},
	{"logged_in_s", "Logged in", "登录时长", kDur, func(f *storage.ProductionFigures) *float64 { return f.LoggedIn }},
	{"available_s", "Available", "空闲时长", kDur, func(f *storage.ProductionFigures) *float64 { return f.Available }},
	{"paused_s", "Paused", "示忙时长", kDur, func(f *storage.ProductionFigures) *float64 { return f.Paused }},
	{"occupancy", "Occupancy", "占用率", kPct, func(f *storage.ProductionFigures) *float64 { return f.Occupancy }},
	{"utilisation", "Utilisation", "利用率", kPct, func(f *storage.ProductionFigures) *float64 { return f.Utilisation }},
	{"calls_per_logged_in_hour", "Calls per logged-in hour", "每登录小时处理量", kNum, func(f *storage.ProductionFigures) *float64 { return f.CallsPerLoggedH }},
	{"missed_rings", "Missed rings", "未接振铃", kCount, func(f *storage.ProductionFigures) *float64 { return ip(f.MissedRings) }},
}

// productionCols are the base columns, then one per pause reason and per disposition code the
// report has.
func productionCols(rep *ProductionReport) []prodCol {
	cols := append([]prodCol{}, prodBaseCols...)
	reasons, codes := map[string]bool{}, map[string]bool{}
	for _, f := range append([]storage.ProductionFigures{rep.Totals.Figures}, rowsFigures(rep)...) {
		for k := range f.PausedByReason {
			reasons[k] = true
		}
		for k := range f.Dispositions {
			codes[k] = true
		}
	}
	for _, k := range sortedKeys(reasons) {
		cols = append(cols, prodCol{"paused_s_by_reason." + k, "Paused: " + k, "示忙：" + k, kDur, func(f *storage.ProductionFigures) *float64 {
			if f.PausedByReason == nil {
				return nil
			}
			return fp(f.PausedByReason[k])
		}})
	}
	for _, k := range sortedKeys(codes) {
		cols = append(cols, prodCol{"dispositions." + k, "Disposition: " + k, "处理结果：" + k, kCount, func(f *storage.ProductionFigures) *float64 {
			return ip(f.Dispositions[k])
		}})
	}
	return cols
}

func rowsFigures(rep *ProductionReport) []storage.ProductionFigures {
	out := make([]storage.ProductionFigures, len(rep.Rows))
	for i, r := range rep.Rows {
		out[i] = r.Figures
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var prodHead = map[string][4]string{
	langEN: {"Start ({tz})", "End", "Group", "Name"},
	langZH: {"开始（{tz}）", "结束", "分组", "名称"},
}

var prodTotal = map[string]string{langEN: "Total", langZH: "合计"}

func prodHeader[F any](cols []reportCol[F], lang string, loc *time.Location) []string {
	h := prodHead[lang]
	out := []string{strings.ReplaceAll(h[0], "{tz}", loc.String()), h[1], h[2], h[3]}
	for _, c := range cols {
		if lang == langZH {
			out = append(out, c.zh)
		} else {
			out = append(out, c.en)
		}
	}
	return out
}

// sheetLine is one line of a report export: start, end, key, label and figures (total: the bold
// totals line).
type sheetLine[F any] struct {
	a, b, key, label string
	f                *F
	total            bool
}

// productionLines are the report's rows, then its totals.
func productionLines(rep *ProductionReport, lang string, loc *time.Location) []sheetLine[storage.ProductionFigures] {
	var out []sheetLine[storage.ProductionFigures]
	for i := range rep.Rows {
		r := &rep.Rows[i]
		out = append(out, sheetLine[storage.ProductionFigures]{r.Start.In(loc).Format("2006-01-02 15:04"), r.End.In(loc).Format("2006-01-02 15:04"), r.Key, r.Label, &r.Figures, false})
	}
	return append(out, sheetLine[storage.ProductionFigures]{prodTotal[lang], "", "", "", &rep.Totals.Figures, true})
}

// productionTable is the CSV: raw numbers (rates as fractions, durations in seconds).
func productionTable(rep *ProductionReport, cols []prodCol, lang string, loc *time.Location) [][]string {
	return reportTable(prodHeader(cols, lang, loc), cols, productionLines(rep, lang, loc))
}

// reportTable is a report's CSV: raw numbers (rates as fractions, durations in seconds).
func reportTable[F any](head []string, cols []reportCol[F], lines []sheetLine[F]) [][]string {
	out := [][]string{head}
	for _, l := range lines {
		row := []string{l.a, l.b, l.key, l.label}
		for _, c := range cols {
			v := c.get(l.f)
			if v == nil {
				row = append(row, "")
				continue
			}
			row = append(row, strconv.FormatFloat(*v, 'f', -1, 64))
		}
		out = append(out, row)
	}
	return out
}

// productionXLSX writes the report as a workbook.
func productionXLSX(buf *bytes.Buffer, rep *ProductionReport, cols []prodCol, lang string, loc *time.Location) error {
	sheet := map[string]string{langEN: "Production", langZH: "生产报表"}[lang]
	return reportXLSX(buf, sheet, prodHeader(cols, lang, loc), cols, productionLines(rep, lang, loc))
}

// reportXLSX writes a report as a workbook: rates as percentages, durations as [h]:mm:ss, the
// header bold and frozen, a bold totals row.
func reportXLSX[F any](buf *bytes.Buffer, sheet string, head []string, cols []reportCol[F], lines []sheetLine[F]) error {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	pctFmt, durFmt, numFmt := "0.00%", "[h]:mm:ss", "0.00"
	mk := func(bold bool, code *string) (int, error) {
		s := &excelize.Style{CustomNumFmt: code}
		if bold {
			s.Font = &excelize.Font{Bold: true}
		}
		return f.NewStyle(s)
	}
	styles := map[[2]int]int{}
	for _, b := range []int{0, 1} {
		for k, code := range map[int]*string{kCount: nil, kPct: &pctFmt, kDur: &durFmt, kNum: &numFmt} {
			id, err := mk(b == 1, code)
			if err != nil {
				return err
			}
			styles[[2]int{b, k}] = id
		}
	}
	boldText := styles[[2]int{1, kCount}]
	hc := make([]any, len(head))
	for i, h := range head {
		hc[i] = excelize.Cell{StyleID: boldText, Value: h}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, XSplit: 4, TopLeftCell: "E2", ActivePane: "bottomRight"}); err != nil {
		return err
	}
	_ = sw.SetColWidth(1, 2, 17)
	_ = sw.SetColWidth(3, len(head), 13)
	if err := sw.SetRow("A1", hc); err != nil {
		return err
	}
	for n, l := range lines {
		bold := 0
		if l.total {
			bold = 1
		}
		cells := []any{excelize.Cell{StyleID: styles[[2]int{bold, kCount}], Value: l.a}, l.b, l.key, l.label}
		for _, c := range cols {
			v := c.get(l.f)
			st := styles[[2]int{bold, c.kind}]
			switch {
			case v == nil:
				cells = append(cells, excelize.Cell{StyleID: st})
			case c.kind == kDur:
				cells = append(cells, excelize.Cell{StyleID: st, Value: *v / 86400})
			default:
				cells = append(cells, excelize.Cell{StyleID: st, Value: *v})
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, n+2)
		if err := sw.SetRow(cell, cells); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(buf)
	return err
}

// reportFormatLang reads a report request's export format ("" for JSON, json, csv or xlsx) and
// its language, refusing anything else with an error naming the parameter.
func reportFormatLang(r *http.Request) (format, lang string, err error) {
	format = r.URL.Query().Get("format")
	if format != "" {
		if err := choice("format", format, []string{"json", "csv", "xlsx"}); err != nil {
			return "", "", err
		}
	}
	lang, err = exportLang(r)
	return format, lang, err
}
