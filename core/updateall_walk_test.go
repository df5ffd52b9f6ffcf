package core

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network/oauthnet"
	"github.com/socialomm/desktop/internal/contract"
	"github.com/socialomm/desktop/internal/fakenet"
)

// newWalkBed is a keyedBed whose engine also offers fakenet, an
// app-password network that exists only in the catalog.
func newWalkBed(t *testing.T, endpoints map[string]string) *keyedBed {
	t.Helper()
	return newKeyedBedWith(t, endpoints, Networks().With(fakenet.New().Entry()))
}

// asked records the questions Update all put to the person, in order.
type asked struct {
	mu    sync.Mutex
	names []string
}

func (q *asked) add(name string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.names = append(q.names, name)
}

func (q *asked) String() string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return strings.Join(q.names, ",")
}

// TestUpdateAllWalksEveryKindOfSignIn: one walk renews a browser (loopback)
// profile, asks each app-password profile for its own password (one
// answered, one skipped) and asks the paste profile for its address.
func TestUpdateAllWalksEveryKindOfSignIn(t *testing.T) {
	port := freePort(t)
	xs := contract.NewX(t, oauthnet.LoopbackRedirectURI(port), true)
	threads := contract.NewThreads(t, oauthnet.PasteRedirectURI)
	b := newWalkBed(t, map[string]string{"x": xs.URL, "threads": threads.URL})
	xs.SetNow(b.clk.Now)
	threads.SetNow(b.clk.Now)
	b.e.keyed.ports["x"] = port
	ctx := context.Background()
	b.set("x.client_id", xs.ClientID)
	b.set("threads.app_id", threads.ClientID)
	b.set("threads.app_secret", threads.ClientSecret)

	x, err := b.e.ConnectOAuth(ctx, "x", SignIn{Open: browse})
	if err != nil {
		t.Fatal(err)
	}
	var fakes []account.Account
	for _, h := range []string{"ana", "bo"} {
		a, err := b.e.Connect(ctx, fakenet.Name, map[string]string{"handle": h, "password": fakenet.Password}, SignIn{})
		if err != nil {
			t.Fatal(err)
		}
		fakes = append(fakes, a)
	}
	p, err := b.e.StartPaste(ctx, "threads")
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.e.FinishPaste(ctx, p, paste(t, p))
	if err != nil {
		t.Fatal(err)
	}
	th := res.Account

	// 91 days on, every connection is past its lifespan (Threads' 60 days).
	b.clk.Advance(91 * 24 * time.Hour)
	var questions asked
	in := SignIn{
		Open: func(ctx context.Context, u string) error {
			if strings.HasPrefix(u, xs.URL) {
				return browse(ctx, u)
			}
			return nil // the paste sign-in's page: Paste visits it
		},
		AskAppPassword: func(_ context.Context, a account.Account) (string, error) {
			questions.add("password " + a.Handle)
			if a.Handle == "@bo" {
				return "", Skip("no app password was given")
			}
			return fakenet.Password, nil
		},
		Paste: func(_ context.Context, p *PasteSignIn) (string, error) {
			questions.add("paste " + p.Title)
			return paste(t, p), nil
		},
	}
	results, err := b.e.UpdateAll(ctx, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := questions.String(); got != "password @ana,password @bo,paste Threads" {
		t.Fatalf("questions %q", got)
	}
	want := []struct {
		id      int64
		outcome UpdateAllOutcome
		message string
	}{
		{x.ID, UpdateRenewed, "Renewed."},
		{fakes[0].ID, UpdateRenewed, "Renewed."},
		{fakes[1].ID, UpdateSkipped, "No app password was given."},
		{th.ID, UpdateRenewed, "Renewed."},
	}
	if len(results) != len(want) {
		t.Fatalf("results %+v", results)
	}
	for i, w := range want {
		r := results[i]
		if r.ID != w.id || r.Outcome != w.outcome || r.Message != w.message {
			t.Errorf("result %d: %+v, want %+v", i, r, w)
		}
		a, _ := b.e.Account(ctx, r.ID)
		// Signed in again now (fakenet gives the same token each time).
		if renewed := a.SignedInAt != nil && a.SignedInAt.Equal(b.clk.Now()); renewed != (w.outcome == UpdateRenewed) {
			t.Errorf("%s: outcome %s, signed in again %v", a.Handle, r.Outcome, renewed)
		}
		if live := a.ExpiresAt != nil && a.ExpiresAt.After(b.clk.Now()); live != (w.outcome == UpdateRenewed) {
			t.Errorf("%s: outcome %s, expires %v", a.Handle, r.Outcome, a.ExpiresAt)
		}
	}
}

// TestOneFacebookSignInRenewsItsPages: four Pages of one login need an
// update. The first one's paste sign-in gives the login's Page list, with
// each Page's own token: the second Page is renewed from it without a
// sign-in of its own. A Page the person may no longer post on, and one the
// login no longer manages, still get their own turn (here skipped).
func TestOneFacebookSignInRenewsItsPages(t *testing.T) {
	srv := contract.NewFacebook(t, oauthnet.PasteRedirectURI)
	post := []string{"CREATE_CONTENT", "MANAGE"}
	srv.Pages = []contract.FacebookPage{
		{ID: "101", Name: "Ana's Bakery", Category: "Bakery", Tasks: post},
		{ID: "102", Name: "Ana's Cafe", Category: "Cafe", Tasks: post},
		{ID: "103", Name: "Corner Shop", Category: "Shop", Tasks: post},
		{ID: "104", Name: "Old Market", Category: "Market", Tasks: post},
	}
	b := newKeyedBed(t, map[string]string{"facebook": srv.URL})
	srv.SetNow(b.clk.Now)
	ctx := context.Background()
	b.set("facebook.app_id", srv.ClientID)
	b.set("facebook.app_secret", srv.ClientSecret)

	p, err := b.e.StartPaste(ctx, "facebook")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.e.FinishPaste(ctx, p, paste(t, p)); err != nil {
		t.Fatal(err)
	}
	var pages []account.Account
	before := map[int64]string{}
	for _, id := range []string{"101", "102", "103", "104"} {
		a, err := b.e.ConnectChoice(ctx, p, id)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, a)
		before[a.ID], _ = b.storedTokens(a)
	}
	// Facebook says the password changed: every Page is disconnected.
	srv.SetState(contract.PasswordChanged)
	for _, a := range pages {
		if a, _ := b.e.Check(ctx, a.ID); a.State != account.Disconnected {
			t.Fatalf("%s: %s", a.Handle, a.State)
		}
	}
	// Since then the person lost the right to post on Corner Shop, and
	// Old Market is no longer theirs.
	srv.Pages[2].Tasks = []string{"ANALYZE"}
	srv.Pages = srv.Pages[:3]
	srv.SetState(contract.OK)
	signInsBefore := len(srv.RequestsTo("GET /v23.0/dialog/oauth"))

	var questions asked
	in := SignIn{
		Open: func(context.Context, string) error { return nil },
		Paste: func(_ context.Context, p *PasteSignIn) (string, error) {
			questions.add("paste")
			if questions.String() != "paste" {
				// Only the first question is answered.
				return "", Skip("no address was pasted")
			}
			return paste(t, p), nil
		},
	}
	results, err := b.e.UpdateAll(ctx, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(srv.RequestsTo("GET /v23.0/dialog/oauth")) - signInsBefore; n != 1 {
		t.Fatalf("%d sign-ins, want exactly one", n)
	}
	if got := questions.String(); got != "paste,paste,paste" {
		t.Fatalf("questions %q: want one for the Bakery's sign-in and one each for Corner Shop and Old Market", got)
	}
	want := []struct {
		outcome UpdateAllOutcome
		message string
	}{
		{UpdateRenewed, "Renewed."},
		{UpdateRenewed, "Renewed by the sign-in for Ana's Bakery."},
		{UpdateSkipped, "No address was pasted."},
		{UpdateSkipped, "No address was pasted."},
	}
	if len(results) != len(want) {
		t.Fatalf("results %+v", results)
	}
	for i, w := range want {
		r := results[i]
		if r.ID != pages[i].ID || r.Outcome != w.outcome || r.Message != w.message {
			t.Errorf("%s: %+v, want %+v", pages[i].Handle, r, w)
		}
		a, _ := b.e.Account(ctx, r.ID)
		after, _ := b.storedTokens(a)
		renewed := w.outcome == UpdateRenewed
		if (after != before[a.ID]) != renewed || (a.State == account.Connected) != renewed {
			t.Errorf("%s: outcome %s, state %s, keyring credentials changed %v", a.Handle, r.Outcome, a.State, after != before[a.ID])
		}
	}
	// The renewed Pages post with their new Page tokens.
	if a, err := b.e.Check(ctx, pages[1].ID); err != nil || a.State != account.Connected {
		t.Fatalf("Ana's Cafe after the walk: %v %+v", err, a)
	}
	if !errors.Is(Skip("no address was pasted"), ErrSkipped) {
		t.Fatal("Skip is not ErrSkipped")
	}
}
