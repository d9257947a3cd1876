-- Offers and their pre-authorized codes (OpenID4VCI 1.0 Sections 4.1, 6.1).
CREATE TABLE offers (
    id                text        PRIMARY KEY,
    code_hash         bytea       NOT NULL UNIQUE,
    tx_code_hash      bytea,
    tx_code_attempts  integer     NOT NULL DEFAULT 0,
    configuration_ids text[]      NOT NULL,
    subject           text        NOT NULL,
    claims            bytea       NOT NULL, -- sealed with the data key
    offer_json        bytea       NOT NULL,
    created_at        timestamptz NOT NULL,
    expires_at        timestamptz NOT NULL,
    redeemed_at       timestamptz
);
CREATE INDEX offers_expires_at ON offers (expires_at);

-- c_nonces (Section 7), single use.
CREATE TABLE nonces (
    nonce      text        PRIMARY KEY,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX nonces_expires_at ON nonces (expires_at);

-- One-time identifiers such as DPoP jtis (RFC 9449 Section 11.1).
CREATE TABLE replay (
    scope      text        NOT NULL,
    id         text        NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (scope, id)
);
CREATE INDEX replay_expires_at ON replay (expires_at);
