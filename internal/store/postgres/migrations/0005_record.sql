-- The verified-claims record and the audit log (issue 6).

-- One citizen is one subject, found by an external key (kind, key): a
-- DigiLocker id, an eSignet pairwise sub.
CREATE TABLE subjects (
    id         text        PRIMARY KEY,
    kind       text        NOT NULL,
    key        text        NOT NULL,
    created_at timestamptz NOT NULL,
    UNIQUE (kind, key)
);

-- A subject's claims; value is sealed (AAD: subject and name).
CREATE TABLE claims (
    subject_id    text        NOT NULL REFERENCES subjects (id),
    name          text        NOT NULL,
    value         bytea       NOT NULL,
    source        text        NOT NULL,
    evidence_hash text        NOT NULL,
    verified      boolean     NOT NULL,
    verified_at   timestamptz,
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (subject_id, name)
);

-- The audit log: append-only (the trigger refuses changes), each row's
-- hash covering the previous row's. Appenders serialise on an advisory
-- transaction lock, so instances sharing the database make one chain.
CREATE TABLE audit_events (
    seq     bigint      PRIMARY KEY,
    time    timestamptz NOT NULL,
    type    text        NOT NULL,
    subject text        NOT NULL,
    actor   text        NOT NULL,
    data    text        NOT NULL, -- JSON object of strings
    prev    bytea       NOT NULL,
    hash    bytea       NOT NULL
);
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END $$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
