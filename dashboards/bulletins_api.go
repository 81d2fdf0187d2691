package dashboards

import (
	"context"
	"errors"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/bulletins"
	"github.com/jackc/pgx/v5/pgconn"
)

// Bulletins (快报) and threshold alerts: destinations (chat robots, e-mail, webhooks),
// schedules, alert rules, and the runs (package bulletins sends them). Configuration is for
// admins and operations managers, audited; URLs carry tokens and secrets sign: the API never
// returns them (the URL redacted, "secret_set": true) and the audit log never holds them.
// Supervisors and project managers may read the runs.

// RegisterBulletins adds /api/v1/bulletins/... to mux, served by svc.
func (a *API) RegisterBulletins(mux Mux, svc *bulletins.Service) {
	mux = nulGuard{mux}
	b := &bulletinsAPI{a: a, svc: svc, st: svc.Store()}
	h := func(pattern string, fn handlerFunc) { mux.Handle(pattern, a.Auth.Middleware(a.wrap(fn))) }
	h("GET /api/v1/bulletins/destinations", b.listDestinations)
	h("POST /api/v1/bulletins/destinations", b.createDestination)
	h("GET /api/v1/bulletins/destinations/{id}", b.getDestination)
	h("PUT /api/v1/bulletins/destinations/{id}", b.updateDestination)
	h("DELETE /api/v1/bulletins/destinations/{id}", b.deleteDestination)
	h("POST /api/v1/bulletins/destinations/{id}/test", b.testDestination)
	h("GET /api/v1/bulletins/schedules", b.listSchedules)
	h("POST /api/v1/bulletins/schedules", b.createSchedule)
	h("PUT /api/v1/bulletins/schedules/{id}", b.updateSchedule)
	h("DELETE /api/v1/bulletins/schedules/{id}", b.deleteSchedule)
	h("GET /api/v1/bulletins/alert-rules", b.listRules)
	h("POST /api/v1/bulletins/alert-rules", b.createRule)
	h("PUT /api/v1/bulletins/alert-rules/{id}", b.updateRule)
	h("DELETE /api/v1/bulletins/alert-rules/{id}", b.deleteRule)
	h("GET /api/v1/bulletins/runs", b.listRuns)
}

type bulletinsAPI struct {
	a   *API
	svc *bulletins.Service
	st  *bulletins.Store
}

func bulletinID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, invalid("id", "not an id: %q", r.PathValue("id")).With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "id", "value": r.PathValue("id")})
	}
	return id, nil
}

func bulletinErr(err error, what string, id int64) error {
	if errors.Is(err, bulletins.ErrNotFound) {
		return callfloor.NotFound(what, strconv.FormatInt(id, 10), "%s %d not found", what, id)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return callfloor.AlreadyExists("name", what, "", "a %s with this name exists", what)
	}
	return err
}

// ---- destinations ----

type destinationIn struct {
	Name      string                   `json:"name"`
	Kind      string                   `json:"kind"`
	URL       *string                  `json:"url"`    // absent on update: unchanged
	Secret    *string                  `json:"secret"` // absent on update: unchanged; "": none
	Email     *bulletins.EmailSettings `json:"email"`
	ProjectID *string                  `json:"project_id"`
	Lang      string                   `json:"lang"`
	Enabled   *bool                    `json:"enabled"`
}

