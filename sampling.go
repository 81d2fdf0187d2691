package callfloor

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// This file draws the calls QA evaluates: random, so that agents cannot
// guess which calls are scored, but reproducible, so that an audit can redo
// a draw from its stored seed, plan and population.
//
// A draw filters the population, groups it by the plan's scope (agent, team
// or queue) and picks each group's quota. Within a group the picks are
// stratified by time: the period [from, to) is split into as many equal
// slots as the group has picks, one call is chosen uniformly at random in
// each slot that has calls, and picks left over by empty slots are chosen
// uniformly among the group's remaining calls. When a group's calls are
// evenly spread over the slots every call has the same chance to be picked.
//
// Reproducibility: the population is sorted (by entry time, then call ID)
// before anything random happens, so the input order does not matter, and
// each group draws from its own math/rand/v2 PCG seeded from (seed, scope,
// group key): a group's picks depend only on the seed and that group's
// calls, not on the other groups.

// Sampling scopes: what a quota is counted per.
const (
	SampleScopeAgent = "agent"
	SampleScopeTeam  = "team"
	SampleScopeQueue = "queue"
)

// DailyTeamLeadQuota is how many of a team's calls a team lead evaluates per day.
const DailyTeamLeadQuota = 10

// SampleCandidate is a call that may be sampled.
type SampleCandidate struct {
	CallID    string    `json:"call_id"`
	Agent     string    `json:"agent"`
	Team      string    `json:"team"`
	Queue     string    `json:"queue"`
	EnteredAt time.Time `json:"entered_at"`
	TalkMs    int64     `json:"talk_ms"`
	Direction string    `json:"direction"`
	Outcome   string    `json:"outcome"`
	Evaluated bool      `json:"evaluated"`
}

// SamplePlan says which calls are eligible and how many to pick.
//
// Quota per group (the group is the scope's agent, team or queue):
//   - Percent > 0: ⌈Percent % of the group's eligible calls⌉, at least Minimum;
//   - otherwise PerAgent (scope "agent") or PerTeam (scope "team"); scope
//     "queue" needs Percent.
//
// Filters (all that are set apply): EnteredAt in the period, talk time ≥
// MinTalk, Direction, Queue, Team, Outcome, and NotEvaluated (skip calls
// already evaluated). A call without the scope's key (no agent, team or
// queue) cannot be attributed to a group and is not eligible.
type SamplePlan struct {
	Scope        string        `json:"scope"`
	PerAgent     int           `json:"per_agent,omitempty"`
	PerTeam      int           `json:"per_team,omitempty"`
	Percent      float64       `json:"percent,omitempty"` // 0..100
	Minimum      int           `json:"minimum,omitempty"` // with Percent
	MinTalk      time.Duration `json:"min_talk,omitempty"`
	Direction    string        `json:"direction,omitempty"`
	Queue        string        `json:"queue,omitempty"`
	Team         string        `json:"team,omitempty"`
	Outcome      string        `json:"outcome,omitempty"`
	NotEvaluated bool          `json:"not_evaluated,omitempty"`
}

// Draw is the record of one sample: everything needed to redo it and
// explain it.
type Draw struct {
	Seed           int64             `json:"seed"`
	From           time.Time         `json:"from"`
	To             time.Time         `json:"to"`
	Candidates     int               `json:"candidates"`      // calls given, before filtering
	PopulationSize int               `json:"population_size"` // eligible calls after filtering
	Filters        string            `json:"filters"`         // the plan and period, canonical text
	Quota          int               `json:"quota"`           // picks asked for, summed over the groups
	Short          int               `json:"short"`           // Quota − len(Picks): groups with fewer eligible calls than their quota gave all they had
	Picks          []SampleCandidate `json:"picks"`           // by EnteredAt, then CallID
}

