package dashboards

import (
	"net/http"
	"strconv"
	"time"

	"github.com/callfloor/callfloor"
)

// Workforce configuration (issue 12): shift templates, rotations and the holiday calendar
// (storage/workforce_config.go). Everyone signed in reads them (an agent's desktop shows shift
// names, the roster page the holidays); admins and operations managers change them, audited.

func (a *API) registerWorkforceConfig(h func(pattern string, fn handlerFunc)) {
	h("GET /api/v1/shifts", a.listShifts)
	h("PUT /api/v1/shifts/{code}", a.putShift)
	h("DELETE /api/v1/shifts/{code}", a.deleteShift)
	h("GET /api/v1/rotations", a.listRotations)
	h("PUT /api/v1/rotations/{name}", a.putRotation)
	h("DELETE /api/v1/rotations/{name}", a.deleteRotation)
	h("GET /api/v1/calendar", a.listCalendar)
	h("PUT /api/v1/calendar/{day}", a.putCalendarDay)
	h("DELETE /api/v1/calendar/{day}", a.deleteCalendarDay)
}

func (a *API) listShifts(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := checkParams(r); err != nil {
		return nil, err
	}
	s, err := a.DB.ListShifts(r.Context())
	if err != nil {
		return nil, err
	}
	return map[string]any{"shifts": s}, nil
}

// ShiftBody is a shift template as PUT takes it (the code is the path's).
type ShiftBody struct {
	Name   string                 `json:"name"`
	Start  string                 `json:"start"`
	End    string                 `json:"end"`
	Breaks []callfloor.ShiftBreak `json:"breaks"`
}

func (a *API) putShift(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	var in ShiftBody
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	s := callfloor.Shift{Code: r.PathValue("code"), Name: in.Name, Start: in.Start, End: in.End, Breaks: in.Breaks}
	before, err := a.DB.PutShift(r.Context(), s)
	if err != nil {
		return nil, err
	}
	if s.Breaks == nil {
		s.Breaks = []callfloor.ShiftBreak{}
	}
	if before != nil {
		a.audit(r, "shift_updated", "shift", s.Code, map[string]any{"before": before, "after": s})
		return s, nil
	}
	a.audit(r, "shift_created", "shift", s.Code, map[string]any{"after": s})
	return created{s}, nil
}

func (a *API) deleteShift(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	code := r.PathValue("code")
	if err := a.DB.DeleteShift(r.Context(), code); err != nil {
		return nil, err
	}
	a.audit(r, "shift_deleted", "shift", code, nil)
	return map[string]any{"deleted": code}, nil
}

func (a *API) listRotations(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := checkParams(r); err != nil {
		return nil, err
	}
	rs, err := a.DB.ListRotations(r.Context())
	if err != nil {
		return nil, err
	}
	if rs == nil {
		rs = []callfloor.Rotation{}
	}
	return map[string]any{"rotations": rs}, nil
}

// RotationBody is a rotation as PUT takes it (the name is the path's).
type RotationBody struct {
	Anchor         string   `json:"anchor"`
	Cycle          []string `json:"cycle"`
	Weekly         []string `json:"weekly"`
	FollowCalendar bool     `json:"follow_calendar"`
}

func (a *API) putRotation(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	var in RotationBody
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	ro := callfloor.Rotation{Name: r.PathValue("name"), Anchor: in.Anchor, Cycle: in.Cycle, Weekly: in.Weekly, FollowCalendar: in.FollowCalendar}
	before, err := a.DB.PutRotation(r.Context(), ro)
	if err != nil {
		return nil, err
	}
	if before != nil {
		a.audit(r, "rotation_updated", "rotation", ro.Name, map[string]any{"before": before, "after": ro})
		return ro, nil
	}
	a.audit(r, "rotation_created", "rotation", ro.Name, map[string]any{"after": ro})
	return created{ro}, nil
}

func (a *API) deleteRotation(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	name := r.PathValue("name")
	if err := a.DB.DeleteRotation(r.Context(), name); err != nil {
		return nil, err
	}
	a.audit(r, "rotation_deleted", "rotation", name, nil)
	return map[string]any{"deleted": name}, nil
}

// listCalendar: ?year=2026 (default this year in the centre's zone).
func (a *API) listCalendar(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := checkParams(r, "year"); err != nil {
		return nil, err
	}
	year := time.Now().In(a.Base.Location()).Year()
	if v := r.URL.Query().Get("year"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < 2000 || y > 2100 {
			return nil, invalid("year", "must be a year 2000–2100, got %q", v).With(callfloor.CodeOutOfRange, callfloor.Params{"min": 2000, "max": 2100, "value": v})
		}
		year = y
	}
	days, err := a.DB.CalendarDays(r.Context(), strconv.Itoa(year)+"-01-01", strconv.Itoa(year)+"-12-31")
	if err != nil {
		return nil, err
	}
	if days == nil {
		days = []callfloor.CalendarDay{}
	}
	return map[string]any{"year": year, "days": days}, nil
}

// CalendarDayBody is a calendar day as PUT takes it (the day is the path's).
type CalendarDayBody struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

func (a *API) putCalendarDay(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	var in CalendarDayBody
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	d := callfloor.CalendarDay{Day: r.PathValue("day"), Kind: in.Kind, Name: in.Name}
	before, err := a.DB.PutCalendarDay(r.Context(), d)
	if err != nil {
		return nil, err
	}
	a.audit(r, "calendar_day_set", "calendar_day", d.Day, map[string]any{"before": before, "after": d})
	return d, nil
}

func (a *API) deleteCalendarDay(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := requireConfigure(r); err != nil {
		return nil, err
	}
	day := r.PathValue("day")
	if err := a.DB.DeleteCalendarDay(r.Context(), day); err != nil {
		return nil, err
	}
	a.audit(r, "calendar_day_deleted", "calendar_day", day, nil)
	return map[string]any{"deleted": day}, nil
}
