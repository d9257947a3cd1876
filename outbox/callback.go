package outbox

import (
	"encoding/json"
	"time"
)

// MediaTypeJOSE is the media type of a compact JWE (RFC 7516 Section
// 9.2.1), the body of every callback.
const MediaTypeJOSE = "application/jose"

// Callback is the plaintext of a callback body: the JWE, encrypted to the
// wallet backend's registered key, carries this JSON object.
type Callback struct {
	// CredentialIssuer is the issuer's identifier.
	CredentialIssuer string `json:"credential_issuer"`
	// CredentialConfigurationID is the configuration issued.
	CredentialConfigurationID string `json:"credential_configuration_id"`
	// Format is its format (dc+sd-jwt, mso_mdoc).
	Format string `json:"format"`
	// Credentials are the issued credentials, as in a Credential Response
	// (OpenID4VCI 1.0 Section 8.3): one object per credential with a
	// "credential" member.
	Credentials []CallbackCredential `json:"credentials"`
	// NotificationID is the Credential Response's notification_id.
	NotificationID string    `json:"notification_id"`
	IssuedAt       time.Time `json:"issued_at"`
}

// CallbackCredential is one credential of a Callback.
type CallbackCredential struct {
	// Credential is a JSON string for dc+sd-jwt and mso_mdoc.
	Credential json.RawMessage `json:"credential"`
}
