package callfloor

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// This file holds the staffing models of shared/design/metrics.md: Erlang B,
// Erlang C (M/M/N, callers wait forever) and Erlang A (M/M/N+M, callers
// abandon after an exponentially distributed patience).
//
// Everything is computed without factorials or powers of A: the factorial
// forms overflow float64 long before real call-centre sizes (A = 1000
// Erlangs is an ordinary national queue), whereas the Erlang B recursion
// stays in [0, 1] at every step.

var (
	// ErrUnderstaffed means N ≤ A: in Erlang C the queue grows without bound,
	// so no probability, service level or ASA exists. Callers must say
	// "cannot meet" instead of showing a number.
	ErrUnderstaffed = errors.New("callfloor: agents must exceed offered traffic (N > A)")
	// ErrTargetUnreachable means no agent count up to the search limit meets
	// the staffing target.
	ErrTargetUnreachable = errors.New("callfloor: staffing target cannot be met")
	// ErrInvalidStaffingInput wraps every rejected model input.
	ErrInvalidStaffingInput = errors.New("callfloor: invalid staffing input")
)

// maxStaffingAgents bounds RequiredAgents' search so that an absurd
// occupancy limit cannot turn into an endless loop.
const maxStaffingAgents = 10_000_000

func invalidInput(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidStaffingInput}, args...)...)
}

func checkTraffic(a float64) error {
	if math.IsNaN(a) || math.IsInf(a, 0) || a < 0 {
		return invalidInput("traffic %v Erlangs", a)
	}
	return nil
}

// OfferedLoad is A = calls × AHT ÷ interval, in Erlangs: the average number
// of agents that would be busy if every call were answered at once.
func OfferedLoad(calls float64, aht, interval time.Duration) (float64, error) {
	if calls < 0 || aht <= 0 || interval <= 0 || math.IsNaN(calls) || math.IsInf(calls, 0) {
		return 0, invalidInput("calls %v, AHT %v, interval %v", calls, aht, interval)
	}
	return calls * aht.Seconds() / interval.Seconds(), nil
}

// ErlangB is the blocking probability of a Erlangs offered to n lines with
// no queue, by the stable recursion B₀ = 1, Bₖ = A·Bₖ₋₁ ÷ (k + A·Bₖ₋₁).
func ErlangB(a float64, n int) (float64, error) {
	if err := checkTraffic(a); err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, invalidInput("%d lines", n)
	}
	return erlangB(a, n), nil
}

func erlangB(a float64, n int) float64 {
	b := 1.0
	for k := 1; k <= n; k++ {
		b = nextErlangB(a, k, b)
	}
	return b
}

// nextErlangB steps the recursion from B(k−1) to B(k); the staffing search
// uses it to add one agent at a time instead of recomputing from zero.
func nextErlangB(a float64, k int, prev float64) float64 {
	ab := a * prev
	return ab / (float64(k) + ab)
}

// erlangCFromB is C = B ÷ (1 − (A/N)(1 − B)), valid for N > A.
func erlangCFromB(a float64, n int, b float64) float64 {
	return b / (1 - a/float64(n)*(1-b))
}

// ErlangC is the probability that a call has to wait (all n agents busy)
// with a Erlangs offered and infinitely patient callers. It returns
// ErrUnderstaffed when n ≤ a.
func ErlangC(a float64, n int) (float64, error) {
	if err := checkTraffic(a); err != nil {
		return 0, err
	}
	if n <= 0 || float64(n) <= a {
		return 0, ErrUnderstaffed
	}
	return erlangCFromB(a, n, erlangB(a, n)), nil
}

// ErlangCResult is the Erlang C prediction for one agent count.
type ErlangCResult struct {
	Agents       int     // N
	Traffic      float64 // A, Erlangs
	PWait        float64 // C, probability of waiting
	ServiceLevel float64 // SL(T) = 1 − C·e^(−(N−A)·T/AHT), fraction
	ASA          float64 // C·AHT ÷ (N − A), seconds
	Occupancy    float64 // A ÷ N
}

