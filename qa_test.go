package callfloor

import (
	"errors"
	"math"
	"slices"
	"testing"
)

// qaCard is a three-section form weighted 20 / 50 / 30. Effective item
// weights (section weight × item weight ÷ the section's item weights):
//
//	opening:  greet 10 (non-fatal), verify 10 (fatal)
//	handling: empathy 50·2/6, resolution 50·2/6, disclosure 50·1/6 (section-fail), hold 50·1/6 (N/A allowed, non-fatal)
//	closing:  summary 30 (N/A allowed); survey (bonus 5), extra (bonus scale 0..10 worth 8)
func qaCard() *Scorecard {
	return &Scorecard{
		ID: "inbound-care", Version: 3, Name: "Inbound care",
		Sections: []Section{
			{ID: "opening", Title: "Opening", Weight: 20, Items: []Item{
				{ID: "greet", Text: "Greeting", Kind: ItemYesNo, Weight: 1, NonFatal: true},
				{ID: "verify", Text: "Identity verified", Kind: ItemYesNo, Weight: 1, Fatal: true},
			}},
			{ID: "handling", Title: "Handling", Weight: 50, Items: []Item{
				{ID: "empathy", Text: "Empathy", Kind: ItemScale, Max: 4, Weight: 2, NonFatal: true},
				{ID: "resolution", Text: "Resolution", Kind: ItemChoice, Weight: 2, Choices: []Choice{
					{Label: "none", Points: 0}, {Label: "partial", Points: 1}, {Label: "full", Points: 2}}},
				{ID: "disclosure", Text: "Mandatory disclosure", Kind: ItemYesNo, Weight: 1, SectionFail: true},
				{ID: "hold", Text: "Hold etiquette", Kind: ItemYesNo, Weight: 1, AllowNA: true, NonFatal: true},
			}},
			{ID: "closing", Title: "Closing", Weight: 30, Items: []Item{
				{ID: "summary", Text: "Summary", Kind: ItemYesNo, Weight: 1, AllowNA: true},
				{ID: "survey", Text: "Offered survey", Kind: ItemYesNo, Weight: 5, Bonus: true},
				{ID: "extra", Text: "Went the extra mile", Kind: ItemScale, Max: 10, Weight: 8, Bonus: true},
			}},
		},
	}
}

func ansYes(id string) Answer { b := true; return Answer{ItemID: id, Yes: &b} }
func ansNo(id string) Answer  { b := false; return Answer{ItemID: id, Yes: &b} }
func ansValue(id string, v int) Answer {
	return Answer{ItemID: id, Value: &v}
}
func ansChoice(id string, c int) Answer { return Answer{ItemID: id, Choice: &c} }
func ansNA(id string) Answer            { return Answer{ItemID: id, NA: true} }

// qaPerfect answers every item of qaCard with full marks, no bonus.
func qaPerfect() []Answer {
	return []Answer{ansYes("greet"), ansYes("verify"), ansValue("empathy", 4), ansChoice("resolution", 2),
		ansYes("disclosure"), ansYes("hold"), ansYes("summary"), ansNo("survey"), ansValue("extra", 0)}
}

// withAnswers replaces the answers to the same items.
func withAnswers(as []Answer, repl ...Answer) []Answer {
	out := slices.Clone(as)
	for _, r := range repl {
		for i := range out {
			if out[i].ItemID == r.ItemID {
				out[i] = r
			}
		}
	}
	return out
}

