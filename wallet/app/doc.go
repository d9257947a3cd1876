// Package app is the issuing app's backend side of the app-mediated flow
// (the Aadhaar-style app between issuer and wallet): it authenticates to
// Pramaan with private_key_jwt client assertions (RFC 7523), asks POST
// /app/issuer-config for a citizen's offer, and forwards the wallet's
// encrypted Credential Request from its deeplink to POST
// /app/credential-request. The wallet side (the request and its deeplink)
// is in package wallet: Client.NewAppRequest, BuildDeeplink, ParseDeeplink.
package app
