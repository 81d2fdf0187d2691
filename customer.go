package callfloor

import "strings"

// Customers (issue 14): a customer is a phone number in canonical form (CanonicalPhone). The
// flags a team lead sets on a number change how the ACD routes its calls.

// Customer flags as the ACD reads them (realtime/customers.go keeps one per flagged number).
const (
	FlagVIP       = "vip"       // queued ahead of the others (ACDConfig.Customers.VIPPriority)
	FlagBlacklist = "blacklist" // hears the blacklist prompt and is hung up, never offered
)

// OutcomeBlocked: an inbound caller on the blacklist, who heard the prompt and was hung up.
// Like OutcomeUnknownQueue it never entered the queue: not offered, not abandoned.
const OutcomeBlocked Outcome = "blocked"

// DefaultVIPPriority is added to a VIP caller's priority= (the waiting list's order is
// priority first, then entry time).
const DefaultVIPPriority = 10

// PhoneVariants are the ways a canonical number may appear in the call history: Asterisk gives
// callers' numbers as the network sends them (13812345678, 02161234567), the dialler dials the
// national form, campaign leads keep the canonical one.
func PhoneVariants(canonical string) []string {
	out := []string{canonical}
	if d, ok := strings.CutPrefix(canonical, "+86"); ok {
		out = append(out, NationalDial(canonical), "86"+d, "0086"+d)
		if d != "" && d[0] != '1' {
			out = append(out, d) // a landline without its trunk 0
		}
	} else {
		out = append(out, "00"+strings.TrimPrefix(canonical, "+"))
	}
	return out
}

// CustomerFlag is the flag the ACD acts on for a number with the given flags: the blacklist
// wins over VIP; "" when neither.
func CustomerFlag(vip, blacklist bool) string {
	switch {
	case blacklist:
		return FlagBlacklist
	case vip:
		return FlagVIP
	}
	return ""
}

// CanFlagCustomers reports whether the principal may set or clear a customer's VIP and
// blacklist flags: team leads and above (QA and trainers read, they do not act).
func (p Principal) CanFlagCustomers() bool {
	switch p.Role {
	case RoleTeamLead, RoleSupervisor, RoleProjectManager, RoleOperationsManager, RoleAdmin:
		return true
	}
	return false
}

// CanEditKB reports whether the principal may write knowledge-base articles and scripts: QA,
// trainers, team leads and above; agents read them.
func (p Principal) CanEditKB() bool { return p.Role.Valid() && p.Role != RoleAgent }
