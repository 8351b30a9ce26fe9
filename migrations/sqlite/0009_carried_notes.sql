-- Thread lines queued together go out as one message. Which lines a message carries is written down before it
-- is sent, so that after a crash the same message is sent again with the same nonce and Discord keeps one copy.
ALTER TABLE outbox ADD COLUMN carried_by INTEGER;
