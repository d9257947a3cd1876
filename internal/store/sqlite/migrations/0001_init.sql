-- Offers and their pre-authorized codes (OpenID4VCI 1.0 Sections 4.1, 6.1).
-- Times are Unix nanoseconds, UTC.
CREATE TABLE offers (
    id                TEXT    PRIMARY KEY,
    code_hash         BLOB    NOT NULL UNIQUE,
    tx_code_hash      BLOB,
    tx_code_attempts  INTEGER NOT NULL DEFAULT 0,
    configuration_ids TEXT    NOT NULL, -- JSON array of strings
    subject           TEXT    NOT NULL,
    claims            BLOB    NOT NULL, -- sealed with the data key
    offer_json        BLOB    NOT NULL,
    created_at        INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL,
    redeemed_at       INTEGER
);
CREATE INDEX offers_expires_at ON offers (expires_at);

-- c_nonces (Section 7), single use.
CREATE TABLE nonces (
    nonce      TEXT    PRIMARY KEY,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX nonces_expires_at ON nonces (expires_at);

-- One-time identifiers such as DPoP jtis (RFC 9449 Section 11.1).
CREATE TABLE replay (
    scope      TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (scope, id)
);
CREATE INDEX replay_expires_at ON replay (expires_at);
