// Package sandbox hands out synthetic Aadhaar offline e-KYC packages and
// Secure QR payloads signed by a sandbox signer, standing in for UIDAI's
// resident portal: the embedded default pins the sandbox signer, so a
// newcomer can try POST /ekyc/offline and POST /ekyc/qr without an
// Aadhaar number. The signer (an RSA-2048 key under a sandbox CA, both
// "NOT UIDAI") is created once and kept in a directory, so that
// `pramaan ekyc verify --cert DIR/signer.pem` verifies what the running
// server handed out. Nothing here is real data or for production trust.
package sandbox
