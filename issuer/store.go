package issuer

import (
	"context"
	"errors"
	"time"

	"github.com/pramaan/pramaan/outbox"
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
	// ClientID is the app client that owns an app-flow offer (POST
	// /app/issuer-config); empty for offers made by an operator.
	ClientID string
	// WalletBackend is the registered wallet backend that receives a
	// callback for each issuance of this offer; empty for none.
	WalletBackend string
	// ForgetClaims deletes Claims once every configuration of the offer
	// has been issued (issue-and-forget).
	ForgetClaims bool
}

// RedeemCheck is called by OfferStore.RedeemCode inside the store's
// transaction with the locked, unexpired, unredeemed offer. It returns nil
// to redeem, ErrWrongTxCode to count a wrong attempt, or any other error to
// abort without a change. It must not call the store: it runs inside the
// store's transaction (on SQLite, on its only connection).
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
	//     and returns that error; on nil it sets RedeemedAt = now and
	//     ExpiresAt = retainUntil (the redeemed offer is kept while access
	//     tokens and deferred issuances may still use it), commits and
	//     returns the offer as redeemed.
	// Of any number of concurrent calls for one code, at most one succeeds.
	RedeemCode(ctx context.Context, codeHash []byte, now time.Time, maxAttempts int, retainUntil time.Time, check RedeemCheck) (Offer, error)
	// RedeemedOffer returns the redeemed offer with this ID while it is
	// retained (now before its ExpiresAt); else ErrNotFound.
	RedeemedOffer(ctx context.Context, id string, now time.Time) (Offer, error)
	// RedeemedOfferByCode is RedeemedOffer found by the code's hash.
	RedeemedOfferByCode(ctx context.Context, codeHash []byte, now time.Time) (Offer, error)
	// ForgetOfferClaims empties the sealed claims of offer id when it has
	// ForgetClaims set and an issuance recorded for each of its
	// configurations, in one statement; it reports whether it did.
	ForgetOfferClaims(ctx context.Context, id string) (bool, error)
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
	// DeleteExpired removes offers, nonces, replay entries, and the
	// citizen side's pending authorizations and sessions that expired
	// before now and returns how many rows went.
	DeleteExpired(ctx context.Context, now time.Time) (int64, error)
}

// IssuedCredential records one Credential Response: the credentials of one
// configuration issued against one offer (a batch is one record). It holds
// no claims and no credential, only what lifecycle and notification need.
type IssuedCredential struct {
	ID              string // random; also the notification_id (Section 8.3)
	OfferID         string
	Subject         string
	ConfigurationID string
	Format          string
	Count           int // credentials in the response (batch size)
	IssuedAt        time.Time
	// Event is the last notification (credential_accepted,
	// credential_failure, credential_deleted; Section 11.1), empty until
	// one arrives; EventDescription and EventAt go with it.
	Event            string
	EventDescription string
	EventAt          time.Time
}

// IssuanceStore records issued credentials and their notifications.
type IssuanceStore interface {
	// RecordIssuance inserts c and, when callback is not nil, the outbox
	// message that delivers the credentials to a wallet backend, in one
	// transaction: a recorded issuance always has its callback.
	// ErrAlreadyExists (and nothing written) when the offer already has an
	// issuance for c.ConfigurationID: each configuration of an offer is
	// issued once (a retry within the idempotency window gets the stored
	// reply instead).
	RecordIssuance(ctx context.Context, c IssuedCredential, callback *outbox.Message) error
	// Issuance returns the record with this ID (the notification_id).
	Issuance(ctx context.Context, id string) (IssuedCredential, error)
	// RecordNotification sets Event, EventDescription and EventAt of the
	// issuance with this notification ID, if it belongs to offerID; else
	// ErrNotFound and nothing changes. A later event replaces an earlier.
	RecordNotification(ctx context.Context, offerID, notificationID, event, description string, at time.Time) error
}

// Reply is a stored Credential Response kept for idempotent retries.
// Body is sealed with the data key (it holds credentials).
type Reply struct {
	Key         []byte // SHA-256 of the access token and the request body
	Status      int
	ContentType string
	Body        []byte
	ExpiresAt   time.Time
}

// ReplyStore keeps the replies of the idempotency window.
type ReplyStore interface {
	// SaveReply stores r unless an unexpired reply with r.Key exists at
	// now (then ErrAlreadyExists and nothing changes); an expired one is
	// replaced.
	SaveReply(ctx context.Context, r Reply, now time.Time) error
	// Reply returns the unexpired reply stored under key; else ErrNotFound.
	Reply(ctx context.Context, key []byte, now time.Time) (Reply, error)
}

