package ui

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/expiry"
	"github.com/socialomm/desktop/core/notify"
	"github.com/socialomm/desktop/core/secret"
)

type fakeBackend struct {
	now      time.Time
	accounts []account.Account
	keyring  error
}

func (f *fakeBackend) Accounts(context.Context) ([]account.Account, error) { return f.accounts, nil }
func (f *fakeBackend) AccountsHead(_ context.Context, n int) ([]account.Account, error) {
	return f.accounts[:min(n, len(f.accounts))], nil
}
func (f *fakeBackend) CountAccounts(context.Context) (account.Counts, error) {
	c := account.Counts{Total: len(f.accounts), ByState: map[account.State]int{}, ByNetwork: map[string]int{}}
	for _, a := range f.accounts {
		c.ByState[a.State]++
		c.ByNetwork[a.Network]++
	}
	return c, nil
}
func (f *fakeBackend) KeyringProblem(context.Context) error                       { return f.keyring }
func (f *fakeBackend) Now() time.Time                                             { return f.now }
func (f *fakeBackend) Subscribe(func(core.ChangeKind), ...core.ChangeKind) func() { return func() {} }

var testNow = time.Date(2027, 2, 9, 12, 0, 0, 0, time.UTC)

func newTestScreen(t *testing.T, b *fakeBackend) (*accountsScreen, *[]string) {
	t.Helper()
	a := test.NewTempApp(t)
	opened := &[]string{}
	nav := navigation{
		compose:  func() { *opened = append(*opened, "compose") },
		queue:    func() { *opened = append(*opened, "queue") },
		settings: func() { *opened = append(*opened, "settings") },
	}
	s := newAccountsScreen(a, b, nav)
	// Show synchronously what reload would fetch in the background.
	s.show(b.accounts, nil, b.keyring)
	t.Cleanup(s.window.Close)
	return s, opened
}

// texts collects every label and button text on the window.
func texts(t *testing.T, o fyne.CanvasObject) []string {
	var out []string
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if !o.Visible() {
			return
		}
		switch w := o.(type) {
		case *widget.Label:
			out = append(out, w.Text)
		case *widget.Button:
			out = append(out, w.Text)
		case *widget.RichText:
			out = append(out, w.String())
		case fyne.Widget:
			r := test.TempWidgetRenderer(t, w)
			for _, c := range r.Objects() {
				walk(c)
			}
			return
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		}
	}
	walk(o)
	return out
}

func hasText(list []string, s string) bool {
	for _, t := range list {
		if strings.Contains(t, s) {
			return true
		}
	}
	return false
}

func TestEmptyStateTellsWhatToDo(t *testing.T) {
	s, _ := newTestScreen(t, &fakeBackend{now: testNow})
	got := texts(t, s.window.Content())
	for _, want := range []string{"Accounts", "Connect account", "No profiles connected yet", "Connect your first profile", "Compose", "Queue", "Settings"} {
		if !hasText(got, want) {
			t.Errorf("window lacks %q; has %q", want, got)
		}
	}
	if s.connectButton.Disabled() || s.emptyConnect.Disabled() {
		t.Fatal("connect is disabled with a working keyring")
	}
	if s.window.Title() != "SocialOmm — Accounts" {
		t.Fatalf("title = %q", s.window.Title())
	}
}

func TestNavigationReachesComposeQueueSettings(t *testing.T) {
	s, opened := newTestScreen(t, &fakeBackend{now: testNow})
	for _, label := range []string{"Compose", "Queue", "Settings"} {
		b := findButton(t, s.window.Content(), label)
		test.Tap(b)
	}
	if fmt.Sprint(*opened) != "[compose queue settings]" {
		t.Fatalf("opened %v", *opened)
	}
}

