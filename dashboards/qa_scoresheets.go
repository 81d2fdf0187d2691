package dashboards

// Sending score sheets: a team lead sends the day's score sheet (GET /qa/score-sheet) to the
// project managers; project managers (and supervisors, operations managers, admins, QA and
// trainers, who see the whole floor) read the inbox of sheets sent and still missing.

import (
	"net/http"
	"strings"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// RegisterScoreSheets adds the score-sheet sending routes.
func (a *API) RegisterScoreSheets(mux Mux) {
	mux.Handle("POST /api/v1/qa/score-sheet/send", a.Auth.Middleware(a.wrap(a.sendScoreSheet)))
	mux.Handle("GET /api/v1/qa/score-sheets", a.Auth.Middleware(a.wrap(a.scoreSheetInbox)))
}

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
