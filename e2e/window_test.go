package e2e

import (
	"context"
	"fmt"
	"image"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/schedule"
	"github.com/socialomm/desktop/core/secret"
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
	kr := testbed.StartKeyring(t)
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

	credentialKey := func() string { return "mastodon " + alice.Instance + " " + alice.RemoteID }

	t.Run("⋯ → Update as the same user renews the sign-in", func(t *testing.T) {
		if alice.ID == 0 {
			t.Fatal("no profile: the connect step failed")
		}
		tokenBefore, _ := kr.AccessToken(t, credentialKey())
		menu := w.rowMenu(t, rowMenuUpdate)
		signInOpened(t, opener, aliceEmail)
		line := w.waitLog(t, `title="Profile reconnected"`, 0)
		if !strings.Contains(line, "@alice@") {
			t.Fatalf("the window's confirmation does not name alice: %s", line)
		}
		shot := w.shotSettled(t, menu, "window-update-same-user")
		list := c.accounts(t)
		if len(list) != 1 || list[0].ID != alice.ID || list[0].State != account.Connected {
			t.Fatalf("after Update: %+v", list)
		}
		tokenAfter, ok := kr.AccessToken(t, credentialKey())
		if !ok || tokenAfter == tokenBefore {
			t.Fatal("the stored sign-in did not change: Update did not renew it")
		}
		w.dismissInfo(t)
		w.waitRepaint(t, shot, "window-update-same-user-closed")
	})

	t.Run("⋯ → Update as another user is refused in words and changes nothing", func(t *testing.T) {
		before := c.accounts(t)
		tokenBefore, _ := kr.AccessToken(t, credentialKey())
		menu := w.rowMenu(t, rowMenuUpdate)
		signInOpened(t, opener, bobEmail)
		line := w.waitLog(t, `title="Could not connect"`, 0)
		if !strings.Contains(line, "You signed in as @bob@") || !strings.Contains(line, "Nothing was changed") {
			t.Fatalf("the window's refusal does not say who signed in and that nothing changed: %s", line)
		}
		shot := w.shotSettled(t, menu, "window-update-other-user")
		if after := c.accounts(t); !sameAccounts(before, after) {
			t.Fatalf("accounts changed:\nbefore %+v\nafter  %+v", before, after)
		}
		if tokenAfter, _ := kr.AccessToken(t, credentialKey()); tokenAfter != tokenBefore {
			t.Fatal("alice's stored sign-in changed")
		}
		w.dismissInfo(t)
		w.waitRepaint(t, shot, "window-update-other-user-closed")
	})

	t.Run("⋯ → Remove… with its confirmation", func(t *testing.T) {
		menu := w.rowMenu(t, rowMenuRemove)
		w.waitLog(t, `title="Remove @alice@`, 0)
		w.shotSettled(t, menu, "window-remove-confirm")
		w.confirmDialog(t)
		poll(t, "alice gone from accounts list", time.Minute, func() (bool, string) {
			list := c.accounts(t)
			return len(list) == 0, fmt.Sprintf("%d accounts", len(list))
		})
		if _, ok := kr.AccessToken(t, credentialKey()); ok {
			t.Fatal("alice's sign-in is still in the keyring")
		}
		w.shot(t, "window-removed")
	})
}

// TestWindowBannerUpdate: a profile whose stored sign-in the network no
// longer accepts is shown disconnected with the attention banner; the
// banner's Update, driven in the real window, signs in again in real
// Chromium and the profile is connected with its id kept.
func TestWindowBannerUpdate(t *testing.T) {
	c := newCLIApp(t)
	kr := testbed.StartKeyring(t)
	gts := testbed.StartGoToSocial(t)
	alice := connectUsers(t, c, gts, "alice")["alice"]

	// Spoil the stored access token, as a revocation on the server would:
	// GoToSocial v0.18.3 has no revoke, and deleting the account would
	// leave nothing to sign in to again.
	key := "mastodon " + alice.Instance + " " + alice.RemoteID
	tokens, ok := kr.SignIn(t, key)
	if !ok {
		t.Fatal("alice's sign-in is not in the keyring")
	}
	tokens.AccessToken = "spoilt-" + tokens.AccessToken
	if err := secret.NewKeyring().Set(context.Background(), secret.Credentials, key, tokens.Encode()); err != nil {
		t.Fatal(err)
	}

	opener := testbed.StartBrowser(t)
	w := startWindow(t, c, opener)
	poll(t, "the start-up check to find alice disconnected", time.Minute, func() (bool, string) {
		list := c.accounts(t)
		return len(list) == 1 && list[0].State == account.Disconnected, fmt.Sprintf("%+v", list)
	})
	before := w.bannerUpdate(t)
	if got := c.accounts(t); got[0].State != account.Disconnected {
		t.Fatalf("alice is %s before the banner's Update", got[0].State)
	}
	signInOpened(t, opener, aliceEmail)
	line := w.waitLog(t, `title="Profile reconnected"`, 0)
	if !strings.Contains(line, "@alice@") {
		t.Fatalf("the window's confirmation does not name alice: %s", line)
	}
	w.shotSettled(t, before, "window-banner-reconnected")
	list := c.accounts(t)
	if len(list) != 1 || list[0].ID != alice.ID || list[0].State != account.Connected || list[0].Reason != "" {
		t.Fatalf("after the banner's Update: %+v", list)
	}
	if tok, _ := kr.AccessToken(t, key); tok == tokens.AccessToken || tok == "" {
		t.Fatal("the spoilt token is still stored")
	}
}