func TestNoKeyringTurnsConnectingOffAndSaysWhy(t *testing.T) {
	err := fmt.Errorf("%w: there is no D-Bus session bus for the Secret Service", secret.ErrUnavailable)
	s, _ := newTestScreen(t, &fakeBackend{now: testNow, keyring: err})
	if !s.keyringBanner.Visible() {
		t.Fatal("no keyring banner")
	}
	if !strings.Contains(s.keyringText.Text, "cannot keep sign-in tokens safe") ||
		!strings.Contains(s.keyringText.Text, "no D-Bus session bus") {
		t.Fatalf("banner says %q", s.keyringText.Text)
	}
	if !s.connectButton.Disabled() || !s.emptyConnect.Disabled() {
		t.Fatal("connecting is still possible without a keyring")
	}
}

func TestRowsShowStateAndCountdown(t *testing.T) {
	in := func(d time.Duration) *time.Time { x := testNow.Add(d); return &x }
	b := &fakeBackend{now: testNow, accounts: []account.Account{
		{ID: 1, Network: "mastodon", Handle: "@lost@example.org", DisplayName: "Lost One",
			State: account.Disconnected, Reason: account.ReasonRevoked, ExpiresAt: in(-2 * 24 * time.Hour)},
		{ID: 2, Network: "mastodon", Handle: "@ana@example.org", DisplayName: "Ana",
			State: account.Connected, ExpiresAt: in(23*24*time.Hour + time.Hour)},
	}}
	s, _ := newTestScreen(t, b)
	s.window.Resize(fyne.NewSize(900, 500))
	if s.list.Length() != 2 {
		t.Fatalf("list length %d", s.list.Length())
	}
	row := newAccountRow(s)
	row.set(b.accounts[0], testNow)
	if row.state.Text != "Access removed — needs Update" || row.expires.Text != account.ReasonRevoked.Short() {
		t.Fatalf("disconnected row: %q / %q", row.state.Text, row.expires.Text)
	}
	row.set(b.accounts[1], testNow)
	if row.state.Text != "Connected" || !strings.HasPrefix(row.expires.Text, "Expires in 23 days (") {
		t.Fatalf("connected row: %q / %q", row.state.Text, row.expires.Text)
	}
	if row.name.Text != "Ana" || row.handle.String() != "@ana@example.org · Mastodon" {
		t.Fatalf("identity: %q %q", row.name.Text, row.handle.String())
	}
	if got := s.summary.String(); got != "2 profiles" {
		t.Fatalf("summary %q", got)
	}
}

func findButton(t *testing.T, o fyne.CanvasObject, label string) *widget.Button {
	t.Helper()
	var found *widget.Button
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if found != nil {
			return
		}
		switch w := o.(type) {
		case *widget.Button:
			if w.Text == label {
				found = w
			}
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		}
	}
	walk(o)
	if found == nil {
		t.Fatalf("no button %q", label)
	}
	return found
}

func (f *fakeBackend) Avatar(context.Context, account.Account) ([]byte, error) {
	return nil, errors.New("no avatars in tests")
}

func (f *fakeBackend) Activity(context.Context, int64, int) ([]account.Activity, error) {
	return nil, nil
}

func TestAttentionBannerCountsAndOffersUpdate(t *testing.T) {
	in := func(d time.Duration) *time.Time { x := testNow.Add(d); return &x }
	b := &fakeBackend{now: testNow, accounts: []account.Account{
		{ID: 1, Network: "mastodon", Handle: "@a@x", State: account.Disconnected, Reason: account.ReasonRevoked},
		{ID: 2, Network: "mastodon", Handle: "@b@x", State: account.Disconnected, Reason: account.ReasonExpired},
		{ID: 3, Network: "mastodon", Handle: "@c@x", State: account.Expiring, ExpiresAt: in(5 * 24 * time.Hour)},
		{ID: 4, Network: "mastodon", Handle: "@d@x", State: account.Connected, ExpiresAt: in(50 * 24 * time.Hour)},
	}}
	s, _ := newTestScreen(t, b)
	if !s.attention.Visible() || s.attentionText.Text != "2 profiles need reconnecting · 1 expires soon" {
		t.Fatalf("banner %v %q", s.attention.Visible(), s.attentionText.Text)
	}
	var updated []string
	s.onUpdate = func(a account.Account) { updated = append(updated, a.Handle) }
	test.Tap(s.attentionButtons.Objects[0].(*widget.Button))
	// Two Update buttons and "and 1 more": the banner never widens the window.
	if len(s.attentionButtons.Objects) != 3 || fmt.Sprint(updated) != "[@a@x]" ||
		s.attentionButtons.Objects[2].(*widget.Button).Text != "and 1 more" {
		t.Fatalf("buttons %d, updated %v", len(s.attentionButtons.Objects), updated)
	}
	s.show(b.accounts[3:], nil, nil)
	if s.attention.Visible() {
		t.Fatal("banner still shown with nothing to do")
	}
}

