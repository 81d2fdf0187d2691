package realtime_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/callfloor/callfloor/internal/testenv"
	"github.com/callfloor/callfloor/realtime"
	"github.com/gorilla/websocket"
)

// BenchmarkFanout: 1,000 WebSocket clients on loopback (half "floor", half "queues"), a busy
// floor of 500 agents in 10 queues driven through the Store at a few hundred events/s for 10 s.
// It reports event At → delta received at the client (p50/p99 ms) and delivered messages per
// CPU-second of the whole process (hub, Redis client, the 1,000 clients and the driver share
// the cores; Redis itself is another process). Run once:
//
//	CALLFLOOR_TEST_REDIS_URL=redis://127.0.0.1:6379/15 go test -run '^$' -bench Fanout -benchtime 1x ./realtime/
func BenchmarkFanout(b *testing.B) {
	for range b.N {
		runFanout(b, 1000, 500, 10*time.Second, 300)
	}
}

func runFanout(b *testing.B, clients, agents int, dur time.Duration, eventsPerSec int) {
	rdb, prefix := testenv.Redis(b)
	s := realtime.New(rdb, prefix)
	ctx := context.Background()
	queues := make([]callfloor.Queue, 10)
	for i := range queues {
		queues[i] = callfloor.Queue{Name: fmt.Sprintf("q%02d", i), SLTarget: 0.8, WaitingAmber: 5, WaitingRed: 10}
	}
	cfg := &floorCfg{queues: queues}
	now := time.Now()
	for i := range agents {
		id := fmt.Sprintf("a%03d", i)
		a := callfloor.Agent{ID: id, Name: id, Team: fmt.Sprintf("t%02d", i/25), Skills: map[string]int{queues[i%10].Name: 5, queues[(i+3)%10].Name: 3}}
		cfg.agents = append(cfg.agents, a)
		if err := s.UpsertAgent(ctx, a, now); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Transition(ctx, realtime.Transition{Agent: id, To: callfloor.AgentAvailable, Now: now}); err != nil {
			b.Fatal(err)
		}
	}
	hub := realtime.NewHub(realtime.HubOptions{KPI: cfg.kpi(s), Store: s, SendQueue: 1024})
	srv := httptest.NewServer(hub)
	defer srv.Close()
	hctx, cancel := context.WithCancel(ctx)
	hubDone := make(chan struct{})
	go func() { defer close(hubDone); _ = hub.Run(hctx) }()
	defer func() { cancel(); srv.CloseClientConnections(); <-hubDone }()
	url := "ws" + strings.TrimPrefix(srv.URL, "http")

	// Clients: subscribe, read the snapshot, then record every delta's latency.
	type stats struct {
		lat    []float64 // ms
		deltas int64
		gaps   int64
	}
	all := make([]*stats, clients)
	var measuring atomic.Bool
	var received atomic.Int64
	var wg sync.WaitGroup
	ready := make(chan struct{}, clients)
	conns := make([]*websocket.Conn, clients)
	for i := range clients {
		c, _, err := websocket.DefaultDialer.Dial(url, nil)
		if err != nil {
			b.Fatalf("client %d: %v", i, err)
		}
		conns[i] = c
		view := `{"kind":"floor"}`
		if i%2 == 1 {
			view = `{"kind":"queues"}`
		}
		if err := c.WriteMessage(websocket.TextMessage, []byte(`{"type":"subscribe","id":"s","view":`+view+`}`)); err != nil {
			b.Fatal(err)
		}
		st := &stats{}
		all[i] = st
		wg.Add(1)
		go func() {
			defer wg.Done()
			var seq int64
			first := true
			for {
				_, msg, err := c.ReadMessage()
				if err != nil {
					return
				}
				recvAt := time.Now()
				n := seqOf(msg)
				if n != seq+1 {
					st.gaps++
				}
				seq = n
				if first {
					first = false
					ready <- struct{}{}
					continue
				}
				if !measuring.Load() || !bytes.HasPrefix(msg, []byte(`{"type":"delta"`)) {
					continue
				}
				at, ok := atOf(msg)
				if !ok {
					continue
				}
				st.deltas++
				received.Add(1)
				st.lat = append(st.lat, float64(recvAt.Sub(at).Microseconds())/1000)
			}
		}()
	}
	for range clients {
		<-ready
	}

	// Drive the floor: agent state changes and calls entering / leaving queues.
	rng := rand.New(rand.NewPCG(1, 2))
	var events atomic.Int64
	var ru0, ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	start := time.Now()
	measuring.Store(true)
	b.ResetTimer()
	tick := time.NewTicker(10 * time.Millisecond)
	perTick := eventsPerSec / 100
	var waiting []*callfloor.Call
	n := 0
	for time.Since(start) < dur {
		<-tick.C
		for range perTick {
			n++
			t := time.Now()
			switch r := rng.IntN(10); {
			case r < 6:
				id := fmt.Sprintf("a%03d", rng.IntN(agents))
				tr := realtime.Transition{Agent: id, Now: t}
				switch rng.IntN(4) {
				case 0:
					tr.To = callfloor.AgentAvailable
				case 1:
					tr.To, tr.Reason = callfloor.AgentPaused, []string{"break", "lunch", "training"}[rng.IntN(3)]
				case 2:
					tr.To, tr.Direction, tr.Call = callfloor.AgentOnCall, callfloor.Inbound, fmt.Sprintf("c%d", n)
				default:
					tr.To, tr.WrapUntil = callfloor.AgentWrapUp, t.Add(30*time.Second)
				}
				if _, err := s.Transition(ctx, tr); err != nil {
					b.Fatal(err)
				}
			case r < 8 || len(waiting) == 0:
				c := &callfloor.Call{ID: fmt.Sprintf("c%d", n), Direction: callfloor.Inbound, State: callfloor.CallWaiting,
					Queue: queues[rng.IntN(len(queues))].Name, Node: "pbx1", CallerNumber: "+3120555", EnteredAt: t}
				waiting = append(waiting, c)
				if err := s.SaveCall(ctx, realtime.CallChange{Call: c, Event: &callfloor.Event{Type: callfloor.EvCallEntered, At: t, Call: c},
					QueueInc: map[string]int64{realtime.CntOffered: 1}}); err != nil {
					b.Fatal(err)
				}
			default:
				c := waiting[0]
				waiting = waiting[1:]
				c.State, c.AnsweredAt = callfloor.CallTalking, t
				inc := map[string]int64{realtime.CntAnswered: 1, realtime.CntSumWaitAnswered: c.WaitMs()}
				if c.WaitMs() <= 20_000 {
					inc[realtime.CntAnsweredWithinT] = 1
				}
				if err := s.SaveCall(ctx, realtime.CallChange{Call: c, Event: &callfloor.Event{Type: callfloor.EvCallAnswered, At: t, Call: c}, QueueInc: inc}); err != nil {
					b.Fatal(err)
				}
			}
			events.Add(1)
		}
	}
	tick.Stop()
	time.Sleep(300 * time.Millisecond) // let the last deltas arrive
	measuring.Store(false)
	wall := time.Since(start)
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	b.StopTimer()
	cpu := tv(ru1.Utime) + tv(ru1.Stime) - tv(ru0.Utime) - tv(ru0.Stime)

	for _, c := range conns {
		c.Close()
	}
	wg.Wait()
	var lat []float64
	var gaps int64
	for _, st := range all {
		lat = append(lat, st.lat...)
		gaps += st.gaps
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	msgs := float64(received.Load())
	b.ReportMetric(float64(events.Load())/wall.Seconds(), "events/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(lat[len(lat)-1], "max-ms")
	b.ReportMetric(msgs/wall.Seconds(), "msgs/s")
	b.ReportMetric(cpu.Seconds()/wall.Seconds(), "cores-used")
	b.ReportMetric(msgs/cpu.Seconds(), "msgs/s/core")
	b.ReportMetric(float64(gaps), "seq-gaps")
}

func tv(t syscall.Timeval) time.Duration {
	return time.Duration(t.Sec)*time.Second + time.Duration(t.Usec)*time.Microsecond
}

// seqOf and atOf read the envelope without decoding the whole message (the client must not be
// the bottleneck of the measurement).
func seqOf(msg []byte) int64 {
	i := bytes.Index(msg, []byte(`"seq":`))
	if i < 0 {
		return 0
	}
	var n int64
	for _, c := range msg[i+6:] {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

func atOf(msg []byte) (time.Time, bool) {
	i := bytes.Index(msg, []byte(`"at":"`))
	if i < 0 {
		return time.Time{}, false
	}
	rest := msg[i+6:]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, string(rest[:j]))
	return t, err == nil
}
