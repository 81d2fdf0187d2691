package callfloor

import (
	"errors"
	"math/rand"
	"reflect"
	"testing"
)

// The rule of the manuals, with the November change of standards: accuracy 97 % → 99 %, exam pass
// mark 80 → 90.
func novemberRules() ScoreRules {
	v1 := DefaultScoreRule("2026-01")
	v2 := DefaultScoreRule("2026-11")
	v2.Version, v2.AccuracyStandard, v2.ExamPassMark = 2, 99, 90
	return ScoreRules{v2, v1} // any order
}

func f64(v float64) *float64 { return &v }

func mustScore(t *testing.T, rules ScoreRules, in ScoreInputs) *ScoreSheet {
	t.Helper()
	s, err := Score(rules, in)
	if err != nil {
		t.Fatalf("Score(%s): %v", in.Month, err)
	}
	return s
}

func wantBuckets(t *testing.T, s *ScoreSheet, want map[string]int, total int) {
	t.Helper()
	for b, v := range want {
		if s.Buckets[b] != v {
			t.Errorf("%s %s = %d, want %d (lines %+v)", s.Month, b, s.Buckets[b], v, s.Lines)
		}
	}
	if s.Total != total {
		t.Errorf("%s total = %d, want %d", s.Month, s.Total, total)
	}
}

func clean(month string) ScoreInputs {
	return ScoreInputs{Agent: "1001", Month: month, AHTSeconds: f64(170), AHTLimitSeconds: f64(183.6),
		AccuracyPercent: f64(100), ExamScore: f64(100)}
}

func TestScorePerfectMonth(t *testing.T) {
	s := mustScore(t, novemberRules(), clean("2026-11"))
	wantBuckets(t, s, map[string]int{BucketAttendance: 20, BucketTimeliness: 20, BucketAccuracy: 20, BucketExam: 20, BucketConduct: 20, BucketBonus: 0}, 100)
	if s.Evaluation != 80 || s.RuleVersion != 2 || len(s.Missed) != 0 || len(s.Missing) != 0 {
		t.Fatalf("%+v", s)
	}
	if s.AttendanceBonusFen != 20000 || s.EvaluationBonusFen != 20000 {
		t.Fatalf("bonuses %d / %d fen, want 200 yuan each", s.AttendanceBonusFen, s.EvaluationBonusFen)
	}
}

// The manuals' rule, worked through on one month: every bucket at once.
func TestScoreWorkedExample(t *testing.T) {
	in := clean("2026-11")
	in.Attendance = []AttendanceFact{
		{Kind: AttendanceLate, Day: "2026-11-03", Minutes: 7},
		{Kind: AttendanceEarly, Day: "2026-11-10", Minutes: 12},
		{Kind: AttendanceLate, Day: "2026-11-17", Minutes: 25},
		{Kind: AttendanceLeave, Day: "2026-11-20", LeaveType: LeaveSick},
		{Kind: AttendanceLeave, Day: "2026-11-24", LeaveType: LeaveAnnual}, // not deducted
	}
	in.AHTSeconds = f64(250) // 66.4 s over 183.6 s (3.06 min): 2 started minutes, −4
	in.AccuracyPercent = f64(98.5)
	in.ExamScore = f64(82)
	in.Conduct = []ScoreEntry{{Points: 3, Reason: "eating at the desk", Evidence: "day:2026-11-05"}}
	in.Bonus = []ScoreEntry{{Points: 4, Reason: "customer praise", Evidence: "call:abc"}, {Points: 2, Reason: "helped train new starters"}}
	s := mustScore(t, novemberRules(), in)
	// attendance 20 − 2 − 2 − 2 − 4 = 10; timeliness 20 − 4 = 16; accuracy 99 − 98.5 = 0.5: one
	// started point, 20 − 4 = 16; exam 90 − 82 = 8: two started 5-point steps, 20 − 8 = 12;
	// conduct 20 − 3 = 17; bonus 6. Total 10 + 61 + 6 = 77.
	wantBuckets(t, s, map[string]int{BucketAttendance: 10, BucketTimeliness: 16, BucketAccuracy: 16, BucketExam: 12, BucketConduct: 17, BucketBonus: 6}, 77)
	if s.Evaluation != 61 {
		t.Fatalf("evaluation %d, want 61", s.Evaluation)
	}
	if s.AttendanceBonusFen != 0 || s.EvaluationBonusFen != 15250 { // 200 yuan × 61 ÷ 80 = 152.50
		t.Fatalf("bonuses %d / %d fen, want 0 / 15250", s.AttendanceBonusFen, s.EvaluationBonusFen)
	}
	if !reflect.DeepEqual(s.Missed, []string{BucketTimeliness, BucketAccuracy, BucketExam}) {
		t.Fatalf("missed %v", s.Missed)
	}
	var evidence []string
	for _, l := range s.Lines {
		if l.Counted && l.Points < 0 {
			evidence = append(evidence, l.Evidence)
		}
	}
	want := []string{"late:2026-11-03", "early:2026-11-10", "late:2026-11-17", "leave:2026-11-20", "aht:2026-11",
		"accuracy:2026-11", "exam:2026-11", "day:2026-11-05"}
	if !reflect.DeepEqual(evidence, want) {
		t.Fatalf("every deduction linked to its evidence: %v, want %v", evidence, want)
	}
}

