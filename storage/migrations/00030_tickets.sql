-- +goose Up
-- Tickets (issue 14 item 2): complaints, difficult cases, repairs, enquiries and their follow-up.

-- Categories, admin-maintained. fields: the category's own fields
-- [{key, label_zh, label_en, type: text|number|date|choice, options[], required}]; sla_hours: the
-- promised answer time per priority {"low":72,"normal":24,"high":8,"urgent":2}.
CREATE TABLE ticket_categories (
    code             text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,39}$'),
    name_zh          text    NOT NULL,
    name_en          text    NOT NULL,
    fields           jsonb   NOT NULL DEFAULT '[]',
    default_priority text    NOT NULL DEFAULT 'normal' CHECK (default_priority IN ('low', 'normal', 'high', 'urgent')),
    sla_hours        jsonb   NOT NULL DEFAULT '{"low":72,"normal":24,"high":8,"urgent":2}',
    sms_on_create    boolean NOT NULL DEFAULT false,
    sms_on_answer    boolean NOT NULL DEFAULT false,
    disabled         boolean NOT NULL DEFAULT false,
    sort             int     NOT NULL DEFAULT 0,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
INSERT INTO ticket_categories (code, name_zh, name_en, default_priority, sla_hours, sms_on_create, sms_on_answer, sort, fields) VALUES
 ('complaint', '投诉', 'Complaint', 'high', '{"low":48,"normal":24,"high":8,"urgent":2}', true, true, 1,
  '[{"key":"target","label_zh":"投诉对象","label_en":"About","type":"choice","options":["服务态度","服务质量","产品问题"],"required":true}]'),
 ('difficult', '疑难', 'Difficult case', 'normal', '{"low":72,"normal":48,"high":24,"urgent":8}', false, true, 2, '[]'),
 ('repair', '报修', 'Repair', 'normal', '{"low":72,"normal":24,"high":8,"urgent":4}', true, true, 3,
  '[{"key":"address","label_zh":"地址","label_en":"Address","type":"text","required":true},{"key":"visit_date","label_zh":"上门日期","label_en":"Visit date","type":"date"}]'),
 ('enquiry', '咨询', 'Enquiry', 'low', '{"low":24,"normal":8,"high":4,"urgent":2}', false, false, 4, '[]');

-- The per-day counter behind a ticket's number (T20261204-0007).
CREATE TABLE ticket_numbers (
    day  text PRIMARY KEY,
    last int  NOT NULL
);

