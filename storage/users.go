package storage

// Users, teams, browser sessions, API tokens and the audit log.
//
// Secrets: passwords are kept as bcrypt hashes (cost BcryptCost); session and API tokens are 32
// random bytes handed to the client once and kept only as their SHA-256, so a database dump
// yields no usable credential. The User type has no hash field: it cannot leak one into JSON.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"golang.org/x/crypto/bcrypt"

	"github.com/callfloor/callfloor"
)

// BcryptCost is the cost of new password hashes. Tests lower it (bcrypt.MinCost) for speed;
// existing hashes keep the cost they were made with.
var BcryptCost = 12

// MinPasswordLen is the shortest password accepted, in characters.
const MinPasswordLen = 10

// maxPasswordBytes is bcrypt's limit: it ignores (x/crypto: refuses) anything longer.
const maxPasswordBytes = 72

// APITokenPrefix starts every API token, so a leaked one is recognisable (secret scanners, logs).
const APITokenPrefix = "cf_"

// touchEvery bounds how often a session's last_seen_at / a token's last_used_at is written.
const touchEvery = time.Minute

// User is an account. It carries no password hash on purpose.
type User struct {
	ID          int64          `json:"id"`
	Username    string         `json:"username"`
	DisplayName string         `json:"display_name"`
	Role        callfloor.Role `json:"role"`
	TeamID      string         `json:"team_id,omitempty"`
	AgentID     string         `json:"agent_id,omitempty"`
	// Projects: the projects a project manager runs (user_projects).
	Projects []string `json:"projects,omitempty"`
	Disabled bool     `json:"disabled"`
	// PhoneEndpoint is the phone the user listens, whispers and barges on ("" when none).
	PhoneEndpoint string    `json:"phone_endpoint"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Principal is who the user is for authorization.
func (u User) Principal() callfloor.Principal {
	return callfloor.Principal{UserID: u.ID, Username: u.Username, Role: u.Role, TeamID: u.TeamID, AgentID: u.AgentID, Projects: u.Projects}
}

// NewUser is what CreateUser needs. TeamID and AgentID may be empty.
type NewUser struct {
	Username    string
	DisplayName string
	Password    string
	Role        callfloor.Role
	TeamID      string
	AgentID     string
	// PhoneEndpoint, if not empty, is the phone the user monitors calls on (checked first).
	PhoneEndpoint string
	// Projects: the projects a project manager runs (nil: the project "default"); refused for
	// other roles.
	Projects []string
}

// UserUpdate changes the fields that are not nil. An empty TeamID / AgentID unlinks.
type UserUpdate struct {
	DisplayName *string
	Role        *callfloor.Role
	TeamID      *string
	AgentID     *string
	Disabled    *bool
	// Password, when set, replaces the password (validated first) and ends the user's sessions.
	Password *string
	// PhoneEndpoint, when set, is the phone the user monitors calls on ("" clears it).
	PhoneEndpoint *string
	// Projects, when set, replaces a project manager's projects (refused for other roles). A
	// user who stops being a project manager loses their projects; one who becomes one without
	// Projects gets the project "default".
	Projects *[]string
}

var usernameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// userInvalid is a 400 naming field once; give it its specific code with With.
func userInvalid(field, format string, args ...any) *callfloor.Error {
	return callfloor.Invalid(field, callfloor.EINVALID, nil, format, args...)
}

func checkPassword(pw string) error {
	if utf8.RuneCountInString(pw) < MinPasswordLen {
		return userInvalid("password", "at least %d characters", MinPasswordLen).With(callfloor.CodeTooShort, callfloor.Params{"min": MinPasswordLen})
	}
	if len(pw) > maxPasswordBytes {
		return userInvalid("password", "at most %d bytes", maxPasswordBytes).With(callfloor.CodeTooLong, callfloor.Params{"max": maxPasswordBytes})
	}
	return nil
}

func hashPassword(pw string) (string, error) {
	if err := checkPassword(pw); err != nil {
		return "", err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), BcryptCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// checkUser validates the fields common to creation and update.
func checkUser(u User) error {
	if !u.Role.Valid() {
		_, err := callfloor.ParseRole(string(u.Role))
		return err
	}
	if len(u.DisplayName) > 200 {
		return userInvalid("display_name", "at most 200 bytes").With(callfloor.CodeTooLong, callfloor.Params{"max": 200})
	}
	if len(u.TeamID) > 100 {
		return userInvalid("team_id", "at most 100 bytes").With(callfloor.CodeTooLong, callfloor.Params{"max": 100})
	}
	if len(u.AgentID) > 100 {
		return userInvalid("agent_id", "at most 100 bytes").With(callfloor.CodeTooLong, callfloor.Params{"max": 100})
	}
	// Without these links the role sees nothing at all: refuse rather than create a dead account.
	if u.Role == callfloor.RoleAgent && u.AgentID == "" {
		return userInvalid("agent_id", "required for the agent role (the ACD agent id this user is)").With(callfloor.CodeRequired, callfloor.Params{"other": "role", "value": "agent"})
	}
	if u.Role == callfloor.RoleTeamLead && u.TeamID == "" {
		return userInvalid("team_id", "required for the team_lead role").With(callfloor.CodeRequired, callfloor.Params{"other": "role", "value": "team_lead"})
	}
	return nil
}

// userErr translates constraint violations into application errors.
func userErr(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	switch {
	case pe.Code == "23505" && pe.ConstraintName == "users_username_lower":
		return callfloor.AlreadyExists("username", "user", "", "username: already taken")
	case pe.Code == "23505" && pe.ConstraintName == "users_agent_id_key":
		return &callfloor.Error{Code: callfloor.CodeInUse, Field: "agent_id", Params: callfloor.Params{"what": "agent"}, Message: "agent_id: another user is already this agent"}
	case pe.Code == "23503" && pe.ConstraintName == "users_team_id_fkey":
		return userInvalid("team_id", "no such team").With(callfloor.CodeUnknownRef, callfloor.Params{"what": "team"})
	}
	return err
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

const userCols = `id, username, display_name, role, coalesce(team_id, ''), coalesce(agent_id, ''), disabled,
	coalesce(phone_endpoint, ''), created_at, updated_at,
	coalesce((SELECT array_agg(up.project_id ORDER BY up.project_id) FROM user_projects up WHERE up.user_id = users.id), '{}')`

func scanUser(row pgx.Row) (User, error) {
	var u User
	var role string
	err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &role, &u.TeamID, &u.AgentID, &u.Disabled, &u.PhoneEndpoint, &u.CreatedAt, &u.UpdatedAt, &u.Projects)
	u.Role = callfloor.Role(role)
	return u, err
}

func userNotFound(what string) error {
	return callfloor.NotFound("user", what, "user %s not found", what)
}

// CreateUser adds an account. A short password or a bad field is EINVALID naming the field; a
// username taken (in any case) or an agent id already linked is ECONFLICT.
func (db *DB) CreateUser(ctx context.Context, nu NewUser) (User, error) {
	nu.Username = strings.TrimSpace(nu.Username)
	if !usernameRE.MatchString(nu.Username) {
		return User{}, userInvalid("username", "1 to 64 letters, digits or . _ @ -, starting with a letter or digit").With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "username", "max": 64})
	}
	u := User{Username: nu.Username, DisplayName: strings.TrimSpace(nu.DisplayName), Role: nu.Role, TeamID: nu.TeamID, AgentID: nu.AgentID}
	if err := checkUser(u); err != nil {
		return User{}, err
	}
	phone, err := checkPhone(nu.PhoneEndpoint)
	if err != nil {
		return User{}, err
	}
	hash, err := hashPassword(nu.Password)
	if err != nil {
		return User{}, err
	}
	var want *[]string
	if nu.Projects != nil {
		want = &nu.Projects
	}
	projects, err := userProjects(u.Role, want, nil)
	if err != nil {
		return User{}, err
	}
	var out User
	err = pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		row := tx.QueryRow(ctx, `INSERT INTO users (username, display_name, password_hash, role, team_id, agent_id, phone_endpoint)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+userCols,
			u.Username, u.DisplayName, hash, string(u.Role), nullable(u.TeamID), nullable(u.AgentID), nullable(phone))
		var err error
		if out, err = scanUser(row); err != nil {
			return userErr(err)
		}
		if out.Projects, err = setUserProjects(ctx, tx, out.ID, projects); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return User{}, err
	}
	return out, nil
}

