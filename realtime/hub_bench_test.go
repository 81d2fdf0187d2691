package realtime_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
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
	cfg := fanoutFloor(b, s, agents)
	hub := realtime.NewHub(realtime.HubOptions{KPI: cfg.kpi(s), Store: s, SendQueue: 1024})
	srv := httptest.NewServer(hub)
	defer srv.Close()
	hctx, cancel := context.WithCancel(context.Background())
	hubDone := make(chan struct{})
	go func() { defer close(hubDone); _ = hub.Run(hctx) }()
	defer func() { cancel(); srv.CloseClientConnections(); <-hubDone }()
	url := "ws" + strings.TrimPrefix(srv.URL, "http")

	run := newFanoutRun(1)
	for i := range clients {
		view := `{"kind":"floor"}`
		if i%2 == 1 {
			view = `{"kind":"queues"}`
		}
		run.dial(b, 0, url, nil, view)
	}
	run.waitReady()

	var ru0, ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	start := time.Now()
	run.measuring.Store(true)
	b.ResetTimer()
	events := driveFloor(b, s, cfg, eventsPerSec, dur)
	time.Sleep(300 * time.Millisecond) // let the last deltas arrive
	run.measuring.Store(false)
	wall := time.Since(start)
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	b.StopTimer()
	cpu := tv(ru1.Utime) + tv(ru1.Stime) - tv(ru0.Utime) - tv(ru0.Stime)
	run.close()

	msgs := float64(run.received[0].Load())
	b.ReportMetric(float64(events)/wall.Seconds(), "events/s")
	run.reportLatency(b)
	b.ReportMetric(msgs/wall.Seconds(), "msgs/s")
	b.ReportMetric(cpu.Seconds()/wall.Seconds(), "cores-used")
	b.ReportMetric(msgs/cpu.Seconds(), "msgs/s/core")
}

// fanoutCfg is the benchmarks' floor: agents a000… in 10 queues (two skills each), 25 a team.
func fanoutCfg(agents int) *floorCfg {
	queues := make([]callfloor.Queue, 10)
	for i := range queues {
		queues[i] = callfloor.Queue{Name: fmt.Sprintf("q%02d", i), SLTarget: 0.8, WaitingAmber: 5, WaitingRed: 10}
	}
	cfg := &floorCfg{queues: queues}
	for i := range agents {
		id := fanoutAgent(i, agents)
		cfg.agents = append(cfg.agents, callfloor.Agent{ID: id, Name: id, Team: fmt.Sprintf("t%02d", i/25), Skills: map[string]int{queues[i%10].Name: 5, queues[(i+3)%10].Name: 3}})
	}
	return cfg
}

// fanoutAgent is agent i's id: a000 for a floor under 1,000, a0000 from 1,000.
func fanoutAgent(i, agents int) string {
	if agents > 1000 {
		return fmt.Sprintf("a%04d", i)
	}
	return fmt.Sprintf("a%03d", i)
}

// fanoutFloor stores the floor's agents, all available, as the ACD does at start.
func fanoutFloor(b testing.TB, s *realtime.Store, agents int) *floorCfg {
	ctx := context.Background()
	cfg := fanoutCfg(agents)
	now := time.Now()
	for _, a := range cfg.agents {
		if err := s.UpsertAgent(ctx, a, now); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Transition(ctx, realtime.Transition{Agent: a.ID, To: callfloor.AgentAvailable, Now: now}); err != nil {
			b.Fatal(err)
		}
	}
	return cfg
}

// driveFloor drives the floor through the Store for dur at eventsPerSec: agent state changes
// (60 %) and calls entering (20 %) and being answered (20 %); it returns the events written.
func driveFloor(b testing.TB, s *realtime.Store, cfg *floorCfg, eventsPerSec int, dur time.Duration) int64 {
	ctx := context.Background()
	agents, queues := len(cfg.agents), cfg.queues
	rng := rand.New(rand.NewPCG(1, 2))
	var events int64
	start := time.Now()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
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
				id := cfg.agents[rng.IntN(agents)].ID
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
			events++
		}
	}
	return events
}

// fanoutRun is the benchmarks' WebSocket clients: each subscribes, reads its snapshot, then
// records every delta's latency (event At → received) while measuring is on.
type fanoutRun struct {
	measuring atomic.Bool
	received  []atomic.Int64 // deltas measured, per web node
	all       []*fanoutStats
	conns     []*websocket.Conn
	wg        sync.WaitGroup
	ready     chan struct{}
}

type fanoutStats struct {
	lat  []float64 // ms
	gaps int64
}

func newFanoutRun(nodes int) *fanoutRun {
	return &fanoutRun{received: make([]atomic.Int64, nodes), ready: make(chan struct{}, 1<<16)}
}

// dial connects one client to node's url with header h and subscribes it to view.
func (r *fanoutRun) dial(b testing.TB, node int, url string, h http.Header, view string) {
	c, _, err := websocket.DefaultDialer.Dial(url, h)
	if err != nil {
		b.Fatalf("client %d: %v", len(r.conns), err)
	}
	r.conns = append(r.conns, c)
	if err := c.WriteMessage(websocket.TextMessage, []byte(`{"type":"subscribe","id":"s","view":`+view+`}`)); err != nil {
		b.Fatal(err)
	}
	st := &fanoutStats{}
	r.all = append(r.all, st)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
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
				if bytes.HasPrefix(msg, []byte(`{"type":"error"`)) {
					b.Errorf("subscription %s refused: %s", view, msg)
				}
				r.ready <- struct{}{}
				continue
			}
			if !r.measuring.Load() || !bytes.HasPrefix(msg, []byte(`{"type":"delta"`)) {
				continue
			}
			at, ok := atOf(msg)
			if !ok {
				continue
			}
			r.received[node].Add(1)
			st.lat = append(st.lat, float64(recvAt.Sub(at).Microseconds())/1000)
		}
	}()
}

// waitReady waits for every client's first message (its snapshot).
func (r *fanoutRun) waitReady() {
	for range r.conns {
		<-r.ready
	}
}

// close disconnects the clients and waits for their readers.
func (r *fanoutRun) close() {
	for _, c := range r.conns {
		c.Close()
	}
	r.wg.Wait()
}

// reportLatency reports the deltas' latency percentiles and the sequence gaps (after close).
func (r *fanoutRun) reportLatency(b *testing.B) {
	var lat []float64
	var gaps int64
	for _, st := range r.all {
		lat = append(lat, st.lat...)
		gaps += st.gaps
	}
	if len(lat) == 0 {
		b.Fatal("no delta measured")
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(lat[len(lat)-1], "max-ms")
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