// Deferred is a credential issuance waiting for an operator's approval
// (OpenID4VCI 1.0 Section 9).
type Deferred struct {
	ID              string // random; the admin API's handle
	TransactionHash []byte // SHA-256 of the transaction_id given to the wallet
	OfferID         string
	ConfigurationID string
	// HolderKeys is the JSON array of the proven holder public JWKs, one
	// per credential to issue.
	HolderKeys []byte
	CreatedAt  time.Time
	ExpiresAt  time.Time
	ApprovedAt time.Time // zero until approved
	IssuedAt   time.Time // zero until the wallet collected the credentials
}

// DeferredStore keeps deferred issuances.
type DeferredStore interface {
	// CreateDeferred inserts d (ErrAlreadyExists on a duplicate ID or
	// transaction hash).
	CreateDeferred(ctx context.Context, d Deferred) error
	// DeferredByTransaction returns the unexpired, uncollected deferred
	// issuance with this transaction hash; else ErrNotFound.
	DeferredByTransaction(ctx context.Context, txHash []byte, now time.Time) (Deferred, error)
	// ApproveDeferred sets ApprovedAt = now on the unexpired, unapproved
	// deferred issuance with this ID; else ErrNotFound.
	ApproveDeferred(ctx context.Context, id string, now time.Time) error
	// ListDeferred returns up to limit deferred issuances that are neither
	// collected nor expired at now, oldest first.
	ListDeferred(ctx context.Context, now time.Time, limit int) ([]Deferred, error)
	// CollectDeferred atomically sets IssuedAt = now on the approved,
	// unexpired, uncollected deferred issuance with this transaction hash
	// and returns it; else ErrNotFound. Of concurrent calls, at most one
	// succeeds.
	CollectDeferred(ctx context.Context, txHash []byte, now time.Time) (Deferred, error)
}

// AppClient is a registered issuing app's backend, the client of the
// app-mediated flow (POST /app/issuer-config, POST /app/credential-request).
type AppClient struct {
	ID string
	// JWKS is the client's public JWK Set (JSON): its private_key_jwt
	// client assertions are checked against these keys.
	JWKS []byte
	// ConfigurationIDs are the credential configurations it may request.
	ConfigurationIDs []string
	CreatedAt        time.Time
}

// WalletBackend is a registered wallet backend that receives credentials
// by signed callback.
type WalletBackend struct {
	ID          string
	CallbackURL string
	// EncryptionJWK is the backend's public key (JSON JWK, EC P-256): each
	// callback body is a JWE encrypted to it.
	EncryptionJWK []byte
	// ConfigurationIDs are the credential configurations it may receive.
	ConfigurationIDs []string
	CreatedAt        time.Time
}

// RegistryStore keeps app clients and wallet backends.
type RegistryStore interface {
	// PutAppClient inserts or replaces the app client with c.ID.
	PutAppClient(ctx context.Context, c AppClient) error
	// AppClient returns the app client with this ID; else ErrNotFound.
	AppClient(ctx context.Context, id string) (AppClient, error)
	// AppClients lists every app client by ID.
	AppClients(ctx context.Context) ([]AppClient, error)
	// PutWalletBackend inserts or replaces the wallet backend with b.ID.
	PutWalletBackend(ctx context.Context, b WalletBackend) error
	// WalletBackend returns the wallet backend with this ID; else ErrNotFound.
	WalletBackend(ctx context.Context, id string) (WalletBackend, error)
	// WalletBackends lists every wallet backend by ID.
	WalletBackends(ctx context.Context) ([]WalletBackend, error)
}

// StatusRef describes a credential about to be issued, for its status
// entry.
type StatusRef struct {
	SubjectID, ConfigurationID, Format, OfferID, NotificationID string
}

// StatusEntry is a credential's place in a Token Status List.
type StatusEntry struct {
	CredentialID string
	URI          string
	Index        int
}

// StatusAllocator hands out status list entries (internal/credstatus
// implements it through an adapter).
type StatusAllocator interface {
	AllocateStatus(ctx context.Context, ref StatusRef) (*StatusEntry, error)
}

// DeletionHandler is told when a wallet reports credential_deleted
// (OpenID4VCI 1.0 Section 11.1); the status lists revoke the issuance when
// so configured.
type DeletionHandler interface {
	CredentialDeleted(ctx context.Context, notificationID string) error
}
