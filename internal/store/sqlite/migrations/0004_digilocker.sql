-- DigiLocker sign-in: pending authorizations, linked tokens and the
-- citizen's sessions (issue 6).

-- An authorization started and not yet returned. The state is stored as its
-- SHA-256; the PKCE verifier (server-side flows only) sealed. Consumed once.
CREATE TABLE digilocker_pending (
    state_hash BLOB    PRIMARY KEY,
    flow       TEXT    NOT NULL, -- login | documents | mobile
    verifier   BLOB,             -- sealed; NULL in the mobile flow
    session_id BLOB,             -- hash of the session that started it, if any
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);

-- The DigiLocker tokens of one subject and flow, sealed (AAD binds subject,
-- flow and version).
-- version rises with every rotation, so that a writer that lost a race
-- does not overwrite a newer pair.
CREATE TABLE digilocker_links (
    subject_id    TEXT    NOT NULL,
    flow          TEXT    NOT NULL, -- login | documents: the flows stay apart
    digilocker_id TEXT    NOT NULL,
    tokens        BLOB    NOT NULL,
    scope         TEXT    NOT NULL,
    expires_at    INTEGER NOT NULL,
    version       INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (subject_id, flow)
);

-- A citizen's session (browser cookie or app bearer), stored as its SHA-256.
CREATE TABLE web_sessions (
    id_hash    BLOB    PRIMARY KEY,
    subject_id TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);
CREATE INDEX digilocker_pending_expires ON digilocker_pending (expires_at);
