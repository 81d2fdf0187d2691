package callfloor

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// The monthly 100-point score of the operations manuals (issue 12):
//
//	100 = attendance 20 + evaluation 80 (+ bonus, at most 10)
//
//   - attendance 20: −2 per late arrival or early leave, −4 per sick or personal leave, floor 0;
//   - evaluation 80, four buckets of 20, each floored at 0:
//     timeliness (−2 per minute over the average-handling-time limit, or per case over its time
//     limit), accuracy (−4 per point below the standard), the monthly business exam (−4 per 5
//     points below the pass mark), other conduct (−1 to −10 by severity);
//   - bonus: 1–5 per item, at most 10 a month;
//   - "each deduction is counted once" (不重复扣减): a fact (a day's late arrival, a call, an
//     evaluation…) named by its evidence key is deducted once, in the first bucket that counts it,
//     however many times it is entered;
//   - the standards change by date (accuracy 97 % then 99 %, exam pass mark 80 then 90): the rule
//     is data with versions and effective months (ScoreRules.At).
//
// A part of a minute, point or 5-point step counts as a whole one ("per started minute"): an AHT
// 10 s over its limit costs 2 points, an accuracy of 98.2 % against 99 % costs 4. Every deduction
// and bonus keeps its evidence so the sheet can show why.

// Score buckets.
const (
	BucketAttendance = "attendance"
	BucketTimeliness = "timeliness"
	BucketAccuracy   = "accuracy"
	BucketExam       = "exam"
	BucketConduct    = "conduct"
	BucketBonus      = "bonus"
)

// ScoreBuckets are the five scored buckets in the order deductions are counted (不重复扣减: a fact
// deducted in an earlier bucket is not deducted again in a later one).
var ScoreBuckets = []string{BucketAttendance, BucketTimeliness, BucketAccuracy, BucketExam, BucketConduct}

// Attendance facts.
const (
	AttendanceLate  = "late"  // the first work of a rostered day started more than the grace after the shift start
	AttendanceEarly = "early" // the last work ended more than the grace before the shift end
	AttendanceLeave = "leave" // a leave of LeaveType (deducted if the rule's DeductedLeave lists it)
)

// Leave types.
const (
	LeaveSick         = "sick"
	LeavePersonal     = "personal"
	LeaveAnnual       = "annual"
	LeaveMarriage     = "marriage"
	LeaveMaternity    = "maternity" // maternity or paternity
	LeaveCompensatory = "compensatory"
)

// LeaveTypes are the leave types callfloor knows.
var LeaveTypes = []string{LeaveSick, LeavePersonal, LeaveAnnual, LeaveMarriage, LeaveMaternity, LeaveCompensatory}

// ScoreRule is one version of the score's rule. Points are whole numbers.
type ScoreRule struct {
	Version int `json:"version"`
	// EffectiveFrom is the first month ("2026-11") the version scores; it scores every month
	// until the next version's.
	EffectiveFrom string `json:"effective_from"`
	Note          string `json:"note,omitempty"`

	AttendanceMax int      `json:"attendance_max"` // 20
	LatePoints    int      `json:"late_points"`    // 2 per late arrival or early leave
	LeavePoints   int      `json:"leave_points"`   // 4 per leave of a deducted type
	DeductedLeave []string `json:"deducted_leave"` // sick, personal

	BucketMax int `json:"bucket_max"` // 20: each of timeliness, accuracy, exam, conduct

	TimelinessPerMinute int `json:"timeliness_per_minute"` // 2 per started minute of AHT over the limit
	TimelinessPerCase   int `json:"timeliness_per_case"`   // 2 per case over its time limit

	AccuracyStandard float64 `json:"accuracy_standard"`  // percent: 97, then 99
	AccuracyPerPoint int     `json:"accuracy_per_point"` // 4 per started point below

	ExamPassMark float64 `json:"exam_pass_mark"` // 80, then 90
	ExamStep     float64 `json:"exam_step"`      // 5 points
	ExamPerStep  int     `json:"exam_per_step"`  // 4 per started step below

	ConductMin int `json:"conduct_min"` // 1
	ConductMax int `json:"conduct_max"` // 10

	BonusItemMin int `json:"bonus_item_min"` // 1
	BonusItemMax int `json:"bonus_item_max"` // 5
	BonusCap     int `json:"bonus_cap"`      // 10 a month

	// The post-call survey's bonus item (issue 14; off while SurveyBonusPoints is 0): an agent
	// with at least SurveyBonusMinResponses survey responses in the month and a satisfaction
	// (satisfied ÷ responses) of at least SurveyBonusMinPercent gets a bonus item of
	// SurveyBonusPoints, evidence "survey:<month>".
	SurveyBonusPoints       int     `json:"survey_bonus_points,omitempty"`
	SurveyBonusMinResponses int     `json:"survey_bonus_min_responses,omitempty"`
	SurveyBonusMinPercent   float64 `json:"survey_bonus_min_percent,omitempty"`

	// Money: the attendance bonus is paid in full with a full attendance score and not at all
	// otherwise (全勤奖); the evaluation bonus in proportion to the evaluation score out of its
	// maximum. In fen (0.01 yuan): 20000 = 200 yuan.
	AttendanceBonusFen int64 `json:"attendance_bonus_fen"`
	EvaluationBonusFen int64 `json:"evaluation_bonus_fen"`
}

