package callfloor

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	sampleFrom = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) // a Monday
	sampleTo   = sampleFrom.AddDate(0, 0, 28)                // four weeks
)

// sampleEvenCalls is n answered inbound calls of agent (team, queue), evenly
// spread over [from, to), with 2 minutes' talk.
func sampleEvenCalls(agent, team, queue string, n int, from, to time.Time) []SampleCandidate {
	step := to.Sub(from) / time.Duration(n)
	out := make([]SampleCandidate, n)
	for i := range out {
		out[i] = SampleCandidate{
			CallID: fmt.Sprintf("%s-%03d", agent, i), Agent: agent, Team: team, Queue: queue,
			EnteredAt: from.Add(time.Duration(i)*step + step/2), TalkMs: 120_000,
			Direction: Inbound, Outcome: string(OutcomeAnswered),
		}
	}
	return out
}

// sampleFloor is three agents in two teams with 40, 40 and 2 calls in March.
func sampleFloor() []SampleCandidate {
	return slices.Concat(
		sampleEvenCalls("ann", "red", "sales", 40, sampleFrom, sampleTo),
		sampleEvenCalls("bob", "red", "support", 40, sampleFrom, sampleTo),
		sampleEvenCalls("cat", "blue", "sales", 2, sampleFrom, sampleTo),
	)
}

func callIDs(cs []SampleCandidate) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.CallID
	}
	return out
}

func countPicksBy(cs []SampleCandidate, key func(SampleCandidate) string) map[string]int {
	m := map[string]int{}
	for _, c := range cs {
		m[key(c)]++
	}
	return m
}

func mustDrawSample(t *testing.T, plan SamplePlan, pop []SampleCandidate, seed int64) Draw {
	t.Helper()
	d, err := DrawSample(plan, pop, seed, sampleFrom, sampleTo)
	if err != nil {
		t.Fatalf("DrawSample: %v", err)
	}
	assertNoDuplicatePicks(t, d.Picks)
	return d
}

func assertNoDuplicatePicks(t *testing.T, picks []SampleCandidate) {
	t.Helper()
	seen := map[string]bool{}
	for _, p := range picks {
		if seen[p.CallID] {
			t.Fatalf("call %s picked twice", p.CallID)
		}
		seen[p.CallID] = true
	}
}

func TestDrawSampleReproducible(t *testing.T) {
	plan := SamplePlan{Scope: SampleScopeAgent, PerAgent: 4}
	pop := sampleFloor()
	a := mustDrawSample(t, plan, pop, 42)
	b := mustDrawSample(t, plan, pop, 42)
	if !slices.Equal(callIDs(a.Picks), callIDs(b.Picks)) {
		t.Fatalf("same seed, different picks:\n%v\n%v", callIDs(a.Picks), callIDs(b.Picks))
	}
	// Any input order gives the same draw.
	shuffled := slices.Clone(pop)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	slices.Reverse(shuffled)
	if c := mustDrawSample(t, plan, shuffled, 42); !slices.Equal(callIDs(a.Picks), callIDs(c.Picks)) {
		t.Fatalf("input order changed the picks:\n%v\n%v", callIDs(a.Picks), callIDs(c.Picks))
	}
	if d := mustDrawSample(t, plan, pop, 43); slices.Equal(callIDs(a.Picks), callIDs(d.Picks)) {
		t.Fatalf("another seed gave the same picks %v", callIDs(d.Picks))
	}
	if a.Seed != 42 || a.Candidates != 82 || a.PopulationSize != 82 {
		t.Fatalf("draw record: %+v", a)
	}
	// A group's picks do not depend on the other groups.
	if e := mustDrawSample(t, plan, pop[:40], 42); !slices.Equal(callIDs(e.Picks), pickIDsOf(a.Picks, "ann")) {
		t.Fatalf("ann's picks changed with bob and cat removed: %v vs %v", callIDs(e.Picks), pickIDsOf(a.Picks, "ann"))
	}
}

func pickIDsOf(cs []SampleCandidate, agent string) []string {
	var out []string
	for _, c := range cs {
		if c.Agent == agent {
			out = append(out, c.CallID)
		}
	}
	return out
}

