package dashboards

// GET /qa/calibrations: the calibration sessions the caller may open. QA, operations managers
// and admins (canRunCalibration) see every session; anyone else the sessions they are invited
// to. A summary names who has scored but carries no answers, so the list stays blind whatever
// the session's state (the session itself, GET /qa/calibrations/{id}, shows answers after the close).

import (
	"net/http"
	"strconv"

	"github.com/callfloor/callfloor/storage"
)

func (a *API) listCalibrations(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := checkParams(r, "status", "limit"); err != nil {
		return nil, err
	}
	q := r.URL.Query()
	f := storage.CalibrationFilter{Status: q.Get("status")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, invalid("limit", "not a positive number: %q", v)
		}
		f.Limit = n
	}
	if p := principal(r); !canRunCalibration(p) {
		f.Member = p.Username
	}
	list, err := a.DB.ListCalibrations(r.Context(), f)
	if err != nil {
		return nil, err
	}
	return map[string]any{"calibrations": list}, nil
}
