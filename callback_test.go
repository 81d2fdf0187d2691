package callfloor_test

import (
	"errors"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
)

func callbackCfg(cb callfloor.CallbackConfig) *callfloor.Config {
	cfg := &callfloor.Config{
		Sim:    &callfloor.SimConfig{},
		Queues: []callfloor.Queue{{Name: "support", Callback: cb}},
		Agents: []callfloor.Agent{
			{ID: "1", Name: "A", Endpoint: "PJSIP/1", Team: "team-b", Skills: map[string]int{"support": 5}},
			{ID: "2", Name: "B", Endpoint: "PJSIP/2", Team: "team-b", Skills: map[string]int{"support": 5}},
			{ID: "3", Name: "C", Endpoint: "PJSIP/3", Team: "team-a", Skills: map[string]int{"support": 5}},
		},
	}
	cfg.ApplyDefaults()
	return cfg
}

// A queue's call-back settings: defaults, and bad values refused naming the field.
func TestCallbackConfig(t *testing.T) {
	cfg := callbackCfg(callfloor.CallbackConfig{Offer: true})
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	cb := cfg.Queues[0].Callback
	if cb.After != 30*time.Second || cb.Tries != 3 || cb.RetryEvery != 5*time.Minute || cb.Target != 30*time.Minute || cb.Prompt != "sound:queue-callback" {
		t.Fatalf("defaults %+v", cb)
	}
	if team := cfg.CallbackTeam("support"); team != "team-b" {
		t.Fatalf("team %q, want the team with most agents serving the queue", team)
	}
	for _, c := range []struct {
		cb    callfloor.CallbackConfig
		field string
		code  string
	}{
		{callfloor.CallbackConfig{After: 500 * time.Millisecond}, "queues[0].callback.after", callfloor.CodeOutOfRange},
		{callfloor.CallbackConfig{Prompt: "queue-callback"}, "queues[0].callback.prompt", callfloor.CodeInvalidFormat},
		{callfloor.CallbackConfig{Confirm: "sound:a b"}, "queues[0].callback.confirm", callfloor.CodeInvalidFormat},
		{callfloor.CallbackConfig{Tries: 11}, "queues[0].callback.tries", callfloor.CodeOutOfRange},
		{callfloor.CallbackConfig{Target: 10 * time.Second}, "queues[0].callback.target", callfloor.CodeOutOfRange},
		{callfloor.CallbackConfig{Team: "a team"}, "queues[0].callback.team", callfloor.CodeInvalidFormat},
	} {
		err := callbackCfg(c.cb).Validate()
		var e *callfloor.Error
		if !errors.As(err, &e) || e.Field != c.field || e.Code != c.code {
			t.Errorf("%+v: %v, want %s on %s", c.cb, err, c.code, c.field)
		}
	}
	if team := callbackCfg(callfloor.CallbackConfig{Team: "team-a"}).CallbackTeam("support"); team != "team-a" {
		t.Fatalf("callback.team set: %q", team)
	}
}
