package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
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
		return r, callfloor.NotFound("recording", name, "recording %q not found", name)
	}
	return r, err
}

// Uncatalogued returns the calls, as the history has them (ended), whose recording is one of
// names and has no catalogue row: recordings whose recording.ready was lost (Asterisk sent no
// RecordingFinished, callfloor stopped before it came). The ACD sweeps its nodes' stored
// recordings with it after each connect and catalogues them (telephony.RecordingCatalogue).
// Names must be callfloor's: <prefix>/<day>/<call id>.
func (db *DB) Uncatalogued(ctx context.Context, names []string) ([]callfloor.Call, error) {
	if len(names) == 0 {
		return nil, nil
	}
	ids := make([]string, 0, len(names))
	for _, n := range names {
		if i := strings.LastIndexByte(n, '/'); i >= 0 {
			n = n[i+1:]
		}
		ids = append(ids, n)
	}
	rows, err := db.Pool.Query(ctx, `SELECT c.id, c.direction, coalesce(c.queue, ''), coalesce(c.node, ''), coalesce(c.asterisk_id, ''),
		coalesce(c.agent_id, ''), c.entered_at, c.answered_at, c.ended_at, c.recording_name
		FROM calls c
		WHERE c.id = ANY($1) AND c.recording_name = ANY($2)
		  AND NOT EXISTS (SELECT 1 FROM recordings r WHERE r.name = c.recording_name)
		ORDER BY c.entered_at, c.id`, ids, names)
	if err != nil {
		return nil, fmt.Errorf("uncatalogued recordings: %w", err)
	}
	defer rows.Close()
	var out []callfloor.Call
	for rows.Next() {
		var c callfloor.Call
		var answered, ended *time.Time
		if err := rows.Scan(&c.ID, &c.Direction, &c.Queue, &c.Node, &c.AsteriskID, &c.Agent, &c.EnteredAt, &answered, &ended, &c.RecordingName); err != nil {
			return nil, fmt.Errorf("uncatalogued recordings: %w", err)
		}
		if answered != nil {
			c.AnsweredAt = *answered
		}
		if ended != nil {
			c.EndedAt = *ended
		}
		c.State = callfloor.CallEnded
		out = append(out, c)
	}
	return out, rows.Err()
}
