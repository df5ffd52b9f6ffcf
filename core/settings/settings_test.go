package settings

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/socialomm/desktop/core/secret"
	"github.com/socialomm/desktop/core/store"
	"github.com/zalando/go-keyring"
)

func newService(t *testing.T) *Service {
	t.Helper()
	t.Setenv("SOCIALOMM_KEYRING", "mock")
	keyring.MockInit()
	st, err := store.Open(context.Background(), t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &Service{Store: st, Secrets: secret.NewKeyring()}
}

func TestSetNormalizesAndValidates(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	cases := []struct {
		key, in, want, errWords string
	}{
		{"lifespan.days", " 30 ", "30", ""},
		{"lifespan.days", "-1", "", "whole number from 0"},
		{"smtp.security", "STARTTLS", "starttls", ""},
		{"smtp.security", "ssl", "", "one of starttls, tls, none"},
		{"notify.warn_days", "1, 14,7,7", "14,7,1", ""},
		{"notify.warn_days", "soon", "", "like 14,7,1"},
		{"email.to", "ana@example.com, Bo B <bo@example.com>", "ana@example.com, Bo B <bo@example.com>", ""},
		{"email.from", "\"Shop, Inc.\" <shop@example.com>", "\"Shop, Inc.\" <shop@example.com>", ""},
		{"email.to", "ana at example", "", "not an email address"},
		{"smtp.host", "smtp://mail.example.com", "", "host name"},
		{"notify.desktop", "off", "off", ""},
	}
	for _, c := range cases {
		err := s.Set(ctx, c.key, c.in)
		if c.errWords != "" {
			if err == nil || !strings.Contains(err.Error(), c.errWords) {
				t.Errorf("Set(%s, %q) err = %v, want words %q", c.key, c.in, err, c.errWords)
			}
			continue
		}
		if err != nil {
			t.Errorf("Set(%s, %q): %v", c.key, c.in, err)
			continue
		}
		if got, _ := s.Get(ctx, c.key); got != c.want {
			t.Errorf("Get(%s) = %q, want %q", c.key, got, c.want)
		}
	}
}

func TestDefaultsAndUnknownKeys(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	if got, _ := s.Get(ctx, "lifespan.days"); got != "90" {
		t.Fatalf("default lifespan = %q", got)
	}
	if s.Int(ctx, "expiring.days") != 14 || !s.On(ctx, "notify.desktop") {
		t.Fatal("defaults not read")
	}
	if err := s.Set(ctx, "no.such", "1"); !errors.Is(err, ErrUnknown) || !strings.Contains(err.Error(), "smtp.host") {
		t.Fatalf("unknown key error = %v", err)
	}
}

func TestSecretSettingGoesToKeyringOnly(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	if err := s.Set(ctx, "smtp.password", "hunter2"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(ctx, "smtp.password"); got != SecretMask {
		t.Fatalf("Get shows %q, want the mask", got)
	}
	if got, _ := s.Secret(ctx, "smtp.password"); got != "hunter2" {
		t.Fatalf("Secret = %q", got)
	}
	if _, set, _ := s.Store.Setting(ctx, "smtp.password"); set {
		t.Fatal("the password reached SQLite")
	}
	if err := s.Set(ctx, "smtp.password", ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(ctx, "smtp.password"); got != "" {
		t.Fatalf("after clearing, Get = %q", got)
	}
}

func TestSecretSettingRefusedWithoutKeyring(t *testing.T) {
	s := newService(t)
	keyring.MockInitWithError(errors.New("no secret service"))
	err := s.Set(context.Background(), "smtp.password", "hunter2")
	if !errors.Is(err, secret.ErrUnavailable) || !strings.Contains(err.Error(), "was not saved") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatal("the secret appears in the error")
	}
}

func TestNetworkKeys(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	cases := []struct {
		key, in, want, errWords string
	}{
		{"x.client_id", "  cHJpdmF0ZS1jbGllbnQ6MQ \n", "cHJpdmF0ZS1jbGllbnQ6MQ", ""},
		{"x.client_id", "   ", "", "must not be empty"},
		{"linkedin.client_id", "86 abc", "", "one word"},
		{"facebook.app_id", "1234567890123456", "1234567890123456", ""},
		{"facebook.redirect_uri", " https://example.org/socialomm ", "https://example.org/socialomm", ""},
		{"instagram.redirect_uri", "http://127.0.0.1:8080/callback", "", "https address"},
		{"threads.redirect_uri", "https://example.org/cb#frag", "", "https address"},
	}
	for _, c := range cases {
		err := s.Set(ctx, c.key, c.in)
		if c.errWords != "" {
			if err == nil || !strings.Contains(err.Error(), c.errWords) {
				t.Errorf("Set(%s, %q) err = %v, want words %q", c.key, c.in, err, c.errWords)
			}
			continue
		}
		if err != nil {
			t.Errorf("Set(%s, %q): %v", c.key, c.in, err)
			continue
		}
		if got, _ := s.Get(ctx, c.key); got != c.want {
			t.Errorf("Get(%s) = %q, want %q", c.key, got, c.want)
		}
	}
	for _, n := range []string{"facebook", "instagram", "threads"} {
		if got, _ := s.Get(ctx, n+".redirect_uri"); n != "facebook" && got != PasteRedirectURI {
			t.Errorf("%s.redirect_uri defaults to %q", n, got)
		}
	}
	// Every network's secret goes to the keyring only, as smtp.password does.
	for _, key := range []string{"x.client_secret", "linkedin.client_secret", "facebook.app_secret", "instagram.app_secret", "threads.app_secret"} {
		d, ok := Lookup(key)
		if !ok || d.Secret != secret.ClientSecret {
			t.Fatalf("%s is not a keyring secret: %+v", key, d)
		}
		if err := s.Set(ctx, key, " s3cr3t-value "); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Get(ctx, key); got != SecretMask {
			t.Errorf("Get(%s) shows %q", key, got)
		}
		if got, _ := s.Secret(ctx, key); got != "s3cr3t-value" {
			t.Errorf("Secret(%s) = %q", key, got)
		}
		if _, set, _ := s.Store.Setting(ctx, key); set {
			t.Errorf("%s reached SQLite", key)
		}
	}
}
