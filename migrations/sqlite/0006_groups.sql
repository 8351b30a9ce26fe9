-- Storm groups: alarms that fire close together and share a cause are posted as one message, the lead
-- incident's, which is edited with a count and a table while members join.
CREATE TABLE incident_groups (
    id        TEXT    PRIMARY KEY,
    group_key TEXT    NOT NULL,
    channel   TEXT    NOT NULL,
    opened_at INTEGER  NOT NULL,
    last_at   INTEGER  NOT NULL
);
CREATE INDEX incident_groups_by_key ON incident_groups (group_key, last_at);

ALTER TABLE incidents ADD COLUMN group_id TEXT;
CREATE INDEX incidents_by_group ON incidents (group_id) WHERE group_id IS NOT NULL;
