-- The verified-claims record and the audit log (issue 6).

-- One citizen is one subject, found by an external key (kind, key): a
-- DigiLocker id, an eSignet pairwise sub.
CREATE TABLE subjects (
    id         TEXT    PRIMARY KEY,
    kind       TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (kind, key)
);

-- A subject's claims; value is sealed (AAD: subject and name).
CREATE TABLE claims (
    subject_id    TEXT    NOT NULL REFERENCES subjects (id),
    name          TEXT    NOT NULL,
    value         BLOB    NOT NULL,
    source        TEXT    NOT NULL,
    evidence_hash TEXT    NOT NULL,
    verified      INTEGER NOT NULL,
    verified_at   INTEGER,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (subject_id, name)
);

-- The audit log: append-only (the triggers refuse changes), each row's
-- hash covering the previous row's.
CREATE TABLE audit_events (
    seq     INTEGER PRIMARY KEY,
    time    INTEGER NOT NULL,
    type    TEXT    NOT NULL,
    subject TEXT    NOT NULL,
    actor   TEXT    NOT NULL,
    data    TEXT    NOT NULL, -- JSON object of strings
    prev    BLOB    NOT NULL,
    hash    BLOB    NOT NULL
);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
