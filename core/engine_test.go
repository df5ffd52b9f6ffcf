package core

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/clock"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/secret"
)

// fakeNetwork answers Verify and Revoke with whatever the test sets.
type fakeNetwork struct {
	verifyErr error
	revokeErr error
	revoked   []string
}

func (f *fakeNetwork) Name() string { return "fake" }
func (f *fakeNetwork) Verify(_ context.Context, a account.Account, c network.Credentials) (network.Profile, error) {
	if f.verifyErr != nil {
		return network.Profile{}, f.verifyErr
	}
	return network.Profile{RemoteID: a.RemoteID, Handle: a.Handle, DisplayName: "Fresh Name"}, nil
}
func (f *fakeNetwork) Publish(context.Context, account.Account, network.Credentials, string, string) (network.Published, error) {
	return network.Published{}, nil
}
func (f *fakeNetwork) Revoke(_ context.Context, _ account.Account, c network.Credentials) error {
	f.revoked = append(f.revoked, c.AccessToken)
	return f.revokeErr
}

var start = time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC)

func newTestEngine(t *testing.T) (*Engine, *clock.Fake, *fakeNetwork) {
	t.Helper()
	t.Setenv("SOCIALOMM_KEYRING", "mock")
	keyring.MockInit()
	clk := clock.NewFake(start)
	e, err := Open(context.Background(), Options{DataDir: t.TempDir(), Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	fake := &fakeNetwork{}
	e.adapters["fake"] = fake
	return e, clk, fake
}

// connect stores an account as a fresh sign-in would.
func connect(t *testing.T, e *Engine, remoteID string, creds network.Credentials) account.Account {
	t.Helper()
	a, err := e.accountFor(context.Background(), "fake", "https://fake.example", remoteID)
	if err != nil {
		t.Fatal(err)
	}
	a, err = e.storeSignIn(context.Background(), a, network.Profile{RemoteID: remoteID, Handle: "@" + remoteID + "@fake.example", DisplayName: remoteID}, creds)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestConnectionExpiry(t *testing.T) {
	e, _, _ := newTestEngine(t)
	ctx := context.Background()
	day := 24 * time.Hour
	cases := []struct {
		name     string
		lifespan string
		creds    network.Credentials
		want     time.Duration // from start; -1: never
	}{
		{"network gives none: the 90-day lifespan", "90", network.Credentials{}, 90 * day},
		{"network's shorter end wins", "90", network.Credentials{ConnectionExpiry: start.Add(60 * day)}, 60 * day},
		{"lifespan caps a longer end", "30", network.Credentials{ConnectionExpiry: start.Add(60 * day)}, 30 * day},
		{"short access token without refresh ends the connection", "90", network.Credentials{Expiry: start.Add(2 * time.Hour)}, 2 * time.Hour},
		{"refreshable access token does not", "90", network.Credentials{Expiry: start.Add(2 * time.Hour), RefreshToken: "r"}, 90 * day},
		{"lifespan 0 and nothing from the network: never", "0", network.Credentials{}, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.settings.Set(ctx, "lifespan.days", c.lifespan)
			got := e.connectionExpiry(ctx, start, c.creds)
			if c.want < 0 {
				if got != nil {
					t.Fatalf("expiry %v, want never", got)
				}
				return
			}
			if got == nil || !got.Equal(start.Add(c.want)) {
				t.Fatalf("expiry %v, want %v", got, start.Add(c.want))
			}
		})
	}
}

// TestNinetyDays walks an account through its lifespan with the injected
// clock: connected, expiring from day 76, disconnected expired at day 90 to
// the second.
func TestNinetyDays(t *testing.T) {
	e, clk, _ := newTestEngine(t)
	ctx := context.Background()
	a := connect(t, e, "ana", network.Credentials{AccessToken: "tok"})
	if a.State != account.Connected || !a.ExpiresAt.Equal(start.Add(90*24*time.Hour)) {
		t.Fatalf("after connect: %s, %v", a.State, a.ExpiresAt)
	}
	steps := []struct {
		at     time.Duration
		state  account.State
		reason account.Reason
	}{
		{75 * 24 * time.Hour, account.Connected, ""},
		{76 * 24 * time.Hour, account.Expiring, ""},
		{90*24*time.Hour - time.Second, account.Expiring, ""},
		{90 * 24 * time.Hour, account.Disconnected, account.ReasonExpired},
	}
	for _, s := range steps {
		clk.Set(start.Add(s.at))
		got, err := e.Check(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != s.state || got.Reason != s.reason {
			t.Fatalf("at %v: %s/%s, want %s/%s", s.at, got.State, got.Reason, s.state, s.reason)
		}
	}
	log, _ := e.Activity(ctx, a.ID, 10)
	var kinds []string
	for _, l := range log {
		kinds = append(kinds, l.Kind)
	}
	if strings.Join(kinds, ",") != "disconnected:expired,expiring,connected" {
		t.Fatalf("activity %v", kinds)
	}
}

func TestCheckTellsLostAccessFromNetworkTrouble(t *testing.T) {
	e, clk, fake := newTestEngine(t)
	ctx := context.Background()
	a := connect(t, e, "ana", network.Credentials{AccessToken: "tok"})
	clk.Advance(3 * time.Hour)

	fake.verifyErr = &network.TransientError{Message: "fake.example did not answer in time"}
	got, err := e.Check(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != account.Connected || !strings.Contains(got.LastError, "Could not check: fake.example did not answer") {
		t.Fatalf("transient: %s %q", got.State, got.LastError)
	}
	if !got.LastGoodCheckAt.Equal(start) || !got.LastCheckedAt.Equal(start.Add(3*time.Hour)) {
		t.Fatalf("times: good %v checked %v", got.LastGoodCheckAt, got.LastCheckedAt)
	}

	fake.verifyErr = &network.LostAccessError{Reason: account.ReasonRevoked, Message: "The access token is invalid"}
	got, _ = e.Check(ctx, a.ID)
	if got.State != account.Disconnected || got.Reason != account.ReasonRevoked {
		t.Fatalf("lost: %s/%s", got.State, got.Reason)
	}

	fake.verifyErr = nil
	got, _ = e.Check(ctx, a.ID)
	if got.State != account.Connected || got.LastError != "" || got.DisplayName != "Fresh Name" {
		t.Fatalf("recovered: %+v", got)
	}
}

func TestCheckWithoutStoredTokenOrKeyring(t *testing.T) {
	e, _, _ := newTestEngine(t)
	ctx := context.Background()
	a := connect(t, e, "ana", network.Credentials{AccessToken: "tok"})

	keyring.MockInitWithError(errors.New("locked"))
	got, _ := e.Check(ctx, a.ID)
	if got.State != account.Connected || !strings.Contains(got.LastError, "keyring did not answer") {
		t.Fatalf("locked keyring must not disconnect: %s %q", got.State, got.LastError)
	}

	keyring.MockInit() // an empty keyring: the token is gone
	got, _ = e.Check(ctx, a.ID)
	if got.State != account.Disconnected || got.Reason != account.ReasonInvalid {
		t.Fatalf("missing token: %s/%s", got.State, got.Reason)
	}
}

func TestRemoveRevokesDeletesSecretsAndReportsFailures(t *testing.T) {
	e, _, fake := newTestEngine(t)
	ctx := context.Background()
	a := connect(t, e, "ana", network.Credentials{AccessToken: "tok-a", RefreshToken: "ref-a"})
	b := connect(t, e, "bo", network.Credentials{AccessToken: "tok-b"})

	report, err := e.Remove(ctx, a.ID)
	if err != nil || !report.Revoked || fake.revoked[0] != "tok-a" {
		t.Fatalf("remove: %+v %v %v", report, err, fake.revoked)
	}
	if _, err := e.secrets.Get(ctx, secret.Credentials, credentialKey(a)); !errors.Is(err, secret.ErrNotFound) {
		t.Fatalf("sign-in left behind: %v", err)
	}

	fake.revokeErr = &network.TransientError{Message: "fake.example did not answer in time"}
	report, err = e.Remove(ctx, b.ID)
	if err != nil || report.Revoked || !strings.Contains(report.RevokeNote, "Could not revoke") {
		t.Fatalf("remove with failed revoke: %+v %v", report, err)
	}
	list, _ := e.Accounts(ctx)
	if len(list) != 0 {
		t.Fatalf("%d accounts left", len(list))
	}
}

func TestReconnectKeepsIDAndLogsIt(t *testing.T) {
	e, clk, fake := newTestEngine(t)
	ctx := context.Background()
	a := connect(t, e, "ana", network.Credentials{AccessToken: "old"})
	fake.verifyErr = &network.LostAccessError{Reason: account.ReasonPasswordChanged}
	e.Check(ctx, a.ID)
	clk.Advance(24 * time.Hour)
	again := connect(t, e, "ana", network.Credentials{AccessToken: "new"})
	if again.ID != a.ID || again.State != account.Connected || again.Reason != "" {
		t.Fatalf("reconnect: %+v", again)
	}
	if !again.ExpiresAt.Equal(start.Add(91 * 24 * time.Hour)) {
		t.Fatalf("expiry not renewed: %v", again.ExpiresAt)
	}
	item, _ := e.secrets.Get(ctx, secret.Credentials, credentialKey(again))
	if tok, err := secret.DecodeTokens(item); err != nil || tok.AccessToken != "new" {
		t.Fatalf("stored token %q, %v", tok.AccessToken, err)
	}
	log, _ := e.Activity(ctx, a.ID, 1)
	if log[0].Message != "Reconnected" {
		t.Fatalf("last activity %q", log[0].Message)
	}
}

func TestExplainSaysWhatToDo(t *testing.T) {
	err := &OtherProfileError{Want: "@ana@x.example", Got: "@bo@x.example"}
	msg := Explain(err)
	if !errors.Is(err, ErrOtherProfile) || !strings.Contains(msg, "You signed in as @bo@x.example") || !strings.Contains(msg, "Nothing was changed") {
		t.Fatalf("%q", msg)
	}
}

// outboxKinds lists the kinds waiting in the notification outbox.
func outboxKinds(t *testing.T, e *Engine) []string {
	t.Helper()
	rows, err := e.store.DB().Query(`SELECT kind || '/' || channel FROM outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		rows.Scan(&k)
		out = append(out, k)
	}
	return out
}

func TestNetworkTroubleNeverNotifiesLostAccessDoesOnce(t *testing.T) {
	e, clk, fake := newTestEngine(t)
	ctx := context.Background()
	a := connect(t, e, "ana", network.Credentials{AccessToken: "tok"})

	fake.verifyErr = &network.TransientError{Message: "fake.example answered 503"}
	for i := 0; i < 3; i++ {
		clk.Advance(time.Hour)
		e.Check(ctx, a.ID)
	}
	if got := outboxKinds(t, e); len(got) != 0 {
		t.Fatalf("network trouble queued notifications: %v", got)
	}

	fake.verifyErr = &network.LostAccessError{Reason: account.ReasonPasswordChanged}
	for i := 0; i < 3; i++ {
		clk.Advance(time.Hour)
		e.Check(ctx, a.ID)
	}
	if got := strings.Join(outboxKinds(t, e), ","); got != "disconnected/desktop" {
		t.Fatalf("outbox after a lost connection checked three times: %q", got)
	}

	// A day later the first reminder is due, once.
	clk.Advance(24 * time.Hour)
	e.Check(ctx, a.ID)
	e.Check(ctx, a.ID)
	if got := len(outboxKinds(t, e)); got != 2 {
		t.Fatalf("%d rows after a day, want the loss and one reminder", got)
	}

	fake.verifyErr = nil
	connect(t, e, "ana", network.Credentials{AccessToken: "new"})
	if got := outboxKinds(t, e); got[len(got)-1] != "reconnected/desktop" {
		t.Fatalf("no reconnected notice: %v", got)
	}
}

// Views hear of a check only when it moved something they show: the
// startup sweep saves every account, and a reload of thousands of rows per
// unchanged account was most of the app's work during it.
func TestChecksTellViewsOnlyOfVisibleChanges(t *testing.T) {
	e, clk, fake := newTestEngine(t)
	ctx := context.Background()
	a := connect(t, e, "ana", network.Credentials{AccessToken: "tok"})
	fake.verifyErr = nil
	e.Check(ctx, a.ID) // takes the profile's fresh name
	var told atomic.Int32
	defer e.Subscribe(func(ChangeKind) { told.Add(1) }, ChangeAccounts, ChangePosts)()
	steps := []struct {
		name      string
		verifyErr error
		wantTold  bool
	}{
		{"a good check that changes nothing", nil, false},
		{"the network cannot be reached", &network.TransientError{Message: "fake.example did not answer"}, true},
		{"still cannot be reached, same words", &network.TransientError{Message: "fake.example did not answer"}, false},
		{"reached again", nil, true},
		{"access lost", &network.LostAccessError{Reason: account.ReasonRevoked, Message: "revoked"}, true},
	}
	for _, s := range steps {
		clk.Advance(time.Hour)
		fake.verifyErr = s.verifyErr
		before := told.Load()
		if _, err := e.Check(ctx, a.ID); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := told.Load() > before; got != s.wantTold {
			t.Errorf("%s: views told %v, want %v", s.name, got, s.wantTold)
		}
		saved, _ := e.Account(ctx, a.ID)
		if !saved.LastCheckedAt.Equal(clk.Now()) {
			t.Errorf("%s: last check %v not stored", s.name, saved.LastCheckedAt)
		}
	}
}

// The Accounts window listens for account changes only: posts going out or
// being retried do not make it reread every profile.
func TestPostChangesDoNotReloadTheAccounts(t *testing.T) {
	e, _, fake := newTestEngine(t)
	ctx := context.Background()
	a := connect(t, e, "ana", network.Credentials{AccessToken: "tok"})
	var any, accounts atomic.Int32
	defer e.Subscribe(func(ChangeKind) { any.Add(1) }, ChangeAccounts, ChangePosts)()
	defer e.Subscribe(func(ChangeKind) { accounts.Add(1) }, ChangeAccounts)()

	if _, err := e.Posts().Schedule(ctx, "hello", start.Add(time.Hour), []int64{a.ID}); err != nil {
		t.Fatal(err)
	}
	if any.Load() == 0 || accounts.Load() != 0 {
		t.Fatalf("a scheduled post told %d general and %d account listeners, want some and none", any.Load(), accounts.Load())
	}
	fake.verifyErr = &network.LostAccessError{Reason: account.ReasonRevoked, Message: "revoked"}
	e.Check(ctx, a.ID)
	if accounts.Load() == 0 {
		t.Fatal("a lost connection did not tell the account listeners")
	}
}

func TestAppIDMatchesFyneAppToml(t *testing.T) {
	data, err := os.ReadFile("../FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "\nID = \""+AppID+"\"\n") {
		t.Fatalf("FyneApp.toml's ID is not %q", AppID)
	}
}
