package core

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network/oauthnet"
	"github.com/socialomm/desktop/core/secret"
	"github.com/socialomm/desktop/internal/contract"
)

// refusingStore is the keyring with one write refused on purpose: the
// next Set of a profile's credentials fails once, as a locked collection
// or a restarting gnome-keyring makes it fail.
type refusingStore struct {
	secret.Store
	mu      sync.Mutex
	armed   bool
	locked  bool // refuse every write of credentials
	refused int
}

func (r *refusingStore) lock(locked bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.locked = locked
}

func (r *refusingStore) refuseNextCredentialsSet() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.armed = true
}

func (r *refusingStore) Set(ctx context.Context, kind secret.Kind, key, value string) error {
	r.mu.Lock()
	refuse := (r.armed || r.locked) && kind == secret.Credentials
	if refuse {
		r.armed = false
		r.refused++
	}
	r.mu.Unlock()
	if refuse {
		return fmt.Errorf("%w: the collection is locked", secret.ErrUnavailable)
	}
	return r.Store.Set(ctx, kind, key, value)
}

func (r *refusingStore) refusals() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.refused
}

// openWithSecrets re-opens the bed's engine on a keyring wrapped by wrap.
func (b *keyedBed) openWithSecrets(s secret.Store) {
	b.t.Helper()
	b.e.Close()
	e, err := Open(context.Background(), Options{DataDir: b.dir, Clock: b.clk, Secrets: s})
	if err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(func() { e.Close() })
	for n, p := range b.ports {
		e.keyed.ports[n] = p
	}
	b.e = e
}

// newXBed is an engine with one X profile connected, against the contract
// server (one-use refresh tokens, reuse ends the whole chain), on a
// keyring that can refuse a write.
func newXBed(t *testing.T) (*keyedBed, *contract.XServer, *refusingStore, account.Account) {
	t.Helper()
	port := freePort(t)
	srv := contract.NewX(t, oauthnet.LoopbackRedirectURI(port), true)
	b := newKeyedBed(t, map[string]string{"x": srv.URL})
	srv.SetNow(b.clk.Now)
	b.ports["x"] = port
	store := &refusingStore{Store: secret.NewKeyring()}
	b.openWithSecrets(store)
	b.set("x.client_id", srv.ClientID)
	a, err := b.e.ConnectOAuth(context.Background(), "x", SignIn{Open: browse})
	if err != nil {
		t.Fatal(err)
	}
	return b, srv, store, a
}

// TestXRenewalTheKeyringRefusedIsKept: X spends a refresh token on use.
// When the keyring refuses the renewed sign-in once, the engine keeps it
// in memory, says so without a secret, writes it again at the next use,
// and the profile stays connected through the next two checks, the
// second of which renews again with the kept refresh token.
func TestXRenewalTheKeyringRefusedIsKept(t *testing.T) {
	b, srv, store, a := newXBed(t)
	ctx := context.Background()

	b.clk.Advance(2*time.Hour + time.Minute) // the access token has ended
	store.refuseNextCredentialsSet()
	a, err := b.e.Check(ctx, a.ID)
	if err != nil || a.State != account.Connected {
		t.Fatalf("check whose renewal the keyring refused: %v %s/%s %q", err, a.State, a.Reason, a.LastError)
	}
	if store.refusals() != 1 || len(srv.RequestsTo("POST /2/oauth2/token")) != 2 {
		t.Fatalf("%d refusals, %d token requests; want the renewal's save refused once", store.refusals(), len(srv.RequestsTo("POST /2/oauth2/token")))
	}
	if !strings.HasPrefix(a.LastError, "Could not check the keyring: the keyring refused") {
		t.Fatalf("the person is not told the renewal is only in memory: %q", a.LastError)
	}
	held, _ := b.e.custody.pending(credentialKey(a))
	if strings.Contains(a.LastError, held.creds.RefreshToken) || strings.Contains(a.LastError, held.creds.AccessToken) {
		t.Fatal("a token in the account's error")
	}

	for i := 1; i <= 2; i++ {
		b.clk.Advance(2*time.Hour + time.Minute)
		a, err = b.e.Check(ctx, a.ID)
		if err != nil || a.State != account.Connected || a.LastError != "" {
			t.Fatalf("check %d after the refused write: %v %s/%s %q", i, err, a.State, a.Reason, a.LastError)
		}
	}
	if n := len(srv.RequestsTo("POST /2/oauth2/token")); n != 4 {
		t.Fatalf("%d token requests; want the sign-in and three renewals", n)
	}
	if _, ok := b.e.custody.pending(credentialKey(a)); ok {
		t.Fatal("the renewed sign-in is still only in memory")
	}
	// What the keyring holds now is what X takes: a restart keeps working.
	b.restart()
	b.clk.Advance(2*time.Hour + time.Minute)
	if a, err = b.e.Check(ctx, a.ID); err != nil || a.State != account.Connected {
		t.Fatalf("check after a restart: %v %s/%s %q", err, a.State, a.Reason, a.LastError)
	}
}

