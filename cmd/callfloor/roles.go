package main

import (
	"fmt"
	"slices"
	"strings"
)

// The roles of `callfloor serve -roles` (issue 15): an operator may split them over instances.
const (
	RoleACD     = "acd"     // drive the Asterisk nodes: the ACD, under the nodes' leases when acd.lease is on
	RoleWeb     = "web"     // the HTTP API, the web UI and the live WebSocket (scales horizontally)
	RoleHistory = "history" // the history writer, housekeeping and the change stream's trimming (scales horizontally)
)

// AllRoles is -roles' default.
var AllRoles = []string{RoleACD, RoleWeb, RoleHistory}

// ParseRoles reads -roles: a comma-separated list of AllRoles, at least one.
func ParseRoles(s string) ([]string, error) {
	var out []string
	for _, r := range strings.Split(s, ",") {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		if !slices.Contains(AllRoles, r) {
			return nil, fmt.Errorf("serve: -roles: unknown role %q (the roles are %s)", r, strings.Join(AllRoles, ", "))
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("serve: -roles: name at least one of %s", strings.Join(AllRoles, ", "))
	}
	return out, nil
}

// has reports whether this instance plays role (every role when none was named).
func (m *Main) has(role string) bool { return len(m.Roles) == 0 || slices.Contains(m.Roles, role) }