// GetUser returns the user by id; ENOTFOUND if there is none.
func (db *DB) GetUser(ctx context.Context, id int64) (User, error) {
	u, err := scanUser(db.Pool.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, userNotFound(strconv.FormatInt(id, 10))
	}
	return u, err
}

// GetUserByUsername returns the user by name, case-insensitively; ENOTFOUND if there is none.
func (db *DB) GetUserByUsername(ctx context.Context, username string) (User, error) {
	u, err := scanUser(db.Pool.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE lower(username) = lower($1)`, strings.TrimSpace(username)))
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, userNotFound(strconv.Quote(username))
	}
	return u, err
}

// ListUsers returns every user ordered by username.
func (db *DB) ListUsers(ctx context.Context) ([]User, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+userCols+` FROM users ORDER BY lower(username)`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// adminLockKey serialises changes that could remove the last enabled admin.
const adminLockKey = 0x63666164 // "cfad"

// lastAdminGuard returns ECONFLICT when the user id is the only enabled admin and the change
// would take that away. Call it inside tx after pg_advisory_xact_lock(adminLockKey).
func lastAdminGuard(ctx context.Context, tx pgx.Tx, id int64, what string) error {
	var others int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM users WHERE role = 'admin' AND NOT disabled AND id <> $1`, id).Scan(&others); err != nil {
		return err
	}
	if others == 0 {
		return &callfloor.Error{Code: callfloor.CodeLastAdmin, Kind: callfloor.ECONFLICT, Params: callfloor.Params{"action": what}, Message: fmt.Sprintf("cannot %s the last enabled admin", what)}
	}
	return nil
}

