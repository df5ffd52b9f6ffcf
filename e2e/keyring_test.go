package e2e

import (
	"context"
	"errors"
	"testing"

	"github.com/socialomm/desktop/core/secret"
	"github.com/socialomm/desktop/internal/testbed"
)

// TestKeyringRoundTrip stores, reads and deletes a secret through
// core/secret against the real, unlocked gnome-keyring, and checks with
// secret-tool that it really landed in the Secret Service.
func TestKeyringRoundTrip(t *testing.T) {
	kr := testbed.StartKeyring(t)
	ctx := context.Background()
	k := secret.NewKeyring()

	if err := k.Probe(ctx); err != nil {
		t.Fatalf("Probe on an unlocked keyring: %v", err)
	}

	const key, value = "e2e-account-1", "tok-\"quoted\" ünïcode"
	if err := k.Set(ctx, secret.AccessToken, key, value); err != nil {
		t.Fatalf("Set: %v", err)
	}
	got, err := k.Get(ctx, secret.AccessToken, key)
	if err != nil || got != value {
		t.Fatalf("Get = %q, %v; want %q", got, err, value)
	}
	if stored, ok := kr.Lookup(t, secret.AccessToken.Service(), key); !ok || stored != value {
		t.Fatalf("secret-tool lookup service %q username %q = %q, found=%v; want %q",
			secret.AccessToken.Service(), key, stored, ok, value)
	}
	// Another kind under the same key is a different secret.
	if _, err := k.Get(ctx, secret.RefreshToken, key); !errors.Is(err, secret.ErrNotFound) {
		t.Fatalf("Get of a refresh token never set: err = %v, want ErrNotFound", err)
	}

	if err := k.Delete(ctx, secret.AccessToken, key); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := k.Get(ctx, secret.AccessToken, key); !errors.Is(err, secret.ErrNotFound) {
		t.Fatalf("Get after Delete: err = %v, want ErrNotFound", err)
	}
	if _, ok := kr.Lookup(t, secret.AccessToken.Service(), key); ok {
		t.Fatalf("secret-tool still finds the secret after Delete")
	}
	// Deleting what is not there is not an error.
	if err := k.Delete(ctx, secret.AccessToken, key); err != nil {
		t.Fatalf("second Delete: %v", err)
	}
}