func erlangCResult(a float64, n int, b float64, aht, t time.Duration) ErlangCResult {
	c := erlangCFromB(a, n, b)
	surplus := float64(n) - a
	return ErlangCResult{
		Agents:       n,
		Traffic:      a,
		PWait:        c,
		ServiceLevel: 1 - c*math.Exp(-surplus*t.Seconds()/aht.Seconds()),
		ASA:          c * aht.Seconds() / surplus,
		Occupancy:    a / float64(n),
	}
}

func checkErlangC(a float64, aht, t time.Duration) error {
	if err := checkTraffic(a); err != nil {
		return err
	}
	if aht <= 0 || t < 0 {
		return invalidInput("AHT %v, threshold %v", aht, t)
	}
	return nil
}

// ErlangCAt evaluates Erlang C for a Erlangs, n agents, handle time aht and
// service-level threshold t. It returns ErrUnderstaffed when n ≤ a rather
// than a meaningless (negative or infinite) service level or ASA.
func ErlangCAt(a float64, n int, aht, t time.Duration) (ErlangCResult, error) {
	if err := checkErlangC(a, aht, t); err != nil {
		return ErlangCResult{}, err
	}
	if n <= 0 || float64(n) <= a {
		return ErlangCResult{}, ErrUnderstaffed
	}
	return erlangCResult(a, n, erlangB(a, n), aht, t), nil
}

// StaffingTarget is what RequiredAgents must achieve.
type StaffingTarget struct {
	Traffic      float64       // A, Erlangs (see OfferedLoad)
	AHT          time.Duration // average handle time
	Threshold    time.Duration // T of the service level
	ServiceLevel float64       // target fraction of calls answered within T, 0 < x < 1
	MaxOccupancy float64       // optional upper bound on A ÷ N, 0 = none
	MaxASA       time.Duration // optional upper bound on ASA, 0 = none
}

// RequiredAgents returns the smallest N > A whose Erlang C prediction meets
// the service-level target and, when set, the occupancy and ASA limits.
// The search starts at the first integer above A and adds one agent at a
// time, advancing Erlang B by one recursion step per agent, so the cost is
// O(N) however many agents are tried.
//
// A target of 100 % is rejected: Erlang C never reaches it, and a float
// that rounds to 1 would turn that into an arbitrary answer.
func RequiredAgents(s StaffingTarget) (ErlangCResult, error) {
	if err := checkErlangC(s.Traffic, s.AHT, s.Threshold); err != nil {
		return ErlangCResult{}, err
	}
	if !(s.ServiceLevel > 0 && s.ServiceLevel < 1) {
		return ErlangCResult{}, invalidInput("service-level target %v (want 0 < target < 1)", s.ServiceLevel)
	}
	if !(s.MaxOccupancy >= 0 && s.MaxOccupancy <= 1) {
		return ErlangCResult{}, invalidInput("max occupancy %v (want 0..1, 0 = none)", s.MaxOccupancy)
	}
	if s.MaxASA < 0 {
		return ErlangCResult{}, invalidInput("max ASA %v", s.MaxASA)
	}
	a := s.Traffic
	if a >= maxStaffingAgents {
		return ErlangCResult{}, ErrTargetUnreachable
	}
	first := int(math.Floor(a)) + 1 // smallest integer N > A
	b := erlangB(a, first)
	for n := first; n <= maxStaffingAgents; n++ {
		if n > first {
			b = nextErlangB(a, n, b)
		}
		r := erlangCResult(a, n, b, s.AHT, s.Threshold)
		if r.ServiceLevel < s.ServiceLevel {
			continue
		}
		if s.MaxOccupancy > 0 && r.Occupancy > s.MaxOccupancy {
			continue
		}
		if s.MaxASA > 0 && r.ASA > s.MaxASA.Seconds() {
			continue
		}
		return r, nil
	}
	return ErlangCResult{}, ErrTargetUnreachable
}

