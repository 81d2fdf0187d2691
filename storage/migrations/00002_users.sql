-- +goose Up
-- Users, roles, browser sessions, API tokens and the audit log. Secrets are stored only as
-- hashes: bcrypt for passwords, SHA-256 for session and API tokens (both are 32 random bytes,
-- so a fast hash is enough and lets the lookup use the primary key).

CREATE TABLE teams (
    id         text PRIMARY KEY CHECK (id <> ''),
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id            bigserial PRIMARY KEY,
    username      text NOT NULL CHECK (username <> ''),
    display_name  text NOT NULL DEFAULT '',
    password_hash text NOT NULL,
    role          text NOT NULL CHECK (role IN ('agent', 'team_lead', 'qa', 'supervisor', 'operations_manager', 'admin')),
    -- no ON DELETE: a team with members cannot be deleted
    team_id       text NULL REFERENCES teams (id),
    -- the ACD agent id this user is (one user per agent)
    agent_id      text NULL UNIQUE,
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
-- usernames are unique regardless of case
CREATE UNIQUE INDEX users_username_lower ON users (lower(username));
CREATE INDEX users_team ON users (team_id);

CREATE TABLE sessions (
    token_hash   bytea PRIMARY KEY, -- SHA-256 of the cookie value, never the value itself
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    ip           text NOT NULL DEFAULT '',
    user_agent   text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL,
    token_hash   bytea NOT NULL UNIQUE, -- SHA-256 of the token
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE, -- the token acts as this user
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz NULL,
    revoked_at   timestamptz NULL
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE audit_log (
    id            bigserial PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT now(),
    actor_user_id bigint NULL, -- no foreign key: the trail outlives deleted users
    actor         text NOT NULL,
    action        text NOT NULL,
    target_type   text NOT NULL DEFAULT '',
    target_id     text NOT NULL DEFAULT '',
    detail        jsonb NOT NULL DEFAULT '{}',
    ip            text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at DESC);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id);

-- +goose Down
DROP TABLE IF EXISTS audit_log;
DROP TABLE IF EXISTS api_tokens;
DROP TABLE IF EXISTS sessions;
DROP TABLE IF EXISTS users;
DROP TABLE IF EXISTS teams;
