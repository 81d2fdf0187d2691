-- +goose Up
-- QA scorecards, versioned: every edit is a new (id, version) row and a row's form never changes
-- once written, so an evaluation scored with a version can always be re-read against it.
-- retired is set on the latest version when the scorecard is withdrawn (no new evaluations, no
-- new versions); the versions stay readable.
CREATE TABLE scorecards (
    id         text        NOT NULL,
    version    int         NOT NULL CHECK (version >= 1),
    name       text        NOT NULL,
    form       jsonb       NOT NULL, -- the callfloor.Scorecard
    created_by text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    retired    bool        NOT NULL DEFAULT false,
    PRIMARY KEY (id, version)
);

-- +goose Down
DROP TABLE IF EXISTS scorecards;
