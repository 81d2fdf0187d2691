package main

// The demo's live callers (issue 14): with sim.numbers "cn" the generated callers have mainland
// numbers, and now and then one of the customer directory's calls back, so an arriving call
// shows its customer's timeline, a VIP goes ahead and the blacklisted nuisance caller is
// screened. The plan is drawn from the seed and the directory as it is at start.

import (
	"context"
	"fmt"
	"time"

	"github.com/callfloor/callfloor/storage"
	"github.com/callfloor/callfloor/telephony/sim"
)

const (
	demoKnownShare    = 0.2  // of the live callers, the share who are the directory's customers
	demoLandlineShare = 0.15 // of the others, the share calling from a Beijing or Shanghai landline
	demoFlaggedWeight = 5    // a flagged customer (VIP, blacklist) calls this many times as often
	demoKnownMax      = 500  // the directory's numbers the callers are drawn from, at most
)

// demoNumberPlan is the +86 number plan of the demo's live traffic, its known callers read from
// the customer directory (every customer, the flagged ones demoFlaggedWeight times).
func demoNumberPlan(ctx context.Context, db *storage.DB) (*sim.NumberPlan, error) {
	plan := &sim.NumberPlan{KnownShare: demoKnownShare, Landlines: demoLandlineShare}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	rows, err := db.Pool.Query(ctx, `SELECT phone, vip OR blacklist FROM customers WHERE phone LIKE '+86%' ORDER BY phone LIMIT $1`, demoKnownMax)
	if err != nil {
		return plan, fmt.Errorf("the demo callers' numbers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var phone string
		var flagged bool
		if err := rows.Scan(&phone, &flagged); err != nil {
			return plan, err
		}
		n := 1
		if flagged {
			n = demoFlaggedWeight
		}
		for range n {
			plan.Known = append(plan.Known, phone)
		}
	}
	return plan, rows.Err()
}