func manyAccounts(n int) []account.Account {
	nets := []string{"mastodon", "bluesky", "x", "linkedin"}
	states := []account.State{account.Connected, account.Connected, account.Connected, account.Expiring, account.Disconnected}
	list := make([]account.Account, n)
	for i := range list {
		exp := testNow.Add(time.Duration(i%90+1) * 24 * time.Hour)
		list[i] = account.Account{ID: int64(i + 1), Network: nets[i%len(nets)], Handle: fmt.Sprintf("@user%d@example.org", i),
			DisplayName: fmt.Sprintf("Shop %d", i), State: states[i%len(states)], ExpiresAt: &exp}
	}
	return list
}

func TestSearchAndFilters(t *testing.T) {
	b := &fakeBackend{now: testNow, accounts: manyAccounts(100)}
	s, _ := newTestScreen(t, b)
	if !s.searchBar.Visible() || s.summary.String() != "100 profiles" {
		t.Fatalf("search bar %v, summary %q", s.searchBar.Visible(), s.summary.String())
	}
	s.search.SetText("shop 4")
	// Every word must appear: "shop" and a "4" anywhere (4, 14, 24, …, 40–49,
	// …, 94): 19 of Shop 0–99.
	if len(s.accounts) != 19 || s.summary.String() != "19 of 100 profiles" {
		t.Fatalf("search: %d shown, %q", len(s.accounts), s.summary.String())
	}
	s.search.SetText("BLUESKY user1")
	for _, a := range s.accounts {
		if a.Network != "bluesky" {
			t.Fatalf("%s matched a bluesky search", a.Handle)
		}
	}
	s.search.SetText("")
	s.filter.SetSelected(filterAttention)
	for _, a := range s.accounts {
		if !a.State.NeedsAttention() {
			t.Fatalf("%s (%s) passed the attention filter", a.Handle, a.State)
		}
	}
	if len(s.accounts) != 40 {
		t.Fatalf("attention filter shows %d, want 40", len(s.accounts))
	}
	s.filter.SetSelected("X")
	if len(s.accounts) != 25 {
		t.Fatalf("network filter shows %d", len(s.accounts))
	}
	s.search.SetText("no such profile")
	if s.body.Objects[0] != s.noMatch {
		t.Fatal("an empty result does not say so")
	}
	// The banner keeps counting every account, whatever is filtered.
	if s.attentionText.Text != "20 profiles need reconnecting · 20 expire soon" {
		t.Fatalf("banner %q", s.attentionText.Text)
	}
	if notify.Count(5000) != "5,000" || notify.Count(1234567) != "1,234,567" || notify.Count(12) != "12" {
		t.Fatal("thousands")
	}
}

// BenchmarkSearch5000 measures a keystroke in the search box with 5,000
// accounts: filtering and refreshing the list.
func BenchmarkSearch5000(b *testing.B) {
	a := test.NewTempApp(b)
	backend := &fakeBackend{now: testNow, accounts: manyAccounts(5000)}
	s := newAccountsScreen(a, backend, navigation{})
	s.window.Resize(fyne.NewSize(880, 600))
	s.show(backend.accounts, nil, nil)
	queries := []string{"s", "sh", "sho", "shop", "shop 4", "shop 49", "user12", "bluesky"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.search.SetText(queries[i%len(queries)])
	}
}

