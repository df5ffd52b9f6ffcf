package e2e

import (
	"context"
	"errors"
	"fmt"
	"image"
	"net/http"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/clock"
	"github.com/socialomm/desktop/core/devseed"
	"github.com/socialomm/desktop/core/network/x"
	"github.com/socialomm/desktop/core/secret"
	"github.com/socialomm/desktop/internal/contract"
	"github.com/socialomm/desktop/internal/testbed"
)

// refuseOnce is the real keyring with one write of a profile's sign-in
// refused, as a collection locked for that moment refuses it.
type refuseOnce struct {
	secret.Store
	mu      sync.Mutex
	armed   bool
	refused int
}

func (r *refuseOnce) arm() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.armed = true
}

func (r *refuseOnce) Set(ctx context.Context, kind secret.Kind, key, value string) error {
	r.mu.Lock()
	refuse := r.armed && kind == secret.Credentials
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

func (r *refuseOnce) refusals() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.refused
}

// storedSignIn reads a profile's sign-in from the Secret Service itself
// (secret-tool), not through SocialOmm.
func storedSignIn(t *testing.T, kr *testbed.Keyring, a account.Account) secret.Tokens {
	t.Helper()
	key := a.Network + " " + a.Instance + " " + a.RemoteID
	item, ok := kr.Lookup(t, secret.Credentials.Service(), key)
	if !ok {
		t.Fatalf("no %q item for the profile in the keyring", secret.Credentials.Service())
	}
	tok, err := secret.DecodeTokens(item)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func openEngine(t *testing.T, s secret.Store, clk clock.Clock) *core.Engine {
	t.Helper()
	e, err := core.Open(context.Background(), core.Options{DataDir: t.TempDir(), Secrets: s, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func mustConnected(t *testing.T, what string, a account.Account, err error) {
	t.Helper()
	if err != nil || a.State != account.Connected {
		t.Fatalf("%s: %v; %s/%s %q", what, err, a.State, a.Reason, a.LastError)
	}
}

// TestBlueskyRenewalTheKeyringRefusedIsKept: the real Bluesky server
// spends a refresh token on use (forgiving a reuse only for two hours); a
// real gnome-keyring refuses the write of the renewed session once. The
// profile is still connected after the next two checks, past the
// forgiveness.
func TestBlueskyRenewalTheKeyringRefusedIsKept(t *testing.T) {
	pds := testbed.StartPDS(t)
	kr := testbed.StartKeyring(t)
	ctx := context.Background()
	ana := newBskyAccount(t, pds, "ana")
	store := &refuseOnce{Store: secret.NewKeyring()}
	e := openEngine(t, store, nil)

	a, err := e.ConnectBluesky(ctx, ana.handle, ana.appPassword, pds.URL(), core.SignIn{})
	mustConnected(t, "connect", a, err)
	first := storedSignIn(t, kr, a)

	store.arm()
	a, err = e.Check(ctx, a.ID)
	mustConnected(t, "the check whose renewal the keyring refused", a, err)
	if store.refusals() != 1 || !strings.HasPrefix(a.LastError, "Could not check the keyring") {
		t.Fatalf("%d refusals; the account says %q", store.refusals(), a.LastError)
	}
	if got := storedSignIn(t, kr, a); got.RefreshToken != first.RefreshToken {
		t.Fatal("the refused write reached the keyring")
	}
	bskyNoSecrets(t, errors.New(a.LastError), first.AccessToken, first.RefreshToken, ana.appPassword)

	// Past the two hours the server forgives a spent refresh token.
	pds.AdvanceClock(t, 2*time.Hour+5*time.Minute)
	for i := 1; i <= 2; i++ {
		a, err = e.Check(ctx, a.ID)
		mustConnected(t, fmt.Sprintf("check %d after the refused write", i), a, err)
		if a.LastError != "" {
			t.Fatalf("check %d: %q", i, a.LastError)
		}
	}
	if got := storedSignIn(t, kr, a); got.RefreshToken == first.RefreshToken || got.RefreshToken == "" {
		t.Fatal("the keyring does not hold the renewed session")
	}
}

// TestXRenewalTheKeyringRefusedIsKept: the same for X, whose contract
// server takes a refresh token once and ends the whole chain when a spent
// one comes back.
func TestXRenewalTheKeyringRefusedIsKept(t *testing.T) {
	kr := testbed.StartKeyring(t)
	ctx := context.Background()
	srv := contract.NewX(t, x.RedirectURI, true)
	clk := clock.NewFake(time.Now().UTC().Truncate(time.Second))
	srv.SetNow(clk.Now)
	t.Setenv(core.TestEndpointsEnv, "x="+srv.URL)
	store := &refuseOnce{Store: secret.NewKeyring()}
	e := openEngine(t, store, clk)
	if err := e.Settings().Set(ctx, "x.client_id", srv.ClientID); err != nil {
		t.Fatal(err)
	}
	approve := func(_ context.Context, u string) error {
		// The contract server approves at once and sends the answer on to
		// SocialOmm's loopback listener.
		resp, err := (&http.Client{Timeout: 30 * time.Second}).Get(u)
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}
	a, err := e.ConnectOAuth(ctx, "x", core.SignIn{Open: approve})
	mustConnected(t, "connect", a, err)
	first := storedSignIn(t, kr, a)

	clk.Advance(2*time.Hour + time.Minute) // the access token has ended
	store.arm()
	a, err = e.Check(ctx, a.ID)
	mustConnected(t, "the check whose renewal the keyring refused", a, err)
	if store.refusals() != 1 || !strings.HasPrefix(a.LastError, "Could not check the keyring") {
		t.Fatalf("%d refusals; the account says %q", store.refusals(), a.LastError)
	}
	if strings.Contains(a.LastError, first.RefreshToken) {
		t.Fatal("a token in the account's error")
	}
	for i := 1; i <= 2; i++ {
		clk.Advance(2*time.Hour + time.Minute)
		a, err = e.Check(ctx, a.ID)
		mustConnected(t, fmt.Sprintf("check %d after the refused write", i), a, err)
		if a.LastError != "" {
			t.Fatalf("check %d: %q", i, a.LastError)
		}
	}
	if n := len(srv.RequestsTo("POST /2/oauth2/token")); n != 4 {
		t.Fatalf("%d token requests; want the sign-in and three renewals", n)
	}
	if got := storedSignIn(t, kr, a); got.RefreshToken == first.RefreshToken {
		t.Fatal("the keyring still holds the first, spent refresh token")
	}
}

// TestStuckKeyringOneCallInFlight: a Secret Service that never answers (an
// unlock prompt nobody answers). A hundred checks later only one keyring
// call ever reached it, the engine's goroutines did not pile up, and the
// engine answers what does not need the keyring.
func TestStuckKeyringOneCallInFlight(t *testing.T) {
	stuck := testbed.StartStuckSecrets(t)
	ctx := context.Background()
	e := openEngine(t, &secret.Keyring{Timeout: 300 * time.Millisecond}, nil)
	if _, err := e.Seed(ctx, devseed.Options{Accounts: 100, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	list, err := e.Accounts(ctx)
	if err != nil || len(list) != 100 {
		t.Fatalf("%d accounts, %v", len(list), err)
	}
	before := runtime.NumGoroutine()

	var wg sync.WaitGroup
	checked := make(chan account.Account, len(list))
	for _, a := range list {
		wg.Go(func() {
			got, err := e.Check(ctx, a.ID)
			if err != nil {
				t.Errorf("check %d: %v", a.ID, err)
			}
			checked <- got
		})
	}
	// While the first call hangs in the Secret Service, the engine still
	// answers whatever needs no keyring.
	stuck.WaitCall(t, 1, time.Minute)
	answered := make(chan error, 1)
	go func() {
		_, err := e.Accounts(ctx)
		if err == nil {
			_, err = e.CountAccounts(ctx)
		}
		answered <- err
	}()
	select {
	case err := <-answered:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Accounts did not answer while a keyring call was stuck")
	}
	wg.Wait()
	close(checked)

	was := map[int64]account.Account{}
	for _, a := range list {
		was[a.ID] = a
	}
	notAnswering := 0
	for a := range checked {
		if a.State == account.Disconnected && was[a.ID].State != account.Disconnected && a.Reason != account.ReasonExpired {
			t.Fatalf("a stuck keyring disconnected account %d: %s %q", a.ID, a.Reason, a.LastError)
		}
		if strings.Contains(a.LastError, "the keyring is not answering (locked?)") {
			notAnswering++
		}
	}
	if notAnswering == 0 {
		t.Fatal("no account says the keyring is not answering")
	}
	received, maxWaiting := stuck.Stats()
	if received != 1 || maxWaiting > 1 {
		t.Fatalf("%d calls reached the stuck Secret Service, up to %d at once; want one", received, maxWaiting)
	}
	if grown := runtime.NumGoroutine() - before; grown > 10 {
		t.Fatalf("%d more goroutines after %d checks of a stuck keyring", grown, len(list))
	}
	if err := e.KeyringProblem(ctx); !errors.Is(err, secret.ErrNotAnswering) {
		t.Fatalf("KeyringProblem while stuck: %v", err)
	}
	if received, _ := stuck.Stats(); received != 1 {
		t.Fatalf("%d calls reached the stuck Secret Service", received)
	}
}

// TestStuckKeyringWindowKeepsAnswering: the real window binary on a data
// folder of 100 accounts, with a Secret Service that never answers. Its
// startup keyring probe and connection checks hang in the keyring, yet the
// window comes up and its instance socket answers a second start's
// "show"; still only one keyring call reached the Secret Service.
func TestStuckKeyringWindowKeepsAnswering(t *testing.T) {
	testbed.RequireSessionBus(t)
	bin := testbed.BuildBinary(t)
	dataDir := t.TempDir()
	run := func(name string, env []string, args ...string) *testbed.Process {
		cmd := exec.Command(bin, append(args, "--data-dir", dataDir)...)
		cmd.Env = env
		return testbed.StartProcess(t, name, cmd)
	}
	seed := run("seed", testbed.Env(t, testbed.TempHome(t)...), "dev", "seed", "--accounts", "100", "--posts", "0", "--no-secrets")
	if code := seed.WaitExit(t, time.Minute); code != 0 {
		t.Fatalf("dev seed: exit %d\n%s", code, seed.Output())
	}
	d := testbed.StartXvfb(t)
	stuck := testbed.StartStuckSecrets(t)
	env := d.Env(t, testbed.TempHome(t)...)
	first := run("socialomm", env)
	d.WaitWindow(t, regexp.QuoteMeta(windowTitle), time.Minute)
	stuck.WaitCall(t, 1, time.Minute)

	for i := range 3 {
		second := run(fmt.Sprintf("socialomm-show-%d", i), env)
		if code := second.WaitExit(t, 30*time.Second); code != 0 {
			t.Fatalf("show %d while the keyring is stuck: exit %d\n%s", i, code, second.Output())
		}
		if out := second.Stdout() + second.Stderr(); !strings.Contains(out, "already running") {
			t.Fatalf("show %d: the running window did not answer:\n%s", i, second.Output())
		}
	}
	if first.Exited() {
		t.Fatalf("the window exited (%d)\n%s", first.ExitCode(), first.Output())
	}
	first1 := d.ScreenshotPainted(t, "stuck-keyring-loading", 30*time.Second)
	testbed.AssertNotBlank(t, first1)
	// The list comes (it waits for the keyring probe's timeout), and the
	// checks' "not answering" lines change it.
	shot := d.ScreenshotUntil(t, "stuck-keyring-accounts", 2*time.Minute, "the window's list to change",
		func(img image.Image) bool { return !samePixels(t, first1, img) })
	testbed.AssertNotBlank(t, shot)
	again := run("socialomm-show-after", env)
	if code := again.WaitExit(t, 30*time.Second); code != 0 || !strings.Contains(again.Stdout()+again.Stderr(), "already running") {
		t.Fatalf("show after the list came: exit %d\n%s", code, again.Output())
	}
	if received, maxWaiting := stuck.Stats(); received != 1 || maxWaiting > 1 {
		t.Fatalf("%d calls reached the stuck Secret Service, up to %d at once; want one", received, maxWaiting)
	}
	first.Signal(t, syscall.SIGTERM)
	if code := first.WaitExit(t, 30*time.Second); code != 0 {
		t.Fatalf("after SIGTERM the window exited with %d\n%s", code, first.Output())
	}
}
