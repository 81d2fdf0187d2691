package callfloor

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// round renders v with the precision metrics.md prints, so a test compares
// exactly what the document shows.
func round(v float64, decimals int) string {
	return fmt.Sprintf("%.*f", decimals, v)
}

func check(t *testing.T, what string, got float64, decimals int, want string) {
	t.Helper()
	if g := round(got, decimals); g != want {
		t.Errorf("%s = %s (%v), want %s", what, g, got, want)
	}
}

func load(t *testing.T, calls float64, aht, interval time.Duration) float64 {
	t.Helper()
	a, err := OfferedLoad(calls, aht, interval)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func at(t *testing.T, a float64, n int, aht, thr time.Duration) ErlangCResult {
	t.Helper()
	r, err := ErlangCAt(a, n, aht, thr)
	if err != nil {
		t.Fatalf("ErlangCAt(%v, %d): %v", a, n, err)
	}
	return r
}

func scheduled(t *testing.T, n int, shrinkage float64) int {
	t.Helper()
	s, err := ScheduledAgents(n, shrinkage)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// 100 calls / 30 min, AHT 180 s (A = 10), 80 % in 20 s.
func TestErlangCFirstRow(t *testing.T) {
	aht, thr := 180*time.Second, 20*time.Second
	a := load(t, 100, aht, 30*time.Minute)
	if a != 10 {
		t.Fatalf("A = %v, want 10", a)
	}

	r13 := at(t, a, 13, aht, thr)
	check(t, "SL(13)", r13.ServiceLevel, 4, "0.7956")
	if r13.ServiceLevel >= 0.8 {
		t.Errorf("13 agents should fall short of 80 %%")
	}

	r, err := RequiredAgents(StaffingTarget{Traffic: a, AHT: aht, Threshold: thr, ServiceLevel: 0.80})
	if err != nil {
		t.Fatal(err)
	}
	if r.Agents != 14 {
		t.Fatalf("required agents = %d, want 14", r.Agents)
	}
	check(t, "C(14)", r.PWait, 4, "0.1741")
	check(t, "SL(14)", r.ServiceLevel, 4, "0.8884")
	check(t, "ASA(14)", r.ASA, 2, "7.84")
	check(t, "occupancy(14)", r.Occupancy, 3, "0.714")
	if s := scheduled(t, r.Agents, 0.30); s != 20 {
		t.Errorf("scheduled at 30 %% shrinkage = %d, want 20", s)
	}
}

// Same, max occupancy 0.70: 15 agents, SL 0.9415, 22 scheduled.
func TestErlangCMaxOccupancy(t *testing.T) {
	r, err := RequiredAgents(StaffingTarget{
		Traffic: 10, AHT: 180 * time.Second, Threshold: 20 * time.Second,
		ServiceLevel: 0.80, MaxOccupancy: 0.70,
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Agents != 15 {
		t.Fatalf("agents = %d, want 15", r.Agents)
	}
	check(t, "SL(15)", r.ServiceLevel, 4, "0.9415")
	if s := scheduled(t, r.Agents, 0.30); s != 22 {
		t.Errorf("scheduled = %d, want 22", s)
	}
}

// 360 calls / 30 min, AHT 240 s (A = 48), 55 agents, T = 15 s.
func TestErlangCSecondRow(t *testing.T) {
	aht := 240 * time.Second
	a := load(t, 360, aht, 30*time.Minute)
	if a != 48 {
		t.Fatalf("A = %v, want 48", a)
	}
	r := at(t, a, 55, aht, 15*time.Second)
	check(t, "C", r.PWait, 5, "0.23870")
	check(t, "ASA", r.ASA, 3, "8.184")
	check(t, "SL", r.ServiceLevel, 5, "0.84588")
	c, err := ErlangC(a, 55)
	if err != nil || c != r.PWait {
		t.Errorf("ErlangC = %v, %v; want %v", c, err, r.PWait)
	}
}

// 200 calls / 30 min, AHT 180 s (A = 20), 80 % in 60 s.
func TestErlangCThirdRow(t *testing.T) {
	aht, thr := 180*time.Second, 60*time.Second
	a := load(t, 200, aht, 30*time.Minute)
	check(t, "SL(22)", at(t, a, 22, aht, thr).ServiceLevel, 4, "0.7084")
	check(t, "SL(23)", at(t, a, 23, aht, thr).ServiceLevel, 4, "0.8471")
	r, err := RequiredAgents(StaffingTarget{Traffic: a, AHT: aht, Threshold: thr, ServiceLevel: 0.80})
	if err != nil || r.Agents != 23 {
		t.Errorf("required = %d, %v; want 23", r.Agents, err)
	}
}

// 250 calls / h, AHT 330 s (A = 22.92), 80 % in 30 s.
func TestErlangCFourthRow(t *testing.T) {
	aht, thr := 330*time.Second, 30*time.Second
	a := load(t, 250, aht, time.Hour)
	check(t, "A", a, 2, "22.92")
	check(t, "SL(27)", at(t, a, 27, aht, thr).ServiceLevel, 4, "0.7822")
	check(t, "SL(28)", at(t, a, 28, aht, thr).ServiceLevel, 4, "0.8569")
	r, err := RequiredAgents(StaffingTarget{Traffic: a, AHT: aht, Threshold: thr, ServiceLevel: 0.80})
	if err != nil || r.Agents != 28 {
		t.Errorf("required = %d, %v; want 28", r.Agents, err)
	}
}

// A = 1000, AHT 180 s, 80 % in 20 s: 1011 agents, SL 0.8138. The factorial
// forms overflow here; the recursion does not.
func TestErlangCLargeTraffic(t *testing.T) {
	r, err := RequiredAgents(StaffingTarget{Traffic: 1000, AHT: 180 * time.Second, Threshold: 20 * time.Second, ServiceLevel: 0.80})
	if err != nil {
		t.Fatal(err)
	}
	if r.Agents != 1011 {
		t.Fatalf("agents = %d, want 1011", r.Agents)
	}
	check(t, "SL(1011)", r.ServiceLevel, 4, "0.8138")
}

// Erlang B, A = 10: B(17) = 0.012949, 17 lines for ≤ 2 % blocking.
func TestErlangB(t *testing.T) {
	b17, err := ErlangB(10, 17)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "B(17)", b17, 6, "0.012949")
	b16, _ := ErlangB(10, 16)
	if !(b16 > 0.02 && b17 <= 0.02) {
		t.Errorf("B(16) = %v, B(17) = %v: 17 should be the first ≤ 2 %%", b16, b17)
	}
	if b0, _ := ErlangB(10, 0); b0 != 1 {
		t.Errorf("B(0) = %v, want 1", b0)
	}
}

// N ≤ A cannot meet any target: an error, never a number.
func TestErlangCUnderstaffed(t *testing.T) {
	for _, n := range []int{5, 10} {
		if _, err := ErlangC(10, n); !errors.Is(err, ErrUnderstaffed) {
			t.Errorf("ErlangC(10, %d) err = %v, want ErrUnderstaffed", n, err)
		}
		if _, err := ErlangCAt(10, n, 180*time.Second, 20*time.Second); !errors.Is(err, ErrUnderstaffed) {
			t.Errorf("ErlangCAt(10, %d) err = %v, want ErrUnderstaffed", n, err)
		}
	}
	// The search starts above A even when A is an integer.
	r, err := RequiredAgents(StaffingTarget{Traffic: 10, AHT: 180 * time.Second, ServiceLevel: 0.01})
	if err != nil || r.Agents != 11 {
		t.Errorf("smallest N for a trivial target = %d, %v; want 11", r.Agents, err)
	}
}

func TestRequiredAgentsLimitsAndInputs(t *testing.T) {
	base := StaffingTarget{Traffic: 10, AHT: 180 * time.Second, Threshold: 20 * time.Second, ServiceLevel: 0.80}

	withASA := base
	withASA.MaxASA = 5 * time.Second // 14 agents give 7.84 s, 15 give 3.67 s
	r, err := RequiredAgents(withASA)
	if err != nil || r.Agents != 15 {
		t.Errorf("with max ASA 5 s: %d, %v; want 15", r.Agents, err)
	}

	for _, bad := range []StaffingTarget{
		{Traffic: -1, AHT: time.Minute, ServiceLevel: 0.8},
		{Traffic: 10, AHT: 0, ServiceLevel: 0.8},
		{Traffic: 10, AHT: time.Minute, ServiceLevel: 1},
		{Traffic: 10, AHT: time.Minute, ServiceLevel: 0},
		{Traffic: 10, AHT: time.Minute, ServiceLevel: 0.8, MaxOccupancy: 1.5},
	} {
		if _, err := RequiredAgents(bad); !errors.Is(err, ErrInvalidStaffingInput) {
			t.Errorf("%+v: err = %v, want ErrInvalidStaffingInput", bad, err)
		}
	}
}

func TestScheduledAgents(t *testing.T) {
	cases := []struct {
		n         int
		shrinkage float64
		want      int
	}{
		{21, 0.3, 30}, // float: 21 ÷ 0.7 = 30.000000000000004 → 31
		{14, 0.3, 20},
		{15, 0.3, 22},
		{10, 0, 10},
		{0, 0.3, 0},
		{7, 0.125, 8},
		{100, 0.35, 154},
	}
	for _, c := range cases {
		if got := scheduled(t, c.n, c.shrinkage); got != c.want {
			t.Errorf("ScheduledAgents(%d, %v) = %d, want %d", c.n, c.shrinkage, got, c.want)
		}
	}
	for _, s := range []float64{-0.1, 1, 1.2} {
		if _, err := ScheduledAgents(10, s); err == nil {
			t.Errorf("shrinkage %v accepted", s)
		}
	}
}

// Erlang A, patience 5 min, A = 10, AHT 180 s, N = 14, T = 20 s:
// P(wait) 0.14526, P(abandon) 0.013984, SL 0.916792.
func TestErlangA(t *testing.T) {
	r, err := ErlangA(10, 14, 180*time.Second, 5*time.Minute, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "P(wait)", r.PWait, 5, "0.14526")
	check(t, "P(abandon)", r.PAbandon, 6, "0.013984")
	check(t, "SL", r.ServiceLevel, 6, "0.916792")
}

// Erlang A stays defined when N ≤ A (abandonment bounds the queue), and
// very patient callers converge on Erlang C.
func TestErlangABehaviour(t *testing.T) {
	over, err := ErlangA(20, 15, 180*time.Second, 2*time.Minute, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// Reference values from an independent RK4 integration of the same
	// chain (time step 0.01 s, queue truncated at 600).
	check(t, "overloaded P(wait)", over.PWait, 6, "0.841620")
	check(t, "overloaded P(abandon)", over.PAbandon, 6, "0.268910")
	check(t, "overloaded SL", over.ServiceLevel, 6, "0.307503")
	// Heavily overloaded queue: the stationary weights would overflow
	// without logarithms.
	huge, err := ErlangA(2000, 1000, 180*time.Second, 10*time.Minute, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "P(abandon) at 2× overload", huge.PAbandon, 2, "0.50")

	c := at(t, 10, 14, 180*time.Second, 20*time.Second)
	patient, err := ErlangA(10, 14, 180*time.Second, 1000*time.Hour, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "patient P(wait)", patient.PWait, 4, round(c.PWait, 4))
	check(t, "patient SL", patient.ServiceLevel, 4, round(c.ServiceLevel, 4))

	zero, err := ErlangA(10, 14, 180*time.Second, 5*time.Minute, 0)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "SL at T = 0", zero.ServiceLevel, 12, round(1-zero.PWait, 12))

	if _, err := ErlangA(10, 0, time.Minute, time.Minute, 0); !errors.Is(err, ErrInvalidStaffingInput) {
		t.Errorf("0 agents: err = %v", err)
	}
	if _, err := ErlangA(10, 5, time.Minute, 0, 0); !errors.Is(err, ErrInvalidStaffingInput) {
		t.Errorf("0 patience: err = %v", err)
	}
}
