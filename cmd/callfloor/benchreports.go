package main

// callfloor bench reports: a fixed mix of reports (a day, an ISO week, a month; grouped by
// project, queue, team, agent; per 15 minutes, hour or day) run N times against a database —
// typically one filled by gen-history — from each report source, side by side in one run,
// with p50 / p95 / max per report and source.
//
// A source is anything that computes a report (reportSource). "raw" is plain SQL over the raw
// history tables (calls, agent_state_intervals), the figures a report shows computed from
// scratch; the report engine's rollups plug in as a second source (append it to
// reportSources) so both are timed in the same run, on the same data, in the same order.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// reportSpec is one report: calls by the interval they entered, state time split exactly at
// the interval boundaries, for [From, To) in Loc, per Step ("15m", "60m", "day"), grouped by
// Group ("project", "queue", "team", "agent").
type reportSpec struct {
	Name     string
	From, To time.Time
	Step     string
	Group    string
	Loc      *time.Location
}

// reportSource computes a report and returns how many rows (group × interval) it produced.
type reportSource interface {
	Name() string
	Run(ctx context.Context, pool *pgxpool.Pool, r reportSpec) (int, error)
}

// reportSources are the sources bench reports can time (-sources picks among them). The report
// engine adds itself here.
var reportSources = []reportSource{rawSource{}}

// rawSource computes the report's heaviest figures straight from the raw tables: per group and
// interval, offered / answered / abandoned / short abandons / flowed out / answered within the
// queue's T (service level) / ASA / longest wait / talk, hold and wrap (AHT) / transfers /
// outbound dials, connects and talk; and the time in each state (and pause reason) split
// exactly at the interval boundaries.
type rawSource struct{}

func (rawSource) Name() string { return "raw" }

func rawBucket(step, col string) (string, string, error) {
	switch step {
	case "15m":
		return "date_bin('15 minutes', " + col + ", $1)", "interval '15 minutes'", nil
	case "30m":
		return "date_bin('30 minutes', " + col + ", $1)", "interval '30 minutes'", nil
	case "60m":
		return "date_trunc('hour', " + col + ")", "interval '1 hour'", nil
	case "day":
		return "date_trunc('day', " + col + ")", "interval '1 day'", nil
	case "week":
		return "date_trunc('week', " + col + ")", "interval '1 week'", nil
	case "month":
		return "date_trunc('month', " + col + ")", "interval '1 month'", nil
	}
	return "", "", fmt.Errorf("step %q: want 15m, 30m, 60m, day, week or month", step)
}

// rawGroup: the group key over calls c / agents a / teams t / queues q.
func rawGroup(group string, calls bool) (string, error) {
	switch group {
	case "queue":
		if calls {
			return "c.queue", nil
		}
		return "t.project_id", nil // state time has no queue: by the agent's project
	case "team":
		return "a.team_id", nil
	case "agent":
		if calls {
			return "c.agent_id", nil
		}
		return "i.agent_id", nil
	case "project":
		if calls {
			return "coalesce(q.project_id, t.project_id)", nil
		}
		return "t.project_id", nil
	}
	return "", fmt.Errorf("group %q: want project, queue, team or agent", group)
}

