package callfloor

import (
	"fmt"
	"strings"
)

// Specific error codes. An API error answers {"code", "kind", "field", "params", "message"}:
// code says precisely what went wrong and is what a UI translates (with params interpolated and
// field named by its label); kind is the generic class (the codes before issue 10: invalid,
// not_found, conflict, forbidden…), which alone sets the HTTP status. A client written for the
// old codes reads kind (or the status, unchanged); for not_found, unauthorized, forbidden,
// rate_limited, unavailable and internal, code and kind are the same word.
//
// Params name their values: max / min (numbers or durations as text), allowed (a list), value
// (what was sent, when it helps), other (another field), state, what (the kind of thing).
const (
	// kind invalid (400)
	CodeRequired       = "required"          // a value is needed
	CodeTooLong        = "too_long"          // params: max (characters, or items for a list)
	CodeTooFew         = "too_few"           // params: min (items)
	CodeOutOfRange     = "out_of_range"      // params: min and/or max, value
	CodeInvalidChoice  = "invalid_choice"    // params: allowed, value
	CodeInvalidNumber  = "invalid_number"    // a phone number; params: value
	CodeInvalidFormat  = "invalid_format"    // params: format (label, identifier, dial_string, url, origin, cidr, time, date, duration, integer, time_zone, regexp, app_name, dialplan), value
	CodeDuplicate      = "duplicate"         // the same value twice in one request; params: value
	CodeUnknownRef     = "unknown_reference" // names something that does not exist; params: what, value
	CodeMustBeBelow    = "must_be_below"     // params: other (the field it must be below), limit
	CodeMustBeAfter    = "must_be_after"     // params: other
	CodeConflictsWith  = "conflicts_with"    // two fields that exclude each other; params: other
	CodeNotApplicable  = "not_applicable"    // a field that has no meaning here; params: other, value
	CodeNotAllowed     = "not_allowed"       // a value that this item/user/state does not allow; params: value
	CodeNoScore        = "no_score"          // QA: every scored item is N/A
	CodeNulByte        = "nul_byte"          // a NUL character in text
	CodeInvalidJSON    = "invalid_json"      // the body is not one JSON object
	CodeUnknownField   = "unknown_field"     // a JSON field this endpoint does not take
	CodeWrongType      = "wrong_type"        // params: type (string, number, integer, boolean, object, array)
	CodeTooLarge       = "too_large"         // the body; params: max (bytes)
	CodeInvalidRange   = "invalid_range"     // an HTTP Range header that cannot be served
	CodeBadCredentials = "bad_credentials"   // login: unknown user, wrong password or disabled (one answer for all)

	// kind conflict (409)
	CodeAlreadyExists = "already_exists" // params: what, value
	CodeStateConflict = "state_conflict" // the thing is not in a state that allows this; params: state (and what)
	CodeInUse         = "in_use"         // still referenced; params: what, value

	// the kinds that are their own specific code
	CodeNotFound    = ENOTFOUND // params: what, value (when known)
	CodeForbidden   = EFORBID
	CodeUnauth      = EUNAUTH
	CodeRateLimited = ERATELIMIT // params: retry_after (seconds)
	CodeUnavailable = EUNAVAILABLE
	CodeInternal    = EINTERNAL
)

// Params are an error's parameters (see the codes above).
type Params map[string]any

var codeKinds = map[string]string{
	CodeRequired: EINVALID, CodeTooLong: EINVALID, CodeTooFew: EINVALID, CodeOutOfRange: EINVALID,
	CodeInvalidChoice: EINVALID, CodeInvalidNumber: EINVALID, CodeInvalidFormat: EINVALID,
	CodeDuplicate: EINVALID, CodeUnknownRef: EINVALID, CodeMustBeBelow: EINVALID,
	CodeMustBeAfter: EINVALID, CodeConflictsWith: EINVALID, CodeNotApplicable: EINVALID,
	CodeNotAllowed: EINVALID, CodeNoScore: EINVALID, CodeNulByte: EINVALID, CodeInvalidJSON: EINVALID,
	CodeUnknownField: EINVALID, CodeWrongType: EINVALID, CodeTooLarge: EINVALID,
	CodeInvalidRange: EINVALID, CodeBadCredentials: EUNAUTH, CodeMixedWeights: EINVALID, CodeAnswerKind: EINVALID,
	CodeAlreadyExists: ECONFLICT, CodeStateConflict: ECONFLICT, CodeInUse: ECONFLICT,
	ECONFLICT: ECONFLICT, EINTERNAL: EINTERNAL, EINVALID: EINVALID, ENOTFOUND: ENOTFOUND,
	EUNAUTH: EUNAUTH, EFORBID: EFORBID, ERATELIMIT: ERATELIMIT, EUNAVAILABLE: EUNAVAILABLE,
}

