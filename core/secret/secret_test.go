package secret

import (
	"context"
	"errors"
	"testing"

	"github.com/zalando/go-keyring"
)

func TestKeyringRoundTripWithMock(t *testing.T) {
	t.Setenv("SOCIALOMM_KEYRING", "mock")
	keyring.MockInit()
	ctx := context.Background()
	k := NewKeyring()

	if _, err := k.Get(ctx, AccessToken, "1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get before Set: err = %v, want ErrNotFound", err)
	}
	if err := k.Set(ctx, AccessToken, "1", "tok-1"); err != nil {
		t.Fatal(err)
	}
	if err := k.Set(ctx, RefreshToken, "1", "ref-1"); err != nil {
		t.Fatal(err)
	}
	got, err := k.Get(ctx, AccessToken, "1")
	if err != nil || got != "tok-1" {
		t.Fatalf("Get = %q, %v", got, err)
	}
	// Kinds are separate services: the refresh token does not shadow the access token.
	if got, _ := k.Get(ctx, RefreshToken, "1"); got != "ref-1" {
		t.Fatalf("refresh token = %q", got)
	}
	if err := k.Delete(ctx, AccessToken, "1"); err != nil {
		t.Fatal(err)
	}
	if err := k.Delete(ctx, AccessToken, "1"); err != nil {
		t.Fatalf("second Delete: %v", err)
	}
	if _, err := k.Get(ctx, AccessToken, "1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}
	if err := k.Probe(ctx); err != nil {
		t.Fatalf("Probe on a working keyring: %v", err)
	}
}

func TestKeyringUnavailableIsReportedAndStoresNothing(t *testing.T) {
	t.Setenv("SOCIALOMM_KEYRING", "mock")
	keyring.MockInitWithError(errors.New("The name org.freedesktop.secrets was not provided by any .service files"))
	k := NewKeyring()
	err := k.Set(context.Background(), SMTPPassword, "smtp", "hunter2")
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if err := k.Probe(context.Background()); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Probe = %v, want ErrUnavailable", err)
	}
}

func TestNoSessionBusMeansUnavailableWithoutTouchingDBus(t *testing.T) {
	t.Setenv("SOCIALOMM_KEYRING", "")
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	keyring.MockInit()
	err := NewKeyring().Set(context.Background(), AccessToken, "1", "x")
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
}
