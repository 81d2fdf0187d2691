-- The production report counts a number's rollup rows that no other row shares (two thirds of a
-- month's daily rows) per cell: an index that covers them lets it read only the index (after
-- vacuum, as past days are), not every row's page. The 15-minute level gets the same.
-- +goose Up
CREATE INDEX rollup_numbers_day_unshared_idx ON rollup_numbers_day (day) INCLUDE (queue, agent_id, direction, connects) WHERE NOT shared;
CREATE INDEX rollup_numbers_unshared_idx ON rollup_numbers (bucket) INCLUDE (queue, agent_id, direction, connects) WHERE NOT shared;

-- +goose Down
DROP INDEX IF EXISTS rollup_numbers_unshared_idx;
DROP INDEX IF EXISTS rollup_numbers_day_unshared_idx;
