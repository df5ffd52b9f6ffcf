package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/internal/testbed"
)

// signInOpened waits for the next URL the window opens in the "system
// browser" (the opener records it) and signs in there as email in a fresh
// Chromium, so no earlier session cookie decides who signs in.
func signInOpened(t *testing.T, opener *testbed.Browser, email string) {
	t.Helper()
	authorize := opener.WaitOpened(t, time.Minute)
	testbed.StartBrowser(t).SignInGoToSocial(t, authorize, email, password)
}

// TestWindowConnectUpdateRemove drives the real Accounts window with
// xdotool against GoToSocial and real Chromium: Connect → Mastodon…, ⋯ →
// Update as the same and as another user, ⋯ → Remove…; each step is
// checked through `accounts list --json` (answered by the window's own
// engine) and the dialog the window logs with SOCIALOMM_LOG=debug.
func TestWindowConnectUpdateRemove(t *testing.T) {
	c := newCLIApp(t)
	testbed.StartKeyring(t)
	gts := testbed.StartGoToSocial(t)
	gts.CreateUser(t, "alice", aliceEmail, password)
	gts.CreateUser(t, "bob", bobEmail, password)
	opener := testbed.StartBrowser(t)
	w := startWindow(t, c, opener)

	var alice account.Account
	t.Run("connect through the Connect menu", func(t *testing.T) {
		w.openConnectMastodon(t)
		w.submitConnectForm(t, gts.URL())
		signInOpened(t, opener, aliceEmail)
		line := w.waitLog(t, `title="Profile connected"`, 0)
		if !strings.Contains(line, "@alice@") {
			t.Fatalf("the window's confirmation does not name alice: %s", line)
		}
		list := c.accounts(t)
		if len(list) != 1 {
			t.Fatalf("%d accounts after connecting, want 1: %+v", len(list), list)
		}
		alice = list[0]
		if alice.State != account.Connected || alice.ExpiresAt == nil || !strings.HasPrefix(alice.Handle, "@alice@") || alice.Instance != gts.URL() {
			t.Fatalf("account after connecting in the window: %+v", alice)
		}
		if days := time.Until(*alice.ExpiresAt).Hours() / 24; days < 89.9 || days > 90.1 {
			t.Fatalf("expires in %.1f days, want 90", days)
		}
		before := w.shot(t, "window-connect-done")
		w.dismissInfo(t)
		w.waitRepaint(t, before, "window-connected-row")
	})
}
