package sandbox

// RegisterRedirectURI adds a redirect URI to the client's registration, as
// a partner does in DigiLocker's console: tests that start the partner
// after the sandbox (its port known only then) register it this way.
func (s *Sandbox) RegisterRedirectURI(uri string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.RedirectURIs = append(s.cfg.RedirectURIs, uri)
}
