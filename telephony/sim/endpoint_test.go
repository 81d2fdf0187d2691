package sim

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/callfloor/callfloor/internal/testenv"
)

// EndpointStateChange reaches only the applications subscribed to the endpoint or to its
// technology, once per change, with the fields the ARI spec defines (events.json's event,
// endpoints.json's Endpoint); the subscription shows in endpoint_ids; GET /endpoints lists it.
func TestEndpointStateChange(t *testing.T) {
	spec := specEvents(t)
	b, err := os.ReadFile(filepath.Join(testenv.SharedDir(t), "asterisk", "api-docs", "endpoints.json"))
	if err != nil {
		t.Fatal(err)
	}
	var epDoc struct {
		Models map[string]struct {
			Properties map[string]struct {
				Required bool `json:"required"`
			} `json:"properties"`
		} `json:"models"`
	}
	if err := json.Unmarshal(b, &epDoc); err != nil {
		t.Fatal(err)
	}
	s, base := startSim(t, Config{Speed: 50})
	c := dialEvents(t, base, "callfloor")
	other := dialEvents(t, base, "other")
	if err := s.SetEndpointState("PJSIP", "1001", "online"); err != nil {
		t.Fatal(err)
	}
	if st, _ := doREST(t, base, "POST", "/applications/callfloor/subscription?eventSource=endpoint:PJSIP/9999", nil, true); st != 422 {
		t.Errorf("subscribing to an unknown endpoint: %d, want 422", st)
	}
	st, body := doREST(t, base, "POST", "/applications/callfloor/subscription?eventSource=endpoint:PJSIP", nil, true)
	if st != 200 || !strings.Contains(string(body), `"endpoint_ids":["PJSIP"]`) {
		t.Fatalf("subscribe: %d %s", st, body)
	}
	if st, _ := doREST(t, base, "POST", "/applications/other/subscription?eventSource=endpoint:PJSIP/1002", nil, true); st != 422 {
		t.Errorf("subscribing to an endpoint not yet known: %d", st)
	}
	if err := s.SetEndpointState("PJSIP", "1001", "online"); err != nil { // unchanged: no event
		t.Fatal(err)
	}
	if err := s.SetEndpointState("PJSIP", "1001", "offline"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetEndpointState("PJSIP", "1001", "unreachable"); err == nil {
		t.Error(`"unreachable" is not an ARI endpoint state: no error`)
	}
	ev := waitType(t, c, "EndpointStateChange", "")
	ep, _ := ev["endpoint"].(map[string]any)
	if ep["technology"] != "PJSIP" || ep["resource"] != "1001" || ep["state"] != "offline" || ev["application"] != "callfloor" {
		t.Fatalf("event %v", ev)
	}
	props := spec["EndpointStateChange"]
	for p, required := range props {
		if _, has := ev[p]; required && !has {
			t.Errorf("EndpointStateChange lacks required %q: %v", p, ev)
		}
	}
	for p := range ev {
		if _, known := props[p]; !known {
			t.Errorf("EndpointStateChange has %q, which the spec does not define", p)
		}
	}
	var epProps []string
	for p := range epDoc.Models["Endpoint"].Properties {
		epProps = append(epProps, p)
	}
	var got []string
	for p := range ep {
		got = append(got, p)
	}
	sort.Strings(epProps)
	sort.Strings(got)
	if strings.Join(got, ",") != strings.Join(epProps, ",") {
		t.Errorf("endpoint fields %v, the spec's %v", got, epProps)
	}
	if st, body := doREST(t, base, "GET", "/endpoints/PJSIP/1001", nil, true); st != 200 || !strings.Contains(string(body), `"state":"offline"`) {
		t.Errorf("GET endpoint: %d %s", st, body)
	}
	time.Sleep(100 * time.Millisecond)
	n := 0
	for _, e := range c.snapshot() {
		if str(e["type"]) == "EndpointStateChange" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d EndpointStateChange events, want 1 (online→online sends none)", n)
	}
	for _, e := range other.snapshot() {
		if str(e["type"]) == "EndpointStateChange" {
			t.Errorf("an application not subscribed got %v", e)
		}
	}
}
