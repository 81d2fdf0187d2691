package dashboards

// QA reports (per agent, team, queue or evaluator and per day, week or month), the team lead's
// daily score sheet, and calibration sessions (storage/qareports.go).
//
// Reports and the score sheet answer JSON by default, format=csv (an attachment) or
// format=html (a printable page, every string escaped by html/template). Scope: an agent sees
// only their own rows, a team lead their team (and themselves), QA and managers everything.
//
// Calibration: QA, operations managers and admins open a session on a call for invited
// evaluators; each invited evaluator scores blind (before the close everyone sees only their own
// score and who has scored); after the close the session shows every score and each item's and
// evaluator's deviation from the reference evaluator.

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// MaxReportDays bounds a report's range.
const MaxReportDays = 400

// RegisterQAReports adds the QA report, score sheet and calibration routes.
func (a *API) RegisterQAReports(mux Mux) {
	h := func(pattern string, fn handlerFunc) {
		mux.Handle(pattern, a.Auth.Middleware(a.wrap(fn)))
	}
	mux.Handle("GET /api/v1/qa/reports", a.Auth.Middleware(a.formatted(a.qaReport, writeReportCSV, writeReportHTML)))
	mux.Handle("GET /api/v1/qa/score-sheet", a.Auth.Middleware(a.formatted(a.scoreSheet, writeSheetCSV, writeSheetHTML)))
	h("GET /api/v1/qa/calibrations", a.listCalibrations)
	h("GET /api/v1/qa/evaluators", a.listEvaluators)
	h("POST /api/v1/qa/calibrations", a.createCalibration)
	h("GET /api/v1/qa/calibrations/{id}", a.getCalibration)
	h("POST /api/v1/qa/calibrations/{id}/scores", a.submitCalibrationScore)
	h("POST /api/v1/qa/calibrations/{id}/close", a.closeCalibration)
	a.RegisterScoreSheets(mux)
}

// csvSafe defuses cells a spreadsheet would run as a formula (=, +, @, a tab or CR first, or a
// '-' not starting a number): they get a leading apostrophe. Names, notes and item texts are the
// users'; a CSV opened in Excel must not execute them.
func csvSafe(rows [][]string) [][]string {
	for _, r := range rows {
		for i, c := range r {
			if c == "" {
				continue
			}
			switch c[0] {
			case '=', '+', '@', '\t', '\r':
				r[i] = "'" + c
			case '-':
				if _, err := strconv.ParseFloat(c, 64); err != nil {
					r[i] = "'" + c
				}
			}
		}
	}
	return rows
}