// UserChange is what ChangeUser did: the user before and after (no password hash in either), the
// phone endpoint before and after, and whether the password was replaced.
type UserChange struct {
	Before, After           User
	PhoneBefore, PhoneAfter string
	PasswordChanged         bool
	// SessionsEnded: the change ended every browser session of the user (disabled, or a new
	// password). The caller drops its copies of them (dashboards.Auth.userChanged).
	SessionsEnded bool
}

// Changed reports whether the user's identity for authorization (role, team, agent link,
// enabled) changed: cached principals of the user are stale.
func (c UserChange) Changed() bool {
	return !c.Before.Principal().Same(c.After.Principal()) || c.Before.Disabled != c.After.Disabled
}

// UpdateUser changes the given fields. Disabling a user ends their sessions; their API tokens
// stop working while disabled. Demoting, disabling or deleting the last enabled admin is
// ECONFLICT.
func (db *DB) UpdateUser(ctx context.Context, id int64, up UserUpdate) (User, error) {
	c, err := db.ChangeUser(ctx, id, up, nil)
	return c.After, err
}

// ChangeUser applies up as one transaction: every field is validated before anything is
// written (a bad password or phone refuses the whole change), then the user row, the password
// (ending their sessions) and the phone change together or not at all. guard, if not nil, runs
// inside the transaction on the locked current user and may refuse (e.g. "only an admin may
// change an admin") with nothing written.
func (db *DB) ChangeUser(ctx context.Context, id int64, up UserUpdate, guard func(cur User) error) (UserChange, error) {
	var hash string
	if up.Password != nil {
		h, err := hashPassword(*up.Password) // outside the transaction: bcrypt is slow
		if err != nil {
			return UserChange{}, err
		}
		hash = h
	}
	var phone any
	if up.PhoneEndpoint != nil {
		ep, err := checkPhone(*up.PhoneEndpoint)
		if err != nil {
			return UserChange{}, err
		}
		if ep != "" {
			phone = ep
		}
	}
	var c UserChange
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, adminLockKey); err != nil {
			return err
		}
		u, err := scanUser(tx.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = $1 FOR UPDATE`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return userNotFound(strconv.FormatInt(id, 10))
		}
		if err != nil {
			return err
		}
		c.Before = u
		c.PhoneBefore = u.PhoneEndpoint
		if guard != nil {
			if err := guard(u); err != nil {
				return err
			}
		}
		wasAdmin := u.Role == callfloor.RoleAdmin && !u.Disabled
		if up.DisplayName != nil {
			u.DisplayName = strings.TrimSpace(*up.DisplayName)
		}
		if up.Role != nil {
			u.Role = *up.Role
		}
		if up.TeamID != nil {
			u.TeamID = *up.TeamID
		}
		if up.AgentID != nil {
			u.AgentID = *up.AgentID
		}
		if up.Disabled != nil {
			u.Disabled = *up.Disabled
		}
		if err := checkUser(u); err != nil {
			return err
		}
		projects, err := userProjects(u.Role, up.Projects, u.Projects)
		if err != nil {
			return err
		}
		if wasAdmin && (u.Role != callfloor.RoleAdmin || u.Disabled) {
			if err := lastAdminGuard(ctx, tx, id, "demote or disable"); err != nil {
				return err
			}
		}
		c.After, err = scanUser(tx.QueryRow(ctx, `UPDATE users SET display_name = $2, role = $3, team_id = $4, agent_id = $5,
			disabled = $6, updated_at = now() WHERE id = $1 RETURNING `+userCols,
			id, u.DisplayName, string(u.Role), nullable(u.TeamID), nullable(u.AgentID), u.Disabled))
		if err != nil {
			return userErr(err)
		}
		if c.After.Projects, err = setUserProjects(ctx, tx, id, projects); err != nil {
			return err
		}
		if up.Password != nil {
			if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = $2 WHERE id = $1`, id, hash); err != nil {
				return err
			}
			c.PasswordChanged = true
		}
		c.PhoneAfter = c.PhoneBefore
		if up.PhoneEndpoint != nil {
			if _, err := tx.Exec(ctx, `UPDATE users SET phone_endpoint = $2 WHERE id = $1`, id, phone); err != nil {
				return err
			}
			c.PhoneAfter, _ = phone.(string)
		}
		c.After.PhoneEndpoint = c.PhoneAfter
		if u.Disabled || c.PasswordChanged {
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
				return err
			}
			c.SessionsEnded = true
		}
		return nil
	})
	if err != nil {
		return UserChange{}, err
	}
	return c, nil
}

