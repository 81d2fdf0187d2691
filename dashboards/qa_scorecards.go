package dashboards

// QA scorecards: versioned evaluation forms (storage/scorecards.go). Every authenticated user
// may read them (an agent sees the form they are scored with); QA, operations managers and
// admins write them. An edit is a new version; older versions stay readable with ?version=N.

import (
	"net/http"
	"strconv"

	"github.com/callfloor/callfloor"
)

// RegisterScorecards adds the /api/v1/scorecards routes to mux (Register calls it).
func (a *API) RegisterScorecards(mux Mux) {
	h := func(pattern string, fn handlerFunc) {
		mux.Handle(pattern, a.Auth.Middleware(a.wrap(fn)))
	}
	h("GET /api/v1/scorecards", a.listScorecards)
	h("POST /api/v1/scorecards", a.createScorecard)
	h("GET /api/v1/scorecards/{id}", a.getScorecard)
	h("PUT /api/v1/scorecards/{id}", a.updateScorecard)
	h("DELETE /api/v1/scorecards/{id}", a.retireScorecard)
}

// requireScorecardWriter lets QA, operations managers and admins change scorecards.
func requireScorecardWriter(r *http.Request) error {
	switch p := principal(r); p.Role {
	case callfloor.RoleQA, callfloor.RoleOperationsManager, callfloor.RoleAdmin:
		return nil
	default:
		return forbidden("changing scorecards needs the qa, operations_manager or admin role (you are %s)", p.Role)
	}
}

func (a *API) listScorecards(w http.ResponseWriter, r *http.Request) (any, error) {
	list, err := a.DB.ListScorecards(r.Context())
	if err != nil {
		return nil, err
	}
	return map[string]any{"scorecards": list}, nil
}

func (a *API) createScorecard(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireScorecardWriter(r); err != nil {
		return nil, err
	}
	var card callfloor.Scorecard
	if err := decode(r, &card); err != nil {
		return nil, err
	}
	card, err := a.DB.CreateScorecard(r.Context(), card, principal(r).Username)
	if err != nil {
		return nil, err
	}
	a.audit(r, "scorecard_created", "scorecard", card.ID, map[string]any{"version": card.Version, "name": card.Name})
	return created{card}, nil
}

func (a *API) getScorecard(w http.ResponseWriter, r *http.Request) (any, error) {
	version := 0
	if s := r.URL.Query().Get("version"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			return nil, invalid("version", "a version number ≥ 1, got %q", s).With(callfloor.CodeOutOfRange, callfloor.Params{"min": 1, "value": s})
		}
		version = v
	}
	return a.DB.Scorecard(r.Context(), r.PathValue("id"), version)
}

func (a *API) updateScorecard(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireScorecardWriter(r); err != nil {
		return nil, err
	}
	var card callfloor.Scorecard
	if err := decode(r, &card); err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	card, err := a.DB.UpdateScorecard(r.Context(), id, card, principal(r).Username)
	if err != nil {
		return nil, err
	}
	a.audit(r, "scorecard_versioned", "scorecard", id, map[string]any{"version": card.Version, "name": card.Name})
	return card, nil
}

func (a *API) retireScorecard(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireScorecardWriter(r); err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	if err := a.DB.RetireScorecard(r.Context(), id, principal(r).Username); err != nil {
		return nil, err
	}
	a.audit(r, "scorecard_retired", "scorecard", id, nil)
	return map[string]any{"retired": id}, nil
}
