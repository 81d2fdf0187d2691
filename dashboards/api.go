// Package dashboards serves callfloor's HTTP API (JSON under /api/v1, described by
// openapi.yaml) and, in later work, the web UI. Handlers translate HTTP into calls on the ACD,
// the live state and the history; they hold no state of their own.
//
// Every /api/v1 request but login is authenticated (auth.go) and scoped to who is asking: an
// agent sees only their own calls and figures, a team lead their team, QA and managers everyone;
// configuration is for admins and operations managers. Errors are JSON {"code","message"
// [,"field"]} with the status the code maps to.
package dashboards

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/storage"
)

//go:embed openapi.yaml
var openAPI []byte

// OpenAPI returns the API's OpenAPI document.
func OpenAPI() []byte { return openAPI }

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
	Reconfigure(cfg *callfloor.Config) error
	Monitor(ctx context.Context, agentID, endpoint, mode, by string) error
	Hold(ctx context.Context, agentID string, on bool) error
	PauseReasons() []callfloor.PauseReason
	Store() *realtime.Store
}

// RecordingSource fetches a stored recording from the Asterisk node that holds it.
type RecordingSource interface {
	Recording(ctx context.Context, node, name string) (body io.ReadCloser, contentType string, err error)
}

// Mux is where routes are registered (an *http.ServeMux, or a recorder in tests).
type Mux interface {
	Handle(pattern string, handler http.Handler)
}

// API is the HTTP JSON API.
type API struct {
	ACD        ACD
	DB         *storage.DB
	Auth       *Auth
	Base       *callfloor.Config // the file's settings; queues and agents live in the database
	Recordings RecordingSource
	// RecordingCache serves recordings; nil: one over Recordings in a temporary directory.
	RecordingCache *RecordingCache
	Log            *slog.Logger

	// OnTargets, if set, is called after a project's or a queue's targets change (the live
	// views reload them).
	OnTargets func()

	mu        sync.Mutex // one configuration change at a time
	cacheOnce sync.Once
}

// MaxBody bounds request bodies.
const MaxBody = 64 << 10

// Register adds every /api/v1 route to mux.
func (a *API) Register(mux Mux) {
	mux = nulGuard{mux} // every route: a NUL byte in the path or query is a 400, never a 500
	a.Auth.Register(mux)
	h := func(pattern string, fn handlerFunc) {
		mux.Handle(pattern, a.Auth.Middleware(a.wrap(fn)))
	}
	mux.Handle("GET /api/v1/openapi.yaml", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(openAPI)
	}))
	h("GET /api/v1/queues", a.listQueues)
	h("POST /api/v1/queues", a.createQueue)
	h("GET /api/v1/queues/{name}", a.getQueue)
	h("PUT /api/v1/queues/{name}", a.updateQueue)
	h("DELETE /api/v1/queues/{name}", a.deleteQueue)
	h("GET /api/v1/agents", a.listAgents)
	h("POST /api/v1/agents", a.createAgent)
	h("GET /api/v1/agents/{id}", a.getAgent)
	h("PUT /api/v1/agents/{id}", a.updateAgent)
	h("DELETE /api/v1/agents/{id}", a.deleteAgent)
	h("POST /api/v1/agents/{id}/login", a.agentOp("login"))
	h("POST /api/v1/agents/{id}/logout", a.agentOp("logout"))
	h("POST /api/v1/agents/{id}/pause", a.agentOp("pause"))
	h("POST /api/v1/agents/{id}/hold", a.holdCall)
	h("POST /api/v1/agents/{id}/unpause", a.agentOp("unpause"))
	h("POST /api/v1/agents/{id}/calls", a.dial)
	h("GET /api/v1/agents/{id}/today", a.agentToday)
	h("POST /api/v1/agents/{id}/monitor", a.monitor)
	h("GET /api/v1/pause-reasons", a.listPauseReasons)
	h("PUT /api/v1/pause-reasons", a.putPauseReasons)
	a.registerDailyReports(h) // the team lead's daily production report (daily_reports.go)
	a.registerDesktop(h)      // hang-up, transfer, ready, pending pause, dispositions, recent calls (desktop_api.go)
	h("GET /api/v1/teams", a.listTeams)
	h("POST /api/v1/teams", a.createTeam)
	h("GET /api/v1/teams/{id}", a.getTeam)
	h("PUT /api/v1/teams/{id}", a.updateTeam)
	h("DELETE /api/v1/teams/{id}", a.deleteTeam)
	a.registerProjects(h)        // projects and targets (projects.go)
	a.registerWorkforceConfig(h) // shifts, rotations, holiday calendar (workforce_config.go)
	a.registerCampaigns(h)       // outbound campaigns, lists, do-not-call (campaigns.go)
	a.registerRosters(h)         // monthly rosters per team (workforce_roster.go)
	a.registerSwaps(h)           // shift swaps (workforce_roster.go)
	a.registerLeave(h)           // leave requests, approvals, balances, policy (workforce_leave.go)
	a.registerAttendance(h)      // attendance from the records, the monthly sheet, corrections (workforce_attendance.go)
	a.registerScores(h)          // the monthly score: drafts, flow, exams, entries, rules, ranking (workforce_scores.go)
	a.registerForecast(h)        // forecast and staffing per interval (workforce_forecast.go)
	a.registerTickets(h)         // tickets, categories, notification settings (tickets.go)
	a.registerCustomers(h)       // customers, their timeline, notes and flags (customers.go)
	a.registerKB(h)              // scripts and the knowledge base (kb.go)
	a.registerCallbacks(h)       // the call-back list, 回拨及时率, call-backs waiting (callbacks.go)
	a.registerSurveySettings(h)  // the post-call survey's settings per queue (survey_settings.go)
	h("GET /api/v1/users", a.listUsers)
	h("POST /api/v1/users", a.createUser)
	h("GET /api/v1/users/{id}", a.getUser)
	h("PUT /api/v1/users/{id}", a.updateUser)
	h("DELETE /api/v1/users/{id}", a.deleteUser)
	mux.Handle("GET /api/v1/calls", a.Auth.Middleware(a.callsOrExport(a.wrap(a.searchCalls)))) // format=csv|xlsx: calls_export.go
	h("GET /api/v1/calls/{id}", a.getCall)
	h("GET /api/v1/calls/{id}/recording", a.getRecording)
	mux.Handle("GET /api/v1/audit", a.Auth.Middleware(http.HandlerFunc(a.auditLog))) // JSON or CSV (audit.go)
	// the recording's audio is streamed, not JSON
	mux.Handle("GET /api/v1/calls/{id}/recording/file", a.Auth.Middleware(http.HandlerFunc(a.recordingFile)))
	mux.Handle("GET /api/v1/leave/attachments/{id}", a.Auth.Middleware(http.HandlerFunc(a.leaveAttachment))) // the file (workforce_leave.go)
	a.RegisterScorecards(mux)
	a.RegisterEvaluations(mux)
	a.RegisterSampling(mux)
	a.RegisterQAReports(mux)
	// the attendance sheet: JSON or format=xlsx (workforce_attendance_export.go)
	mux.Handle("GET /api/v1/attendance/sheet", a.Auth.Middleware(a.attendanceSheetOrExport(a.wrap(a.attendanceSheet))))
	mux.Handle("GET /api/v1/reports/production", a.Auth.Middleware(a.productionReportHandler())) // JSON, csv, xlsx (reports_production.go)
	// list export, rejected rows, a number's contact history (campaign_lists.go)
	a.registerCampaignFiles(mux)
	mux.Handle("GET /api/v1/reports/outbound", a.Auth.Middleware(a.outboundReportHandler())) // 外呼日报 (reports_outbound.go)
	a.registerTicketReport(mux)                                                              // the tickets report: JSON, csv, xlsx (tickets.go)
	mux.Handle("GET /api/v1/reports/surveys", a.Auth.Middleware(a.surveyReportHandler()))    // satisfaction (surveys.go)
	mux.Handle("/api/", a.Auth.Middleware(a.wrap(func(w http.ResponseWriter, r *http.Request) (any, error) {
		return nil, &callfloor.Error{Code: callfloor.ENOTFOUND, Params: callfloor.Params{"what": "route"}, Message: fmt.Sprintf("no route %s %s", r.Method, r.URL.Path)}
	})))
}

