package dashboards

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/callfloor/callfloor"
)

// productionReportJSON is the production report for q, as the asker may see it, in JSON.
// TEMPORARY until the report engine (branch p11-engine) is merged: the merge replaces this body
// with a call to the engine.
func (a *API) productionReportJSON(r *http.Request, q url.Values) (json.RawMessage, error) {
	return nil, &callfloor.Error{Code: callfloor.EUNAVAILABLE, Message: "the report engine is not built in"}
}