// UsersChangedSince returns the users changed (updated_at) after since, with when, and the
// database's clock now.
func (db *DB) UsersChangedSince(ctx context.Context, since time.Time) (map[int64]time.Time, time.Time, error) {
	rows, err := db.Pool.Query(ctx, `SELECT id, updated_at, now() FROM users WHERE updated_at > $1`, since)
	if err != nil {
		return nil, time.Time{}, err
	}
	defer rows.Close()
	out := map[int64]time.Time{}
	var id int64
	var at, now time.Time
	for rows.Next() {
		if err := rows.Scan(&id, &at, &now); err != nil {
			return nil, time.Time{}, err
		}
		out[id] = at
	}
	if err := rows.Err(); err != nil {
		return nil, time.Time{}, err
	}
	if now.IsZero() {
		if err := db.Pool.QueryRow(ctx, `SELECT now()`).Scan(&now); err != nil {
			return nil, time.Time{}, err
		}
	}
	return out, now, nil
}

// DeleteUser removes the user with their sessions and API tokens (the audit log keeps their id).
func (db *DB) DeleteUser(ctx context.Context, id int64) error {
	return pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, adminLockKey); err != nil {
			return err
		}
		var role string
		var disabled bool
		err := tx.QueryRow(ctx, `SELECT role, disabled FROM users WHERE id = $1 FOR UPDATE`, id).Scan(&role, &disabled)
		if errors.Is(err, pgx.ErrNoRows) {
			return userNotFound(strconv.FormatInt(id, 10))
		}
		if err != nil {
			return err
		}
		if role == string(callfloor.RoleAdmin) && !disabled {
			if err := lastAdminGuard(ctx, tx, id, "delete"); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `DELETE FROM users WHERE id = $1`, id)
		return err
	})
}

// SetPassword replaces the user's password and ends all their sessions (every browser must log
// in again with the new one). API tokens are left alone: revoke them separately.
func (db *DB) SetPassword(ctx context.Context, id int64, password string) error {
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1`, id, hash)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return userNotFound(strconv.FormatInt(id, 10))
		}
		_, err = tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, id)
		return err
	})
}

// AuthFailure is the error of a refused Authenticate: its message (and code, EUNAUTH) is the same
// whatever the cause, so a client cannot tell a wrong password from an unknown or disabled user;
// Reason ("unknown_user", "bad_password", "disabled") and UserID are for the audit log only.
type AuthFailure struct {
	Reason string
	UserID int64 // 0 for an unknown user
}

// ErrBadCredentials is the one error clients see for a failed login.
var ErrBadCredentials = &callfloor.Error{Code: callfloor.CodeBadCredentials, Kind: callfloor.EUNAUTH, Message: "invalid username or password"}

func (e *AuthFailure) Error() string { return ErrBadCredentials.Message }
func (e *AuthFailure) Unwrap() error { return ErrBadCredentials }

var (
	dummyMu     sync.Mutex
	dummyHashes = map[int][]byte{}
)

// dummyHash is a hash at the current cost to compare against when the user does not exist, so
// an unknown username costs the same time as a wrong password.
func dummyHash() []byte {
	dummyMu.Lock()
	defer dummyMu.Unlock()
	cost := BcryptCost
	if h, ok := dummyHashes[cost]; ok {
		return h
	}
	h, err := bcrypt.GenerateFromPassword([]byte("callfloor-no-such-user"), cost)
	if err != nil { // an invalid cost: fall back to the default rather than skip the work
		h, _ = bcrypt.GenerateFromPassword([]byte("callfloor-no-such-user"), bcrypt.DefaultCost)
	}
	dummyHashes[cost] = h
	return h
}

// Authenticate checks a username and password. Every refusal is an *AuthFailure wrapping
// ErrBadCredentials (EUNAUTH); bcrypt runs once on every path, so timing does not say whether the
// user exists. A disabled user is refused even with the right password.
func (db *DB) Authenticate(ctx context.Context, username, password string) (User, error) {
	var hash string
	row := db.Pool.QueryRow(ctx, `SELECT `+userCols+`, password_hash FROM users WHERE lower(username) = lower($1)`, strings.TrimSpace(username))
	var u User
	var role string
	err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &role, &u.TeamID, &u.AgentID, &u.Disabled, &u.PhoneEndpoint, &u.CreatedAt, &u.UpdatedAt, &u.Projects, &hash)
	u.Role = callfloor.Role(role)
	if errors.Is(err, pgx.ErrNoRows) {
		_ = bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
		return User{}, &AuthFailure{Reason: "unknown_user"}
	}
	if err != nil {
		return User{}, err
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		return User{}, &AuthFailure{Reason: "bad_password", UserID: u.ID}
	}
	if u.Disabled {
		return User{}, &AuthFailure{Reason: "disabled", UserID: u.ID}
	}
	return u, nil
}

// newSecret returns 32 random bytes, base64url without padding.
func newSecret() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

func tokenHash(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}

var errNoSession = &callfloor.Error{Code: callfloor.EUNAUTH, Message: "no valid session: log in again"}

// CreateSession starts a browser session for the user, valid for ttl, and returns the secret
// for the cookie (the database keeps only its SHA-256).
func (db *DB) CreateSession(ctx context.Context, userID int64, ttl time.Duration, ip, userAgent string) (string, error) {
	if ttl <= 0 {
		return "", userInvalid("ttl", "must be positive").With(callfloor.CodeOutOfRange, callfloor.Params{"min": 0, "exclusive": true})
	}
	tok, err := newSecret()
	if err != nil {
		return "", err
	}
	if len(userAgent) > 512 {
		userAgent = userAgent[:512]
	}
	_, err = db.Pool.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, expires_at, ip, user_agent)
		VALUES ($1, $2, now() + $3 * interval '1 microsecond', $4, $5)`,
		tokenHash(tok), userID, ttl.Microseconds(), ip, strings.ToValidUTF8(userAgent, ""))
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23503" {
			return "", userNotFound(strconv.FormatInt(userID, 10))
		}
		return "", err
	}
	return tok, nil
}

