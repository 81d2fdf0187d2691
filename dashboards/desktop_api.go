package dashboards

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
	"github.com/callfloor/callfloor/telephony"
)

// The agent desktop's API (issue 10 item 5): hang up, blind transfer, end wrap-up early,
// cancel a pending pause ("pause after this call" is POST .../pause during a call or wrap-up),
// disposition codes per queue, a call's disposition and note, and the caller's recent calls.

// DeskACD is what the desktop needs of the call distributor (telephony.ACD implements it).
type DeskACD interface {
	Hangup(ctx context.Context, agentID string) error
	Transfer(ctx context.Context, agentID, queue, agent, number string) error
	EndWrapUp(ctx context.Context, id string) (callfloor.AgentStatus, error)
	CancelPendingPause(ctx context.Context, id string) (callfloor.AgentStatus, error)
	// DialLead places a preview dial of a campaign's lead under its dial id (desktop_leads.go).
	DialLead(ctx context.Context, agentID, number string, d telephony.LeadDial) (string, error)
}

// DispositionWindow is how long after a call ended its disposition and note may still be set or
// changed (by its agent, or whoever may act on them).
const DispositionWindow = 24 * time.Hour

// MaxNoteLen bounds a call's note (characters).
const MaxNoteLen = 2000

// desktopStatus maps the desktop's error codes to HTTP statuses.
var desktopStatus = map[string]int{
	callfloor.EDispositionRequired: http.StatusConflict,
	callfloor.ENotInWrapUp:         http.StatusConflict,
	callfloor.ENotOnCall:           http.StatusConflict,
	callfloor.EAgentUnavailable:    http.StatusConflict,
	callfloor.EDispositionClosed:   http.StatusConflict,
}

// registerDesktop adds the desktop's routes (h registers one JSON handler).
func (a *API) registerDesktop(h func(pattern string, fn handlerFunc)) {
	h("POST /api/v1/agents/{id}/hangup", a.deskHangup)
	h("POST /api/v1/agents/{id}/transfer", a.deskTransfer)
	h("POST /api/v1/agents/{id}/ready", a.deskReady)
	h("DELETE /api/v1/agents/{id}/pending-pause", a.deskCancelPending)
	h("GET /api/v1/queues/{name}/dispositions", a.getDispositions)
	h("PUT /api/v1/queues/{name}/dispositions", a.putDispositions)
	h("PUT /api/v1/calls/{id}/disposition", a.putCallDisposition)
	h("GET /api/v1/calls/recent", a.recentCalls)
	a.registerDeskLeads(h) // the lead card, preview next/dial/skip (desktop_leads.go)
}

func (a *API) desk() (DeskACD, error) {
	d, ok := a.ACD.(DeskACD)
	if !ok {
		return nil, fmt.Errorf("the call distributor has no desktop actions")
	}
	return d, nil
}

// onBehalf audits an action taken on another agent's behalf.
func (a *API) onBehalf(r *http.Request, action, agent string, detail map[string]any) {
	if p := principal(r); p.AgentID != agent {
		a.audit(r, action, "agent", agent, detail)
	}
}

func (a *API) deskHangup(w http.ResponseWriter, r *http.Request) (any, error) {
	ag, err := a.scopedAgent(r, r.PathValue("id"), canAct)
	if err != nil {
		return nil, err
	}
	d, err := a.desk()
	if err != nil {
		return nil, err
	}
	st, _ := a.ACD.AgentStatus(r.Context(), ag.ID)
	if err := d.Hangup(r.Context(), ag.ID); err != nil {
		return nil, err
	}
	a.onBehalf(r, "agent_hangup", ag.ID, map[string]any{"call_id": st.Call})
	return a.ACD.AgentStatus(r.Context(), ag.ID)
}

