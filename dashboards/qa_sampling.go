package dashboards

// QA sampling: sample plans, draws and the evaluators' worklists (storage/sampling.go).
//
// Who may do what:
//   - read plans and their draws (seed, period, sizes; no calls): QA, supervisors, operations
//     managers, admins and team leads;
//   - create plans, start and stop them, draw them: QA, operations managers and admins;
//   - the worklist: everyone reads their own (a team lead's holds their daily draw); QA,
//     operations managers and admins may read anyone's with ?evaluator=.

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// RegisterSampling adds the sampling routes.
func (a *API) RegisterSampling(mux Mux) {
	h := func(pattern string, fn handlerFunc) {
		mux.Handle(pattern, a.Auth.Middleware(a.wrap(fn)))
	}
	h("GET /api/v1/qa/plans", a.listPlans)
	h("POST /api/v1/qa/plans", a.createPlan)
	h("POST /api/v1/qa/plans/{id}/draws", a.drawPlan)
	h("GET /api/v1/qa/plans/{id}/draws", a.listPlanDraws)
	h("PUT /api/v1/qa/plans/{id}/active", a.setPlanActive)
	h("GET /api/v1/qa/worklist", a.worklist)
}

func canSample(p callfloor.Principal) bool {
	switch p.Role {
	case callfloor.RoleQA, callfloor.RoleOperationsManager, callfloor.RoleAdmin:
		return true
	}
	return false
}

func canReadPlans(p callfloor.Principal) bool {
	return p.CanSeeAll() || p.Role == callfloor.RoleTeamLead || p.Scoped()
}

// listPlans: every plan with its last draw and its next scheduled draw (periods in the centre's
// time zone, as the scheduled draws are made).
func (a *API) listPlans(w http.ResponseWriter, r *http.Request) (any, error) {
	if p := principal(r); !canReadPlans(p) {
		return nil, forbidden("the %s role may not read sample plans", p.Role)
	}
	if err := checkParams(r); err != nil {
		return nil, err
	}
	ps, err := a.DB.PlanStatuses(r.Context(), time.Now(), a.Base.Location())
	if err != nil {
		return nil, err
	}
	return map[string]any{"plans": ps}, nil
}

func (a *API) listPlanDraws(w http.ResponseWriter, r *http.Request) (any, error) {
	if p := principal(r); !canReadPlans(p) {
		return nil, forbidden("the %s role may not read sample draws", p.Role)
	}
	id, err := numericPathID(r, "a sample plan")
	if err != nil {
		return nil, err
	}
	if err := checkParams(r, "limit"); err != nil {
		return nil, err
	}
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 1000 {
			return nil, invalid("limit", "must be 1..1000").With(callfloor.CodeOutOfRange, callfloor.Params{"min": 1, "max": 1000})
		}
	}
	ds, err := a.DB.PlanDraws(r.Context(), id, limit)
	if err != nil {
		return nil, err
	}
	return map[string]any{"plan_id": id, "draws": ds}, nil
}

// PlanActiveInput is the body of PUT /qa/plans/{id}/active.
type PlanActiveInput struct {
	Active *bool `json:"active"`
}

func (a *API) setPlanActive(w http.ResponseWriter, r *http.Request) (any, error) {
	p := principal(r)
	if !canSample(p) {
		return nil, forbidden("the %s role may not change sample plans", p.Role)
	}
	id, err := numericPathID(r, "a sample plan")
	if err != nil {
		return nil, err
	}
	var in PlanActiveInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if in.Active == nil {
		return nil, invalid("active", "required").With(callfloor.CodeRequired, nil)
	}
	plan, err := a.DB.SetPlanActive(r.Context(), id, *in.Active)
	if err != nil {
		return nil, err
	}
	a.audit(r, "sample_plan_updated", "sample_plan", strconv.FormatInt(plan.ID, 10), map[string]any{"active": plan.Active})
	return plan, nil
}

// PlanInput is the body of POST /qa/plans.
type PlanInput struct {
	Name   string               `json:"name"`
	Period string               `json:"period"`
	Plan   callfloor.SamplePlan `json:"plan"`
}

func (a *API) createPlan(w http.ResponseWriter, r *http.Request) (any, error) {
	p := principal(r)
	if !canSample(p) {
		return nil, forbidden("the %s role may not create sample plans", p.Role)
	}
	var in PlanInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	plan, err := a.DB.CreatePlan(r.Context(), storage.NewSamplePlan{Name: in.Name, Period: in.Period, Plan: in.Plan, CreatedBy: p.Username})
	if err != nil {
		return nil, err
	}
	a.audit(r, "sample_plan_created", "sample_plan", strconv.FormatInt(plan.ID, 10), map[string]any{"name": plan.Name, "scope": plan.Scope,
		"period": plan.Period})
	return created{plan}, nil
}

// DrawInput is the body of POST /qa/plans/{id}/draws. Without a seed a random one is chosen;
// either way it is stored with the draw.
type DrawInput struct {
	From *time.Time `json:"from"`
	To   *time.Time `json:"to"`
	Seed *int64     `json:"seed"`
}

// DrawResult is a draw with its picks and the assignments it made.
type DrawResult struct {
	storage.SampleDraw
	Assignments []storage.SampleAssignment `json:"assignments"`
}

func (a *API) drawPlan(w http.ResponseWriter, r *http.Request) (any, error) {
	p := principal(r)
	if !canSample(p) {
		return nil, forbidden("the %s role may not draw samples", p.Role)
	}
	id, err := numericPathID(r, "a sample plan")
	if err != nil {
		return nil, err
	}
	var in DrawInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if in.From == nil {
		return nil, invalid("from", "required").With(callfloor.CodeRequired, nil)
	}
	if in.To == nil {
		return nil, invalid("to", "required").With(callfloor.CodeRequired, nil)
	}
	seed := rand.Int64()
	if in.Seed != nil {
		seed = *in.Seed
	}
	d, as, err := a.DB.RunPlan(r.Context(), id, seed, *in.From, *in.To, p.Username)
	if err != nil {
		return nil, err
	}
	if as == nil {
		as = []storage.SampleAssignment{}
	}
	a.audit(r, "sample_drawn", "sample_draw", strconv.FormatInt(d.ID, 10), map[string]any{"plan_id": id, "seed": d.Seed,
		"filters": d.Filters, "population_size": d.PopulationSize, "quota": d.Quota, "short": d.Short, "picks": len(d.Picks),
		"assigned": len(as), "unassigned": len(d.Unassigned)})
	return created{DrawResult{SampleDraw: d, Assignments: as}}, nil
}

func (a *API) worklist(w http.ResponseWriter, r *http.Request) (any, error) {
	q := r.URL.Query()
	for k, v := range q {
		if k != "evaluator" {
			return nil, invalid(k, "unknown parameter").With(callfloor.CodeUnknownField, nil)
		}
		if len(v) > 1 {
			return nil, invalid(k, "given more than once").With(callfloor.CodeDuplicate, nil)
		}
	}
	p := principal(r)
	who := p.Username
	if e := q.Get("evaluator"); e != "" && e != p.Username {
		if !canSample(p) {
			return nil, forbidden("the %s role may read only its own worklist", p.Role)
		}
		who = e
	}
	as, err := a.DB.Worklist(r.Context(), who)
	if err != nil {
		return nil, err
	}
	return map[string]any{"evaluator": who, "assignments": as}, nil
}