func (b *bulletinsAPI) projectExists(ctx context.Context, field string, p *string) error {
	if p == nil {
		return nil
	}
	var ok bool
	if err := b.a.DB.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM projects WHERE id=$1)`, *p).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return callfloor.Invalid(field, callfloor.CodeUnknownRef, callfloor.Params{"what": "project", "value": *p}, "no project %q", *p)
	}
	return nil
}

func checkName(name string) error {
	if strings.TrimSpace(name) == "" {
		return callfloor.Invalid("name", callfloor.CodeRequired, nil, "required")
	}
	if utf8.RuneCountInString(name) > 100 {
		return callfloor.Invalid("name", callfloor.CodeTooLong, callfloor.Params{"max": 100}, "at most 100 characters")
	}
	return nil
}

func (b *bulletinsAPI) applyDestination(ctx context.Context, d *bulletins.Destination, in destinationIn) error {
	if err := checkName(in.Name); err != nil {
		return err
	}
	if !slices.Contains(bulletins.Kinds, in.Kind) {
		return callfloor.Invalid("kind", callfloor.CodeInvalidChoice, callfloor.Params{"allowed": bulletins.Kinds, "value": in.Kind}, "one of %s", strings.Join(bulletins.Kinds, ", "))
	}
	if in.Lang == "" {
		in.Lang = "zh-CN"
	}
	if in.Lang != "en" && in.Lang != "zh-CN" {
		return callfloor.Invalid("lang", callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []string{"en", "zh-CN"}, "value": in.Lang}, "en or zh-CN")
	}
	d.Name, d.Kind, d.Lang, d.ProjectID = strings.TrimSpace(in.Name), in.Kind, in.Lang, in.ProjectID
	if in.Enabled != nil {
		d.Enabled = *in.Enabled
	}
	if in.URL != nil {
		d.URL = strings.TrimSpace(*in.URL)
	}
	if in.Secret != nil {
		d.Secret = *in.Secret
	}
	if len(d.Secret) > 500 {
		return callfloor.Invalid("secret", callfloor.CodeTooLong, callfloor.Params{"max": 500}, "at most 500 characters")
	}
	if in.Kind == bulletins.KindEmail {
		d.URL = ""
		e := in.Email
		if e == nil {
			return callfloor.Invalid("email", callfloor.CodeRequired, nil, "an e-mail destination needs its SMTP settings")
		}
		if e.Host == "" {
			return callfloor.Invalid("email.host", callfloor.CodeRequired, nil, "required")
		}
		if e.Port < 0 || e.Port > 65535 {
			return callfloor.Invalid("email.port", callfloor.CodeOutOfRange, callfloor.Params{"min": 0, "max": 65535, "value": e.Port}, "a TCP port")
		}
		if _, err := mail.ParseAddress(e.From); err != nil {
			return callfloor.Invalid("email.from", callfloor.CodeInvalidFormat, callfloor.Params{"format": "email", "value": e.From}, "not an e-mail address")
		}
		if len(e.To) == 0 {
			return callfloor.Invalid("email.to", callfloor.CodeRequired, nil, "at least one recipient")
		}
		for _, to := range e.To {
			if _, err := mail.ParseAddress(to); err != nil {
				return callfloor.Invalid("email.to", callfloor.CodeInvalidFormat, callfloor.Params{"format": "email", "value": to}, "not an e-mail address: %q", to)
			}
		}
		d.Email = e
	} else {
		d.Email = nil
		if d.URL == "" {
			return callfloor.Invalid("url", callfloor.CodeRequired, nil, "required: the robot's or webhook's address")
		}
		u, err := url.Parse(d.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			// never echo the URL: it carries a token
			return callfloor.Invalid("url", callfloor.CodeInvalidFormat, callfloor.Params{"format": "url"}, "not an http(s) URL")
		}
	}
	return b.projectExists(ctx, "project_id", d.ProjectID)
}

func (b *bulletinsAPI) listDestinations(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	ds, err := b.st.Destinations(r.Context())
	if err != nil {
		return nil, err
	}
	for i := range ds {
		ds[i] = ds[i].Public()
	}
	return map[string]any{"destinations": ds}, nil
}

func (b *bulletinsAPI) getDestination(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	id, err := bulletinID(r)
	if err != nil {
		return nil, err
	}
	d, err := b.st.Destination(r.Context(), id)
	if err != nil {
		return nil, bulletinErr(err, "destination", id)
	}
	return d.Public(), nil
}

func (b *bulletinsAPI) createDestination(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	var in destinationIn
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	d := bulletins.Destination{Enabled: true}
	if err := b.applyDestination(r.Context(), &d, in); err != nil {
		return nil, err
	}
	if err := b.st.SaveDestination(r.Context(), &d); err != nil {
		return nil, bulletinErr(err, "destination", 0)
	}
	d = d.Public()
	b.a.audit(r, "bulletin_destination_created", "bulletin_destination", strconv.FormatInt(d.ID, 10), map[string]any{"after": d})
	return created{d}, nil
}

func (b *bulletinsAPI) updateDestination(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	id, err := bulletinID(r)
	if err != nil {
		return nil, err
	}
	var in destinationIn
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	d, err := b.st.Destination(r.Context(), id)
	if err != nil {
		return nil, bulletinErr(err, "destination", id)
	}
	before := d.Public()
	if err := b.applyDestination(r.Context(), &d, in); err != nil {
		return nil, err
	}
	if err := b.st.SaveDestination(r.Context(), &d); err != nil {
		return nil, bulletinErr(err, "destination", id)
	}
	d = d.Public()
	detail := map[string]any{"before": before, "after": d}
	if in.URL != nil {
		detail["url_changed"] = true
	}
	if in.Secret != nil {
		detail["secret_changed"] = true
	}
	b.a.audit(r, "bulletin_destination_updated", "bulletin_destination", strconv.FormatInt(id, 10), detail)
	return d, nil
}

func (b *bulletinsAPI) deleteDestination(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	id, err := bulletinID(r)
	if err != nil {
		return nil, err
	}
	if err := b.st.DeleteDestination(r.Context(), id); err != nil {
		return nil, bulletinErr(err, "destination", id)
	}
	b.a.audit(r, "bulletin_destination_deleted", "bulletin_destination", strconv.FormatInt(id, 10), nil)
	return map[string]any{"deleted": id}, nil
}

// testDestination queues a test message now; the answer is the run (poll the runs for its
// status).
func (b *bulletinsAPI) testDestination(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	id, err := bulletinID(r)
	if err != nil {
		return nil, err
	}
	run, err := b.svc.SendTest(r.Context(), id)
	if err != nil {
		return nil, bulletinErr(err, "destination", id)
	}
	b.a.audit(r, "bulletin_test_sent", "bulletin_destination", strconv.FormatInt(id, 10), map[string]any{"run": run.ID})
	return created{run}, nil
}

// ---- schedules ----

type scheduleIn struct {
	Name           string   `json:"name"`
	Times          []string `json:"times"`
	Weekdays       []int16  `json:"weekdays"`
	DestinationIDs []int64  `json:"destination_ids"`
	ProjectID      *string  `json:"project_id"`
	Enabled        *bool    `json:"enabled"`
}

func (b *bulletinsAPI) destinationsExist(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return callfloor.Invalid("destination_ids", callfloor.CodeRequired, nil, "at least one destination")
	}
	for _, id := range ids {
		if _, err := b.st.Destination(ctx, id); errors.Is(err, bulletins.ErrNotFound) {
			return callfloor.Invalid("destination_ids", callfloor.CodeUnknownRef, callfloor.Params{"what": "destination", "value": id}, "no destination %d", id)
		} else if err != nil {
			return err
		}
	}
	return nil
}

func (b *bulletinsAPI) applySchedule(ctx context.Context, c *bulletins.Schedule, in scheduleIn) error {
	if err := checkName(in.Name); err != nil {
		return err
	}
	if len(in.Times) == 0 {
		return callfloor.Invalid("times", callfloor.CodeRequired, nil, "at least one time such as 10:00")
	}
	if len(in.Times) > 48 {
		return callfloor.Invalid("times", callfloor.CodeTooLong, callfloor.Params{"max": 48}, "at most 48 times")
	}
	seen := map[string]bool{}
	for _, t := range in.Times {
		if _, _, ok := bulletins.ParseHHMM(t); !ok {
			return callfloor.Invalid("times", callfloor.CodeInvalidFormat, callfloor.Params{"format": "time", "value": t}, "not a time HH:MM: %q", t)
		}
		if seen[t] {
			return callfloor.Invalid("times", callfloor.CodeDuplicate, callfloor.Params{"value": t}, "%s twice", t)
		}
		seen[t] = true
	}
	if len(in.Weekdays) == 0 {
		in.Weekdays = []int16{1, 2, 3, 4, 5, 6, 7}
	}
	for _, d := range in.Weekdays {
		if d < 1 || d > 7 {
			return callfloor.Invalid("weekdays", callfloor.CodeOutOfRange, callfloor.Params{"min": 1, "max": 7, "value": d}, "ISO weekdays 1 (Monday) to 7 (Sunday)")
		}
	}
	if err := b.destinationsExist(ctx, in.DestinationIDs); err != nil {
		return err
	}
	if err := b.projectExists(ctx, "project_id", in.ProjectID); err != nil {
		return err
	}
	slices.Sort(in.Times)
	c.Name, c.Times, c.Weekdays, c.DestinationIDs, c.ProjectID = strings.TrimSpace(in.Name), in.Times, in.Weekdays, in.DestinationIDs, in.ProjectID
	if in.Enabled != nil {
		c.Enabled = *in.Enabled
	}
	return nil
}

func (b *bulletinsAPI) listSchedules(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	cs, err := b.st.Schedules(r.Context())
	if err != nil {
		return nil, err
	}
	return map[string]any{"schedules": cs}, nil
}

func (b *bulletinsAPI) createSchedule(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	var in scheduleIn
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	c := bulletins.Schedule{Enabled: true}
	if err := b.applySchedule(r.Context(), &c, in); err != nil {
		return nil, err
	}
	if err := b.st.SaveSchedule(r.Context(), &c); err != nil {
		return nil, bulletinErr(err, "schedule", 0)
	}
	b.a.audit(r, "bulletin_schedule_created", "bulletin_schedule", strconv.FormatInt(c.ID, 10), map[string]any{"after": c})
	return created{c}, nil
}

func (b *bulletinsAPI) updateSchedule(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	id, err := bulletinID(r)
	if err != nil {
		return nil, err
	}
	var in scheduleIn
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	c, err := b.st.Schedule(r.Context(), id)
	if err != nil {
		return nil, bulletinErr(err, "schedule", id)
	}
	before := c
	if err := b.applySchedule(r.Context(), &c, in); err != nil {
		return nil, err
	}
	if err := b.st.SaveSchedule(r.Context(), &c); err != nil {
		return nil, bulletinErr(err, "schedule", id)
	}
	b.a.audit(r, "bulletin_schedule_updated", "bulletin_schedule", strconv.FormatInt(id, 10), map[string]any{"before": before, "after": c})
	return c, nil
}

func (b *bulletinsAPI) deleteSchedule(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	id, err := bulletinID(r)
	if err != nil {
		return nil, err
	}
	if err := b.st.DeleteSchedule(r.Context(), id); err != nil {
		return nil, bulletinErr(err, "schedule", id)
	}
	b.a.audit(r, "bulletin_schedule_deleted", "bulletin_schedule", strconv.FormatInt(id, 10), nil)
	return map[string]any{"deleted": id}, nil
}

// ---- alert rules ----

type ruleIn struct {
	Name           string   `json:"name"`
	Kind           string   `json:"kind"`
	Threshold      *float64 `json:"threshold"`
	ForMinutes     int      `json:"for_minutes"`
	Queue          *string  `json:"queue"`
	ProjectID      *string  `json:"project_id"`
	DestinationIDs []int64  `json:"destination_ids"`
	Enabled        *bool    `json:"enabled"`
}

func (b *bulletinsAPI) applyRule(ctx context.Context, x *bulletins.AlertRule, in ruleIn) error {
	if err := checkName(in.Name); err != nil {
		return err
	}
	if !slices.Contains(bulletins.RuleKinds, in.Kind) {
		return callfloor.Invalid("kind", callfloor.CodeInvalidChoice, callfloor.Params{"allowed": bulletins.RuleKinds, "value": in.Kind}, "one of %s", strings.Join(bulletins.RuleKinds, ", "))
	}
	switch in.Kind {
	case bulletins.RuleWaiting, bulletins.RuleLongestWait:
		if in.Threshold == nil {
			return callfloor.Invalid("threshold", callfloor.CodeRequired, nil, "required for %s", in.Kind)
		}
		if *in.Threshold < 1 || *in.Threshold > 86400 {
			return callfloor.Invalid("threshold", callfloor.CodeOutOfRange, callfloor.Params{"min": 1, "max": 86400, "value": *in.Threshold}, "between 1 and 86400")
		}
	case bulletins.RuleServiceLevel:
		if in.Threshold != nil && (*in.Threshold <= 0 || *in.Threshold > 1) {
			return callfloor.Invalid("threshold", callfloor.CodeOutOfRange, callfloor.Params{"min": 0, "max": 1, "value": *in.Threshold}, "a share in (0, 1]; leave it out to use the targets")
		}
	case bulletins.RulePauseOverMax:
		if in.Threshold != nil {
			return callfloor.Invalid("threshold", callfloor.CodeNotApplicable, callfloor.Params{"other": "kind", "value": in.Kind}, "the pause reasons' maximums are the limits")
		}
	}
	if in.ForMinutes < 0 || in.ForMinutes > 1440 {
		return callfloor.Invalid("for_minutes", callfloor.CodeOutOfRange, callfloor.Params{"min": 0, "max": 1440, "value": in.ForMinutes}, "between 0 and 1440")
	}
	if in.Queue != nil {
		if *in.Queue == "" {
			in.Queue = nil
		} else if _, err := b.a.ACD.Queue(*in.Queue); err != nil {
			return callfloor.Invalid("queue", callfloor.CodeUnknownRef, callfloor.Params{"what": "queue", "value": *in.Queue}, "no queue %q", *in.Queue)
		}
	}
	if err := b.destinationsExist(ctx, in.DestinationIDs); err != nil {
		return err
	}
	if err := b.projectExists(ctx, "project_id", in.ProjectID); err != nil {
		return err
	}
	x.Name, x.Kind, x.Threshold, x.ForMinutes, x.Queue, x.ProjectID, x.DestinationIDs = strings.TrimSpace(in.Name), in.Kind, in.Threshold, in.ForMinutes, in.Queue, in.ProjectID, in.DestinationIDs
	if in.Enabled != nil {
		x.Enabled = *in.Enabled
	}
	return nil
}

func (b *bulletinsAPI) listRules(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	rs, err := b.st.AlertRules(r.Context())
	if err != nil {
		return nil, err
	}
	return map[string]any{"alert_rules": rs}, nil
}

func (b *bulletinsAPI) createRule(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	var in ruleIn
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	x := bulletins.AlertRule{Enabled: true}
	if err := b.applyRule(r.Context(), &x, in); err != nil {
		return nil, err
	}
	if err := b.st.SaveAlertRule(r.Context(), &x); err != nil {
		return nil, bulletinErr(err, "alert rule", 0)
	}
	b.a.audit(r, "bulletin_alert_rule_created", "bulletin_alert_rule", strconv.FormatInt(x.ID, 10), map[string]any{"after": x})
	return created{x}, nil
}

func (b *bulletinsAPI) updateRule(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	id, err := bulletinID(r)
	if err != nil {
		return nil, err
	}
	var in ruleIn
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	x, err := b.st.AlertRule(r.Context(), id)
	if err != nil {
		return nil, bulletinErr(err, "alert rule", id)
	}
	before := x
	if err := b.applyRule(r.Context(), &x, in); err != nil {
		return nil, err
	}
	if err := b.st.SaveAlertRule(r.Context(), &x); err != nil {
		return nil, bulletinErr(err, "alert rule", id)
	}
	b.a.audit(r, "bulletin_alert_rule_updated", "bulletin_alert_rule", strconv.FormatInt(id, 10), map[string]any{"before": before, "after": x})
	return x, nil
}

func (b *bulletinsAPI) deleteRule(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	id, err := bulletinID(r)
	if err != nil {
		return nil, err
	}
	if err := b.st.DeleteAlertRule(r.Context(), id); err != nil {
		return nil, bulletinErr(err, "alert rule", id)
	}
	b.a.audit(r, "bulletin_alert_rule_deleted", "bulletin_alert_rule", strconv.FormatInt(id, 10), nil)
	return map[string]any{"deleted": id}, nil
}

// listRuns: the last 100 runs; admins, operations managers, supervisors and project managers.
func (b *bulletinsAPI) listRuns(w http.ResponseWriter, r *http.Request) (any, error) {
	switch principal(r).Role {
	case callfloor.RoleAdmin, callfloor.RoleOperationsManager, callfloor.RoleSupervisor, callfloor.RoleProjectManager:
	default:
		return nil, forbidden("the bulletins' runs are for admins, operations managers, supervisors and project managers (you are %s)", principal(r).Role)
	}
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return nil, callfloor.Invalid("limit", callfloor.CodeOutOfRange, callfloor.Params{"min": 1, "max": 500, "value": v}, "between 1 and 500")
		}
		limit = n
	}
	runs, err := b.st.Runs(r.Context(), limit)
	if err != nil {
		return nil, err
	}
	return map[string]any{"runs": runs}, nil
}