// TestXKeyringStaysLockedTheSignInInMemoryIsUsed: while the keyring keeps
// refusing, the renewed sign-in in memory is what is used, also for the
// next renewal; once the keyring answers it is written.
func TestXKeyringStaysLockedTheSignInInMemoryIsUsed(t *testing.T) {
	b, _, store, a := newXBed(t)
	ctx := context.Background()
	store.lock(true)
	for i := range 3 {
		b.clk.Advance(2*time.Hour + time.Minute)
		a, err := b.e.Check(ctx, a.ID)
		if err != nil || a.State != account.Connected || !strings.HasPrefix(a.LastError, "Could not check the keyring") {
			t.Fatalf("check %d with the keyring refusing: %v %s/%s %q", i, err, a.State, a.Reason, a.LastError)
		}
	}
	held, ok := b.e.custody.pending(credentialKey(a))
	if !ok {
		t.Fatal("nothing held in memory")
	}
	store.lock(false)
	a, err := b.e.Check(ctx, a.ID)
	if err != nil || a.State != account.Connected || a.LastError != "" {
		t.Fatalf("check once the keyring answers: %v %s %q", err, a.State, a.LastError)
	}
	if access, refresh := b.storedTokens(a); access != held.creds.AccessToken || refresh != held.creds.RefreshToken {
		t.Fatal("the keyring does not hold the sign-in that was kept in memory")
	}
}

// TestOldTwoItemSignInMovesIntoOneItem: a sign-in kept by an earlier
// SocialOmm as two items (access-token, refresh-token) is read, written as
// one item, and only then are the two deleted; the profile stays
// connected, and its refresh token still renews it.
func TestOldTwoItemSignInMovesIntoOneItem(t *testing.T) {
	b, srv, store, a := newXBed(t)
	ctx := context.Background()
	key := credentialKey(a)
	access, refresh := b.storedTokens(a)
	k := store.Store
	if err := errors.Join(k.Set(ctx, secret.AccessToken, key, access), k.Set(ctx, secret.RefreshToken, key, refresh),
		k.Delete(ctx, secret.Credentials, key)); err != nil {
		t.Fatal(err)
	}
	b.restart()
	b.clk.Advance(2*time.Hour + time.Minute)

	// The move's write fails once: still connected, nothing lost.
	failing := &refusingStore{Store: k}
	b.openWithSecrets(failing)
	failing.refuseNextCredentialsSet()
	if got, err := b.e.Check(ctx, a.ID); err != nil || got.State != account.Connected {
		t.Fatalf("check while the move fails: %v %s/%s %q", err, got.State, got.Reason, got.LastError)
	}
	// That check renewed (spending the old refresh token) and saved the
	// renewal as one item; the old items went with it.
	for _, kind := range []secret.Kind{secret.AccessToken, secret.RefreshToken} {
		if _, err := k.Get(ctx, kind, key); !errors.Is(err, secret.ErrNotFound) {
			t.Fatalf("old %s item left behind: %v", kind, err)
		}
	}
	item, err := k.Get(ctx, secret.Credentials, key)
	if err != nil {
		t.Fatalf("no one-item sign-in: %v", err)
	}
	tok, err := secret.DecodeTokens(item)
	if err != nil || tok.RefreshToken == "" || tok.RefreshToken == refresh || tok.Expiry.IsZero() {
		t.Fatalf("the item holds %v (refresh token renewed: %v, expiry %v)", err, tok.RefreshToken != refresh, tok.Expiry)
	}
	if n := len(srv.RequestsTo("POST /2/oauth2/token")); n != 2 {
		t.Fatalf("%d token requests", n)
	}
}

// TestOldItemsMoveOnARead: the move on its own, with nothing to renew.
func TestOldItemsMoveOnARead(t *testing.T) {
	b, _, store, a := newXBed(t)
	ctx := context.Background()
	key := credentialKey(a)
	access, refresh := b.storedTokens(a)
	k := store.Store
	if err := errors.Join(k.Set(ctx, secret.AccessToken, key, access), k.Set(ctx, secret.RefreshToken, key, refresh),
		k.Delete(ctx, secret.Credentials, key)); err != nil {
		t.Fatal(err)
	}
	b.restart()
	got, err := b.e.Check(ctx, a.ID)
	if err != nil || got.State != account.Connected || got.LastError != "" {
		t.Fatalf("check of an old-shape sign-in: %v %s/%s %q", err, got.State, got.Reason, got.LastError)
	}
	item, err := k.Get(ctx, secret.Credentials, key)
	if err != nil {
		t.Fatalf("the sign-in was not moved into one item: %v", err)
	}
	if tok, err := secret.DecodeTokens(item); err != nil || tok.AccessToken != access || tok.RefreshToken != refresh {
		t.Fatalf("the moved item differs from the old ones (%v)", err)
	}
	for _, kind := range []secret.Kind{secret.AccessToken, secret.RefreshToken} {
		if _, err := k.Get(ctx, kind, key); !errors.Is(err, secret.ErrNotFound) {
			t.Fatalf("old %s item left behind: %v", kind, err)
		}
	}
}
