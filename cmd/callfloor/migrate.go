package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/callfloor/callfloor/storage"
)

// runMigrate applies the schema migrations embedded in the binary.
func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("database-url", envOr("CALLFLOOR_DATABASE_URL", ""), "PostgreSQL URL (default: the configuration's database_url)")
	path := fs.String("config", envOr("CALLFLOOR_CONFIG", ""), "configuration file (default: the embedded demo)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *url == "" {
		cfg, err := LoadConfig(*path)
		if err != nil {
			return err
		}
		*url = cfg.DatabaseURL
	}
	if *url == "" {
		return fmt.Errorf("migrate: no database: set -database-url, CALLFLOOR_DATABASE_URL or database_url")
	}
	db, err := storage.Open(ctx, *url)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(stdout, "schema up to date")
		return nil
	}
	fmt.Fprintf(stdout, "applied migrations %v\n", applied)
	return nil
}
