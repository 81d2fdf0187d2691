package dashboards

import (
	"context"
	"net/http"

	"github.com/callfloor/callfloor"
)

// Pause reasons: name, paid or unpaid, maximum duration. The database holds the list (seeded
// from the configuration file's acd.pause_reasons while empty); a change reaches the running
// ACD at once, the way queue and agent changes do (candidate → Reconfigure): the next pause is
// checked against the new list, and the live views show the new maximum.

// PauseReasonsBody is the list as the API takes and gives it.
type PauseReasonsBody struct {
	Reasons []callfloor.PauseReason `json:"reasons"`
}

// withPauseReasons puts the database's pause reasons into cfg (when it has any).
func (a *API) withPauseReasons(ctx context.Context, cfg *callfloor.Config) error {
	rs, err := a.DB.PauseReasons(ctx)
	if err != nil {
		return err
	}
	if len(rs) > 0 {
		cfg.ACD.PauseReasons = rs
	}
	return nil
}

// listPauseReasons: any signed-in user (the agent desktop offers them).
func (a *API) listPauseReasons(w http.ResponseWriter, r *http.Request) (any, error) {
	rs := a.ACD.PauseReasons()
	if rs == nil {
		rs = []callfloor.PauseReason{}
	}
	return PauseReasonsBody{Reasons: rs}, nil
}

// putPauseReasons replaces the list: admins and operations managers; audited.
func (a *API) putPauseReasons(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	var in PauseReasonsBody
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if in.Reasons == nil {
		return nil, invalid("reasons", "required: the list of pause reasons").With(callfloor.CodeRequired, nil)
	}
	if len(in.Reasons) == 0 {
		return nil, invalid("reasons", "at least one reason is required").With(callfloor.CodeTooFew, callfloor.Params{"min": 1, "what": "reason"})
	}
	if len(in.Reasons) > maxPauseReasons {
		return nil, invalid("reasons", "at most %d reasons, got %d", maxPauseReasons, len(in.Reasons)).With(callfloor.CodeTooLong, callfloor.Params{"max": maxPauseReasons})
	}
	if err := callfloor.ValidatePauseReasons("reasons", in.Reasons); err != nil {
		return nil, err
	}
	ctx := r.Context()
	a.mu.Lock()
	defer a.mu.Unlock()
	before := a.ACD.PauseReasons()
	cfg, err := a.candidate(ctx, func(cfg *callfloor.Config) { cfg.ACD.PauseReasons = in.Reasons })
	if err != nil {
		return nil, err
	}
	if err := a.DB.PutPauseReasons(ctx, in.Reasons); err != nil {
		return nil, err
	}
	if err := a.ACD.Reconfigure(cfg); err != nil {
		return nil, err
	}
	a.audit(r, "pause_reasons_updated", "pause_reasons", "", map[string]any{"before": before, "after": in.Reasons})
	return PauseReasonsBody{Reasons: a.ACD.PauseReasons()}, nil
}

// maxPauseReasons bounds the list.
const maxPauseReasons = 100