// SessionPrincipal returns who the session belongs to. An unknown or expired session, or one of a
// disabled user, is EUNAUTH. last_seen_at moves at most once a minute (no write per request);
// expires_at is fixed at creation.
func (db *DB) SessionPrincipal(ctx context.Context, token string) (callfloor.Principal, error) {
	p, _, err := db.SessionInfo(ctx, token)
	return p, err
}

// SessionInfo is SessionPrincipal with the session's expiry (for copies kept elsewhere, which
// must not outlive it).
func (db *DB) SessionInfo(ctx context.Context, token string) (callfloor.Principal, time.Time, error) {
	if token == "" || len(token) > 100 {
		return callfloor.Principal{}, time.Time{}, errNoSession
	}
	h := tokenHash(token)
	var u User
	var role string
	var lastSeen, expires time.Time
	var expired bool
	var pTeams, pQueues []string
	err := db.Pool.QueryRow(ctx, `SELECT u.id, u.username, u.role, coalesce(u.team_id, ''), coalesce(u.agent_id, ''), u.disabled,
		coalesce((SELECT array_agg(up.project_id ORDER BY up.project_id) FROM user_projects up WHERE up.user_id = u.id), '{}'),
		`+projectScopeCols+`,
			s.last_seen_at, s.expires_at, s.expires_at <= now()
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1`, h).
		Scan(&u.ID, &u.Username, &role, &u.TeamID, &u.AgentID, &u.Disabled, &u.Projects, &pTeams, &pQueues, &lastSeen, &expires, &expired)
	u.Role = callfloor.Role(role)
	if errors.Is(err, pgx.ErrNoRows) {
		return callfloor.Principal{}, time.Time{}, errNoSession
	}
	if err != nil {
		return callfloor.Principal{}, time.Time{}, err
	}
	if expired {
		_, _ = db.Pool.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, h)
		return callfloor.Principal{}, time.Time{}, errNoSession
	}
	if u.Disabled {
		return callfloor.Principal{}, time.Time{}, errNoSession
	}
	if time.Since(lastSeen) >= touchEvery {
		// The condition repeats in SQL so concurrent requests write once.
		if _, err := db.Pool.Exec(ctx, `UPDATE sessions SET last_seen_at = now()
			WHERE token_hash = $1 AND last_seen_at < now() - interval '1 minute'`, h); err != nil {
			return callfloor.Principal{}, time.Time{}, err
		}
	}
	return scopedPrincipal(u, pTeams, pQueues), expires, nil
}

// DeleteSession ends the session (logout); an unknown token is not an error.
func (db *DB) DeleteSession(ctx context.Context, token string) error {
	_, err := db.Pool.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash(token))
	return err
}

// DeleteExpiredSessions removes sessions past their expiry and returns how many.
func (db *DB) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	tag, err := db.Pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= now()`)
	return tag.RowsAffected(), err
}

// APIToken describes an API token; the secret itself is shown once, by CreateAPIToken.
type APIToken struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	UserID     int64      `json:"user_id"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

var errBadToken = &callfloor.Error{Code: callfloor.EUNAUTH, Message: "invalid or revoked API token"}

// CreateAPIToken makes a token acting as the user and returns its plaintext ("cf_" + 43
// characters), which is not stored and cannot be shown again.
func (db *DB) CreateAPIToken(ctx context.Context, userID int64, name string) (string, int64, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", 0, userInvalid("name", "required (what the token is for)").With(callfloor.CodeRequired, nil)
	}
	if len(name) > 100 {
		return "", 0, userInvalid("name", "at most 100 bytes").With(callfloor.CodeTooLong, callfloor.Params{"max": 100})
	}
	sec, err := newSecret()
	if err != nil {
		return "", 0, err
	}
	tok := APITokenPrefix + sec
	var id int64
	err = db.Pool.QueryRow(ctx, `INSERT INTO api_tokens (name, token_hash, user_id) VALUES ($1, $2, $3) RETURNING id`,
		name, tokenHash(tok), userID).Scan(&id)
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23503" {
			return "", 0, userNotFound(strconv.FormatInt(userID, 10))
		}
		return "", 0, err
	}
	return tok, id, nil
}

// TokenPrincipal returns the user an API token acts as. Unknown, revoked, or of a disabled user:
// EUNAUTH. last_used_at moves at most once a minute.
func (db *DB) TokenPrincipal(ctx context.Context, token string) (callfloor.Principal, error) {
	p, _, err := db.TokenInfo(ctx, token)
	return p, err
}

