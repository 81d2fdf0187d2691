package dashboards

import (
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/storage"
)

// Customers and their timeline (issue 14 items 1–4). Every signed-in role reads customers (the
// agent's desktop shows the caller's); a project manager only those with a call in their
// projects' queues. Agents and above edit the name, fields and tags and write notes; team leads
// and above set the VIP and blacklist flags (audited, and copied to Redis for the ACD).

// Limits of a customer's text.
const (
	MaxCustomerName   = 100
	MaxCustomerTags   = 20
	MaxCustomerTag    = 30
	MaxCustomerFields = 30
	MaxFieldKey       = 50
	MaxFieldValue     = 500
	MaxCustomerNote   = 2000
	MaxFlagReason     = 200
	TimelinePage      = 20
)

func (a *API) registerCustomers(h func(pattern string, fn handlerFunc)) {
	h("GET /api/v1/customers", a.searchCustomers)
	h("GET /api/v1/customers/{phone}", a.getCustomer)
	h("PUT /api/v1/customers/{phone}", a.putCustomer)
	h("GET /api/v1/customers/{phone}/timeline", a.customerTimeline)
	h("POST /api/v1/customers/{phone}/notes", a.addCustomerNote)
	h("PUT /api/v1/customers/{phone}/flags", a.putCustomerFlag)
}

// customerPhone reads {phone} in canonical form, checking that the principal may see it.
func (a *API) customerPhone(r *http.Request) (string, error) {
	phone, err := callfloor.CanonicalPhone(r.PathValue("phone"), "86")
	if err != nil {
		return "", err
	}
	p := principal(r)
	if !p.Role.Valid() {
		return "", forbidden("no role")
	}
	if p.Scoped() {
		ok, err := a.DB.CustomerHasCallsIn(r.Context(), phone, p.ProjectQueues)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", forbidden("%s %q sees the customers of their projects' calls only", p.Role, p.Username)
		}
	}
	return phone, nil
}

// CustomerPage is GET /customers/{phone}: the customer and the first page of the timeline.
type CustomerPage struct {
	Customer   *storage.Customer      `json:"customer"`
	Timeline   []storage.TimelineItem `json:"timeline"`
	NextBefore string                 `json:"next_before,omitempty"` // for the next page; absent: no more
}

func (a *API) getCustomer(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := checkParams(r); err != nil {
		return nil, err
	}
	phone, err := a.customerPhone(r)
	if err != nil {
		return nil, err
	}
	c, err := a.DB.EnsureCustomer(r.Context(), phone) // its first call made it a customer
	if err != nil {
		return nil, err
	}
	items, next, err := a.timelinePage(r, phone, time.Time{}, TimelinePage)
	if err != nil {
		return nil, err
	}
	return CustomerPage{Customer: c, Timeline: items, NextBefore: next}, nil
}

// timelinePage reads a page strictly before `before` (zero: the newest) and the next page's
// bound: the sources take "at or before", so the bound is a microsecond (PostgreSQL's
// resolution) before the page's last item.
func (a *API) timelinePage(r *http.Request, phone string, before time.Time, limit int) ([]storage.TimelineItem, string, error) {
	items, err := a.DB.Timeline(r.Context(), phone, before, limit)
	if err != nil {
		return nil, "", err
	}
	if items == nil {
		items = []storage.TimelineItem{}
	}
	next := ""
	if len(items) == limit {
		next = items[len(items)-1].At.Add(-time.Microsecond).UTC().Format(time.RFC3339Nano)
	}
	return items, next, nil
}

func (a *API) customerTimeline(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := checkParams(r, "before", "limit"); err != nil {
		return nil, err
	}
	phone, err := a.customerPhone(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	var before time.Time
	if v := q.Get("before"); v != "" {
		if before, err = time.Parse(time.RFC3339Nano, v); err != nil {
			return nil, invalid("before", "not an RFC 3339 time: %q", v).With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "time", "value": v})
		}
	}
	limit, err := intParam(q.Get("limit"), "limit", TimelinePage, 1, 100)
	if err != nil {
		return nil, err
	}
	items, next, err := a.timelinePage(r, phone, before, limit)
	if err != nil {
		return nil, err
	}
	return map[string]any{"items": items, "next_before": next}, nil
}

// intParam reads an optional integer query parameter in [lo, hi].
func intParam(v, field string, def, lo, hi int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, invalid(field, "not an integer: %q", v).With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "integer", "value": v})
	}
	if n < lo || n > hi {
		return 0, invalid(field, "must be %d to %d, got %d", lo, hi, n).With(callfloor.CodeOutOfRange, callfloor.Params{"min": lo, "max": hi, "value": n})
	}
	return n, nil
}

