-- +goose Up
-- Customers and their timeline (issue 14 item 1). A customer is a phone number in the form
-- callfloor.CanonicalPhone gives (+86…), created by its first call or its first edit. The VIP
-- and blacklist flags say who set them, when and why; the ACD reads them from Redis
-- (realtime/customers.go), which is rebuilt from this table at start.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- cust_variants: the ways a canonical number appears in calls (callfloor.PhoneVariants, the
-- same rules); cust_canon: a number as calls hold it, in canonical form when it is a Chinese
-- national or international one (else as it is). Both must agree with the Go code
-- (storage/customers_test.go checks them against each other).
-- +goose StatementBegin
CREATE FUNCTION cust_variants(p text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN p LIKE '+86%' THEN
    ARRAY[p, CASE WHEN substr(p, 4, 1) = '1' AND length(p) = 14 THEN substr(p, 4) ELSE '0' || substr(p, 4) END,
          '86' || substr(p, 4), '0086' || substr(p, 4)]
    || CASE WHEN substr(p, 4, 1) <> '1' THEN ARRAY[substr(p, 4)] ELSE '{}'::text[] END
  ELSE ARRAY[p, '00' || substr(p, 2)] END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION cust_canon(n text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN n IS NULL OR n = '' THEN n
    WHEN n LIKE '+%' THEN n
    WHEN n LIKE '00%' THEN '+' || substr(n, 3)
    WHEN n ~ '^1[3-9][0-9]{9}$' THEN '+86' || n
    WHEN n ~ '^861[3-9][0-9]{9}$' THEN '+' || n
    WHEN n ~ '^0[1-9][0-9]{8,10}$' THEN '+86' || substr(n, 2)
    ELSE n END
$$;
-- +goose StatementEnd

CREATE TABLE customers (
    phone          text PRIMARY KEY,
    name           text        NOT NULL DEFAULT '',
    fields         jsonb       NOT NULL DEFAULT '{}',
    tags           text[]      NOT NULL DEFAULT '{}',
    vip            boolean     NOT NULL DEFAULT false,
    vip_by         text,
    vip_at         timestamptz,
    vip_reason     text        NOT NULL DEFAULT '',
    blacklist      boolean     NOT NULL DEFAULT false,
    blacklist_by   text,
    blacklist_at   timestamptz,
    blacklist_reason text      NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customers_name_trgm ON customers USING gin (name gin_trgm_ops);
CREATE INDEX customers_tags_idx ON customers USING gin (tags);
CREATE INDEX customers_flagged_idx ON customers (phone) WHERE vip OR blacklist;

-- Notes agents write on a customer (the timeline's "notes" source).
CREATE TABLE customer_notes (
    id         bigserial PRIMARY KEY,
    phone      text        NOT NULL REFERENCES customers (phone) ON DELETE CASCADE,
    body       text        NOT NULL,
    author     text        NOT NULL,
    call_id    text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_notes_phone_idx ON customer_notes (phone, created_at DESC, id DESC);
CREATE INDEX customer_notes_body_trgm ON customer_notes USING gin (body gin_trgm_ops);

-- Searching customers by the text of their calls' disposition notes.
CREATE INDEX call_dispositions_note_trgm ON call_dispositions USING gin (note gin_trgm_ops);

-- +goose Down
DROP INDEX IF EXISTS call_dispositions_note_trgm;
DROP TABLE IF EXISTS customer_notes;
DROP TABLE IF EXISTS customers;
DROP FUNCTION IF EXISTS cust_canon(text);
DROP FUNCTION IF EXISTS cust_variants(text);
