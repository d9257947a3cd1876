// Package face is the backend of face enrollment gated by e-KYC: the
// enrollment app embeds a live capture and the citizen's e-KYC photo on
// the device and sends the averaged template; this package decides
// whether it may be kept, keeps it sealed, matches against it and finds
// duplicates.
//
//   - A Link records an e-KYC exchange (a DigiLocker e-Aadhaar or an
//     offline e-KYC verified for the subject): whether the e-KYC name and
//     birth date match the subject's record, the birth year only, gender,
//     the last four digits, a keyed Aadhaar-correlation hash and the
//     photo's hash. The photo itself is handed back once by the caller and
//     never stored. One correlation hash belongs to one subject: a second
//     subject's attempt is refused and audited.
//   - Enroll accepts a template only through a link at most LinkTTL (15
//     minutes) old whose matches are both true, of the subject, used once;
//     the embedding must have the model's dimension, be finite and not
//     zero; it is normalised to unit length and sealed (AES-256-GCM, the
//     AAD binding subject, template id and version). Re-enrolment makes a
//     new version. Every other subject's current template of the model is
//     compared, and scores at or above the model's duplicate threshold are
//     flagged for review.
//   - Match compares an embedding with a subject's current template by
//     cosine similarity against the model's threshold.
//   - Erase deletes a subject's templates, leaving an audit tombstone.
//
// Duplicate search is a linear scan: every template of the model is
// opened and compared (see BenchmarkDuplicateScan for the cost at 100,000
// templates).
package face
