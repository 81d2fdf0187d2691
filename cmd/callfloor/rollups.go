package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/callfloor/callfloor/storage"
)

// runRollups: `callfloor rollups rebuild -from DAY -to DAY` recomputes the production reports'
// rollups of those days (the centre's days, to inclusive) exactly from the raw history rows.
func runRollups(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rebuild" {
		return errors.New("usage: callfloor rollups rebuild -from YYYY-MM-DD -to YYYY-MM-DD [-config FILE | -database-url URL]")
	}
	fs := flag.NewFlagSet("rollups rebuild", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("database-url", envOr("CALLFLOOR_DATABASE_URL", ""), "PostgreSQL URL (default: the configuration's database_url)")
	path := fs.String("config", envOr("CALLFLOOR_CONFIG", ""), "configuration file (default: the embedded demo)")
	fromS := fs.String("from", "", "first day, YYYY-MM-DD in the centre's time_zone, or an RFC 3339 time")
	toS := fs.String("to", "", "last day (inclusive), YYYY-MM-DD, or an RFC 3339 time (exclusive); default: from")
	tz := fs.String("time-zone", "", "the centre's time zone (default: the configuration's time_zone): its local days are the daily rollups' days")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	cfg, err := LoadConfig(*path)
	if err != nil {
		return err
	}
	if *url == "" {
		*url = cfg.DatabaseURL
	}
	if *url == "" {
		return errors.New("rollups rebuild: no database: set -database-url, CALLFLOOR_DATABASE_URL or database_url")
	}
	loc := cfg.Location()
	if *tz != "" {
		if loc, err = time.LoadLocation(*tz); err != nil {
			return fmt.Errorf("rollups rebuild: -time-zone: %w", err)
		}
	}
	if *fromS == "" {
		return errors.New("rollups rebuild: -from is required")
	}
	if *toS == "" {
		*toS = *fromS
	}
	from, err := rebuildTime("from", *fromS, loc, false)
	if err != nil {
		return err
	}
	to, err := rebuildTime("to", *toS, loc, true)
	if err != nil {
		return err
	}
	if !to.After(from) {
		return errors.New("rollups rebuild: -to must not be before -from")
	}
	db, err := storage.Open(ctx, *url)
	if err != nil {
		return err
	}
	defer db.Close()
	// The daily level is kept in the centre's zone: a new zone recomputes it from the 15-minute
	// rollups (all of them) before the range is rebuilt.
	changed, err := db.SetRollupZone(ctx, loc)
	if err != nil {
		return err
	}
	if changed {
		fmt.Fprintf(stdout, "daily rollups recomputed for the time zone %s\n", loc)
	}
	n, err := db.RebuildRollups(ctx, from, to)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "rebuilt %d 15-minute buckets from %s to %s\n", n, from.Format(time.RFC3339), to.Format(time.RFC3339))
	return nil
}

// rebuildTime reads a day (its midnight in loc; the next midnight for an inclusive end) or an
// RFC 3339 time.
func rebuildTime(flagName, v string, loc *time.Location, end bool) (time.Time, error) {
	if d, err := time.ParseInLocation(time.DateOnly, v, loc); err == nil {
		if end {
			d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)
		}
		return d, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("rollups rebuild: -%s: not a day such as 2026-11-22 nor an RFC 3339 time: %q", flagName, v)
	}
	return t, nil
}
