package storage

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/callfloor/callfloor"
)

// IsUnavailable reports whether err says PostgreSQL could not be reached or did not answer (no
// connection, connection lost, timed out, server shutting down), as opposed to an answer
// (a refused credential, a constraint) or a bug. Callers answer 503 for these and fall back to
// what they can do without the database.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var ce *callfloor.Error
	if errors.As(err, &ce) {
		return false
	}
	var pce *pgconn.ConnectError
	var ne net.Error
	switch {
	case errors.As(err, &pce), errors.As(err, &ne),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, context.DeadlineExceeded), pgconn.Timeout(err):
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections, connection_*
		switch pe.Code {
		case "57P01", "57P02", "57P03", "53300", "08000", "08001", "08003", "08004", "08006":
			return true
		}
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "closed pool") || strings.Contains(msg, "conn closed") || strings.Contains(msg, "failed to connect")
}