// formatted serves build's value as JSON, CSV or HTML by the format parameter.
// CSV headers and the printable page are in the request's language (reportLang).
func (a *API) formatted(build func(r *http.Request) (any, error), csvOut func(v any, lang string) [][]string, htmlOut func(w *bytes.Buffer, v any, lang string) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		format := r.URL.Query().Get("format")
		switch format {
		case "", "json", "csv", "html":
		default:
			writeError(w, invalid("format", "must be json, csv or html, got %q", format).With(callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []string{"json", "csv", "html"}, "value": format}))
			return
		}
		v, err := build(r)
		if err != nil {
			if callfloor.ErrorCode(err) == callfloor.EINTERNAL && a.Log != nil {
				a.Log.Error("api", "method", r.Method, "path", r.URL.Path, "err", err)
			}
			writeError(w, err)
			return
		}
		name := strings.TrimPrefix(r.URL.Path, "/api/v1/qa/")
		switch format {
		case "csv":
			var buf bytes.Buffer
			cw := csv.NewWriter(&buf)
			_ = cw.WriteAll(csvSafe(csvOut(v, reportLang(r))))
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="qa-%s.csv"`, name))
			w.Header().Set("X-Content-Type-Options", "nosniff")
			_, _ = w.Write(buf.Bytes())
		case "html":
			var buf bytes.Buffer
			if err := htmlOut(&buf, v, reportLang(r)); err != nil {
				writeError(w, err)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
			_, _ = w.Write(buf.Bytes())
		default:
			writeJSON(w, http.StatusOK, v)
		}
	})
}

func checkParams(r *http.Request, allowed ...string) error {
	for k, v := range r.URL.Query() {
		found := false
		for _, a := range allowed {
			found = found || a == k
		}
		if !found {
			return invalid(k, "unknown parameter").With(callfloor.CodeUnknownField, nil)
		}
		if len(v) > 1 {
			return invalid(k, "given more than once").With(callfloor.CodeDuplicate, nil)
		}
	}
	return nil
}

// parseDay reads a YYYY-MM-DD day (its midnight in loc) or an RFC 3339 time.
func parseDay(field, v string, loc *time.Location) (time.Time, error) {
	if t, err := time.ParseInLocation(time.DateOnly, v, loc); err == nil {
		return t, nil
	}
	return parseTime(field, v)
}

// parseLocalDay reads a YYYY-MM-DD day: its midnight in loc.
func parseLocalDay(field, v string, loc *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateOnly, v, loc)
	if err != nil {
		return time.Time{}, invalid(field, "not a day such as 2026-11-22: %q", v).With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "date", "value": v})
	}
	return t, nil
}

// loc is the centre's time zone: QA report periods and score-sheet days are its days.
func (a *API) loc() *time.Location { return a.Base.Location() }

func (a *API) qaReport(r *http.Request) (any, error) {
	if err := checkParams(r, "group", "period", "from", "to", "agent", "team", "format", "lang"); err != nil {
		return nil, err
	}
	q := r.URL.Query()
	f := storage.QAReportFilter{Group: q.Get("group"), Period: q.Get("period"), Agent: q.Get("agent"), Team: q.Get("team")}
	if f.Group == "" {
		f.Group = storage.GroupAgent
	}
	if f.Period == "" {
		f.Period = storage.PeriodWeek
	}
	var err error
	f.Loc = a.loc()
	f.To = storage.PeriodStart(storage.PeriodDay, time.Now().In(f.Loc)).AddDate(0, 0, 1)
	if v := q.Get("to"); v != "" {
		if f.To, err = parseDay("to", v, f.Loc); err != nil {
			return nil, err
		}
	}
	f.From = f.To.AddDate(0, 0, -28)
	if v := q.Get("from"); v != "" {
		if f.From, err = parseDay("from", v, f.Loc); err != nil {
			return nil, err
		}
	}
	if f.From.AddDate(0, 0, MaxReportDays).Before(f.To) { // calendar days: a DST day is 23 or 25 h
		return nil, invalid("from", "a report covers at most %d days", MaxReportDays).With(callfloor.CodeOutOfRange, callfloor.Params{"max": MaxReportDays, "unit": "days"})
	}
	p := principal(r)
	switch {
	case p.CanSeeAll():
	case p.Scoped(): // a project manager: their projects' teams
		if err := a.projectScopeQA(r, p, f.Team, f.Agent); err != nil {
			return nil, err
		}
		f.InTeams = &p.ProjectTeams
	case p.Role == callfloor.RoleTeamLead:
		if f.Team != "" && f.Team != p.TeamID {
			return nil, forbidden("team lead of %q may not read the QA reports of team %q", p.TeamID, f.Team)
		}
		if f.Agent != "" && f.Agent != p.AgentID {
			if _, err := a.scopedAgent(r, f.Agent, canSee); err != nil {
				return nil, err
			}
		}
		f.Team, f.OrAgent = p.TeamID, p.AgentID
	case p.AgentID != "":
		if (f.Agent != "" && f.Agent != p.AgentID) || f.Team != "" {
			return nil, forbidden("an agent may read only their own QA reports")
		}
		f.Agent = p.AgentID
	default:
		return nil, forbidden("the %s role may not read QA reports", p.Role)
	}
	return a.DB.Reports().QAReport(r.Context(), f)
}

func pct(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', 2, 64)
}

func num(v *float64) string { return pct(v) }

func topItems(items []storage.ItemCount) string {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = fmt.Sprintf("%s:%d", it.ItemID, it.Count)
	}
	return strings.Join(parts, " ")
}

var reportCSVHeader = []string{"group", "key", "period", "evaluations", "quota", "avg_score",
	"fatal_rate", "fatal_count", "fatal_denominator", "fatal_rate_text",
	"non_fatal_rate", "non_fatal_errors", "non_fatal_denominator", "non_fatal_rate_text",
	"top_failed_items", "disputed", "dispute_rate", "decided", "overturned", "overturn_rate"}

// reportCSVKeys are reportCSVHeader's labels in reportText (a Chinese header row).
var reportCSVKeys = []string{"col.group", "col.key", "col.period", "col.evaluations", "col.quota", "col.avg_score",
	"col.fatal_rate_pct", "col.fatal_count", "col.fatal_den", "col.fatal_text",
	"col.nonfatal_pct", "col.nonfatal_errors", "col.nonfatal_den", "col.nonfatal_text",
	"col.top_failed", "col.disputed", "col.dispute_rate", "col.decided", "col.overturned", "col.overturn_rate"}

// csvHeader is the English (machine) header, or its labels in another language.
func csvHeader(lang string, en, keys []string) []string {
	if lang == langEN {
		return en
	}
	return trHeader(lang, keys...)
}

func writeReportCSV(v any, lang string) [][]string {
	rep := v.(storage.QAReport)
	out := [][]string{csvHeader(lang, reportCSVHeader, reportCSVKeys)}
	for _, row := range rep.Rows {
		quota := ""
		if row.Quota != nil {
			quota = strconv.Itoa(*row.Quota)
		}
		out = append(out, []string{rep.Group, row.Key, row.Period, strconv.Itoa(row.Evaluations), quota, num(row.AvgScore),
			pct(row.FatalRate.Percent), strconv.Itoa(row.FatalRate.Numerator), strconv.Itoa(row.FatalRate.Denominator), trRate(lang, row.FatalRate),
			pct(row.NonFatalRate.Percent), strconv.Itoa(row.NonFatalRate.Numerator), strconv.Itoa(row.NonFatalRate.Denominator), trRate(lang, row.NonFatalRate),
			topItems(row.TopFailed), strconv.Itoa(row.Disputed), pct(row.DisputeRate.Percent), strconv.Itoa(row.Decided),
			strconv.Itoa(row.Overturned), pct(row.OverturnRate.Percent)})
	}
	return out
}

const printCSS = `body{font-family:sans-serif;font-size:12px;margin:1.5em}table{border-collapse:collapse;width:100%}
th,td{border:1px solid #999;padding:3px 6px;text-align:left;vertical-align:top}th{background:#eee}
td.n{text-align:right}@media print{body{margin:0}th{background:none}tr{page-break-inside:avoid}@page{size:landscape;margin:1cm}}`

// langFuncs are the template functions of the printable pages: t (a catalogue key, formatted),
// word (a stored group/period/status word), rate (a rate's text), all in lang.
func langFuncs(lang string) template.FuncMap {
	return template.FuncMap{
		"t":    func(key string, args ...any) string { return tr(lang, key, args...) },
		"word": func(prefix, w string) string { return trWord(lang, prefix, w) },
		"rate": func(r storage.QARate) string { return trRate(lang, r) },
	}
}

// executeIn runs a printable page's template with its texts in lang.
func executeIn(t *template.Template, w *bytes.Buffer, v any, lang string) error {
	c, err := t.Clone()
	if err != nil {
		return err
	}
	return c.Funcs(langFuncs(lang)).Execute(w, v)
}

var reportHTML = template.Must(template.New("report").Funcs(langFuncs(langEN)).Funcs(template.FuncMap{"pct": pct, "quota": func(q *int) string {
	if q == nil {
		return "—"
	}
	return strconv.Itoa(*q)
}}).Parse(`<!doctype html>
<html lang="{{t "html.lang"}}"><head><meta charset="utf-8"><title>{{t "report.title" (word "group." .Group) (word "period." .Period)}}</title>
<style>` + printCSS + `</style></head><body>
<h1>{{t "report.title" (word "group." .Group) (word "period." .Period)}}</h1>
<p>{{.From.Format "2006-01-02 15:04"}} – {{.To.Format "2006-01-02 15:04"}} ({{.From.Location}})</p>
<table><thead><tr><th>{{word "group." .Group}}</th><th>{{t "col.period"}}</th><th>{{t "col.evaluations"}}</th><th>{{t "col.quota"}}</th><th>{{t "col.avg_score"}}</th>
<th>{{t "col.fatal_rate"}}</th><th>{{t "col.nonfatal_rate"}}</th><th>{{t "col.top_failed"}}</th><th>{{t "col.dispute_rate"}}</th><th>{{t "col.overturn_rate"}}</th></tr></thead>
<tbody>{{range .Rows}}<tr><td>{{.Key}}</td><td>{{.Period}}</td><td class="n">{{.Evaluations}}</td><td class="n">{{quota .Quota}}</td>
<td class="n">{{pct .AvgScore}}</td><td>{{rate .FatalRate}}</td><td>{{rate .NonFatalRate}}</td>
<td>{{range .TopFailed}}<div>{{.ItemID}} {{.Text}}: {{.Count}}</div>{{end}}</td><td>{{rate .DisputeRate}}</td><td>{{rate .OverturnRate}}</td></tr>
{{else}}<tr><td colspan="10">{{t "report.none"}}</td></tr>{{end}}</tbody></table>
<h2>{{t "report.trend"}}</h2>
<table><thead><tr><th>{{t "col.period"}}</th><th>{{t "col.evaluations"}}</th><th>{{t "col.avg_score"}}</th><th>{{t "col.fatal_rate_pct"}}</th><th>{{t "col.nonfatal_pct"}}</th></tr></thead>
<tbody>{{range .Trend}}<tr><td>{{.Period}}</td><td class="n">{{.Evaluations}}</td><td class="n">{{pct .AvgScore}}</td>
<td class="n">{{pct .FatalRate}}</td><td class="n">{{pct .NonFatalRate}}</td></tr>{{end}}</tbody></table>
</body></html>
`))

func writeReportHTML(w *bytes.Buffer, v any, lang string) error {
	return executeIn(reportHTML, w, v, lang)
}

func (a *API) scoreSheet(r *http.Request) (any, error) {
	// lang: the UI's language (the links of the score-sheet pages carry it for the printable sheet and CSV)
	if err := checkParams(r, "team", "day", "lead", "format", "lang"); err != nil {
		return nil, err
	}
	q := r.URL.Query()
	team, lead := q.Get("team"), q.Get("lead")
	day := time.Now().In(a.loc())
	if v := q.Get("day"); v != "" {
		var err error
		if day, err = parseLocalDay("day", v, a.loc()); err != nil {
			return nil, err
		}
	}
	p := principal(r)
	switch {
	case p.Role == callfloor.RoleTeamLead:
		if team == "" {
			team = p.TeamID
		}
		if team != p.TeamID || team == "" {
			return nil, forbidden("team lead of %q may not read the score sheet of team %q", p.TeamID, team)
		}
		if lead != "" && lead != p.Username {
			return nil, forbidden("a team lead reads their own score sheet")
		}
		lead = p.Username
	case p.CanSeeAll() || p.Scoped():
		if team == "" {
			return nil, invalid("team", "required").With(callfloor.CodeRequired, nil)
		}
		if !p.CanSeeTeam(team) {
			return nil, forbidden("team %q is outside the projects of %s %q", team, p.Role, p.Username)
		}
	default:
		return nil, forbidden("the %s role may not read score sheets", p.Role)
	}
	return a.DB.ScoreSheet(r.Context(), team, day, lead)
}

var (
	sheetCSVHeader = []string{"team", "day", "id", "call_id", "agent_id", "evaluator", "scorecard_id", "scorecard_version", "score_raw",
		"score_final", "fatal", "non_fatal_errors", "comments", "status", "created_at"}
	sheetCSVKeys = []string{"col.team", "col.day", "col.id", "col.call", "col.agent", "col.evaluator", "col.scorecard", "col.scorecard_ver", "col.raw",
		"col.final", "col.fatal", "col.nonfatal_errors", "col.comments", "col.status", "col.created_at"}
)

func writeSheetCSV(v any, lang string) [][]string {
	s := v.(storage.ScoreSheet)
	out := [][]string{csvHeader(lang, sheetCSVHeader, sheetCSVKeys)}
	f2 := func(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }
	for _, x := range s.Rows {
		out = append(out, []string{s.Team, s.Day, strconv.FormatInt(x.ID, 10), x.CallID, x.AgentID, x.Evaluator, x.ScorecardID,
			strconv.Itoa(x.Version), f2(x.ScoreRaw), f2(x.ScoreFinal), strconv.FormatBool(x.Fatal), strconv.Itoa(x.NonFatalErrors),
			strconv.Itoa(x.Comments), x.Status, x.CreatedAt.Format(time.RFC3339)})
	}
	return out
}

var sheetHTML = template.Must(template.New("sheet").Funcs(langFuncs(langEN)).Funcs(template.FuncMap{"pct": pct,
	"f2": func(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }}).Parse(`<!doctype html>
<html lang="{{t "html.lang"}}"><head><meta charset="utf-8"><title>{{t "sheet.title" .Team .Day}}</title>
<style>` + printCSS + `</style></head><body>
<h1>{{t "sheet.h1" .Team .Day}}{{if .Evaluator}}{{t "sheet.by" .Evaluator}}{{end}}</h1>
<p>{{t "sheet.summary" .Evaluations .Quota (pct .AvgScore) .Fatal}}</p>
<table><thead><tr><th>{{t "col.id"}}</th><th>{{t "col.call"}}</th><th>{{t "col.agent"}}</th><th>{{t "col.evaluator"}}</th><th>{{t "col.scorecard"}}</th><th>{{t "col.raw"}}</th><th>{{t "col.final"}}</th><th>{{t "col.fatal"}}</th>
<th>{{t "col.nonfatal_errors"}}</th><th>{{t "col.comments"}}</th><th>{{t "col.status"}}</th></tr></thead>
<tbody>{{range .Rows}}<tr><td>{{.ID}}</td><td>{{.CallID}}</td><td>{{.AgentID}}</td><td>{{.Evaluator}}</td><td>{{.ScorecardID}} v{{.Version}}</td>
<td class="n">{{f2 .ScoreRaw}}</td><td class="n">{{f2 .ScoreFinal}}</td><td>{{if .Fatal}}{{t "fatal"}}{{end}}</td><td class="n">{{.NonFatalErrors}}</td>
<td class="n">{{.Comments}}</td><td>{{word "status." .Status}}</td></tr>{{else}}<tr><td colspan="11">{{t "report.none"}}</td></tr>{{end}}</tbody></table>
</body></html>
`))

func writeSheetHTML(w *bytes.Buffer, v any, lang string) error {
	return executeIn(sheetHTML, w, v, lang)
}

// CalibrationInput is the body of POST /qa/calibrations.
type CalibrationInput struct {
	CallID             string   `json:"call_id"`
	ScorecardID        string   `json:"scorecard_id"`
	Evaluators         []string `json:"evaluators"`
	ReferenceEvaluator string   `json:"reference_evaluator"`
}

func canRunCalibration(p callfloor.Principal) bool {
	return p.Role == callfloor.RoleQA || p.Role == callfloor.RoleOperationsManager || p.Role == callfloor.RoleAdmin
}

func (a *API) createCalibration(w http.ResponseWriter, r *http.Request) (any, error) {
	p := principal(r)
	if !canRunCalibration(p) {
		return nil, forbidden("the %s role may not open calibration sessions", p.Role)
	}
	var in CalibrationInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if in.CallID == "" {
		return nil, invalid("call_id", "required").With(callfloor.CodeRequired, nil)
	}
	ctx := r.Context()
	call, err := a.DB.CallByID(ctx, in.CallID)
	if callfloor.ErrorCode(err) == callfloor.ENOTFOUND {
		return nil, invalid("call_id", "no call %q in the history", in.CallID).With(callfloor.CodeUnknownRef, callfloor.Params{"what": "call", "value": in.CallID})
	} else if err != nil {
		return nil, err
	}
	if err := a.checkInvitees(ctx, call, in); err != nil {
		return nil, err
	}
	s, err := a.DB.CreateCalibration(ctx, storage.NewCalibration{CallID: in.CallID, ScorecardID: in.ScorecardID, Evaluators: in.Evaluators,
		ReferenceEvaluator: in.ReferenceEvaluator, CreatedBy: p.Username})
	if err != nil {
		return nil, err
	}
	a.audit(r, "calibration_created", "calibration", strconv.FormatInt(s.ID, 10), map[string]any{"call_id": s.CallID,
		"scorecard_id": s.ScorecardID, "scorecard_version": s.ScorecardVersion, "evaluators": s.Evaluators,
		"reference_evaluator": s.ReferenceEvaluator})
	return created{s}, nil
}

// calibrationView is a session as the caller may see it.
type calibrationView struct {
	storage.CalibrationSession
	Submitted  []string                       `json:"submitted"` // who has scored
	Blind      bool                           `json:"blind"`     // scores of others are hidden until the close
	Deviations *storage.CalibrationDeviations `json:"deviations,omitempty"`
}

func (a *API) calibrationInScope(r *http.Request) (storage.CalibrationSession, error) {
	id, err := numericPathID(r, "a calibration")
	if err != nil {
		return storage.CalibrationSession{}, err
	}
	s, err := a.DB.Calibration(r.Context(), id)
	if err != nil {
		return s, err
	}
	if p := principal(r); !canRunCalibration(p) && !(s.Invited(p.Username) && evaluatorRoles[p.Role]) {
		return s, forbidden("calibration %d is for its invited evaluators and QA", id)
	}
	return s, nil
}

func (a *API) getCalibration(w http.ResponseWriter, r *http.Request) (any, error) {
	s, err := a.calibrationInScope(r)
	if err != nil {
		return nil, err
	}
	v := calibrationView{CalibrationSession: s, Submitted: []string{}}
	for _, sc := range s.Scores {
		v.Submitted = append(v.Submitted, sc.Evaluator)
	}
	if s.ClosedAt == nil {
		v.Blind = true
		me := principal(r).Username
		own := []storage.CalibrationScore{}
		for _, sc := range s.Scores {
			if sc.Evaluator == me {
				own = append(own, sc)
			}
		}
		v.Scores = own
		return v, nil
	}
	d, err := a.DB.CalibrationDeviationsOf(r.Context(), s)
	if err != nil {
		return nil, err
	}
	v.Deviations = &d
	return v, nil
}

// CalibrationScoreInput is the body of POST /qa/calibrations/{id}/scores.
type CalibrationScoreInput struct {
	Answers []callfloor.Answer `json:"answers"`
}

func (a *API) submitCalibrationScore(w http.ResponseWriter, r *http.Request) (any, error) {
	s, err := a.calibrationInScope(r)
	if err != nil {
		return nil, err
	}
	p := principal(r)
	if !s.Invited(p.Username) {
		return nil, forbidden("%q is not invited to calibration %d", p.Username, s.ID)
	}
	var in CalibrationScoreInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	sc, err := a.DB.SubmitCalibrationScore(r.Context(), s.ID, p.Username, in.Answers)
	if err != nil {
		return nil, err
	}
	a.audit(r, "calibration_scored", "calibration", strconv.FormatInt(s.ID, 10), map[string]any{"score_final": sc.Result.ScoreFinal})
	return created{sc}, nil
}

func (a *API) closeCalibration(w http.ResponseWriter, r *http.Request) (any, error) {
	p := principal(r)
	if !canRunCalibration(p) {
		return nil, forbidden("the %s role may not close calibration sessions", p.Role)
	}
	id, err := numericPathID(r, "a calibration")
	if err != nil {
		return nil, err
	}
	s, err := a.DB.CloseCalibration(r.Context(), id)
	if err != nil {
		return nil, err
	}
	d, err := a.DB.CalibrationDeviationsOf(r.Context(), s)
	if err != nil {
		return nil, err
	}
	a.audit(r, "calibration_closed", "calibration", strconv.FormatInt(id, 10), map[string]any{"scores": len(s.Scores),
		"mean_abs_score_diff": d.MeanAbsScore})
	v := calibrationView{CalibrationSession: s, Submitted: []string{}, Deviations: &d}
	for _, sc := range s.Scores {
		v.Submitted = append(v.Submitted, sc.Evaluator)
	}
	return v, nil
}
