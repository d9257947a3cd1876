// Package wellknown builds the documents an OpenID4VCI 1.0 Credential Issuer
// publishes under /.well-known/:
//
//   - Credential Issuer Metadata (OpenID4VCI 1.0 Section 12.2) as JSON, and as a
//     signed JWT of type openidvci-issuer-metadata+jwt (Section 12.2.3);
//   - OAuth 2.0 Authorization Server Metadata (RFC 8414, with the
//     pre-authorized_grant_anonymous_access_supported member of Section 12.3);
//   - JWT VC Issuer Metadata (draft-ietf-oauth-sd-jwt-vc-18 Section 3);
//   - JSON Web Key Sets (RFC 7517) built from public keys.
//
// The package is pure: a [Config] goes in, validated once by [NewBuilder];
// document structs come out, ready for encoding/json. It serves no HTTP; a
// handler calls [Builder.CredentialIssuerMetadata], then
// [CredentialIssuerMetadata.Localize] with the request's Accept-Language
// header, and [MetadataSigner.Sign] when the client asks for application/jwt.
//
// # Languages
//
// Section 12.2.2 lets the issuer either answer with the display data for the
// requested languages (naming them in Content-Language) or ignore
// Accept-Language. [CredentialIssuerMetadata.Localize] does the former, per
// display array, with this rule:
//
//   - The header is parsed per RFC 9110 Section 12.5.4; an absent, empty or
//     malformed header leaves every array untouched.
//   - A display entry's locale gets the weight of the most specific language
//     range that matches it by RFC 4647 Section 3.3.1 basic filtering ("*" is
//     the least specific); a weight of 0 excludes it.
//   - Entries with a weight above 0 are kept, highest weight first (ties keep
//     the document's order), followed by entries without a locale, which
//     apply to every language.
//   - When no entry of an array matches, the array is kept whole, so a wallet
//     always has something to display.
//
// # Errors
//
// Every error wraps one of the exported sentinel errors ([ErrInvalidConfig],
// [ErrInvalidKey], [ErrMalformed], [ErrAcceptLanguage], [ErrSigning]);
// configuration errors are also a [*ConfigError] naming the offending field.
package wellknown
