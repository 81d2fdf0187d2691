package callfloor

import (
	"errors"
	"fmt"
	"testing"
)

func TestNormalizeNumber(t *testing.T) {
	for in, want := range map[string]string{
		"+44 (20) 7946-0958":  "+442079460958",
		"0044 20 7946 0958":   "+442079460958",
		"  555.123.4567 ":     "5551234567",
		"5551234":             "5551234",
		"+1 [555] 123-4567":   "+15551234567",
		"１３８ ００１３ ８０００":       "13800138000",
		"＋86（10）8888-6666":    "+861088886666",
		"020 7946 0958":       "02079460958",
		"PJSIP/1001":          "PJSIP/1001",
		"555-CALL":            "555-CALL",
		"12+34":               "12+34",
		"--":                  "--",
		"":                    "",
		"+":                   "+",
		" Local/1001@agents ": "Local/1001@agents",
	} {
		if got := NormalizeNumber(in); got != want {
			t.Errorf("NormalizeNumber(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestErrorKinds(t *testing.T) {
	for _, c := range []struct {
		err        error
		kind, code string
	}{
		{&Error{Code: CodeTooLong}, EINVALID, CodeTooLong},
		{&Error{Code: CodeAlreadyExists}, ECONFLICT, CodeAlreadyExists},
		{&Error{Code: EFORBID}, EFORBID, EFORBID},
		{&Error{Code: "frobnicate_refused"}, EINVALID, "frobnicate_refused"}, // a code nobody registered: invalid
		{&Error{Code: ENotOnCall}, ECONFLICT, ENotOnCall},                    // registered (desktop_errors.go)
		{&Error{Code: "pause_reason_not_found"}, ENOTFOUND, "pause_reason_not_found"},
		{&Error{Code: "team_exists"}, ECONFLICT, "team_exists"},
		{(&Error{Code: EINVALID}).With(CodeAlreadyExists, nil), EINVALID, CodeAlreadyExists}, // With keeps the kind
		{fmt.Errorf("wrapped: %w", StateConflict("on_call", "busy")), ECONFLICT, CodeStateConflict},
		{errors.New("plain"), EINTERNAL, EINTERNAL},
	} {
		if k, c2 := ErrorKind(c.err), SpecificCode(c.err); k != c.kind || c2 != c.code || ErrorCode(c.err) != k {
			t.Errorf("%v: kind %s code %s, want %s %s", c.err, k, c2, c.kind, c.code)
		}
	}
	if e := Invalid("name", CodeRequired, nil, "required"); e.Message != "name: required" || e.Field != "name" {
		t.Errorf("Invalid: %+v", e)
	}
}
