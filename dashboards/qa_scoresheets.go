package dashboards

// Sending score sheets: a team lead sends the day's score sheet (GET /qa/score-sheet) to the
// project managers; project managers (and supervisors, operations managers, admins, QA and
// trainers, who see the whole floor) read the inbox of sheets sent and still missing.

import (
	"bytes"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// RegisterScoreSheets adds the score-sheet sending routes.
func (a *API) RegisterScoreSheets(mux Mux) {
	mux.Handle("POST /api/v1/qa/score-sheet/send", a.Auth.Middleware(a.wrap(a.sendScoreSheet)))
	mux.Handle("GET /api/v1/qa/score-sheets", a.Auth.Middleware(a.wrap(a.scoreSheetInbox)))
	mux.Handle("GET /api/v1/qa/score-sheets/sent", a.Auth.Middleware(a.formatted(a.sentScoreSheet, writeSentCSV, writeSentHTML)))
}

// sentScoreSheet: GET /qa/score-sheets/sent?team=&day=&lead= — a sheet as its lead sent it,
// with its evaluations as they are now; for those who read the inbox (a team lead: their team).
func (a *API) sentScoreSheet(r *http.Request) (any, error) {
	// lang: the UI's language (the links of the score-sheet pages carry it for the printable sheet and CSV)
	if err := checkParams(r, "team", "day", "lead", "format", "lang"); err != nil {
		return nil, err
	}
	q := r.URL.Query()
	team, day, lead := q.Get("team"), q.Get("day"), q.Get("lead")
	for f, v := range map[string]string{"team": team, "day": day, "lead": lead} {
		if v == "" {
			return nil, invalid(f, "required").With(callfloor.CodeRequired, nil)
		}
	}
	if _, err := parseLocalDay("day", day, a.loc()); err != nil {
		return nil, err
	}
	p := principal(r)
	if !p.CanSeeAll() && !(p.Scoped() && p.CanSeeTeam(team)) && (p.Role != callfloor.RoleTeamLead || p.TeamID == "" || p.TeamID != team) {
		return nil, forbidden("the %s role may not read the score sheets of team %q", p.Role, team)
	}
	return a.DB.SentScoreSheet(r.Context(), team, day, lead, a.loc())
}

func writeSentCSV(v any, lang string) [][]string {
	s := v.(storage.SentSheet)
	return writeSheetCSV(storage.ScoreSheet{Team: s.Team, Day: s.Day, Evaluator: s.Lead, Rows: s.Rows}, lang)
}

var sentHTML = template.Must(template.New("sent").Funcs(langFuncs(langEN)).Funcs(template.FuncMap{"pct": pct,
	"f2": func(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }}).Parse(`<!doctype html>
<html lang="{{t "html.lang"}}"><head><meta charset="utf-8"><title>{{t "sheet.title" .Team .Day}}{{t "sheet.sent_by" .Lead}}</title>
<style>` + printCSS + `</style></head><body>
<h1>{{t "sheet.h1" .Team .Day}}{{t "sheet.sent_by" .Lead}}</h1>
<p>{{t "sheet.sent" (.SubmittedAt.Format "2006-01-02 15:04 MST")}}{{t "sheet.summary" .Evaluations .Quota (pct .AvgScore) .Fatal}}</p>
{{if .Note}}<p>{{t "sheet.note" .Note}}</p>{{end}}
<p>{{t "sheet.now"}}</p>
<table><thead><tr><th>{{t "col.id"}}</th><th>{{t "col.call"}}</th><th>{{t "col.agent"}}</th><th>{{t "col.scorecard"}}</th><th>{{t "col.final"}}</th><th>{{t "col.fatal"}}</th><th>{{t "col.status"}}</th></tr></thead>
<tbody>{{range .Rows}}<tr><td>{{.ID}}</td><td>{{.CallID}}</td><td>{{.AgentID}}</td><td>{{.ScorecardID}} v{{.Version}}</td>
<td class="n">{{f2 .ScoreFinal}}</td><td>{{if .Fatal}}{{t "fatal"}}{{end}}</td><td>{{word "status." .Status}}</td></tr>{{else}}<tr><td colspan="7">{{t "report.none"}}</td></tr>{{end}}</tbody></table>
</body></html>
`))

func writeSentHTML(w *bytes.Buffer, v any, lang string) error { return executeIn(sentHTML, w, v, lang) }

// SendScoreSheetInput is the body of POST /qa/score-sheet/send.
type SendScoreSheetInput struct {
	Day  string `json:"day"`  // YYYY-MM-DD, the centre's day; default today
	Note string `json:"note"` // required when the sheet is short of its quota
}

func (a *API) sendScoreSheet(w http.ResponseWriter, r *http.Request) (any, error) {
	p := principal(r)
	if p.Role != callfloor.RoleTeamLead || p.TeamID == "" {
		return nil, forbidden("only a team lead with a team sends a score sheet (you are %s)", p.Role)
	}
	var in SendScoreSheetInput
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
	s, err := a.DB.SendScoreSheet(r.Context(), p.TeamID, p.Username, day, strings.TrimSpace(in.Note), now)
	if err != nil {
		return nil, err
	}
	a.audit(r, "score_sheet_sent", "score_sheet", s.Team+"/"+s.Day, map[string]any{"evaluations": s.Evaluations, "quota": s.Quota})
	return created{s}, nil
}

// ScoreSheetInbox is the answer of GET /qa/score-sheets.
type ScoreSheetInbox struct {
	From    string                  `json:"from"`
	To      string                  `json:"to"` // exclusive
	Sent    int                     `json:"sent"`
	Missing int                     `json:"missing"`
	Sheets  []storage.ScoreSheetDue `json:"sheets"`
}

func (a *API) scoreSheetInbox(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := checkParams(r, "from", "to", "team"); err != nil {
		return nil, err
	}
	q := r.URL.Query()
	p := principal(r)
	team := q.Get("team")
	switch {
	case p.CanSeeAll():
	case p.Scoped(): // a project manager: their projects' teams' sheets
		if team != "" && !p.CanSeeTeam(team) {
			return nil, forbidden("team %q is outside the projects of %s %q", team, p.Role, p.Username)
		}
	case p.Role == callfloor.RoleTeamLead && p.TeamID != "":
		if team != "" && team != p.TeamID {
			return nil, forbidden("team lead of %q may not read the score sheets of team %q", p.TeamID, team)
		}
		team = p.TeamID
	default:
		return nil, forbidden("the %s role may not read score sheets", p.Role)
	}
	loc := a.loc()
	now := time.Now().In(loc)
	to := storage.PeriodStart(storage.PeriodDay, now).AddDate(0, 0, 1)
	from := to.AddDate(0, 0, -7)
	var err error
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
	sheets, err := a.DB.ScoreSheetInbox(r.Context(), from, to, team, now)
	if err != nil {
		return nil, err
	}
	if p.Scoped() && team == "" {
		kept := sheets[:0]
		for _, s := range sheets {
			if p.CanSeeTeam(s.Team) {
				kept = append(kept, s)
			}
		}
		sheets = kept
	}
	out := ScoreSheetInbox{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Sheets: sheets}
	for _, s := range sheets {
		if s.Sent != nil {
			out.Sent++
		} else {
			out.Missing++
		}
	}
	return out, nil
}
