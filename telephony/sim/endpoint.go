package sim

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// Endpoints (ARI's Endpoint model: technology, resource, state "unknown"/"offline"/"online",
// channel_ids). The simulated Asterisk has no SIP stack: a test or the demo makes a phone come
// and go with SetEndpointState, as a PJSIP registration expiring or a qualify failing would on a
// real Asterisk. The change is sent as EndpointStateChange — {"type":"EndpointStateChange",
// "timestamp":…,"endpoint":{"technology":"PJSIP","resource":"1001","state":"offline",
// "channel_ids":[]},"asterisk_id":…,"application":…} — to the applications subscribed to the
// endpoint (eventSource endpoint:PJSIP/1001) or to its whole technology (endpoint:PJSIP), as
// Asterisk 22 does for an application without subscribeAll. The real traces in
// ../shared/asterisk/traces have no endpoint (their phones are Local channels): this follows the
// ARI specification's models (events.json EndpointStateChange, endpoints.json Endpoint,
// applications.json eventSource endpoint:{tech}[/{resource}]). "unreachable" is not an ARI
// endpoint state: an unreachable contact makes the endpoint "offline".

type endpoint struct {
	tech, resource, state string
}

// EndpointStates are the states the ARI specification allows for an endpoint.
var EndpointStates = []string{"unknown", "offline", "online"}

// SetEndpointState sets (and creates) the endpoint tech/resource and, when its state changes,
// sends EndpointStateChange to the applications subscribed to it.
func (s *Server) SetEndpointState(tech, resource, state string) error {
	if !containsStr(EndpointStates, state) {
		return fmt.Errorf("sim: endpoint state %q is not one of %v", state, EndpointStates)
	}
	if tech == "" || resource == "" || strings.Contains(tech, "/") {
		return fmt.Errorf("sim: endpoint %q/%q: technology and resource needed", tech, resource)
	}
	s.lock()
	defer s.unlock()
	if s.endpoints == nil {
		s.endpoints = map[string]*endpoint{}
	}
	id := tech + "/" + resource
	ep := s.endpoints[id]
	if ep == nil {
		ep = &endpoint{tech: tech, resource: resource, state: "unknown"}
		s.endpoints[id] = ep
	}
	if ep.state == state {
		return nil
	}
	ep.state = state
	var apps []string
	for name, a := range s.apps {
		if a.endpoints[id] || a.endpoints[tech] {
			apps = append(apps, name)
		}
	}
	sort.Strings(apps)
	s.emit(apps, nil, "EndpointStateChange", obj{{"endpoint", s.endpointJSON(ep)}})
	return nil
}

func (s *Server) endpointJSON(ep *endpoint) obj {
	chans := []string{}
	prefix := ep.tech + "/" + ep.resource + "-"
	for _, ch := range s.channels {
		if !ch.destroyed && strings.HasPrefix(ch.name, prefix) {
			chans = append(chans, ch.id)
		}
	}
	sort.Strings(chans)
	return obj{{"technology", ep.tech}, {"resource", ep.resource}, {"state", ep.state}, {"channel_ids", chans}}
}

// subscribeEndpoint is POST/DELETE /applications/{app}/subscription?eventSource=endpoint:…
// (the model lock held).
func (s *Server) subscribeEndpoint(a *appState, id string, on bool) (reply, bool) {
	tech, resource, _ := strings.Cut(id, "/")
	if tech == "" {
		return fail(http.StatusBadRequest, "Missing parameter."), false
	}
	if resource != "" && s.endpoints[id] == nil {
		return fail(http.StatusUnprocessableEntity, "Event source does not exist."), false
	}
	if on {
		if a.endpoints == nil {
			a.endpoints = map[string]bool{}
		}
		a.endpoints[id] = true
		return reply{}, true
	}
	if !a.endpoints[id] {
		return fail(http.StatusConflict, "Application not subscribed to event source."), false
	}
	delete(a.endpoints, id)
	return reply{}, true
}

// routeEndpoints: GET /endpoints, /endpoints/{tech}, /endpoints/{tech}/{resource}.
func (s *Server) routeEndpoints(method string, segs []string) reply {
	if method != http.MethodGet || len(segs) > 3 {
		return fail(http.StatusNotFound, "Resource not found")
	}
	s.lock()
	defer s.unlock()
	if len(segs) == 3 {
		ep := s.endpoints[segs[1]+"/"+segs[2]]
		if ep == nil {
			return fail(http.StatusNotFound, "Endpoint not found")
		}
		return ok(s.endpointJSON(ep))
	}
	ids := make([]string, 0, len(s.endpoints))
	for id, ep := range s.endpoints {
		if len(segs) == 1 || ep.tech == segs[1] {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	if len(segs) == 2 && len(ids) == 0 {
		return fail(http.StatusNotFound, "No Endpoints found - invalid tech "+segs[1])
	}
	out := []obj{}
	for _, id := range ids {
		out = append(out, s.endpointJSON(s.endpoints[id]))
	}
	return ok(out)
}