// countingBackend counts loads and blocks each until released.
type countingBackend struct {
	fakeBackend
	loads   chan struct{}
	release chan struct{}
}

func (c *countingBackend) Accounts(ctx context.Context) ([]account.Account, error) {
	c.loads <- struct{}{}
	<-c.release
	return c.accounts, nil
}

func (c *countingBackend) AccountsHead(ctx context.Context, n int) ([]account.Account, error) {
	c.loads <- struct{}{}
	<-c.release
	return c.fakeBackend.AccountsHead(ctx, n)
}

func TestReloadsAreCoalescedDuringABurst(t *testing.T) {
	a := test.NewTempApp(t)
	b := &countingBackend{fakeBackend: fakeBackend{now: testNow}, loads: make(chan struct{}, 100), release: make(chan struct{})}
	s := newAccountsScreen(a, b, navigation{})
	s.reload()
	<-b.loads // the first load is running
	for i := 0; i < 50; i++ {
		s.reload() // a burst of changes meanwhile
	}
	b.release <- struct{}{}
	<-b.loads // exactly one more load for the whole burst
	b.release <- struct{}{}
	// The loop ends with no further load: a new reload starts a new loop.
	for s.loads.busy() {
		runtime.Gosched()
	}
	if extra := len(b.loads); extra != 0 {
		t.Fatalf("%d extra loads after a burst of 50 changes", extra)
	}
}

// TestFirstListIsInTheFirstFrame: a list read while the widgets were made
// is on the window before it shows (no "Loading…" frame), and is announced
// only once the window's loop runs; a slow read leaves "Loading…" up and
// shows the list when it comes.
func TestFirstListIsInTheFirstFrame(t *testing.T) {
	three := manyAccounts(3)
	t.Run("read in time", func(t *testing.T) {
		a := test.NewTempApp(t)
		b := &countingBackend{fakeBackend: fakeBackend{now: testNow, accounts: three},
			loads: make(chan struct{}, 10), release: make(chan struct{}, 10)}
		b.release <- struct{}{}
		s := newUnbuiltAccountsScreen(a, b, navigation{})
		first := s.startLoading()
		s.buildWindow()
		announced := make(chan int, 1)
		s.onShown = func(total int) { announced <- total }
		s.showFirst(first, time.Minute)
		if len(s.accounts) != 3 || s.body.Objects[0] != s.list {
			t.Fatalf("before the window shows: %d rows, body %T", len(s.accounts), s.body.Objects[0])
		}
		if len(announced) != 0 {
			t.Fatal("announced before the window showed")
		}
		s.showWindow()
		if n := <-announced; n != 3 {
			t.Fatalf("announced %d profiles", n)
		}
		t.Cleanup(s.window.Close)
	})
	t.Run("slow read", func(t *testing.T) {
		a := test.NewTempApp(t)
		b := &countingBackend{fakeBackend: fakeBackend{now: testNow, accounts: three},
			loads: make(chan struct{}, 10), release: make(chan struct{}, 10)}
		s := newUnbuiltAccountsScreen(a, b, navigation{})
		first := s.startLoading()
		s.buildWindow()
		announced := make(chan int, 1)
		s.onShown = func(total int) { announced <- total }
		<-b.loads // the read has started and is held
		s.showFirst(first, 0)
		s.showWindow()
		if got := texts(t, s.window.Content()); !strings.Contains(strings.Join(got, "|"), "Loading your profiles…") {
			t.Fatalf("a slow read shows %q", got)
		}
		b.release <- struct{}{}
		if n := <-announced; n != 3 {
			t.Fatalf("announced %d profiles", n)
		}
		t.Cleanup(s.window.Close)
	})
}

