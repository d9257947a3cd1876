-- DigiLocker sign-in: pending authorizations, linked tokens and the
-- citizen's sessions (issue 6).

-- An authorization started and not yet returned. The state is stored as its
-- SHA-256; the PKCE verifier (server-side flows only) sealed. Consumed once.
CREATE TABLE digilocker_pending (
    state_hash bytea       PRIMARY KEY,
    flow       text        NOT NULL, -- login | documents | mobile
    verifier   bytea,                -- sealed; NULL in the mobile flow
    session_id bytea,                -- hash of the session that started it, if any
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

-- The DigiLocker tokens of one subject and flow, sealed (AAD binds subject,
-- flow and version).
-- version rises with every rotation, so that a writer that lost a race
-- does not overwrite a newer pair.
CREATE TABLE digilocker_links (
    subject_id    text        NOT NULL,
    flow          text        NOT NULL, -- login | documents: the flows stay apart
    digilocker_id text        NOT NULL,
    tokens        bytea       NOT NULL,
    scope         text        NOT NULL,
    expires_at    timestamptz NOT NULL,
    version       bigint      NOT NULL,
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (subject_id, flow)
);

-- A citizen's session (browser cookie or app bearer), stored as its SHA-256.
CREATE TABLE web_sessions (
    id_hash    bytea       PRIMARY KEY,
    subject_id text        NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);
CREATE INDEX digilocker_pending_expires ON digilocker_pending (expires_at);
