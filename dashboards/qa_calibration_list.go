package dashboards

// GET /qa/calibrations: the calibration sessions the caller may open. QA, operations managers
// and admins (canRunCalibration) see every session; anyone else the sessions they are invited
// to. A summary names who has scored but carries no answers, so the list stays blind whatever
// the session's state (the session itself, GET /qa/calibrations/{id}, shows answers after the close).

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

func (a *API) listCalibrations(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := checkParams(r, "status", "limit"); err != nil {
		return nil, err
	}
	q := r.URL.Query()
	f := storage.CalibrationFilter{Status: q.Get("status")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, invalid("limit", "not a positive number: %q", v).With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "integer", "value": v})
		}
		f.Limit = n
	}
	if p := principal(r); !canRunCalibration(p) {
		if !evaluatorRoles[p.Role] { // invited once, since moved to a role that does not calibrate
			return map[string]any{"calibrations": []storage.CalibrationSummary{}}, nil
		}
		f.Member = p.Username
	}
	list, err := a.DB.ListCalibrations(r.Context(), f)
	if err != nil {
		return nil, err
	}
	return map[string]any{"calibrations": list}, nil
}

// Evaluator is a user who may score calls, as GET /qa/evaluators lists them.
type Evaluator struct {
	Username    string         `json:"username"`
	DisplayName string         `json:"display_name"`
	Role        callfloor.Role `json:"role"`
	TeamID      string         `json:"team_id,omitempty"`
}

// evaluatorRoles are the roles a calibration session may invite.
var evaluatorRoles = map[callfloor.Role]bool{callfloor.RoleQA: true, callfloor.RoleTeamLead: true,
	callfloor.RoleOperationsManager: true, callfloor.RoleTrainer: true}

// listEvaluators: GET /qa/evaluators, the enabled users who may be invited to calibrate (QA,
// team leads, operations managers, trainers), for those who open sessions — QA may not list
// users in general.
func (a *API) listEvaluators(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := checkParams(r); err != nil {
		return nil, err
	}
	if p := principal(r); !canRunCalibration(p) {
		return nil, forbidden("the %s role may not open calibration sessions", p.Role)
	}
	users, err := a.DB.ListUsers(r.Context())
	if err != nil {
		return nil, err
	}
	out := []Evaluator{}
	for _, u := range users {
		if !u.Disabled && evaluatorRoles[u.Role] {
			out = append(out, Evaluator{Username: u.Username, DisplayName: u.DisplayName, Role: u.Role, TeamID: u.TeamID})
		}
	}
	return map[string]any{"evaluators": out}, nil
}

// checkInvitees: the reference and every invitee are enabled users of an evaluator role, and
// none is the call's own agent (nobody calibrates, or sets the reference for, their own call).
func (a *API) checkInvitees(ctx context.Context, call storage.CallRecord, in CalibrationInput) error {
	for i, ev := range append(append([]string{}, in.Evaluators...), in.ReferenceEvaluator) {
		if ev == "" {
			continue
		}
		field := "reference_evaluator"
		if i < len(in.Evaluators) {
			field = fmt.Sprintf("evaluators[%d]", i)
		}
		u, err := a.DB.GetUserByUsername(ctx, ev)
		switch {
		case callfloor.ErrorCode(err) == callfloor.ENOTFOUND:
			return invalid(field, "no user %q", ev).With(callfloor.CodeUnknownRef, callfloor.Params{"what": "user", "value": ev})
		case err != nil:
			return err
		case u.Disabled:
			return invalid(field, "%q is disabled", ev).With(callfloor.CodeNotAllowed, callfloor.Params{"value": ev, "state": "disabled"})
		case !evaluatorRoles[u.Role]:
			return invalid(field, "%q is %s: only QA, team leads, operations managers and trainers calibrate", ev, u.Role).With(callfloor.CodeNotAllowed, callfloor.Params{"value": ev, "role": string(u.Role)})
		case u.AgentID != "" && u.AgentID == call.Agent:
			return invalid(field, "%q took call %s: nobody calibrates their own call", ev, call.ID).With(callfloor.CodeNotAllowed, callfloor.Params{"value": ev})
		}
	}
	return nil
}