type handlerFunc func(w http.ResponseWriter, r *http.Request) (any, error)

func (a *API) wrap(fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
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
	case callfloor.ERATELIMIT:
		return http.StatusTooManyRequests
	case callfloor.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	if s, ok := desktopStatus[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

func writeError(w http.ResponseWriter, err error) {
	err = dbUnavailable(err)
	writeJSON(w, StatusOf(callfloor.ErrorKind(err)), errorBody(err))
}

// errorBody is an error's JSON: code (specific: what a UI translates), kind (the generic class,
// the only code before issue 10, which sets the status), field and params when there are any,
// and the English message.
func errorBody(err error) map[string]any {
	body := map[string]any{"code": callfloor.SpecificCode(err), "kind": callfloor.ErrorKind(err), "message": callfloor.ErrorMessage(err)}
	var e *callfloor.Error
	if errors.As(err, &e) {
		if e.Field != "" {
			body["field"] = e.Field
		}
		if len(e.Params) > 0 {
			body["params"] = e.Params
		}
	}
	return body
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// nulGuard registers every handler behind checkRequest: PostgreSQL refuses a NUL byte in text,
// so a NUL in the path or the query is refused up front, naming the parameter, on every route.
type nulGuard struct{ Mux }

func (g nulGuard) Handle(pattern string, h http.Handler) {
	g.Mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := checkRequest(r); err != nil {
			writeError(w, err)
			return
		}
		h.ServeHTTP(w, r)
	}))
}

// checkRequest refuses a NUL byte in the request's path or query parameters (names and values).
func checkRequest(r *http.Request) error {
	if strings.ContainsRune(r.URL.Path, 0) {
		return invalid("path", "must not contain a NUL byte").With(callfloor.CodeNulByte, nil)
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return invalid("query", "not a valid query string").With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "query"})
	}
	for k, vs := range q {
		if strings.ContainsRune(k, 0) {
			return invalid("query", "a parameter name must not contain a NUL byte").With(callfloor.CodeNulByte, nil)
		}
		for _, v := range vs {
			if strings.ContainsRune(v, 0) {
				return invalid(k, "must not contain a NUL byte").With(callfloor.CodeNulByte, nil)
			}
		}
	}
	return nil
}

// nulField is the JSON path ("answers[2].comment"; a map's path for a key) of the first string
// of a decoded JSON value that holds a NUL byte, or "" when none does.
func nulField(v any, path string) (string, bool) {
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch x := v.(type) {
	case string:
		return path, strings.ContainsRune(x, 0)
	case []any:
		for i, e := range x {
			if f, ok := nulField(e, fmt.Sprintf("%s[%d]", path, i)); ok {
				return f, true
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if strings.ContainsRune(k, 0) {
				if path == "" {
					return "body", true
				}
				return path, true
			}
			if f, ok := nulField(x[k], join(k)); ok {
				return f, true
			}
		}
	}
	return "", false
}

// decode reads a JSON body strictly: bounded size, no unknown fields, one value, no NUL byte in
// any string (PostgreSQL refuses it in text: a 400 naming the field, not a 500).
func decode(r *http.Request, v any) error {
	raw, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBody))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return invalid("body", "larger than %d bytes", MaxBody).With(callfloor.CodeTooLarge, callfloor.Params{"max": MaxBody})
	} else if err != nil {
		return invalid("body", "could not be read").With(callfloor.CodeInvalidJSON, nil)
	}
	if bytes.Contains(raw, []byte(`\u0000`)) || bytes.IndexByte(raw, 0) >= 0 {
		var doc any
		if json.Unmarshal(raw, &doc) == nil {
			if f, ok := nulField(doc, ""); ok {
				if f == "" {
					f = "body"
				}
				return invalid(f, "must not contain a NUL byte").With(callfloor.CodeNulByte, nil)
			}
		} else if bytes.IndexByte(raw, 0) >= 0 {
			return invalid("body", "must not contain a NUL byte").With(callfloor.CodeNulByte, nil)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil { // (from memory: the size was checked while reading)
		var ute *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.EOF):
			return invalid("body", "a JSON object is required").With(callfloor.CodeInvalidJSON, nil)
		case errors.As(err, &ute) && ute.Field != "":
			t := jsonType(ute.Type)
			return invalid(ute.Field, "must be %s %s", article(t), t).With(callfloor.CodeWrongType, callfloor.Params{"type": t})
		case errors.As(err, &ute):
			return invalid("body", "a JSON object is required").With(callfloor.CodeInvalidJSON, nil)
		}
		var se *json.SyntaxError
		if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) {
			return invalid("body", "not valid JSON").With(callfloor.CodeInvalidJSON, nil)
		}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			f = strings.Trim(f, `"`)
			return invalid(f, "unknown field").With(callfloor.CodeUnknownField, nil)
		}
		var ce *callfloor.Error
		if errors.As(err, &ce) { // from a field's own UnmarshalJSON
			return ce
		}
		// a field's own decoder (a time, a duration) refused its text
		return invalid("body", "a value is not in the expected format").With(callfloor.CodeInvalidFormat, nil)
	}
	if dec.More() {
		return invalid("body", "a single JSON object is expected").With(callfloor.CodeInvalidJSON, nil)
	}
	return nil
}

// invalid is a 400 naming field once ("field: text"); give it its specific code with With.
func invalid(field, format string, args ...any) *callfloor.Error {
	return callfloor.Invalid(field, callfloor.EINVALID, nil, format, args...)
}

// jsonType names a Go type as JSON does (never the Go type's own text).
func jsonType(t reflect.Type) string {
	if t == nil {
		return "value"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	case reflect.Pointer:
		return jsonType(t.Elem())
	}
	return "value"
}

func article(t string) string {
	if strings.ContainsRune("aeiou", rune(t[0])) {
		return "an"
	}
	return "a"
}

func forbidden(format string, args ...any) error {
	return &callfloor.Error{Code: callfloor.EFORBID, Message: fmt.Sprintf(format, args...)}
}

func principal(r *http.Request) callfloor.Principal {
	p, _ := PrincipalFrom(r.Context())
	return p
}

func (a *API) audit(r *http.Request, action, targetType, targetID string, detail map[string]any) {
	p := principal(r)
	a.Auth.audit(r, storage.AuditEntry{ActorUserID: p.UserID, Actor: p.Username, Action: action, TargetType: targetType, TargetID: targetID, Detail: detail})
}

func requireConfigure(r *http.Request) error {
	if p := principal(r); !p.CanConfigure() {
		return forbidden("changing the configuration needs the admin or operations_manager role (you are %s)", p.Role)
	}
	return nil
}

// ---- configuration: applied to the running ACD at once ----

// reload rebuilds the running configuration from the database and hands it to the ACD.
func (a *API) reload(ctx context.Context) error {
	cfg, err := a.candidate(ctx, nil)
	if err != nil {
		return err
	}
	return a.ACD.Reconfigure(cfg)
}

