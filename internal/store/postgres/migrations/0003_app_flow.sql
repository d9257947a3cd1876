-- The app-mediated flow and wallet-backend callbacks (issue 4).

-- The app client that owns an app-flow offer, and the wallet backend that
-- receives a callback for each issuance of an offer.
ALTER TABLE offers ADD COLUMN client_id text;
ALTER TABLE offers ADD COLUMN wallet_backend text;

-- Registered issuing-app backends (private_key_jwt clients).
CREATE TABLE app_clients (
    id                text        PRIMARY KEY,
    jwks              bytea       NOT NULL,
    configuration_ids text[]      NOT NULL,
    created_at        timestamptz NOT NULL
);

-- Registered wallet backends.
CREATE TABLE wallet_backends (
    id                text        PRIMARY KEY,
    callback_url      text        NOT NULL,
    encryption_jwk    bytea       NOT NULL,
    configuration_ids text[]      NOT NULL,
    created_at        timestamptz NOT NULL
);

-- The outbox of callbacks: written with the issuance, delivered by the
-- workers of every instance (claimed with FOR UPDATE SKIP LOCKED). body
-- is a JWE encrypted to the wallet backend.
CREATE TABLE outbox (
    id              text        PRIMARY KEY, -- the Idempotency-Key
    destination     text        NOT NULL,
    url             text        NOT NULL,
    content_type    text        NOT NULL,
    body            bytea       NOT NULL,
    issuance_id     text,
    state           text        NOT NULL,
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    lease_until     timestamptz,
    last_status     integer,
    last_error      text,
    created_at      timestamptz NOT NULL,
    delivered_at    timestamptz
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
