package callfloor

import (
	"regexp"
	"sort"
	"time"
)

// Call-back that keeps the caller's place (issue 14): a queue may offer its waiting callers a
// call-back. After After of waiting the caller hears Prompt; pressing 1 requests it: the caller
// hears Confirm and is hung up, and the call stays in its queue as a call-back, at the place its
// first entry gave it (the same call, the same entry time: Call.CallbackAt marks it). When it
// reaches the head and an agent is free, the agent is rung first, then the caller's number is
// dialled; a number that does not answer is tried Tries times, RetryEvery apart, and then goes to
// the team's call-back list (storage/callbacks.go), as do the callers who abandoned the queue.

// CallbackConfig is a queue's call-back settings (queues[].callback).
type CallbackConfig struct {
	Offer      bool          `yaml:"offer" json:"offer"`             // offer waiting callers a call-back
	After      time.Duration `yaml:"after" json:"after"`             // waiting this long before the offer; default 30s
	Prompt     string        `yaml:"prompt" json:"prompt"`           // ARI media of the offer ("press 1 to be called back")
	Confirm    string        `yaml:"confirm" json:"confirm"`         // ARI media played after the request, before hanging up
	Tries      int           `yaml:"tries" json:"tries"`             // dials of the number before giving up; default 3
	RetryEvery time.Duration `yaml:"retry_every" json:"retry_every"` // between two tries; default 5m
	// Target: a caller who abandoned the queue (or whose call-back failed) is to be called back
	// within this time (回拨及时率); default 30m.
	Target time.Duration `yaml:"target" json:"target"`
	// Team works the queue's call-back list; "": the team with the most agents serving the queue.
	Team string `yaml:"team" json:"team,omitempty"`
}

// Call-back defaults.
const (
	DefaultCallbackAfter      = 30 * time.Second
	DefaultCallbackTries      = 3
	DefaultCallbackRetryEvery = 5 * time.Minute
	DefaultCallbackTarget     = 30 * time.Minute
	DefaultCallbackPrompt     = "sound:queue-callback"
	DefaultCallbackConfirm    = "sound:auth-thankyou"
	// CallbackDigit is the key a waiting caller presses to request a call-back.
	CallbackDigit = "1"
	// MaxCallbackTries bounds callback.tries.
	MaxCallbackTries = 10
)

// OutcomeCallbackFailed: a call-back whose number never answered within its tries. Neither
// answered nor abandoned (the caller asked to be called back): it goes to the team's call-back
// list.
const OutcomeCallbackFailed Outcome = "callback_failed"

// IsCallback reports whether the call is a call-back (the caller requested one while waiting).
func (c *Call) IsCallback() bool { return !c.CallbackAt.IsZero() }

func (cb *CallbackConfig) applyDefaults() {
	if cb.After == 0 {
		cb.After = DefaultCallbackAfter
	}
	if cb.Prompt == "" {
		cb.Prompt = DefaultCallbackPrompt
	}
	if cb.Confirm == "" {
		cb.Confirm = DefaultCallbackConfirm
	}
	if cb.Tries == 0 {
		cb.Tries = DefaultCallbackTries
	}
	if cb.RetryEvery == 0 {
		cb.RetryEvery = DefaultCallbackRetryEvery
	}
	if cb.Target == 0 {
		cb.Target = DefaultCallbackTarget
	}
}

// mediaRE is an ARI media URI: sound:, recording:, tone:, number:, digits:, characters:.
var mediaRE = regexp.MustCompile(`^(sound|recording|tone|number|digits|characters):[^\s,]{1,200}$`)

// validate checks a queue's call-back settings; field is "queues[i].callback".
func (cb *CallbackConfig) validate(field string) *Error {
	switch {
	case cb.After < time.Second || cb.After > 24*time.Hour:
		return invalid(field+".after", "must be between 1s and 24h, got %s", cb.After).With(CodeOutOfRange, Params{"min": 1, "max": 86400, "unit": "s", "value": cb.After.Seconds()})
	case !mediaRE.MatchString(cb.Prompt):
		return invalid(field+".prompt", "must be an ARI media such as sound:queue-callback, got %q", cb.Prompt).With(CodeInvalidFormat, Params{"format": "media", "value": cb.Prompt})
	case !mediaRE.MatchString(cb.Confirm):
		return invalid(field+".confirm", "must be an ARI media such as sound:auth-thankyou, got %q", cb.Confirm).With(CodeInvalidFormat, Params{"format": "media", "value": cb.Confirm})
	case cb.Tries < 1 || cb.Tries > MaxCallbackTries:
		return invalid(field+".tries", "must be between 1 and %d, got %d", MaxCallbackTries, cb.Tries).With(CodeOutOfRange, Params{"min": 1, "max": MaxCallbackTries, "value": cb.Tries})
	case cb.RetryEvery < time.Second || cb.RetryEvery > 24*time.Hour:
		return invalid(field+".retry_every", "must be between 1s and 24h, got %s", cb.RetryEvery).With(CodeOutOfRange, Params{"min": 1, "max": 86400, "unit": "s", "value": cb.RetryEvery.Seconds()})
	case cb.Target < time.Minute || cb.Target > 7*24*time.Hour:
		return invalid(field+".target", "must be between 1m and 168h, got %s", cb.Target).With(CodeOutOfRange, Params{"min": 60, "max": 7 * 86400, "unit": "s", "value": cb.Target.Seconds()})
	case cb.Team != "" && !nameRE.MatchString(cb.Team):
		return invalid(field+".team", "must be 1-64 letters, digits, '_', '.', '-', got %q", cb.Team).With(CodeInvalidFormat, Params{"format": "identifier", "max": 64, "value": cb.Team})
	}
	return nil
}

// CallbackTeam is the team that works a queue's call-back list: callback.team, else the team
// with the most agents serving the queue (ties: the first by name), else "".
func (c *Config) CallbackTeam(queue string) string {
	count := map[string]int{}
	for _, q := range c.Queues {
		if q.Name == queue && q.Callback.Team != "" {
			return q.Callback.Team
		}
	}
	for _, a := range c.Agents {
		if _, ok := a.Skills[queue]; ok && a.Team != "" {
			count[a.Team]++
		}
	}
	teams := make([]string, 0, len(count))
	for t := range count {
		teams = append(teams, t)
	}
	sort.Slice(teams, func(i, j int) bool {
		if count[teams[i]] != count[teams[j]] {
			return count[teams[i]] > count[teams[j]]
		}
		return teams[i] < teams[j]
	})
	if len(teams) == 0 {
		return ""
	}
	return teams[0]
}
