package callfloor

import (
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
	"time"
)

// The post-call satisfaction survey (issue 14, item 4). Where a queue asks for it, a caller
// whose agent hung up first stays in callfloor's Stasis application and hears one or two
// questions, answered by DTMF: Q1 is the satisfaction (by default 1 satisfied, 2 neutral,
// 3 dissatisfied), Q2 an optional yes/no or similar question ("was your problem solved").
//
// The survey happens after the call: the call's record ends when the agent leaves, so talk
// time and AHT never include it (metrics.md); the survey's own times are on its result.

// Survey is a queue's survey settings (queues[i].survey).
type Survey struct {
	Enabled bool `yaml:"enabled" json:"enabled"`
	// OfferPercent is the share of eligible calls (answered, agent hung up first) offered the
	// survey, 0..100; nil: 100.
	OfferPercent *int `yaml:"offer_percent" json:"offer_percent,omitempty"`
	// Language is the prompts' language when the caller's (Stasis argument lang=…) has none.
	Language string `yaml:"language" json:"language"`
	// Timeout is how long each question waits for a key after its prompt ends; 0: 8 s. A question
	// with no key or an invalid one is asked once more, then the survey goes on without it.
	Timeout time.Duration `yaml:"timeout" json:"timeout"`
	// Q1's keys: one DTMF digit each; "": 1, 2 and 3.
	Satisfied    string `yaml:"satisfied" json:"satisfied"`
	Neutral      string `yaml:"neutral" json:"neutral"`
	Dissatisfied string `yaml:"dissatisfied" json:"dissatisfied"`
	// SecondQuestion asks Q2, answered with one of Q2Digits ("": "12", e.g. 1 yes / 2 no).
	SecondQuestion bool   `yaml:"second_question" json:"second_question"`
	Q2Digits       string `yaml:"q2_digits" json:"q2_digits"`
	// Prompts per language ("zh", "en" …): the media ids (sound:…) of each prompt.
	Prompts map[string]SurveyPrompts `yaml:"prompts" json:"prompts"`
	// OnDissatisfied: none, ticket (a ticket is opened from the call) or qa_sample (the call is
	// put into QA's sampling).
	OnDissatisfied string `yaml:"on_dissatisfied" json:"on_dissatisfied"`
}

// SurveyPrompts are one language's prompts: media ids as ARI's play takes them (sound:…).
type SurveyPrompts struct {
	Q1     string `yaml:"q1" json:"q1"`
	Q2     string `yaml:"q2" json:"q2,omitempty"`
	Thanks string `yaml:"thanks" json:"thanks"`
}

// What a dissatisfied answer does.
const (
	SurveyActionNone     = "none"
	SurveyActionTicket   = "ticket"
	SurveyActionQASample = "qa_sample"
)

// Survey outcomes (SurveyResult.Outcome).
const (
	SurveyCompleted    = "completed"     // every question answered
	SurveyPartial      = "partial"       // Q1 answered, Q2 not (no input)
	SurveyNoInput      = "no_input"      // Q1 not answered (timeouts / invalid keys)
	SurveyCallerHungUp = "caller_hangup" // the caller hung up before the end (AbandonedAt says where)
)

// Satisfaction ratings (Q1's answer).
const (
	RatingSatisfied    = "satisfied"
	RatingNeutral      = "neutral"
	RatingDissatisfied = "dissatisfied"
)

// DefaultSurveyTimeout is a question's wait for a key when the queue does not set one.
const DefaultSurveyTimeout = 8 * time.Second

// ApplyDefaults fills the unset fields.
func (s *Survey) ApplyDefaults() {
	if s.Timeout == 0 {
		s.Timeout = DefaultSurveyTimeout
	}
	if s.Satisfied == "" && s.Neutral == "" && s.Dissatisfied == "" {
		s.Satisfied, s.Neutral, s.Dissatisfied = "1", "2", "3"
	}
	if s.SecondQuestion && s.Q2Digits == "" {
		s.Q2Digits = "12"
	}
	if s.OnDissatisfied == "" {
		s.OnDissatisfied = SurveyActionNone
	}
	if s.Language == "" {
		s.Language = "zh"
	}
}

