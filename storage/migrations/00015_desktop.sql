-- +goose Up
-- The agent desktop (issue 10 item 5): blind transfers on the call record, disposition codes
-- per queue (and whether a queue requires one), and each call's disposition and note.
ALTER TABLE calls ADD COLUMN transferred_to text, ADD COLUMN transferred_from text;

-- A queue's disposition settings: required = the agent may not end wrap-up early without one.
CREATE TABLE disposition_queues (
    queue      text PRIMARY KEY,
    required   boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE dispositions (
    queue    text NOT NULL,
    code     text NOT NULL,
    label    text NOT NULL,
    position int  NOT NULL,
    PRIMARY KEY (queue, code)
);

-- One disposition and note per call (the latest). Keyed by the call id alone: it may be set
-- while the call is live, before the history writer has its row. The label is kept as it was
-- when chosen (a code removed later still reads right).
CREATE TABLE call_dispositions (
    call_id  text PRIMARY KEY,
    queue    text,
    agent_id text,
    code     text,
    label    text,
    note     text NOT NULL DEFAULT '',
    set_by   text NOT NULL,
    set_at   timestamptz NOT NULL
);
CREATE INDEX call_dispositions_code_idx ON call_dispositions (code);

-- +goose Down
DROP TABLE IF EXISTS call_dispositions;
DROP TABLE IF EXISTS dispositions;
DROP TABLE IF EXISTS disposition_queues;
ALTER TABLE calls DROP COLUMN IF EXISTS transferred_to, DROP COLUMN IF EXISTS transferred_from;