// rawQueries returns the two queries of r (parameters $1 from, $2 to; run with the session's
// TimeZone set to r.Loc): call figures by the interval the call entered, state time split at
// the interval boundaries.
func rawQueries(r reportSpec) (callsSQL, statesSQL string, err error) {
	cb, _, err := rawBucket(r.Step, "c.entered_at")
	if err != nil {
		return "", "", err
	}
	ib, step, _ := rawBucket(r.Step, "greatest(i.started_at, $1)")
	ck, err := rawGroup(r.Group, true)
	if err != nil {
		return "", "", err
	}
	ik, _ := rawGroup(r.Group, false)
	callsSQL = `SELECT ` + cb + ` AS b, ` + ck + ` AS k,
  count(*) FILTER (WHERE c.direction = 'inbound') AS offered,
  count(*) FILTER (WHERE c.direction = 'inbound' AND c.outcome = 'answered') AS answered,
  count(*) FILTER (WHERE c.outcome IN ('abandoned', 'short_abandon')) AS abandoned,
  count(*) FILTER (WHERE c.outcome = 'short_abandon') AS short_abandons,
  count(*) FILTER (WHERE c.outcome = 'flowed_out') AS flowed_out,
  count(*) FILTER (WHERE c.direction = 'inbound' AND c.outcome = 'answered'
    AND c.wait_ms <= coalesce((q.settings->>'service_level')::bigint / 1000000, 20000)) AS answered_in_t,
  sum(c.wait_ms) FILTER (WHERE c.direction = 'inbound' AND c.outcome = 'answered') AS sum_wait_answered,
  max(c.wait_ms) FILTER (WHERE c.direction = 'inbound') AS longest_wait,
  count(*) FILTER (WHERE c.outcome = 'answered') AS handled,
  sum(c.talk_ms) FILTER (WHERE c.outcome = 'answered') AS talk,
  sum(c.hold_ms) FILTER (WHERE c.outcome = 'answered') AS hold,
  sum(c.wrap_ms) FILTER (WHERE c.outcome = 'answered') AS wrap,
  count(*) FILTER (WHERE c.transferred_to IS NOT NULL) AS transfers,
  count(*) FILTER (WHERE c.direction = 'outbound') AS dials,
  count(*) FILTER (WHERE c.direction = 'outbound' AND c.outcome = 'answered') AS connects,
  sum(c.talk_ms) FILTER (WHERE c.direction = 'outbound') AS outbound_talk
FROM calls c
LEFT JOIN queues q ON q.name = c.queue
LEFT JOIN agents a ON a.id = c.agent_id
LEFT JOIN teams t ON t.id = a.team_id
WHERE c.entered_at >= $1 AND c.entered_at < $2
GROUP BY 1, 2`
	// every interval overlapping [from, to), cut at each boundary it crosses; a state other
	// than logged_out never lasts a day, which bounds the scan of started_at
	statesSQL = `SELECT g.s AS b, ` + ik + ` AS k, i.state, i.reason,
  sum((extract(epoch FROM least(i.ended_at, g.s + ` + step + `, $2) - greatest(i.started_at, g.s, $1)) * 1000)::bigint) AS ms
FROM agent_state_intervals i
JOIN agents a ON a.id = i.agent_id
LEFT JOIN teams t ON t.id = a.team_id
CROSS JOIN LATERAL generate_series(` + ib + `, least(i.ended_at, $2) - interval '1 microsecond', ` + step + `) AS g(s)
WHERE i.started_at < $2 AND i.started_at >= $1 - interval '1 day' AND i.ended_at > $1 AND i.state <> 'logged_out'
GROUP BY 1, 2, 3, 4`
	return callsSQL, statesSQL, nil
}

