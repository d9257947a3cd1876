-- Face enrollment gated by e-KYC (issue 9).

-- One Aadhaar-correlation hash (keyed) belongs to one subject.
CREATE TABLE face_correlations (
    hash       text        PRIMARY KEY,
    subject_id text        NOT NULL REFERENCES subjects (id),
    created_at timestamptz NOT NULL
);

-- e-KYC links: matches and masked facts only (birth year, last four
-- digits, the photo's hash); kept after use or refusal, for the record.
CREATE TABLE face_links (
    id               text        PRIMARY KEY,
    subject_id       text        NOT NULL REFERENCES subjects (id),
    source           text        NOT NULL,
    name_match       boolean     NOT NULL,
    dob_match        boolean     NOT NULL,
    birth_year       integer     NOT NULL,
    gender           text        NOT NULL,
    last4            text        NOT NULL,
    correlation_hash text        NOT NULL,
    photo_hash       text        NOT NULL,
    created_at       timestamptz NOT NULL,
    used_at          timestamptz
);

-- Templates: the normalised embedding sealed (AAD: subject, id, version).
CREATE TABLE face_templates (
    id          text        PRIMARY KEY,
    subject_id  text        NOT NULL REFERENCES subjects (id),
    model       text        NOT NULL,
    version     integer     NOT NULL,
    dimension   integer     NOT NULL,
    sealed      bytea       NOT NULL,
    frames_used integer     NOT NULL,
    link_id     text        NOT NULL REFERENCES face_links (id),
    consent     text        NOT NULL,
    enrolled_at timestamptz NOT NULL,
    UNIQUE (subject_id, model, version)
);
CREATE INDEX face_templates_model ON face_templates (model, subject_id, version);

-- Duplicate candidates flagged at enrolment, for review.
CREATE TABLE face_duplicates (
    template_id       text             NOT NULL,
    subject_id        text             NOT NULL,
    other_template_id text             NOT NULL,
    other_subject_id  text             NOT NULL,
    model             text             NOT NULL,
    score             double precision NOT NULL,
    flagged_at        timestamptz      NOT NULL,
    PRIMARY KEY (template_id, other_template_id)
);
