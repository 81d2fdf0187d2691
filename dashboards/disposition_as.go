package dashboards

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/callfloor/callfloor"
)

// DispositionBody is the body of PUT /api/v1/calls/{id}/disposition.
type DispositionBody = dispositionBody

// DispositionAs records a call's disposition as p would from the agent's desktop: the handler of
// PUT /api/v1/calls/{id}/disposition with all its checks (the campaign's codes, the call-back's
// window), the lead's next step, do-not-call and the audit — only the session check is not made
// (p is given). The demo's simulated agents (cmd/callfloor/demopeople.go) use it in process.
func (a *API) DispositionAs(ctx context.Context, p callfloor.Principal, callID string, body DispositionBody) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	r, err := http.NewRequestWithContext(WithPrincipal(ctx, p), http.MethodPut, "/api/v1/calls/"+url.PathEscape(callID)+"/disposition", bytes.NewReader(b))
	if err != nil {
		return err
	}
	r.Header.Set("Content-Type", "application/json")
	r.RemoteAddr = "127.0.0.1:0"
	r.SetPathValue("id", callID)
	_, err = a.putCallDisposition(nil, r)
	return err
}
