-- +goose Up
-- Roster staffing rules per team (issue 12): the fewest agents on shift each day. The roster
-- grid warns on a day under its minimum (周六周日不得缺岗: weekends and public holidays have a
-- minimum of their own; a make-up workday counts as a weekday). Warnings, never a block.
CREATE TABLE roster_rules (
    team_id           text PRIMARY KEY REFERENCES teams (id) ON DELETE CASCADE,
    min_heads         integer NOT NULL DEFAULT 0 CHECK (min_heads BETWEEN 0 AND 1000),
    weekend_min_heads integer NOT NULL DEFAULT 0 CHECK (weekend_min_heads BETWEEN 0 AND 1000),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE roster_rules;
