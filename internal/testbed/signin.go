package testbed

import (
	"testing"

	"github.com/socialomm/desktop/core/secret"
)

// SignIn reads a profile's sign-in item (service "SocialOmm credentials",
// username the engine's credential key "NETWORK INSTANCE REMOTEID")
// straight from the Secret Service. found is false when there is none.
func (k *Keyring) SignIn(t testing.TB, key string) (tokens secret.Tokens, found bool) {
	t.Helper()
	item, ok := k.Lookup(t, secret.Credentials.Service(), key)
	if !ok {
		return secret.Tokens{}, false
	}
	tokens, err := secret.DecodeTokens(item)
	if err != nil {
		t.Fatalf("testbed: the sign-in item of %q: %v", key, err)
	}
	return tokens, true
}

// AccessToken is the access token of a profile's sign-in item.
func (k *Keyring) AccessToken(t testing.TB, key string) (string, bool) {
	t.Helper()
	tok, ok := k.SignIn(t, key)
	return tok.AccessToken, ok && tok.AccessToken != ""
}

// RefreshToken is the refresh token of a profile's sign-in item.
func (k *Keyring) RefreshToken(t testing.TB, key string) (string, bool) {
	t.Helper()
	tok, ok := k.SignIn(t, key)
	return tok.RefreshToken, ok && tok.RefreshToken != ""
}
