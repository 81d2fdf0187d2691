package callfloor

import (
	"fmt"
	"math"
	"regexp"
)

// This file holds quality-assurance (QA) scorecards and the evaluation
// arithmetic of shared/design/metrics.md, section "QA rates".
//
// A Scorecard is a versioned form: once evaluations have been stored against
// a (ID, Version) the form must not change; an edit is a new Version, and
// every Result records the version it was scored with.
//
// How weights combine. Every scored (non-bonus) item has an effective weight
//
//	w(item) = W(section) × item.Weight ÷ Σ item.Weight over the section's scored items
//
// i.e. a section's Weight is its share of the whole form and its items split
// that share in proportion to their own Weight. The sum in the denominator is
// taken over the form (N/A answers do not change it), so w is a property of
// the form version. When every section has Weight 0 the form is "unweighted
// by section": W(section) is then the sum of its items' weights and
// w(item) = item.Weight. Then, per metrics.md,
//
//	score_raw = 100 × Σ w·fraction ÷ Σ w   over applicable (non-N/A) scored items
//
// where fraction is the share of the item's maximum earned: yes/no 1 or 0,
// scale value ÷ Max, choice points ÷ the largest points of its choices. An N/A
// item leaves both sums, so the remaining items (within and across sections)
// are renormalised. A failed SectionFail item zeroes its section's points
// while the section's maximum stays in the denominator.
//
// An item "fails" when it earns zero points: "no", scale 0, or a choice worth
// 0 points. A failed Fatal item makes the evaluation fatal (score_final 0,
// score_raw still computed and kept); a failed NonFatal item counts as one
// non-fatal error.
//
// Bonus items earn item.Weight × fraction bonus points (percentage points),
// summed and capped at the form's BonusCap (default 10). They are outside
// score_raw. score_final = 0 when fatal, else score_raw + bonus: it ranges over
// 0..100+BonusCap (a perfect form with the full bonus scores 110 by default),
// since metrics.md caps the bonus, not the sum.

// ItemKind is how an item is answered.
type ItemKind string

const (
	ItemYesNo  ItemKind = "yes_no"
	ItemScale  ItemKind = "scale"  // 0..Max
	ItemChoice ItemKind = "choice" // one of Choices
)

// DefaultBonusCap is the bonus cap when a Scorecard leaves BonusCap at 0.
const DefaultBonusCap = 10.0

// Scorecard is one version of an evaluation form.
type Scorecard struct {
	ID       string    `json:"id"`
	Version  int       `json:"version"` // ≥ 1
	Name     string    `json:"name"`
	Sections []Section `json:"sections"`
	BonusCap float64   `json:"bonus_cap,omitempty"` // percentage points; 0 means DefaultBonusCap
}

// Section groups items; Weight is its share of the form (see the file comment).
type Section struct {
	ID     string  `json:"id"`
	Title  string  `json:"title"`
	Weight float64 `json:"weight,omitempty"`
	Items  []Item  `json:"items"`
}

// Choice is one option of a choice item.
type Choice struct {
	Label  string  `json:"label"`
	Points float64 `json:"points"`
}

// Item is one question of a form. IDs are unique across the whole form.
type Item struct {
	ID          string   `json:"id"`
	Text        string   `json:"text"`
	Kind        ItemKind `json:"kind"`
	Max         int      `json:"max,omitempty"`     // scale items: answers are 0..Max
	Choices     []Choice `json:"choices,omitempty"` // choice items
	Weight      float64  `json:"weight"`            // > 0; for a bonus item, its bonus points at full marks
	Fatal       bool     `json:"fatal,omitempty"`
	SectionFail bool     `json:"section_fail,omitempty"`
	NonFatal    bool     `json:"non_fatal,omitempty"`
	AllowNA     bool     `json:"allow_na,omitempty"`
	Bonus       bool     `json:"bonus,omitempty"`
}

// Answer is the evaluator's answer to one item: NA, or exactly the field of
// the item's kind (Yes for yes/no, Value for scale, Choice as an index into
// Choices for choice).
type Answer struct {
	ItemID string `json:"item_id"`
	NA     bool   `json:"na,omitempty"`
	Yes    *bool  `json:"yes,omitempty"`
	Value  *int   `json:"value,omitempty"`
	Choice *int   `json:"choice,omitempty"`
}