// DefaultScoreRule is the manuals' rule with their first standards (accuracy 97 %, exam pass
// mark 80), in force from effectiveFrom ("2006-01").
func DefaultScoreRule(effectiveFrom string) ScoreRule {
	return ScoreRule{Version: 1, EffectiveFrom: effectiveFrom,
		AttendanceMax: 20, LatePoints: 2, LeavePoints: 4, DeductedLeave: []string{LeaveSick, LeavePersonal},
		BucketMax: 20, TimelinessPerMinute: 2, TimelinessPerCase: 2,
		AccuracyStandard: 97, AccuracyPerPoint: 4,
		ExamPassMark: 80, ExamStep: 5, ExamPerStep: 4,
		ConductMin: 1, ConductMax: 10,
		BonusItemMin: 1, BonusItemMax: 5, BonusCap: 10,
		AttendanceBonusFen: 20000, EvaluationBonusFen: 20000}
}

// EvaluationMax is the evaluation part's maximum: four buckets.
func (r ScoreRule) EvaluationMax() int { return 4 * r.BucketMax }

func validMonth(s string) bool {
	_, err := time.Parse("2006-01", s)
	return err == nil && len(s) == 7
}

// CheckMonth is nil for a month YYYY-MM, else an invalid_format error naming field.
func CheckMonth(field, v string) error {
	if !validMonth(v) {
		return invalid(field, "must be a month YYYY-MM, got %q", v).With(CodeInvalidFormat, Params{"format": "month", "value": v})
	}
	return nil
}

func validDay(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil && len(s) == 10
}

// Validate checks a rule version.
func (r ScoreRule) Validate() error {
	if r.Version < 1 {
		return invalid("version", "must be 1 or more, got %d", r.Version).With(CodeOutOfRange, Params{"min": 1, "value": r.Version})
	}
	if err := CheckMonth("effective_from", r.EffectiveFrom); err != nil {
		return err
	}
	nonNeg := []struct {
		f string
		v int
	}{{"attendance_max", r.AttendanceMax}, {"late_points", r.LatePoints}, {"leave_points", r.LeavePoints},
		{"bucket_max", r.BucketMax}, {"timeliness_per_minute", r.TimelinessPerMinute}, {"timeliness_per_case", r.TimelinessPerCase},
		{"accuracy_per_point", r.AccuracyPerPoint}, {"exam_per_step", r.ExamPerStep}, {"conduct_min", r.ConductMin},
		{"bonus_item_min", r.BonusItemMin}, {"bonus_cap", r.BonusCap}}
	for _, n := range nonNeg {
		if n.v < 0 || n.v > 1000 {
			return invalid(n.f, "must be 0–1000, got %d", n.v).With(CodeOutOfRange, Params{"min": 0, "max": 1000, "value": n.v})
		}
	}
	if r.ConductMax < r.ConductMin {
		return invalid("conduct_max", "must not be below conduct_min").With(CodeMustBeAfter, Params{"other": "conduct_min"})
	}
	if r.BonusItemMax < r.BonusItemMin {
		return invalid("bonus_item_max", "must not be below bonus_item_min").With(CodeMustBeAfter, Params{"other": "bonus_item_min"})
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"accuracy_standard", r.AccuracyStandard}, {"exam_pass_mark", r.ExamPassMark}} {
		if !finiteFloat(f.v) || f.v < 0 || f.v > 100 {
			return invalid(f.name, "must be 0–100, got %v", f.v).With(CodeOutOfRange, Params{"min": 0, "max": 100, "value": f.v})
		}
	}
	if !finiteFloat(r.ExamStep) || r.ExamStep <= 0 || r.ExamStep > 100 {
		return invalid("exam_step", "must be above 0 and at most 100, got %v", r.ExamStep).With(CodeOutOfRange, Params{"min": 0, "max": 100, "value": r.ExamStep})
	}
	for _, l := range r.DeductedLeave {
		if !slices.Contains(LeaveTypes, l) {
			return invalid("deducted_leave", "unknown leave type %q", l).With(CodeInvalidChoice, Params{"allowed": LeaveTypes, "value": l})
		}
	}
	if r.AttendanceBonusFen < 0 || r.EvaluationBonusFen < 0 {
		return invalid("attendance_bonus_fen", "bonuses must not be negative").With(CodeOutOfRange, Params{"min": 0})
	}
	return r.validateSurveyBonus()
}

