package dashboards

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// Leave (issue 12; storage/leave.go). An agent (or whoever may act on them, for them) asks for
// leave with attachments; each step of the chain saved on the request is decided by someone of
// that step's role who may act on the agent (the team's lead, a supervisor, the centre director
// …; admins at any step; nobody on their own request). Approved leave shows on the roster and
// in attendance. Decisions, cancellations, balances and the policy are audited.

func (a *API) registerLeave(h func(pattern string, fn handlerFunc)) {
	h("GET /api/v1/leave", a.listLeave)
	h("POST /api/v1/agents/{id}/leave", a.requestLeave)
	h("GET /api/v1/leave/{id}", a.getLeave)
	h("POST /api/v1/leave/{id}/decision", a.decideLeave)
	h("POST /api/v1/leave/{id}/cancel", a.cancelLeave)
	h("GET /api/v1/agents/{id}/leave-balances", a.leaveBalances)
	h("PUT /api/v1/agents/{id}/leave-balances/{type}/{year}", a.putLeaveBalance)
	h("GET /api/v1/leave-policy", a.getLeavePolicy)
	h("PUT /api/v1/leave-policy", a.putLeavePolicy)
}

// canDecideLeave: the step's role and allowed to act on the agent; an admin at any step; never
// one's own request.
func canDecideLeave(p callfloor.Principal, v *storage.LeaveRequestView, team string) bool {
	if p.AgentID != "" && p.AgentID == v.Agent {
		return false
	}
	if p.Role == callfloor.RoleAdmin {
		return true
	}
	return v.NextRole != "" && p.Role == v.NextRole && p.CanActOnAgent(v.Agent, team)
}

// listLeave: ?status=&agent=&inbox=1 (pending at a step the caller may decide).
func (a *API) listLeave(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := checkParams(r, "status", "agent", "inbox"); err != nil {
		return nil, err
	}
	p := principal(r)
	q := r.URL.Query()
	st, err := requestStatus(r)
	if err != nil {
		return nil, err
	}
	inbox := q.Get("inbox")
	if inbox != "" && inbox != "1" && inbox != "true" {
		return nil, invalid("inbox", "must be 1 or true").With(callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []string{"1", "true"}, "value": inbox})
	}
	teams := map[string]string{}
	var agents []string
	for _, ag := range a.ACD.Agents() {
		if p.CanSeeAgent(ag.ID, ag.Team) && (q.Get("agent") == "" || q.Get("agent") == ag.ID) {
			agents = append(agents, ag.ID)
			teams[ag.ID] = ag.Team
		}
	}
	out := []*storage.LeaveRequestView{}
	if len(agents) == 0 {
		return map[string]any{"requests": out}, nil
	}
	f := storage.LeaveFilter{Agents: agents, Status: st}
	if inbox != "" {
		f.Status = "pending"
	}
	list, err := a.DB.ListLeave(r.Context(), f)
	if err != nil {
		return nil, err
	}
	for _, v := range list {
		if inbox == "" || canDecideLeave(p, v, teams[v.Agent]) {
			out = append(out, v)
		}
	}
	return map[string]any{"requests": out}, nil
}

// LeaveBody is a leave request (JSON, or the "request" field of a multipart form whose "files"
// are the attachments).
type LeaveBody struct {
	Type   string  `json:"type"`
	From   string  `json:"from"`
	To     string  `json:"to"`
	Days   float64 `json:"days"`
	Half   string  `json:"half"`
	Reason string  `json:"reason"`
}

// maxLeaveForm bounds a multipart request: three attachments of 10 MB and the JSON.
const maxLeaveForm = 3*storage.MaxLeaveAttachment + 1<<20

