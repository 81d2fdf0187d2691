// Command callfloor is the one binary of the callfloor platform.
//
//	callfloor serve [-config FILE]   run the ACD, live state and HTTP API (no FILE: the embedded demo)
//	callfloor sim [-listen ADDR]     run the simulated Asterisk alone (ARI on ADDR)
//	callfloor migrate [-database-url URL]
//	callfloor check-config -config FILE [-offline]   validate as serve does, then warn about what is unreachable
//	callfloor bench [flags]          routing benchmark through the simulator on loopback
//	callfloor bench serve [flags]    CPU per call of serve as deployed (its own Redis and PostgreSQL)
//
// Flags, environment and the configuration file are read here only; the rest of the code gets
// plain values.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "callfloor:", err)
		}
		os.Exit(1)
	}
}

const usage = `usage: callfloor <command> [flags]

commands:
  serve          run callfloor (ACD, live state, API, metrics); without -config: the demo
  sim            run the simulated Asterisk alone
  migrate        apply the database schema migrations
  user           add, list, disable users; set passwords (user add -username NAME -role ROLE)
  demo-data      the demo's users (one per role), a scorecard and a daily sampling plan (idempotent)
  check-config   validate a configuration file as serve does (-offline: without trying Redis, PostgreSQL, ARI)
  bench          routing benchmark through the simulator on loopback (bench reports: report timings)
  gen-history    write a simulated history (a year of a 300-seat centre) into a database of its own
  rollups        rollups rebuild -from DAY -to DAY: recompute the production reports' rollups from the raw history
  bench serve    CPU per call of serve as deployed, with its own Redis and PostgreSQL (-rate 5 -calls 100 -agents 20 -talk 3s)
  healthcheck    ask a running callfloor for /healthz (-path /readyz), exit 1 unless 200 (a container's health check)
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("a command is required")
	}
	switch args[0] {
	case "serve":
		m := NewMain(stderr)
		if err := m.ParseFlags(args[1:]); err != nil {
			return err
		}
		if err := m.Run(ctx); err != nil {
			m.Close()
			return err
		}
		fmt.Fprintf(stdout, "callfloor is running: API and metrics on http://%s\n", m.Addr())
		<-ctx.Done()
		return m.Close()
	case "sim":
		return runSim(ctx, args[1:], stdout, stderr)
	case "migrate":
		return runMigrate(ctx, args[1:], stdout, stderr)
	case "user":
		return runUser(ctx, args[1:], stdout, stderr)
	case "demo-data":
		return runDemoData(ctx, args[1:], stdout, stderr)
	case "healthcheck":
		return runHealthcheck(ctx, args[1:], stdout, stderr)
	case "check-config":
		fs := flag.NewFlagSet("check-config", flag.ContinueOnError)
		fs.SetOutput(stderr)
		path := fs.String("config", "", "configuration file")
		offline := fs.Bool("offline", false, "check the file only; do not try Redis, PostgreSQL and the Asterisk nodes")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *path == "" {
			return errors.New("check-config: -config FILE is required")
		}
		cfg, err := LoadConfig(*path)
		if err != nil {
			return err
		}
		if err := CheckServe(cfg); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "configuration OK")
		if !*offline {
			for _, w := range probe(ctx, cfg) {
				fmt.Fprintln(stderr, "warning:", w)
			}
		}
		return nil
	case "bench":
		return runBench(ctx, args[1:], stdout, stderr)
	case "gen-history":
		return runGenHistory(ctx, args[1:], stdout, stderr)
	case "rollups":
		return runRollups(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
