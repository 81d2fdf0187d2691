// Package dashboards serves callfloor's HTTP API (JSON under /api/v1) and, in later work, the
// web UI. Handlers translate HTTP to calls on the ACD and the live state; they hold no state.
//
// Every /api/v1 request must carry a valid token (Authorization: Bearer <token>); errors are
// JSON {"code","message"[,"field"]} with the status the code maps to.
package dashboards

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
)

// ACD is what the API needs of the call distributor (telephony.ACD implements it).
type ACD interface {
	Login(ctx context.Context, id string) (callfloor.AgentStatus, error)
	Logout(ctx context.Context, id string) (callfloor.AgentStatus, error)
	Pause(ctx context.Context, id, reason string) (callfloor.AgentStatus, error)
	Unpause(ctx context.Context, id string) (callfloor.AgentStatus, error)
	AgentStatus(ctx context.Context, id string) (callfloor.AgentStatus, error)
	Dial(ctx context.Context, agentID, number string) (string, error)
	Agents() []callfloor.Agent
	Queues() []callfloor.Queue
	Queue(name string) (callfloor.Queue, error)
	Store() *realtime.Store
}

// API is the HTTP JSON API.
type API struct {
	ACD    ACD
	Tokens []string // accepted bearer tokens
	Log    *slog.Logger
}

// MaxBody bounds request bodies.
const MaxBody = 64 << 10

// Register adds the API's routes to mux.
func (a *API) Register(mux *http.ServeMux) {
	h := func(pattern string, fn func(w http.ResponseWriter, r *http.Request) (any, error)) {
		mux.Handle(pattern, a.auth(a.wrap(fn)))
	}
	h("GET /api/v1/agents", a.listAgents)
	h("GET /api/v1/agents/{id}", a.getAgent)
	h("POST /api/v1/agents/{id}/login", a.agentOp("login"))
	h("POST /api/v1/agents/{id}/logout", a.agentOp("logout"))
	h("POST /api/v1/agents/{id}/pause", a.agentOp("pause"))
	h("POST /api/v1/agents/{id}/unpause", a.agentOp("unpause"))
	h("POST /api/v1/agents/{id}/calls", a.dial)
	h("GET /api/v1/queues", a.listQueues)
	h("GET /api/v1/queues/{name}", a.getQueue)
	h("GET /api/v1/calls/{id}", a.getCall)
	mux.Handle("/api/", a.auth(a.wrap(func(w http.ResponseWriter, r *http.Request) (any, error) {
		return nil, &callfloor.Error{Code: callfloor.ENOTFOUND, Message: fmt.Sprintf("no route %s %s", r.Method, r.URL.Path)}
	})))
}

func (a *API) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if ok {
			for _, t := range a.Tokens {
				if t != "" && subtle.ConstantTimeCompare([]byte(t), []byte(tok)) == 1 {
					next.ServeHTTP(w, r)
					return
				}
			}
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="callfloor"`)
		writeError(w, &callfloor.Error{Code: callfloor.EUNAUTH, Message: "a valid API token is required (Authorization: Bearer <token>)"})
	})
}

func (a *API) wrap(fn func(w http.ResponseWriter, r *http.Request) (any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := fn(w, r)
		if err != nil {
			if callfloor.ErrorCode(err) == callfloor.EINTERNAL && a.Log != nil {
				a.Log.Error("api", "method", r.Method, "path", r.URL.Path, "err", err)
			}
			writeError(w, err)
			return
		}
		status := http.StatusOK
		if s, ok := v.(created); ok {
			status, v = http.StatusCreated, s.v
		}
		writeJSON(w, status, v)
	})
}

type created struct{ v any }

// StatusOf maps an error code to an HTTP status.
func StatusOf(code string) int {
	switch code {
	case callfloor.EINVALID:
		return http.StatusBadRequest
	case callfloor.EUNAUTH:
		return http.StatusUnauthorized
	case callfloor.EFORBID:
		return http.StatusForbidden
	case callfloor.ENOTFOUND:
		return http.StatusNotFound
	case callfloor.ECONFLICT:
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

func writeError(w http.ResponseWriter, err error) {
	code := callfloor.ErrorCode(err)
	body := map[string]string{"code": code, "message": callfloor.ErrorMessage(err)}
	var e *callfloor.Error
	if errors.As(err, &e) && e.Field != "" {
		body["field"] = e.Field
	}
	writeJSON(w, StatusOf(code), body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decode reads a JSON body strictly: bounded size, no unknown fields, one value.
func decode(r *http.Request, v any) error {
	body := http.MaxBytesReader(nil, r.Body, MaxBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return &callfloor.Error{Code: callfloor.EINVALID, Message: fmt.Sprintf("body: larger than %d bytes", MaxBody)}
		case errors.Is(err, io.EOF):
			return &callfloor.Error{Code: callfloor.EINVALID, Message: "body: a JSON object is required"}
		}
		msg := err.Error()
		field := ""
		if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
			field = strings.Trim(f, `"`)
			msg = fmt.Sprintf("%s: unknown field", field)
		} else {
			msg = "body: " + msg
		}
		return &callfloor.Error{Code: callfloor.EINVALID, Field: field, Message: msg}
	}
	if dec.More() {
		return &callfloor.Error{Code: callfloor.EINVALID, Message: "body: a single JSON object is expected"}
	}
	return nil
}

