package oauth

import (
	"fmt"
	"sync"

	"golang.org/x/oauth2"
)

// PersistingTokenSource wraps base (typically cfg.TokenSource(ctx, last)) so that
// every token whose access or refresh token differs from the last one seen is
// passed to save before it is returned. golang.org/x/oauth2 keeps a rotated
// refresh token only in memory; with a server that rotates (and refuses the old
// one), losing it would lose the connection. If save fails, Token returns the
// error and no token, so an unpersisted token is never used; the next call tries
// to save again. last may be nil, in which case the first token is saved too.
func PersistingTokenSource(base oauth2.TokenSource, last *oauth2.Token, save func(*oauth2.Token) error) oauth2.TokenSource {
	p := &persistingSource{base: base, save: save}
	if last != nil {
		p.known = true
		p.access, p.refresh = last.AccessToken, last.RefreshToken
	}
	return p
}

type persistingSource struct {
	base oauth2.TokenSource
	save func(*oauth2.Token) error

	mu              sync.Mutex // serialises refresh+save so two callers cannot save out of order
	known           bool
	access, refresh string
}

func (p *persistingSource) Token() (*oauth2.Token, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	tok, err := p.base.Token()
	if err != nil {
		return nil, err
	}
	if p.known && tok.AccessToken == p.access && tok.RefreshToken == p.refresh {
		return tok, nil
	}
	if err := p.save(tok); err != nil {
		return nil, fmt.Errorf("store the renewed sign-in: %w", err)
	}
	p.known = true
	p.access, p.refresh = tok.AccessToken, tok.RefreshToken
	return tok, nil
}
