// Package portal is the citizen's side of Pramaan: signing in with
// DigiLocker / Meri Pehchaan (login and document-access flows kept apart,
// each with its own PKCE verifier and one-time state), the mobile flow of
// the enrollment app, sessions, importing the profile, the e-Aadhaar and
// issued documents into the verified-claims record, and the page that shows
// those claims with an "Add to wallet" credential offer.
//
// It holds no HTTP types: internal/httpapi binds requests to it and maps
// its *Error answers. The DigiLocker tokens stay in identity/digilocker's
// Tokens (sealed at rest); nothing here hands a DigiLocker token to a
// browser or an app.
package portal
