-- The app-mediated flow and wallet-backend callbacks (issue 4).

-- The app client that owns an app-flow offer, and the wallet backend that
-- receives a callback for each issuance of an offer.
ALTER TABLE offers ADD COLUMN client_id TEXT;
ALTER TABLE offers ADD COLUMN wallet_backend TEXT;

-- Registered issuing-app backends (private_key_jwt clients).
CREATE TABLE app_clients (
    id                TEXT    PRIMARY KEY,
    jwks              BLOB    NOT NULL,
    configuration_ids TEXT    NOT NULL, -- JSON array
    created_at        INTEGER NOT NULL
);

-- Registered wallet backends.
CREATE TABLE wallet_backends (
    id                TEXT    PRIMARY KEY,
    callback_url      TEXT    NOT NULL,
    encryption_jwk    BLOB    NOT NULL,
    configuration_ids TEXT    NOT NULL, -- JSON array
    created_at        INTEGER NOT NULL
);

-- The outbox of callbacks: written with the issuance, delivered by the
-- worker. body is a JWE encrypted to the wallet backend.
CREATE TABLE outbox (
    id              TEXT    PRIMARY KEY, -- the Idempotency-Key
    destination     TEXT    NOT NULL,
    url             TEXT    NOT NULL,
    content_type    TEXT    NOT NULL,
    body            BLOB    NOT NULL,
    issuance_id     TEXT,
    state           TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until     INTEGER,
    last_status     INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    delivered_at    INTEGER
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