// The November change of standards: the same facts score differently in October and November.
func TestScoreStandardsChangeInNovember(t *testing.T) {
	rules := novemberRules()
	for _, c := range []struct {
		month                  string
		accuracy, exam         float64
		wantAccuracy, wantExam int
		version                int
	}{
		{"2026-10", 98.2, 85, 20, 20, 1}, // above 97 and 80
		{"2026-11", 98.2, 85, 16, 16, 2}, // 0.8 below 99: −4; 5 below 90: one step, −4
		{"2026-12", 98.2, 85, 16, 16, 2},
		{"2026-10", 96, 70, 16, 12, 1}, // 1 below 97; 10 below 80: two steps (not three: float noise)
		{"2026-11", 94, 80, 0, 12, 2},  // 5 points below: −20; 10 below 90: −8
		{"2026-11", 93, 60, 0, 0, 2},   // −24 and −24 floor at 0
		{"2026-11", 99, 90, 20, 20, 2}, // exactly at the standard and the pass mark
		{"2026-11", 98.99, 89.9, 16, 16, 2},
	} {
		in := clean(c.month)
		in.AccuracyPercent, in.ExamScore = f64(c.accuracy), f64(c.exam)
		s := mustScore(t, rules, in)
		if s.RuleVersion != c.version || s.Buckets[BucketAccuracy] != c.wantAccuracy || s.Buckets[BucketExam] != c.wantExam {
			t.Errorf("%s accuracy %v exam %v: v%d accuracy %d exam %d, want v%d %d %d", c.month, c.accuracy, c.exam,
				s.RuleVersion, s.Buckets[BucketAccuracy], s.Buckets[BucketExam], c.version, c.wantAccuracy, c.wantExam)
		}
	}
	if _, err := rules.At("2025-12"); err == nil || ErrorCode(err) != ENOTFOUND {
		t.Fatalf("a month before every version: %v", err)
	}
}

func TestScoreFloorsAndCap(t *testing.T) {
	in := clean("2026-11")
	for d := 1; d <= 8; d++ { // 8 lates: −16, and 2 personal leaves: −8 → −4, floored at 0
		in.Attendance = append(in.Attendance, AttendanceFact{Kind: AttendanceLate, Day: "2026-11-0" + string(rune('0'+d))})
	}
	in.Attendance = append(in.Attendance, AttendanceFact{Kind: AttendanceLeave, Day: "2026-11-12", LeaveType: LeavePersonal},
		AttendanceFact{Kind: AttendanceLeave, Day: "2026-11-19", LeaveType: LeavePersonal})
	in.AHTSeconds = f64(183.6 + 11*60) // 11 minutes over: −22 → 0
	in.Conduct = []ScoreEntry{{Points: 10, Reason: "a"}, {Points: 10, Reason: "b"}, {Points: 5, Reason: "c"}}
	in.Bonus = []ScoreEntry{{Points: 5, Reason: "x"}, {Points: 4, Reason: "y"}, {Points: 3, Reason: "z"}}
	s := mustScore(t, novemberRules(), in)
	wantBuckets(t, s, map[string]int{BucketAttendance: 0, BucketTimeliness: 0, BucketConduct: 0, BucketBonus: 10}, 0+0+20+20+0+10)
	var capped *ScoreLine
	for i, l := range s.Lines {
		if l.Why == "cap" {
			capped = &s.Lines[i]
		}
	}
	if capped == nil || capped.Points != 2 || capped.Counted {
		t.Fatalf("the 3-point bonus over the cap: 1 counted, 2 dropped; lines %+v", s.Lines)
	}
	// the most a month can score: 110
	in = clean("2026-11")
	in.Bonus = []ScoreEntry{{Points: 5, Reason: "x"}, {Points: 5, Reason: "y"}, {Points: 5, Reason: "z"}}
	if s := mustScore(t, novemberRules(), in); s.Total != 110 {
		t.Fatalf("total %d, want 110", s.Total)
	}
}

