-- +goose Up
-- Pause reasons, editable at run time (PUT /api/v1/pause-reasons); the configuration file's
-- acd.pause_reasons seeds the table while it is empty.
CREATE TABLE pause_reasons (
    name        text PRIMARY KEY,
    paid        boolean NOT NULL DEFAULT false,
    max_seconds integer NOT NULL DEFAULT 0 CHECK (max_seconds >= 0), -- 0 = no maximum
    position    integer NOT NULL,                                    -- the order the list is shown in
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE pause_reasons;
