-- +goose Up
-- The agent's side of outbound campaigns (issue 13 item 5).
-- A preview lead reserved by an agent: one per agent, one agent per lead. The lead itself stays
-- 'dialling' under dial_id (so no dialler and no other agent takes it); the reservation says
-- whose it is, so that a page reload or a restart finds it again. dialled_at: the dial was placed
-- (its call id is dial_id). A reservation not dialled in time goes back (storage.ExpireReservations).
CREATE TABLE desk_reservations (
    agent_id    text PRIMARY KEY,
    lead_id     bigint NOT NULL UNIQUE REFERENCES leads (id) ON DELETE CASCADE,
    campaign_id text NOT NULL,
    dial_id     text NOT NULL UNIQUE,
    reserved_at timestamptz NOT NULL DEFAULT now(),
    dialled_at  timestamptz
);

-- Calls whose disposition counted as a conversion in the campaign's live counters: a success
-- counts once per call however often it is saved, and is taken back when changed away from it.
CREATE TABLE desk_conversions (
    call_id     text PRIMARY KEY,
    campaign_id text NOT NULL,
    counted_at  timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE IF EXISTS desk_conversions;
DROP TABLE IF EXISTS desk_reservations;
