package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/socialomm/desktop/core/account"
)

func TestConnectivityWords(t *testing.T) {
	good := time.Date(2027, 2, 9, 6, 43, 0, 0, time.UTC)
	exp := testNow.Add(39 * 24 * time.Hour)
	const down = "Could not check: could not reach the server"
	checked := testNow.Add(-time.Minute)
	row := func(id int64, instance, lastError string) account.Account {
		a := account.Account{ID: id, Network: "mastodon", Instance: instance, State: account.Connected,
			ExpiresAt: &exp, LastError: lastError, LastGoodCheckAt: &good, LastCheckedAt: &checked}
		if lastError == "" {
			a.LastGoodCheckAt = &checked
		}
		return a
	}
	notChecked := account.Account{ID: 8, Network: "x", State: account.Connected, LastGoodCheckAt: &good, LastCheckedAt: &good}
	xDown := account.Account{ID: 10, Network: "x", State: account.Connected, LastError: down, LastGoodCheckAt: &good, LastCheckedAt: &checked}
	lost := account.Account{ID: 9, Network: "bluesky", State: account.Disconnected, Reason: account.ReasonRevoked}
	cases := []struct {
		name string
		list []account.Account
		want string
	}{
		{"all checks good: no banner", []account.Account{row(1, "https://mastodon.social", "")}, ""},
		{"nothing reached: offline", []account.Account{row(1, "https://mastodon.social", down), row(2, "https://bsky.social", down), lost},
			"Offline: SocialOmm could not reach any network since 06:43; countdowns are from the last good checks"},
		{"profiles not checked since the trouble began do not count as reached", []account.Account{row(1, "https://mastodon.social", down), notChecked},
			"Offline: SocialOmm could not reach any network since 06:43; countdowns are from the last good checks"},
		{"a network without servers of its own is named by its title", []account.Account{xDown, row(4, "https://example.org", "")},
			"Could not reach X since 06:43; their countdowns are from the last good checks"},
		{"some reached: the others named once", []account.Account{row(1, "https://mastodon.social", down), row(2, "https://bsky.social", down),
			row(3, "https://bsky.social", down), row(4, "https://example.org", "")},
			"Could not reach mastodon.social, bsky.social since 06:43; their countdowns are from the last good checks"},
		{"many servers: three named and the rest counted", []account.Account{row(1, "https://a.example", down), row(2, "https://b.example", down),
			row(3, "https://c.example", down), row(4, "https://d.example", down), row(5, "https://e.example", down), row(6, "https://ok.example", "")},
			"Could not reach a.example, b.example, c.example and 2 more since 06:43; their countdowns are from the last good checks"},
		{"keyring trouble is not the network", []account.Account{row(1, "https://mastodon.social", "Could not check the keyring: locked")}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := connectivityText(c.list, func(n string) string { return strings.ToUpper(n[:1]) + n[1:] }, testNow, time.UTC); got != c.want {
				t.Fatalf("got %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestTroubleMarkDecision(t *testing.T) {
	good := testNow.Add(-3 * time.Hour)
	cases := []struct {
		name   string
		a      account.Account
		mark   bool
		detail string
	}{
		{"good check", account.Account{State: account.Connected}, false, ""},
		{"network not reached", account.Account{State: account.Connected, LastError: "Could not check: x.example did not answer in time", LastGoodCheckAt: &good}, true,
			"Could not check: x.example did not answer in time. The countdown is from the last good check, 3 hours ago; SocialOmm checks again by itself."},
		{"lost access is not check trouble", account.Account{State: account.Disconnected, Reason: account.ReasonRevoked, LastError: "revoked"}, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := checkTrouble(c.a); got != c.mark {
				t.Fatalf("mark %v, want %v", got, c.mark)
			}
			if got := troubleDetail(c.a, testNow); got != c.detail {
				t.Fatalf("detail %q, want %q", got, c.detail)
			}
		})
	}
}

func TestBannerButtonsOverflow(t *testing.T) {
	list := make([]account.Account, 10)
	for n, want := range map[int]string{1: "1 0", 2: "2 0", 3: "2 1", 10: "2 8"} {
		shown, more := bannerButtons(list[:n], 0)
		if got := fmt.Sprint(len(shown), more); got != want {
			t.Errorf("%d needing: %s, want %s", n, got, want)
		}
	}
	if _, more := bannerButtons(list[:3], 4995); more != 4996 {
		t.Errorf("while only the first screenful is loaded: %d more", more)
	}
}

// Offline, each row keeps "Expires in 39 days" and shows the mark; the
// single banner says what could not be reached.
func TestOfflineRowsKeepTheirCountdown(t *testing.T) {
	good := testNow.Add(-5 * time.Hour)
	exp := testNow.Add(39 * 24 * time.Hour)
	b := &fakeBackend{now: testNow, accounts: []account.Account{
		{ID: 1, Network: "mastodon", Instance: "https://mastodon.social", Handle: "@a@mastodon.social", State: account.Connected, ExpiresAt: &exp,
			LastError: "Could not check: could not reach mastodon.social", LastGoodCheckAt: &good},
		{ID: 2, Network: "mastodon", Instance: "https://mastodon.social", Handle: "@b@mastodon.social", State: account.Connected, ExpiresAt: &exp,
			LastError: "Could not check: could not reach mastodon.social", LastGoodCheckAt: &good},
	}}
	s, _ := newTestScreen(t, b)
	s.window.Resize(s.window.Canvas().Size().Max(s.window.Content().MinSize()))
	if !s.connectivity.Visible() || !strings.HasPrefix(s.connectivityText.Text, "Offline: SocialOmm could not reach any network since ") {
		t.Fatalf("connectivity banner %v %q", s.connectivity.Visible(), s.connectivityText.Text)
	}
	row := newAccountRow(s)
	test.TempWidgetRenderer(t, row)
	row.set(b.accounts[0], testNow)
	if !strings.HasPrefix(row.expires.Text, "Expires in 39 days") {
		t.Fatalf("row's second line %q, want the countdown", row.expires.Text)
	}
	if !row.mark.Visible() {
		t.Fatal("no mark on a row whose check could not reach the network")
	}
	row.set(account.Account{ID: 3, Network: "mastodon", Handle: "@c@x", State: account.Connected, ExpiresAt: &exp}, testNow)
	if row.mark.Visible() || !strings.HasPrefix(row.expires.Text, "Expires in 39 days") {
		t.Fatalf("recycled row after a good check: mark %v, %q", row.mark.Visible(), row.expires.Text)
	}
	b.accounts[0].LastError, b.accounts[1].LastError = "", ""
	s.show(b.accounts, nil, nil)
	if s.connectivity.Visible() {
		t.Fatal("connectivity banner stays after good checks")
	}
}

// The window's content never gets wider because of the banner, whatever
// it holds.
func TestBannerNeverWidensTheWindow(t *testing.T) {
	exp := testNow.Add(50 * 24 * time.Hour)
	// The same number of profiles each time (the header's "11 profiles"
	// has its own width), n of them needing attention.
	profiles := func(needing int) []account.Account {
		var list []account.Account
		for i := range 11 {
			a := account.Account{ID: int64(i + 1), Network: "mastodon", State: account.Connected, ExpiresAt: &exp,
				Handle: fmt.Sprintf("@a-rather-long-handle-%d@mastodon.example.org", i), DisplayName: fmt.Sprintf("A Rather Long Shop Name %d", i)}
			if i < needing {
				a.State, a.Reason = account.Disconnected, account.ReasonRevoked
			}
			list = append(list, a)
		}
		return list
	}
	b := &fakeBackend{now: testNow, accounts: profiles(0)}
	s, _ := newTestScreen(t, b)
	// The shell offers Update all when more than one needs the person.
	s.onUpdateAll = func() {}
	base := s.window.Content().MinSize().Width
	if base > 880 {
		t.Fatalf("content min width %.0f without a banner, wider than the window's 880", base)
	}
	for _, n := range []int{1, 3, 10} {
		b.accounts = profiles(n)
		s.show(b.accounts, nil, nil)
		if !s.attention.Visible() {
			t.Fatalf("%d needing attention: no banner", n)
		}
		if got := s.window.Content().MinSize().Width; got > base {
			t.Errorf("%d needing attention: content min width %.0f, wider than %.0f without the banner", n, got, base)
		}
		if n == 10 {
			var more, all *widget.Button
			for _, o := range s.attentionButtons.Objects {
				switch b := o.(*widget.Button); {
				case strings.HasPrefix(b.Text, "and "):
					more = b
				case b.Text == "Update all":
					all = b
				}
			}
			if more == nil || all == nil {
				t.Fatalf("10 needing attention: the banner lacks \"and N more\" or Update all")
			}
			test.Tap(more)
			if s.filter.Selected != filterAttention || len(s.accounts) != 10 {
				t.Errorf("and N more: filter %q, %d shown", s.filter.Selected, len(s.accounts))
			}
		}
	}
}
