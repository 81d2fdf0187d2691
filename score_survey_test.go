package callfloor

import (
	"strings"
	"testing"
)

// The survey bonus: off by default; on, an agent with enough responses and a high enough
// satisfaction gets the bonus item, with the figure and its denominator as the line's detail;
// the month's cap still applies.
func TestScoreSurveyBonus(t *testing.T) {
	in := ScoreInputs{Agent: "a1", Month: "2026-11", SurveyResponses: 40, SurveySatisfied: 38}
	off := ScoreRules{DefaultScoreRule("2026-01")}
	if s := mustScore(t, off, in); s.Buckets[BucketBonus] != 0 {
		t.Fatalf("bonus %d with the rule off", s.Buckets[BucketBonus])
	}
	r := DefaultScoreRule("2026-01")
	r.SurveyBonusPoints, r.SurveyBonusMinResponses, r.SurveyBonusMinPercent = 3, 30, 90
	on := ScoreRules{r}
	s := mustScore(t, on, in)
	if s.Buckets[BucketBonus] != 3 {
		t.Fatalf("bonus %d, want 3", s.Buckets[BucketBonus])
	}
	var line *ScoreLine
	for i := range s.Lines {
		if s.Lines[i].Evidence == "survey:2026-11" {
			line = &s.Lines[i]
		}
	}
	if line == nil || !line.Counted || !strings.Contains(line.Detail, "38/40") || !strings.Contains(line.Detail, "95.0%") {
		t.Fatalf("survey bonus line %+v", line)
	}
	for _, c := range []struct {
		name   string
		n, sat int
		want   int
	}{{"too few responses", 29, 29, 0}, {"below the satisfaction", 40, 35, 0}, {"exactly at it", 30, 27, 3}} {
		in2 := in
		in2.SurveyResponses, in2.SurveySatisfied = c.n, c.sat
		if s := mustScore(t, on, in2); s.Buckets[BucketBonus] != c.want {
			t.Errorf("%s: bonus %d, want %d", c.name, s.Buckets[BucketBonus], c.want)
		}
	}
	// with 9 points of bonus entered, the survey's 3 fill the cap of 10
	in.Bonus = []ScoreEntry{{Points: 5, Reason: "praise", Evidence: "call:1"}, {Points: 4, Reason: "praise", Evidence: "call:2"}}
	if s := mustScore(t, on, in); s.Buckets[BucketBonus] != 10 {
		t.Errorf("capped bonus %d, want 10", s.Buckets[BucketBonus])
	}
	// the rule's fields are checked
	r.SurveyBonusPoints = 6
	if err := r.Validate(); err == nil || err.(*Error).Field != "survey_bonus_points" {
		t.Errorf("6 points: %v", err)
	}
	r.SurveyBonusPoints, r.SurveyBonusMinPercent = 3, 0
	if err := r.Validate(); err == nil || err.(*Error).Field != "survey_bonus_min_percent" {
		t.Errorf("0 %%: %v", err)
	}
}

func TestValidateSurvey(t *testing.T) {
	ok := func() *Survey {
		s := &Survey{Enabled: true, SecondQuestion: true, Prompts: map[string]SurveyPrompts{"zh": {Q1: "sound:q1", Q2: "sound:q2", Thanks: "sound:thanks"}}}
		s.ApplyDefaults()
		return s
	}
	if err := ValidateSurvey("queues[0].survey", ok()); err != nil {
		t.Fatal(err)
	}
	pct := 101
	for _, c := range []struct {
		field string
		edit  func(*Survey)
	}{
		{"queues[0].survey.offer_percent", func(s *Survey) { s.OfferPercent = &pct }},
		{"queues[0].survey.timeout", func(s *Survey) { s.Timeout = 90e9 }},
		{"queues[0].survey.neutral", func(s *Survey) { s.Neutral = "1" }},
		{"queues[0].survey.dissatisfied", func(s *Survey) { s.Dissatisfied = "12" }},
		{"queues[0].survey.q2_digits", func(s *Survey) { s.Q2Digits = "1x" }},
		{"queues[0].survey.on_dissatisfied", func(s *Survey) { s.OnDissatisfied = "email" }},
		{"queues[0].survey.prompts.zh", func(s *Survey) { s.Prompts = map[string]SurveyPrompts{"en": s.Prompts["zh"]} }},
		{"queues[0].survey.prompts.zh.q2", func(s *Survey) { s.Prompts["zh"] = SurveyPrompts{Q1: "sound:q1", Thanks: "sound:t"} }},
		{"queues[0].survey.prompts.zh.q1", func(s *Survey) { s.Prompts["zh"] = SurveyPrompts{Q1: "q1.wav", Q2: "sound:q2", Thanks: "sound:t"} }},
	} {
		s := ok()
		c.edit(s)
		if err := ValidateSurvey("queues[0].survey", s); err == nil || err.Field != c.field {
			t.Errorf("%s: got %v", c.field, err)
		}
	}
	// the offered share is stable per call and near the percentage
	s := ok()
	half := 50
	s.OfferPercent = &half
	n := 0
	for i := range 1000 {
		id := "call" + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676))
		if s.Offers(id) {
			n++
		}
		if s.Offers(id) != s.Offers(id) {
			t.Fatal("not stable")
		}
	}
	if n < 400 || n > 600 {
		t.Errorf("%d of 1000 offered at 50%%", n)
	}
	if s.Rating("1") != RatingSatisfied || s.Rating("3") != RatingDissatisfied || s.Rating("9") != "" {
		t.Error("ratings")
	}
}