func (a *API) requestLeave(w http.ResponseWriter, r *http.Request) (any, error) {
	ag, err := a.scopedAgent(r, r.PathValue("id"), canAct)
	if err != nil {
		return nil, err
	}
	var in LeaveBody
	var files []storage.NewAttachment
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, maxLeaveForm)
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, invalid("attachments", "larger than %d bytes in all", maxLeaveForm).With(callfloor.CodeTooLarge, callfloor.Params{"max": maxLeaveForm})
			}
			return nil, invalid("body", "not a multipart form: %v", err).With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "multipart"})
		}
		defer r.MultipartForm.RemoveAll()
		dec := json.NewDecoder(strings.NewReader(r.FormValue("request")))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			return nil, invalid("request", "the form's request field is not a leave request: %v", err).With(callfloor.CodeInvalidJSON, nil)
		}
		fhs := r.MultipartForm.File["files"]
		if len(fhs) > 3 {
			return nil, invalid("attachments", "at most 3 files").With(callfloor.CodeTooLong, callfloor.Params{"max": 3})
		}
		for i, fh := range fhs {
			f, err := fh.Open()
			if err != nil {
				return nil, err
			}
			data, err := io.ReadAll(io.LimitReader(f, storage.MaxLeaveAttachment+1))
			f.Close()
			if err != nil {
				return nil, err
			}
			if len(data) > storage.MaxLeaveAttachment {
				return nil, invalid(fmt.Sprintf("attachments[%d]", i), "larger than 10 MB").With(callfloor.CodeTooLarge, callfloor.Params{"max": storage.MaxLeaveAttachment})
			}
			ct := http.DetectContentType(data) // sniffed: the client's word is not taken
			if i := strings.IndexByte(ct, ';'); i >= 0 {
				ct = ct[:i]
			}
			files = append(files, storage.NewAttachment{Filename: fh.Filename, ContentType: ct, Data: data})
		}
	} else if err := decode(r, &in); err != nil {
		return nil, err
	}
	today := time.Now().In(a.Base.Location()).Format(time.DateOnly)
	v, err := a.DB.RequestLeave(r.Context(), callfloor.LeaveRequest{Agent: ag.ID, Type: in.Type, From: in.From, To: in.To, Days: in.Days,
		RequestedOn: today, Reason: in.Reason}, in.Half, files, principal(r).Username)
	if err != nil {
		return nil, err
	}
	a.audit(r, "leave_requested", "leave", strconv.FormatInt(v.ID, 10), map[string]any{"agent": v.Agent, "type": v.Type, "from": v.From, "to": v.To, "days": v.Days})
	return created{v}, nil
}

func (a *API) scopedLeave(r *http.Request) (*storage.LeaveRequestView, string, error) {
	id, err := numericPathID(r, "a leave request")
	if err != nil {
		return nil, "", err
	}
	v, err := a.DB.GetLeave(r.Context(), id)
	if err != nil {
		return nil, "", err
	}
	team := ""
	if ag, err := a.agentProfile(v.Agent); err == nil {
		team = ag.Team
	}
	if p := principal(r); !p.CanSeeAgent(v.Agent, team) {
		return nil, "", forbidden("%s's leave is outside what %s %q may see", v.Agent, p.Role, p.Username)
	}
	return v, team, nil
}

func (a *API) getLeave(w http.ResponseWriter, r *http.Request) (any, error) {
	v, _, err := a.scopedLeave(r)
	return v, err
}

// LeaveDecisionBody approves or rejects a step.
type LeaveDecisionBody struct {
	Approve *bool  `json:"approve"`
	Note    string `json:"note"`
}

func (a *API) decideLeave(w http.ResponseWriter, r *http.Request) (any, error) {
	v, team, err := a.scopedLeave(r)
	if err != nil {
		return nil, err
	}
	var in LeaveDecisionBody
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if in.Approve == nil {
		return nil, invalid("approve", "required: true or false").With(callfloor.CodeRequired, nil)
	}
	if len(in.Note) > 500 {
		return nil, invalid("note", "at most 500 characters").With(callfloor.CodeTooLong, callfloor.Params{"max": 500})
	}
	p := principal(r)
	if v.Status != "pending" {
		return nil, callfloor.StateConflict(v.Status, "leave request %d is %s", v.ID, v.Status)
	}
	if !canDecideLeave(p, v, team) {
		return nil, forbidden("step %d of leave request %d is for a %s who may act on %s", v.Step+1, v.ID, v.NextRole, v.Agent)
	}
	out, err := a.DB.DecideLeave(r.Context(), v.ID, v.NextRole, p.Username, *in.Approve, in.Note)
	if err != nil {
		return nil, err
	}
	a.audit(r, "leave_decided", "leave", strconv.FormatInt(v.ID, 10), map[string]any{"step": v.Step, "role": v.NextRole, "approve": *in.Approve, "status": out.Status, "note": in.Note})
	return out, nil
}

