package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/callfloor/callfloor"
	"github.com/jackc/pgx/v5"
)

// Recording is a call recording's metadata; the audio stays on the Asterisk node that wrote it.
type Recording struct {
	Name       string    `json:"name"`
	Node       string    `json:"node"`
	AsteriskID string    `json:"asterisk_id,omitempty"`
	Format     string    `json:"format,omitempty"`
	DurationS  *int      `json:"duration_s,omitempty"`
	SizeBytes  *int64    `json:"size_bytes,omitempty"`
	CallID     string    `json:"call_id"`
	AgentID    string    `json:"agent_id,omitempty"`
	Queue      string    `json:"queue,omitempty"`
	CreatedAt  time.Time `json:"created_at,omitzero"`
}

// RecordingByName returns a recording's metadata.
func (db *DB) RecordingByName(ctx context.Context, name string) (Recording, error) {
	var r Recording
	err := db.Pool.QueryRow(ctx, `SELECT name, coalesce(node, ''), coalesce(asterisk_id, ''), coalesce(format, ''), duration_s, size_bytes,
		coalesce(call_id, ''), coalesce(agent_id, ''), coalesce(queue, ''), coalesce(created_at, 'epoch') FROM recordings WHERE name = $1`, name).
		Scan(&r.Name, &r.Node, &r.AsteriskID, &r.Format, &r.DurationS, &r.SizeBytes, &r.CallID, &r.AgentID, &r.Queue, &r.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, &callfloor.Error{Code: callfloor.ENOTFOUND, Message: fmt.Sprintf("recording %q not found", name)}
	}
	return r, err
}
