package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/callfloor/callfloor/realtime"
	"github.com/callfloor/callfloor/storage"
)

// rebuildCustomerFlags makes the ACD's Redis copy of the customer flags (VIP, blacklist) what
// PostgreSQL holds, at start: a flag changed while this instance was down, or a Redis that lost
// its data, is right again before the first call. When it fails (Redis or PostgreSQL not
// answering yet) it is retried in the background every few seconds until it succeeds or the
// instance stops; meanwhile the ACD reads whatever Redis still has.
func rebuildCustomerFlags(ctx, runCtx context.Context, db *storage.DB, store *realtime.Store, log *slog.Logger) {
	try := func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		flags, err := db.FlaggedCustomers(ctx)
		if err != nil {
			return err
		}
		if err := store.ReplaceCustomerFlags(ctx, flags); err != nil {
			return err
		}
		log.Info("customer flags rebuilt in redis", "flagged", len(flags))
		return nil
	}
	err := try(ctx)
	if err == nil {
		return
	}
	log.Warn("customer flags not rebuilt yet: retrying", "err", err)
	go func() {
		for {
			select {
			case <-runCtx.Done():
				return
			case <-time.After(5 * time.Second):
			}
			if err := try(runCtx); err == nil {
				return
			}
		}
	}()
}
