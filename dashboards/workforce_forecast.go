package dashboards

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/callfloor/callfloor"
)

// Forecast and staffing (issue 12; forecast.go, storage/forecast.go): a queue's day per 15 or 30
// minutes — the volume and AHT expected from the same weekday of the last weeks (holidays and
// make-up days handled, the method and basis named), the agents required by Erlang C and by
// Erlang A with the patience measured from the abandons, the heads to schedule after shrinkage,
// the heads on the published roster; for today, a re-forecast from the actuals so far; for a past
// day, the forecast's accuracy (MAPE, WAPE) against what happened. Who sees the queue sees it.

func (a *API) registerForecast(h func(pattern string, fn handlerFunc)) {
	h("GET /api/v1/forecast", a.getForecast)
	h("POST /api/v1/forecast", a.saveForecast)
	h("GET /api/v1/forecast/week", a.getForecastWeek)
	h("GET /api/v1/forecast/settings", a.getForecastSetting)
	h("PUT /api/v1/forecast/settings", a.putForecastSetting)
}

type forecastParams struct {
	queue     callfloor.Queue
	day       string
	minutes   int
	weeks     int
	shrinkage float64
	stored    bool   // shrinkage not given: the queue's stored setting (or the default) is used
	source    string // where the shrinkage comes from: "query", "queue" (stored) or "default"
}

func (a *API) forecastParams(r *http.Request, extra ...string) (forecastParams, error) {
	var fp forecastParams
	var err error
	if err := checkParams(r, append([]string{"queue", "day", "interval", "weeks", "shrinkage"}, extra...)...); err != nil {
		return fp, err
	}
	q := r.URL.Query()
	fp.queue, err = a.forecastQueue(r)
	if err != nil {
		return fp, err
	}
	loc := a.Base.Location()
	fp.day = q.Get("day")
	if fp.day == "" {
		fp.day = time.Now().In(loc).Format(time.DateOnly)
	}
	if len(callfloor.Days(fp.day, fp.day)) != 1 {
		return fp, invalid("day", "must be a day YYYY-MM-DD, got %q", fp.day).With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "date", "value": fp.day})
	}
	fp.minutes, fp.weeks = 30, 6
	if v := q.Get("interval"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || (n != 15 && n != 30) {
			return fp, invalid("interval", "must be 15 or 30, got %q", v).With(callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []int{15, 30}, "value": v})
		}
		fp.minutes = n
	}
	if v := q.Get("weeks"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 26 {
			return fp, invalid("weeks", "must be 1–26, got %q", v).With(callfloor.CodeOutOfRange, callfloor.Params{"min": 1, "max": 26, "value": v})
		}
		fp.weeks = n
	}
	if v := q.Get("shrinkage"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f >= 0.9 {
			return fp, invalid("shrinkage", "must be 0 or more and below 0.9, got %q", v).With(callfloor.CodeOutOfRange, callfloor.Params{"min": 0, "max": 0.9, "value": v})
		}
		fp.shrinkage, fp.source = f, "query"
	} else {
		st, err := a.DB.ForecastSettingOf(r.Context(), fp.queue.Name)
		if err != nil {
			return fp, err
		}
		fp.shrinkage, fp.stored, fp.source = st.Shrinkage, true, "queue"
		if st.Default {
			fp.source = "default"
		}
	}
	return fp, nil
}

// forecastQueue is the request's queue (required, known, visible to the caller).
func (a *API) forecastQueue(r *http.Request) (callfloor.Queue, error) {
	name := r.URL.Query().Get("queue")
	if name == "" {
		return callfloor.Queue{}, invalid("queue", "is required").With(callfloor.CodeRequired, nil)
	}
	for _, x := range a.ACD.Queues() {
		if x.Name == name {
			if p := principal(r); !p.CanSeeQueue(name) {
				return callfloor.Queue{}, forbidden("queue %q is outside what %s %q may see", name, p.Role, p.Username)
			}
			return x, nil
		}
	}
	return callfloor.Queue{}, invalid("queue", "no queue %q", name).With(callfloor.CodeUnknownRef, callfloor.Params{"what": "queue", "value": name})
}

