-- The spine: events, rejected inputs, incidents and their timeline, the outbox, chat messages, cursors and silences.
-- Times are Unix milliseconds (UTC) so the same queries work on SQLite and PostgreSQL.

CREATE TABLE events (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dedupe_key    TEXT    NOT NULL UNIQUE,
    kind          TEXT    NOT NULL,
    source        TEXT    NOT NULL,
    origin        TEXT    NOT NULL,
    occurred_at   BIGINT  NOT NULL,
    received_at   BIGINT  NOT NULL,
    body          TEXT    NOT NULL
);

CREATE TABLE rejected_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at BIGINT  NOT NULL,
    source      TEXT    NOT NULL,
    origin      TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    field       TEXT,
    raw         TEXT    NOT NULL
);

CREATE TABLE incidents (
    id            TEXT    PRIMARY KEY,
    incident_key  TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    title         TEXT    NOT NULL,
    channel       TEXT    NOT NULL,
    severity      TEXT    NOT NULL,
    mentions      TEXT    NOT NULL,
    posted        BIGINT  NOT NULL,
    signal_state  TEXT    NOT NULL,
    signal_at     BIGINT  NOT NULL,
    signal_detail TEXT    NOT NULL,
    resource_kind TEXT    NOT NULL,
    resource_name TEXT    NOT NULL,
    region        TEXT    NOT NULL,
    account       TEXT    NOT NULL,
    opened_at     BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL,
    resolved_at   BIGINT
);

-- At most one incident per alarm or Health event is open at a time.
CREATE UNIQUE INDEX incidents_one_open_per_key ON incidents (incident_key) WHERE status <> 'resolved';

CREATE TABLE incident_timeline (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id TEXT    NOT NULL REFERENCES incidents (id),
    at          BIGINT  NOT NULL,
    kind        TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    via         TEXT    NOT NULL,
    event_key   TEXT,
    note        TEXT    NOT NULL
);
CREATE INDEX incident_timeline_by_incident ON incident_timeline (incident_id, id);

CREATE TABLE outbox (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    idempotency_key TEXT    NOT NULL UNIQUE,
    incident_id     TEXT,
    channel         TEXT    NOT NULL,
    op              TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    sent_at         BIGINT,
    given_up_at     BIGINT,
    last_error      TEXT,
    message_ref     TEXT
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at, id) WHERE sent_at IS NULL AND given_up_at IS NULL;

-- The chat message that opened each incident, which later updates edit.
CREATE TABLE chat_messages (
    incident_id TEXT    PRIMARY KEY,
    channel     TEXT    NOT NULL,
    message_ref TEXT    NOT NULL,
    posted_at   BIGINT  NOT NULL
);

CREATE TABLE poll_cursors (
    name       TEXT    PRIMARY KEY,
    value      TEXT    NOT NULL,
    updated_at BIGINT  NOT NULL
);

CREATE TABLE silences (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target_kind TEXT    NOT NULL,
    pattern     TEXT    NOT NULL,
    expires_at  BIGINT  NOT NULL,
    reason      TEXT    NOT NULL,
    created_by  TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);
CREATE INDEX silences_by_expiry ON silences (expires_at);
CREATE INDEX outbox_by_incident ON outbox (incident_id, id) WHERE sent_at IS NULL AND given_up_at IS NULL;