-- A ticket. first_owner_*: who created it (首问), never changes. sla_hours: the promised answer
-- time it runs on (its category's for its priority, when created or reopened); due_at: when the
-- answer is due. escalation_level: 0, 1 (the team lead was told), 2 (the project managers).
-- followup_outcome: the last follow-up call's outcome in this round (NULL after a reopen); a ticket
-- closes only with satisfied or unreachable.
CREATE TABLE tickets (
    id                  bigserial PRIMARY KEY,
    number              text        NOT NULL UNIQUE,
    category            text        NOT NULL REFERENCES ticket_categories (code),
    priority            text        NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    status              text        NOT NULL CHECK (status IN ('open', 'in_progress', 'waiting_followup', 'closed', 'reopened')),
    phone               text        NOT NULL,
    customer_name       text        NOT NULL DEFAULT '',
    subject             text        NOT NULL,
    description         text        NOT NULL DEFAULT '',
    fields              jsonb       NOT NULL DEFAULT '{}',
    project_id          text        NULL REFERENCES projects (id) ON DELETE SET NULL,
    first_owner_user_id bigint      NULL REFERENCES users (id) ON DELETE SET NULL,
    first_owner_name    text        NOT NULL DEFAULT '',
    assignee_user_id    bigint      NULL REFERENCES users (id) ON DELETE SET NULL,
    team_id             text        NULL REFERENCES teams (id) ON DELETE SET NULL,
    created_by          text        NOT NULL,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    sla_hours           real        NOT NULL CHECK (sla_hours > 0),
    due_at              timestamptz NOT NULL,
    answered_at         timestamptz NULL,
    answered_on_time    boolean     NULL,
    escalation_level    int         NOT NULL DEFAULT 0 CHECK (escalation_level BETWEEN 0 AND 2),
    escalated_at        timestamptz NULL,
    call_id             text        NULL,
    call_at             timestamptz NULL,
    call_agent          text        NULL,
    queue               text        NULL,
    recording_name      text        NULL,
    followup_outcome    text        NULL CHECK (followup_outcome IN ('satisfied', 'not_satisfied', 'unreachable')),
    followup_at         timestamptz NULL,
    followup_note       text        NOT NULL DEFAULT '',
    followup_call_id    text        NULL,
    followups           int         NOT NULL DEFAULT 0,
    closed_at           timestamptz NULL,
    reopen_count        int         NOT NULL DEFAULT 0
);
CREATE INDEX tickets_phone ON tickets (phone, created_at DESC);
CREATE INDEX tickets_created ON tickets (created_at DESC);
CREATE INDEX tickets_due_open ON tickets (due_at) WHERE status <> 'closed' AND answered_at IS NULL;
CREATE INDEX tickets_first_owner ON tickets (first_owner_user_id);
CREATE INDEX tickets_assignee ON tickets (assignee_user_id);
CREATE INDEX tickets_team ON tickets (team_id);
CREATE INDEX tickets_project ON tickets (project_id);

-- Every event of a ticket, append-only (the trigger refuses changes).
CREATE TABLE ticket_events (
    id         bigserial PRIMARY KEY,
    ticket_id  bigint      NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    at         timestamptz NOT NULL,
    kind       text        NOT NULL CHECK (kind IN ('created', 'updated', 'assigned', 'moved_team', 'commented', 'answered',
                                                    'escalated', 'followup', 'closed', 'reopened')),
    by_user_id bigint      NULL,
    by_name    text        NOT NULL,
    detail     jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);

-- +goose StatementBegin
CREATE FUNCTION ticket_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ticket_events is append-only';
END $$;
-- +goose StatementEnd
CREATE TRIGGER ticket_events_no_update BEFORE UPDATE ON ticket_events
    FOR EACH ROW EXECUTE FUNCTION ticket_events_append_only();

-- The notifications' settings (one row): the SMS webhook and SMTP settings, their secrets (never
-- returned by the API), the customer SMS templates per language and the staff's e-mail addresses.
CREATE TABLE ticket_notify_config (
    id          boolean PRIMARY KEY DEFAULT true CHECK (id),
    settings    jsonb   NOT NULL DEFAULT '{}',
    sms_secret  text    NOT NULL DEFAULT '',
    smtp_secret text    NOT NULL DEFAULT '',
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The notifications to send (an outbox written with the change that causes them). channel: sms
-- (to the customer's phone) or email (to a user). status: pending → sent | failed (after the
-- attempts); next_at: when to try again.
CREATE TABLE ticket_notifications (
    id         bigserial PRIMARY KEY,
    ticket_id  bigint      NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    event      text        NOT NULL,
    channel    text        NOT NULL CHECK (channel IN ('sms', 'email')),
    phone      text        NULL,
    user_id    bigint      NULL,
    status     text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
    attempts   int         NOT NULL DEFAULT 0,
    next_at    timestamptz NOT NULL,
    last_error text        NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    sent_at    timestamptz NULL
);
CREATE INDEX ticket_notifications_pending ON ticket_notifications (next_at) WHERE status = 'pending';

-- +goose Down
DROP TABLE IF EXISTS ticket_notifications;
DROP TABLE IF EXISTS ticket_notify_config;
DROP TABLE IF EXISTS ticket_events;
DROP FUNCTION IF EXISTS ticket_events_append_only();
DROP TABLE IF EXISTS tickets;
DROP TABLE IF EXISTS ticket_numbers;
DROP TABLE IF EXISTS ticket_categories;