// Percent is the share offered, 0..100.
func (s *Survey) Percent() int {
	if s.OfferPercent == nil {
		return 100
	}
	return *s.OfferPercent
}

// Offers tells whether the call callID is in the offered share (deterministic per call, so
// that a restart decides the same).
func (s *Survey) Offers(callID string) bool {
	p := s.Percent()
	if p >= 100 {
		return true
	}
	if p <= 0 {
		return false
	}
	h := fnv.New32a()
	h.Write([]byte(callID))
	return int(h.Sum32()%100) < p
}

// PromptsFor picks the prompts in lang, else in the survey's language.
func (s *Survey) PromptsFor(lang string) SurveyPrompts {
	if p, ok := s.Prompts[lang]; ok && lang != "" {
		return p
	}
	return s.Prompts[s.Language]
}

// Questions is how many questions are asked (1 or 2).
func (s *Survey) Questions() int {
	if s.SecondQuestion {
		return 2
	}
	return 1
}

// ValidDigits are question q's (1 or 2) accepted keys.
func (s *Survey) ValidDigits(q int) string {
	if q == 2 {
		return s.Q2Digits
	}
	return s.Satisfied + s.Neutral + s.Dissatisfied
}

// Rating is Q1's digit as a satisfaction rating ("" for none).
func (s *Survey) Rating(digit string) string {
	switch {
	case digit == "":
		return ""
	case digit == s.Satisfied:
		return RatingSatisfied
	case digit == s.Neutral:
		return RatingNeutral
	case digit == s.Dissatisfied:
		return RatingDissatisfied
	}
	return ""
}

const dtmfDigits = "0123456789*#"

// ValidateSurvey checks a queue's survey; field is its path (queues[2].survey).
func ValidateSurvey(field string, s *Survey) *Error {
	if s == nil {
		return nil
	}
	if p := s.OfferPercent; p != nil && (*p < 0 || *p > 100) {
		return invalid(field+".offer_percent", "must be between 0 and 100, got %d", *p).With(CodeOutOfRange, Params{"min": 0, "max": 100, "value": *p})
	}
	if s.Timeout < time.Second || s.Timeout > 60*time.Second {
		return invalid(field+".timeout", "must be between 1s and 60s, got %s", s.Timeout).With(CodeOutOfRange, Params{"min": 1, "max": 60, "unit": "s", "value": s.Timeout.Seconds()})
	}
	seen := map[string]string{}
	for _, d := range []struct{ name, v string }{{"satisfied", s.Satisfied}, {"neutral", s.Neutral}, {"dissatisfied", s.Dissatisfied}} {
		if len(d.v) != 1 || !strings.Contains(dtmfDigits, d.v) {
			return invalid(field+"."+d.name, "must be one key 0-9, * or #, got %q", d.v).With(CodeInvalidFormat, Params{"format": "dtmf_digit", "value": d.v})
		}
		if other, dup := seen[d.v]; dup {
			return invalid(field+"."+d.name, "the key %q is %s's already", d.v, other).With(CodeDuplicate, Params{"value": d.v})
		}
		seen[d.v] = d.name
	}
	if s.SecondQuestion {
		if s.Q2Digits == "" || len(s.Q2Digits) > 10 || strings.Trim(s.Q2Digits, dtmfDigits) != "" {
			return invalid(field+".q2_digits", "must be keys 0-9, * or #, got %q", s.Q2Digits).With(CodeInvalidFormat, Params{"format": "dtmf_digits", "value": s.Q2Digits})
		}
	}
	switch s.OnDissatisfied {
	case SurveyActionNone, SurveyActionTicket, SurveyActionQASample:
	default:
		allowed := []string{SurveyActionNone, SurveyActionTicket, SurveyActionQASample}
		return invalid(field+".on_dissatisfied", "must be one of %s, got %q", strings.Join(allowed, ", "), s.OnDissatisfied).With(CodeInvalidChoice, Params{"allowed": allowed, "value": s.OnDissatisfied})
	}
	if !nameRE.MatchString(s.Language) {
		return invalid(field+".language", "must be a language code such as zh or en, got %q", s.Language).With(CodeInvalidFormat, Params{"format": "identifier", "value": s.Language})
	}
	if !s.Enabled && len(s.Prompts) == 0 {
		return nil // switched off and never set up
	}
	if _, ok := s.Prompts[s.Language]; !ok {
		return invalid(field+".prompts."+s.Language, "the prompts in the survey's language %q are required", s.Language).With(CodeRequired, Params{"other": "language", "value": s.Language})
	}
	langs := make([]string, 0, len(s.Prompts))
	for l := range s.Prompts {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		p := s.Prompts[l]
		f := field + ".prompts." + l
		if !nameRE.MatchString(l) {
			return invalid(f, "must be a language code such as zh or en, got %q", l).With(CodeInvalidFormat, Params{"format": "identifier", "value": l})
		}
		media := []struct{ name, v string }{{"q1", p.Q1}, {"thanks", p.Thanks}}
		if s.SecondQuestion {
			media = append(media, struct{ name, v string }{"q2", p.Q2})
		}
		for _, m := range media {
			if err := validMedia(f+"."+m.name, m.v); err != nil {
				return err
			}
		}
	}
	return nil
}

