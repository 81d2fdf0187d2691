package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/callfloor/callfloor/telephony/sim"
)

// runSim runs the simulated Asterisk alone, optionally with generated inbound traffic, for
// pointing a callfloor (or any ARI client) at it.
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
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *speed <= 0 {
		return errors.New("sim: -speed must be > 0")
	}
	s := sim.New(sim.Config{EntityID: *entity, RecordingDir: *recDir, Speed: *speed, Logger: newLogger(stderr, "info")})
	base, err := s.Start(*listen)
	if err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	defer s.Close()
	fmt.Fprintf(stdout, "simulated Asterisk: ARI on %s/ari (user callfloor, password callfloor-test)\n", base)
	if *traffic == "" {
		<-ctx.Done()
		return nil
	}
	t := sim.Traffic{App: *app, Seed: *seed}
	for _, part := range strings.Split(*traffic, ",") {
		q, r, ok := strings.Cut(strings.TrimSpace(part), ":")
		cpm, err := strconv.ParseFloat(r, 64)
		if !ok || q == "" || err != nil || cpm < 0 {
			return fmt.Errorf("sim: -traffic: %q is not queue:calls_per_minute", part)
		}
		t.Queues = append(t.Queues, sim.QueueTraffic{Queue: q, CallsPerMinute: cpm, PatienceMin: 20 * time.Second, PatienceMax: 3 * time.Minute, TalkMin: 30 * time.Second, TalkMax: 3 * time.Minute})
	}
	s.SetDialplan(sim.TrafficDialplan(*seed, *noAnswer, *busy))
	if err := s.RunTraffic(ctx, t); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