// ScoreRules are the versions of the rule.
type ScoreRules []ScoreRule

// Validate checks every version and that versions and effective months are distinct.
func (rs ScoreRules) Validate() error {
	if len(rs) == 0 {
		return invalid("rules", "at least one version is needed").With(CodeTooFew, Params{"min": 1})
	}
	seenV, seenM := map[int]bool{}, map[string]bool{}
	for _, r := range rs {
		if err := r.Validate(); err != nil {
			return err
		}
		if seenV[r.Version] {
			return invalid("version", "version %d twice", r.Version).With(CodeDuplicate, Params{"value": r.Version})
		}
		if seenM[r.EffectiveFrom] {
			return invalid("effective_from", "two versions from %s", r.EffectiveFrom).With(CodeDuplicate, Params{"value": r.EffectiveFrom})
		}
		seenV[r.Version], seenM[r.EffectiveFrom] = true, true
	}
	return nil
}

// At is the version in force in month ("2026-11"): the one with the latest EffectiveFrom not after
// it. A month before every version is not_found.
func (rs ScoreRules) At(month string) (ScoreRule, error) {
	if err := CheckMonth("month", month); err != nil {
		return ScoreRule{}, err
	}
	var best *ScoreRule
	for i := range rs {
		r := &rs[i]
		if r.EffectiveFrom <= month && (best == nil || r.EffectiveFrom > best.EffectiveFrom) {
			best = r
		}
	}
	if best == nil {
		return ScoreRule{}, Errorf(ENOTFOUND, "no score rule in force in %s", month).With(CodeNotFound, Params{"what": "score_rule", "value": month})
	}
	return *best, nil
}

// AttendanceFact is one late arrival, early leave or leave of the month, as attendance (or an
// approved leave request) recorded it.
type AttendanceFact struct {
	Kind      string `json:"kind"`                 // late, early, leave
	Day       string `json:"day"`                  // YYYY-MM-DD, in the month
	Minutes   int    `json:"minutes,omitempty"`    // how late / how early (shown, not scored)
	LeaveType string `json:"leave_type,omitempty"` // for leave
	Evidence  string `json:"evidence,omitempty"`   // default "<kind>:<day>" (leave: "leave:<day>")
}

// ScoreEntry is a conduct deduction or a bonus item entered by a person, with its reason.
type ScoreEntry struct {
	Points   int    `json:"points"` // positive: the size of the deduction or bonus
	Reason   string `json:"reason"`
	Evidence string `json:"evidence,omitempty"` // e.g. "call:<id>", "eval:<id>", "day:2026-11-03"
	By       string `json:"by,omitempty"`
}