// deskNumber cleans a number as people write it: spaces, dashes, dots and brackets go.
func deskNumber(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.', '(', ')', '\u00a0':
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

func (a *API) deskTransfer(w http.ResponseWriter, r *http.Request) (any, error) {
	ag, err := a.scopedAgent(r, r.PathValue("id"), canAct)
	if err != nil {
		return nil, err
	}
	var body struct {
		ToQueue  string `json:"to_queue"`
		ToAgent  string `json:"to_agent"`
		ToNumber string `json:"to_number"`
	}
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	d, err := a.desk()
	if err != nil {
		return nil, err
	}
	number := deskNumber(body.ToNumber)
	st, _ := a.ACD.AgentStatus(r.Context(), ag.ID)
	if err := d.Transfer(r.Context(), ag.ID, body.ToQueue, body.ToAgent, number); err != nil {
		return nil, err
	}
	to := map[string]any{"call_id": st.Call}
	switch {
	case body.ToQueue != "":
		to["to_queue"] = body.ToQueue
	case body.ToAgent != "":
		to["to_agent"] = body.ToAgent
	default:
		to["to_number"] = number
	}
	a.onBehalf(r, "agent_transfer", ag.ID, to)
	return a.ACD.AgentStatus(r.Context(), ag.ID)
}

// deskReady ends the agent's wrap-up early: available, or the pending pause. Where the call's
// queue requires a disposition, one must have been given (disposition_required). If PostgreSQL
// does not answer, the check is skipped: the floor goes on.
func (a *API) deskReady(w http.ResponseWriter, r *http.Request) (any, error) {
	ag, err := a.scopedAgent(r, r.PathValue("id"), canAct)
	if err != nil {
		return nil, err
	}
	d, err := a.desk()
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	st, err := a.ACD.AgentStatus(ctx, ag.ID)
	if err != nil {
		return nil, err
	}
	if st.State == callfloor.AgentWrapUp && st.LastCall != "" {
		if err := a.dispositionGiven(ctx, st.LastCall); err != nil {
			return nil, err
		}
	}
	out, err := d.EndWrapUp(ctx, ag.ID)
	if err != nil {
		return nil, err
	}
	a.onBehalf(r, "agent_ready", ag.ID, nil)
	return out, nil
}

// dispositionGiven refuses when the call's queue requires a disposition and it has none.
func (a *API) dispositionGiven(ctx context.Context, callID string) error {
	c, err := a.ACD.Store().Call(ctx, callID)
	if err != nil || a.DB == nil {
		return nil // the live record expired (an hour after the call): nothing to insist on
	}
	if c.CampaignID != "" && c.LeadID > 0 {
		return a.leadDispositionGiven(ctx, c)
	}
	if c.Queue == "" {
		return nil
	}
	set, err := a.DB.QueueDispositions(ctx, c.Queue)
	if err != nil {
		a.logWarn("disposition check skipped", "call_id", callID, "err", err)
		return nil
	}
	if !set.Required {
		return nil
	}
	d, err := a.DB.GetCallDisposition(ctx, callID)
	switch {
	case callfloor.ErrorCode(err) == callfloor.ENOTFOUND || (err == nil && d.Code == ""):
		return &callfloor.Error{Code: callfloor.EDispositionRequired, Field: "disposition",
			Message: fmt.Sprintf("queue %s requires a disposition for call %s before wrap-up ends", c.Queue, callID)}
	case err != nil:
		a.logWarn("disposition check skipped", "call_id", callID, "err", err)
	}
	return nil
}

func (a *API) logWarn(msg string, args ...any) {
	if a.Log != nil {
		a.Log.Warn(msg, args...)
	}
}

func (a *API) deskCancelPending(w http.ResponseWriter, r *http.Request) (any, error) {
	ag, err := a.scopedAgent(r, r.PathValue("id"), canAct)
	if err != nil {
		return nil, err
	}
	d, err := a.desk()
	if err != nil {
		return nil, err
	}
	st, err := d.CancelPendingPause(r.Context(), ag.ID)
	if err != nil {
		return nil, err
	}
	a.onBehalf(r, "agent_pending_pause_cancelled", ag.ID, nil)
	return st, nil
}

// ---- disposition codes ----

var dispositionCodeRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// MaxDispositions bounds a queue's disposition codes.
const MaxDispositions = 100

func (a *API) getDispositions(w http.ResponseWriter, r *http.Request) (any, error) {
	q, err := a.ACD.Queue(r.PathValue("name"))
	if err != nil {
		return nil, err
	}
	return a.DB.QueueDispositions(r.Context(), q.Name)
}

func (a *API) putDispositions(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	q, err := a.ACD.Queue(r.PathValue("name"))
	if err != nil {
		return nil, err
	}
	var body struct {
		Required *bool                 `json:"disposition_required"`
		Codes    []storage.Disposition `json:"codes"`
	}
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	if body.Codes == nil {
		return nil, invalid("codes", "required (a list, possibly empty)").With(callfloor.CodeRequired, nil)
	}
	if len(body.Codes) > MaxDispositions {
		return nil, invalid("codes", "at most %d codes", MaxDispositions).With(callfloor.CodeTooLong, callfloor.Params{"max": MaxDispositions})
	}
	set := storage.DispositionSet{Queue: q.Name, Codes: []storage.Disposition{}}
	if body.Required != nil {
		set.Required = *body.Required
	}
	seen := map[string]bool{}
	for i, d := range body.Codes {
		code, label := strings.TrimSpace(d.Code), strings.TrimSpace(d.Label)
		f := fmt.Sprintf("codes[%d]", i)
		if !dispositionCodeRE.MatchString(code) {
			return nil, invalid(f+".code", "must be 1-40 lower-case letters, digits, _ or -, starting with a letter or digit, got %q", code).With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "code", "max": 40, "value": code})
		}
		if seen[code] {
			return nil, invalid(f+".code", "%q is given twice", code).With(callfloor.CodeDuplicate, callfloor.Params{"value": code})
		}
		seen[code] = true
		if label == "" || utf8.RuneCountInString(label) > 80 {
			return nil, invalid(f+".label", "must be 1-80 characters").With(callfloor.CodeOutOfRange, callfloor.Params{"min": 1, "max": 80, "unit": "chars"})
		}
		set.Codes = append(set.Codes, storage.Disposition{Code: code, Label: label})
	}
	if set.Required && len(set.Codes) == 0 {
		return nil, invalid("disposition_required", "a queue without codes cannot require one").With(callfloor.CodeNotApplicable, callfloor.Params{"other": "codes"})
	}
	if err := a.DB.PutQueueDispositions(r.Context(), set); err != nil {
		return nil, err
	}
	a.audit(r, "dispositions_updated", "queue", q.Name, map[string]any{"disposition_required": set.Required, "codes": set.Codes})
	return set, nil
}

