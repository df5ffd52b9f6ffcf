package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/socialomm/desktop/core/account"
)

// TestClosingTheWindowStopsTheCountdown: a closed Accounts window leaves no
// countdown armed, and nothing re-arms it (a timer left behind would redraw
// widgets that are gone).
func TestClosingTheWindowStopsTheCountdown(t *testing.T) {
	soon := testNow.Add(30 * time.Minute)
	b := &fakeBackend{now: testNow, accounts: []account.Account{
		{ID: 1, Network: "mastodon", Handle: "@soon@example.org", State: account.Expiring, ExpiresAt: &soon},
	}}
	s := newAccountsScreen(test.NewTempApp(t), b, navigation{})
	s.window.Resize(fyne.NewSize(880, 600))
	s.show(b.accounts, nil, nil)
	s.list.Refresh()
	s.scheduleCountdown()
	armed := func() time.Time {
		s.timerMu.Lock()
		defer s.timerMu.Unlock()
		return s.countdownAt
	}
	if armed().IsZero() {
		t.Fatal("no countdown armed for a profile expiring in 30 minutes")
	}
	s.window.Close()
	if at := armed(); !at.IsZero() {
		t.Fatalf("countdown still armed for +%s after the window closed", at.Sub(testNow))
	}
	s.scheduleCountdown()
	if at := armed(); !at.IsZero() {
		t.Fatalf("countdown armed again for +%s after the window closed", at.Sub(testNow))
	}
}
