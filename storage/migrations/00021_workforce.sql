-- +goose Up
-- Workforce (issue 12): shift templates, rotations, the holiday calendar, monthly rosters per team,
-- swaps, leave with attachments and approval chains, attendance corrections (the raw facts —
-- agent_state_intervals, agent_sessions — are never overwritten), the monthly score (versioned
-- rules, exam results, conduct/bonus entries, sheets and their flow), saved forecasts.
-- The rules themselves are Go (score.go, attendance.go, workforce.go, forecast.go in the root
-- package); these tables keep their data.

CREATE TABLE shifts (
    code       text PRIMARY KEY CHECK (code <> ''),
    name       text NOT NULL,
    start_time text NOT NULL CHECK (start_time ~ '^[0-2][0-9]:[0-5][0-9]$'), -- centre's zone, wall clock
    end_time   text NOT NULL CHECK (end_time ~ '^[0-2][0-9]:[0-5][0-9]$'),   -- at or before start: next day
    breaks     jsonb NOT NULL DEFAULT '[]',                                   -- [{start, end, paid}]
    color      text NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE rotations (
    id              bigserial PRIMARY KEY,
    name            text NOT NULL UNIQUE,
    anchor          date NULL,       -- a cycle's first day
    cycle           text[] NULL,     -- shift codes, '' = off (两作两息: {E,E,'',''})
    weekly          text[] NULL,     -- 7 codes, Sunday first
    follow_calendar boolean NOT NULL DEFAULT false,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((cycle IS NULL) <> (weekly IS NULL))
);

CREATE TABLE calendar_days (
    day  date PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('holiday', 'workday')), -- workday: a make-up workday (调休)
    name text NOT NULL
);

-- A team's month. Drafted by the duty lead, published (agents see published rosters only);
-- republishing after a change bumps version.
CREATE TABLE rosters (
    team_id      text NOT NULL REFERENCES teams (id),
    month        date NOT NULL CHECK (extract(day FROM month) = 1),
    status       text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
    version      integer NOT NULL DEFAULT 0,
    published_at timestamptz NULL,
    published_by text NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, month)
);

-- An agent's rostered day (one row per agent and day; NULL shift_code: rostered off).
-- shift_code is the working copy the duty lead edits; publishing copies it to published_code and
-- sets published. Agents, attendance and the forecast's rostered heads read the published code
-- only (an agent is not late for a shift nobody told them about); a row whose shift_code differs
-- from its published_code is a change not yet published.
CREATE TABLE roster_days (
    agent_id       text NOT NULL,
    day            date NOT NULL,
    team_id        text NOT NULL,
    shift_code     text NULL REFERENCES shifts (code),
    published      boolean NOT NULL DEFAULT false,
    published_code text NULL REFERENCES shifts (code),
    PRIMARY KEY (agent_id, day)
);
CREATE INDEX roster_days_team_day ON roster_days (team_id, day);

