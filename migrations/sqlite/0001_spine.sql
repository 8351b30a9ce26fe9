-- The spine: events, rejected inputs, incidents and their timeline, the outbox, chat messages, cursors and silences.
-- Times are Unix milliseconds (UTC) so the same queries work on SQLite and PostgreSQL.

CREATE TABLE events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    dedupe_key    TEXT    NOT NULL UNIQUE,
    kind          TEXT    NOT NULL,
    source        TEXT    NOT NULL,
    origin        TEXT    NOT NULL,
    occurred_at   INTEGER NOT NULL,
    received_at   INTEGER NOT NULL,
    body          TEXT    NOT NULL
);

CREATE TABLE rejected_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at INTEGER NOT NULL,
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
    posted        INTEGER NOT NULL,
    signal_state  TEXT    NOT NULL,
    signal_at     INTEGER NOT NULL,
    signal_detail TEXT    NOT NULL,
    resource_kind TEXT    NOT NULL,
    resource_name TEXT    NOT NULL,
    region        TEXT    NOT NULL,
    account       TEXT    NOT NULL,
    opened_at     INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    resolved_at   INTEGER
);

-- At most one incident per alarm or Health event is open at a time.
CREATE UNIQUE INDEX incidents_one_open_per_key ON incidents (incident_key) WHERE status <> 'resolved';

CREATE TABLE incident_timeline (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id TEXT    NOT NULL REFERENCES incidents (id),
    at          INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    via         TEXT    NOT NULL,
    event_key   TEXT,
    note        TEXT    NOT NULL
);
CREATE INDEX incident_timeline_by_incident ON incident_timeline (incident_id, id);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT    NOT NULL UNIQUE,
    incident_id     TEXT,
    channel         TEXT    NOT NULL,
    op              TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    sent_at         INTEGER,
    given_up_at     INTEGER,
    last_error      TEXT,
    message_ref     TEXT
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at, id) WHERE sent_at IS NULL AND given_up_at IS NULL;

-- The chat message that opened each incident, which later updates edit.
CREATE TABLE chat_messages (
    incident_id TEXT    PRIMARY KEY,
    channel     TEXT    NOT NULL,
    message_ref TEXT    NOT NULL,
    posted_at   INTEGER NOT NULL
);

CREATE TABLE poll_cursors (
    name       TEXT    PRIMARY KEY,
    value      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE silences (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    target_kind TEXT    NOT NULL,
    pattern     TEXT    NOT NULL,
    expires_at  INTEGER NOT NULL,
    reason      TEXT    NOT NULL,
    created_by  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX silences_by_expiry ON silences (expires_at);
CREATE INDEX outbox_by_incident ON outbox (incident_id, id) WHERE sent_at IS NULL AND given_up_at IS NULL;
