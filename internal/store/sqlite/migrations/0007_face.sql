-- Face enrollment gated by e-KYC (issue 9).

-- One Aadhaar-correlation hash (keyed) belongs to one subject.
CREATE TABLE face_correlations (
    hash       TEXT    PRIMARY KEY,
    subject_id TEXT    NOT NULL REFERENCES subjects (id),
    created_at INTEGER NOT NULL
);

-- e-KYC links: matches and masked facts only (birth year, last four
-- digits, the photo's hash); kept after use or refusal, for the record.
CREATE TABLE face_links (
    id               TEXT    PRIMARY KEY,
    subject_id       TEXT    NOT NULL REFERENCES subjects (id),
    source           TEXT    NOT NULL,
    name_match       INTEGER NOT NULL,
    dob_match        INTEGER NOT NULL,
    birth_year       INTEGER NOT NULL,
    gender           TEXT    NOT NULL,
    last4            TEXT    NOT NULL,
    correlation_hash TEXT    NOT NULL,
    photo_hash       TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    used_at          INTEGER
);

-- Templates: the normalised embedding sealed (AAD: subject, id, version).
CREATE TABLE face_templates (
    id          TEXT    PRIMARY KEY,
    subject_id  TEXT    NOT NULL REFERENCES subjects (id),
    model       TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    dimension   INTEGER NOT NULL,
    sealed      BLOB    NOT NULL,
    frames_used INTEGER NOT NULL,
    link_id     TEXT    NOT NULL REFERENCES face_links (id),
    consent     TEXT    NOT NULL,
    enrolled_at INTEGER NOT NULL,
    UNIQUE (subject_id, model, version)
);
CREATE INDEX face_templates_model ON face_templates (model, subject_id, version);

-- Duplicate candidates flagged at enrolment, for review.
CREATE TABLE face_duplicates (
    template_id       TEXT    NOT NULL,
    subject_id        TEXT    NOT NULL,
    other_template_id TEXT    NOT NULL,
    other_subject_id  TEXT    NOT NULL,
    model             TEXT    NOT NULL,
    score             REAL    NOT NULL,
    flagged_at        INTEGER NOT NULL,
    PRIMARY KEY (template_id, other_template_id)
);
