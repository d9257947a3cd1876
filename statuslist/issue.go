package statuslist

import (
	"bytes"
	"compress/zlib"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/pramaan/pramaan/internal/jose"
)

// MaxListEntries bounds a list an issuer builds (2^24 statuses).
const MaxListEntries = 1 << 24

// Bitstring is an issuer's status list ("Status List"): size statuses of
// bits bits each, all VALID at first.
type Bitstring struct {
	bits int
	size int
	data []byte
}

// NewBitstring makes a list of size statuses of bits bits (1, 2, 4 or 8).
func NewBitstring(bits, size int) (*Bitstring, error) {
	switch bits {
	case 1, 2, 4, 8:
	default:
		return nil, fmt.Errorf("statuslist: bits must be 1, 2, 4 or 8, not %d", bits)
	}
	if size < 1 || size > MaxListEntries {
		return nil, fmt.Errorf("statuslist: size must be 1 to %d, not %d", MaxListEntries, size)
	}
	return &Bitstring{bits: bits, size: size, data: make([]byte, (size*bits+7)/8)}, nil
}

// Len is the number of statuses.
func (b *Bitstring) Len() int { return b.size }

// Bits is the number of bits per status.
func (b *Bitstring) Bits() int { return b.bits }

// Set sets the status at idx: byte idx*bits/8, from its least significant
// bit at (idx*bits)%8 ("Status List").
func (b *Bitstring) Set(idx int, s Status) error {
	if idx < 0 || idx >= b.size {
		return fmt.Errorf("statuslist: index %d is outside the list of %d", idx, b.size)
	}
	if int(s) >= 1<<b.bits {
		return fmt.Errorf("statuslist: status %d does not fit in %d bits", s, b.bits)
	}
	shift := (idx * b.bits) % 8
	mask := byte(1<<b.bits-1) << shift
	i := idx * b.bits / 8
	b.data[i] = b.data[i]&^mask | byte(s)<<shift
	return nil
}

// Get returns the status at idx.
func (b *Bitstring) Get(idx int) (Status, error) {
	if idx < 0 || idx >= b.size {
		return 0, fmt.Errorf("statuslist: index %d is outside the list of %d", idx, b.size)
	}
	return Status(b.data[idx*b.bits/8]>>((idx*b.bits)%8)) & Status(1<<b.bits-1), nil
}

// Compressed is the list ZLIB-compressed (RFC 1950, DEFLATE at the best
// compression), the bytes of a CWT's lst.
func (b *Bitstring) Compressed() []byte {
	var out bytes.Buffer
	w, _ := zlib.NewWriterLevel(&out, zlib.BestCompression) // a valid level never fails
	w.Write(b.data)
	w.Close()
	return out.Bytes()
}

// Lst is the base64url of Compressed: a JWT's status_list.lst.
func (b *Bitstring) Lst() string { return base64.RawURLEncoding.EncodeToString(b.Compressed()) }

// Encode builds a status_list's lst from statuses (for tests and for
// issuers of small lists).
func Encode(bits int, statuses []Status) (string, error) {
	b, err := NewBitstring(bits, max(len(statuses), 1))
	if err != nil {
		return "", err
	}
	for i, s := range statuses {
		if err := b.Set(i, s); err != nil {
			return "", err
		}
	}
	return b.Lst(), nil
}

// RandomIndex is a uniformly random index below size, from crypto/rand:
// indices are handed out at random so that neither an index nor the list
// it falls in tells how many credentials were issued ("Privacy
// Considerations": unlinkability, and avoiding sequential assignment).
func RandomIndex(size int) (int, error) {
	if size < 1 {
		return 0, errors.New("statuslist: size must be positive")
	}
	n, err := rand.Int(rand.Reader, big.NewInt(int64(size)))
	if err != nil {
		return 0, fmt.Errorf("statuslist: random index: %w", err)
	}
	return int(n.Int64()), nil
}

// TokenClaims are the claims of a Status List Token ("Status List Token in
// JWT Format"): sub, the URI it is served at; iat; exp and ttl when set.
type TokenClaims struct {
	Subject   string
	IssuedAt  time.Time
	ExpiresAt time.Time
	TTL       time.Duration
}

// SignJWT signs the list as a Status List Token in JWT format: typ
// statuslist+jwt, alg from the signer's key (ES256 for P-256), x5c when
// chain is given (the signer's certificate first), kid when given; claims
// sub, iat, exp, ttl and status_list {bits, lst}.
func (b *Bitstring) SignJWT(signer crypto.Signer, chain []*x509.Certificate, kid string, c TokenClaims) (string, error) {
	if c.Subject == "" || c.IssuedAt.IsZero() {
		return "", errors.New("statuslist: sub and iat are required")
	}
	header := map[string]any{"typ": Typ}
	if kid != "" {
		header["kid"] = kid
	}
	if len(chain) > 0 {
		x5c := make([]string, len(chain))
		for i, cert := range chain {
			x5c[i] = base64.StdEncoding.EncodeToString(cert.Raw) // RFC 7515 Section 4.1.6: not base64url
		}
		header["x5c"] = x5c
	}
	claims := map[string]any{
		"sub":         c.Subject,
		"iat":         c.IssuedAt.Unix(),
		"status_list": map[string]any{"bits": b.bits, "lst": b.Lst()},
	}
	if !c.ExpiresAt.IsZero() {
		claims["exp"] = c.ExpiresAt.Unix()
	}
	if c.TTL > 0 {
		claims["ttl"] = int64(c.TTL / time.Second)
	}
	return jose.SignCompact(signer, header, claims)
}
