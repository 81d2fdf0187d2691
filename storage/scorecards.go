package storage

// QA scorecards, versioned (callfloor.Scorecard; the arithmetic is in qa.go).
//
// A scorecard is a series of versions 1, 2, 3… of one form under one id. Creating writes version
// 1; an edit writes the next version and never touches the older ones, so evaluations scored with
// a version can always be re-read against exactly that form. Retiring withdraws the scorecard
// (no new versions; evaluation code should not offer it) while every version stays readable.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/callfloor/callfloor"
)

// ScorecardSummary is one scorecard in ListScorecards: its latest name and version.
type ScorecardSummary struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`           // of the latest version
	LatestVersion int       `json:"latest_version"` // versions are 1..LatestVersion
	Versions      int       `json:"versions"`       // how many versions are stored
	Retired       bool      `json:"retired"`
	UpdatedAt     time.Time `json:"updated_at"` // when the latest version was written
	UpdatedBy     string    `json:"updated_by"` // who wrote it
}

var scorecardIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// maxScorecardVersionRetries bounds UpdateScorecard's retries when concurrent edits race for
// the same next version number.
const maxScorecardVersionRetries = 5

func scorecardNotFound(id string, version int) error {
	if version > 0 {
		return callfloor.NotFound("scorecard", id, "scorecard %q version %d not found", id, version)
	}
	return callfloor.NotFound("scorecard", id, "scorecard %q not found", id)
}

// checkScorecard validates card as version (the version is assigned by storage, never taken
// from the caller) and returns its JSON form.
func checkScorecard(card *callfloor.Scorecard, version int) ([]byte, error) {
	card.ID = strings.TrimSpace(card.ID)
	card.Name = strings.TrimSpace(card.Name)
	if card.ID != "" && !scorecardIDRE.MatchString(card.ID) {
		return nil, userInvalid("id", "1 to 64 letters, digits or . _ -, starting with a letter or digit").With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "identifier", "max": 64})
	}
	if len(card.Name) > 200 {
		return nil, userInvalid("name", "at most 200 bytes").With(callfloor.CodeTooLong, callfloor.Params{"max": 200})
	}
	card.Version = version
	if err := card.Validate(); err != nil {
		return nil, err
	}
	form, err := json.Marshal(card)
	if err != nil {
		return nil, fmt.Errorf("scorecard form: %w", err)
	}
	return form, nil
}

func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// CreateScorecard stores card as version 1 of a new scorecard (card.Version is ignored). An
// invalid form is EINVALID naming the field (e.g. "sections[0].items[1].max"); an id already
// used, even by a retired scorecard, is ECONFLICT.
func (db *DB) CreateScorecard(ctx context.Context, card callfloor.Scorecard, by string) (callfloor.Scorecard, error) {
	form, err := checkScorecard(&card, 1)
	if err != nil {
		return callfloor.Scorecard{}, err
	}
	_, err = db.Pool.Exec(ctx, `INSERT INTO scorecards (id, version, name, form, created_by) VALUES ($1, 1, $2, $3, $4)`,
		card.ID, card.Name, form, by)
	if isUniqueViolation(err) {
		return callfloor.Scorecard{}, &callfloor.Error{Code: callfloor.CodeAlreadyExists, Field: "id", Params: callfloor.Params{"what": "scorecard", "value": card.ID},
			Message: fmt.Sprintf("id: scorecard %q already exists (edit it to make a new version)", card.ID)}
	}
	if err != nil {
		return callfloor.Scorecard{}, err
	}
	return card, nil
}

// UpdateScorecard stores card as the next version (latest + 1) of scorecard id; the older
// versions stay as they were. card.ID may be empty or must be id; card.Version is ignored. A
// missing scorecard is ENOTFOUND, a retired one ECONFLICT, an invalid form EINVALID.
func (db *DB) UpdateScorecard(ctx context.Context, id string, card callfloor.Scorecard, by string) (callfloor.Scorecard, error) {
	if strings.TrimSpace(card.ID) == "" {
		card.ID = id
	}
	if strings.TrimSpace(card.ID) != id {
		return callfloor.Scorecard{}, userInvalid("id", "a scorecard's id cannot change (%q in the path, %q in the form)", id, card.ID).With(callfloor.CodeNotAllowed, callfloor.Params{"value": card.ID})
	}
	if _, err := checkScorecard(&card, 1); err != nil { // invalid before not-found: the form is at fault whatever the id
		return callfloor.Scorecard{}, err
	}
	for attempt := 0; ; attempt++ {
		var latest int
		var retired bool
		err := db.Pool.QueryRow(ctx, `SELECT version, retired FROM scorecards WHERE id = $1 ORDER BY version DESC LIMIT 1`, id).
			Scan(&latest, &retired)
		if errors.Is(err, pgx.ErrNoRows) {
			return callfloor.Scorecard{}, scorecardNotFound(id, 0)
		}
		if err != nil {
			return callfloor.Scorecard{}, err
		}
		if retired {
			return callfloor.Scorecard{}, callfloor.StateConflict("retired", "scorecard %q is retired: it takes no new versions", id)
		}
		form, err := checkScorecard(&card, latest+1)
		if err != nil {
			return callfloor.Scorecard{}, err
		}
		// retired is re-checked in the insert: a retirement between the read and the write wins.
		tag, err := db.Pool.Exec(ctx, `INSERT INTO scorecards (id, version, name, form, created_by)
			SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM scorecards WHERE id = $1 AND retired)`,
			id, card.Version, card.Name, form, by)
		if isUniqueViolation(err) && attempt < maxScorecardVersionRetries {
			continue // another edit took this version number: go again on top of it
		}
		if isUniqueViolation(err) {
			return callfloor.Scorecard{}, &callfloor.Error{Code: callfloor.CodeConcurrentEdit, Kind: callfloor.ECONFLICT, Message: fmt.Sprintf("scorecard %q is being edited concurrently; try again", id)}
		}
		if err != nil {
			return callfloor.Scorecard{}, err
		}
		if tag.RowsAffected() == 0 {
			continue // retired meanwhile: the next read reports it
		}
		return card, nil
	}
}

// Scorecard returns version of scorecard id, or its latest version when version is 0. Retired
// scorecards are returned too. A missing scorecard or version is ENOTFOUND.
func (db *DB) Scorecard(ctx context.Context, id string, version int) (callfloor.Scorecard, error) {
	if version < 0 {
		return callfloor.Scorecard{}, userInvalid("version", "must be ≥ 1 (or 0 for the latest), got %d", version).With(callfloor.CodeOutOfRange, callfloor.Params{"min": 0, "value": version})
	}
	var form []byte
	var v int
	err := db.Pool.QueryRow(ctx, `SELECT version, form FROM scorecards WHERE id = $1 AND ($2 = 0 OR version = $2)
		ORDER BY version DESC LIMIT 1`, id, version).Scan(&v, &form)
	if errors.Is(err, pgx.ErrNoRows) {
		return callfloor.Scorecard{}, scorecardNotFound(id, version)
	}
	if err != nil {
		return callfloor.Scorecard{}, err
	}
	var card callfloor.Scorecard
	if err := json.Unmarshal(form, &card); err != nil {
		return callfloor.Scorecard{}, fmt.Errorf("scorecard %s v%d: stored form: %w", id, v, err)
	}
	card.ID, card.Version = id, v // the key is authoritative
	return card, nil
}

// ListScorecards returns every scorecard, retired ones included, by id.
func (db *DB) ListScorecards(ctx context.Context) ([]ScorecardSummary, error) {
	rows, err := db.Pool.Query(ctx, `SELECT DISTINCT ON (id) id, name, version, count(*) OVER w, bool_or(retired) OVER w,
		created_at, created_by
		FROM scorecards WINDOW w AS (PARTITION BY id)
		ORDER BY id, version DESC`)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ScorecardSummary, error) {
		var s ScorecardSummary
		err := row.Scan(&s.ID, &s.Name, &s.LatestVersion, &s.Versions, &s.Retired, &s.UpdatedAt, &s.UpdatedBy)
		return s, err
	})
	if out == nil {
		out = []ScorecardSummary{}
	}
	return out, err
}

// RetireScorecard withdraws scorecard id: it is marked retired (on its latest version; the
// forms are not changed) and takes no new versions. ENOTFOUND if there is no such scorecard,
// ECONFLICT if it is already retired. by is who asks; the table keeps no retirer, the caller's
// audit entry does (the API writes scorecard_retired).
func (db *DB) RetireScorecard(ctx context.Context, id, by string) error {
	tag, err := db.Pool.Exec(ctx, `UPDATE scorecards SET retired = true
		WHERE id = $1 AND version = (SELECT max(version) FROM scorecards WHERE id = $1) AND NOT retired`, id)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var exists bool
	if err := db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM scorecards WHERE id = $1)`, id).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		return scorecardNotFound(id, 0)
	}
	return callfloor.StateConflict("retired", "scorecard %q is already retired", id)
}
