package dashboards

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// The call-back list (issue 14, storage/callbacks.go): a team's abandoned callers and failed
// call-backs. Agents and team leads see their team's list and work it (claim, dial with the
// click-to-call, record the outcome); supervisors and up see every team's; project managers
// their projects' teams. 回拨及时率 per team, queue and day.

func (a *API) registerCallbacks(h func(string, handlerFunc)) {
	h("GET /api/v1/callbacks", a.listCallbacks)
	h("GET /api/v1/callbacks/timeliness", a.callbackTimeliness)
	h("GET /api/v1/callbacks/waiting", a.callbacksWaiting)
	h("POST /api/v1/callbacks/{id}/claim", a.callbackAction("claim"))
	h("POST /api/v1/callbacks/{id}/dial", a.callbackAction("dial"))
	h("POST /api/v1/callbacks/{id}/outcome", a.callbackAction("outcome"))
}

// callbackSync keeps SyncCallbacks to one run at a time per process, at most every few seconds
// when asked by requests (the background loop runs it regularly too).
var callbackSync struct {
	sync.Mutex
	last time.Time
}

// CallbackSyncRules builds the list's rules from the running queues: each queue's team
// (callback.team or the team with the most agents serving it) and target.
func (a *API) CallbackSyncRules() storage.CallbackSync {
	cfg := &callfloor.Config{Queues: a.ACD.Queues(), Agents: a.ACD.Agents()}
	rules := map[string]storage.CallbackRule{}
	for _, q := range cfg.Queues {
		rules[q.Name] = storage.CallbackRule{Team: cfg.CallbackTeam(q.Name), Target: q.Callback.Target}
	}
	return storage.CallbackSync{Rules: rules, Country: "86"}
}

// SyncCallbacks brings the call-back list up to date with the history (skipped when it ran
// less than minGap ago).
func (a *API) SyncCallbacks(ctx context.Context, minGap time.Duration) error {
	callbackSync.Lock()
	defer callbackSync.Unlock()
	if time.Since(callbackSync.last) < minGap {
		return nil
	}
	_, _, err := a.DB.SyncCallbacks(ctx, time.Now(), a.CallbackSyncRules())
	if err == nil {
		callbackSync.last = time.Now()
	}
	return err
}

// RunCallbackSync syncs the call-back list every `every` until ctx ends.
func (a *API) RunCallbackSync(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := a.SyncCallbacks(ctx, 0); err != nil && ctx.Err() == nil && a.Log != nil {
			a.logWarn("syncing the call-back list", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// callbackTeams is the teams whose list the principal sees (nil: every team), narrowed to
// ?team= when given.
func (a *API) callbackTeams(r *http.Request) (*[]string, error) {
	p := principal(r)
	want := strings.TrimSpace(r.URL.Query().Get("team"))
	var teams *[]string
	switch {
	case p.Role == callfloor.RoleAgent || p.Role == callfloor.RoleTeamLead:
		t := []string{p.TeamID}
		if p.TeamID == "" {
			if ag, err := a.agentProfile(p.AgentID); err == nil && ag.Team != "" {
				t = []string{ag.Team}
			} else {
				t = []string{}
			}
		}
		teams = &t
	case p.Role == callfloor.RoleProjectManager:
		t := append([]string{}, p.ProjectTeams...)
		teams = &t
	case !p.CanSeeAll():
		return nil, forbidden("the call-back lists are for agents, team leads and supervisors (you are %s)", p.Role)
	}
	if want != "" {
		if teams != nil && !containsStr(*teams, want) {
			return nil, forbidden("team %q is outside what %s %q may see", want, p.Role, p.Username)
		}
		teams = &[]string{want}
	}
	return teams, nil
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (a *API) listCallbacks(w http.ResponseWriter, r *http.Request) (any, error) {
	teams, err := a.callbackTeams(r)
	if err != nil {
		return nil, err
	}
	var status []string
	switch s := r.URL.Query().Get("status"); s {
	case "", "open":
	case "closed":
		status = []string{storage.CallbackDone, storage.CallbackServed}
	case "all":
		status = []string{storage.CallbackOpen, storage.CallbackClaimed, storage.CallbackDone, storage.CallbackServed}
	default:
		return nil, invalid("status", "%q is not one of open, closed, all", s).With(callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []string{"open", "closed", "all"}, "value": s})
	}
	if err := a.SyncCallbacks(r.Context(), 5*time.Second); err != nil {
		a.logWarn("syncing the call-back list", "err", err)
	}
	list, err := a.DB.Callbacks(r.Context(), time.Now(), storage.CallbackFilter{Teams: teams, Status: status})
	if err != nil {
		return nil, err
	}
	return map[string]any{"callbacks": list}, nil
}

// callbackAction: claim an entry, dial it (as the principal's ACD agent, the number in its
// national form) or record its outcome. The principal must see the entry's team; the entry is
// held by their username.
func (a *API) callbackAction(op string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) (any, error) {
		p := principal(r)
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil || id <= 0 {
			return nil, invalid("id", "not a call-back id: %q", r.PathValue("id")).With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "id", "value": r.PathValue("id")})
		}
		var body struct {
			Outcome string `json:"outcome"`
			Note    string `json:"note"`
		}
		if op == "outcome" {
			if err := decode(r, &body); err != nil {
				return nil, err
			}
			if body.Outcome == "" {
				return nil, invalid("outcome", "required").With(callfloor.CodeRequired, nil)
			}
		}
		teams, err := a.callbackTeams(r)
		if err != nil {
			return nil, err
		}
		now := time.Now()
		e, err := a.DB.Callback(r.Context(), now, id)
		if err != nil {
			return nil, err
		}
		if teams != nil && !containsStr(*teams, e.Team) {
			return nil, forbidden("call-back %d is %s's, outside what %s %q may see", id, e.Team, p.Role, p.Username)
		}
		switch op {
		case "claim":
			e, err = a.DB.ClaimCallback(r.Context(), now, id, p.Username)
		case "dial":
			if p.AgentID == "" {
				return nil, forbidden("dialling needs an ACD agent to call from (%q has none)", p.Username)
			}
			if e.Status != storage.CallbackClaimed || e.ClaimedBy != p.Username {
				return nil, &callfloor.Error{Code: storage.CodeCallbackTaken, Kind: callfloor.ECONFLICT, Params: callfloor.Params{"by": e.ClaimedBy, "status": e.Status},
					Message: "claim the call-back before dialling it"}
			}
			callID, derr := a.ACD.Dial(r.Context(), p.AgentID, callfloor.NationalDial(e.Phone))
			if derr != nil {
				return nil, derr
			}
			e, err = a.DB.CallbackDialled(r.Context(), now, id, p.Username, callID)
		case "outcome":
			e, err = a.DB.RecordCallback(r.Context(), now, id, p.Username, body.Outcome, strings.TrimSpace(body.Note))
			if err == nil {
				a.audit(r, "callback_outcome", "callback", strconv.FormatInt(id, 10), map[string]any{"outcome": body.Outcome, "phone": e.Phone, "team": e.Team})
			}
		}
		if err != nil {
			return nil, err
		}
		return e, nil
	}
}

