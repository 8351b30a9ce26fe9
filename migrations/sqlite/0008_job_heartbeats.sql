-- A running job run beats while it works. A run whose beat has gone quiet was interrupted by a crash and is
-- resumed by whichever scheduler sees it first; a run that still beats is in progress and left alone.
ALTER TABLE job_runs ADD COLUMN heartbeat_at INTEGER;
UPDATE job_runs SET heartbeat_at = started_at;