// candidate is the configuration the database holds, with change applied, validated.
func (a *API) candidate(ctx context.Context, change func(cfg *callfloor.Config)) (*callfloor.Config, error) {
	qs, err := a.DB.Queues(ctx)
	if err != nil {
		return nil, err
	}
	as, err := a.DB.Agents(ctx)
	if err != nil {
		return nil, err
	}
	cfg := *a.Base
	cfg.Queues, cfg.Agents = qs, as
	if err := a.withPauseReasons(ctx, &cfg); err != nil {
		return nil, err
	}
	if change != nil {
		change(&cfg)
	}
	cfg.ApplyDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// LoadConfig seeds an empty database from the file's configuration, then returns the
// configuration the ACD should run: the file's settings with the database's queues and agents.
func LoadConfig(ctx context.Context, db *storage.DB, base *callfloor.Config) (*callfloor.Config, bool, error) {
	seeded, err := db.SeedConfig(ctx, base)
	if err != nil {
		return nil, false, err
	}
	if _, err := db.SeedPauseReasons(ctx, base.ACD.PauseReasons); err != nil {
		return nil, false, err
	}
	a := &API{DB: db, Base: base}
	cfg, err := a.candidate(ctx, nil)
	return cfg, seeded, err
}

// QueueInput is a queue as the API takes it (durations in seconds).
type QueueInput struct {
	Name          string                `json:"name"`
	Strategy      string                `json:"strategy"`
	Priority      int                   `json:"priority"`
	RingTimeoutS  float64               `json:"ring_timeout_s"`
	WrapUpS       float64               `json:"wrap_up_s"`
	MaxWaitS      float64               `json:"max_wait_s"`
	OnMaxWait     callfloor.Destination `json:"on_max_wait"`
	MusicClass    string                `json:"music_class"`
	ServiceLevelS float64               `json:"service_level_s"`
	ShortAbandonS float64               `json:"short_abandon_s"`
	SLTarget      float64               `json:"sl_target"`
	// Wallboard thresholds: amber, then red, at this many waiting callers or this longest wait
	// (0: none).
	WaitingAmber  int     `json:"waiting_amber"`
	WaitingRed    int     `json:"waiting_red"`
	LongestAmberS float64 `json:"longest_wait_amber_s"`
	LongestRedS   float64 `json:"longest_wait_red_s"`
	// MissedPauseSeconds: how long a missed ring of this queue pauses the agent (null/absent:
	// acd.missed_pause_seconds; 0: until unpaused).
	MissedPauseSeconds *float64 `json:"missed_pause_seconds"`
	// ProjectID is the project that owns the queue (on create, default "default"; on update,
	// absent or "": unchanged). Kept in its own column, not in the queue's settings.
	ProjectID string `json:"project_id,omitempty"`
	// Survey is the post-call satisfaction survey (SurveyInput: callfloor.Survey with its
	// timeout in seconds, timeout_s; survey_settings.go); absent on an update: unchanged.
	Survey *SurveyInput `json:"survey,omitempty"`
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func (in QueueInput) queue() (callfloor.Queue, error) {
	for f, v := range map[string]float64{"ring_timeout_s": in.RingTimeoutS, "wrap_up_s": in.WrapUpS, "max_wait_s": in.MaxWaitS,
		"service_level_s": in.ServiceLevelS, "short_abandon_s": in.ShortAbandonS, "longest_wait_amber_s": in.LongestAmberS,
		"longest_wait_red_s": in.LongestRedS} {
		if v < 0 || v > 86400 {
			return callfloor.Queue{}, invalid(f, "must be between 0 and 86400 seconds, got %v", v).With(callfloor.CodeOutOfRange, callfloor.Params{"min": 0, "max": 86400, "unit": "s", "value": v})
		}
	}
	return callfloor.Queue{Name: in.Name, Strategy: in.Strategy, Priority: in.Priority, RingTimeout: secs(in.RingTimeoutS),
		WrapUp: secs(in.WrapUpS), MaxWait: secs(in.MaxWaitS), OnMaxWait: in.OnMaxWait, MusicClass: in.MusicClass,
		ServiceLevel: secs(in.ServiceLevelS), ShortAbandon: secs(in.ShortAbandonS), SLTarget: in.SLTarget,
		WaitingAmber: in.WaitingAmber, WaitingRed: in.WaitingRed, LongestAmber: secs(in.LongestAmberS), LongestRed: secs(in.LongestRedS),
		MissedPauseSeconds: in.MissedPauseSeconds, Survey: in.Survey.survey()}, nil
}

// QueueView is a queue's configuration (durations in seconds) with its live figures.
type QueueView struct {
	QueueInput
	Waiting []realtime.WaitingCall `json:"waiting"`
	Today   map[string]int64       `json:"today"`
}

func queueInput(q callfloor.Queue) QueueInput {
	return QueueInput{Name: q.Name, Strategy: q.Strategy, Priority: q.Priority, RingTimeoutS: q.RingTimeout.Seconds(), WrapUpS: q.WrapUp.Seconds(),
		MaxWaitS: q.MaxWait.Seconds(), OnMaxWait: q.OnMaxWait, MusicClass: q.MusicClass, ServiceLevelS: q.ServiceLevel.Seconds(),
		ShortAbandonS: q.ShortAbandon.Seconds(), SLTarget: q.SLTarget, WaitingAmber: q.WaitingAmber, WaitingRed: q.WaitingRed,
		LongestAmberS: q.LongestAmber.Seconds(), LongestRedS: q.LongestRed.Seconds(), MissedPauseSeconds: q.MissedPauseSeconds, Survey: surveyInput(q.Survey)}
}

func (a *API) queueView(ctx context.Context, q callfloor.Queue) (QueueView, error) {
	return a.queueViewIn(ctx, q, a.queueProjects(ctx))
}

// queueProjects maps the queues to their projects; nil while PostgreSQL does not answer (the
// queues and their live figures are still served, without project_id).
func (a *API) queueProjects(ctx context.Context) map[string]string {
	pm, err := a.DB.QueueProjects(ctx)
	if err != nil {
		return nil
	}
	return pm
}

func (a *API) queueViewIn(ctx context.Context, q callfloor.Queue, projects map[string]string) (QueueView, error) {
	st := a.ACD.Store()
	w, err := st.Waiting(ctx, q.Name)
	if err != nil {
		return QueueView{}, err
	}
	today, err := st.Counters(ctx, q.Name, time.Now())
	if err != nil {
		return QueueView{}, err
	}
	in := queueInput(q)
	in.ProjectID = projects[q.Name]
	return QueueView{QueueInput: in, Waiting: w, Today: today}, nil
}

func (a *API) listQueues(w http.ResponseWriter, r *http.Request) (any, error) {
	out := []QueueView{}
	pm := a.queueProjects(r.Context())
	p := principal(r)
	for _, q := range a.ACD.Queues() {
		if !p.CanSeeQueue(q.Name) {
			continue
		}
		v, err := a.queueViewIn(r.Context(), q, pm)
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
	if p := principal(r); !p.CanSeeQueue(q.Name) {
		return nil, forbidden("queue %q is outside what %s %q may see", q.Name, p.Role, p.Username)
	}
	return a.queueView(r.Context(), q)
}

func (a *API) putQueue(r *http.Request, create bool) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	var in QueueInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	name := r.PathValue("name")
	if create {
		name = in.Name
	} else if in.Name != "" && in.Name != name {
		return nil, invalid("name", "a queue cannot be renamed (%q in the path, %q in the body)", name, in.Name).With(callfloor.CodeNotAllowed, callfloor.Params{"value": in.Name})
	}
	in.Name = name
	q, err := in.queue()
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	a.mu.Lock()
	defer a.mu.Unlock()
	old, exists := a.queueExists(q.Name)
	if !create && exists && in.Survey == nil {
		q.Survey = old.Survey // an edit that does not send the survey keeps it
	}
	switch {
	case create && exists:
		return nil, callfloor.AlreadyExists("name", "queue", q.Name, "queue %q already exists", q.Name)
	case !create && !exists:
		return nil, callfloor.NotFound("queue", q.Name, "queue %q not found", q.Name)
	}
	project := in.ProjectID
	if project == "" && create {
		project = storage.DefaultProject
	}
	final, err := a.storeQueue(ctx, q, project)
	if err != nil {
		return nil, queueField(err)
	}
	if project != "" {
		defer a.targetsChanged()
	}
	action := "queue_updated"
	if create {
		action = "queue_created"
	}
	a.audit(r, action, "queue", q.Name, map[string]any{"settings": queueInput(final), "project_id": project})
	v, err := a.queueView(ctx, final)
	if create {
		return created{v}, err
	}
	return v, err
}

// queueField turns "queues[3].ring_timeout: ..." into the API's field name.
func queueField(err error) error {
	var e *callfloor.Error
	if errors.As(err, &e) && strings.HasPrefix(e.Field, "queues[") {
		if i := strings.Index(e.Field, "]."); i > 0 {
			f := e.Field[i+2:]
			switch f {
			case "ring_timeout", "wrap_up", "max_wait", "service_level", "short_abandon", "longest_wait_amber", "longest_wait_red", "survey.timeout":
				f += "_s"
			}
			return &callfloor.Error{Code: e.Code, Kind: e.Kind, Params: e.Params, Field: f, Message: f + e.Message[len(e.Field):]}
		}
	}
	return err
}

func (a *API) queueExists(name string) (callfloor.Queue, bool) {
	q, err := a.ACD.Queue(name)
	return q, err == nil
}

func (a *API) createQueue(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.putQueue(r, true)
}
func (a *API) updateQueue(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.putQueue(r, false)
}

func (a *API) deleteQueue(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	name := r.PathValue("name")
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.DB.DeleteQueue(r.Context(), name); err != nil {
		return nil, err
	}
	if err := a.reload(r.Context()); err != nil {
		return nil, err
	}
	a.audit(r, "queue_deleted", "queue", name, nil)
	return map[string]any{"deleted": name}, nil
}

// ---- agents ----

// AgentView is an agent's profile and live state.
type AgentView struct {
	callfloor.Agent
	Status callfloor.AgentStatus `json:"status"`
}

func (a *API) agentProfile(id string) (callfloor.Agent, error) {
	for _, ag := range a.ACD.Agents() {
		if ag.ID == id {
			return ag, nil
		}
	}
	return callfloor.Agent{}, callfloor.NotFound("agent", id, "agent %q not found", id)
}

// scopedAgent returns the agent if the caller may see them: 404 for unknown agents, 403 for
// agents outside the caller's scope.
func (a *API) scopedAgent(r *http.Request, id string, can func(p callfloor.Principal, id, team string) bool) (callfloor.Agent, error) {
	ag, err := a.agentProfile(id)
	if err != nil {
		return ag, err
	}
	if p := principal(r); !can(p, ag.ID, ag.Team) {
		return ag, forbidden("agent %q is outside what %s %q may see or do", id, p.Role, p.Username)
	}
	return ag, nil
}

func canSee(p callfloor.Principal, id, team string) bool { return p.CanSeeAgent(id, team) }
func canAct(p callfloor.Principal, id, team string) bool { return p.CanActOnAgent(id, team) }

func (a *API) listAgents(w http.ResponseWriter, r *http.Request) (any, error) {
	st, err := a.ACD.Store().Agents(r.Context())
	if err != nil {
		return nil, err
	}
	byID := map[string]callfloor.AgentStatus{}
	for _, s := range st {
		byID[s.Agent] = s
	}
	p := principal(r)
	out := []AgentView{}
	for _, ag := range a.ACD.Agents() {
		if p.CanSeeAgent(ag.ID, ag.Team) {
			out = append(out, AgentView{Agent: ag, Status: byID[ag.ID]})
		}
	}
	return map[string]any{"agents": out}, nil
}

func (a *API) getAgent(w http.ResponseWriter, r *http.Request) (any, error) {
	ag, err := a.scopedAgent(r, r.PathValue("id"), canSee)
	if err != nil {
		return nil, err
	}
	st, err := a.ACD.AgentStatus(r.Context(), ag.ID)
	if err != nil {
		return nil, err
	}
	return AgentView{Agent: ag, Status: st}, nil
}

// AgentInput is an agent's profile as the API takes it.
type AgentInput struct {
	ID       string         `json:"id"`
	Name     string         `json:"name"`
	Endpoint string         `json:"endpoint"`
	Team     string         `json:"team"`
	Skills   map[string]int `json:"skills"`
}

func (a *API) putAgent(r *http.Request, create bool) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	var in AgentInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	if create {
		id = in.ID
	} else if in.ID != "" && in.ID != id {
		return nil, invalid("id", "an agent's id cannot change (%q in the path, %q in the body)", id, in.ID).With(callfloor.CodeNotAllowed, callfloor.Params{"value": in.ID})
	}
	ag := callfloor.Agent{ID: id, Name: in.Name, Endpoint: in.Endpoint, Team: in.Team, Skills: in.Skills}
	if ag.Skills == nil {
		ag.Skills = map[string]int{}
	}
	ctx := r.Context()
	if ag.Team != "" {
		if _, err := a.DB.GetTeam(ctx, ag.Team); err != nil {
			if callfloor.ErrorCode(err) == callfloor.ENOTFOUND {
				return nil, invalid("team", "no team %q", ag.Team).With(callfloor.CodeUnknownRef, callfloor.Params{"what": "team", "value": ag.Team})
			}
			return nil, err
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	_, err := a.agentProfile(id)
	switch exists := err == nil; {
	case create && exists:
		return nil, callfloor.AlreadyExists("id", "agent", id, "agent %q already exists", id)
	case !create && !exists:
		return nil, err
	}
	cfg, err := a.candidate(ctx, func(cfg *callfloor.Config) {
		for i := range cfg.Agents {
			if cfg.Agents[i].ID == id {
				cfg.Agents[i] = ag
				return
			}
		}
		cfg.Agents = append(cfg.Agents, ag)
	})
	if err != nil {
		return nil, agentField(err)
	}
	if err := a.DB.PutAgent(ctx, ag); err != nil {
		return nil, err
	}
	if err := a.ACD.Reconfigure(cfg); err != nil {
		return nil, err
	}
	action := "agent_updated"
	if create {
		action = "agent_created"
	}
	a.audit(r, action, "agent", id, map[string]any{"name": ag.Name, "endpoint": ag.Endpoint, "team": ag.Team, "skills": ag.Skills})
	st, err := a.ACD.AgentStatus(ctx, id)
	if err != nil {
		return nil, err
	}
	v := AgentView{Agent: ag, Status: st}
	if create {
		return created{v}, nil
	}
	return v, nil
}

// agentField turns "agents[3].endpoint: ..." into the API's field name.
func agentField(err error) error {
	var e *callfloor.Error
	if errors.As(err, &e) && strings.HasPrefix(e.Field, "agents[") {
		if i := strings.Index(e.Field, "]."); i > 0 {
			f := e.Field[i+2:]
			return &callfloor.Error{Code: e.Code, Kind: e.Kind, Params: e.Params, Field: f, Message: f + e.Message[len(e.Field):]}
		}
	}
	return err
}

func (a *API) createAgent(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.putAgent(r, true)
}
func (a *API) updateAgent(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.putAgent(r, false)
}

func (a *API) deleteAgent(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	ctx := r.Context()
	a.mu.Lock()
	defer a.mu.Unlock()
	st, err := a.ACD.AgentStatus(ctx, id)
	if err != nil {
		return nil, err
	}
	if st.State == callfloor.AgentRinging || st.State == callfloor.AgentOnCall {
		return nil, callfloor.StateConflict(string(st.State), "agent %q is %s: delete them after the call", id, st.State)
	}
	if err := a.DB.DeleteAgent(ctx, id); err != nil {
		return nil, err
	}
	if err := a.reload(ctx); err != nil {
		return nil, err
	}
	a.audit(r, "agent_deleted", "agent", id, nil)
	return map[string]any{"deleted": id}, nil
}

func (a *API) agentOp(op string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) (any, error) {
		ag, err := a.scopedAgent(r, r.PathValue("id"), canAct)
		if err != nil {
			return nil, err
		}
		ctx := r.Context()
		var st callfloor.AgentStatus
		reason := ""
		switch op {
		case "login":
			st, err = a.ACD.Login(ctx, ag.ID)
		case "logout":
			st, err = a.ACD.Logout(ctx, ag.ID)
		case "unpause":
			st, err = a.ACD.Unpause(ctx, ag.ID)
		case "pause":
			var body struct {
				Reason string `json:"reason"`
			}
			if err := decode(r, &body); err != nil {
				return nil, err
			}
			reason = strings.TrimSpace(body.Reason) // as the ACD keeps it (and checks it: ValidateLabel)
			st, err = a.ACD.Pause(ctx, ag.ID, body.Reason)
		}
		if err != nil {
			return nil, err
		}
		if p := principal(r); p.AgentID != ag.ID { // someone acting on another agent: on record
			a.audit(r, "agent_"+op, "agent", ag.ID, map[string]any{"reason": reason})
		}
		return st, nil
	}
}

// holdCall puts the customer of the agent's current call on hold from the desktop, or takes
// them off it ({"on": true|false}): the agent themselves, or whoever may act on them (audited).
func (a *API) holdCall(w http.ResponseWriter, r *http.Request) (any, error) {
	ag, err := a.scopedAgent(r, r.PathValue("id"), canAct)
	if err != nil {
		return nil, err
	}
	var body struct {
		On *bool `json:"on"`
	}
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	if body.On == nil {
		return nil, invalid("on", "required: true to hold, false to resume").With(callfloor.CodeRequired, nil)
	}
	if err := a.ACD.Hold(r.Context(), ag.ID, *body.On); err != nil {
		return nil, err
	}
	if p := principal(r); p.AgentID != ag.ID {
		a.audit(r, "agent_hold", "agent", ag.ID, map[string]any{"on": *body.On})
	}
	return a.ACD.AgentStatus(r.Context(), ag.ID)
}

func (a *API) dial(w http.ResponseWriter, r *http.Request) (any, error) {
	ag, err := a.scopedAgent(r, r.PathValue("id"), canAct)
	if err != nil {
		return nil, err
	}
	var body struct {
		Number string `json:"number"`
	}
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	if body.Number = callfloor.NormalizeNumber(body.Number); body.Number == "" {
		return nil, invalid("number", "required").With(callfloor.CodeRequired, nil)
	}
	id, err := a.ACD.Dial(r.Context(), ag.ID, body.Number)
	if p := principal(r); p.AgentID != ag.ID && callfloor.ErrorCode(err) != callfloor.EINVALID {
		// someone placing a call on another agent's behalf: on record, placed or refused
		detail := map[string]any{"number": body.Number}
		if err != nil {
			detail["error"] = callfloor.ErrorMessage(err)
		} else {
			detail["call_id"] = id
		}
		a.audit(r, "agent_call", "agent", ag.ID, detail)
	}
	if err != nil {
		return nil, err
	}
	return created{map[string]string{"call_id": id}}, nil
}

// monitor lets a supervisor listen to, whisper to or barge in on an agent's live call from the
// supervisor's own phone (their user's phone_endpoint). Supervisors, team leads (their team),
// operations managers and admins; always audited.
func (a *API) monitor(w http.ResponseWriter, r *http.Request) (any, error) {
	var body struct {
		Mode string `json:"mode"`
	}
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	ag, err := a.scopedAgent(r, r.PathValue("id"), canAct)
	if err != nil {
		return nil, err
	}
	p := principal(r)
	switch p.Role {
	case callfloor.RoleSupervisor, callfloor.RoleTeamLead, callfloor.RoleProjectManager, callfloor.RoleOperationsManager, callfloor.RoleAdmin:
	default:
		return nil, forbidden("monitoring calls needs a supervisor, team lead, project manager, operations manager or admin (you are %s)", p.Role)
	}
	if p.AgentID == ag.ID {
		return nil, forbidden("you cannot monitor your own calls")
	}
	ep, err := a.DB.UserPhone(r.Context(), p.UserID)
	if err != nil {
		return nil, err
	}
	if err := a.ACD.Monitor(r.Context(), ag.ID, ep, body.Mode, p.Username); err != nil {
		return nil, err
	}
	st, _ := a.ACD.AgentStatus(r.Context(), ag.ID)
	a.audit(r, "monitor_"+body.Mode, "agent", ag.ID, map[string]any{"call_id": st.Call, "phone": ep})
	return map[string]any{"agent": ag.ID, "mode": body.Mode, "call_id": st.Call, "phone": ep}, nil
}

// AgentToday is an agent's figures for today.
type AgentToday struct {
	Agent        string                `json:"agent"`
	Status       callfloor.AgentStatus `json:"status"`
	Counters     map[string]int64      `json:"counters"`
	Handled      int64                 `json:"handled"`
	AHTSeconds   *float64              `json:"aht_s"`
	Occupancy    *float64              `json:"occupancy"`
	MissedOffers int64                 `json:"missed_offers"`
}

func (a *API) agentToday(w http.ResponseWriter, r *http.Request) (any, error) {
	ag, err := a.scopedAgent(r, r.PathValue("id"), canSee)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	st, err := a.ACD.AgentStatus(ctx, ag.ID)
	if err != nil {
		return nil, err
	}
	c, err := a.ACD.Store().AgentCounters(ctx, ag.ID, time.Now())
	if err != nil {
		return nil, err
	}
	out := AgentToday{Agent: ag.ID, Status: st, Counters: c, Handled: c[realtime.CntHandled], MissedOffers: c[realtime.CntOffersNoAnswer]}
	qc := callfloor.QueueCounters{Handled: c[realtime.CntHandled], SumTalkMs: c[realtime.CntSumTalk], SumWrapMs: c[realtime.CntSumWrap]}
	if v, ok := qc.AHT(); ok {
		out.AHTSeconds = &v
	}
	// occupancy over logged-in, not paused time: ringing counts as waiting for work
	handling := c["time_on_call_ms"] + c["time_wrap_up_ms"]
	if v, ok := callfloor.Occupancy(handling, c["time_available_ms"]+c["time_ringing_ms"]); ok {
		out.Occupancy = &v
	}
	return out, nil
}

// ---- teams ----

func (a *API) listTeams(w http.ResponseWriter, r *http.Request) (any, error) {
	ts, err := a.DB.ListTeams(r.Context())
	if err != nil {
		return nil, err
	}
	out := []storage.Team{}
	p := principal(r)
	for _, t := range ts {
		if !p.Scoped() || p.CanSeeTeam(t.ID) { // a project manager: their projects' teams
			out = append(out, t)
		}
	}
	return map[string]any{"teams": out}, nil
}

func (a *API) getTeam(w http.ResponseWriter, r *http.Request) (any, error) {
	t, err := a.DB.GetTeam(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if p := principal(r); p.Scoped() && !p.CanSeeTeam(t.ID) {
		return nil, forbidden("team %q is outside what %s %q may see", t.ID, p.Role, p.Username)
	}
	return t, nil
}

// checkProject refuses a project_id naming no project.
func (a *API) checkProject(ctx context.Context, id string) error {
	if _, err := a.DB.GetProject(ctx, id); callfloor.ErrorCode(err) == callfloor.ENOTFOUND {
		return invalid("project_id", "no project %q", id).With(callfloor.CodeUnknownRef, callfloor.Params{"what": "project", "value": id})
	} else if err != nil {
		return err
	}
	return nil
}

func (a *API) createTeam(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	var t storage.Team
	if err := decodeTeam(r, &t); err != nil {
		return nil, err
	}
	t, err := a.DB.CreateTeam(r.Context(), t)
	if err != nil {
		return nil, err
	}
	a.audit(r, "team_created", "team", t.ID, map[string]any{"name": t.Name, "project_id": t.ProjectID})
	return created{t}, nil
}

func decodeTeam(r *http.Request, t *storage.Team) error {
	var in struct {
		ID        string `json:"id"`
		Name      string `json:"name"`
		ProjectID string `json:"project_id"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	t.ID, t.Name, t.ProjectID = in.ID, in.Name, in.ProjectID // checked by the storage (ValidateLabel)
	return nil
}

func (a *API) updateTeam(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	var t storage.Team
	if err := decodeTeam(r, &t); err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	if t.ID != "" && t.ID != id {
		return nil, invalid("id", "a team's id cannot change").With(callfloor.CodeNotAllowed, callfloor.Params{"value": t.ID})
	}
	t.ID = id
	project := t.ProjectID
	if project != "" {
		if err := a.checkProject(r.Context(), project); err != nil {
			return nil, err
		}
	}
	t, err := a.DB.UpdateTeam(r.Context(), t)
	if err != nil {
		return nil, err
	}
	if project != "" && project != t.ProjectID {
		if err := a.DB.SetTeamProject(r.Context(), t.ID, project); err != nil {
			return nil, err
		}
		t.ProjectID = project
	}
	a.audit(r, "team_updated", "team", t.ID, map[string]any{"name": t.Name, "project_id": t.ProjectID})
	return t, nil
}

func (a *API) deleteTeam(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	if err := a.DB.DeleteTeam(r.Context(), id); err != nil {
		return nil, err
	}
	a.audit(r, "team_deleted", "team", id, nil)
	return map[string]any{"deleted": id}, nil
}

// ---- users ----

func requireUserAdmin(r *http.Request) error {
	if p := principal(r); !p.CanConfigure() {
		return forbidden("managing users needs the admin or operations_manager role (you are %s)", p.Role)
	}
	return nil
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, invalid("id", "not a user id: %q", r.PathValue("id")).With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "id", "value": r.PathValue("id")})
	}
	return id, nil
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireUserAdmin(r); err != nil {
		return nil, err
	}
	us, err := a.DB.ListUsers(r.Context())
	if err != nil {
		return nil, err
	}
	if us == nil {
		us = []storage.User{}
	}
	return map[string]any{"users": us}, nil
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request) (any, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	if p := principal(r); p.UserID != id {
		if err := requireUserAdmin(r); err != nil {
			return nil, err
		}
	}
	return a.DB.GetUser(r.Context(), id)
}

// UserInput is a user as the API takes it; on update, absent fields are left alone.
type UserInput struct {
	Username    *string `json:"username"`
	DisplayName *string `json:"display_name"`
	Password    *string `json:"password"`
	Role        *string `json:"role"`
	TeamID      *string `json:"team_id"`
	AgentID     *string `json:"agent_id"`
	Disabled    *bool   `json:"disabled"`
	// PhoneEndpoint is the phone a supervisor monitors calls on (any Asterisk dial string).
	PhoneEndpoint *string `json:"phone_endpoint"`
	// Projects: the projects a project manager runs (refused for other roles).
	Projects *[]string `json:"projects"`
}

// knownAgent refuses linking a user to an agent the ACD does not know ("" unlinks): such a user
// would see nothing at all.
func (a *API) knownAgent(id string) error {
	if id == "" {
		return nil
	}
	if _, err := a.agentProfile(id); err != nil {
		return invalid("agent_id", "no agent %q", id).With(callfloor.CodeUnknownRef, callfloor.Params{"what": "agent", "value": id})
	}
	return nil
}

func (a *API) onlyAdminGrantsAdmin(r *http.Request, role callfloor.Role) error {
	if p := principal(r); role == callfloor.RoleAdmin && p.Role != callfloor.RoleAdmin {
		return forbidden("only an admin may grant the admin role")
	}
	return nil
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireUserAdmin(r); err != nil {
		return nil, err
	}
	var in UserInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	if in.Username == nil || *in.Username == "" {
		return nil, invalid("username", "required").With(callfloor.CodeRequired, nil)
	}
	if in.Password == nil {
		return nil, invalid("password", "required").With(callfloor.CodeRequired, nil)
	}
	role, err := callfloor.ParseRole(str(in.Role))
	if err != nil {
		return nil, err
	}
	if err := a.onlyAdminGrantsAdmin(r, role); err != nil {
		return nil, err
	}
	if err := a.knownAgent(str(in.AgentID)); err != nil {
		return nil, err
	}
	// one insert: a bad phone refuses the user instead of leaving it created without one
	u, err := a.DB.CreateUser(r.Context(), storage.NewUser{Username: *in.Username, DisplayName: str(in.DisplayName), Password: *in.Password,
		Role: role, TeamID: str(in.TeamID), AgentID: str(in.AgentID), PhoneEndpoint: str(in.PhoneEndpoint), Projects: projectsIn(in.Projects)})
	if err != nil {
		return nil, err
	}
	a.audit(r, "user_created", "user", strconv.FormatInt(u.ID, 10), map[string]any{"username": u.Username, "role": u.Role, "team_id": u.TeamID,
		"agent_id": u.AgentID, "phone_endpoint": u.PhoneEndpoint, "projects": u.Projects})
	return created{u}, nil
}

// updateUser applies the whole change or none of it (storage.ChangeUser: validated first, one
// transaction) and audits it with the changed fields before and after.
func (a *API) updateUser(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireUserAdmin(r); err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	var in UserInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if in.AgentID != nil {
		if err := a.knownAgent(*in.AgentID); err != nil {
			return nil, err
		}
	}
	up := storage.UserUpdate{DisplayName: in.DisplayName, TeamID: in.TeamID, AgentID: in.AgentID, Disabled: in.Disabled,
		Password: in.Password, PhoneEndpoint: in.PhoneEndpoint, Projects: in.Projects}
	if in.Role != nil {
		role, err := callfloor.ParseRole(*in.Role)
		if err != nil {
			return nil, err
		}
		if err := a.onlyAdminGrantsAdmin(r, role); err != nil {
			return nil, err
		}
		up.Role = &role
	}
	p := principal(r)
	ctx := r.Context()
	c, err := a.DB.ChangeUser(ctx, id, up, func(cur storage.User) error {
		if in.Username != nil && *in.Username != cur.Username {
			return invalid("username", "a username cannot change").With(callfloor.CodeNotAllowed, nil)
		}
		if cur.Role == callfloor.RoleAdmin && p.Role != callfloor.RoleAdmin {
			return forbidden("only an admin may change an admin")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	a.audit(r, "user_updated", "user", strconv.FormatInt(id, 10), userChangeDetail(c))
	a.Auth.userChanged(ctx, c)
	return c.After, nil
}

// userChangeDetail is the audit detail of a user change: the fields that changed, before and
// after. The password appears only as "password_changed" (never a hash).
func userChangeDetail(c storage.UserChange) map[string]any {
	before, after := map[string]any{}, map[string]any{}
	diff := func(k string, b, a any) {
		if b != a {
			before[k], after[k] = b, a
		}
	}
	diff("display_name", c.Before.DisplayName, c.After.DisplayName)
	diff("role", string(c.Before.Role), string(c.After.Role))
	diff("team_id", c.Before.TeamID, c.After.TeamID)
	diff("agent_id", c.Before.AgentID, c.After.AgentID)
	diff("disabled", c.Before.Disabled, c.After.Disabled)
	diff("phone_endpoint", c.PhoneBefore, c.PhoneAfter)
	diff("projects", strings.Join(c.Before.Projects, ","), strings.Join(c.After.Projects, ","))
	d := map[string]any{"username": c.After.Username, "before": before, "after": after}
	if c.PasswordChanged {
		d["password_changed"] = true
	}
	return d
}

func (a *API) deleteUser(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireUserAdmin(r); err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	cur, err := a.DB.GetUser(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if cur.Role == callfloor.RoleAdmin && principal(r).Role != callfloor.RoleAdmin {
		return nil, forbidden("only an admin may delete an admin")
	}
	if err := a.DB.DeleteUser(r.Context(), id); err != nil {
		return nil, err
	}
	a.Auth.userDeleted(r.Context(), id)
	a.audit(r, "user_deleted", "user", strconv.FormatInt(id, 10), map[string]any{"username": cur.Username})
	return map[string]any{"deleted": id}, nil
}

// ---- call history ----

var outcomes = map[string]bool{}

func init() {
	for _, o := range []callfloor.Outcome{callfloor.OutcomeAnswered, callfloor.OutcomeAbandoned, callfloor.OutcomeShortAbandon, callfloor.OutcomeFlowedOut,
		callfloor.OutcomeUnknownQueue, callfloor.OutcomeBusy, callfloor.OutcomeNoAnswer, callfloor.OutcomeFailed, callfloor.OutcomeLost, callfloor.OutcomeBlocked} {
		outcomes[string(o)] = true
	}
}

// outcomeNames lists the outcomes a search takes, sorted.
func outcomeNames() []string {
	names := make([]string, 0, len(outcomes))
	for o := range outcomes {
		names = append(names, o)
	}
	sort.Strings(names)
	return names
}

var searchParams = map[string]bool{"from": true, "to": true, "queue": true, "agent": true, "team": true, "outcome": true,
	"direction": true, "number": true, "recorded": true, "limit": true, "cursor": true, "disposition": true, "q": true}

func parseTime(field, v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return t, invalid(field, "not a time such as 2026-11-22T08:00:00Z: %q", v).With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "time", "value": v})
	}
	return t, nil
}

func (a *API) searchCalls(w http.ResponseWriter, r *http.Request) (any, error) {
	q := r.URL.Query()
	for k, v := range q {
		if !searchParams[k] {
			return nil, invalid(k, "unknown parameter").With(callfloor.CodeUnknownField, nil)
		}
		if len(v) > 1 {
			return nil, invalid(k, "given more than once").With(callfloor.CodeDuplicate, nil)
		}
	}
	var f storage.CallFilter
	var err error
	if f.From, err = parseTime("from", q.Get("from")); err != nil {
		return nil, err
	}
	if f.To, err = parseTime("to", q.Get("to")); err != nil {
		return nil, err
	}
	f.Queue, f.Agent, f.Team, f.Number, f.Cursor = q.Get("queue"), q.Get("agent"), q.Get("team"), q.Get("number"), q.Get("cursor")
	if n, prefix := strings.CutSuffix(f.Number, "*"); n != "" {
		f.Number = callfloor.NormalizeNumber(n)
		if prefix {
			f.Number += "*"
		}
	}
	if o := q.Get("outcome"); o != "" {
		if !outcomes[o] {
			return nil, invalid("outcome", "unknown outcome %q", o).With(callfloor.CodeInvalidChoice, callfloor.Params{"allowed": outcomeNames(), "value": o})
		}
		f.Outcome = o
	}
	if d := q.Get("direction"); d != "" {
		if d != callfloor.Inbound && d != callfloor.Outbound {
			return nil, invalid("direction", "must be inbound or outbound").With(callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []string{callfloor.Inbound, callfloor.Outbound}, "value": d})
		}
		f.Direction = d
	}
	if v := q.Get("recorded"); v != "" {
		rec, err := strconv.ParseBool(v)
		if err != nil {
			return nil, invalid("recorded", "must be true or false, got %q", v).With(callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []string{"true", "false"}, "value": v})
		}
		f.Recorded = &rec
	}
	if d := q.Get("disposition"); d != "" {
		if d != "none" && !dispositionCodeRE.MatchString(d) {
			return nil, invalid("disposition", "not a disposition code: %q", d).With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "code", "max": 40, "value": d})
		}
		f.Disposition = d
	}
	if t := strings.TrimSpace(q.Get("q")); t != "" {
		if utf8.RuneCountInString(t) > 200 {
			return nil, invalid("q", "at most 200 characters")
		}
		f.Text = t
	}
	if l := q.Get("limit"); l != "" {
		if f.Limit, err = strconv.Atoi(l); err != nil {
			return nil, invalid("limit", "not a number: %q", l).With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "integer", "value": l})
		}
	}
	if n := f.Number; n != "" && strings.Trim(strings.TrimSuffix(n, "*"), "+0123456789") != "" {
		return nil, invalid("number", "digits only (a leading + and a trailing * allowed)").With(callfloor.CodeInvalidNumber, callfloor.Params{"value": q.Get("number")})
	}
	p := principal(r)
	switch {
	case p.CanSeeAll():
	case p.Scoped(): // a project manager: their projects' queues and teams' agents
		if f.Team != "" && !p.CanSeeTeam(f.Team) {
			return nil, forbidden("team %q is outside the projects of %s %q", f.Team, p.Role, p.Username)
		}
		if f.Queue != "" && !p.CanSeeQueue(f.Queue) {
			return nil, forbidden("queue %q is outside the projects of %s %q", f.Queue, p.Role, p.Username)
		}
		if f.Agent != "" && f.Agent != p.AgentID {
			if ag, err := a.agentProfile(f.Agent); err == nil && !p.CanSeeAgent(ag.ID, ag.Team) {
				return nil, forbidden("agent %q is outside the projects of %s %q", f.Agent, p.Role, p.Username)
			}
		}
		f.Scope = &storage.CallScope{Queues: p.ProjectQueues, Teams: p.ProjectTeams}
	case p.Role == callfloor.RoleTeamLead:
		if f.Team != "" && f.Team != p.TeamID {
			return nil, forbidden("team lead of %q may not search team %q", p.TeamID, f.Team)
		}
		if f.Agent != "" {
			if _, err := a.scopedAgent(r, f.Agent, canSee); err != nil {
				return nil, err
			}
		}
		f.Team = p.TeamID
	case p.AgentID != "":
		if f.Agent != "" && f.Agent != p.AgentID {
			return nil, forbidden("an agent may search only their own calls")
		}
		if f.Team != "" {
			return nil, forbidden("an agent may search only their own calls")
		}
		f.Agent = p.AgentID
	default:
		return nil, forbidden("the %s role may not search calls", p.Role)
	}
	calls, next, err := a.DB.Reports().SearchCalls(r.Context(), f)
	if err != nil {
		return nil, err
	}
	if calls == nil {
		calls = []storage.CallRecord{}
	}
	return map[string]any{"calls": calls, "next_cursor": next}, nil
}

// callInScope loads a call (history first, then live) and checks the caller may see it.
func (a *API) callInScope(r *http.Request) (storage.CallRecord, error) {
	ctx := r.Context()
	id := r.PathValue("id")
	c, err := a.DB.CallByID(ctx, id)
	if callfloor.ErrorCode(err) == callfloor.ENOTFOUND {
		live, lerr := a.ACD.Store().Call(ctx, id)
		if lerr != nil {
			return c, err
		}
		c = storage.CallRecord{ID: live.ID, Direction: live.Direction, Queue: live.Queue, Node: live.Node, AsteriskID: live.AsteriskID,
			CallerNumber: live.CallerNumber, CalledNumber: live.CalledNumber, Agent: live.Agent, EnteredAt: live.EnteredAt,
			Outcome: string(live.Outcome), HangupBy: live.HangupBy, RecordingName: live.RecordingName}
		err = nil
	}
	if err != nil {
		return c, err
	}
	p := principal(r)
	if p.CanSeeAll() {
		return c, nil
	}
	team := ""
	if c.Agent != "" {
		if ag, err := a.agentProfile(c.Agent); err == nil {
			team = ag.Team
		}
	}
	if p.Scoped() && c.Queue != "" && p.CanSeeQueue(c.Queue) {
		return c, nil // a call of one of the project manager's queues
	}
	if c.Agent == "" || !p.CanSeeAgent(c.Agent, team) {
		return c, forbidden("call %q is outside what %s %q may see", c.ID, p.Role, p.Username)
	}
	return c, nil
}

func (a *API) getCall(w http.ResponseWriter, r *http.Request) (any, error) {
	return a.callInScope(r)
}

func (a *API) getRecording(w http.ResponseWriter, r *http.Request) (any, error) {
	c, err := a.callInScope(r)
	if err != nil {
		return nil, err
	}
	if c.RecordingName == "" {
		return nil, callfloor.NotFound("recording", c.ID, "call %q has no recording", c.ID)
	}
	rec, err := a.DB.RecordingByName(r.Context(), c.RecordingName)
	if callfloor.ErrorCode(err) == callfloor.ENOTFOUND { // not yet in the history: what the call knows
		return storage.Recording{Name: c.RecordingName, Node: c.Node, AsteriskID: c.AsteriskID, CallID: c.ID, AgentID: c.Agent}, nil
	}
	return rec, err
}

// recordingFile serves the audio of a call's recording from the local recording cache, which
// fetches it from the node that recorded it once (streamed to disk, never held in memory). A
// listen is audited when it starts (once per user and recording per ListenWindow); a download when
// the whole file has been written to the client.
func (a *API) recordingFile(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	c, err := a.callInScope(r)
	if err != nil {
		writeError(w, err)
		return
	}
	p := principal(r)
	team := ""
	if ag, err := a.agentProfile(c.Agent); err == nil {
		team = ag.Team
	}
	if !p.CanListenRecordings(c.Agent, team) {
		writeError(w, forbidden("%s %q may not listen to this recording", p.Role, p.Username))
		return
	}
	if c.RecordingName == "" {
		writeError(w, callfloor.NotFound("recording", c.ID, "call %q has no recording", c.ID))
		return
	}
	if n := strings.Count(r.Header.Get("Range"), ",") + 1; r.Header.Get("Range") != "" && n > MaxRanges {
		// refused before anything is fetched (a request of many small ranges costs more than the file)
		writeJSON(w, http.StatusRequestedRangeNotSatisfiable, errorBody(invalid("Range", "%d byte ranges in one request: at most %d", n, MaxRanges).With(callfloor.CodeTooLong, callfloor.Params{"max": MaxRanges, "value": n})))
		return
	}
	cache := a.recordingCache()
	if cache == nil {
		writeError(w, fmt.Errorf("no recording source configured"))
		return
	}
	// The server's write timeout is for JSON answers: a recording may take longer to fetch and to
	// send. While it is fetched (bounded by the cache's idle watchdog) no deadline; then each write
	// gets SendIdleTimeout, so a client that keeps reading is never cut and one that stalls is.
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{})
	rec, err := cache.Open(r.Context(), c.Node, c.RecordingName)
	if err != nil {
		if r.Context().Err() != nil {
			return // the client has gone; the fetch goes on for whoever else waits
		}
		if a.Log != nil {
			lvl := slog.LevelWarn
			if callfloor.ErrorCode(err) == callfloor.EINTERNAL {
				lvl = slog.LevelError
			}
			a.Log.Log(r.Context(), lvl, "recording", "call_id", c.ID, "node", c.Node, "recording", c.RecordingName, "err", err)
		}
		writeError(w, err)
		return
	}
	defer rec.Close()
	download := r.URL.Query().Get("download") == "1" || r.URL.Query().Get("download") == "true"
	detail := map[string]any{"call_id": c.ID, "agent_id": c.Agent}
	if download {
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.wav"`, c.ID))
	} else if a.firstListen(r, c.RecordingName) {
		a.audit(r, "recording_listened", "recording", c.RecordingName, detail)
	}
	if rec.ContentType != "" {
		w.Header().Set("Content-Type", rec.ContentType)
	} else {
		w.Header().Set("Content-Type", "application/octet-stream")
	}
	cw := &countingWriter{ResponseWriter: w, rc: rc}
	http.ServeContent(cw, r, "", time.Time{}, rec.File)
	if cw.err == nil {
		cw.err = rc.Flush()
	}
	if cw.err != nil {
		if a.Log != nil {
			a.Log.Info("recording: client went away", "call_id", c.ID, "user", p.Username, "sent", cw.n, "size", rec.Size, "err", cw.err)
		}
		return
	}
	if download && r.Method == http.MethodGet && cw.n == rec.Size {
		a.audit(r, "recording_downloaded", "recording", c.RecordingName, detail)
	}
}

// MaxRanges bounds the byte ranges of one recording request (a player asks for one).
const MaxRanges = 4

// countingWriter counts the body bytes written and remembers the first write error: a download
// is complete only when every byte was written.
type countingWriter struct {
	http.ResponseWriter
	rc  *http.ResponseController
	n   int64
	err error
}

// SendIdleTimeout is how long one write of a recording to a client may take.
const SendIdleTimeout = 30 * time.Second

func (c *countingWriter) Write(p []byte) (int, error) {
	_ = c.rc.SetWriteDeadline(time.Now().Add(SendIdleTimeout))
	n, err := c.ResponseWriter.Write(p)
	c.n += int64(n)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}

func (c *countingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// recordingCache is the configured cache, or one in a fresh temporary directory.
func (a *API) recordingCache() *RecordingCache {
	a.cacheOnce.Do(func() {
		if a.RecordingCache != nil || a.Recordings == nil {
			return
		}
		dir, err := os.MkdirTemp("", "callfloor-recordings-")
		if err != nil {
			if a.Log != nil {
				a.Log.Error("recording cache", "err", err)
			}
			return
		}
		a.RecordingCache = &RecordingCache{Dir: dir, Source: a.Recordings, Log: a.Log}
	})
	return a.RecordingCache
}

// ListenWindow is how long the requests of one user for one recording (the player's fetch, its
// <audio> element's ranges, seeks) count as one listen in the audit log.
const ListenWindow = 10 * time.Minute

// firstListen reports whether this request starts a listen of name by the caller: any request,
// ranged or not, is a listen (a client may ask for bytes=0- and get it all), and those within
// ListenWindow of the first are the same listen. Without Redis every request is audited.
func (a *API) firstListen(r *http.Request, name string) bool {
	p := principal(r)
	if a.Auth == nil || a.Auth.Redis == nil {
		return true
	}
	key := a.Auth.Prefix + "listen:" + strconv.FormatInt(p.UserID, 10) + ":" + name
	first, err := a.Auth.Redis.SetNX(r.Context(), key, 1, ListenWindow).Result()
	return err != nil || first
}

// projectsIn is the projects of a user input (nil when absent).
func projectsIn(p *[]string) []string {
	if p == nil {
		return nil
	}
	if *p == nil {
		return []string{}
	}
	return *p
}

// callVisible reports whether a project manager (or anyone) may see the call: one of their
// queues' calls, or one taken by an agent they may see.
func (a *API) callVisible(p callfloor.Principal, c storage.CallRecord) bool {
	if p.CanSeeAll() {
		return true
	}
	if c.Queue != "" && p.Scoped() && p.CanSeeQueue(c.Queue) {
		return true
	}
	if c.Agent == "" {
		return false
	}
	team := ""
	if ag, err := a.agentProfile(c.Agent); err == nil {
		team = ag.Team
	}
	return p.CanSeeAgent(c.Agent, team)
}