// Result is what is stored per evaluation. Scores are percentages.
type Result struct {
	ScorecardID string  `json:"scorecard_id"`
	Version     int     `json:"version"`
	ScoreRaw    float64 `json:"score_raw"`   // 0..100
	Bonus       float64 `json:"bonus"`       // 0..BonusCap, reported even when fatal
	ScoreFinal  float64 `json:"score_final"` // 0 when fatal, else ScoreRaw + Bonus (0..100+BonusCap)

	Fatal         bool     `json:"fatal"`
	FatalItems    []string `json:"fatal_items,omitempty"`    // IDs of the failed fatal items
	SectionFailed []string `json:"section_failed,omitempty"` // IDs of sections zeroed by a SectionFail item

	NonFatalErrors     int `json:"non_fatal_errors"`     // failed NonFatal items
	NonFatalApplicable int `json:"non_fatal_applicable"` // applicable NonFatal items (error opportunities)
	Applicable         int `json:"applicable"`           // applicable scored (non-bonus) items

	SectionScores map[string]float64 `json:"section_scores"` // section ID → 0..100, sections with an applicable scored item
}

func (s *Scorecard) bonusCap() float64 {
	if s.BonusCap == 0 {
		return DefaultBonusCap
	}
	return s.BonusCap
}

func finiteFloat(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Validate checks the form; the error's Field names the offending field,
// e.g. "sections[1].items[0].max".
func (s *Scorecard) Validate() error {
	if s.ID == "" {
		return invalid("id", "required").With(CodeRequired, nil)
	}
	if s.Version < 1 {
		return invalid("version", "must be ≥ 1, got %d", s.Version).With(CodeOutOfRange, Params{"min": 1, "value": s.Version})
	}
	if s.Name == "" {
		return invalid("name", "required").With(CodeRequired, nil)
	}
	if !finiteFloat(s.BonusCap) || s.BonusCap < 0 {
		return invalid("bonus_cap", "must be ≥ 0 (0 means %g), got %v", DefaultBonusCap, s.BonusCap).With(CodeOutOfRange, Params{"min": 0, "value": s.BonusCap})
	}
	if len(s.Sections) == 0 {
		return invalid("sections", "a form needs at least one section").With(CodeTooFew, Params{"min": 1, "what": "section"})
	}
	sectionIDs := map[string]bool{}
	itemIDs := map[string]string{}
	weighted, unweighted, scored := 0, 0, 0
	for si, sec := range s.Sections {
		sf := fmt.Sprintf("sections[%d]", si)
		if sec.ID == "" {
			return invalid(sf+".id", "required").With(CodeRequired, nil)
		}
		if !qaIDRE.MatchString(sec.ID) {
			return invalid(sf+".id", "letters, digits, '.', '_' and '-' only, starting with a letter or digit (at most 64), got %q", sec.ID).With(CodeInvalidFormat, Params{"format": "identifier", "max": 64, "value": sec.ID})
		}
		if sectionIDs[sec.ID] {
			return invalid(sf+".id", "duplicate section id %q", sec.ID).With(CodeDuplicate, Params{"value": sec.ID})
		}
		sectionIDs[sec.ID] = true
		if !finiteFloat(sec.Weight) || sec.Weight < 0 {
			return invalid(sf+".weight", "must be ≥ 0, got %v", sec.Weight).With(CodeOutOfRange, Params{"min": 0, "value": sec.Weight})
		}
		if len(sec.Items) == 0 {
			return invalid(sf+".items", "a section needs at least one item").With(CodeTooFew, Params{"min": 1, "what": "item"})
		}
		secScored := 0
		for ii, it := range sec.Items {
			f := fmt.Sprintf("%s.items[%d]", sf, ii)
			if err := validateQAItem(f, &it); err != nil {
				return err
			}
			if prev, dup := itemIDs[it.ID]; dup {
				return invalid(f+".id", "duplicate item id %q (also %s)", it.ID, prev).With(CodeDuplicate, Params{"value": it.ID, "other": prev})
			}
			itemIDs[it.ID] = f
			if !it.Bonus {
				secScored++
			}
		}
		scored += secScored
		switch {
		case secScored == 0 && sec.Weight != 0:
			return invalid(sf+".weight", "a section with only bonus items carries no weight, got %v", sec.Weight).With(CodeNotApplicable, Params{"value": sec.Weight})
		case secScored == 0:
		case sec.Weight > 0:
			weighted++
		default:
			unweighted++
		}
	}
	if scored == 0 {
		return invalid("sections", "a form needs at least one scored (non-bonus) item").With(CodeTooFew, Params{"min": 1, "what": "scored_item"})
	}
	if weighted > 0 && unweighted > 0 {
		for si, sec := range s.Sections {
			if sec.Weight == 0 && sectionHasScored(sec) {
				return invalid(fmt.Sprintf("sections[%d].weight", si),
					"either every section with scored items has a weight > 0 or none has").With(CodeMixedWeights, nil)
			}
		}
	}
	return nil
}

func sectionHasScored(sec Section) bool {
	for _, it := range sec.Items {
		if !it.Bonus {
			return true
		}
	}
	return false
}

// qaIDRE is what section and item ids may be: they name items in reports, CSV exports and
// answers, so no spaces, markup or spreadsheet formulas.
var qaIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func validateQAItem(f string, it *Item) *Error {
	if it.ID == "" {
		return invalid(f+".id", "required").With(CodeRequired, nil)
	}
	if !qaIDRE.MatchString(it.ID) {
		return invalid(f+".id", "letters, digits, '.', '_' and '-' only, starting with a letter or digit (at most 64), got %q", it.ID).With(CodeInvalidFormat, Params{"format": "identifier", "max": 64, "value": it.ID})
	}
	if !finiteFloat(it.Weight) || it.Weight <= 0 {
		return invalid(f+".weight", "must be > 0, got %v", it.Weight).With(CodeOutOfRange, Params{"min": 0, "exclusive": true, "value": it.Weight})
	}
	switch it.Kind {
	case ItemYesNo:
	case ItemScale:
		if it.Max < 1 {
			return invalid(f+".max", "a scale item needs max ≥ 1, got %d", it.Max).With(CodeOutOfRange, Params{"min": 1, "value": it.Max})
		}
	case ItemChoice:
		if len(it.Choices) == 0 {
			return invalid(f+".choices", "a choice item needs at least one choice").With(CodeTooFew, Params{"min": 1, "what": "choice"})
		}
		best := 0.0
		for ci, c := range it.Choices {
			cf := fmt.Sprintf("%s.choices[%d]", f, ci)
			if c.Label == "" {
				return invalid(cf+".label", "required").With(CodeRequired, nil)
			}
			if !finiteFloat(c.Points) || c.Points < 0 {
				return invalid(cf+".points", "must be ≥ 0, got %v", c.Points).With(CodeOutOfRange, Params{"min": 0, "value": c.Points})
			}
			best = max(best, c.Points)
		}
		if best == 0 {
			return invalid(f+".choices", "at least one choice must be worth points > 0").With(CodeTooFew, Params{"min": 1, "what": "scoring_choice"})
		}
	default:
		return invalid(f+".kind", "must be %q, %q or %q, got %q", ItemYesNo, ItemScale, ItemChoice, it.Kind).With(CodeInvalidChoice, Params{"allowed": []ItemKind{ItemYesNo, ItemScale, ItemChoice}, "value": it.Kind})
	}
	if it.Kind != ItemScale && it.Max != 0 {
		return invalid(f+".max", "only scale items have a max").With(CodeNotApplicable, Params{"other": "kind", "value": it.Kind})
	}
	if it.Kind != ItemChoice && len(it.Choices) != 0 {
		return invalid(f+".choices", "only choice items have choices").With(CodeNotApplicable, Params{"other": "kind", "value": it.Kind})
	}
	if it.Bonus && (it.Fatal || it.SectionFail || it.NonFatal) {
		return invalid(f+".bonus", "a bonus item cannot be fatal, section-fail or non-fatal").With(CodeConflictsWith, Params{"other": "fatal"})
	}
	if it.Fatal && it.NonFatal {
		return invalid(f+".non_fatal", "an item cannot be both fatal and non-fatal").With(CodeConflictsWith, Params{"other": "fatal"})
	}
	return nil
}

// fraction is the share of the item's maximum that the answer earns, or an
// error naming the answer's bad field.
func (it *Item) fraction(a Answer) (float64, *Error) {
	f := "answers[" + it.ID + "]"
	switch it.Kind {
	case ItemYesNo:
		if a.Yes == nil || a.Value != nil || a.Choice != nil {
			return 0, invalid(f+".yes", "a yes/no item is answered with yes (or na) only").With(CodeAnswerKind, Params{"kind": ItemYesNo})
		}
		if *a.Yes {
			return 1, nil
		}
		return 0, nil
	case ItemScale:
		if a.Value == nil || a.Yes != nil || a.Choice != nil {
			return 0, invalid(f+".value", "a scale item is answered with value (or na) only").With(CodeAnswerKind, Params{"kind": ItemScale})
		}
		if *a.Value < 0 || *a.Value > it.Max {
			return 0, invalid(f+".value", "must be 0..%d, got %d", it.Max, *a.Value).With(CodeOutOfRange, Params{"min": 0, "max": it.Max, "value": *a.Value})
		}
		return float64(*a.Value) / float64(it.Max), nil
	default: // ItemChoice
		if a.Choice == nil || a.Yes != nil || a.Value != nil {
			return 0, invalid(f+".choice", "a choice item is answered with choice (or na) only").With(CodeAnswerKind, Params{"kind": ItemChoice})
		}
		if *a.Choice < 0 || *a.Choice >= len(it.Choices) {
			return 0, invalid(f+".choice", "must be 0..%d, got %d", len(it.Choices)-1, *a.Choice).With(CodeOutOfRange, Params{"min": 0, "max": len(it.Choices) - 1, "value": *a.Choice})
		}
		best := 0.0
		for _, c := range it.Choices {
			best = max(best, c.Points)
		}
		return it.Choices[*a.Choice].Points / best, nil
	}
}

// Evaluate scores answers against card (see the file comment for the
// arithmetic). Every item must be answered exactly once, N/A only where
// AllowNA; anything else is EINVALID naming the item, e.g. "answers[greet]".
// A form whose scored items are all N/A has no score and is EINVALID too.
func Evaluate(card *Scorecard, answers []Answer) (Result, error) {
	if card == nil {
		return Result{}, invalid("scorecard", "required").With(CodeRequired, nil)
	}
	if err := card.Validate(); err != nil {
		return Result{}, err
	}
	byItem := make(map[string]Answer, len(answers))
	known := map[string]bool{}
	for _, sec := range card.Sections {
		for _, it := range sec.Items {
			known[it.ID] = true
		}
	}
	for i, a := range answers {
		if !known[a.ItemID] {
			return Result{}, invalid(fmt.Sprintf("answers[%d].item_id", i), "no item %q on form %s v%d", a.ItemID, card.ID, card.Version).With(CodeUnknownRef, Params{"what": "item", "value": a.ItemID})
		}
		if _, dup := byItem[a.ItemID]; dup {
			return Result{}, invalid("answers["+a.ItemID+"]", "answered more than once").With(CodeDuplicate, Params{"value": a.ItemID})
		}
		byItem[a.ItemID] = a
	}

	weightedForm := false
	for _, sec := range card.Sections {
		if sec.Weight > 0 {
			weightedForm = true
		}
	}

	r := Result{ScorecardID: card.ID, Version: card.Version, SectionScores: map[string]float64{}}
	var num, den, bonus float64
	for _, sec := range card.Sections {
		itemWeights := 0.0
		for _, it := range sec.Items {
			if !it.Bonus {
				itemWeights += it.Weight
			}
		}
		sectionWeight := itemWeights
		if weightedForm {
			sectionWeight = sec.Weight
		}
		var sNum, sDen float64
		failed := false
		for _, it := range sec.Items {
			a, ok := byItem[it.ID]
			if !ok {
				return Result{}, invalid("answers["+it.ID+"]", "item %q is not answered", it.ID).With(CodeRequired, nil)
			}
			if a.NA {
				if !it.AllowNA {
					return Result{}, invalid("answers["+it.ID+"].na", "item %q does not allow N/A", it.ID).With(CodeNotAllowed, Params{"value": "na"})
				}
				if a.Yes != nil || a.Value != nil || a.Choice != nil {
					return Result{}, invalid("answers["+it.ID+"].na", "an N/A answer carries no value").With(CodeConflictsWith, Params{"other": "na"})
				}
				continue
			}
			frac, err := it.fraction(a)
			if err != nil {
				return Result{}, err
			}
			if it.Bonus {
				bonus += it.Weight * frac
				continue
			}
			w := sectionWeight * it.Weight / itemWeights
			sNum += w * frac
			sDen += w
			r.Applicable++
			if it.NonFatal {
				r.NonFatalApplicable++
			}
			if frac == 0 {
				if it.Fatal {
					r.Fatal = true
					r.FatalItems = append(r.FatalItems, it.ID)
				}
				if it.SectionFail {
					failed = true
				}
				if it.NonFatal {
					r.NonFatalErrors++
				}
			}
		}
		if sDen == 0 {
			continue
		}
		if failed {
			sNum = 0
			r.SectionFailed = append(r.SectionFailed, sec.ID)
		}
		r.SectionScores[sec.ID] = 100 * sNum / sDen
		num += sNum
		den += sDen
	}
	if den == 0 {
		return Result{}, invalid("answers", "every scored item is N/A: the evaluation has no score").With(CodeNoScore, nil)
	}
	r.ScoreRaw = 100 * num / den
	r.Bonus = min(bonus, card.bonusCap())
	if !r.Fatal {
		r.ScoreFinal = r.ScoreRaw + r.Bonus
	}
	return r, nil
}

// QACounts are the sums the QA rates are computed from (shared/design/metrics.md, "QA rates"):
// reports accumulate them evaluation by evaluation with Add.
type QACounts struct {
	Evaluations           int
	Fatal                 int // evaluations with at least one failed fatal item
	NonFatalErrors        int // failed non-fatal items
	NonFatalOpportunities int // applicable non-fatal items
}

// Add counts one evaluation's result.
func (c *QACounts) Add(r Result) {
	c.Evaluations++
	if r.Fatal {
		c.Fatal++
	}
	c.NonFatalErrors += r.NonFatalErrors
	c.NonFatalOpportunities += r.NonFatalApplicable
}

// FatalRate is Fatal ÷ Evaluations; ok is false (n/a) without evaluations.
func (c QACounts) FatalRate() (float64, bool) { return ratioInt(int64(c.Fatal), int64(c.Evaluations)) }

// NonFatalRate is NonFatalErrors ÷ NonFatalOpportunities; ok is false (n/a) without
// opportunities.
func (c QACounts) NonFatalRate() (float64, bool) {
	return ratioInt(int64(c.NonFatalErrors), int64(c.NonFatalOpportunities))
}

func countsOf(evals []Result) QACounts {
	var c QACounts
	for _, e := range evals {
		c.Add(e)
	}
	return c
}

// FatalRate is evaluations with at least one failed fatal item ÷
// evaluations, as a fraction; ok is false (n/a) without evaluations. Its
// denominator is len(evals).
func FatalRate(evals []Result) (float64, bool) { return countsOf(evals).FatalRate() }

// NonFatalRate is non-fatal errors ÷ applicable non-fatal items (error
// opportunities), summed over evals, as a fraction; ok is false (n/a)
// without opportunities. Its denominator is NonFatalOpportunities(evals).
func NonFatalRate(evals []Result) (float64, bool) { return countsOf(evals).NonFatalRate() }

// NonFatalOpportunities is the denominator of NonFatalRate.
func NonFatalOpportunities(evals []Result) int { return countsOf(evals).NonFatalOpportunities }

// FormatRate shows a rate to two decimals with its denominator named, as
// metrics.md requires: FormatRate(v, true, 433, "evaluations") is
// "2.31 % (of 433 evaluations)"; a rate that is not ok is "n/a".
func FormatRate(v float64, ok bool, denominator int, what string) string {
	if !ok {
		return "n/a"
	}
	return fmt.Sprintf("%s (of %d %s)", FormatPercent(v, true), denominator, what)
}

// The monthly agent score is score.go's Score (the manuals' rule, versioned with effective
// months), which replaced MonthlyScore's attendance + 0.8 × average QA + bonus.