// forecastDay forecasts fp's day from the queue's history of the year before it (days without a
// call are not history: before the queue existed) and reads the day's own actuals.
func (a *API) forecastDay(ctx context.Context, fp forecastParams) (callfloor.DayForecast, []callfloor.SlotFigures, error) {
	loc := a.Base.Location()
	dayStart, _ := time.ParseInLocation(time.DateOnly, fp.day, loc)
	from := dayStart.AddDate(-1, 0, 0).Format(time.DateOnly)
	hist, err := a.DB.QueueHistory(ctx, fp.queue.Name, from, fp.day, loc, fp.minutes)
	if err != nil {
		return callfloor.DayForecast{}, nil, err
	}
	actual := hist[fp.day]
	delete(hist, fp.day)
	for d, slots := range hist {
		if !slices.ContainsFunc(slots, func(s callfloor.SlotFigures) bool { return s.Offered > 0 }) {
			delete(hist, d)
		}
	}
	cal, err := a.DB.HolidayCalendar(ctx, from, fp.day)
	if err != nil {
		return callfloor.DayForecast{}, nil, err
	}
	return callfloor.ForecastDay(hist, fp.day, 24*60/fp.minutes, fp.weeks, cal), actual, nil
}

func (a *API) getForecast(w http.ResponseWriter, r *http.Request) (any, error) {
	fp, err := a.forecastParams(r)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	loc := a.Base.Location()
	dayStart, _ := time.ParseInLocation(time.DateOnly, fp.day, loc)
	today := time.Now().In(loc).Format(time.DateOnly)
	f, actual, err := a.forecastDay(ctx, fp)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"queue": fp.queue.Name, "day": fp.day, "interval": fp.minutes, "weeks": fp.weeks, "shrinkage": fp.shrinkage,
		"shrinkage_stored": fp.stored, "shrinkage_source": fp.source, "forecast": f}
	shown := f
	if fp.day == today {
		shown = callfloor.Reforecast(f, actual, slotNow(loc, fp.minutes))
		out["reforecast"] = shown
	}
	if fp.day <= today {
		out["actual"] = actual
		if fp.day < today {
			basis := f
			if saved, at, err := a.DB.SavedForecast(ctx, fp.queue.Name, fp.day, fp.minutes); err != nil {
				return nil, err
			} else if saved != nil {
				basis = *saved
				out["accuracy_of"] = map[string]any{"saved_at": at, "method": saved.Method}
			}
			out["accuracy"] = callfloor.Accuracy(basis.Slots, actual)
		}
	}
	sp, err := a.staffingParams(ctx, fp, dayStart, out)
	if err != nil {
		return nil, err
	}
	rostered, err := a.DB.RosteredHeads(ctx, fp.queue.Name, fp.day, loc, fp.minutes)
	if err != nil {
		return nil, err
	}
	staffing, err := callfloor.Staffing(shown, sp, rostered)
	if err != nil {
		return nil, err
	}
	out["staffing"] = staffing
	return out, nil
}

// slotNow is the interval of today running now in loc: the intervals before it are done (their
// actuals known), the re-forecast covers it and the ones after.
func slotNow(loc *time.Location, minutes int) int {
	now := time.Now().In(loc)
	return (now.Hour()*60 + now.Minute()) / minutes
}

