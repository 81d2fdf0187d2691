-- The history schema: what the history writer (storage/history.go) drains from the Redis change
-- stream. Names are unqualified: the schema is whatever search_path says, so tests can give each
-- run a schema of its own.
--
-- The big tables are partitioned by month on the time a row is about. Each has a DEFAULT
-- partition so a row never fails for lack of a month; history_ensure_month() (called by
-- DB.EnsurePartitions) creates a month's partition and moves into it the rows that had landed in
-- the default one. Old months are detached and dropped whole (DB.DropMonthsBefore), which is
-- how retention stays cheap: no DELETE of millions of rows.

-- +goose Up

-- stream_id_after: is stream id a ("ms-seq") newer than b? Text comparison is wrong
-- ("9-0" > "10-0"), so compare the two numbers. A NULL b (no event yet) is always older.
-- +goose StatementBegin
CREATE FUNCTION stream_id_after(a text, b text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT b IS NULL OR
    (split_part(a, '-', 1)::bigint, coalesce(nullif(split_part(a, '-', 2), ''), '0')::bigint) >
    (split_part(b, '-', 1)::bigint, coalesce(nullif(split_part(b, '-', 2), ''), '0')::bigint)
$$;
-- +goose StatementEnd

CREATE TABLE calls (
    id             text        NOT NULL,
    direction      text        NOT NULL,
    queue          text,
    priority       int,
    node           text,
    asterisk_id    text,
    caller_number  text,
    caller_name    text,
    called_number  text,
    agent_id       text,
    entered_at     timestamptz NOT NULL,
    first_offer_at timestamptz,
    answered_at    timestamptz,
    ended_at       timestamptz,
    wait_ms        bigint,
    ring_ms        bigint,
    talk_ms        bigint,
    hold_ms        bigint,
    wrap_ms        bigint,
    outcome        text,
    hangup_by      text,
    cause          int,
    cause_text     text,
    recording_name text,
    offers         int         NOT NULL DEFAULT 0,
    last_event_id  text        NOT NULL, -- stream id of the event this row reflects
    PRIMARY KEY (id, entered_at)
) PARTITION BY RANGE (entered_at);
CREATE TABLE calls_default PARTITION OF calls DEFAULT;
CREATE INDEX calls_entered_idx ON calls (entered_at DESC, id DESC);
CREATE INDEX calls_agent_idx ON calls (agent_id, entered_at DESC);
CREATE INDEX calls_queue_idx ON calls (queue, entered_at DESC);
CREATE INDEX calls_caller_idx ON calls (caller_number);
CREATE INDEX calls_called_idx ON calls (called_number);
CREATE INDEX calls_outcome_idx ON calls (outcome);

-- One ring of one agent's phone (or, outbound, of the customer) for a call.
CREATE TABLE offers (
    call_id         text        NOT NULL,
    seq             int         NOT NULL, -- 1-based position in Call.Offers
    call_entered_at timestamptz NOT NULL,
    agent_id        text,
    channel         text,
    started_at      timestamptz NOT NULL,
    ended_at        timestamptz,
    ring_ms         bigint,
    result          text,
    cause           int,
    PRIMARY KEY (call_id, seq, started_at)
) PARTITION BY RANGE (started_at);
CREATE TABLE offers_default PARTITION OF offers DEFAULT;
CREATE INDEX offers_agent_idx ON offers (agent_id, started_at DESC);

-- [started_at, ended_at) spent by an agent in one state.
CREATE TABLE agent_state_intervals (
    agent_id    text        NOT NULL,
    state       text        NOT NULL,
    reason      text,
    direction   text,
    call_id     text,
    started_at  timestamptz NOT NULL,
    ended_at    timestamptz NOT NULL,
    duration_ms bigint      NOT NULL,
    PRIMARY KEY (agent_id, started_at, state)
) PARTITION BY RANGE (started_at);
CREATE TABLE agent_state_intervals_default PARTITION OF agent_state_intervals DEFAULT;
CREATE INDEX agent_state_intervals_started_idx ON agent_state_intervals (started_at);

-- Where an agent state began, with what the interval that closes it later cannot carry (the
-- agent.state event closing a state names only its reason): direction and call. Insert-only,
-- pruned after two days by the writer (states with a call do not last that long).
CREATE TABLE agent_state_open (
    agent_id   text        NOT NULL,
    started_at timestamptz NOT NULL,
    state      text        NOT NULL,
    direction  text,
    call_id    text,
    PRIMARY KEY (agent_id, started_at, state)
);

-- Logged in from a transition out of logged_out until the next transition into it.
CREATE TABLE agent_sessions (
    agent_id  text        NOT NULL,
    login_at  timestamptz NOT NULL,
    logout_at timestamptz,
    PRIMARY KEY (agent_id, login_at)
);
CREATE INDEX agent_sessions_login_idx ON agent_sessions (login_at);

-- Every logout seen, so a logout handled before its login (two writers, a reclaimed batch)
-- still closes the session when the login arrives.
CREATE TABLE agent_logouts (
    agent_id text        NOT NULL,
    at       timestamptz NOT NULL,
    PRIMARY KEY (agent_id, at)
);

CREATE TABLE recordings (
    name            text PRIMARY KEY,
    node            text,
    asterisk_id     text,
    format          text,
    duration_s      int,
    size_bytes      bigint,
    call_id         text NOT NULL,
    call_entered_at timestamptz,
    agent_id        text,
    queue           text,
    created_at      timestamptz NOT NULL
);
CREATE INDEX recordings_call_idx ON recordings (call_id);
CREATE INDEX recordings_created_idx ON recordings (created_at);

-- history_ensure_month creates parent's partition for the month starting at month_start
-- (<parent>_y2026m11) unless it exists, moving into it the rows of that month that sit in the
-- default partition (ATTACH would fail on them otherwise). It locks the default partition so no
-- row of the month slips in between the move and the attach; writers wait for the moment it
-- takes. Returns the partition's name.
-- +goose StatementBegin
CREATE FUNCTION history_ensure_month(parent text, month_start date) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  m    date := date_trunc('month', month_start)::date;
  part text := format('%s_y%sm%s', parent, to_char(m, 'YYYY'), to_char(m, 'MM'));
  def  text := parent || '_default';
  col  text;
  lo   timestamptz := m::timestamp AT TIME ZONE 'UTC'; -- months are UTC months
  hi   timestamptz := (m + interval '1 month')::timestamp AT TIME ZONE 'UTC';
BEGIN
  IF to_regclass(part) IS NOT NULL THEN
    RETURN part;
  END IF;
  SELECT a.attname INTO STRICT col
    FROM pg_partitioned_table p
    JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
   WHERE p.partrelid = to_regclass(parent);
  EXECUTE format('LOCK TABLE %I IN SHARE UPDATE EXCLUSIVE MODE', parent);
  EXECUTE format('LOCK TABLE %I IN ACCESS EXCLUSIVE MODE', def);
  IF to_regclass(part) IS NOT NULL THEN -- made by someone else while we waited
    RETURN part;
  END IF;
  EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part, parent);
  EXECUTE format('WITH moved AS (DELETE FROM %I WHERE %I >= $1 AND %I < $2 RETURNING *) INSERT INTO %I SELECT * FROM moved',
                 def, col, col, part) USING lo, hi;
  EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', parent, part, lo, hi);
  RETURN part;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION IF EXISTS history_ensure_month(text, date);
DROP TABLE IF EXISTS recordings;
DROP TABLE IF EXISTS agent_logouts;
DROP TABLE IF EXISTS agent_sessions;
DROP TABLE IF EXISTS agent_state_open;
DROP TABLE IF EXISTS agent_state_intervals;
DROP TABLE IF EXISTS offers;
DROP TABLE IF EXISTS calls;
DROP FUNCTION IF EXISTS stream_id_after(text, text);
