package telephony_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/telephony"
	"github.com/callfloor/callfloor/telephony/sim"
)

// BenchmarkDialerPass: one dialler pass for a 100-agent progressive campaign, all agents free —
// read the floor (Redis), decide, claim 100 leads (PostgreSQL, SKIP LOCKED), check windows and
// the frequency cap, originate 100 customers on the simulator. Between passes the customers
// (all busy) end and their attempts are recorded, untimed.
func BenchmarkDialerPass(b *testing.B) {
	const agents = 100
	busy := func(ep string) (sim.Behaviour, error) { return sim.Behaviour{Busy: true}, nil }
	f := newDialFloor(b, agents, agentsAnswer(busy), telephony.DialerOptions{Manual: true, MaxPerPass: agents,
		FrequencyCap: callfloor.FrequencyCap{PerDay: 3}})
	n := b.N + 1
	f.campaign("bench", callfloor.PaceProgressive, phones("138", agents*n), nil)
	f.start()
	var ids []string
	for i := range agents {
		ids = append(ids, fmt.Sprint(1001+i))
	}
	f.login(ids...)
	b.ResetTimer()
	for i := range b.N {
		f.acd.DialerPass()
		b.StopTimer()
		testenv.Eventually(b, 60*time.Second, "the pass's dials ended and recorded", func() bool {
			return f.acd.DialerLines() == 0 && len(f.attempts("bench")) >= agents*(i+1)
		})
		b.StartTimer()
	}
	b.StopTimer()
	if got := len(f.attempts("bench")); got != agents*b.N {
		b.Fatalf("%d attempts after %d passes, want %d", got, b.N, agents*b.N)
	}
	b.ReportMetric(float64(agents), "dials/pass")
}