CREATE TABLE shift_swaps (
    id           bigserial PRIMARY KEY,
    agent_id     text NOT NULL,
    day          date NOT NULL,                      -- first shift given away
    days         integer NOT NULL CHECK (days BETWEEN 1 AND 2),
    payback_day  date NOT NULL,
    with_agent   text NULL,                          -- a colleague who takes the shift, if any
    reason       text NOT NULL DEFAULT '',
    requested_on date NOT NULL,
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled')),
    decided_by   text NULL,
    decided_at   timestamptz NULL,
    note         text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shift_swaps_agent ON shift_swaps (agent_id, day);

CREATE TABLE leave_requests (
    id           bigserial PRIMARY KEY,
    agent_id     text NOT NULL,
    type         text NOT NULL CHECK (type IN ('sick', 'personal', 'annual', 'marriage', 'maternity', 'compensatory')),
    from_day     date NOT NULL,
    to_day       date NOT NULL CHECK (to_day >= from_day),
    days         numeric(5, 1) NOT NULL CHECK (days > 0),
    half         text NULL CHECK (half IN ('am', 'pm')), -- a half day: which half
    reason       text NOT NULL DEFAULT '',
    requested_on date NOT NULL,
    chain        text[] NOT NULL,                    -- the approvers' roles, in order (LeavePolicy.Chain)
    step         integer NOT NULL DEFAULT 0,         -- index in chain of the next approver
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX leave_requests_agent ON leave_requests (agent_id, from_day);
CREATE INDEX leave_requests_pending ON leave_requests (status) WHERE status = 'pending';

CREATE TABLE leave_decisions (
    request_id bigint NOT NULL REFERENCES leave_requests (id) ON DELETE CASCADE,
    step       integer NOT NULL,
    role       text NOT NULL,
    decided_by text NOT NULL,
    decision   text NOT NULL CHECK (decision IN ('approved', 'rejected')),
    note       text NOT NULL DEFAULT '',
    at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (request_id, step)
);

CREATE TABLE leave_attachments (
    id           bigserial PRIMARY KEY,
    request_id   bigint NOT NULL REFERENCES leave_requests (id) ON DELETE CASCADE,
    filename     text NOT NULL,
    content_type text NOT NULL,
    size         integer NOT NULL CHECK (size BETWEEN 1 AND 10485760),
    data         bytea NOT NULL,
    uploaded_by  text NOT NULL,
    uploaded_at  timestamptz NOT NULL DEFAULT now()
);

-- The leave policy (callfloor.LeavePolicy as JSON: approval chains per type and length, days
-- ahead, sick-note rule); one row; absent: callfloor.DefaultLeavePolicy.
CREATE TABLE leave_policy (
    id         boolean PRIMARY KEY DEFAULT true CHECK (id),
    policy     jsonb NOT NULL,
    updated_by text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Entitlements per agent, type and year (days taken are summed from approved requests).
CREATE TABLE leave_balances (
    agent_id      text NOT NULL,
    type          text NOT NULL,
    year          integer NOT NULL,
    entitled_days numeric(5, 1) NOT NULL CHECK (entitled_days >= 0),
    PRIMARY KEY (agent_id, type, year)
);

-- A team lead's correction of a day's attendance, with a reason; the latest one per agent, day and
-- field applies; the raw facts stay as recorded and the sheet shows both.
CREATE TABLE attendance_corrections (
    id         bigserial PRIMARY KEY,
    agent_id   text NOT NULL,
    day        date NOT NULL,
    field      text NOT NULL CHECK (field IN ('first_work', 'last_work', 'late_minutes', 'early_minutes', 'absent', 'leave')),
    value      jsonb NOT NULL,
    reason     text NOT NULL CHECK (reason <> ''),
    by_user    text NOT NULL,
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attendance_corrections_agent_day ON attendance_corrections (agent_id, day);

-- The score rule's versions (ScoreRule as JSON).
CREATE TABLE score_rules (
    version        integer PRIMARY KEY CHECK (version >= 1),
    effective_from date NOT NULL UNIQUE CHECK (extract(day FROM effective_from) = 1),
    rule           jsonb NOT NULL,
    created_by     text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- The monthly business exam, entered by the trainer.
CREATE TABLE exam_results (
    agent_id   text NOT NULL,
    month      date NOT NULL CHECK (extract(day FROM month) = 1),
    score      real NOT NULL CHECK (score BETWEEN 0 AND 100),
    note       text NOT NULL DEFAULT '',
    entered_by text NOT NULL,
    entered_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agent_id, month)
);

-- Conduct deductions and bonus items, entered with a reason (and evidence: "call:<id>", …).
CREATE TABLE score_entries (
    id         bigserial PRIMARY KEY,
    agent_id   text NOT NULL,
    month      date NOT NULL CHECK (extract(day FROM month) = 1),
    kind       text NOT NULL CHECK (kind IN ('conduct', 'bonus')),
    points     integer NOT NULL CHECK (points > 0),
    reason     text NOT NULL CHECK (reason <> ''),
    evidence   text NOT NULL DEFAULT '',
    entered_by text NOT NULL,
    entered_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz NULL
);
CREATE INDEX score_entries_agent_month ON score_entries (agent_id, month);

-- A month's sheet (ScoreSheet as JSON, with the inputs it was computed from) and its flow:
-- team lead drafts → project manager reviews → operations manager approves → the agent
-- acknowledges or disputes.
CREATE TABLE score_sheets (
    agent_id        text NOT NULL,
    month           date NOT NULL CHECK (extract(day FROM month) = 1),
    team_id         text NULL,
    rule_version    integer NOT NULL REFERENCES score_rules (version),
    inputs          jsonb NOT NULL,
    sheet           jsonb NOT NULL,
    total           integer NOT NULL,
    status          text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'reviewed', 'approved', 'acknowledged', 'disputed')),
    drafted_by      text NULL,
    reviewed_by     text NULL,
    approved_by     text NULL,
    acknowledged_at timestamptz NULL,
    dispute         text NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agent_id, month)
);
CREATE INDEX score_sheets_month ON score_sheets (month, status);

CREATE TABLE score_sheet_history (
    agent_id text NOT NULL,
    month    date NOT NULL,
    at       timestamptz NOT NULL DEFAULT now(),
    by_user  text NOT NULL,
    action   text NOT NULL, -- drafted, reviewed, approved, returned, acknowledged, disputed, resolved
    note     text NOT NULL DEFAULT '',
    total    integer NULL
);
CREATE INDEX score_sheet_history_key ON score_sheet_history (agent_id, month, at);

-- A forecast as made (to report its accuracy against what happened).
CREATE TABLE forecasts (
    queue            text NOT NULL,
    day              date NOT NULL,
    interval_minutes integer NOT NULL CHECK (interval_minutes IN (15, 30)),
    method           text NOT NULL,
    basis            date[] NOT NULL,
    slots            jsonb NOT NULL,
    made_at          timestamptz NOT NULL DEFAULT now(),
    made_by          text NOT NULL,
    PRIMARY KEY (queue, day, interval_minutes, made_at)
);

-- A pause reason that is rostered work (training, a meeting, coaching): adherent during work time.
ALTER TABLE pause_reasons ADD COLUMN rostered_work boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE pause_reasons DROP COLUMN rostered_work;
DROP TABLE forecasts;
DROP TABLE score_sheet_history;
DROP TABLE score_sheets;
DROP TABLE score_entries;
DROP TABLE exam_results;
DROP TABLE score_rules;
DROP TABLE attendance_corrections;
DROP TABLE leave_balances;
DROP TABLE leave_policy;
DROP TABLE leave_attachments;
DROP TABLE leave_decisions;
DROP TABLE leave_requests;
DROP TABLE shift_swaps;
DROP TABLE roster_days;
DROP TABLE rosters;
DROP TABLE calendar_days;
DROP TABLE rotations;
DROP TABLE shifts;
