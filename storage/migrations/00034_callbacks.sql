-- +goose Up
-- Issue 14: call-backs. A call-back keeps its call (the same id and entry time); callback_at
-- says when the waiting caller requested it, so that the history tells call-backs apart.
ALTER TABLE calls ADD COLUMN callback_at timestamptz;

-- The call-back list of a team: callers who abandoned one of its queues (not short abandons)
-- and call-backs whose number never answered, one open entry per number and team however often
-- the number hung up (calls counts them), closed when a later call from or to the number is
-- answered (status served) or when an agent records the outcome (done). due_at = the first
-- abandon + the queue's callback.target (回拨及时率: dialled_at <= due_at).
CREATE TABLE callback_list (
    id            bigserial   PRIMARY KEY,
    team          text        NOT NULL,
    queue         text        NOT NULL,
    phone         text        NOT NULL, -- callfloor.CanonicalPhone
    variants      text[]      NOT NULL, -- the forms the number may have in calls (+86…, 86…, national, 0…)
    source        text        NOT NULL, -- abandoned | callback_failed
    first_call_id text        NOT NULL,
    last_call_id  text        NOT NULL,
    calls         int         NOT NULL DEFAULT 1,
    since         timestamptz NOT NULL,
    last_at       timestamptz NOT NULL,
    due_at        timestamptz NOT NULL,
    status        text        NOT NULL DEFAULT 'open', -- open | claimed | done | served
    claimed_by    text,
    claimed_at    timestamptz,
    attempts      int         NOT NULL DEFAULT 0,
    dialled_at    timestamptz, -- the first dial from the list
    dial_call_id  text,
    outcome       text,
    note          text,
    closed_at     timestamptz,
    closed_by     text -- the user who recorded the outcome, or the answered call that served it
);
CREATE UNIQUE INDEX callback_list_open_idx ON callback_list (team, phone) WHERE status IN ('open', 'claimed');
CREATE INDEX callback_list_due_idx ON callback_list (due_at);
CREATE INDEX callback_list_phone_idx ON callback_list (phone);

-- The calls already taken into the list (or skipped: served later, no valid number), so that
-- syncing again is idempotent.
CREATE TABLE callback_sources (
    call_id  text        PRIMARY KEY,
    entry_id bigint      REFERENCES callback_list (id) ON DELETE CASCADE,
    ended_at timestamptz NOT NULL
);
CREATE INDEX calls_callback_outcome_idx ON calls (ended_at) WHERE outcome IN ('abandoned', 'callback_failed');

-- +goose Down
DROP INDEX IF EXISTS calls_callback_outcome_idx;
DROP TABLE IF EXISTS callback_sources;
DROP TABLE IF EXISTS callback_list;
ALTER TABLE calls DROP COLUMN IF EXISTS callback_at;