// staffingParams are the queue's staffing inputs for days from dayStart: its service-level target
// (80 % when the queue has none), T, the shrinkage, the callers' patience measured over the basis
// weeks before dayStart (none without abandons: no Erlang A). It notes them in out.
func (a *API) staffingParams(ctx context.Context, fp forecastParams, dayStart time.Time, out map[string]any) (callfloor.StaffingParams, error) {
	sp := callfloor.StaffingParams{Interval: time.Duration(fp.minutes) * time.Minute, Threshold: fp.queue.ServiceLevel,
		ServiceLevel: fp.queue.SLTarget, Shrinkage: fp.shrinkage}
	patience, ok, err := a.DB.QueuePatience(ctx, fp.queue.Name, dayStart.AddDate(0, 0, -7*fp.weeks), dayStart)
	if err != nil {
		return sp, err
	}
	if ok {
		sp.Patience = patience
		out["patience_s"] = patience.Seconds()
	} else {
		out["patience_s"] = nil // not measurable: no abandon in the basis weeks
	}
	if !(sp.ServiceLevel > 0 && sp.ServiceLevel < 1) {
		sp.ServiceLevel = 0.8
	}
	out["service_level_target"], out["threshold_s"] = sp.ServiceLevel, sp.Threshold.Seconds()
	return sp, nil
}

// weekCell is one interval of a day of the week ahead: the agents Erlang C requires, the heads
// to schedule after shrinkage, the heads on the published roster, and the gap
// scheduled − rostered (positive: short of people; negative: more than needed).
type weekCell struct {
	Slot      int  `json:"slot"`
	Required  *int `json:"required"`
	Scheduled int  `json:"scheduled"`
	Rostered  int  `json:"rostered"`
	Gap       int  `json:"gap"`
}

type weekDay struct {
	Day    string     `json:"day"`
	Method string     `json:"method"` // the forecast's method (before any re-forecast)
	Basis  []string   `json:"basis"`
	Slots  []weekCell `json:"slots"`
	// ReforecastFrom, today only (intraday on): the intervals from this one on are the intraday
	// re-forecast's (the ones before it the day's actuals), as GET /forecast's staffing.
	ReforecastFrom *int `json:"reforecast_from,omitempty"`
}

// getForecastWeek is the heatmap's data: `days` days (1–14, default 7) from `day` (default
// today), each forecast like GET /forecast does, its staffing against the published roster, read
// in one pass over the history and the roster. Today's remaining intervals are the intraday
// re-forecast's from the actuals so far (as GET /forecast's staffing), unless intraday=false asks
// for the morning's forecast.
func (a *API) getForecastWeek(w http.ResponseWriter, r *http.Request) (any, error) {
	fp, err := a.forecastParams(r, "days", "intraday")
	if err != nil {
		return nil, err
	}
	n := 7
	if v := r.URL.Query().Get("days"); v != "" {
		if n, err = strconv.Atoi(v); err != nil || n < 1 || n > 14 {
			return nil, invalid("days", "must be 1–14, got %q", v).With(callfloor.CodeOutOfRange, callfloor.Params{"min": 1, "max": 14, "value": v})
		}
	}
	intraday := true
	if v := r.URL.Query().Get("intraday"); v != "" {
		if v != "true" && v != "false" {
			return nil, invalid("intraday", "must be true or false, got %q", v).With(callfloor.CodeInvalidChoice, callfloor.Params{"allowed": []string{"true", "false"}, "value": v})
		}
		intraday = v == "true"
	}
	ctx := r.Context()
	loc := a.Base.Location()
	dayStart, _ := time.ParseInLocation(time.DateOnly, fp.day, loc)
	last := callfloor.AddDays(fp.day, n-1)
	from := dayStart.AddDate(-1, 0, 0).Format(time.DateOnly)
	hist, err := a.DB.QueueHistory(ctx, fp.queue.Name, from, last, loc, fp.minutes)
	if err != nil {
		return nil, err
	}
	today := time.Now().In(loc).Format(time.DateOnly)
	todayActual := hist[today]
	for d, slots := range hist {
		if !slices.ContainsFunc(slots, func(s callfloor.SlotFigures) bool { return s.Offered > 0 }) {
			delete(hist, d)
		}
	}
	cal, err := a.DB.HolidayCalendar(ctx, from, last)
	if err != nil {
		return nil, err
	}
	rostered, err := a.DB.RosteredHeadsRange(ctx, fp.queue.Name, fp.day, last, loc, fp.minutes)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"queue": fp.queue.Name, "from": fp.day, "to": last, "interval": fp.minutes, "weeks": fp.weeks,
		"shrinkage": fp.shrinkage, "shrinkage_stored": fp.stored, "shrinkage_source": fp.source, "intraday": intraday, "today": today}
	sp, err := a.staffingParams(ctx, fp, dayStart, out)
	if err != nil {
		return nil, err
	}
	days := []weekDay{}
	for _, d := range callfloor.Days(fp.day, last) {
		f := callfloor.ForecastDay(hist, d, 24*60/fp.minutes, fp.weeks, cal)
		wd := weekDay{Day: d, Method: f.Method, Basis: f.Basis}
		if intraday && d == today {
			done := slotNow(loc, fp.minutes)
			f = callfloor.Reforecast(f, todayActual, done)
			wd.ReforecastFrom = &done
		}
		st, err := callfloor.Staffing(f, sp, rostered[d])
		if err != nil {
			return nil, err
		}
		wd.Slots = make([]weekCell, len(st))
		for i, s := range st {
			wd.Slots[i] = weekCell{Slot: s.Slot, Required: s.ErlangC, Scheduled: s.Scheduled, Rostered: s.Rostered, Gap: s.Scheduled - s.Rostered}
		}
		days = append(days, wd)
	}
	out["days"] = days
	return out, nil
}