// validMedia checks an ARI media id: a type and a resource (sound:…, recording:…).
func validMedia(field, m string) *Error {
	if m == "" {
		return invalid(field, "a prompt is required (a media id such as sound:survey-q1)").With(CodeRequired, nil)
	}
	kind, res, ok := strings.Cut(m, ":")
	switch {
	case !ok || res == "" || len(m) > 200 || strings.ContainsAny(m, " ,\t\r\n"):
	case kind == "sound" || kind == "recording":
		return nil
	}
	return invalid(field, "must be a media id such as sound:survey-q1, got %q", m).With(CodeInvalidFormat, Params{"format": "media", "value": m})
}

// SurveyResult is one offered survey: what the caller answered and how it ended.
type SurveyResult struct {
	CallID      string    `json:"call_id"`
	CallEntered time.Time `json:"call_entered_at"`
	Number      string    `json:"number,omitempty"` // the caller's number (CanonicalPhone)
	Queue       string    `json:"queue"`
	Agent       string    `json:"agent,omitempty"`
	Team        string    `json:"team,omitempty"`
	Language    string    `json:"language,omitempty"`
	OfferedAt   time.Time `json:"offered_at"`
	EndedAt     time.Time `json:"ended_at"`
	Q1          string    `json:"q1,omitempty"` // the digit pressed
	Q1At        time.Time `json:"q1_at,omitzero"`
	Rating      string    `json:"rating,omitempty"` // Q1 as satisfied / neutral / dissatisfied
	Q2          string    `json:"q2,omitempty"`
	Q2At        time.Time `json:"q2_at,omitzero"`
	Outcome     string    `json:"outcome"`
	AbandonedAt int       `json:"abandoned_at,omitempty"` // caller hung up during question 1 or 2 (3: the thanks)
	Action      string    `json:"action,omitempty"`       // what the dissatisfied answer did (ticket / qa_sample)
}

// Responded tells whether the caller gave a rating (the response rate's numerator).
func (r *SurveyResult) Responded() bool { return r.Rating != "" }

// Check reports a result that cannot be stored.
func (r *SurveyResult) Check() error {
	if r.CallID == "" || r.OfferedAt.IsZero() || r.Outcome == "" {
		return fmt.Errorf("survey result without a call, an offer time or an outcome")
	}
	return nil
}