// shrinkageScale is the resolution at which ScheduledAgents reads the
// shrinkage fraction (one part per million, i.e. 0.0001 %).
const shrinkageScale = 1_000_000

// ScheduledAgents is ⌈n ÷ (1 − shrinkage)⌉, the head count to roster so that
// n agents are on the phones after breaks, training, absence etc.
//
// It is computed in integers: 1 − 0.3 is 0.69999999999999996 in float64, so
// 21 ÷ 0.7 would be 30.000000000000004 and round up to 31. The shrinkage is
// first rounded to the nearest millionth, which is far finer than any
// planner states it.
func ScheduledAgents(n int, shrinkage float64) (int, error) {
	if n < 0 {
		return 0, invalidInput("%d agents", n)
	}
	if !(shrinkage >= 0 && shrinkage < 1) {
		return 0, invalidInput("shrinkage %v (want 0 <= shrinkage < 1)", shrinkage)
	}
	present := shrinkageScale - int64(math.Round(shrinkage*shrinkageScale))
	if present <= 0 {
		return 0, invalidInput("shrinkage %v rounds to 100 %%", shrinkage)
	}
	num := int64(n) * shrinkageScale
	return int((num + present - 1) / present), nil
}

// ErlangAResult is the Erlang A (M/M/N+M) prediction for one agent count.
type ErlangAResult struct {
	PWait        float64 // probability an arriving call finds all agents busy
	PAbandon     float64 // probability a call abandons before being answered
	ServiceLevel float64 // calls answered within T ÷ calls offered
}

// Erlang A truncation and integration tolerances.
const (
	erlangALogTail   = 40.0 // stop the queue distribution below e^-40 of its mass
	erlangAMaxQueue  = 1_000_000
	erlangAPoisChunk = 20.0  // Poisson mean per uniformisation slice; e^-20 does not underflow
	erlangAPoisEps   = 1e-15 // Poisson tail left out per slice
)