func TestDrawSampleQuotas(t *testing.T) {
	pop := sampleFloor()

	d := mustDrawSample(t, SamplePlan{Scope: SampleScopeAgent, PerAgent: 4}, pop, 7)
	if got := countPicksBy(d.Picks, func(c SampleCandidate) string { return c.Agent }); got["ann"] != 4 || got["bob"] != 4 || got["cat"] != 2 {
		t.Errorf("per agent: %v", got)
	}
	if d.Quota != 12 || d.Short != 2 || len(d.Picks) != 10 {
		t.Errorf("per agent: quota %d short %d picks %d, want 12, 2 (cat has 2 calls), 10", d.Quota, d.Short, len(d.Picks))
	}

	d = mustDrawSample(t, SamplePlan{Scope: SampleScopeTeam, PerTeam: 5}, pop, 7)
	if got := countPicksBy(d.Picks, func(c SampleCandidate) string { return c.Team }); got["red"] != 5 || got["blue"] != 2 || d.Short != 3 {
		t.Errorf("per team: %v short %d", got, d.Short)
	}

	// 10 % of each agent's calls, at least 2: ann 4 (10 % of 40), bob 4, cat 2 (all of them, not short).
	d = mustDrawSample(t, SamplePlan{Scope: SampleScopeAgent, Percent: 10, Minimum: 2}, pop, 7)
	if got := countPicksBy(d.Picks, func(c SampleCandidate) string { return c.Agent }); got["ann"] != 4 || got["bob"] != 4 || got["cat"] != 2 || d.Short != 0 {
		t.Errorf("percent per agent: %v short %d", got, d.Short)
	}
	// 7.5 % per queue: sales has 42 calls → ⌈3.15⌉ = 4, support 40 → 3.
	d = mustDrawSample(t, SamplePlan{Scope: SampleScopeQueue, Percent: 7.5}, pop, 7)
	if got := countPicksBy(d.Picks, func(c SampleCandidate) string { return c.Queue }); got["sales"] != 4 || got["support"] != 3 {
		t.Errorf("percent per queue: %v", got)
	}
	// 10 % of 30 is 3 (not 4 from 3.0000000000000004).
	if q := (SamplePlan{Scope: SampleScopeQueue, Percent: 10}).quota(30); q != 3 {
		t.Errorf("10 %% of 30 = %d, want 3", q)
	}
	// Everything when the quota is the population.
	d = mustDrawSample(t, SamplePlan{Scope: SampleScopeAgent, Percent: 100}, pop, 7)
	if len(d.Picks) != 82 || d.Short != 0 {
		t.Errorf("100 %%: %d picks short %d", len(d.Picks), d.Short)
	}
}

func TestDrawSampleFilters(t *testing.T) {
	pop := sampleFloor()
	// Make some calls ineligible, one reason each.
	pop[0].TalkMs = 5_000                 // too short
	pop[1].Direction = Outbound           // wrong direction
	pop[2].Outcome = "abandoned"          // wrong outcome
	pop[3].Evaluated = true               // already evaluated
	pop[4].EnteredAt = sampleTo           // period is half-open
	pop[5].EnteredAt = sampleFrom.Add(-1) // before the period
	pop[6].Agent = ""                     // no agent: cannot be sampled per agent
	pop[7].EnteredAt = sampleFrom         // the period's first instant is in
	plan := SamplePlan{Scope: SampleScopeAgent, Percent: 100, MinTalk: 30 * time.Second,
		Direction: Inbound, Outcome: string(OutcomeAnswered), Queue: "sales", NotEvaluated: true}
	d := mustDrawSample(t, plan, pop, 1)
	// sales: ann's 40 less 7 filtered, cat's 2; bob is in support.
	if d.PopulationSize != 35 || len(d.Picks) != 35 || d.Candidates != 82 {
		t.Fatalf("filters: population %d picks %d candidates %d, want 35, 35, 82", d.PopulationSize, len(d.Picks), d.Candidates)
	}
	for _, p := range d.Picks {
		if slices.Contains([]string{"ann-000", "ann-001", "ann-002", "ann-003", "ann-004", "ann-005", "ann-006"}, p.CallID) || p.Queue != "sales" {
			t.Errorf("ineligible call picked: %+v", p)
		}
	}
	for _, want := range []string{"period=[2026-03-02T00:00:00Z,2026-03-30T00:00:00Z)", "scope=agent", "percent=100",
		"min_talk=30s", `direction="inbound"`, `queue="sales"`, `outcome="answered"`, "not_evaluated"} {
		if !strings.Contains(d.Filters, want) {
			t.Errorf("Filters %q lacks %q", d.Filters, want)
		}
	}
}

