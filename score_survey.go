package callfloor

import "fmt"

// The post-call survey's bonus item on the monthly score (ScoreRule.SurveyBonusPoints).

func (r ScoreRule) validateSurveyBonus() error {
	if r.SurveyBonusPoints == 0 {
		return nil
	}
	if r.SurveyBonusPoints < r.BonusItemMin || r.SurveyBonusPoints > r.BonusItemMax {
		return invalid("survey_bonus_points", "must be 0 (off) or a bonus item's %d–%d points, got %d", r.BonusItemMin, r.BonusItemMax, r.SurveyBonusPoints).
			With(CodeOutOfRange, Params{"min": r.BonusItemMin, "max": r.BonusItemMax, "value": r.SurveyBonusPoints})
	}
	if r.SurveyBonusMinResponses < 1 || r.SurveyBonusMinResponses > 100000 {
		return invalid("survey_bonus_min_responses", "must be 1–100000, got %d", r.SurveyBonusMinResponses).
			With(CodeOutOfRange, Params{"min": 1, "max": 100000, "value": r.SurveyBonusMinResponses})
	}
	if !finiteFloat(r.SurveyBonusMinPercent) || r.SurveyBonusMinPercent <= 0 || r.SurveyBonusMinPercent > 100 {
		return invalid("survey_bonus_min_percent", "must be above 0 and at most 100, got %v", r.SurveyBonusMinPercent).
			With(CodeOutOfRange, Params{"min": 0, "max": 100, "value": r.SurveyBonusMinPercent})
	}
	return nil
}

// SurveyBonusEvidence is the survey bonus line's evidence for a month.
func SurveyBonusEvidence(month string) string { return "survey:" + month }

// surveyBonus is the survey bonus item the agent earned in the month (none: nil). Its reason
// shows the figure with its denominator: "satisfaction 38/40 = 95.0% (≥ 90%, ≥ 30 responses)".
func surveyBonus(r ScoreRule, in ScoreInputs) []ScoreEntry {
	n, sat := in.SurveyResponses, in.SurveySatisfied
	if r.SurveyBonusPoints <= 0 || n <= 0 || n < r.SurveyBonusMinResponses {
		return nil
	}
	pct := 100 * float64(sat) / float64(n)
	if pct+1e-9 < r.SurveyBonusMinPercent {
		return nil
	}
	return []ScoreEntry{{Points: r.SurveyBonusPoints, By: "system", Evidence: SurveyBonusEvidence(in.Month),
		Reason: fmt.Sprintf("satisfaction %d/%d = %.1f%% (≥ %g%%, ≥ %d responses)", sat, n, pct, r.SurveyBonusMinPercent, r.SurveyBonusMinResponses)}}
}