// ErlangA evaluates the Erlang A model: a Erlangs offered to n agents with
// handle time aht, callers whose patience is exponential with mean
// patience, and service-level threshold t. Unlike Erlang C it is defined for
// n ≤ a, because abandonment keeps the queue finite; it is the better model
// whenever callers actually hang up.
//
// The stationary distribution of the birth–death chain is built relative
// to the state "all n agents busy, nobody waiting": the states below it sum
// to 1/B(A,n) (Erlang B again, no factorials) and the waiting states are a
// product of λ ÷ (nμ + kθ) terms, kept in logarithms so that an overloaded
// queue cannot overflow. The service level follows a tagged caller through
// the queue (position moves forward at nμ + kθ, the caller gives up at θ)
// by uniformisation, which is exact up to the stated tail tolerances.
//
// ServiceLevel counts abandoned calls against the queue, like the default
// service level (which removes only short abandons, not modelled here).
func ErlangA(a float64, n int, aht, patience, t time.Duration) (ErlangAResult, error) {
	if err := checkErlangC(a, aht, t); err != nil {
		return ErlangAResult{}, err
	}
	if n <= 0 {
		return ErlangAResult{}, invalidInput("%d agents", n)
	}
	if patience <= 0 {
		return ErlangAResult{}, invalidInput("patience %v", patience)
	}
	if a == 0 {
		return ErlangAResult{ServiceLevel: 1}, nil
	}
	// Time is measured in units of AHT: μ = 1, λ = a, θ = AHT ÷ patience.
	theta := aht.Seconds() / patience.Seconds()
	tau := t.Seconds() / aht.Seconds()
	nf := float64(n)

	b := erlangB(a, n)
	if b == 0 {
		// B underflowed: the chance of all agents being busy is below
		// 1e-308, nobody waits.
		return ErlangAResult{ServiceLevel: 1}, nil
	}
	logBelow := -math.Log(b) // log Σ_{j≤n} π_j ÷ π_n

	// logW[k] = log π_{n+k} ÷ π_n.
	logW := []float64{0}
	maxLog := math.Max(0, logBelow)
	for k := 1; ; k++ {
		if k > erlangAMaxQueue {
			return ErlangAResult{}, invalidInput("queue too long to evaluate (a %v, n %d, patience %v)", a, n, patience)
		}
		r := a / (nf + float64(k)*theta)
		lw := logW[k-1] + math.Log(r)
		logW = append(logW, lw)
		maxLog = math.Max(maxLog, lw)
		// Ratios only fall as k grows, so once the next ratio rn is below 1
		// the rest of the tail is at most w_k·rn ÷ (1 − rn).
		rn := a / (nf + float64(k+1)*theta)
		if rn < 1 && lw+math.Log(rn)-math.Log1p(-rn) < maxLog-erlangALogTail {
			break
		}
	}

	z := math.Exp(logBelow - maxLog) // includes π_n itself
	q := make([]float64, len(logW))  // q[k]: arrival finds k callers waiting
	for k := range logW {
		q[k] = math.Exp(logW[k] - maxLog)
		if k > 0 {
			z += q[k]
		}
	}
	var pWait, meanQueue float64
	for k := range q {
		q[k] /= z
		pWait += q[k]
		meanQueue += float64(k) * q[k]
	}
	pAbandon := theta * meanQueue / a // abandon flux θ·E[queue] ÷ arrival rate λ

	served := erlangAServedWithin(q, nf, theta, tau)
	return ErlangAResult{
		PWait:        pWait,
		PAbandon:     pAbandon,
		ServiceLevel: (1 - pWait) + served,
	}, nil
}

// erlangAServedWithin returns the probability mass of q (a caller who finds
// k others waiting) that reaches an agent within tau AHT units. With k
// ahead the caller moves forward at n + kθ (an agent frees up, or someone
// ahead abandons), reaches an agent from k = 0 at rate n, and abandons at θ.
// The chain is uniformised at Λ = n + (K+1)θ and integrated in slices of
// Poisson mean ≤ erlangAPoisChunk so the Poisson weights never underflow.
func erlangAServedWithin(q []float64, n, theta, tau float64) float64 {
	if tau <= 0 {
		return 0
	}
	kmax := len(q) - 1
	lambda := n + float64(kmax+1)*theta
	total := lambda * tau
	slices := int(math.Ceil(total / erlangAPoisChunk))
	m := total / float64(slices)

	cur := append([]float64(nil), q...)
	v := make([]float64, len(q))
	next := make([]float64, len(q))
	acc := make([]float64, len(q))
	served := 0.0
	for range slices {
		// acc = Σ_j Pois(j; m) · cur·Pʲ, with served as an absorbing state.
		copy(v, cur)
		vs := served
		w := math.Exp(-m)
		accServed := w * vs
		for k := range v {
			acc[k] = w * v[k]
		}
		for j := 1; ; j++ {
			vs += v[0] * n / lambda
			for k := range v {
				fwd := (n + float64(k)*theta) / lambda
				next[k] = v[k] * (1 - fwd - theta/lambda)
				if k < kmax {
					next[k] += v[k+1] * (n + float64(k+1)*theta) / lambda
				}
			}
			v, next = next, v
			w *= m / float64(j)
			accServed += w * vs
			for k := range v {
				acc[k] += w * v[k]
			}
			// Past the mode the Poisson terms fall at least geometrically
			// by r, so the weight left out is below w·r ÷ (1 − r).
			if r := m / float64(j+1); r < 1 && w*r/(1-r) < erlangAPoisEps {
				break
			}
		}
		copy(cur, acc)
		served = accServed
	}
	return served
}
