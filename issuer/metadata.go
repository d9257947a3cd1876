package issuer

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/pramaan/pramaan/oid4vci"
	"github.com/pramaan/pramaan/wellknown"
)

// Metadata responses are cached per Accept-Language value: the documents
// change only with the configuration, and a signed document is re-signed
// after signedMetadataMaxAge so that its iat stays recent.
const (
	maxMetadataCacheEntries = 64
	signedMetadataMaxAge    = time.Minute
	metadataCacheControl    = "public, max-age=300"
)

type metadataEntry struct {
	body     []byte
	langs    string
	signedAt time.Time
}

type metadataCache struct {
	mu      sync.Mutex
	entries map[string]metadataEntry
}

func (c *metadataCache) get(key string) (metadataEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	return e, ok
}

func (c *metadataCache) put(key string, e metadataEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = make(map[string]metadataEntry)
	}
	if len(c.entries) >= maxMetadataCacheEntries {
		// Arbitrary Accept-Language values must not grow memory: past
		// the bound, answers are built per request.
		if _, ok := c.entries[key]; !ok {
			return
		}
	}
	c.entries[key] = e
}

func (s *Service) prepareMetadata() error {
	var err error
	if s.asMetadata, err = json.Marshal(s.cfg.Metadata.AuthorizationServerMetadata()); err != nil {
		return fmt.Errorf("issuer: authorization server metadata: %w", err)
	}
	if len(s.cfg.JWKS.Keys) == 0 {
		return fmt.Errorf("%w: JWKS is empty", ErrConfig)
	}
	// The JWT VC issuer metadata names the keys that sign credentials
	// (draft-ietf-oauth-sd-jwt-vc-18 Section 3.5), not the request
	// encryption key.
	var sig wellknown.JWKSet
	for _, k := range s.cfg.JWKS.Keys {
		if k.Use != wellknown.UseEnc {
			sig.Keys = append(sig.Keys, k)
		}
	}
	jv, err := s.cfg.Metadata.JWTVCIssuerMetadata(sig)
	if err != nil {
		return fmt.Errorf("%w: jwt-vc-issuer metadata: %w", ErrConfig, err)
	}
	if s.jwtVCMeta, err = json.Marshal(jv); err != nil {
		return fmt.Errorf("issuer: jwt-vc-issuer metadata: %w", err)
	}
	if s.jwksJSON, err = json.Marshal(s.cfg.JWKS); err != nil {
		return fmt.Errorf("issuer: jwks: %w", err)
	}
	return nil
}

// CredentialIssuerMetadata answers GET /.well-known/openid-credential-issuer
// (Section 12.2.2): JSON, or a signed JWT when the Accept header prefers
// application/jwt and a MetadataSigner is configured (Section 12.2.3).
// Display data follows Accept-Language, named in Content-Language.
func (s *Service) CredentialIssuerMetadata(_ context.Context, r *Request) (*Response, error) {
	lang := r.Header.Get("Accept-Language")
	if len(lang) > wellknown.MaxAcceptLanguageLength {
		lang = ""
	}
	signed := s.cfg.MetadataSigner != nil && acceptsJWT(r.Header.Values("Accept"))
	key := "json\x00" + lang
	if signed {
		key = "jwt\x00" + lang
	}
	now := s.now()
	e, ok := s.metaJSON.get(key)
	if !ok || (signed && now.Sub(e.signedAt) > signedMetadataMaxAge) {
		m, langs := s.cfg.Metadata.CredentialIssuerMetadata().Localize(lang)
		e = metadataEntry{langs: strings.Join(langs, ", "), signedAt: now}
		if signed {
			jwt, err := s.cfg.MetadataSigner.Sign(m)
			if err != nil {
				return nil, fmt.Errorf("issuer: sign metadata: %w", err)
			}
			e.body = []byte(jwt)
		} else {
			b, err := json.Marshal(m)
			if err != nil {
				return nil, fmt.Errorf("issuer: metadata: %w", err)
			}
			e.body = b
		}
		s.metaJSON.put(key, e)
	}
	h := http.Header{}
	h.Set("Cache-Control", metadataCacheControl)
	h.Set("Vary", "Accept, Accept-Language")
	if e.langs != "" {
		h.Set("Content-Language", e.langs)
	}
	resp := jsonResponse(http.StatusOK, e.body, h)
	if signed {
		resp.ContentType = oid4vci.MediaTypeJWT
	}
	return resp, nil
}

// acceptsJWT reports whether the Accept header ranks application/jwt above
// application/json (RFC 9110 Section 12.5.1); ties go to JSON.
func acceptsJWT(values []string) bool {
	jwtQ, jsonQ := -1.0, 0.0
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			q := 1.0
			if qs, ok := params["q"]; ok {
				if _, err := fmt.Sscanf(qs, "%g", &q); err != nil {
					continue
				}
			}
			switch mt {
			case oid4vci.MediaTypeJWT:
				jwtQ = max(jwtQ, q)
			case oid4vci.MediaTypeJSON, "application/*", "*/*":
				jsonQ = max(jsonQ, q)
			}
		}
	}
	return jwtQ > 0 && jwtQ > jsonQ
}

func (s *Service) staticJSON(body []byte) *Response {
	h := http.Header{}
	h.Set("Cache-Control", metadataCacheControl)
	return jsonResponse(http.StatusOK, body, h)
}

// AuthorizationServerMetadata answers GET
// /.well-known/oauth-authorization-server (RFC 8414, Section 12.3).
func (s *Service) AuthorizationServerMetadata(context.Context, *Request) (*Response, error) {
	return s.staticJSON(s.asMetadata), nil
}

// JWTVCIssuerMetadata answers GET /.well-known/jwt-vc-issuer
// (draft-ietf-oauth-sd-jwt-vc-18 Section 3).
func (s *Service) JWTVCIssuerMetadata(context.Context, *Request) (*Response, error) {
	return s.staticJSON(s.jwtVCMeta), nil
}

// JWKS answers GET /.well-known/jwks.json (RFC 7517 Section 5).
func (s *Service) JWKS(context.Context, *Request) (*Response, error) {
	r := s.staticJSON(s.jwksJSON)
	r.ContentType = "application/jwk-set+json"
	return r, nil
}
