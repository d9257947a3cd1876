-- Token Status Lists of issued credentials (issue 10).

CREATE TABLE status_lists (
    id         text        PRIMARY KEY,
    bits       integer     NOT NULL,
    size       integer     NOT NULL,
    allocated  integer     NOT NULL DEFAULT 0,
    version    bigint      NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL,
    seq        bigserial   NOT NULL UNIQUE  -- creation order: the newest list is the current one
);

-- One row per issued credential (each member of a batch).
CREATE TABLE credential_status (
    credential_id    text        PRIMARY KEY,
    list_id          text        NOT NULL REFERENCES status_lists (id),
    idx              integer     NOT NULL,
    status           smallint    NOT NULL,
    reason           text        NOT NULL DEFAULT '',
    subject_id       text        NOT NULL,
    configuration_id text        NOT NULL,
    format           text        NOT NULL,
    offer_id         text        NOT NULL,
    notification_id  text        NOT NULL,
    issued_at        timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    UNIQUE (list_id, idx)
);
CREATE INDEX credential_status_subject ON credential_status (subject_id);
CREATE INDEX credential_status_changed ON credential_status (list_id, status);