// ---- a call's disposition and note ----

func (a *API) putCallDisposition(w http.ResponseWriter, r *http.Request) (any, error) {
	var body dispositionBody
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	if body.Code == nil && body.Note == nil {
		return nil, invalid("code", "code or note required").With(callfloor.CodeRequired, nil)
	}
	ctx := r.Context()
	id := r.PathValue("id")
	if c, err := a.campaignCall(ctx, id); err != nil {
		return nil, err
	} else if c != nil {
		return a.putLeadDisposition(r, c, body)
	}
	if body.CallbackAt != nil {
		return nil, invalid("callback_at", "only a campaign call's call-back takes a time").With(callfloor.CodeNotApplicable, nil)
	}
	if body.Personal != nil {
		return nil, invalid("personal", "only a campaign call's call-back is personal or shared").With(callfloor.CodeNotApplicable, nil)
	}
	// the call: live (during the call and wrap-up) or from the history
	var queue, agent string
	var ended time.Time
	if c, err := a.ACD.Store().Call(ctx, id); err == nil {
		queue, agent, ended = c.Queue, c.Agent, c.EndedAt
	} else if c, err := a.DB.CallByID(ctx, id); err == nil {
		queue, agent = c.Queue, c.Agent
		if c.EndedAt != nil {
			ended = *c.EndedAt
		}
	} else {
		return nil, err
	}
	if agent == "" {
		return nil, &callfloor.Error{Code: callfloor.ECONFLICT, Message: fmt.Sprintf("call %q was not handled by an agent", id)}
	}
	if _, err := a.scopedAgent(r, agent, canAct); err != nil {
		return nil, err
	}
	if !ended.IsZero() && time.Since(ended) > DispositionWindow {
		return nil, &callfloor.Error{Code: callfloor.EDispositionClosed,
			Message: fmt.Sprintf("call %q ended more than %d hours ago: its disposition can no longer change", id, int(DispositionWindow.Hours()))}
	}
	cur, err := a.DB.GetCallDisposition(ctx, id)
	if err != nil && callfloor.ErrorCode(err) != callfloor.ENOTFOUND {
		return nil, err
	}
	d := storage.CallDisposition{CallID: id, Queue: queue, AgentID: agent, Code: cur.Code, Label: cur.Label, Note: cur.Note}
	if body.Note != nil {
		if d.Note, err = cleanNote(*body.Note); err != nil {
			return nil, err
		}
	}
	if body.Code != nil {
		code := strings.TrimSpace(*body.Code)
		d.Code, d.Label = code, ""
		if code != "" {
			if queue == "" {
				return nil, invalid("code", "a call without a queue takes a note only").With(callfloor.CodeNotApplicable, nil)
			}
			set, err := a.DB.QueueDispositions(ctx, queue)
			if err != nil {
				return nil, err
			}
			label, ok := set.Has(code)
			if !ok {
				return nil, invalid("code", "%q is not a disposition of queue %s", code, queue).With(callfloor.CodeUnknownRef, callfloor.Params{"what": "disposition", "value": code})
			}
			d.Label = label
		}
	}
	p := principal(r)
	d.SetBy, d.SetAt = p.Username, time.Now().UTC()
	if err := a.DB.SetCallDisposition(ctx, d); err != nil {
		return nil, err
	}
	a.onBehalf(r, "call_disposition", agent, map[string]any{"call_id": id, "code": d.Code})
	return d, nil
}