// 不重复扣减: a fact is deducted once, however many times or in however many buckets it is entered.
func TestScoreEachDeductionCountedOnce(t *testing.T) {
	in := clean("2026-11")
	in.Attendance = []AttendanceFact{
		{Kind: AttendanceLate, Day: "2026-11-03", Minutes: 9},
		{Kind: AttendanceLate, Day: "2026-11-03", Minutes: 9}, // entered twice
	}
	in.CasesOverTimeLimit = []string{"ticket:7", "ticket:7", "ticket:8"}
	in.Conduct = []ScoreEntry{
		{Points: 2, Reason: "late again", Evidence: "late:2026-11-03"}, // already an attendance deduction
		{Points: 4, Reason: "rude to a caller", Evidence: "call:c1"},
		{Points: 4, Reason: "rude to a caller (entered by a second lead)", Evidence: "call:c1"},
	}
	in.Bonus = []ScoreEntry{{Points: 3, Reason: "praise", Evidence: "call:c9"}, {Points: 3, Reason: "praise", Evidence: "call:c9"}}
	s := mustScore(t, novemberRules(), in)
	wantBuckets(t, s, map[string]int{BucketAttendance: 18, BucketTimeliness: 16, BucketConduct: 16, BucketBonus: 3}, 18+16+20+20+16+3)
	dup := 0
	for _, l := range s.Lines {
		if !l.Counted && l.Why == "duplicate" {
			dup++
		}
	}
	if dup != 5 {
		t.Fatalf("%d lines not counted as duplicates, want 5: %+v", dup, s.Lines)
	}
}

func TestScoreIndependentOfInputOrder(t *testing.T) {
	in := clean("2026-11")
	for _, d := range []string{"2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"} {
		in.Attendance = append(in.Attendance, AttendanceFact{Kind: AttendanceLate, Day: d}, AttendanceFact{Kind: AttendanceEarly, Day: d})
	}
	want := mustScore(t, novemberRules(), in)
	r := rand.New(rand.NewSource(1))
	for range 20 {
		r.Shuffle(len(in.Attendance), func(i, j int) { in.Attendance[i], in.Attendance[j] = in.Attendance[j], in.Attendance[i] })
		if got := mustScore(t, novemberRules(), in); !reflect.DeepEqual(got, want) {
			t.Fatalf("order changed the sheet:\n%+v\n%+v", got, want)
		}
	}
}

func TestScoreMissingData(t *testing.T) {
	s := mustScore(t, novemberRules(), ScoreInputs{Agent: "1001", Month: "2026-11"})
	if s.Total != 100 || !reflect.DeepEqual(s.Missing, []string{BucketTimeliness, BucketAccuracy, BucketExam}) {
		t.Fatalf("no data deducts nothing and says so: %+v", s)
	}
}

func TestScoreBadInput(t *testing.T) {
	rules := novemberRules()
	for _, c := range []struct {
		name  string
		edit  func(*ScoreInputs)
		field string
	}{
		{"no agent", func(in *ScoreInputs) { in.Agent = " " }, "agent"},
		{"month", func(in *ScoreInputs) { in.Month = "2026-13" }, "month"},
		{"kind", func(in *ScoreInputs) { in.Attendance = []AttendanceFact{{Kind: "absent", Day: "2026-11-02"}} }, "attendance[0].kind"},
		{"day out of month", func(in *ScoreInputs) { in.Attendance = []AttendanceFact{{Kind: "late", Day: "2026-10-31"}} }, "attendance[0].day"},
		{"leave type", func(in *ScoreInputs) {
			in.Attendance = []AttendanceFact{{Kind: "leave", Day: "2026-11-02", LeaveType: "holiday"}}
		}, "attendance[0].leave_type"},
		{"accuracy", func(in *ScoreInputs) { in.AccuracyPercent = f64(101) }, "accuracy_percent"},
		{"exam", func(in *ScoreInputs) { in.ExamScore = f64(-1) }, "exam_score"},
		{"aht", func(in *ScoreInputs) { in.AHTSeconds = f64(-5) }, "aht_seconds"},
		{"conduct 11", func(in *ScoreInputs) { in.Conduct = []ScoreEntry{{Points: 11, Reason: "x"}} }, "conduct[0].points"},
		{"conduct 0", func(in *ScoreInputs) { in.Conduct = []ScoreEntry{{Points: 0, Reason: "x"}} }, "conduct[0].points"},
		{"conduct reason", func(in *ScoreInputs) { in.Conduct = []ScoreEntry{{Points: 3}} }, "conduct[0].reason"},
		{"bonus 6", func(in *ScoreInputs) { in.Bonus = []ScoreEntry{{Points: 6, Reason: "x"}} }, "bonus[0].points"},
	} {
		in := clean("2026-11")
		c.edit(&in)
		_, err := Score(rules, in)
		if qaErrField(err) != c.field {
			t.Errorf("%s: %v, want EINVALID %s", c.name, err, c.field)
		}
		var e *Error
		if errors.As(err, &e) && e.Code == "" {
			t.Errorf("%s: no specific code", c.name)
		}
	}
	bad := DefaultScoreRule("2026-11")
	if err := (ScoreRules{DefaultScoreRule("2026-01"), bad}).Validate(); qaErrField(err) != "version" {
		t.Fatalf("two versions 1: %v", err)
	}
	bad.Version, bad.ExamStep = 2, 0
	if err := (ScoreRules{bad}).Validate(); qaErrField(err) != "exam_step" {
		t.Fatalf("exam step 0: %v", err)
	}
	bad.ExamStep, bad.DeductedLeave = 5, []string{"holiday"}
	if err := bad.Validate(); qaErrField(err) != "deducted_leave" {
		t.Fatalf("unknown leave type: %v", err)
	}
}