func (a *API) searchCustomers(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := checkParams(r, "q", "limit"); err != nil {
		return nil, err
	}
	p := principal(r)
	if !p.Role.Valid() {
		return nil, forbidden("no role")
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if utf8.RuneCountInString(q) > 100 {
		return nil, invalid("q", "at most 100 characters").With(callfloor.CodeTooLong, callfloor.Params{"max": 100})
	}
	limit, err := intParam(r.URL.Query().Get("limit"), "limit", 50, 1, 200)
	if err != nil {
		return nil, err
	}
	var scope []string
	if p.Scoped() {
		scope = append([]string{}, p.ProjectQueues...) // not nil: an empty scope matches nothing
	}
	hits, err := a.DB.SearchCustomers(r.Context(), q, scope, limit)
	if err != nil {
		return nil, err
	}
	if hits == nil {
		hits = []storage.CustomerHit{}
	}
	return map[string]any{"customers": hits}, nil
}

func tooLong(field string, max int) error {
	return invalid(field, "at most %d characters", max).With(callfloor.CodeTooLong, callfloor.Params{"max": max})
}

func checkCustomerEdit(e storage.CustomerEdit) error {
	if e.Name != nil {
		*e.Name = strings.TrimSpace(*e.Name)
		if utf8.RuneCountInString(*e.Name) > MaxCustomerName {
			return tooLong("name", MaxCustomerName)
		}
	}
	if e.Tags != nil {
		tags := (*e.Tags)[:0]
		seen := map[string]bool{}
		for _, t := range *e.Tags {
			t = strings.TrimSpace(t)
			if t == "" || seen[t] {
				continue
			}
			if utf8.RuneCountInString(t) > MaxCustomerTag {
				return tooLong("tags", MaxCustomerTag)
			}
			seen[t] = true
			tags = append(tags, t)
		}
		if len(tags) > MaxCustomerTags {
			return invalid("tags", "at most %d tags", MaxCustomerTags).With(callfloor.CodeTooLong, callfloor.Params{"max": MaxCustomerTags})
		}
		*e.Tags = tags
	}
	if e.Fields != nil {
		if len(*e.Fields) > MaxCustomerFields {
			return invalid("fields", "at most %d fields", MaxCustomerFields).With(callfloor.CodeTooLong, callfloor.Params{"max": MaxCustomerFields})
		}
		for k, v := range *e.Fields {
			if strings.TrimSpace(k) == "" {
				return invalid("fields", "a field needs a name").With(callfloor.CodeRequired, nil)
			}
			if utf8.RuneCountInString(k) > MaxFieldKey {
				return tooLong("fields", MaxFieldKey)
			}
			if utf8.RuneCountInString(v) > MaxFieldValue {
				return tooLong("fields."+k, MaxFieldValue)
			}
		}
	}
	return nil
}

func (a *API) putCustomer(w http.ResponseWriter, r *http.Request) (any, error) {
	phone, err := a.customerPhone(r)
	if err != nil {
		return nil, err
	}
	var e storage.CustomerEdit
	if err := decode(r, &e); err != nil {
		return nil, err
	}
	if err := checkCustomerEdit(e); err != nil {
		return nil, err
	}
	c, err := a.DB.UpdateCustomer(r.Context(), phone, e, time.Now())
	if err != nil {
		return nil, err
	}
	a.audit(r, "customer_updated", "customer", phone, map[string]any{"name": e.Name, "tags": e.Tags, "fields": e.Fields})
	return c, nil
}

func (a *API) addCustomerNote(w http.ResponseWriter, r *http.Request) (any, error) {
	phone, err := a.customerPhone(r)
	if err != nil {
		return nil, err
	}
	var in struct {
		Body   string `json:"body"`
		CallID string `json:"call_id"`
	}
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	in.Body = strings.TrimSpace(in.Body)
	if in.Body == "" {
		return nil, invalid("body", "required").With(callfloor.CodeRequired, nil)
	}
	if utf8.RuneCountInString(in.Body) > MaxCustomerNote {
		return nil, tooLong("body", MaxCustomerNote)
	}
	if len(in.CallID) > 64 {
		return nil, tooLong("call_id", 64)
	}
	n, err := a.DB.AddCustomerNote(r.Context(), phone, in.Body, principal(r).Username, in.CallID, time.Now())
	if err != nil {
		return nil, err
	}
	return created{n}, nil
}

// FlagChange is PUT /customers/{phone}/flags: set (on) or clear one flag, with the reason.
type FlagChange struct {
	Flag   string `json:"flag"`
	On     bool   `json:"on"`
	Reason string `json:"reason"`
}

func (a *API) putCustomerFlag(w http.ResponseWriter, r *http.Request) (any, error) {
	p := principal(r)
	if !p.CanFlagCustomers() {
		return nil, forbidden("%s %q may not flag customers (team leads and above)", p.Role, p.Username)
	}
	phone, err := a.customerPhone(r)
	if err != nil {
		return nil, err
	}
	var in FlagChange
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if in.Flag != callfloor.FlagVIP && in.Flag != callfloor.FlagBlacklist {
		allowed := []string{callfloor.FlagVIP, callfloor.FlagBlacklist}
		return nil, invalid("flag", "one of vip, blacklist").With(callfloor.CodeInvalidChoice, callfloor.Params{"allowed": allowed, "value": in.Flag})
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if in.On && in.Reason == "" {
		return nil, invalid("reason", "required when setting a flag").With(callfloor.CodeRequired, nil)
	}
	if utf8.RuneCountInString(in.Reason) > MaxFlagReason {
		return nil, tooLong("reason", MaxFlagReason)
	}
	ctx := r.Context()
	c, err := a.DB.SetCustomerFlag(ctx, phone, in.Flag, in.On, p.Username, in.Reason, time.Now())
	if err != nil {
		return nil, err
	}
	a.audit(r, "customer_flag", "customer", phone, map[string]any{"flag": in.Flag, "on": in.On, "reason": in.Reason})
	// the ACD's copy; should Redis be down, the next start rebuilds it from PostgreSQL
	if err := a.ACD.Store().SetCustomerFlag(ctx, phone, callfloor.CustomerFlag(c.VIP, c.Blacklist)); err != nil {
		return nil, err
	}
	return c, nil
}
