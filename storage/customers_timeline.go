package storage

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/callfloor/callfloor"
)

// The customer timeline's "calls" and "notes" sources (storage/timeline.go is the contract).

func init() {
	RegisterTimelineSource("calls", timelineCalls)
	RegisterTimelineSource("notes", timelineNotes)
}

// timelineCalls: every call with the number as caller or called number (in any of the forms the
// history holds it), with its disposition and note and its campaign.
func timelineCalls(ctx context.Context, db *DB, phone string, before time.Time, limit int) ([]TimelineItem, error) {
	var b any
	if !before.IsZero() {
		b = before
	}
	rows, err := db.Pool.Query(ctx, `SELECT c.id, c.entered_at, c.direction, coalesce(c.queue, ''), coalesce(c.agent_id, ''),
			coalesce(c.outcome, ''), c.talk_ms, c.wait_ms, coalesce(c.recording_name, '') <> '', coalesce(c.campaign_id, ''),
			coalesce(d.code, ''), coalesce(d.label, ''), coalesce(d.note, '')
		FROM calls c LEFT JOIN call_dispositions d ON d.call_id = c.id
		WHERE (c.caller_number = ANY($1) OR c.called_number = ANY($1)) AND ($2::timestamptz IS NULL OR c.entered_at <= $2)
		ORDER BY c.entered_at DESC, c.id DESC LIMIT $3`, callfloor.PhoneVariants(phone), b, limit)
	if err != nil {
		return nil, fmt.Errorf("timeline calls: %w", err)
	}
	var (
		id, dir, queue, agent, outcome, campaign, code, label, note string
		at                                                          time.Time
		talk, wait                                                  *int64
		recorded                                                    bool
	)
	var out []TimelineItem
	_, err = pgx.ForEachRow(rows, []any{&id, &at, &dir, &queue, &agent, &outcome, &talk, &wait, &recorded, &campaign, &code, &label, &note}, func() error {
		d := map[string]any{"direction": dir, "queue": queue, "agent": agent, "outcome": outcome, "recorded": recorded}
		if talk != nil {
			d["talk_s"] = *talk / 1000
		}
		if wait != nil {
			d["wait_s"] = *wait / 1000
		}
		if campaign != "" {
			d["campaign"] = campaign
		}
		if code != "" || note != "" {
			d["disposition"], d["disposition_label"], d["note"] = code, label, note
		}
		out = append(out, TimelineItem{At: at, Kind: "call", Ref: id, Title: outcome, Detail: d})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("timeline calls: %w", err)
	}
	return out, nil
}

// timelineNotes: the notes agents wrote on the customer.
func timelineNotes(ctx context.Context, db *DB, phone string, before time.Time, limit int) ([]TimelineItem, error) {
	var b any
	if !before.IsZero() {
		b = before
	}
	rows, err := db.Pool.Query(ctx, `SELECT id, created_at, body, author, coalesce(call_id, '') FROM customer_notes
		WHERE phone = $1 AND ($2::timestamptz IS NULL OR created_at <= $2)
		ORDER BY created_at DESC, id DESC LIMIT $3`, phone, b, limit)
	if err != nil {
		return nil, fmt.Errorf("timeline notes: %w", err)
	}
	var (
		id                   int64
		at                   time.Time
		body, author, callID string
	)
	var out []TimelineItem
	_, err = pgx.ForEachRow(rows, []any{&id, &at, &body, &author, &callID}, func() error {
		d := map[string]any{"body": body, "author": author}
		if callID != "" {
			d["call_id"] = callID
		}
		out = append(out, TimelineItem{At: at, Kind: "note", Ref: strconv.FormatInt(id, 10), Title: author, Detail: d})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("timeline notes: %w", err)
	}
	return out, nil
}