// Validate checks the plan; the error's Field names the offending field.
func (p SamplePlan) Validate() error {
	switch p.Scope {
	case SampleScopeAgent, SampleScopeTeam, SampleScopeQueue:
	default:
		return invalid("scope", "must be %q, %q or %q, got %q", SampleScopeAgent, SampleScopeTeam, SampleScopeQueue, p.Scope).With(CodeInvalidChoice, Params{"allowed": []string{SampleScopeAgent, SampleScopeTeam, SampleScopeQueue}, "value": p.Scope})
	}
	if p.PerAgent < 0 {
		return invalid("per_agent", "must be ≥ 0, got %d", p.PerAgent).With(CodeOutOfRange, Params{"min": 0, "value": p.PerAgent})
	}
	if p.PerTeam < 0 {
		return invalid("per_team", "must be ≥ 0, got %d", p.PerTeam).With(CodeOutOfRange, Params{"min": 0, "value": p.PerTeam})
	}
	if p.Minimum < 0 {
		return invalid("minimum", "must be ≥ 0, got %d", p.Minimum).With(CodeOutOfRange, Params{"min": 0, "value": p.Minimum})
	}
	if !finiteFloat(p.Percent) || p.Percent < 0 || p.Percent > 100 {
		return invalid("percent", "must be 0–100, got %v", p.Percent).With(CodeOutOfRange, Params{"min": 0, "max": 100, "value": p.Percent})
	}
	if p.MinTalk < 0 {
		return invalid("min_talk", "must be ≥ 0, got %v", p.MinTalk).With(CodeOutOfRange, Params{"min": 0, "value": p.MinTalk})
	}
	switch p.Direction {
	case "", Inbound, Outbound:
	default:
		return invalid("direction", "must be %q or %q, got %q", Inbound, Outbound, p.Direction).With(CodeInvalidChoice, Params{"allowed": []string{Inbound, Outbound}, "value": p.Direction})
	}
	if p.Percent > 0 {
		if p.PerAgent != 0 {
			return invalid("per_agent", "use either percent or a fixed count").With(CodeConflictsWith, Params{"other": "percent"})
		}
		if p.PerTeam != 0 {
			return invalid("per_team", "use either percent or a fixed count").With(CodeConflictsWith, Params{"other": "percent"})
		}
		return nil
	}
	if p.Minimum != 0 {
		return invalid("minimum", "only applies with percent").With(CodeNotApplicable, Params{"other": "percent"})
	}
	switch p.Scope {
	case SampleScopeAgent:
		if p.PerTeam != 0 {
			return invalid("per_team", "scope %q counts per agent", p.Scope).With(CodeNotApplicable, Params{"other": "scope", "value": p.Scope})
		}
		if p.PerAgent == 0 {
			return invalid("per_agent", "scope %q needs per_agent or percent", p.Scope).With(CodeRequired, Params{"other": "scope", "value": p.Scope})
		}
	case SampleScopeTeam:
		if p.PerAgent != 0 {
			return invalid("per_agent", "scope %q counts per team", p.Scope).With(CodeNotApplicable, Params{"other": "scope", "value": p.Scope})
		}
		if p.PerTeam == 0 {
			return invalid("per_team", "scope %q needs per_team or percent", p.Scope).With(CodeRequired, Params{"other": "scope", "value": p.Scope})
		}
	default:
		return invalid("percent", "scope %q needs percent", p.Scope).With(CodeRequired, Params{"other": "scope", "value": p.Scope})
	}
	return nil
}

// quota is the number of picks a group of n eligible calls is asked for.
func (p SamplePlan) quota(n int) int {
	if p.Percent > 0 {
		q := p.Percent * float64(n) / 100
		// 10 % of 30 is 3.0000000000000004 in floating point: a value
		// within rounding error of an integer is that integer.
		k := math.Ceil(q)
		if r := math.Round(q); math.Abs(q-r) <= 1e-9*max(1, q) {
			k = r
		}
		return max(int(k), p.Minimum)
	}
	if p.Scope == SampleScopeTeam {
		return p.PerTeam
	}
	return p.PerAgent
}

func (p SamplePlan) key(c *SampleCandidate) string {
	switch p.Scope {
	case SampleScopeTeam:
		return c.Team
	case SampleScopeQueue:
		return c.Queue
	}
	return c.Agent
}

func (p SamplePlan) eligible(c *SampleCandidate, from, to time.Time) bool {
	switch {
	case c.EnteredAt.Before(from) || !c.EnteredAt.Before(to):
		return false
	case c.TalkMs < p.MinTalk.Milliseconds():
		return false
	case p.Direction != "" && c.Direction != p.Direction,
		p.Queue != "" && c.Queue != p.Queue,
		p.Team != "" && c.Team != p.Team,
		p.Outcome != "" && c.Outcome != p.Outcome:
		return false
	case p.NotEvaluated && c.Evaluated:
		return false
	}
	return p.key(c) != ""
}