// ScoreInputs are an agent's month: the facts the system knows and what people entered. A nil
// pointer is "no data" (no calls, no evaluation, no exam): nothing is deducted and the sheet
// lists the bucket in Missing.
type ScoreInputs struct {
	Agent string `json:"agent"`
	Month string `json:"month"` // YYYY-MM

	Attendance []AttendanceFact `json:"attendance"`

	AHTSeconds         *float64 `json:"aht_seconds,omitempty"` // the month's average handling time
	AHTLimitSeconds    *float64 `json:"aht_limit_seconds,omitempty"`
	AHTEvidence        string   `json:"aht_evidence,omitempty"`          // default "aht:<month>"
	CasesOverTimeLimit []string `json:"cases_over_time_limit,omitempty"` // evidence keys ("ticket:123")

	AccuracyPercent  *float64 `json:"accuracy_percent,omitempty"`
	AccuracyEvidence string   `json:"accuracy_evidence,omitempty"` // default "accuracy:<month>"

	ExamScore    *float64 `json:"exam_score,omitempty"`
	ExamEvidence string   `json:"exam_evidence,omitempty"` // default "exam:<month>"

	Conduct []ScoreEntry `json:"conduct,omitempty"`
	Bonus   []ScoreEntry `json:"bonus,omitempty"`

	// The month's post-call surveys answered about the agent (responses) and how many said
	// satisfied: the survey bonus's facts (ScoreRule.SurveyBonusPoints).
	SurveyResponses int `json:"survey_responses,omitempty"`
	SurveySatisfied int `json:"survey_satisfied,omitempty"`
}

// ScoreLine is one deduction (negative points) or bonus (positive) on the sheet.
type ScoreLine struct {
	Bucket   string `json:"bucket"`
	Points   int    `json:"points"`
	Cause    string `json:"cause"` // late, early, leave, aht, case, accuracy, exam, conduct, bonus
	Detail   string `json:"detail,omitempty"`
	Evidence string `json:"evidence"`
	// Counted is false for a line not counted: its evidence was deducted already (不重复扣减), or a
	// bonus over the month's cap (Points then the part over the cap that was dropped).
	Counted bool   `json:"counted"`
	Why     string `json:"why,omitempty"` // duplicate, cap, floor
}

// ScoreSheet is the month's score of an agent.
type ScoreSheet struct {
	Agent       string         `json:"agent"`
	Month       string         `json:"month"`
	RuleVersion int            `json:"rule_version"`
	Buckets     map[string]int `json:"buckets"` // attendance, timeliness, accuracy, exam, conduct, bonus
	Evaluation  int            `json:"evaluation"`
	Total       int            `json:"total"` // attendance + evaluation + bonus
	Lines       []ScoreLine    `json:"lines"`
	// Missed are the targets missed this month (a deduction in timeliness, accuracy or exam):
	// the input of TrainingFlags.
	Missed  []string `json:"missed"`
	Missing []string `json:"missing"` // buckets without data (nothing deducted)

	AttendanceBonusFen int64 `json:"attendance_bonus_fen"`
	EvaluationBonusFen int64 `json:"evaluation_bonus_fen"`
}

// startedUnits is how many whole or started units of size step over is (0 for over ≤ 0), with
// float noise below a millionth of a unit ignored (98.2 below 99 is 0.8: one point; 90 − 80 is 10:
// two 5-point steps, not three).
func startedUnits(over, step float64) int {
	if over <= 0 {
		return 0
	}
	u := over / step
	r := math.Round(u)
	if math.Abs(u-r) < 1e-6 {
		return int(r)
	}
	return int(math.Ceil(u))
}

func percentInput(field string, p *float64) error {
	if p != nil && (!finiteFloat(*p) || *p < 0 || *p > 100) {
		return invalid(field, "must be 0–100, got %v", *p).With(CodeOutOfRange, Params{"min": 0, "max": 100, "value": *p})
	}
	return nil
}