func (a *API) cancelLeave(w http.ResponseWriter, r *http.Request) (any, error) {
	v, team, err := a.scopedLeave(r)
	if err != nil {
		return nil, err
	}
	if p := principal(r); !p.CanActOnAgent(v.Agent, team) {
		return nil, forbidden("%s %q may not cancel %s's leave", p.Role, p.Username, v.Agent)
	}
	out, err := a.DB.CancelLeave(r.Context(), v.ID)
	if err != nil {
		return nil, err
	}
	a.audit(r, "leave_cancelled", "leave", strconv.FormatInt(v.ID, 10), nil)
	return out, nil
}

// leaveAttachment streams an attachment to those who may act on the agent (the agent, their
// lead, supervisors and up) — not to readers such as QA.
func (a *API) leaveAttachment(w http.ResponseWriter, r *http.Request) {
	if err := a.writeLeaveAttachment(w, r); err != nil {
		writeError(w, err)
	}
}

func (a *API) writeLeaveAttachment(w http.ResponseWriter, r *http.Request) error {
	id, err := numericPathID(r, "an attachment")
	if err != nil {
		return err
	}
	att, req, data, err := a.DB.LeaveAttachmentData(r.Context(), id)
	if err != nil {
		return err
	}
	v, err := a.DB.GetLeave(r.Context(), req)
	if err != nil {
		return err
	}
	team := ""
	if ag, err := a.agentProfile(v.Agent); err == nil {
		team = ag.Team
	}
	if p := principal(r); !p.CanActOnAgent(v.Agent, team) {
		return forbidden("%s's attachments are for the agent and their approvers", v.Agent)
	}
	w.Header().Set("Content-Type", att.ContentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": att.Filename}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(data)
	if err != nil && a.Log != nil {
		a.Log.Warn("leave attachment", "id", id, "err", err)
	}
	return nil
}

func (a *API) leaveBalances(w http.ResponseWriter, r *http.Request) (any, error) {
	ag, err := a.scopedAgent(r, r.PathValue("id"), canSee)
	if err != nil {
		return nil, err
	}
	if err := checkParams(r, "year"); err != nil {
		return nil, err
	}
	year := time.Now().In(a.Base.Location()).Year()
	if v := r.URL.Query().Get("year"); v != "" {
		if year, err = strconv.Atoi(v); err != nil || year < 2000 || year > 2100 {
			return nil, invalid("year", "must be a year 2000–2100, got %q", v).With(callfloor.CodeOutOfRange, callfloor.Params{"min": 2000, "max": 2100, "value": v})
		}
	}
	b, err := a.DB.LeaveBalances(r.Context(), ag.ID, year)
	if err != nil {
		return nil, err
	}
	return map[string]any{"agent": ag.ID, "year": year, "balances": b}, nil
}

// LeaveBalanceBody sets an entitlement.
type LeaveBalanceBody struct {
	EntitledDays *float64 `json:"entitled_days"`
}

func (a *API) putLeaveBalance(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	ag, err := a.agentProfile(r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	year, err := strconv.Atoi(r.PathValue("year"))
	if err != nil {
		return nil, invalid("year", "must be a year, got %q", r.PathValue("year")).With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "integer", "value": r.PathValue("year")})
	}
	var in LeaveBalanceBody
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if in.EntitledDays == nil {
		return nil, invalid("entitled_days", "is required").With(callfloor.CodeRequired, nil)
	}
	typ := r.PathValue("type")
	if err := a.DB.PutLeaveBalance(r.Context(), ag.ID, typ, year, *in.EntitledDays); err != nil {
		return nil, err
	}
	a.audit(r, "leave_balance_set", "agent", ag.ID, map[string]any{"type": typ, "year": year, "entitled_days": *in.EntitledDays})
	b, err := a.DB.LeaveBalances(r.Context(), ag.ID, year)
	if err != nil {
		return nil, err
	}
	return map[string]any{"agent": ag.ID, "year": year, "balances": b}, nil
}

func (a *API) getLeavePolicy(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.DB.LeavePolicy(r.Context())
}

func (a *API) putLeavePolicy(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	var in callfloor.LeavePolicy
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	before, err := a.DB.LeavePolicy(r.Context())
	if err != nil {
		return nil, err
	}
	if err := a.DB.PutLeavePolicy(r.Context(), in, principal(r).Username); err != nil {
		return nil, err
	}
	a.audit(r, "leave_policy_updated", "leave_policy", "", map[string]any{"before": before, "after": in})
	return in, nil
}