// ---- screen pop ----

// RecentCall is one of a caller's earlier calls, as the desktop shows it on arrival.
type RecentCall struct {
	storage.CallRecord
	AgentName string `json:"agent_name,omitempty"`
}

// MaxRecentCalls is how many earlier calls the screen pop shows.
const MaxRecentCalls = 5

// recentCalls: the caller's latest calls (number=...). Agents (and team leads on their own
// calls) may read only the history of the customer on their current or last call; roles that
// see the whole floor any number's.
func (a *API) recentCalls(w http.ResponseWriter, r *http.Request) (any, error) {
	q := r.URL.Query()
	for k := range q {
		if k != "number" {
			return nil, invalid(k, "unknown parameter").With(callfloor.CodeUnknownField, nil)
		}
	}
	number := deskNumber(q.Get("number"))
	if number == "" {
		return nil, invalid("number", "required").With(callfloor.CodeRequired, nil)
	}
	if strings.Trim(number, "+0123456789") != "" || len(number) > 32 {
		return nil, invalid("number", "digits only (a leading + allowed)").With(callfloor.CodeInvalidNumber, nil)
	}
	ctx := r.Context()
	p := principal(r)
	except := ""
	if p.AgentID != "" {
		if st, err := a.ACD.AgentStatus(ctx, p.AgentID); err == nil {
			for _, id := range []string{st.Call, st.LastCall} {
				if id == "" {
					continue
				}
				if c, err := a.ACD.Store().Call(ctx, id); err == nil && (c.CallerNumber == number || c.CalledNumber == number) {
					except = id
					break
				}
			}
		}
	}
	if except == "" && !p.CanSeeAll() && !p.Scoped() {
		return nil, forbidden("%s %q may read only the history of the caller on their current call", p.Role, p.Username)
	}
	calls, err := a.DB.RecentCalls(ctx, number, except, MaxRecentCalls)
	if err != nil {
		return nil, err
	}
	out := make([]RecentCall, 0, len(calls))
	for _, c := range calls {
		if except == "" && p.Scoped() && !a.callVisible(p, c) { // a project manager: their projects' calls
			continue
		}
		rc := RecentCall{CallRecord: c}
		if ag, err := a.agentProfile(c.Agent); err == nil {
			rc.AgentName = ag.Name
		}
		out = append(out, rc)
	}
	return map[string]any{"number": number, "calls": out}, nil
}
