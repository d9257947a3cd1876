// Package digilocker is a client of the DigiLocker Authorized Partner API
// (Meri Pehchaan): OAuth 2.0 authorization code with PKCE S256 for the two
// flows Pramaan keeps apart (login with scope openid, and document access
// with files.issueddocs and an optional req_doctype), token exchange and
// refresh with client authentication in the form or by HTTP Basic, the
// user's details, the issued-documents list, file download and
// certificate XML.
//
// Paths and quirks follow ../shared/reference/india-identity-rails.md part
// 1 (the API Setu "Authorized Partner API Specification" and production
// clients): all paths under <host>/public; tokens are opaque; numbers may
// arrive as numeric strings (consent_valid_till, size); dob is DDMMYYYY;
// errors are {"error","error_description"} and non-JSON bodies are
// tolerated. Responses are bounded in size.
//
// The sandbox subpackage simulates the same API for tests and for the
// embedded default.
package digilocker
