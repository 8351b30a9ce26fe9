-- Several replicas on one database: one leader at a time runs the pollers and jobs (a lease with an expiry that
-- the holder renews), and each outbox row is claimed by one replica while it delivers it.
CREATE TABLE leases (
    name       TEXT    PRIMARY KEY,
    holder     TEXT    NOT NULL,
    expires_at BIGINT  NOT NULL
);

ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until BIGINT;
