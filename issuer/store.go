package issuer

import (
	"context"
	"errors"
	"time"
)

// Errors every store implementation returns for the outcomes below; the
// issuer maps them to the protocol's error codes.
var (
	// ErrNotFound: no such value, or it expired, or it was already used.
	// The three are deliberately not told apart to the caller of a
	// one-time value.
	ErrNotFound = errors.New("issuer: not found, expired or already used")
	// ErrAlreadyExists: an insert met an existing key (a replayed DPoP jti,
	// a duplicate id).
	ErrAlreadyExists = errors.New("issuer: already exists")
	// ErrTxCodeLocked: the pre-authorized code is dead after too many wrong
	// tx_code attempts.
	ErrTxCodeLocked = errors.New("issuer: too many wrong tx_code attempts")
)

// Offer is a credential offer with its pre-authorized code, as stored.
// Secrets are stored as digests: CodeHash is SHA-256 of the pre-authorized
// code and TxCodeHash the SHA-256 of the tx_code (empty when none is
// required). Claims is the subject's claims sealed with the data key
// (keys.DataKey, AAD binding the offer ID); the store never looks inside.
type Offer struct {
	ID               string   // random, URL-safe; also the credential_offer_uri path segment
	CodeHash         []byte   // SHA-256 of the pre-authorized code
	TxCodeHash       []byte   // SHA-256 of the tx_code; nil when no tx_code
	TxCodeAttempts   int      // wrong tx_code attempts so far
	ConfigurationIDs []string // credential_configuration_ids of the offer
	Subject          string   // the record's subject key
	Claims           []byte   // sealed claims (opaque to the store)
	OfferJSON        []byte   // the credential offer object served by reference
	CreatedAt        time.Time
	ExpiresAt        time.Time
	RedeemedAt       time.Time // zero until the code is redeemed
}

// RedeemCheck is called by OfferStore.RedeemCode inside the store's
// transaction with the locked, unexpired, unredeemed offer. It returns nil
// to redeem, ErrWrongTxCode to count a wrong attempt, or any other error to
// abort without a change.
type RedeemCheck func(o Offer) error

// ErrWrongTxCode is returned by a RedeemCheck (and then by RedeemCode) when
// the tx_code does not match; the store counts the attempt.
var ErrWrongTxCode = errors.New("issuer: wrong tx_code")

// OfferStore keeps offers and redeems their pre-authorized codes.
type OfferStore interface {
	// CreateOffer inserts a new offer (ErrAlreadyExists on a duplicate ID
	// or code hash).
	CreateOffer(ctx context.Context, o Offer) error
	// OfferByID returns an offer that is neither redeemed nor expired at
	// now, for GET /credential-offer/{id}; else ErrNotFound.
	OfferByID(ctx context.Context, id string, now time.Time) (Offer, error)
	// RedeemCode finds the offer by code hash and, in one transaction that
	// excludes every concurrent redeemer (SELECT … FOR UPDATE on Postgres,
	// a write transaction on SQLite):
	//   - ErrNotFound when there is none, it expired, or it was redeemed;
	//   - ErrTxCodeLocked when TxCodeAttempts >= maxAttempts;
	//   - calls check: on ErrWrongTxCode it increments TxCodeAttempts,
	//     commits, and returns ErrWrongTxCode (or ErrTxCodeLocked when
	//     this attempt reached maxAttempts); on another error it rolls back
	//     and returns that error; on nil it sets RedeemedAt = now, commits
	//     and returns the offer as redeemed.
	// Of any number of concurrent calls for one code, at most one succeeds.
	RedeemCode(ctx context.Context, codeHash []byte, now time.Time, maxAttempts int, check RedeemCheck) (Offer, error)
}

// NonceStore keeps c_nonces (OpenID4VCI 1.0 Section 7) until used once.
type NonceStore interface {
	// CreateNonce stores a fresh nonce valid until expiresAt.
	CreateNonce(ctx context.Context, nonce string, expiresAt time.Time) error
	// ConsumeNonce marks the nonce used if it exists, is unused and has not
	// expired at now (one UPDATE … WHERE used_at IS NULL … RETURNING);
	// otherwise ErrNotFound. Of concurrent calls, at most one succeeds.
	ConsumeNonce(ctx context.Context, nonce string, now time.Time) error
}

// ReplayStore remembers one-time identifiers such as DPoP proof jtis
// (RFC 9449 Section 11.1) until they expire.
type ReplayStore interface {
	// Remember records id (within scope, e.g. "dpop") until expiresAt;
	// ErrAlreadyExists when it is already recorded and unexpired at now (an
	// expired entry is replaced). Of concurrent calls, at most one succeeds.
	Remember(ctx context.Context, scope, id string, now, expiresAt time.Time) error
}

// Sweeper deletes expired rows; operators run it periodically.
type Sweeper interface {
	// DeleteExpired removes offers, nonces and replay entries that expired
	// before now and returns how many rows went.
	DeleteExpired(ctx context.Context, now time.Time) (int64, error)
}