// TestFirstFrameReadsOnlyTheFirstScreenful: however many accounts there
// are, the first frame reads a screenful and the counts; the banner and the
// summary count every account; the rest is read once the window is up, and
// only then is the tray told the accounts.
func TestFirstFrameReadsOnlyTheFirstScreenful(t *testing.T) {
	a := test.NewTempApp(t)
	b := &countingBackend{fakeBackend: fakeBackend{now: testNow, accounts: manyAccounts(120)},
		loads: make(chan struct{}, 10), release: make(chan struct{}, 10)}
	b.release <- struct{}{}
	b.release <- struct{}{}
	s := newUnbuiltAccountsScreen(a, b, navigation{})
	first := s.startLoading()
	s.buildWindow()
	listed := make(chan int, 2)
	s.onListed = func(list []account.Account) { listed <- len(list) }
	s.showFirst(first, time.Minute)

	if len(s.all) != firstScreenful || len(s.accounts) != firstScreenful {
		t.Fatalf("first frame has %d accounts loaded, want the first %d", len(s.all), firstScreenful)
	}
	if s.summary.String() != "120 profiles" || s.attentionText.Text != "24 profiles need reconnecting · 24 expire soon" {
		t.Fatalf("first frame says %q and %q, want the counts of all 120", s.summary.String(), s.attentionText.Text)
	}
	if n := len(b.loads); n != 1 {
		t.Fatalf("%d reads before the window showed, want the first screenful only", n)
	}
	if len(listed) != 0 {
		t.Fatal("the tray was told a partial list")
	}
	s.showWindow()
	if n := <-listed; n != 120 {
		t.Fatalf("listed %d accounts after the first frame, want 120", n)
	}
	if len(s.all) != 120 || s.summary.String() != "120 profiles" {
		t.Fatalf("after the rest: %d loaded, %q", len(s.all), s.summary.String())
	}
	t.Cleanup(s.window.Close)
}

// TestCountdownFollowsTheRowsOnScreen: the countdown is armed for the rows
// on screen only: lost profiles (no countdown) fill the window, so a profile
// expiring within the hour further down arms nothing until it scrolls in.
func TestCountdownFollowsTheRowsOnScreen(t *testing.T) {
	var list []account.Account
	for i := 0; i < 40; i++ {
		exp := testNow.Add(-24 * time.Hour)
		list = append(list, account.Account{ID: int64(i + 1), Network: "mastodon", Handle: fmt.Sprintf("@lost%d@example.org", i),
			State: account.Disconnected, Reason: account.ReasonRevoked, ExpiresAt: &exp})
	}
	soon := testNow.Add(30*time.Minute + 10*time.Second)
	list = append(list, account.Account{ID: 99, Network: "mastodon", Handle: "@soon@example.org",
		State: account.Expiring, ExpiresAt: &soon})
	for _, view := range []string{viewComfortable, viewCompact} {
		t.Run(view, func(t *testing.T) {
			b := &fakeBackend{now: testNow, accounts: list}
			s, _ := newTestScreen(t, b)
			s.window.Resize(fyne.NewSize(880, 600))
			s.view = view
			s.applyFilter()
			s.scheduleCountdown()
			s.timerMu.Lock()
			armed := s.countdownAt
			s.timerMu.Unlock()
			if !armed.IsZero() {
				t.Fatalf("countdown armed for %s with only lost profiles on screen", armed.Sub(testNow))
			}
			if view == viewCompact {
				s.table.ScrollToBottom()
			} else {
				s.list.ScrollToBottom()
			}
			s.timerMu.Lock()
			armed = s.countdownAt
			s.timerMu.Unlock()
			// Its text, "Expires in 30 minutes", changes within the minute.
			if want := testNow.Add(expiry.NextChange(testNow, &soon)); !armed.Equal(want) || armed.Sub(testNow) > time.Minute {
				t.Fatalf("after scrolling to the profile expiring soon the countdown fires at +%s, want +%s", armed.Sub(testNow), want.Sub(testNow))
			}
		})
	}
}
