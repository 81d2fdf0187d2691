package sim

import (
	"fmt"
	"testing"
	"time"
)

// The customers' shares come out as configured, a number's nature is the same on every dial,
// and the same seed gives the same day.
func TestCustomersShares(t *testing.T) {
	c := TelesalesCustomers(7, 1)
	dp := c.Dialplan(nil)
	counts := map[string]int{}
	first := map[string]Behaviour{}
	const n = 20000
	for i := range n {
		num := fmt.Sprintf("138%08d", i)
		b, err := dp("Local/" + num + "@outbound")
		if err != nil {
			t.Fatal(err)
		}
		first[num] = b
		switch {
		case b.Cause == 1:
			counts["unallocated"]++
		case b.Cause == 20 || b.Cause == 27:
			counts["off"]++
		case b.Busy:
			counts["busy"]++
		case b.NoAnswer:
			counts["noanswer"]++
		default:
			counts["answer"]++
			if b.HangupAfter < 2*time.Minute || b.HangupAfter > 4*time.Minute || b.RingFor < 4*time.Second || b.RingFor > 15*time.Second {
				t.Fatalf("answered customer %+v outside ring 4–15 s, talk 2–4 min", b)
			}
		}
	}
	want := map[string]float64{"unallocated": 0.08, "off": 0.10, "busy": 0.12, "noanswer": 0.45, "answer": 0.25}
	for k, w := range want {
		if got := float64(counts[k]) / n; got < w-0.015 || got > w+0.015 {
			t.Errorf("%s: %.3f of dials, want %.2f", k, got, w)
		}
	}
	// an unallocated number stays unallocated
	dp2 := TelesalesCustomers(7, 1).Dialplan(nil)
	for num, b := range first {
		b2, _ := dp2("Local/" + num + "@outbound")
		if (b.Cause == 1) != (b2.Cause == 1) {
			t.Fatalf("%s unallocated once, not the other time", num)
		}
	}
	// other endpoints go to the next dialplan
	if _, err := dp("Local/1001@agents"); err == nil {
		t.Error("an agent endpoint with no next dialplan should fail")
	}
}