// callbackTimeliness: 回拨及时率 per day, team and queue over [from, to] (days in the centre's
// zone; default the last 7 days), with the total.
func (a *API) callbackTimeliness(w http.ResponseWriter, r *http.Request) (any, error) {
	teams, err := a.callbackTeams(r)
	if err != nil {
		return nil, err
	}
	loc := a.loc()
	now := time.Now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	from, to := today.AddDate(0, 0, -6), today
	q := r.URL.Query()
	if v := q.Get("from"); v != "" {
		if from, err = parseLocalDay("from", v, loc); err != nil {
			return nil, err
		}
	}
	if v := q.Get("to"); v != "" {
		if to, err = parseLocalDay("to", v, loc); err != nil {
			return nil, err
		}
	}
	if to.Before(from) {
		return nil, invalid("to", "must not be before from").With(callfloor.CodeMustBeBelow, callfloor.Params{"other": "from"})
	}
	if to.Sub(from) > 92*24*time.Hour {
		return nil, invalid("to", "at most 92 days").With(callfloor.CodeOutOfRange, callfloor.Params{"max": 92, "unit": "d"})
	}
	if err := a.SyncCallbacks(r.Context(), 5*time.Second); err != nil {
		a.logWarn("syncing the call-back list", "err", err)
	}
	rows, err := a.DB.CallbackTimeliness(r.Context(), time.Now(), from, to.AddDate(0, 0, 1), loc, teams)
	if err != nil {
		return nil, err
	}
	var due, within int
	for _, row := range rows {
		due += row.Due
		within += row.Within
	}
	total := map[string]any{"due": due, "within": within, "rate": nil}
	if due > 0 {
		total["rate"] = float64(within) / float64(due)
	}
	return map[string]any{"from": from.Format(time.DateOnly), "to": to.Format(time.DateOnly), "rows": rows, "total": total}, nil
}

// callbacksWaiting: how many call-backs wait in each queue the principal may see (live).
func (a *API) callbacksWaiting(w http.ResponseWriter, r *http.Request) (any, error) {
	p := principal(r)
	var names []string
	for _, q := range a.ACD.Queues() {
		if p.CanSeeQueue(q.Name) {
			names = append(names, q.Name)
		}
	}
	n, err := a.ACD.Store().CallbacksWaiting(r.Context(), names)
	if err != nil {
		return nil, err
	}
	return map[string]any{"waiting": n}, nil
}
