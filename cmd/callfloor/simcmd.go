package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/callfloor/callfloor/telephony/sim"
)

// runSim runs the simulated Asterisk alone, optionally with generated inbound traffic, for
// pointing a callfloor (or any ARI client) at it. `callfloor bench` runs it as a child process so
// that the simulator's CPU is not counted as callfloor's.
func runSim(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8088", "ARI listen address")
	speed := fs.Float64("speed", 1, "fast-forward factor for simulated durations")
	seed := fs.Int64("seed", 1, "traffic random seed")
	traffic := fs.String("traffic", "", "inbound traffic, queue:calls_per_minute[,queue:cpm...], e.g. sales:6,support:3")
	app := fs.String("app", "callfloor", "Stasis application the callers enter")
	entity := fs.String("entity-id", "", "asterisk_id of this node (default 02:fc:00:00:00:01)")
	recDir := fs.String("recordings", "", "spool directory for recordings (default: a temporary directory)")
	noAnswer := fs.Float64("no-answer-rate", 0.05, "share of agent rings never answered")
	busy := fs.Float64("busy-rate", 0.2, "share of outbound numbers busy")
	ring := fs.Duration("ring", 0, "agents' phones answer after exactly this ring (0: random 1-4 s, some never)")
	patienceMin := fs.Duration("patience-min", 20*time.Second, "shortest caller patience (0 with -patience-max 0: callers never give up)")
	patienceMax := fs.Duration("patience-max", 3*time.Minute, "longest caller patience")
	talkMin := fs.Duration("talk-min", 30*time.Second, "shortest talk time")
	talkMax := fs.Duration("talk-max", 3*time.Minute, "longest talk time")
	maxCalls := fs.Int("max-calls", 0, "stop after placing this many calls (0: until stopped)")
	startOnStdin := fs.Bool("start-on-stdin", false, "start the traffic when a line arrives on standard input (callfloor bench)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *speed <= 0 {
		return errors.New("sim: -speed must be > 0")
	}
	if *patienceMax < *patienceMin || *talkMax < *talkMin {
		return errors.New("sim: -patience-max and -talk-max must not be below their minimum")
	}
	s := sim.New(sim.Config{EntityID: *entity, RecordingDir: *recDir, Speed: *speed, Logger: newLogger(stderr, "warn")})
	base, err := s.Start(*listen)
	if err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	defer s.Close()
	fmt.Fprintf(stdout, "simulated Asterisk: ARI on %s/ari (user callfloor, password callfloor-test)\n", base)
	if *ring > 0 {
		r := *ring
		s.SetDialplan(func(ep string) (sim.Behaviour, error) {
			if strings.HasSuffix(ep, "@agents") {
				return sim.Behaviour{RingFor: r}, nil
			}
			return sim.DefaultDialplan(ep)
		})
	} else {
		s.SetDialplan(sim.TrafficDialplan(*seed, *noAnswer, *busy))
	}
	if *traffic == "" {
		<-ctx.Done()
		return nil
	}
	t := sim.Traffic{App: *app, Seed: *seed, MaxCalls: *maxCalls}
	for _, part := range strings.Split(*traffic, ",") {
		q, r, ok := strings.Cut(strings.TrimSpace(part), ":")
		cpm, err := strconv.ParseFloat(r, 64)
		if !ok || q == "" || err != nil || cpm < 0 {
			return fmt.Errorf("sim: -traffic: %q is not queue:calls_per_minute", part)
		}
		t.Queues = append(t.Queues, sim.QueueTraffic{Queue: q, CallsPerMinute: cpm, PatienceMin: *patienceMin, PatienceMax: *patienceMax, TalkMin: *talkMin, TalkMax: *talkMax})
	}
	if *startOnStdin {
		line := make([]byte, 1)
		if _, err := os.Stdin.Read(line); err != nil {
			return fmt.Errorf("sim: waiting for the start line: %w", err)
		}
	}
	if err := s.RunTraffic(ctx, t); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	<-ctx.Done()
	return nil
}