func qaNear(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func mustEvaluate(t *testing.T, card *Scorecard, as []Answer) Result {
	t.Helper()
	r, err := Evaluate(card, as)
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	return r
}

func qaErrField(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Class() == EINVALID {
		return e.Field
	}
	return "<not EINVALID: " + ErrorMessage(err) + ">"
}

func TestEvaluateQAPerfect(t *testing.T) {
	r := mustEvaluate(t, qaCard(), qaPerfect())
	if r.ScoreRaw != 100 || r.Bonus != 0 || r.ScoreFinal != 100 || r.Fatal {
		t.Fatalf("perfect = %+v", r)
	}
	if r.Applicable != 7 || r.NonFatalApplicable != 3 || r.NonFatalErrors != 0 || r.Version != 3 || r.ScorecardID != "inbound-care" {
		t.Fatalf("counts = %+v", r)
	}
}

// TestEvaluateQAWeightsScaleChoice works one evaluation through by hand:
// greet no, empathy 3/4, resolution partial (1 of 2 points), hold N/A,
// extra 4/10 (bonus 8 × 0.4 = 3.2).
//
//	num = 0 + 10 + (50·2/6)·0.75 + (50·2/6)·0.5 + 50/6 + 30 = 415/6
//	den = 20 + (50 − 50/6) + 30                               = 550/6
//	raw = 100 × 415/550 = 100 × 83/110
func TestEvaluateQAWeightsScaleChoice(t *testing.T) {
	r := mustEvaluate(t, qaCard(), withAnswers(qaPerfect(), ansNo("greet"), ansValue("empathy", 3), ansChoice("resolution", 1), ansNA("hold"), ansValue("extra", 4)))
	if want := 100 * 83.0 / 110; !qaNear(r.ScoreRaw, want) {
		t.Errorf("raw = %v, want %v", r.ScoreRaw, want)
	}
	if !qaNear(r.Bonus, 3.2) || !qaNear(r.ScoreFinal, 100*83.0/110+3.2) {
		t.Errorf("bonus %v final %v", r.Bonus, r.ScoreFinal)
	}
	for sec, want := range map[string]float64{"opening": 50, "handling": 70, "closing": 100} {
		if !qaNear(r.SectionScores[sec], want) {
			t.Errorf("section %s = %v, want %v", sec, r.SectionScores[sec], want)
		}
	}
	if r.Applicable != 6 || r.NonFatalApplicable != 2 || r.NonFatalErrors != 1 {
		t.Errorf("applicable %d, non-fatal %d of %d", r.Applicable, r.NonFatalErrors, r.NonFatalApplicable)
	}
}

// TestEvaluateQASectionWeights pins how section and item weights combine:
// a section's weight is its share of the form, split among its items by
// item weight; with no section weights the item weights are used as is.
func TestEvaluateQASectionWeights(t *testing.T) {
	card := &Scorecard{ID: "w", Version: 1, Name: "weights", Sections: []Section{
		{ID: "a", Weight: 1, Items: []Item{{ID: "a1", Kind: ItemYesNo, Weight: 7}}},
		{ID: "b", Weight: 3, Items: []Item{
			{ID: "b1", Kind: ItemYesNo, Weight: 1},
			{ID: "b2", Kind: ItemYesNo, Weight: 2, AllowNA: true},
		}},
	}}
	all := []Answer{ansYes("a1"), ansYes("b1"), ansYes("b2")}
	cases := []struct {
		name    string
		answers []Answer
		want    float64
	}{
		// a1 carries a's whole share 1/4, whatever its own weight 7.
		{"a1 fails", withAnswers(all, ansNo("a1")), 75},
		// b1 is 1/3 of b's 3/4 = 1/4 of the form; b2 is 2/3 of 3/4 = 1/2.
		{"b1 fails", withAnswers(all, ansNo("b1")), 75},
		{"b2 fails", withAnswers(all, ansNo("b2")), 50},
		// N/A b2 leaves a1 (1/4) and b1 (1/4): renormalised to halves.
		{"b2 N/A, b1 fails", withAnswers(all, ansNA("b2"), ansNo("b1")), 50},
		{"b2 N/A, a1 fails", withAnswers(all, ansNA("b2"), ansNo("a1")), 50},
	}
	for _, c := range cases {
		if r := mustEvaluate(t, card, c.answers); !qaNear(r.ScoreRaw, c.want) {
			t.Errorf("%s: raw = %v, want %v", c.name, r.ScoreRaw, c.want)
		}
	}

	// Without section weights, item weights count directly: 7 / 1 / 2.
	for i := range card.Sections {
		card.Sections[i].Weight = 0
	}
	if r := mustEvaluate(t, card, withAnswers(all, ansNo("a1"))); !qaNear(r.ScoreRaw, 100*3.0/10) {
		t.Errorf("unweighted a1 fails: raw = %v, want 30", r.ScoreRaw)
	}
	if r := mustEvaluate(t, card, withAnswers(all, ansNo("b2"))); !qaNear(r.ScoreRaw, 100*8.0/10) {
		t.Errorf("unweighted b2 fails: raw = %v, want 80", r.ScoreRaw)
	}
}

func TestEvaluateQAFatal(t *testing.T) {
	r := mustEvaluate(t, qaCard(), withAnswers(qaPerfect(), ansNo("verify"), ansYes("survey")))
	if !r.Fatal || r.ScoreFinal != 0 || !slices.Equal(r.FatalItems, []string{"verify"}) {
		t.Fatalf("fatal: %+v", r)
	}
	if !qaNear(r.ScoreRaw, 90) || r.Bonus != 5 { // raw and bonus are kept for the record
		t.Fatalf("raw %v bonus %v, want 90 and 5", r.ScoreRaw, r.Bonus)
	}
	// A fatal item that is also answered yes is no failure; a scale 0 on a fatal scale item is.
	card := qaCard()
	card.Sections[1].Items[0].Fatal = true // empathy
	card.Sections[1].Items[0].NonFatal = false
	r = mustEvaluate(t, card, withAnswers(qaPerfect(), ansValue("empathy", 0)))
	if !r.Fatal || r.ScoreFinal != 0 || !slices.Equal(r.FatalItems, []string{"empathy"}) || r.NonFatalErrors != 0 {
		t.Fatalf("scale 0 on a fatal item: %+v", r)
	}
	r = mustEvaluate(t, card, withAnswers(qaPerfect(), ansValue("empathy", 1)))
	if r.Fatal {
		t.Fatalf("scale 1 on a fatal item is not a failure: %+v", r)
	}
}

func TestEvaluateQASectionFail(t *testing.T) {
	r := mustEvaluate(t, qaCard(), withAnswers(qaPerfect(), ansNo("disclosure")))
	// handling's 50 points are lost, its maximum of 50 still counts.
	if !qaNear(r.ScoreRaw, 50) || !qaNear(r.ScoreFinal, 50) || r.Fatal {
		t.Fatalf("section fail: raw %v final %v", r.ScoreRaw, r.ScoreFinal)
	}
	if !slices.Equal(r.SectionFailed, []string{"handling"}) || r.SectionScores["handling"] != 0 || r.SectionScores["opening"] != 100 {
		t.Fatalf("section fail: %+v", r)
	}
	// With the section's max reduced by N/A, the section is still zero.
	r = mustEvaluate(t, qaCard(), withAnswers(qaPerfect(), ansNo("disclosure"), ansNA("hold")))
	if want := 100 * 50 / (100 - 50.0/6); !qaNear(r.ScoreRaw, want) {
		t.Fatalf("section fail with N/A: raw %v, want %v", r.ScoreRaw, want)
	}
}

func TestEvaluateQANotApplicable(t *testing.T) {
	r := mustEvaluate(t, qaCard(), withAnswers(qaPerfect(), ansNA("hold"), ansNA("summary")))
	if r.ScoreRaw != 100 || r.Applicable != 5 || r.NonFatalApplicable != 2 {
		t.Fatalf("N/A: %+v", r)
	}
	if _, ok := r.SectionScores["closing"]; ok {
		t.Fatalf("closing has no applicable scored item, got a section score")
	}
	// greet fails (10) with summary (30) N/A: 60 of 70.
	r = mustEvaluate(t, qaCard(), withAnswers(qaPerfect(), ansNo("greet"), ansNA("summary")))
	if !qaNear(r.ScoreRaw, 600.0/7) {
		t.Fatalf("N/A excluded from both sums: raw %v, want %v", r.ScoreRaw, 600.0/7)
	}
	// A failed N/A item is no error.
	r = mustEvaluate(t, qaCard(), withAnswers(qaPerfect(), ansNA("hold")))
	if r.NonFatalErrors != 0 {
		t.Fatalf("N/A counted as an error")
	}
	// Everything N/A: no score.
	card := &Scorecard{ID: "n", Version: 1, Name: "n", Sections: []Section{{ID: "s", Items: []Item{{ID: "x", Kind: ItemYesNo, Weight: 1, AllowNA: true}}}}}
	if _, err := Evaluate(card, []Answer{ansNA("x")}); qaErrField(err) != "answers" {
		t.Fatalf("all N/A: %v", err)
	}
}

func TestEvaluateQABonusCap(t *testing.T) {
	r := mustEvaluate(t, qaCard(), withAnswers(qaPerfect(), ansYes("survey"), ansValue("extra", 10))) // 5 + 8 = 13
	if r.Bonus != 10 || r.ScoreFinal != 110 {
		t.Fatalf("default cap: bonus %v final %v, want 10 and 110", r.Bonus, r.ScoreFinal)
	}
	r = mustEvaluate(t, qaCard(), withAnswers(qaPerfect(), ansNo("greet"), ansYes("survey")))
	if r.Bonus != 5 || !qaNear(r.ScoreFinal, 95) {
		t.Fatalf("under the cap: bonus %v final %v", r.Bonus, r.ScoreFinal)
	}
	card := qaCard()
	card.BonusCap = 2.5
	r = mustEvaluate(t, card, withAnswers(qaPerfect(), ansYes("survey")))
	if r.Bonus != 2.5 || r.ScoreFinal != 102.5 {
		t.Fatalf("cap 2.5: bonus %v final %v", r.Bonus, r.ScoreFinal)
	}
}

func TestEvaluateQABadAnswers(t *testing.T) {
	without := func(id string) []Answer {
		return slices.DeleteFunc(qaPerfect(), func(a Answer) bool { return a.ItemID == id })
	}
	seven := 7
	cases := []struct {
		name    string
		answers []Answer
		field   string
	}{
		{"missing", without("empathy"), "answers[empathy]"},
		{"missing bonus item", without("survey"), "answers[survey]"},
		{"N/A not allowed", withAnswers(qaPerfect(), ansNA("verify")), "answers[verify].na"},
		{"N/A with a value", withAnswers(qaPerfect(), Answer{ItemID: "hold", NA: true, Yes: new(bool)}), "answers[hold].na"},
		{"scale out of range", withAnswers(qaPerfect(), ansValue("empathy", 5)), "answers[empathy].value"},
		{"scale negative", withAnswers(qaPerfect(), ansValue("empathy", -1)), "answers[empathy].value"},
		{"choice out of range", withAnswers(qaPerfect(), ansChoice("resolution", 3)), "answers[resolution].choice"},
		{"wrong kind", withAnswers(qaPerfect(), ansValue("greet", 1)), "answers[greet].yes"},
		{"two values", withAnswers(qaPerfect(), Answer{ItemID: "empathy", Value: &seven, Yes: new(bool)}), "answers[empathy].value"},
		{"unknown item", append(qaPerfect(), ansYes("nope")), "answers[9].item_id"},
		{"duplicate", append(qaPerfect(), ansYes("greet")), "answers[greet]"},
	}
	for _, c := range cases {
		if _, err := Evaluate(qaCard(), c.answers); qaErrField(err) != c.field {
			t.Errorf("%s: field %q, want %q (%v)", c.name, qaErrField(err), c.field, err)
		}
	}
	if _, err := Evaluate(nil, qaPerfect()); qaErrField(err) != "scorecard" {
		t.Errorf("nil card: %v", err)
	}
}

func TestQAScorecardValidate(t *testing.T) {
	if err := qaCard().Validate(); err != nil {
		t.Fatalf("valid card: %v", err)
	}
	cases := []struct {
		name  string
		edit  func(*Scorecard)
		field string
	}{
		{"no id", func(s *Scorecard) { s.ID = "" }, "id"},
		{"version 0", func(s *Scorecard) { s.Version = 0 }, "version"},
		{"no name", func(s *Scorecard) { s.Name = "" }, "name"},
		{"negative cap", func(s *Scorecard) { s.BonusCap = -1 }, "bonus_cap"},
		{"no sections", func(s *Scorecard) { s.Sections = nil }, "sections"},
		{"section id", func(s *Scorecard) { s.Sections[2].ID = "opening" }, "sections[2].id"},
		{"empty section", func(s *Scorecard) { s.Sections[1].Items = nil }, "sections[1].items"},
		{"scale max", func(s *Scorecard) { s.Sections[1].Items[0].Max = 0 }, "sections[1].items[0].max"},
		{"max on yes/no", func(s *Scorecard) { s.Sections[0].Items[0].Max = 3 }, "sections[0].items[0].max"},
		{"kind", func(s *Scorecard) { s.Sections[0].Items[1].Kind = "stars" }, "sections[0].items[1].kind"},
		{"weight", func(s *Scorecard) { s.Sections[0].Items[1].Weight = 0 }, "sections[0].items[1].weight"},
		{"NaN weight", func(s *Scorecard) { s.Sections[0].Items[1].Weight = math.NaN() }, "sections[0].items[1].weight"},
		{"item id dup", func(s *Scorecard) { s.Sections[2].Items[0].ID = "greet" }, "sections[2].items[0].id"},
		{"no choices", func(s *Scorecard) { s.Sections[1].Items[1].Choices = nil }, "sections[1].items[1].choices"},
		{"choice all zero", func(s *Scorecard) {
			s.Sections[1].Items[1].Choices = []Choice{{Label: "x"}}
		}, "sections[1].items[1].choices"},
		{"choice points", func(s *Scorecard) { s.Sections[1].Items[1].Choices[0].Points = -1 }, "sections[1].items[1].choices[0].points"},
		{"choice label", func(s *Scorecard) { s.Sections[1].Items[1].Choices[2].Label = "" }, "sections[1].items[1].choices[2].label"},
		{"fatal bonus", func(s *Scorecard) { s.Sections[2].Items[1].Fatal = true }, "sections[2].items[1].bonus"},
		{"fatal and non-fatal", func(s *Scorecard) { s.Sections[0].Items[1].NonFatal = true }, "sections[0].items[1].non_fatal"},
		{"mixed section weights", func(s *Scorecard) { s.Sections[1].Weight = 0 }, "sections[1].weight"},
		{"negative section weight", func(s *Scorecard) { s.Sections[1].Weight = -5 }, "sections[1].weight"},
		{"only bonus items", func(s *Scorecard) {
			for i := range s.Sections {
				for j := range s.Sections[i].Items {
					s.Sections[i].Items[j] = Item{ID: s.Sections[i].Items[j].ID, Kind: ItemYesNo, Weight: 1, Bonus: true}
				}
				s.Sections[i].Weight = 0
			}
		}, "sections"},
	}
	for _, c := range cases {
		card := qaCard()
		c.edit(card)
		err := card.Validate()
		if qaErrField(err) != c.field {
			t.Errorf("%s: field %q, want %q (%v)", c.name, qaErrField(err), c.field, err)
		}
		if _, eerr := Evaluate(card, qaPerfect()); qaErrField(eerr) != c.field {
			t.Errorf("%s: Evaluate does not validate the form: %v", c.name, eerr)
		}
	}
}

// TestQARates builds 433 evaluations through Evaluate: 10 fail the fatal
// item (10 / 433 = 2.309 % → 2.31 %); each has 4 non-fatal items, 10 of
// which are N/A (433 × 4 − 10 = 1722 opportunities) and 128 of which fail
// (128 / 1722 = 7.433 % → 7.43 %).
func TestQARates(t *testing.T) {
	card := &Scorecard{ID: "rates", Version: 1, Name: "rates", Sections: []Section{{ID: "s", Items: []Item{
		{ID: "f", Kind: ItemYesNo, Weight: 1, Fatal: true},
		{ID: "n1", Kind: ItemYesNo, Weight: 1, NonFatal: true},
		{ID: "n2", Kind: ItemYesNo, Weight: 1, NonFatal: true},
		{ID: "n3", Kind: ItemScale, Max: 5, Weight: 1, NonFatal: true},
		{ID: "n4", Kind: ItemYesNo, Weight: 1, NonFatal: true, AllowNA: true},
	}}}}
	var evals []Result
	errorsLeft := 128
	for i := range 433 {
		as := []Answer{ansYes("f"), ansYes("n1"), ansYes("n2"), ansValue("n3", 4), ansYes("n4")}
		if i < 10 {
			as[0] = ansNo("f")
		}
		if i >= 400 && i < 410 {
			as[4] = ansNA("n4")
		}
		for j := 1; j <= 3 && errorsLeft > 0 && i%2 == 0; j++ { // up to 3 errors on even evaluations
			if j == 3 {
				as[j] = ansValue("n3", 0)
			} else {
				as[j] = ansNo(as[j].ItemID)
			}
			errorsLeft--
		}
		evals = append(evals, mustEvaluate(t, card, as))
	}
	if errorsLeft != 0 {
		t.Fatalf("population: %d errors not placed", errorsLeft)
	}
	v, ok := FatalRate(evals)
	if got, want := FormatRate(v, ok, len(evals), "evaluations"), "2.31 % (of 433 evaluations)"; got != want {
		t.Errorf("fatal rate = %q, want %q", got, want)
	}
	v, ok = NonFatalRate(evals)
	if got, want := FormatRate(v, ok, NonFatalOpportunities(evals), "non-fatal items"), "7.43 % (of 1722 non-fatal items)"; got != want {
		t.Errorf("non-fatal rate = %q, want %q", got, want)
	}
	if !qaNear(v, 128.0/1722) {
		t.Errorf("non-fatal rate = %v, want 128/1722", v)
	}

	if v, ok := FatalRate(nil); ok || FormatRate(v, ok, 0, "evaluations") != "n/a" {
		t.Errorf("no evaluations must be n/a")
	}
	if v, ok := NonFatalRate([]Result{{NonFatalApplicable: 0}}); ok || FormatRate(v, ok, 0, "non-fatal items") != "n/a" {
		t.Errorf("no opportunities must be n/a")
	}
}
