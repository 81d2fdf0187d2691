// The report engine as two sources of `callfloor bench reports`: "rollup" (the 15-minute and
// daily rollups; fill them first for generated history with `callfloor rollups rebuild
// -database-url URL -time-zone ZONE -from DAY -to DAY`) and "engine-raw" (the same engine
// computing every figure straight from the raw tables).

package main

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/callfloor/callfloor/storage"
)

type engineSource struct{ name, source string }

func (s engineSource) Name() string { return s.name }

func (s engineSource) Run(ctx context.Context, pool *pgxpool.Pool, r reportSpec) (int, error) {
	db := &storage.DB{Pool: pool}
	res, err := db.ProductionReport(ctx, storage.ProductionFilter{From: r.From, To: r.To, Loc: r.Loc, Interval: r.Step,
		Group: r.Group, Source: s.source})
	if err != nil {
		return 0, err
	}
	return len(res.Cells), nil
}

func init() {
	reportSources = append(reportSources, engineSource{"rollup", storage.SourceRollup}, engineSource{"engine-raw", storage.SourceRaw})
}
