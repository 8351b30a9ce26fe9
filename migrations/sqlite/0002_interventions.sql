-- Who acknowledged an incident and when, and the incident's last rendered message, which buttons and
-- commands re-render when they change the incident.
ALTER TABLE incidents ADD COLUMN acked_by TEXT;
ALTER TABLE incidents ADD COLUMN acked_at INTEGER;
ALTER TABLE incidents ADD COLUMN message TEXT;