// describe is the canonical text of the plan and period stored in Draw.Filters.
func (p SamplePlan) describe(from, to time.Time) string {
	parts := []string{
		fmt.Sprintf("period=[%s,%s)", from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano)),
		"scope=" + p.Scope,
	}
	if p.Percent > 0 {
		parts = append(parts, fmt.Sprintf("percent=%g", p.Percent))
		if p.Minimum > 0 {
			parts = append(parts, fmt.Sprintf("minimum=%d", p.Minimum))
		}
	}
	if p.PerAgent > 0 {
		parts = append(parts, fmt.Sprintf("per_agent=%d", p.PerAgent))
	}
	if p.PerTeam > 0 {
		parts = append(parts, fmt.Sprintf("per_team=%d", p.PerTeam))
	}
	if p.MinTalk > 0 {
		parts = append(parts, "min_talk="+p.MinTalk.String())
	}
	for _, kv := range [][2]string{{"direction", p.Direction}, {"queue", p.Queue}, {"team", p.Team}, {"outcome", p.Outcome}} {
		if kv[1] != "" {
			parts = append(parts, fmt.Sprintf("%s=%q", kv[0], kv[1]))
		}
	}
	if p.NotEvaluated {
		parts = append(parts, "not_evaluated")
	}
	return strings.Join(parts, " ")
}

func compareSampleCandidates(a, b SampleCandidate) int {
	return cmp.Or(a.EnteredAt.Compare(b.EnteredAt), strings.Compare(a.CallID, b.CallID))
}

// DrawSample draws plan's sample of population over the period [from, to)
// with seed. The same seed, plan, period and population (in any order)
// give the same Draw. Call IDs must be unique and non-empty: a call is never
// picked twice. A group with fewer eligible calls than its quota gives all
// of them and the shortfall is counted in Draw.Short.
func DrawSample(plan SamplePlan, population []SampleCandidate, seed int64, from, to time.Time) (Draw, error) {
	if err := plan.Validate(); err != nil {
		return Draw{}, err
	}
	if !to.After(from) {
		return Draw{}, invalid("period", "to (%s) must be after from (%s)", to.Format(time.RFC3339), from.Format(time.RFC3339)).With(CodeMustBeAfter, Params{"other": "from"})
	}
	seen := make(map[string]bool, len(population))
	for i, c := range population {
		if c.CallID == "" {
			return Draw{}, invalid(fmt.Sprintf("population[%d].call_id", i), "required").With(CodeRequired, nil)
		}
		if seen[c.CallID] {
			return Draw{}, invalid(fmt.Sprintf("population[%d].call_id", i), "call %q appears twice", c.CallID).With(CodeDuplicate, Params{"value": c.CallID})
		}
		seen[c.CallID] = true
	}

	sorted := slices.Clone(population)
	slices.SortFunc(sorted, compareSampleCandidates)
	groups := map[string][]SampleCandidate{}
	d := Draw{Seed: seed, From: from, To: to, Candidates: len(population), Filters: plan.describe(from, to), Picks: []SampleCandidate{}}
	for i := range sorted {
		if plan.eligible(&sorted[i], from, to) {
			k := plan.key(&sorted[i])
			groups[k] = append(groups[k], sorted[i])
			d.PopulationSize++
		}
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		calls := groups[k]
		q := plan.quota(len(calls))
		d.Quota += q
		if q >= len(calls) {
			d.Short += q - len(calls)
			d.Picks = append(d.Picks, calls...)
			continue
		}
		rng := rand.New(rand.NewPCG(sampleSeedMix(uint64(seed)), sampleHash(plan.Scope+"\x00"+k)))
		d.Picks = append(d.Picks, stratifiedPick(calls, q, from, to, rng)...)
	}
	slices.SortFunc(d.Picks, compareSampleCandidates)
	return d, nil
}

