-- Hand-overs of the on-call shift: the person who took over, when, and who handed over.
CREATE TABLE oncall_handovers (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    to_handle TEXT    NOT NULL,
    at        INTEGER  NOT NULL,
    by_actor  TEXT    NOT NULL
);
CREATE INDEX oncall_handovers_by_time ON oncall_handovers (at);