func (in ScoreInputs) validate(r ScoreRule) error {
	if strings.TrimSpace(in.Agent) == "" {
		return invalid("agent", "is required").With(CodeRequired, nil)
	}
	for i, f := range in.Attendance {
		field := fmt.Sprintf("attendance[%d]", i)
		switch f.Kind {
		case AttendanceLate, AttendanceEarly:
		case AttendanceLeave:
			if !slices.Contains(LeaveTypes, f.LeaveType) {
				return invalid(field+".leave_type", "unknown leave type %q", f.LeaveType).With(CodeInvalidChoice, Params{"allowed": LeaveTypes, "value": f.LeaveType})
			}
		default:
			return invalid(field+".kind", "must be late, early or leave, got %q", f.Kind).With(CodeInvalidChoice,
				Params{"allowed": []string{AttendanceLate, AttendanceEarly, AttendanceLeave}, "value": f.Kind})
		}
		if !validDay(f.Day) || f.Day[:7] != in.Month {
			return invalid(field+".day", "must be a day YYYY-MM-DD of %s, got %q", in.Month, f.Day).With(CodeInvalidFormat, Params{"format": "date", "value": f.Day})
		}
		if f.Minutes < 0 {
			return invalid(field+".minutes", "must not be negative").With(CodeOutOfRange, Params{"min": 0, "value": f.Minutes})
		}
	}
	for _, s := range []struct {
		f string
		v *float64
	}{{"aht_seconds", in.AHTSeconds}, {"aht_limit_seconds", in.AHTLimitSeconds}} {
		if s.v != nil && (!finiteFloat(*s.v) || *s.v < 0) {
			return invalid(s.f, "must be 0 or more, got %v", *s.v).With(CodeOutOfRange, Params{"min": 0, "value": *s.v})
		}
	}
	if err := percentInput("accuracy_percent", in.AccuracyPercent); err != nil {
		return err
	}
	if err := percentInput("exam_score", in.ExamScore); err != nil {
		return err
	}
	entries := func(name string, es []ScoreEntry, lo, hi int) error {
		for i, e := range es {
			field := fmt.Sprintf("%s[%d]", name, i)
			if e.Points < lo || e.Points > hi {
				return invalid(field+".points", "must be %d–%d, got %d", lo, hi, e.Points).With(CodeOutOfRange, Params{"min": lo, "max": hi, "value": e.Points})
			}
			if strings.TrimSpace(e.Reason) == "" {
				return invalid(field+".reason", "is required").With(CodeRequired, nil)
			}
		}
		return nil
	}
	if err := entries("conduct", in.Conduct, r.ConductMin, r.ConductMax); err != nil {
		return err
	}
	return entries("bonus", in.Bonus, r.BonusItemMin, r.BonusItemMax)
}