// TokenInfo is TokenPrincipal with the token's id.
func (db *DB) TokenInfo(ctx context.Context, token string) (callfloor.Principal, int64, error) {
	if !strings.HasPrefix(token, APITokenPrefix) || len(token) > 100 {
		return callfloor.Principal{}, 0, errBadToken
	}
	var u User
	var role string
	var id int64
	var lastUsed *time.Time
	var pTeams, pQueues []string
	err := db.Pool.QueryRow(ctx, `SELECT u.id, u.username, u.role, coalesce(u.team_id, ''), coalesce(u.agent_id, ''), u.disabled,
		coalesce((SELECT array_agg(up.project_id ORDER BY up.project_id) FROM user_projects up WHERE up.user_id = u.id), '{}'),
		`+projectScopeCols+`,
			t.id, t.last_used_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND t.revoked_at IS NULL`, tokenHash(token)).
		Scan(&u.ID, &u.Username, &role, &u.TeamID, &u.AgentID, &u.Disabled, &u.Projects, &pTeams, &pQueues, &id, &lastUsed)
	u.Role = callfloor.Role(role)
	if errors.Is(err, pgx.ErrNoRows) {
		return callfloor.Principal{}, 0, errBadToken
	}
	if err != nil {
		return callfloor.Principal{}, 0, err
	}
	if u.Disabled {
		return callfloor.Principal{}, 0, errBadToken
	}
	if lastUsed == nil || time.Since(*lastUsed) >= touchEvery {
		if _, err := db.Pool.Exec(ctx, `UPDATE api_tokens SET last_used_at = now()
			WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, id); err != nil {
			return callfloor.Principal{}, 0, err
		}
	}
	return scopedPrincipal(u, pTeams, pQueues), id, nil
}

const tokenCols = `id, name, user_id, created_at, last_used_at, revoked_at`

func scanToken(row pgx.Row) (APIToken, error) {
	var t APIToken
	err := row.Scan(&t.ID, &t.Name, &t.UserID, &t.CreatedAt, &t.LastUsedAt, &t.RevokedAt)
	return t, err
}

// GetAPIToken describes a token by id; ENOTFOUND if there is none.
func (db *DB) GetAPIToken(ctx context.Context, id int64) (APIToken, error) {
	t, err := scanToken(db.Pool.QueryRow(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return APIToken{}, callfloor.NotFound("token", strconv.FormatInt(id, 10), "API token %d not found", id)
	}
	return t, err
}

// ListAPITokens lists the user's tokens, revoked ones included, newest first.
func (db *DB) ListAPITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+tokenCols+` FROM api_tokens WHERE user_id = $1 ORDER BY id DESC`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []APIToken{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeAPIToken stops a token from working; revoking it again changes nothing. ENOTFOUND if
// there is no such token.
func (db *DB) RevokeAPIToken(ctx context.Context, id int64) error {
	var found bool
	err := db.Pool.QueryRow(ctx, `WITH t AS (SELECT id FROM api_tokens WHERE id = $1),
		r AS (UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL)
		SELECT EXISTS (SELECT 1 FROM t)`, id).Scan(&found)
	if err != nil {
		return err
	}
	if !found {
		return callfloor.NotFound("token", strconv.FormatInt(id, 10), "API token %d not found", id)
	}
	return nil
}

// Team is a group of agents led by team leads.
type Team struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// ProjectID is the project that owns the team ("default" unless moved).
	ProjectID string    `json:"project_id"`
	CreatedAt time.Time `json:"created_at"`
}

var teamIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func teamNotFound(id string) error {
	return callfloor.NotFound("team", id, "team %q not found", id)
}

// CreateTeam adds a team (Name defaults to the id); an id in use is ECONFLICT.
func (db *DB) CreateTeam(ctx context.Context, t Team) (Team, error) {
	if !teamIDRE.MatchString(t.ID) {
		return Team{}, userInvalid("id", "1 to 64 letters, digits or . _ -, starting with a letter or digit").With(callfloor.CodeInvalidFormat, callfloor.Params{"format": "identifier", "max": 64})
	}
	t.Name = strings.TrimSpace(t.Name)
	if t.Name == "" {
		t.Name = t.ID
	}
	if err := callfloor.ValidateLabel("name", t.Name); err != nil {
		return Team{}, err
	}
	if t.ProjectID == "" {
		t.ProjectID = DefaultProject
	}
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO teams (id, name, project_id) VALUES ($1, $2, $3) RETURNING id, name, project_id, created_at`, t.ID, t.Name, t.ProjectID).
			Scan(&t.ID, &t.Name, &t.ProjectID, &t.CreatedAt)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23505" {
			return callfloor.AlreadyExists("id", "team", t.ID, "id: team %q exists", t.ID)
		}
		if errors.As(err, &pe) && pe.Code == "23503" {
			return unknownProject(t.ProjectID)
		}
		if err != nil {
			return err
		}
		return projectChanged(ctx, tx, t.ProjectID)
	})
	if err != nil {
		return Team{}, err
	}
	return t, nil
}