func (rawSource) Run(ctx context.Context, pool *pgxpool.Pool, r reportSpec) (int, error) {
	callsSQL, statesSQL, err := rawQueries(r)
	if err != nil {
		return 0, err
	}
	n := 0
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('TimeZone', $1, true)`, r.Loc.String()); err != nil {
			return err
		}
		for _, q := range []string{callsSQL, statesSQL} {
			rows, err := tx.Query(ctx, q, r.From, r.To)
			if err != nil {
				return err
			}
			for rows.Next() {
				_ = rows.RawValues()
				n++
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// benchReportMix is the fixed mix for the day, week and month around day.
func benchReportMix(day time.Time) []reportSpec {
	loc := day.Location()
	d := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
	wd := (int(d.Weekday()) + 6) % 7 // ISO: Monday 0
	week := d.AddDate(0, 0, -wd)
	month := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, loc)
	dayEnd, weekEnd, monthEnd := d.AddDate(0, 0, 1), week.AddDate(0, 0, 7), month.AddDate(0, 1, 0)
	mk := func(period string, from, to time.Time, step, group string) reportSpec {
		return reportSpec{Name: fmt.Sprintf("%s / %s / %s", period, step, group), From: from, To: to, Step: step, Group: group, Loc: loc}
	}
	return []reportSpec{
		mk("day", d, dayEnd, "15m", "queue"),
		mk("day", d, dayEnd, "15m", "agent"),
		mk("day", d, dayEnd, "60m", "team"),
		mk("week", week, weekEnd, "60m", "queue"),
		mk("week", week, weekEnd, "day", "team"),
		mk("week", week, weekEnd, "day", "agent"),
		mk("month", month, monthEnd, "day", "project"),
		mk("month", month, monthEnd, "day", "queue"),
		mk("month", month, monthEnd, "day", "team"),
		mk("month", month, monthEnd, "day", "agent"),
		mk("month", month, monthEnd, "60m", "queue"),
	}
}

func runBenchReports(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench reports", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("database-url", envOr("CALLFLOOR_DATABASE_URL", ""), "PostgreSQL URL of the history to report on (e.g. one filled by gen-history)")
	runs := fs.Int("runs", 10, "timed runs of each report from each source (after one untimed warm-up run)")
	tz := fs.String("tz", "Asia/Shanghai", "the centre's time zone")
	dayS := fs.String("day", "", "the day of the mix, YYYY-MM-DD (its ISO week and month too); default: a Wednesday two weeks before the newest call")
	sourcesS := fs.String("sources", "", "sources to time, comma separated (default: all: "+strings.Join(sourceNames(), ", ")+")")
	only := fs.String("reports", "", "only the reports whose name matches this regular expression")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *url == "" {
		return errors.New("bench reports: -database-url is required")
	}
	if *runs < 1 || *runs > 10000 {
		return fmt.Errorf("bench reports: -runs must be in 1..10000, got %d", *runs)
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return fmt.Errorf("bench reports: -tz: %w", err)
	}
	var re *regexp.Regexp
	if *only != "" {
		if re, err = regexp.Compile(*only); err != nil {
			return fmt.Errorf("bench reports: -reports: %w", err)
		}
	}
	var sources []reportSource
	if *sourcesS == "" {
		sources = reportSources
	} else {
		for _, n := range strings.Split(*sourcesS, ",") {
			i := slices.IndexFunc(reportSources, func(s reportSource) bool { return s.Name() == strings.TrimSpace(n) })
			if i < 0 {
				return fmt.Errorf("bench reports: -sources: no source %q (have %s)", n, strings.Join(sourceNames(), ", "))
			}
			sources = append(sources, reportSources[i])
		}
	}
	pool, err := pgxpool.New(ctx, *url)
	if err != nil {
		return fmt.Errorf("bench reports: -database-url: %w", err)
	}
	defer pool.Close()
	var day time.Time
	if *dayS != "" {
		if day, err = time.ParseInLocation("2006-01-02", *dayS, loc); err != nil {
			return fmt.Errorf("bench reports: -day: %q is not a day YYYY-MM-DD", *dayS)
		}
	} else {
		var newest *time.Time
		if err := pool.QueryRow(ctx, `SELECT max(entered_at) FROM calls`).Scan(&newest); err != nil {
			return fmt.Errorf("bench reports: %w", err)
		}
		if newest == nil {
			return errors.New("bench reports: the database holds no calls (fill it with callfloor gen-history)")
		}
		n := newest.In(loc).AddDate(0, 0, -14)
		day = time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, loc)
		day = day.AddDate(0, 0, 2-(int(day.Weekday())+6)%7) // that week's Wednesday
	}
	var counts [3]int64
	for i, t := range []string{"calls", "offers", "agent_state_intervals"} {
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM `+t).Scan(&counts[i]); err != nil {
			return fmt.Errorf("bench reports: %w", err)
		}
	}
	mix := benchReportMix(day)
	if re != nil {
		mix = slices.DeleteFunc(mix, func(r reportSpec) bool { return !re.MatchString(r.Name) })
	}
	host, _ := os.Hostname()
	fmt.Fprintf(stdout, "callfloor bench reports: %s, %d CPUs (%s), %s, %s\n", host, runtime.NumCPU(), cpuModel(), runtime.Version(), time.Now().UTC().Format(time.RFC3339))
	fmt.Fprintf(stdout, "load average at the start: %s\n", loadAvg())
	fmt.Fprintf(stdout, "history: %d calls, %d offers, %d state intervals; day %s (its ISO week and month), %s; %d timed runs each\n\n",
		counts[0], counts[1], counts[2], day.Format("2006-01-02 Mon"), loc, *runs)
	// warm-up, then the timed runs round robin over reports and sources, so that both sources
	// meet the same cache and the same neighbours
	times := make([][][]time.Duration, len(mix))
	nrows := make([][]int, len(mix))
	for i := range mix {
		times[i] = make([][]time.Duration, len(sources))
		nrows[i] = make([]int, len(sources))
		for j, s := range sources {
			n, err := s.Run(ctx, pool, mix[i])
			if err != nil {
				return fmt.Errorf("bench reports: %s from %s: %w", mix[i].Name, s.Name(), err)
			}
			nrows[i][j] = n
		}
	}
	fmt.Fprintf(stderr, "bench reports: warm-up done; %d timed runs of %d reports from %d sources\n", *runs, len(mix), len(sources))
	for run := range *runs {
		if run > 0 {
			fmt.Fprintf(stderr, "bench reports: run %d/%d\n", run+1, *runs)
		}
		for i := range mix {
			for j, s := range sources {
				t0 := time.Now()
				if _, err := s.Run(ctx, pool, mix[i]); err != nil {
					return fmt.Errorf("bench reports: %s from %s: %w", mix[i].Name, s.Name(), err)
				}
				times[i][j] = append(times[i][j], time.Since(t0))
			}
		}
	}
	hdr, sep := "| report (period / interval / group) |", "|---|"
	for _, s := range sources {
		hdr += fmt.Sprintf(" %s rows | %s p50 | %s p95 | %s max |", s.Name(), s.Name(), s.Name(), s.Name())
		sep += "---:|---:|---:|---:|"
	}
	fmt.Fprintln(stdout, hdr)
	fmt.Fprintln(stdout, sep)
	all := make([][]time.Duration, len(sources))
	for i, r := range mix {
		line := "| " + r.Name + " |"
		for j := range sources {
			p50, p95, mx := pctls(times[i][j])
			line += fmt.Sprintf(" %d | %s | %s | %s |", nrows[i][j], ms(p50), ms(p95), ms(mx))
			all[j] = append(all[j], times[i][j]...)
		}
		fmt.Fprintln(stdout, line)
	}
	line := "| **all reports** |"
	for j := range sources {
		p50, p95, mx := pctls(all[j])
		line += fmt.Sprintf(" | %s | %s | %s |", ms(p50), ms(p95), ms(mx))
	}
	fmt.Fprintln(stdout, line)
	fmt.Fprintf(stdout, "\nload average at the end: %s\n", loadAvg())
	return nil
}

func sourceNames() []string {
	var n []string
	for _, s := range reportSources {
		n = append(n, s.Name())
	}
	return n
}

// pctls: p50, p95 (nearest rank) and max.
func pctls(d []time.Duration) (p50, p95, mx time.Duration) {
	if len(d) == 0 {
		return
	}
	s := slices.Clone(d)
	slices.Sort(s)
	rank := func(p float64) time.Duration {
		i := int(float64(len(s))*p+0.999999) - 1
		return s[min(max(i, 0), len(s)-1)]
	}
	return rank(0.5), rank(0.95), s[len(s)-1]
}
