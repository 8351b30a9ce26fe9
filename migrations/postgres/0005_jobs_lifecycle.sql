-- Scheduled jobs, escalation of unacknowledged incidents, flapping alarms and windows that start later.

-- The last due time each job has been claimed for: the scheduler runs the next one after it, once.
CREATE TABLE job_state (
    job         TEXT    PRIMARY KEY,
    last_due_at BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);

-- Every run of a job: claimed (finished_at NULL) until it finished; a claimed run a crash interrupted is
-- resumed at start, and its outputs' outbox keys keep that from posting twice.
CREATE TABLE job_runs (
    job         TEXT    NOT NULL,
    due_at      BIGINT  NOT NULL,
    started_at  BIGINT  NOT NULL,
    late_ms     BIGINT  NOT NULL,
    missed      BIGINT  NOT NULL,
    finished_at BIGINT ,
    outcome     TEXT,
    note        TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (job, due_at)
);

-- The next re-ping of a critical incident nobody has acknowledged; stopped once it is acked or over.
CREATE TABLE escalations (
    incident_id TEXT    PRIMARY KEY REFERENCES incidents (id),
    next_step   BIGINT  NOT NULL,
    next_at     BIGINT  NOT NULL,
    stopped_at  BIGINT
);
CREATE INDEX escalations_due ON escalations (next_at) WHERE stopped_at IS NULL;

-- An incident whose alarm changes state too often: later changes fold into its thread instead of pinging.
ALTER TABLE incidents ADD COLUMN flapping_since BIGINT;

-- A silence or maintenance window may start later than it was made.
ALTER TABLE silences ADD COLUMN starts_at BIGINT NOT NULL DEFAULT 0;
