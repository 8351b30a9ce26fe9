-- Hand-overs of the on-call shift: the person who took over, when, and who handed over.
CREATE TABLE oncall_handovers (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    to_handle TEXT    NOT NULL,
    at        BIGINT  NOT NULL,
    by_actor  TEXT    NOT NULL
);
CREATE INDEX oncall_handovers_by_time ON oncall_handovers (at);
