package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/callfloor/callfloor"
	"github.com/jackc/pgx/v5"
)

// UserPhone returns the phone endpoint of a user ("" when none is set).
func (db *DB) UserPhone(ctx context.Context, userID int64) (string, error) {
	var ep *string
	err := db.Pool.QueryRow(ctx, `SELECT phone_endpoint FROM users WHERE id = $1`, userID).Scan(&ep)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", &callfloor.Error{Code: callfloor.ENOTFOUND, Message: fmt.Sprintf("user %d not found", userID)}
	}
	if err != nil || ep == nil {
		return "", err
	}
	return *ep, nil
}

// checkPhone trims and validates a phone endpoint ("" clears it) by the rules of an agent's
// endpoint: it is dialled the same way (a comma would add dial options, a space breaks it).
func checkPhone(endpoint string) (string, error) {
	endpoint = strings.TrimSpace(endpoint)
	if endpoint == "" {
		return "", nil
	}
	if err := callfloor.ValidateAgent("phone", &callfloor.Agent{ID: "x", Endpoint: endpoint}, nil); err != nil {
		return "", &callfloor.Error{Code: err.Code, Kind: err.Kind, Params: err.Params, Field: "phone_endpoint", Message: "phone_endpoint" + strings.TrimPrefix(err.Message, "phone.endpoint")}
	}
	return endpoint, nil
}

// SetUserPhone sets (or with "" clears) the phone a user monitors calls on.
func (db *DB) SetUserPhone(ctx context.Context, userID int64, endpoint string) error {
	endpoint, err := checkPhone(endpoint)
	if err != nil {
		return err
	}
	var v any
	if endpoint != "" {
		v = endpoint
	}
	tag, err := db.Pool.Exec(ctx, `UPDATE users SET phone_endpoint = $2, updated_at = now() WHERE id = $1`, userID, v)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return &callfloor.Error{Code: callfloor.ENOTFOUND, Message: fmt.Sprintf("user %d not found", userID)}
	}
	return nil
}