// TestWindowComposeToTwoProfiles writes a post in the real Compose window,
// ticks two GoToSocial profiles, chooses Post now and submits: the window's
// engine publishes both copies (posts list: both published with links),
// the statuses exist on GoToSocial, and the Queue window shows them.
func TestWindowComposeToTwoProfiles(t *testing.T) {
	c := newCLIApp(t)
	kr := testbed.StartKeyring(t)
	gts := testbed.StartGoToSocial(t)
	users := connectUsers(t, c, gts, "alice", "bob")
	w := startWindow(t, c, nil)

	text := fmt.Sprintf("Written in the window at %s, to two profiles", time.Now().Format("15:04:05"))
	compose := w.openCompose(t, 2)
	compose.write(t, text)
	compose.tickAll(t, 2)
	filled := compose.postNow(t)

	var post schedule.Post
	poll(t, "the post published to both profiles", time.Minute, func() (bool, string) {
		for _, p := range c.posts(t) {
			if p.Text == text {
				post = p
			}
		}
		if post.ID == 0 {
			return false, "not in posts list"
		}
		published := 0
		for _, tg := range post.Targets {
			if tg.State == schedule.Published && strings.HasPrefix(tg.URL, gts.URL()+"/") {
				published++
			}
		}
		return published == 2 && len(post.Targets) == 2, fmt.Sprintf("%+v", post.Targets)
	})
	// Compared with the form before the press, not with a screenshot taken
	// now: the confirmation may have painted long before the poll above
	// saw both copies published (the cause of a CI failure).
	compose.shotSettled(t, filled, "window-compose-posted")
	for _, u := range []string{"alice", "bob"} {
		if got := serverStatuses(t, kr, users[u])[text]; got != 1 {
			t.Fatalf("%s has %d statuses with the text on GoToSocial, want 1", u, got)
		}
	}

	xdotool(t, w.d, "windowraise", w.win)
	w.click(t, queueX, headerY)
	queue := w.d.WaitWindow(t, regexp.QuoteMeta("SocialOmm — Queue"), 30*time.Second)
	w.waitLog(t, `queue window shows posts" count=1`, 0)
	screenshotWindowUntil(t, w.d, queue, "window-queue-published", "the published copies in green", func(img image.Image) bool {
		return testbed.CountPixels(img, func(r, g, b uint8) bool { return r < 120 && g > 150 && b < 120 }) > 30
	})
}

// TestWindowQueueRetry: GoToSocial refuses a post (its statuses-max-chars
// set below the post's length: a real refusal, the same every time), the
// window's engine marks it failed with the server's words and the Queue
// window shows it so; with the limit raised again (GoToSocial restarted on
// the same data), the test clicks the post's Retry in the real Queue window
// and the post goes out exactly once.
func TestWindowQueueRetry(t *testing.T) {
	c := newCLIApp(t)
	kr := testbed.StartKeyring(t)
	gts := testbed.StartGoToSocial(t, testbed.WithGoToSocialConfig("statuses-max-chars", 40))
	alice := connectUsers(t, c, gts, "alice")["alice"]
	w := startWindow(t, c, nil)

	text := fmt.Sprintf("Refused at first, then sent again by Retry in the Queue window at %s", time.Now().Format("15:04:05"))
	// Asked of the window's engine over its socket: the window publishes.
	post := c.schedule(t, time.Now(), text, alice)
	var failed schedule.Target
	poll(t, "GoToSocial refusing the post", time.Minute, func() (bool, string) {
		failed = targetStates(findPost(c.posts(t), post.ID))[alice.ID]
		return failed.State == schedule.Failed, string(failed.State) + " " + failed.Error
	})
	if !strings.Contains(failed.Error, "refused") {
		t.Fatalf("failed without the server's refusal: %q", failed.Error)
	}

	w.click(t, queueX, headerY)
	queue := &windowDriver{d: w.d, app: w.app, win: w.d.WaitWindow(t, regexp.QuoteMeta("SocialOmm — Queue"), 30*time.Second)}
	w.waitLog(t, `queue window shows posts" count=1`, 0)
	// The failed copy draws in the theme's red, and its row has a Retry.
	before := screenshotWindowUntil(t, w.d, queue.win, "window-queue-failed", "the failed copy in red", func(img image.Image) bool {
		return testbed.CountPixels(img, func(r, g, b uint8) bool { return r > 200 && g < 100 && b < 100 }) > 30
	})

	gts.Stop(t)
	gts.SetConfig(t, "statuses-max-chars", 5000)
	gts.Start(t)
	published := w.logCount(`"post published"`)
	queue.click(t, queueRetryX, queueFirstPostY)
	w.waitLog(t, `"post published"`, published)

	var got schedule.Target
	poll(t, "the retried post published", time.Minute, func() (bool, string) {
		got = targetStates(findPost(c.posts(t), post.ID))[alice.ID]
		return got.State == schedule.Published, string(got.State) + " " + got.Error
	})
	if got.RemoteID == "" || !strings.HasPrefix(got.URL, gts.URL()+"/") {
		t.Fatalf("published without the server's id and link: %+v", got)
	}
	if n := serverStatuses(t, kr, alice)[text]; n != 1 {
		t.Fatalf("GoToSocial has the post %d times, want once", n)
	}
	// The Queue shows it published, in green, where it showed the failure.
	queue.shotSettled(t, before, "window-queue-retried")
	screenshotWindowUntil(t, w.d, queue.win, "window-queue-retried-green", "the published copy in green", func(img image.Image) bool {
		green := testbed.CountPixels(img, func(r, g, b uint8) bool { return r < 120 && g > 150 && b < 120 })
		red := testbed.CountPixels(img, func(r, g, b uint8) bool { return r > 200 && g < 100 && b < 100 })
		return green > 30 && red == 0
	})
}
