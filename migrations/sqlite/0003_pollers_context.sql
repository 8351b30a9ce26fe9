-- The pollers' memory and the context gathered for incidents after they were posted.

-- The state each alarm was in when the DescribeAlarms poller last looked, so that it reports transitions,
-- not states; `body` is that state as the event model keeps it, the "previous state" of the next transition.
CREATE TABLE alarm_states (
    alarm_arn TEXT    PRIMARY KEY,
    scope     TEXT    NOT NULL,
    state     TEXT    NOT NULL,
    state_at  INTEGER  NOT NULL,
    body      TEXT    NOT NULL,
    seen_at   INTEGER  NOT NULL
);
CREATE INDEX alarm_states_by_scope ON alarm_states (scope);

-- One request for context per incident, written in the transaction that opens the incident so that a crash
-- cannot lose it; `context` is what enrichment found, which every later rendering of the incident shows.
CREATE TABLE enrichments (
    incident_id  TEXT    PRIMARY KEY REFERENCES incidents (id),
    event_body   TEXT    NOT NULL,
    requested_at INTEGER  NOT NULL,
    finished_at  INTEGER,
    context      TEXT
);
CREATE INDEX enrichments_pending ON enrichments (requested_at) WHERE finished_at IS NULL;