// GetTeam returns the team; ENOTFOUND if there is none.
func (db *DB) GetTeam(ctx context.Context, id string) (Team, error) {
	var t Team
	err := db.Pool.QueryRow(ctx, `SELECT id, name, project_id, created_at FROM teams WHERE id = $1`, id).Scan(&t.ID, &t.Name, &t.ProjectID, &t.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Team{}, teamNotFound(id)
	}
	return t, err
}

// ListTeams returns every team ordered by id.
func (db *DB) ListTeams(ctx context.Context) ([]Team, error) {
	rows, err := db.Pool.Query(ctx, `SELECT id, name, project_id, created_at FROM teams ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Team{}
	for rows.Next() {
		var t Team
		if err := rows.Scan(&t.ID, &t.Name, &t.ProjectID, &t.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// UpdateTeam renames the team t.ID (SetTeamProject moves it to another project).
func (db *DB) UpdateTeam(ctx context.Context, t Team) (Team, error) {
	t.Name = strings.TrimSpace(t.Name)
	if t.Name == "" {
		return Team{}, userInvalid("name", "required").With(callfloor.CodeRequired, nil)
	}
	if err := callfloor.ValidateLabel("name", t.Name); err != nil {
		return Team{}, err
	}
	err := db.Pool.QueryRow(ctx, `UPDATE teams SET name = $2 WHERE id = $1 RETURNING id, name, project_id, created_at`, t.ID, t.Name).
		Scan(&t.ID, &t.Name, &t.ProjectID, &t.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Team{}, teamNotFound(t.ID)
	}
	return t, err
}

// DeleteTeam removes an empty team. A team that users or configured agents still belong to is
// ECONFLICT: move them first.
func (db *DB) DeleteTeam(ctx context.Context, id string) error {
	return pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		var agents bool
		// agents (migration 00003) holds team_id without a foreign key; check it here.
		err := tx.QueryRow(ctx, `SELECT to_regclass('agents') IS NOT NULL`).Scan(&agents)
		if err != nil {
			return err
		}
		if agents {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM agents WHERE team_id = $1`, id).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return &callfloor.Error{Code: callfloor.CodeInUse, Params: callfloor.Params{"what": "team", "value": id, "agents": n}, Message: fmt.Sprintf("team %q still has %d agent(s): move them first", id, n)}
			}
		}
		tag, err := tx.Exec(ctx, `DELETE FROM teams WHERE id = $1`, id)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23503" {
			return &callfloor.Error{Code: callfloor.CodeInUse, Params: callfloor.Params{"what": "team", "value": id}, Message: fmt.Sprintf("team %q still has users: move them first", id)}
		}
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return teamNotFound(id)
		}
		return nil
	})
}

// AuditEntry is one line of the audit trail. ActorUserID is 0 when the actor is not a user
// (the CLI, the system, an unknown username at login).
type AuditEntry struct {
	ID          int64          `json:"id"`
	At          time.Time      `json:"at"`
	ActorUserID int64          `json:"actor_user_id,omitempty"`
	Actor       string         `json:"actor"`
	Action      string         `json:"action"`
	TargetType  string         `json:"target_type,omitempty"`
	TargetID    string         `json:"target_id,omitempty"`
	Detail      map[string]any `json:"detail,omitempty"`
	IP          string         `json:"ip,omitempty"`
}

// AuditFilter selects audit lines; zero fields do not filter. Results are newest first; pass
// the last ID seen as Before for the next page.
type AuditFilter struct {
	Since, Until time.Time // At >= Since, At < Until
	Action       string
	Actor        string // who acted (a username; any case)
	TargetType   string
	TargetID     string
	Limit        int   // default 100, at most 1000
	Before       int64 // keyset: only entries with ID < Before
}