// stratifiedPick picks k < len(calls) of calls (sorted by time, all in
// [from, to)): one at random in each of k equal time slots that has calls,
// the rest at random among the calls not yet picked.
func stratifiedPick(calls []SampleCandidate, k int, from, to time.Time, rng *rand.Rand) []SampleCandidate {
	span := uint64(to.Sub(from))
	slots := make([][]int, k)
	for i, c := range calls {
		// slot = ⌊offset × k ÷ span⌋ in 128-bit arithmetic: exact for any period and k.
		hi, lo := bits.Mul64(uint64(c.EnteredAt.Sub(from)), uint64(k))
		s, _ := bits.Div64(hi, lo, span)
		s = min(s, uint64(k-1)) // only reachable if time.Duration saturated (periods over 292 years)
		slots[s] = append(slots[s], i)
	}
	picked := make([]bool, len(calls))
	out := make([]SampleCandidate, 0, k)
	for _, slot := range slots {
		if len(slot) > 0 {
			i := slot[rng.IntN(len(slot))]
			picked[i] = true
			out = append(out, calls[i])
		}
	}
	if len(out) < k {
		rest := make([]int, 0, len(calls)-len(out))
		for i := range calls {
			if !picked[i] {
				rest = append(rest, i)
			}
		}
		// Partial Fisher–Yates: the first k−len(out) of rest are a uniform sample.
		for j := 0; len(out) < k; j++ {
			r := j + rng.IntN(len(rest)-j)
			rest[j], rest[r] = rest[r], rest[j]
			out = append(out, calls[rest[j]])
		}
	}
	return out
}

// sampleSeedMix spreads consecutive seeds over the whole PCG state space.
func sampleSeedMix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func sampleHash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// Assign shares picks among evaluators so that no call goes to two of them.
// A call may go to the team leads of its team (evaluators[team]) and to
// anyone in the QA pool; of those, it goes to whoever has the fewest calls
// so far, ties broken round-robin (the one who has waited longest since
// their last call, then team leads before the pool in the order given).
// Calls are dealt in time order, so the result is deterministic. A call
// nobody may evaluate (no team lead, empty pool) is returned under "".
func Assign(picks []SampleCandidate, evaluators map[string][]string, pool []string) map[string][]SampleCandidate {
	calls := slices.Clone(picks)
	slices.SortFunc(calls, compareSampleCandidates)
	dealt := map[string]bool{}
	calls = slices.DeleteFunc(calls, func(c SampleCandidate) bool {
		dup := dealt[c.CallID]
		dealt[c.CallID] = true
		return dup
	})

	out := map[string][]SampleCandidate{}
	last := map[string]int{} // index of the call last dealt to an evaluator
	for n, c := range calls {
		var eligible []string
		for _, e := range slices.Concat(evaluators[c.Team], pool) {
			if e != "" && !slices.Contains(eligible, e) {
				eligible = append(eligible, e)
			}
		}
		best := ""
		for _, e := range eligible {
			if best == "" {
				best = e
				continue
			}
			le, lb := len(out[e]), len(out[best])
			if le < lb || le == lb && assignLast(last, e) < assignLast(last, best) {
				best = e
			}
		}
		out[best] = append(out[best], c)
		if best != "" {
			last[best] = n
		}
	}
	return out
}

func assignLast(last map[string]int, e string) int {
	if n, ok := last[e]; ok {
		return n
	}
	return -1
}

// DailyTeamLeadDraw is a team lead's daily sample: DailyTeamLeadQuota (10)
// of the team's calls that entered during day (midnight to midnight in
// day's location), all of them if fewer, spread over the day. The seed is
// derived from (team lead, team, date) so the draw is the same however
// often it is asked for, and it is stored in the Draw.
func DailyTeamLeadDraw(teamLead, team string, day time.Time, population []SampleCandidate) (Draw, error) {
	if teamLead == "" {
		return Draw{}, invalid("team_lead", "required").With(CodeRequired, nil)
	}
	if team == "" {
		return Draw{}, invalid("team", "required").With(CodeRequired, nil)
	}
	y, m, dd := day.Date()
	from := time.Date(y, m, dd, 0, 0, 0, 0, day.Location())
	to := from.AddDate(0, 0, 1)
	seed := int64(sampleHash(teamLead + "\x00" + team + "\x00" + from.Format(time.DateOnly)))
	plan := SamplePlan{Scope: SampleScopeTeam, Team: team, PerTeam: DailyTeamLeadQuota}
	return DrawSample(plan, population, seed, from, to)
}
