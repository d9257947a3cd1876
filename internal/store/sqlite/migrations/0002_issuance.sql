-- Issued credentials, one row per configuration and offer (OpenID4VCI 1.0
-- Section 8.3), with the last notification (Section 11). No claims and no
-- credentials are kept here.
CREATE TABLE issued_credentials (
    id                TEXT    PRIMARY KEY, -- also the notification_id
    offer_id          TEXT    NOT NULL,
    subject           TEXT    NOT NULL,
    configuration_id  TEXT    NOT NULL,
    format            TEXT    NOT NULL,
    count             INTEGER NOT NULL,
    issued_at         INTEGER NOT NULL,
    event             TEXT,
    event_description TEXT,
    event_at          INTEGER,
    UNIQUE (offer_id, configuration_id)
);
CREATE INDEX issued_credentials_subject ON issued_credentials (subject);

-- Credential Responses kept for identical retries; body sealed.
CREATE TABLE replies (
    key          BLOB    PRIMARY KEY,
    status       INTEGER NOT NULL,
    content_type TEXT    NOT NULL,
    body         BLOB    NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX replies_expires_at ON replies (expires_at);

-- Deferred issuances (Section 9).
CREATE TABLE deferred (
    id               TEXT    PRIMARY KEY,
    transaction_hash BLOB    NOT NULL UNIQUE,
    offer_id         TEXT    NOT NULL,
    configuration_id TEXT    NOT NULL,
    holder_keys      BLOB    NOT NULL,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    approved_at      INTEGER,
    issued_at        INTEGER
);
CREATE INDEX deferred_expires_at ON deferred (expires_at);