// Score computes an agent's month under the rule in force (rules.At(in.Month)).
func Score(rules ScoreRules, in ScoreInputs) (*ScoreSheet, error) {
	r, err := rules.At(in.Month)
	if err != nil {
		return nil, err
	}
	if err := in.validate(r); err != nil {
		return nil, err
	}
	s := &ScoreSheet{Agent: in.Agent, Month: in.Month, RuleVersion: r.Version, Buckets: map[string]int{},
		Lines: []ScoreLine{}, Missed: []string{}, Missing: []string{}}
	counted := map[string]bool{} // evidence already deducted
	deduct := func(bucket, cause, detail, evidence string, points int) {
		l := ScoreLine{Bucket: bucket, Points: -points, Cause: cause, Detail: detail, Evidence: evidence, Counted: true}
		if counted[evidence] {
			l.Counted, l.Why = false, "duplicate"
		}
		counted[evidence] = true
		s.Lines = append(s.Lines, l)
	}

	// attendance, in day order (the order facts arrive in does not change the sheet)
	att := slices.Clone(in.Attendance)
	slices.SortStableFunc(att, func(a, b AttendanceFact) int {
		return cmp.Or(cmp.Compare(a.Day, b.Day), cmp.Compare(a.Kind, b.Kind))
	})
	for _, f := range att {
		ev := f.Evidence
		if ev == "" {
			ev = f.Kind + ":" + f.Day
		}
		switch f.Kind {
		case AttendanceLate, AttendanceEarly:
			deduct(BucketAttendance, f.Kind, fmt.Sprintf("%s %d min", f.Day, f.Minutes), ev, r.LatePoints)
		case AttendanceLeave:
			if slices.Contains(r.DeductedLeave, f.LeaveType) {
				deduct(BucketAttendance, AttendanceLeave, f.Day+" "+f.LeaveType, ev, r.LeavePoints)
			}
		}
	}

	// timeliness
	if in.AHTSeconds != nil && in.AHTLimitSeconds != nil {
		ev := cmp.Or(in.AHTEvidence, "aht:"+in.Month)
		if n := startedUnits(*in.AHTSeconds-*in.AHTLimitSeconds, 60); n > 0 {
			deduct(BucketTimeliness, "aht", fmt.Sprintf("AHT %.0f s, limit %.0f s: %d min over", *in.AHTSeconds, *in.AHTLimitSeconds, n), ev, n*r.TimelinessPerMinute)
		}
	} else if len(in.CasesOverTimeLimit) == 0 {
		s.Missing = append(s.Missing, BucketTimeliness)
	}
	for _, c := range in.CasesOverTimeLimit {
		deduct(BucketTimeliness, "case", c, c, r.TimelinessPerCase)
	}

	// accuracy
	if in.AccuracyPercent != nil {
		if n := startedUnits(r.AccuracyStandard-*in.AccuracyPercent, 1); n > 0 {
			deduct(BucketAccuracy, "accuracy", fmt.Sprintf("%.2f %% against %.2f %%: %d points below", *in.AccuracyPercent, r.AccuracyStandard, n),
				cmp.Or(in.AccuracyEvidence, "accuracy:"+in.Month), n*r.AccuracyPerPoint)
		}
	} else {
		s.Missing = append(s.Missing, BucketAccuracy)
	}

	// exam
	if in.ExamScore != nil {
		if n := startedUnits(r.ExamPassMark-*in.ExamScore, r.ExamStep); n > 0 {
			deduct(BucketExam, "exam", fmt.Sprintf("%.1f against a pass mark of %.1f: %d × %.0f points below", *in.ExamScore, r.ExamPassMark, n, r.ExamStep),
				cmp.Or(in.ExamEvidence, "exam:"+in.Month), n*r.ExamPerStep)
		}
	} else {
		s.Missing = append(s.Missing, BucketExam)
	}

	// conduct: an entry without evidence is its own fact
	for i, e := range in.Conduct {
		ev := cmp.Or(e.Evidence, fmt.Sprintf("conduct:%s:%d", in.Month, i))
		deduct(BucketConduct, "conduct", e.Reason, ev, e.Points)
	}

	// buckets, floored at 0
	maxOf := map[string]int{BucketAttendance: r.AttendanceMax, BucketTimeliness: r.BucketMax, BucketAccuracy: r.BucketMax,
		BucketExam: r.BucketMax, BucketConduct: r.BucketMax}
	for _, b := range ScoreBuckets {
		v := maxOf[b]
		for _, l := range s.Lines {
			if l.Bucket == b && l.Counted {
				v += l.Points
			}
		}
		s.Buckets[b] = v
		if v < 0 {
			s.Buckets[b] = 0
		}
		if v < maxOf[b] && (b == BucketTimeliness || b == BucketAccuracy || b == BucketExam) {
			s.Missed = append(s.Missed, b)
		}
	}

	// bonus, capped; the same evidence is one bonus
	bonus := 0
	seenBonus := map[string]bool{}
	for i, e := range append(surveyBonus(r, in), in.Bonus...) {
		ev := cmp.Or(e.Evidence, fmt.Sprintf("bonus:%s:%d", in.Month, i))
		l := ScoreLine{Bucket: BucketBonus, Points: e.Points, Cause: "bonus", Detail: e.Reason, Evidence: ev, Counted: true}
		switch {
		case seenBonus[ev]:
			l.Counted, l.Why = false, "duplicate"
		case bonus+e.Points > r.BonusCap:
			room := r.BonusCap - bonus
			if room > 0 {
				s.Lines = append(s.Lines, ScoreLine{Bucket: BucketBonus, Points: room, Cause: "bonus", Detail: e.Reason, Evidence: ev, Counted: true})
			}
			l.Points, l.Counted, l.Why = e.Points-room, false, "cap"
			bonus += room
		default:
			bonus += e.Points
		}
		seenBonus[ev] = true
		s.Lines = append(s.Lines, l)
	}
	s.Buckets[BucketBonus] = bonus

	s.Evaluation = s.Buckets[BucketTimeliness] + s.Buckets[BucketAccuracy] + s.Buckets[BucketExam] + s.Buckets[BucketConduct]
	s.Total = s.Buckets[BucketAttendance] + s.Evaluation + bonus
	if s.Buckets[BucketAttendance] == r.AttendanceMax {
		s.AttendanceBonusFen = r.AttendanceBonusFen
	}
	if em := int64(r.EvaluationMax()); em > 0 {
		s.EvaluationBonusFen = (r.EvaluationBonusFen*int64(s.Evaluation)*2 + em) / (2 * em) // rounded half up to a fen
	}
	return s, nil
}

