package dashboards

import (
	"encoding/json"
	"net/http"
	"net/url"
)

// productionReportJSON is the production report for q (the report engine, reports_production.go),
// as the asker may see it, in JSON.
func (a *API) productionReportJSON(r *http.Request, q url.Values) (json.RawMessage, error) {
	sub := r.Clone(r.Context())
	u := *r.URL
	u.RawQuery = q.Encode()
	sub.URL = &u
	rep, _, _, err := a.productionReport(sub)
	if err != nil {
		return nil, err
	}
	return json.Marshal(rep)
}