// TestDrawSampleSpread: with calls every few hours over four weeks, four
// picks per agent land one in each week.
func TestDrawSampleSpread(t *testing.T) {
	pop := sampleEvenCalls("ann", "red", "sales", 200, sampleFrom, sampleTo)
	for seed := range int64(50) {
		d := mustDrawSample(t, SamplePlan{Scope: SampleScopeAgent, PerAgent: 4}, pop, seed)
		for i, p := range d.Picks {
			if week := int(p.EnteredAt.Sub(sampleFrom) / (7 * 24 * time.Hour)); week != i {
				t.Fatalf("seed %d: pick %d (%s) is in week %d", seed, i, p.EnteredAt, week)
			}
		}
	}
	// A lone call in an otherwise empty slot is always picked; the empty
	// third slot's pick is made among the rest.
	clustered := sampleEvenCalls("bob", "red", "sales", 30, sampleFrom, sampleFrom.AddDate(0, 0, 7))
	lone := SampleCandidate{CallID: "bob-lone", Agent: "bob", Team: "red", Queue: "sales", EnteredAt: sampleFrom.AddDate(0, 0, 15), TalkMs: 60_000}
	clustered = append(clustered, lone)
	for seed := range int64(50) {
		d := mustDrawSample(t, SamplePlan{Scope: SampleScopeAgent, PerAgent: 3}, clustered, seed)
		if len(d.Picks) != 3 || !slices.Contains(callIDs(d.Picks), "bob-lone") {
			t.Fatalf("seed %d: %v lacks the lone call of slot 2", seed, callIDs(d.Picks))
		}
	}
}

// Critical values of the chi-square distribution at p = 0.001 (upper tail),
// from the NIST/SEMATECH e-Handbook of Statistical Methods, table 1.3.6.7.4
// ("Critical Values of the Chi-Square Distribution"), row ν, column 0.999;
// checked with the regularised incomplete gamma function: P(χ²₁₉ > 43.820)
// = 0.0010001, P(χ²₄₉ > 85.351) = 0.0009999.
const (
	chi2Crit19 = 43.820 // ν = 19
	chi2Crit49 = 85.351 // ν = 49
)

func sampleChiSquare(counts map[string]int, callIDs []string, expected float64) float64 {
	x := 0.0
	for _, id := range callIDs {
		d := float64(counts[id]) - expected
		x += d * d / expected
	}
	return x
}

// TestDrawSampleUniform: over many seeds each candidate is picked equally
// often (goodness of fit at p = 0.001).
func TestDrawSampleUniform(t *testing.T) {
	cases := []struct {
		name        string
		pop         []SampleCandidate
		pick, draws int
		crit        float64
	}{
		// One pick from 20: a single slot, plain uniform choice.
		{"1 of 20", sampleEvenCalls("ann", "red", "sales", 20, sampleFrom, sampleTo), 1, 20_000, chi2Crit19},
		// Five from 50 evenly spread: one from each slot of 10.
		{"5 of 50 spread", sampleEvenCalls("ann", "red", "sales", 50, sampleFrom, sampleTo), 5, 5_000, chi2Crit49},
		// Five from 50 all in the first slot: one in the slot, four filled
		// among the other 49 (the Fisher–Yates path).
		{"5 of 50 clustered", sampleEvenCalls("ann", "red", "sales", 50, sampleFrom, sampleFrom.Add(24*time.Hour)), 5, 5_000, chi2Crit49},
	}
	for _, c := range cases {
		counts := map[string]int{}
		for seed := range int64(c.draws) {
			d := mustDrawSample(t, SamplePlan{Scope: SampleScopeAgent, PerAgent: c.pick}, c.pop, seed)
			if len(d.Picks) != c.pick {
				t.Fatalf("%s: %d picks", c.name, len(d.Picks))
			}
			for _, p := range d.Picks {
				counts[p.CallID]++
			}
		}
		expected := float64(c.draws*c.pick) / float64(len(c.pop))
		x := sampleChiSquare(counts, callIDs(c.pop), expected)
		t.Logf("%s: χ² = %.2f (critical %.3f, ν = %d)", c.name, x, c.crit, len(c.pop)-1)
		if x > c.crit {
			t.Errorf("%s: χ² = %.2f > %.3f: picks are not uniform: %v", c.name, x, c.crit, counts)
		}
	}
}