// AgentView is an agent's profile and live state.
type AgentView struct {
	callfloor.Agent
	Status callfloor.AgentStatus `json:"status"`
	Today  map[string]int64      `json:"today"`
}

func (a *API) listAgents(w http.ResponseWriter, r *http.Request) (any, error) {
	st, err := a.ACD.Store().Agents(r.Context())
	if err != nil {
		return nil, err
	}
	byID := map[string]callfloor.AgentStatus{}
	for _, s := range st {
		byID[s.Agent] = s
	}
	out := []AgentView{}
	for _, ag := range a.ACD.Agents() {
		out = append(out, AgentView{Agent: ag, Status: byID[ag.ID]})
	}
	return map[string]any{"agents": out}, nil
}

func (a *API) getAgent(w http.ResponseWriter, r *http.Request) (any, error) {
	id := r.PathValue("id")
	st, err := a.ACD.AgentStatus(r.Context(), id)
	if err != nil {
		return nil, err
	}
	var prof callfloor.Agent
	for _, ag := range a.ACD.Agents() {
		if ag.ID == id {
			prof = ag
		}
	}
	today, err := a.ACD.Store().AgentCounters(r.Context(), id, time.Now())
	if err != nil {
		return nil, err
	}
	return AgentView{Agent: prof, Status: st, Today: today}, nil
}

func (a *API) agentOp(op string) func(w http.ResponseWriter, r *http.Request) (any, error) {
	return func(w http.ResponseWriter, r *http.Request) (any, error) {
		id := r.PathValue("id")
		ctx := r.Context()
		switch op {
		case "login":
			return a.ACD.Login(ctx, id)
		case "logout":
			return a.ACD.Logout(ctx, id)
		case "unpause":
			return a.ACD.Unpause(ctx, id)
		case "pause":
			var body struct {
				Reason string `json:"reason"`
			}
			if err := decode(r, &body); err != nil {
				return nil, err
			}
			return a.ACD.Pause(ctx, id, body.Reason)
		}
		return nil, fmt.Errorf("unknown op %s", op)
	}
}

func (a *API) dial(w http.ResponseWriter, r *http.Request) (any, error) {
	var body struct {
		Number string `json:"number"`
	}
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	if body.Number == "" {
		return nil, &callfloor.Error{Code: callfloor.EINVALID, Field: "number", Message: "number: required"}
	}
	id, err := a.ACD.Dial(r.Context(), r.PathValue("id"), body.Number)
	if err != nil {
		return nil, err
	}
	return created{map[string]string{"call_id": id}}, nil
}

// QueueView is a queue's configuration (durations in seconds) with its live figures.
type QueueView struct {
	Name          string                 `json:"name"`
	Strategy      string                 `json:"strategy"`
	Priority      int                    `json:"priority"`
	RingTimeoutS  float64                `json:"ring_timeout_s"`
	WrapUpS       float64                `json:"wrap_up_s"`
	MaxWaitS      float64                `json:"max_wait_s"`
	OnMaxWait     callfloor.Destination  `json:"on_max_wait"`
	MusicClass    string                 `json:"music_class"`
	ServiceLevelS float64                `json:"service_level_s"`
	ShortAbandonS float64                `json:"short_abandon_s"`
	SLTarget      float64                `json:"sl_target"`
	Waiting       []realtime.WaitingCall `json:"waiting"`
	Today         map[string]int64       `json:"today"`
}

func (a *API) listQueues(w http.ResponseWriter, r *http.Request) (any, error) {
	out := []QueueView{}
	for _, q := range a.ACD.Queues() {
		v, err := a.queueView(r.Context(), q)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return map[string]any{"queues": out}, nil
}

func (a *API) getQueue(w http.ResponseWriter, r *http.Request) (any, error) {
	q, err := a.ACD.Queue(r.PathValue("name"))
	if err != nil {
		return nil, err
	}
	return a.queueView(r.Context(), q)
}

func (a *API) queueView(ctx context.Context, q callfloor.Queue) (QueueView, error) {
	st := a.ACD.Store()
	w, err := st.Waiting(ctx, q.Name)
	if err != nil {
		return QueueView{}, err
	}
	today, err := st.Counters(ctx, q.Name, time.Now())
	if err != nil {
		return QueueView{}, err
	}
	return QueueView{Name: q.Name, Strategy: q.Strategy, Priority: q.Priority, RingTimeoutS: q.RingTimeout.Seconds(), WrapUpS: q.WrapUp.Seconds(),
		MaxWaitS: q.MaxWait.Seconds(), OnMaxWait: q.OnMaxWait, MusicClass: q.MusicClass, ServiceLevelS: q.ServiceLevel.Seconds(),
		ShortAbandonS: q.ShortAbandon.Seconds(), SLTarget: q.SLTarget, Waiting: w, Today: today}, nil
}

func (a *API) getCall(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.ACD.Store().Call(r.Context(), r.PathValue("id"))
}
