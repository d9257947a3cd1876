-- Token Status Lists of issued credentials (issue 10).

CREATE TABLE status_lists (
    id         TEXT    PRIMARY KEY,
    bits       INTEGER NOT NULL,
    size       INTEGER NOT NULL,
    allocated  INTEGER NOT NULL DEFAULT 0,
    version    INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    seq        INTEGER NOT NULL UNIQUE  -- creation order: the newest list is the current one
);

-- One row per issued credential (each member of a batch).
CREATE TABLE credential_status (
    credential_id    TEXT    PRIMARY KEY,
    list_id          TEXT    NOT NULL REFERENCES status_lists (id),
    idx              INTEGER NOT NULL,
    status           INTEGER NOT NULL,
    reason           TEXT    NOT NULL DEFAULT '',
    subject_id       TEXT    NOT NULL,
    configuration_id TEXT    NOT NULL,
    format           TEXT    NOT NULL,
    offer_id         TEXT    NOT NULL,
    notification_id  TEXT    NOT NULL,
    issued_at        INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (list_id, idx)
);
CREATE INDEX credential_status_subject ON credential_status (subject_id);
CREATE INDEX credential_status_changed ON credential_status (list_id, status);
