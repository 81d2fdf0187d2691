-- +goose Up
-- Outbound campaigns (issue 13): campaigns and their rules, imported lists of leads, every
-- attempt at a lead, the do-not-call list and consent evidence. The rules themselves are the
-- root package's (callfloor.Campaign: windows, retries, dispositions, Next).

CREATE TABLE campaigns (
    id         text PRIMARY KEY CHECK (id <> ''),
    name       text NOT NULL,
    project_id text REFERENCES projects (id) ON DELETE SET NULL,
    status     text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'running', 'paused', 'finished')),
    rules      jsonb NOT NULL, -- callfloor.Campaign (every field; id and name repeated from the columns)
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- One imported file (or paste) of leads. rejects names each refused row and why.
CREATE TABLE campaign_lists (
    id            bigserial PRIMARY KEY,
    campaign_id   text NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    name          text NOT NULL,
    source        text NOT NULL DEFAULT '', -- the file's name
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused')),
    imported_by   text NOT NULL DEFAULT '',
    imported_at   timestamptz NOT NULL DEFAULT now(),
    rows_total    int NOT NULL DEFAULT 0,
    rows_loaded   int NOT NULL DEFAULT 0,
    rows_rejected int NOT NULL DEFAULT 0,
    rejects       jsonb NOT NULL DEFAULT '[]'
);

-- A lead: one number to work in one campaign (unique per campaign: de-duplicated across its
-- lists). status: new (never dialled), scheduled (next_attempt_at), callback (callback_at
-- promised, first in line), dialling (a dial in flight: dial_id is the ARI channel id, so that
-- a restart finds the dial instead of placing another), done (done_reason).
CREATE TABLE leads (
    id              bigserial PRIMARY KEY,
    campaign_id     text NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    list_id         bigint NOT NULL REFERENCES campaign_lists (id) ON DELETE CASCADE,
    phone           text NOT NULL, -- E.164 (callfloor.CanonicalPhone)
    name            text NOT NULL DEFAULT '',
    time_zone       text, -- NULL: the campaign's
    fields          jsonb NOT NULL DEFAULT '{}',
    owner           text, -- an agent the lead belongs to (personal call-backs, preview)
    status          text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'scheduled', 'callback', 'dialling', 'done')),
    attempts        int NOT NULL DEFAULT 0,
    last_result     text,
    last_disposition text,
    last_attempt_at timestamptz,
    next_attempt_at timestamptz,
    callback_at     timestamptz,
    done_reason     text,
    dial_id         text,
    dialling_since  timestamptz,
    UNIQUE (campaign_id, phone)
);
-- the dialler's next leads: call-backs first, then the longest due
CREATE INDEX leads_due_idx ON leads (campaign_id, (callback_at IS NULL), coalesce(callback_at, next_attempt_at), id)
    WHERE status IN ('new', 'scheduled', 'callback');
CREATE INDEX leads_list_idx ON leads (list_id);
CREATE INDEX leads_dialling_idx ON leads (dial_id) WHERE status = 'dialling';

-- Every attempt at a number (kept for complaints and audits: time, campaign, agent, outcome,
-- the call and so its recording).
CREATE TABLE lead_attempts (
    id          bigserial PRIMARY KEY,
    lead_id     bigint NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    campaign_id text NOT NULL,
    phone       text NOT NULL,
    dial_id     text NOT NULL, -- one attempt per dial, however often it is reported
    call_id     text,
    agent_id    text,
    at          timestamptz NOT NULL,
    result      text NOT NULL,
    disposition text,
    ring_ms     int,
    UNIQUE (lead_id, dial_id)
);
CREATE INDEX lead_attempts_phone_idx ON lead_attempts (phone, at);
CREATE INDEX lead_attempts_campaign_idx ON lead_attempts (campaign_id, at);

-- The do-not-call list: campaign_id '' is global. A 拒绝 / 禁呼 disposition adds the number
-- (source: the disposition and the attempt); an admin adds or removes by hand (audited).
CREATE TABLE dnc (
    phone       text NOT NULL,
    campaign_id text NOT NULL DEFAULT '',
    reason      text NOT NULL,
    source      text NOT NULL DEFAULT '',
    added_by    text NOT NULL DEFAULT '',
    added_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (phone, campaign_id)
);

-- Consent evidence per number, where a campaign requires it (campaign_id '': every campaign).
CREATE TABLE consents (
    phone       text NOT NULL,
    campaign_id text NOT NULL DEFAULT '',
    evidence    text NOT NULL,
    recorded_by text NOT NULL DEFAULT '',
    recorded_at timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz,
    PRIMARY KEY (phone, campaign_id)
);

-- +goose Down
DROP TABLE IF EXISTS consents;
DROP TABLE IF EXISTS dnc;
DROP TABLE IF EXISTS lead_attempts;
DROP TABLE IF EXISTS leads;
DROP TABLE IF EXISTS campaign_lists;
DROP TABLE IF EXISTS campaigns;