func TestDrawSampleInvalid(t *testing.T) {
	cases := []struct {
		name  string
		plan  SamplePlan
		field string
	}{
		{"scope", SamplePlan{Scope: "floor", PerAgent: 1}, "scope"},
		{"no count", SamplePlan{Scope: SampleScopeAgent}, "per_agent"},
		{"team count on agent scope", SamplePlan{Scope: SampleScopeAgent, PerAgent: 1, PerTeam: 2}, "per_team"},
		{"agent count on team scope", SamplePlan{Scope: SampleScopeTeam, PerAgent: 1}, "per_agent"},
		{"queue needs percent", SamplePlan{Scope: SampleScopeQueue}, "percent"},
		{"percent and count", SamplePlan{Scope: SampleScopeAgent, PerAgent: 1, Percent: 5}, "per_agent"},
		{"percent range", SamplePlan{Scope: SampleScopeAgent, Percent: 101}, "percent"},
		{"minimum without percent", SamplePlan{Scope: SampleScopeAgent, PerAgent: 1, Minimum: 3}, "minimum"},
		{"negative", SamplePlan{Scope: SampleScopeAgent, PerAgent: -1}, "per_agent"},
		{"min talk", SamplePlan{Scope: SampleScopeAgent, PerAgent: 1, MinTalk: -time.Second}, "min_talk"},
		{"direction", SamplePlan{Scope: SampleScopeAgent, PerAgent: 1, Direction: "sideways"}, "direction"},
	}
	for _, c := range cases {
		if _, err := DrawSample(c.plan, sampleFloor(), 1, sampleFrom, sampleTo); qaErrField(err) != c.field {
			t.Errorf("%s: %v, want EINVALID %s", c.name, err, c.field)
		}
	}
	ok := SamplePlan{Scope: SampleScopeAgent, PerAgent: 1}
	if _, err := DrawSample(ok, sampleFloor(), 1, sampleFrom, sampleFrom); qaErrField(err) != "period" {
		t.Errorf("empty period: %v", err)
	}
	dup := append(sampleFloor(), sampleFloor()[3])
	if _, err := DrawSample(ok, dup, 1, sampleFrom, sampleTo); qaErrField(err) != "population[82].call_id" {
		t.Errorf("duplicate call: %v", err)
	}
	noID := sampleFloor()
	noID[5].CallID = ""
	if _, err := DrawSample(ok, noID, 1, sampleFrom, sampleTo); qaErrField(err) != "population[5].call_id" {
		t.Errorf("call without id: %v", err)
	}
}

func TestAssignBalanced(t *testing.T) {
	pop := sampleFloor()
	// QA pool only: 82 calls over 3 analysts, 27 or 28 each.
	got := Assign(pop, nil, []string{"qa1", "qa2", "qa3"})
	assertAssignedOnce(t, got, pop)
	for _, qa := range []string{"qa1", "qa2", "qa3"} {
		if n := len(got[qa]); n != 27 && n != 28 {
			t.Errorf("%s has %d calls, want 27 or 28", qa, n)
		}
	}
	// Round-robin: calls in time order go to each analyst in turn.
	sorted := slices.Clone(pop)
	slices.SortFunc(sorted, compareSampleCandidates)
	for i, c := range sorted[:9] {
		if qa := []string{"qa1", "qa2", "qa3"}[i%3]; got[qa][i/3].CallID != c.CallID {
			t.Errorf("call %d (%s) not dealt to %s", i, c.CallID, qa)
		}
	}

	// Team leads evaluate only their own team; the pool takes the rest and
	// balances: red (80 calls) over lead rita + qa1, blue (2) over qa1.
	got = Assign(pop, map[string][]string{"red": {"rita"}}, []string{"qa1"})
	assertAssignedOnce(t, got, pop)
	for _, c := range got["rita"] {
		if c.Team != "red" {
			t.Errorf("rita got %s of team %s", c.CallID, c.Team)
		}
	}
	if r, q := len(got["rita"]), len(got["qa1"]); r+q != 82 || r < 40 || r > 41 || q < 41 || q > 42 {
		t.Errorf("rita %d, qa1 %d: not balanced", r, q)
	}

	// Nobody for blue: its calls come back under "".
	got = Assign(pop, map[string][]string{"red": {"rita", "ross"}}, nil)
	assertAssignedOnce(t, got, pop)
	if len(got[""]) != 2 || len(got["rita"]) != 40 || len(got["ross"]) != 40 {
		t.Errorf("unassigned %d, rita %d, ross %d", len(got[""]), len(got["rita"]), len(got["ross"]))
	}

	// Deterministic, whatever the order of the picks; a call given twice is dealt once.
	rev := slices.Clone(pop)
	slices.Reverse(rev)
	rev = append(rev, pop[0])
	again := Assign(rev, map[string][]string{"red": {"rita", "ross"}}, nil)
	for k := range got {
		if !slices.Equal(callIDs(got[k]), callIDs(again[k])) {
			t.Errorf("assignment of %q depends on input order", k)
		}
	}
}