// RegisterCode declares the kind of a specific code defined elsewhere (in an adapter), so that an
// Error carrying only that Code gets the right HTTP status. Call it from an init function.
func RegisterCode(code, kind string) { codeKinds[code] = kind }

// KindOf is the kind of a specific code: the registered one; else, for a code not registered,
// a guess from its ending (…_not_found: not found; …_exists, …_conflict: conflict; …_forbidden:
// forbidden), and invalid for anything else, the commonest. "" is internal.
func KindOf(code string) string {
	if k, ok := codeKinds[code]; ok {
		return k
	}
	switch {
	case code == "":
		return EINTERNAL
	case strings.HasSuffix(code, "_not_found"):
		return ENOTFOUND
	case strings.HasSuffix(code, "_exists"), strings.HasSuffix(code, "_conflict"):
		return ECONFLICT
	case strings.HasSuffix(code, "_forbidden"):
		return EFORBID
	}
	return EINVALID
}

// With gives e a specific code and params, keeping its kind (so a 400 stays a 400 whatever the
// code's usual kind), and returns e.
func (e *Error) With(code string, p Params) *Error {
	if e.Kind == "" {
		e.Kind = e.Class()
	}
	e.Code, e.Params = code, p
	return e
}

// Invalid is a 400 for field: message "field: " + the formatted text, and a specific code.
func Invalid(field, code string, p Params, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	if field != "" {
		msg = field + ": " + msg
	}
	return &Error{Code: code, Kind: EINVALID, Field: field, Params: p, Message: msg}
}

// NotFound is a 404 naming what was not found ("agent", "call"…) and its id.
func NotFound(what, id, format string, args ...any) *Error {
	return &Error{Code: CodeNotFound, Kind: ENOTFOUND, Params: Params{"what": what, "value": id}, Message: fmt.Sprintf(format, args...)}
}

// AlreadyExists is a 409 for a thing created twice.
func AlreadyExists(field, what, id, format string, args ...any) *Error {
	return &Error{Code: CodeAlreadyExists, Kind: ECONFLICT, Field: field, Params: Params{"what": what, "value": id}, Message: fmt.Sprintf(format, args...)}
}

// StateConflict is a 409 for an action that the current state does not allow (state: the
// state it is in, e.g. an agent's "on_call").
func StateConflict(state, format string, args ...any) *Error {
	return &Error{Code: CodeStateConflict, Kind: ECONFLICT, Params: Params{"state": state}, Message: fmt.Sprintf(format, args...)}
}

// NormalizeNumber cleans a phone number as people write it: it drops spaces (also non-breaking
// and ideographic ones), dashes, dots, slashes and brackets, reads full-width digits and plus
// signs (typed by a Chinese input method) as ASCII, and turns a leading international 00 into +:
// "+44 (20) 7946-0958" → "+442079460958", "0044 20 7946 0958" → "+442079460958". A string that
// is not number-shaped (letters, a dial string such as PJSIP/1001, no digit) is only trimmed:
// the validation that follows refuses it, and endpoints pass through unchanged.
func NormalizeNumber(s string) string {
	s = strings.TrimSpace(s)
	var b strings.Builder
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
			digits++
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
			digits++
		case (r == '+' || r == '＋') && b.Len() == 0:
			b.WriteByte('+')
		case strings.ContainsRune(" \t\u00a0\u3000-–—‐‑−.·/()[]（）【】", r):
			// a separator
		default:
			return s
		}
	}
	if digits == 0 {
		return s
	}
	n := b.String()
	if strings.HasPrefix(n, "00") {
		n = "+" + n[2:]
	}
	return n
}

// QA form codes (kind invalid).
const (
	CodeMixedWeights = "mixed_weights" // either every section with scored items has a weight or none has
	CodeAnswerKind   = "answer_kind"   // an answer not of its item's kind; params: kind (yes_no, scale, choice)
)

// CodeTooShort: fewer characters than allowed (kind invalid); params: min.
const CodeTooShort = "too_short"

// CodeLastAdmin: the change would leave no enabled admin (kind conflict); params: action.
const CodeLastAdmin = "last_admin"

func init() {
	RegisterCode(CodeTooShort, EINVALID)
	RegisterCode(CodeLastAdmin, ECONFLICT)
}

// Other specific codes of the adapters: CodeConcurrentEdit (conflict: someone else saved it at
// the same moment; try again), CodeNotInvited (forbidden: a calibration session the user is not
// invited to).
const (
	CodeConcurrentEdit = "concurrent_edit"
	CodeNotInvited     = "not_invited"
)

func init() {
	RegisterCode(CodeConcurrentEdit, ECONFLICT)
	RegisterCode(CodeNotInvited, EFORBID)
}

// CodeTooLargeForCache: a recording larger than the recording cache (conflict); params: max (MiB), node.
const CodeTooLargeForCache = "too_large_for_cache"

func init() { RegisterCode(CodeTooLargeForCache, ECONFLICT) }