// ScoreTotal is an agent's total over a period (a half year, a year).
type ScoreTotal struct {
	Agent   string  `json:"agent"`
	Months  int     `json:"months"`
	Total   int     `json:"total"`
	Average float64 `json:"average"`
	Rank    int     `json:"rank"` // 1 = best; equal totals share a rank (1, 2, 2, 4)
}

// PeriodOf is the half year ("2026-H2") and the year ("2026") of a month.
func PeriodOf(month string) (half, year string) {
	if !validMonth(month) {
		return "", ""
	}
	h := "H1"
	if month[5:] > "06" {
		h = "H2"
	}
	return month[:4] + "-" + h, month[:4]
}

// RankScores totals the sheets per agent and ranks them by total, then by average (an agent with
// fewer months scored is not ranked above one with the same total over more), then by agent.
func RankScores(sheets []ScoreSheet) []ScoreTotal {
	by := map[string]*ScoreTotal{}
	for _, s := range sheets {
		t := by[s.Agent]
		if t == nil {
			t = &ScoreTotal{Agent: s.Agent}
			by[s.Agent] = t
		}
		t.Months++
		t.Total += s.Total
	}
	out := make([]ScoreTotal, 0, len(by))
	for _, t := range by {
		t.Average = float64(t.Total) / float64(t.Months)
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b ScoreTotal) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), cmp.Compare(a.Agent, b.Agent))
	})
	for i := range out {
		if i > 0 && out[i].Total == out[i-1].Total {
			out[i].Rank = out[i-1].Rank
		} else {
			out[i].Rank = i + 1
		}
	}
	return out
}

// TrainingFlag says an agent is to leave the floor for training: the same target missed two
// months running, or three times in six months.
type TrainingFlag struct {
	Agent  string   `json:"agent"`
	Target string   `json:"target"` // timeliness, accuracy, exam
	Rule   string   `json:"rule"`   // two_running, three_in_six
	Months []string `json:"months"` // the months that missed it
}

func monthIndex(m string) int {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return -1
	}
	return t.Year()*12 + int(t.Month()) - 1
}

// TrainingFlags reads an agent's sheets (any order) as of month asOf: a flag for each target missed
// in asOf and the month before ("two_running"), or in three of the six months ending with asOf
// ("three_in_six"; reported when two_running is not). A flag is raised by a month that missed the
// target, so a month that met every target raises none.
func TrainingFlags(sheets []ScoreSheet, asOf string) []TrainingFlag {
	now := monthIndex(asOf)
	missed := map[string]map[string]map[int]bool{} // agent → target → month index
	for _, s := range sheets {
		i := monthIndex(s.Month)
		if i < 0 || i > now || i <= now-6 {
			continue
		}
		for _, t := range s.Missed {
			if missed[s.Agent] == nil {
				missed[s.Agent] = map[string]map[int]bool{}
			}
			if missed[s.Agent][t] == nil {
				missed[s.Agent][t] = map[int]bool{}
			}
			missed[s.Agent][t][i] = true
		}
	}
	name := func(i int) string { return fmt.Sprintf("%04d-%02d", i/12, i%12+1) }
	var out []TrainingFlag
	for agent, ts := range missed {
		for target, ms := range ts {
			if !ms[now] {
				continue // raised in the month that makes it; not again in a month that did not miss
			}
			if ms[now-1] {
				out = append(out, TrainingFlag{Agent: agent, Target: target, Rule: "two_running", Months: []string{name(now - 1), name(now)}})
				continue
			}
			if len(ms) >= 3 {
				var months []string
				for i := now - 5; i <= now; i++ {
					if ms[i] {
						months = append(months, name(i))
					}
				}
				out = append(out, TrainingFlag{Agent: agent, Target: target, Rule: "three_in_six", Months: months})
			}
		}
	}
	slices.SortFunc(out, func(a, b TrainingFlag) int {
		return cmp.Or(cmp.Compare(a.Agent, b.Agent), slices.Index(ScoreBuckets, a.Target)-slices.Index(ScoreBuckets, b.Target))
	})
	return out
}