// assertAssignedOnce: every call is assigned exactly once.
func assertAssignedOnce(t *testing.T, got map[string][]SampleCandidate, picks []SampleCandidate) {
	t.Helper()
	seen := map[string]string{}
	for ev, cs := range got {
		for _, c := range cs {
			if prev, ok := seen[c.CallID]; ok {
				t.Fatalf("call %s given to %q and %q", c.CallID, prev, ev)
			}
			seen[c.CallID] = ev
		}
	}
	if len(seen) != len(picks) {
		t.Fatalf("%d of %d calls assigned", len(seen), len(picks))
	}
}

func TestDailyTeamLeadDraw(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	day := time.Date(2026, 3, 10, 15, 4, 0, 0, paris)
	dayStart := time.Date(2026, 3, 10, 0, 0, 0, 0, paris)
	pop := slices.Concat(
		sampleEvenCalls("ann", "red", "sales", 30, dayStart, dayStart.AddDate(0, 0, 1)),
		sampleEvenCalls("bob", "red", "sales", 30, dayStart, dayStart.AddDate(0, 0, 1)),
		sampleEvenCalls("cat", "blue", "sales", 30, dayStart, dayStart.AddDate(0, 0, 1)),                 // other team
		sampleEvenCalls("dan", "red", "sales", 30, dayStart.AddDate(0, 0, 1), dayStart.AddDate(0, 0, 2)), // next day
	)
	d, err := DailyTeamLeadDraw("rita", "red", day, pop)
	if err != nil {
		t.Fatal(err)
	}
	assertNoDuplicatePicks(t, d.Picks)
	if len(d.Picks) != 10 || d.Short != 0 || d.PopulationSize != 60 {
		t.Fatalf("daily: %d picks, short %d, population %d", len(d.Picks), d.Short, d.PopulationSize)
	}
	slot := 24 * time.Hour / 10
	for i, p := range d.Picks {
		if p.Team != "red" || p.EnteredAt.Sub(dayStart)/slot != time.Duration(i) {
			t.Errorf("pick %d: %s of team %s at %s", i, p.CallID, p.Team, p.EnteredAt)
		}
	}
	// The seed comes from (team lead, team, date): same inputs, same draw.
	again, _ := DailyTeamLeadDraw("rita", "red", day.Add(3*time.Hour), pop)
	if again.Seed != d.Seed || !slices.Equal(callIDs(again.Picks), callIDs(d.Picks)) {
		t.Errorf("same lead, team and day drew differently")
	}
	other, _ := DailyTeamLeadDraw("ross", "red", day, pop)
	nextDay, _ := DailyTeamLeadDraw("rita", "red", day.AddDate(0, 0, 1), pop)
	if other.Seed == d.Seed || nextDay.Seed == d.Seed || slices.Equal(callIDs(other.Picks), callIDs(d.Picks)) {
		t.Errorf("seed not derived from the lead and the date")
	}
	if len(nextDay.Picks) != 10 || nextDay.Picks[0].Agent != "dan" {
		t.Errorf("next day drew %v", callIDs(nextDay.Picks))
	}
	// Fewer than 10: all of them.
	blue, _ := DailyTeamLeadDraw("bea", "blue", day, pop[60:66])
	if len(blue.Picks) != 6 || blue.Short != 4 {
		t.Errorf("blue: %d picks, short %d", len(blue.Picks), blue.Short)
	}
	if _, err := DailyTeamLeadDraw("", "red", day, pop); qaErrField(err) != "team_lead" {
		t.Errorf("no team lead: %v", err)
	}
	if _, err := DailyTeamLeadDraw("rita", "", day, pop); qaErrField(err) != "team" {
		t.Errorf("no team: %v", err)
	}
}
