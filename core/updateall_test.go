package core

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/clock"
	"github.com/socialomm/desktop/core/network"
)

func TestOrderForSignIn(t *testing.T) {
	acct := func(id int64, netw, instance string) account.Account {
		return account.Account{ID: id, Network: netw, Instance: instance}
	}
	pages := func(a account.Account) string {
		if a.Network == "facebook" {
			return "facebook" // one login manages every Page
		}
		return a.Network + a.Instance
	}
	cases := []struct {
		name string
		in   []account.Account
		want []int64
	}{
		{"Pages of one login together, groups in order of their first profile",
			[]account.Account{acct(1, "facebook", "a"), acct(2, "mastodon", "x"), acct(3, "facebook", "b"), acct(4, "mastodon", "y"), acct(5, "facebook", "c")},
			[]int64{1, 3, 5, 2, 4}},
		{"profiles of one server together",
			[]account.Account{acct(7, "mastodon", "y"), acct(2, "mastodon", "x"), acct(9, "mastodon", "x")},
			[]int64{2, 9, 7}},
		{"nothing to do", nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []int64
			for _, a := range orderForSignIn(c.in, pages) {
				got = append(got, a.ID)
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("order %v, want %v", got, c.want)
			}
		})
	}
}

// signInNet signs in from a form; what comes back depends on the profile
// being updated: the same one, another one, an error, or a wait that only
// the context ends.
type signInNet struct {
	fakeNetwork
	answer map[string]string // by RemoteID: "same", "other", "fail", "wait"
	signIn chan string       // RemoteIDs in the order they were asked
}

func (f *signInNet) SignInForm(ctx context.Context, req network.SignInRequest) (network.SignedIn, error) {
	id := req.Existing.RemoteID
	f.signIn <- id
	got := network.SignedIn{Instance: req.Existing.Instance, Credentials: network.Credentials{AccessToken: "new-" + id}}
	switch f.answer[id] {
	case "same":
		got.Profile = network.Profile{RemoteID: id, Handle: req.Existing.Handle}
	case "other":
		got.Profile = network.Profile{RemoteID: "someone-else", Handle: "@eve@fake.example"}
	case "wait":
		<-ctx.Done()
		return got, ctx.Err()
	default:
		return got, errors.New("the server did not answer")
	}
	return got, nil
}

func newUpdateAllEngine(t *testing.T, net *signInNet) (*Engine, *clock.Fake) {
	t.Helper()
	t.Setenv("SOCIALOMM_KEYRING", "mock")
	keyring.MockInit()
	clk := clock.NewFake(start)
	cat := Networks().With(network.Entry{Name: "fake", Title: "Fake", SignIn: network.SignInAppPassword,
		New: func(network.Deps) network.Adapter { return net }})
	e, err := Open(context.Background(), Options{DataDir: t.TempDir(), Clock: clk, Networks: cat})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e, clk
}

func TestUpdateAllOutcomes(t *testing.T) {
	ctx := context.Background()
	net := &signInNet{signIn: make(chan string, 10), answer: map[string]string{
		"ana": "same", "bo": "other", "cy": "fail", "dee": "wait", "eli": "same"}}
	e, clk := newUpdateAllEngine(t, net)
	ids := map[string]int64{}
	for _, name := range []string{"ana", "bo", "cy", "dee", "eli", "fit"} {
		ids[name] = connect(t, e, name, network.Credentials{AccessToken: "old-" + name}).ID
	}
	// Everyone but fit is past the lifespan or inside the warning window.
	clk.Set(start.Add(80 * 24 * time.Hour))
	fit := connect(t, e, "fit", network.Credentials{AccessToken: "old-fit"})
	clk.Set(start.Add(91 * 24 * time.Hour))
	if _, err := e.Check(ctx, ids["ana"]); err != nil {
		t.Fatal(err)
	}
	if a, _ := e.Account(ctx, ids["ana"]); a.State != account.Disconnected {
		t.Fatalf("ana is %s, want disconnected by the lifespan", a.State)
	}
	var steps []string
	results, err := e.UpdateAll(ctx, SignIn{}, func(s UpdateAllStep) {
		steps = append(steps, fmt.Sprintf("%d of %d %s", s.Index, s.Total, s.Account.RemoteID))
		if s.Account.RemoteID == "dee" {
			go func() { <-net.signIn; s.Skip() }() // skip once its sign-in waits
			return
		}
		go func() { <-net.signIn }()
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]UpdateAllOutcome{"ana": UpdateRenewed, "bo": UpdateRefused, "cy": UpdateFailed, "dee": UpdateSkipped, "eli": UpdateRenewed}
	if len(results) != len(want) {
		t.Fatalf("results %+v, want one per profile needing it (not fit)", results)
	}
	for _, r := range results {
		a, _ := e.Account(ctx, r.ID)
		if r.Outcome != want[a.RemoteID] {
			t.Errorf("%s: %s (%s), want %s", a.RemoteID, r.Outcome, r.Message, want[a.RemoteID])
		}
		// Left as it was unless renewed: the old expiry stays.
		renewed := a.ExpiresAt != nil && a.ExpiresAt.After(clk.Now().Add(80*24*time.Hour))
		if renewed != (r.Outcome == UpdateRenewed) {
			t.Errorf("%s: outcome %s but expiry %v", a.RemoteID, r.Outcome, a.ExpiresAt)
		}
		if r.Outcome == UpdateRefused && !strings.Contains(r.Message, "Nothing was changed") {
			t.Errorf("refusal says %q", r.Message)
		}
	}
	if strings.Join(steps, ",") != "1 of 5 ana,2 of 5 bo,3 of 5 cy,4 of 5 dee,5 of 5 eli" {
		t.Fatalf("steps %v", steps)
	}
	if a, _ := e.Account(ctx, fit.ID); a.State == account.Disconnected {
		t.Fatal("fit was touched")
	}
	if r, s, n := UpdateAllCounts(results); r != 2 || s != 1 || n != 2 {
		t.Fatalf("counts renewed %d skipped %d need you %d", r, s, n)
	}
}

func TestUpdateAllStop(t *testing.T) {
	net := &signInNet{signIn: make(chan string, 10), answer: map[string]string{"ana": "wait", "bo": "same"}}
	e, clk := newUpdateAllEngine(t, net)
	connect(t, e, "ana", network.Credentials{AccessToken: "a"})
	connect(t, e, "bo", network.Credentials{AccessToken: "b"})
	clk.Set(start.Add(85 * 24 * time.Hour))
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	results, err := e.UpdateAll(ctx, SignIn{}, func(s UpdateAllStep) {
		go func() { <-net.signIn; stop() }()
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 2 || results[0].Outcome != UpdateSkipped || results[1].Outcome != UpdateSkipped ||
		!strings.Contains(results[1].Message, "Stopped") {
		t.Fatalf("after Stop: %+v", results)
	}
	if len(net.signIn) != 0 {
		t.Fatal("a sign-in started after Stop")
	}
}