func sheet(agent, month string, total int, missed ...string) ScoreSheet {
	return ScoreSheet{Agent: agent, Month: month, Total: total, Missed: missed}
}

func TestTrainingFlags(t *testing.T) {
	sheets := []ScoreSheet{
		// a: accuracy missed September and October: two running
		sheet("a", "2026-09", 90, BucketAccuracy), sheet("a", "2026-10", 88, BucketAccuracy, BucketExam),
		// b: exam missed June, August, October: three in six
		sheet("b", "2026-06", 90, BucketExam), sheet("b", "2026-08", 90, BucketExam), sheet("b", "2026-10", 90, BucketExam),
		// c: April is out of the six months ending in October (May–October)
		sheet("c", "2026-04", 90, BucketExam), sheet("c", "2026-08", 90, BucketExam), sheet("c", "2026-10", 90, BucketExam),
		// d: two running across a year's end is still two running, but not in October
		sheet("d", "2025-12", 90, BucketTimeliness), sheet("d", "2026-01", 90, BucketTimeliness),
	}
	got := TrainingFlags(sheets, "2026-10")
	want := []TrainingFlag{
		{Agent: "a", Target: BucketAccuracy, Rule: "two_running", Months: []string{"2026-09", "2026-10"}},
		{Agent: "b", Target: BucketExam, Rule: "three_in_six", Months: []string{"2026-06", "2026-08", "2026-10"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("flags %+v\nwant %+v", got, want)
	}
	if got := TrainingFlags(sheets, "2026-01"); len(got) != 1 || got[0].Agent != "d" || got[0].Months[0] != "2025-12" {
		t.Fatalf("across the year's end: %+v", got)
	}
	// a month that met every target raises nothing, even with three misses in the window
	if got := TrainingFlags(sheets, "2026-11"); len(got) != 0 {
		t.Fatalf("November missed nothing: %+v", got)
	}
}

func TestRankScoresAndPeriods(t *testing.T) {
	sheets := []ScoreSheet{sheet("x", "2026-07", 90), sheet("x", "2026-08", 95), sheet("y", "2026-07", 100),
		sheet("y", "2026-08", 85), sheet("z", "2026-07", 99), sheet("w", "2026-08", 80)}
	got := RankScores(sheets)
	want := []ScoreTotal{{Agent: "x", Months: 2, Total: 185, Average: 92.5, Rank: 1}, {Agent: "y", Months: 2, Total: 185, Average: 92.5, Rank: 1},
		{Agent: "z", Months: 1, Total: 99, Average: 99, Rank: 3}, {Agent: "w", Months: 1, Total: 80, Average: 80, Rank: 4}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%+v\nwant %+v", got, want)
	}
	for m, w := range map[string][2]string{"2026-06": {"2026-H1", "2026"}, "2026-07": {"2026-H2", "2026"}, "2026-12": {"2026-H2", "2026"}} {
		if h, y := PeriodOf(m); h != w[0] || y != w[1] {
			t.Errorf("PeriodOf(%s) = %s %s", m, h, y)
		}
	}
}
