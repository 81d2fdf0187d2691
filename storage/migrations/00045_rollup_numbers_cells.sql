-- The distinct-numbers figures (接通率 by numbers) of a report without reading every number row
-- (storage/reports.go). A month's ~200,000 daily number rows made the numbers query most of a
-- month report's time, two thirds of them unshared rows (their number has no other row of the
-- level, migrations 00022 and 00038), which a report counts as they are, per rollup cell.
--
-- rollup_numbers_cells(_day): per rollup cell (bucket or local day, queue, agent, direction) the
-- count of its UNSHARED number rows and of those connected (connects > 0); cells at 0 are
-- deleted. A report reads these counts (a month: ~2,000 daily cells) instead of the unshared rows,
-- and count(DISTINCT) only over the shared rows: exact, as before. Kept equal to their number rows
-- by triggers on rollup_numbers and rollup_numbers_day (every insert, update — a shared flag
-- flipped, a row's connects — and delete, whichever code path makes it, and TRUNCATE). The
-- trigger takes a SHARE ROW EXCLUSIVE lock on the counts table: the transactions changing
-- unshared number rows apply their counts one after the other (their cells can be on any day: a
-- shared flag flipped by a number dialled again), never in crossed orders.
--
-- The shared rows are read from a covering index (with the number): index-only, as past days
-- are vacuumed; the unshared rows' covering indexes of migration 00044 are no longer read.
-- +goose Up
CREATE TABLE rollup_numbers_cells (
    bucket    timestamptz NOT NULL,
    queue     text        NOT NULL,
    agent_id  text        NOT NULL,
    direction text        NOT NULL,
    numbers   bigint      NOT NULL,
    connected bigint      NOT NULL,
    PRIMARY KEY (bucket, queue, agent_id, direction)
);
CREATE INDEX rollup_numbers_cells_zero_idx ON rollup_numbers_cells (bucket) WHERE numbers = 0;

CREATE TABLE rollup_numbers_cells_day (
    day       date   NOT NULL,
    queue     text   NOT NULL,
    agent_id  text   NOT NULL,
    direction text   NOT NULL,
    numbers   bigint NOT NULL,
    connected bigint NOT NULL,
    PRIMARY KEY (day, queue, agent_id, direction)
);
CREATE INDEX rollup_numbers_cells_day_zero_idx ON rollup_numbers_cells_day (day) WHERE numbers = 0;

INSERT INTO rollup_numbers_cells (bucket, queue, agent_id, direction, numbers, connected)
SELECT bucket, queue, agent_id, direction, count(*), count(*) FILTER (WHERE connects > 0)
FROM rollup_numbers WHERE NOT shared GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4;

INSERT INTO rollup_numbers_cells_day (day, queue, agent_id, direction, numbers, connected)
SELECT day, queue, agent_id, direction, count(*), count(*) FILTER (WHERE connects > 0)
FROM rollup_numbers_day WHERE NOT shared GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4;

-- TG_ARGV: the level's time column (bucket or day) and its counts table. The transition tables
-- hold the statement's rows before (old_rows) and after (new_rows): the unshared ones among them
-- are subtracted and added.
-- +goose StatementBegin
CREATE FUNCTION rollup_numbers_cells_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    src text := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT 1 AS s, n.* FROM new_rows n'
        WHEN 'DELETE' THEN 'SELECT -1 AS s, o.* FROM old_rows o'
        ELSE 'SELECT 1 AS s, n.* FROM new_rows n UNION ALL SELECT -1 AS s, o.* FROM old_rows o' END;
    todo boolean := false;
BEGIN
    -- most statements change no unshared row (inbound calls have no numbers; a shared row's
    -- dials): static checks, their plans cached, before any dynamic statement
    IF TG_OP <> 'DELETE' THEN
        todo := EXISTS (SELECT 1 FROM new_rows n WHERE NOT n.shared);
    END IF;
    IF NOT todo AND TG_OP <> 'INSERT' THEN
        todo := EXISTS (SELECT 1 FROM old_rows o WHERE NOT o.shared);
    END IF;
    IF NOT todo THEN
        RETURN NULL;
    END IF;
    EXECUTE format('LOCK TABLE %I IN SHARE ROW EXCLUSIVE MODE', TG_ARGV[1]);
    EXECUTE format($f$INSERT INTO %2$I AS c (%1$I, queue, agent_id, direction, numbers, connected)
SELECT %1$I, queue, agent_id, direction, sum(s)::bigint, sum(s * (connects > 0)::int)::bigint
FROM (%3$s) x WHERE NOT x.shared
GROUP BY 1, 2, 3, 4 HAVING sum(s) <> 0 OR sum(s * (connects > 0)::int) <> 0 ORDER BY 1, 2, 3, 4
ON CONFLICT (%1$I, queue, agent_id, direction) DO UPDATE
SET numbers = c.numbers + excluded.numbers, connected = c.connected + excluded.connected$f$, TG_ARGV[0], TG_ARGV[1], src);
    EXECUTE format('DELETE FROM %I WHERE numbers = 0', TG_ARGV[1]);
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION rollup_numbers_cells_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('TRUNCATE %I', TG_ARGV[0]);
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER rollup_numbers_cells_ins AFTER INSERT ON rollup_numbers REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_numbers_cells_sync('bucket', 'rollup_numbers_cells');
CREATE TRIGGER rollup_numbers_cells_upd AFTER UPDATE ON rollup_numbers REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_numbers_cells_sync('bucket', 'rollup_numbers_cells');
CREATE TRIGGER rollup_numbers_cells_del AFTER DELETE ON rollup_numbers REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_numbers_cells_sync('bucket', 'rollup_numbers_cells');
CREATE TRIGGER rollup_numbers_cells_trunc AFTER TRUNCATE ON rollup_numbers
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_numbers_cells_truncate('rollup_numbers_cells');

CREATE TRIGGER rollup_numbers_cells_ins AFTER INSERT ON rollup_numbers_day REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_numbers_cells_sync('day', 'rollup_numbers_cells_day');
CREATE TRIGGER rollup_numbers_cells_upd AFTER UPDATE ON rollup_numbers_day REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_numbers_cells_sync('day', 'rollup_numbers_cells_day');
CREATE TRIGGER rollup_numbers_cells_del AFTER DELETE ON rollup_numbers_day REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_numbers_cells_sync('day', 'rollup_numbers_cells_day');
CREATE TRIGGER rollup_numbers_cells_trunc AFTER TRUNCATE ON rollup_numbers_day
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_numbers_cells_truncate('rollup_numbers_cells_day');

-- the shared rows with their numbers, index-only
CREATE INDEX rollup_numbers_day_shared_rows_idx ON rollup_numbers_day (day) INCLUDE (queue, agent_id, direction, called_number, connects) WHERE shared;
CREATE INDEX rollup_numbers_shared_rows_idx ON rollup_numbers (bucket) INCLUDE (queue, agent_id, direction, called_number, connects) WHERE shared;
DROP INDEX IF EXISTS rollup_numbers_day_shared_idx;
DROP INDEX IF EXISTS rollup_numbers_shared_idx;
DROP INDEX IF EXISTS rollup_numbers_day_unshared_idx;
DROP INDEX IF EXISTS rollup_numbers_unshared_idx;

-- +goose Down
CREATE INDEX IF NOT EXISTS rollup_numbers_day_unshared_idx ON rollup_numbers_day (day) INCLUDE (queue, agent_id, direction, connects) WHERE NOT shared;
CREATE INDEX IF NOT EXISTS rollup_numbers_unshared_idx ON rollup_numbers (bucket) INCLUDE (queue, agent_id, direction, connects) WHERE NOT shared;
CREATE INDEX IF NOT EXISTS rollup_numbers_day_shared_idx ON rollup_numbers_day (day) WHERE shared;
CREATE INDEX IF NOT EXISTS rollup_numbers_shared_idx ON rollup_numbers (bucket) WHERE shared;
DROP INDEX IF EXISTS rollup_numbers_shared_rows_idx;
DROP INDEX IF EXISTS rollup_numbers_day_shared_rows_idx;
DROP TRIGGER IF EXISTS rollup_numbers_cells_ins ON rollup_numbers;
DROP TRIGGER IF EXISTS rollup_numbers_cells_upd ON rollup_numbers;
DROP TRIGGER IF EXISTS rollup_numbers_cells_del ON rollup_numbers;
DROP TRIGGER IF EXISTS rollup_numbers_cells_trunc ON rollup_numbers;
DROP TRIGGER IF EXISTS rollup_numbers_cells_ins ON rollup_numbers_day;
DROP TRIGGER IF EXISTS rollup_numbers_cells_upd ON rollup_numbers_day;
DROP TRIGGER IF EXISTS rollup_numbers_cells_del ON rollup_numbers_day;
DROP TRIGGER IF EXISTS rollup_numbers_cells_trunc ON rollup_numbers_day;
DROP FUNCTION IF EXISTS rollup_numbers_cells_truncate();
DROP FUNCTION IF EXISTS rollup_numbers_cells_sync();
DROP TABLE IF EXISTS rollup_numbers_cells_day;
DROP TABLE IF EXISTS rollup_numbers_cells;
