package storage

// Recording retention: audio past its keeping time is deleted from the Asterisk node that holds
// it, then forgotten by the catalogue (the recordings row, the call's recording_name), with an
// audit entry per recording. The audio goes first: a failure between the two steps leaves a row
// whose audio is gone, which the next run clears (the node answers not-found, counted as
// deleted), never audio that nothing points to any more.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/callfloor/callfloor"
)

// RecordingDeleter deletes a recording's audio from the node that holds it. An error whose
// callfloor code is ENOTFOUND (or that wraps fs.ErrNotExist) means the node does not have it:
// PruneRecordings counts that as deleted.
type RecordingDeleter interface {
	DeleteRecording(ctx context.Context, node, name string) error
}

// DefaultPruneLimit is how many recordings PruneRecordings handles when limit ≤ 0.
const DefaultPruneLimit = 1000

// RetentionActor is the audit actor of retention deletions.
const RetentionActor = "retention"

func recordingGone(err error) bool {
	return callfloor.ErrorCode(err) == callfloor.ENOTFOUND || errors.Is(err, fs.ErrNotExist)
}

// PruneRecordings deletes recordings created before olderThan — except a campaign call's
// (found through lead_attempts by call id or dial id), kept until its campaign's
// recording_keep_days (at least callfloor.MinOutboundRecordingDays) have passed — oldest first, at most limit of
// them (limit ≤ 0: DefaultPruneLimit). For each: the audio is deleted from its node through del
// (not-found counts as deleted), then, in one transaction, the catalogue row goes, the call's
// recording_name is cleared and an audit entry (recording_deleted, actor "retention", detail
// node and call_id) is written. It returns the names deleted, in order. A recording whose node
// fails stays for the next run; the errors of every such recording are returned joined, after
// the others have been handled. A cancelled ctx stops the run.
func (db *DB) PruneRecordings(ctx context.Context, olderThan time.Time, del RecordingDeleter, limit int) (deleted []string, err error) {
	if limit <= 0 {
		limit = DefaultPruneLimit
	}
	type rec struct {
		name, node, callID string
		createdAt          time.Time
	}
	// an outbound campaign's recording is kept at least the campaign's recording_keep_days
	// (never under callfloor.MinOutboundRecordingDays) whatever olderThan says
	rows, err := db.Pool.Query(ctx, `SELECT name, coalesce(node, ''), call_id, created_at FROM recordings r
		WHERE created_at < $1
		  AND NOT EXISTS (SELECT 1 FROM lead_attempts la JOIN campaigns c ON c.id = la.campaign_id
		                  WHERE (la.call_id = r.call_id OR la.dial_id = r.call_id)
		                    AND r.created_at > $3::timestamptz - make_interval(days => greatest(coalesce((c.rules->>'recording_keep_days')::int, 0), $4)))
		ORDER BY created_at, name LIMIT $2`, olderThan, limit, time.Now(), callfloor.MinOutboundRecordingDays)
	if err != nil {
		return nil, err
	}
	var recs []rec
	for rows.Next() {
		var r rec
		if err := rows.Scan(&r.name, &r.node, &r.callID, &r.createdAt); err != nil {
			rows.Close()
			return nil, err
		}
		recs = append(recs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	var errs []error
	for _, r := range recs {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		if err := del.DeleteRecording(ctx, r.node, r.name); err != nil && !recordingGone(err) {
			errs = append(errs, fmt.Errorf("recording %s on node %q: %w", r.name, r.node, err))
			continue
		}
		ok, err := db.forgetRecording(ctx, r.name, r.node, r.callID, r.createdAt)
		if err != nil {
			errs = append(errs, fmt.Errorf("recording %s: audio deleted, catalogue kept (next run clears it): %w", r.name, err))
			continue
		}
		if ok {
			deleted = append(deleted, r.name)
		}
	}
	return deleted, errors.Join(errs...)
}

// forgetRecording removes a recording from the catalogue and audits it, in one transaction. It
// reports false when the row was already gone (another run got there first: no second audit).
func (db *DB) forgetRecording(ctx context.Context, name, node, callID string, createdAt time.Time) (bool, error) {
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit this is a no-op
	tag, err := tx.Exec(ctx, `DELETE FROM recordings WHERE name = $1`, name)
	if err != nil {
		return false, err
	}
	if tag.RowsAffected() == 0 {
		return false, nil
	}
	// by id (each month's primary key index), not entered_at: the recording's copy of it may be
	// missing, and a stale recording_name must never survive
	if _, err := tx.Exec(ctx, `UPDATE calls SET recording_name = NULL WHERE id = $1 AND recording_name = $2`, callID, name); err != nil {
		return false, err
	}
	detail, err := json.Marshal(map[string]any{"node": node, "call_id": callID, "created_at": createdAt})
	if err != nil {
		return false, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO audit_log (actor, action, target_type, target_id, detail)
		VALUES ($1, 'recording_deleted', 'recording', $2, $3)`, RetentionActor, name, string(detail)); err != nil {
		return false, err
	}
	return true, tx.Commit(ctx)
}
