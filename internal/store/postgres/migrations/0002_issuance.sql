-- Issued credentials, one row per configuration and offer (OpenID4VCI 1.0
-- Section 8.3), with the last notification (Section 11). No claims and no
-- credentials are kept here.
CREATE TABLE issued_credentials (
    id                text        PRIMARY KEY, -- also the notification_id
    offer_id          text        NOT NULL,
    subject           text        NOT NULL,
    configuration_id  text        NOT NULL,
    format            text        NOT NULL,
    count             integer     NOT NULL,
    issued_at         timestamptz NOT NULL,
    event             text,
    event_description text,
    event_at          timestamptz,
    UNIQUE (offer_id, configuration_id)
);
CREATE INDEX issued_credentials_subject ON issued_credentials (subject);

-- Credential Responses kept for identical retries; body sealed.
CREATE TABLE replies (
    key          bytea       PRIMARY KEY,
    status       integer     NOT NULL,
    content_type text        NOT NULL,
    body         bytea       NOT NULL,
    expires_at   timestamptz NOT NULL
);
CREATE INDEX replies_expires_at ON replies (expires_at);

-- Deferred issuances (Section 9).
CREATE TABLE deferred (
    id               text        PRIMARY KEY,
    transaction_hash bytea       NOT NULL UNIQUE,
    offer_id         text        NOT NULL,
    configuration_id text        NOT NULL,
    holder_keys      bytea       NOT NULL,
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    approved_at      timestamptz,
    issued_at        timestamptz
);
CREATE INDEX deferred_expires_at ON deferred (expires_at);