// mayPlanForecast: supervisors, project managers (of the queues they see) and the configuring
// roles save forecasts and set a queue's shrinkage.
func mayPlanForecast(p callfloor.Principal) bool {
	return p.Role == callfloor.RoleSupervisor || p.Role == callfloor.RoleProjectManager || p.CanConfigure()
}

// getForecastSetting is a queue's stored shrinkage (or the default, default true).
func (a *API) getForecastSetting(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := checkParams(r, "queue"); err != nil {
		return nil, err
	}
	q, err := a.forecastQueue(r)
	if err != nil {
		return nil, err
	}
	return a.DB.ForecastSettingOf(r.Context(), q.Name)
}

// putForecastSetting stores a queue's shrinkage: {"shrinkage": 0.3}.
func (a *API) putForecastSetting(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := checkParams(r, "queue"); err != nil {
		return nil, err
	}
	q, err := a.forecastQueue(r)
	if err != nil {
		return nil, err
	}
	p := principal(r)
	if !mayPlanForecast(p) {
		return nil, forbidden("%s %q may not change forecast settings", p.Role, p.Username)
	}
	var body struct {
		Shrinkage *float64 `json:"shrinkage"`
	}
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	if body.Shrinkage == nil {
		return nil, invalid("shrinkage", "is required").With(callfloor.CodeRequired, nil)
	}
	st, err := a.DB.SetForecastSetting(r.Context(), q.Name, *body.Shrinkage, p.Username)
	if err != nil {
		return nil, err
	}
	a.audit(r, "forecast_setting_changed", "queue", q.Name, map[string]any{"shrinkage": st.Shrinkage})
	return st, nil
}

// saveForecast keeps the day's forecast as made (supervisors and up, project managers of the
// queue's project), so its accuracy is later reported against it.
func (a *API) saveForecast(w http.ResponseWriter, r *http.Request) (any, error) {
	fp, err := a.forecastParams(r)
	if err != nil {
		return nil, err
	}
	p := principal(r)
	if !mayPlanForecast(p) {
		return nil, forbidden("%s %q may not save forecasts", p.Role, p.Username)
	}
	f, _, err := a.forecastDay(r.Context(), fp)
	if err != nil {
		return nil, err
	}
	if err := a.DB.SaveForecast(r.Context(), fp.queue.Name, fp.minutes, f, p.Username); err != nil {
		return nil, err
	}
	a.audit(r, "forecast_saved", "queue", fp.queue.Name, map[string]any{"day": fp.day, "interval": fp.minutes, "method": f.Method, "basis": f.Basis})
	return created{f}, nil
}
