-- +goose Up
-- The phone a supervisor listens, whispers and barges on (any Asterisk dial string).
ALTER TABLE users ADD COLUMN phone_endpoint text;

-- +goose Down
ALTER TABLE users DROP COLUMN phone_endpoint;
