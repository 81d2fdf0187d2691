-- +goose Up
-- Number searches by prefix ("5551234*" → LIKE '5551234%'): a btree in the database's collation
-- cannot serve LIKE, so the number indexes use text_pattern_ops (which serve = as well).
DROP INDEX IF EXISTS calls_caller_idx;
DROP INDEX IF EXISTS calls_called_idx;
CREATE INDEX calls_caller_idx ON calls (caller_number text_pattern_ops);
CREATE INDEX calls_called_idx ON calls (called_number text_pattern_ops);

-- +goose Down
DROP INDEX IF EXISTS calls_caller_idx;
DROP INDEX IF EXISTS calls_called_idx;
CREATE INDEX calls_caller_idx ON calls (caller_number);
CREATE INDEX calls_called_idx ON calls (called_number);
