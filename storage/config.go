package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/callfloor/callfloor"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// SeedConfig writes the configuration file's queues, agents and their teams into an empty
// database; a database that has any queue or agent is left alone (the API owns it then).
func (db *DB) SeedConfig(ctx context.Context, cfg *callfloor.Config) (bool, error) {
	var n int
	if err := db.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM queues) + (SELECT count(*) FROM agents)`).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	for _, q := range cfg.Queues {
		if err := putQueue(ctx, tx, q); err != nil {
			return false, err
		}
	}
	for _, a := range cfg.Agents {
		if a.Team != "" {
			if _, err := tx.Exec(ctx, `INSERT INTO teams (id, name) VALUES ($1, $1) ON CONFLICT (id) DO NOTHING`, a.Team); err != nil {
				return false, fmt.Errorf("seed team %s: %w", a.Team, err)
			}
		}
		if err := putAgent(ctx, tx, a); err != nil {
			return false, err
		}
	}
	return true, tx.Commit(ctx)
}

type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

func putQueue(ctx context.Context, ex execer, q callfloor.Queue) error {
	b, err := json.Marshal(q)
	if err != nil {
		return err
	}
	_, err = ex.Exec(ctx, `INSERT INTO queues (name, settings) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET settings = EXCLUDED.settings, updated_at = now()`, q.Name, b)
	if err != nil {
		return fmt.Errorf("save queue %s: %w", q.Name, err)
	}
	return nil
}

func putAgent(ctx context.Context, ex execer, a callfloor.Agent) error {
	skills, err := json.Marshal(a.Skills)
	if err != nil {
		return err
	}
	var team any
	if a.Team != "" {
		team = a.Team
	}
	_, err = ex.Exec(ctx, `INSERT INTO agents (id, name, endpoint, team_id, skills) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, endpoint = EXCLUDED.endpoint, team_id = EXCLUDED.team_id,
		skills = EXCLUDED.skills, updated_at = now()`, a.ID, a.Name, a.Endpoint, team, skills)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" {
		return callfloor.Invalid("team", callfloor.CodeUnknownRef, callfloor.Params{"what": "team", "value": a.Team}, "no team %q", a.Team)
	}
	if err != nil {
		return fmt.Errorf("save agent %s: %w", a.ID, err)
	}
	return nil
}

// Queues returns the configured queues, by name.
func (db *DB) Queues(ctx context.Context) ([]callfloor.Queue, error) {
	rows, err := db.Pool.Query(ctx, `SELECT settings FROM queues ORDER BY name`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (callfloor.Queue, error) {
		var b []byte
		var q callfloor.Queue
		if err := r.Scan(&b); err != nil {
			return q, err
		}
		return q, json.Unmarshal(b, &q)
	})
}

// Agents returns the configured agents, by id.
func (db *DB) Agents(ctx context.Context) ([]callfloor.Agent, error) {
	rows, err := db.Pool.Query(ctx, `SELECT id, name, endpoint, coalesce(team_id, ''), skills FROM agents ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (callfloor.Agent, error) {
		var a callfloor.Agent
		var b []byte
		if err := r.Scan(&a.ID, &a.Name, &a.Endpoint, &a.Team, &b); err != nil {
			return a, err
		}
		return a, json.Unmarshal(b, &a.Skills)
	})
}

// PutQueue creates or replaces a queue.
func (db *DB) PutQueue(ctx context.Context, q callfloor.Queue) error {
	return putQueue(ctx, db.Pool, q)
}

// PutAgent creates or replaces an agent.
func (db *DB) PutAgent(ctx context.Context, a callfloor.Agent) error {
	return putAgent(ctx, db.Pool, a)
}

// DeleteQueue removes a queue; refused while agents serve it.
func (db *DB) DeleteQueue(ctx context.Context, name string) error {
	var users int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM agents WHERE skills ? $1`, name).Scan(&users); err != nil {
		return err
	}
	if users > 0 {
		return &callfloor.Error{Code: callfloor.CodeInUse, Params: callfloor.Params{"what": "queue", "value": name, "agents": users}, Message: fmt.Sprintf("queue %q is served by %d agents: remove it from their skills first", name, users)}
	}
	tag, err := db.Pool.Exec(ctx, `WITH t AS (DELETE FROM targets WHERE scope_kind = 'queue' AND scope_id = $1)
		DELETE FROM queues WHERE name = $1`, name)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return callfloor.NotFound("queue", name, "queue %q not found", name)
	}
	return nil
}

// DeleteAgent removes an agent.
func (db *DB) DeleteAgent(ctx context.Context, id string) error {
	tag, err := db.Pool.Exec(ctx, `DELETE FROM agents WHERE id = $1`, id)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return callfloor.NotFound("agent", id, "agent %q not found", id)
	}
	return nil
}
