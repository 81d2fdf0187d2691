-- +goose Up
-- Scripts and the knowledge base (issue 14 item 5): articles in a category tree, every save a
-- version, an owner and a review date ("one answer for everyone"), the queues an article is
-- suggested for. Search (storage/kb.go) is ILIKE over title, body and tags, which finds a
-- two-character Chinese word inside a sentence; the trigram indexes serve terms of three
-- characters or more and rank by similarity.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- tags as one text, for the generated search column (array_to_string is only STABLE)
-- +goose StatementBegin
CREATE FUNCTION kb_tags_text(t text[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT array_to_string(t, ' ') $$;
-- +goose StatementEnd

CREATE TABLE kb_categories (
    id        bigserial PRIMARY KEY,
    parent_id bigint REFERENCES kb_categories (id) ON DELETE CASCADE,
    name      text NOT NULL,
    position  int  NOT NULL DEFAULT 0
);

CREATE TABLE kb_articles (
    id          bigserial PRIMARY KEY,
    category_id bigint REFERENCES kb_categories (id) ON DELETE SET NULL,
    title       text        NOT NULL,
    body        text        NOT NULL DEFAULT '',
    tags        text[]      NOT NULL DEFAULT '{}',
    queues      text[]      NOT NULL DEFAULT '{}',
    status      text        NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
    owner       text        NOT NULL,
    review_on   date,
    version     int         NOT NULL DEFAULT 1,
    updated_by  text        NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- what the search reads: title, body and tags in one text
    search_text text GENERATED ALWAYS AS (title || ' ' || body || ' ' || kb_tags_text(tags)) STORED
);
CREATE INDEX kb_articles_search_trgm ON kb_articles USING gin (search_text gin_trgm_ops);
CREATE INDEX kb_articles_queues_idx ON kb_articles USING gin (queues);
CREATE INDEX kb_articles_review_idx ON kb_articles (review_on);

CREATE TABLE kb_versions (
    article_id  bigint      NOT NULL REFERENCES kb_articles (id) ON DELETE CASCADE,
    version     int         NOT NULL,
    category_id bigint,
    title       text        NOT NULL,
    body        text        NOT NULL,
    tags        text[]      NOT NULL,
    queues      text[]      NOT NULL,
    status      text        NOT NULL,
    owner       text        NOT NULL,
    review_on   date,
    saved_by    text        NOT NULL,
    saved_at    timestamptz NOT NULL,
    note        text        NOT NULL DEFAULT '',
    PRIMARY KEY (article_id, version)
);

-- +goose Down
DROP TABLE IF EXISTS kb_versions;
DROP TABLE IF EXISTS kb_articles;
DROP TABLE IF EXISTS kb_categories;
DROP FUNCTION IF EXISTS kb_tags_text(text[]);