// Audit appends an entry to the audit log.
func (db *DB) Audit(ctx context.Context, e AuditEntry) error {
	if e.Action == "" {
		return userInvalid("action", "required").With(callfloor.CodeRequired, nil)
	}
	if e.Actor == "" {
		return userInvalid("actor", "required").With(callfloor.CodeRequired, nil)
	}
	detail := []byte("{}")
	if len(e.Detail) > 0 {
		var err error
		if detail, err = json.Marshal(e.Detail); err != nil {
			return fmt.Errorf("audit detail: %w", err)
		}
	}
	var actorID *int64
	if e.ActorUserID != 0 {
		actorID = &e.ActorUserID
	}
	_, err := db.Pool.Exec(ctx, `INSERT INTO audit_log (actor_user_id, actor, action, target_type, target_id, detail, ip)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, actorID, e.Actor, e.Action, e.TargetType, e.TargetID, string(detail), e.IP)
	return err
}

// ListAudit returns the entries matching f, newest first.
func (db *DB) ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	if f.Limit > 1000 {
		f.Limit = 1000
	}
	var w sqlWhere
	if !f.Since.IsZero() {
		w.add("at >= ?", f.Since)
	}
	if !f.Until.IsZero() {
		w.add("at < ?", f.Until)
	}
	if f.Action != "" {
		w.add("action = ?", f.Action)
	}
	if f.Actor != "" {
		w.add("lower(actor) = lower(?)", f.Actor)
	}
	if f.TargetType != "" {
		w.add("target_type = ?", f.TargetType)
	}
	if f.TargetID != "" {
		w.add("target_id = ?", f.TargetID)
	}
	if f.Before > 0 {
		w.add("id < ?", f.Before)
	}
	q := `SELECT id, at, coalesce(actor_user_id, 0), actor, action, target_type, target_id, detail, ip FROM audit_log`
	if c := w.clause(); c != "" {
		q += " WHERE " + c
	}
	q += " ORDER BY id DESC LIMIT " + w.arg(f.Limit)
	rows, err := db.Pool.Query(ctx, q, w.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []AuditEntry{}
	for rows.Next() {
		var e AuditEntry
		var detail []byte
		if err := rows.Scan(&e.ID, &e.At, &e.ActorUserID, &e.Actor, &e.Action, &e.TargetType, &e.TargetID, &detail, &e.IP); err != nil {
			return nil, err
		}
		if len(detail) > 0 && string(detail) != "{}" {
			if err := json.Unmarshal(detail, &e.Detail); err != nil {
				return nil, fmt.Errorf("audit %d detail: %w", e.ID, err)
			}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// userProjects is what a user of role should have in user_projects: want (nil: unchanged from
// current) for a project manager, "default" for a project manager who would have none given;
// nothing for other roles, who may not be given projects (EINVALID on "projects").
func userProjects(role callfloor.Role, want *[]string, current []string) ([]string, error) {
	if role != callfloor.RoleProjectManager {
		if want != nil && len(*want) > 0 {
			return nil, userInvalid("projects", "only a project manager runs projects (role %s)", role).With(callfloor.CodeNotApplicable, callfloor.Params{"other": "role", "value": string(role)})
		}
		return nil, nil
	}
	var out []string
	if want != nil {
		seen := map[string]bool{}
		for _, p := range *want {
			p = strings.TrimSpace(p)
			if p == "" {
				return nil, userInvalid("projects", "a project id is empty").With(callfloor.CodeRequired, nil)
			}
			if seen[p] {
				return nil, userInvalid("projects", "project %q is listed twice", p).With(callfloor.CodeDuplicate, callfloor.Params{"value": p})
			}
			seen[p] = true
			out = append(out, p)
		}
		if len(out) == 0 {
			return nil, userInvalid("projects", "a project manager needs at least one project").With(callfloor.CodeTooFew, callfloor.Params{"min": 1})
		}
	} else {
		out = current
	}
	if len(out) == 0 {
		out = []string{DefaultProject}
	}
	return out, nil
}

// setUserProjects replaces the user's projects with projects and returns them sorted; an
// unknown project is EINVALID on "projects".
func setUserProjects(ctx context.Context, tx pgx.Tx, userID int64, projects []string) ([]string, error) {
	if _, err := tx.Exec(ctx, `DELETE FROM user_projects WHERE user_id = $1`, userID); err != nil {
		return nil, err
	}
	if len(projects) == 0 {
		return nil, nil
	}
	var missing string
	err := tx.QueryRow(ctx, `SELECT coalesce((SELECT p FROM unnest($1::text[]) p WHERE p NOT IN (SELECT id FROM projects) LIMIT 1), '')`, projects).Scan(&missing)
	if err != nil {
		return nil, err
	}
	if missing != "" {
		return nil, userInvalid("projects", "no project %q", missing).With(callfloor.CodeUnknownRef, callfloor.Params{"what": "project", "value": missing})
	}
	if _, err := tx.Exec(ctx, `INSERT INTO user_projects (user_id, project_id) SELECT $1, unnest($2::text[])`, userID, projects); err != nil {
		return nil, err
	}
	out := slices.Clone(projects)
	slices.Sort(out)
	return out, nil
}

// projectScopeCols are a project manager's projects' teams and queues (sorted; empty for other
// roles), for a query over users u.
const projectScopeCols = `CASE WHEN u.role = 'project_manager' THEN coalesce((SELECT array_agg(t.id ORDER BY t.id) FROM teams t
			JOIN user_projects up ON up.project_id = t.project_id WHERE up.user_id = u.id), '{}') ELSE '{}' END,
		CASE WHEN u.role = 'project_manager' THEN coalesce((SELECT array_agg(q.name ORDER BY q.name) FROM queues q
			JOIN user_projects up ON up.project_id = q.project_id WHERE up.user_id = u.id), '{}') ELSE '{}' END`

// scopedPrincipal is u's principal with a project manager's teams and queues.
func scopedPrincipal(u User, teams, queues []string) callfloor.Principal {
	p := u.Principal()
	if len(teams) > 0 {
		p.ProjectTeams = teams
	}
	if len(queues) > 0 {
		p.ProjectQueues = queues
	}
	if len(p.Projects) == 0 {
		p.Projects = nil
	}
	return p
}
