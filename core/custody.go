package core

import (
	"errors"
	"sync"

	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/secret"
)

// custody holds, per credential key, the rotated credentials the keyring
// did not take. X and Bluesky spend a refresh token on use: once the
// network has rotated it, the new credentials are the only working ones,
// so a failed save must not drop them. They are written again before the
// next use of the profile, and used from memory while the keyring still
// does not answer.
//
// Every read and write of one key's credentials happens under that key's
// lock, so a write of held credentials and a newer save never cross.
type custody struct {
	mu    sync.Mutex
	locks map[string]*sync.Mutex
	held  map[string]heldCredentials
	// legacy marks keys whose old two items (access-token, refresh-token)
	// are still in the keyring beside the new item: the next successful
	// write deletes them.
	legacy map[string]bool
}

type heldCredentials struct {
	creds network.Credentials
	err   error // why the keyring did not take them
}

// lock takes key's lock; the returned function releases it.
func (c *custody) lock(key string) func() {
	c.mu.Lock()
	if c.locks == nil {
		c.locks = map[string]*sync.Mutex{}
	}
	m, ok := c.locks[key]
	if !ok {
		m = &sync.Mutex{}
		c.locks[key] = m
	}
	c.mu.Unlock()
	m.Lock()
	return m.Unlock
}

// hold keeps creds for key after the keyring refused or did not answer.
func (c *custody) hold(key string, creds network.Credentials, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held == nil {
		c.held = map[string]heldCredentials{}
	}
	c.held[key] = heldCredentials{creds: creds, err: err}
}

// pending is the credentials held for key, if any.
func (c *custody) pending(key string) (heldCredentials, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h, ok := c.held[key]
	return h, ok
}

// settle forgets held credentials once the keyring has them.
func (c *custody) settle(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.held, key)
}

func (c *custody) markLegacy(key string, old bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !old {
		delete(c.legacy, key)
		return
	}
	if c.legacy == nil {
		c.legacy = map[string]bool{}
	}
	c.legacy[key] = true
}

func (c *custody) isLegacy(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.legacy[key]
}

// heldWords tells the person, in the account's "could not check" line,
// that a renewed sign-in lives only in memory; never with a secret.
func heldWords(err error) string {
	why := "the keyring refused to save the renewed sign-in"
	if errors.Is(err, secret.ErrNotAnswering) {
		why = "the keyring is not answering (locked?)"
	}
	return "Could not check the keyring: " + why + ". SocialOmm keeps the renewed sign-in in memory and saves it as soon as the keyring answers: unlock the keyring, and do not quit SocialOmm before then, or the profile has to be reconnected."
}

func tokensOf(c network.Credentials) secret.Tokens {
	return secret.Tokens{AccessToken: c.AccessToken, RefreshToken: c.RefreshToken, Expiry: c.Expiry, RefreshExpiry: c.ConnectionExpiry}
}

func credentialsOf(t secret.Tokens) network.Credentials {
	return network.Credentials{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, Expiry: t.Expiry, ConnectionExpiry: t.RefreshExpiry}
}
