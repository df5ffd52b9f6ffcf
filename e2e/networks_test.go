package e2e

import (
	"fmt"
	"image"
	_ "image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network/linkedin"
	"github.com/socialomm/desktop/core/network/oauthnet"
	"github.com/socialomm/desktop/core/network/x"
	"github.com/socialomm/desktop/internal/contract"
	"github.com/socialomm/desktop/internal/testbed"
)

// Where things are in the 880x600 Accounts window (Xvfb has no window
// manager: windows open at the top left): the header's Connect account
// button, and the Connect menu's items under it, one row each.
const (
	netConnectX, netConnectY = connectX, headerY
	netMenuItemX             = 760
	netMenuFirstY            = headerY + 41
	netMenuRowH              = 39
	// The Settings window (also at the top left): its Networks tab, and
	// the networks' own tabs down its left side.
	netSettingsX, netSettingsY = settingsX, headerY
	netNetworksTabX, netTabY   = 211, 21
	netSideX                   = 63
	netSideLinkedInY           = 170
	netSideInstagramY          = 335
	// The Page chooser's Connect Page button, in the dialog centred on
	// the Accounts window.
	netConnectPageX, netConnectPageY = 497, 405
)

// netBed is the real binary with the keyed networks pointed at contract
// servers in this test process (SOCIALOMM_TEST_ENDPOINTS).
type netBed struct {
	c         *cliApp
	endpoints string
	x         *contract.XServer
	li        *contract.LinkedInServer
	fb        *contract.FacebookServer
	ig        *contract.InstagramServer
	th        *contract.ThreadsServer
}

func newNetBed(t *testing.T) *netBed {
	t.Helper()
	n := &netBed{c: newCLIApp(t)}
	n.x = contract.NewX(t, x.RedirectURI, true)
	n.li = contract.NewLinkedIn(t, linkedin.RedirectURI, false)
	n.fb = contract.NewFacebook(t, oauthnet.PasteRedirectURI)
	n.ig = contract.NewInstagram(t, oauthnet.PasteRedirectURI)
	n.th = contract.NewThreads(t, oauthnet.PasteRedirectURI)
	n.endpoints = core.TestEndpointsEnv + "=x=" + n.x.URL + ",linkedin=" + n.li.URL + ",facebook=" + n.fb.URL +
		",instagram=" + n.ig.URL + ",threads=" + n.th.URL
	return n
}

// start runs the binary with the test endpoints and, when given, extra
// environment entries.
func (n *netBed) start(t *testing.T, stdin io.Reader, extra []string, args ...string) *testbed.Process {
	t.Helper()
	cmd := exec.Command(n.c.bin, append(args, "--data-dir", n.c.dataDir)...)
	cmd.Env = testbed.Env(t, append(append(testbed.TempHome(t), n.endpoints), extra...)...)
	cmd.Stdin = stdin
	return testbed.StartProcess(t, strings.Join(args[:2], "-"), cmd)
}

func (n *netBed) run(t *testing.T, args ...string) *testbed.Process {
	t.Helper()
	p := n.start(t, nil, nil, args...)
	if code := p.WaitExit(t, time.Minute); code != 0 {
		t.Fatalf("%s: exit %d\n%s", strings.Join(args, " "), code, p.Output())
	}
	return p
}

// setSecret sets a secret setting the only way the command line takes
// one: on standard input.
func (n *netBed) setSecret(t *testing.T, key, value string) {
	t.Helper()
	p := n.start(t, strings.NewReader(value+"\n"), nil, "settings", "set", key, "-")
	if code := p.WaitExit(t, time.Minute); code != 0 {
		t.Fatalf("settings set %s -: exit %d\n%s", key, code, p.Output())
	}
}

// loopback connects (or updates) X or LinkedIn: real Chromium opens the
// authorize URL the app asked for; the contract server approves at once and
// redirects to the app's loopback listener.
func (n *netBed) loopback(t *testing.T, args ...string) account.Account {
	t.Helper()
	b := testbed.StartBrowser(t)
	p := n.start(t, nil, []string{b.OpenerEnv()}, args...)
	authorize := b.WaitOpened(t, time.Minute)
	b.Run(t, 30*time.Second, chromedp.Navigate(authorize))
	if code := p.WaitExit(t, time.Minute); code != 0 {
		t.Fatalf("%s: exit %d\n%s", strings.Join(args, " "), code, p.Output())
	}
	if text := b.Text(t); !strings.Contains(text, "SocialOmm is connected") {
		t.Fatalf("the browser tab ended on %q", text)
	}
	return decodeAccount(t, p)
}

// paste connects (or updates) a Meta network: the app prints the sign-in
// page on stderr and reads the address the browser ended on from stdin,
// which the test takes from the contract server's redirect, as the person
// copies it from the address bar. It returns the exited process.
func (n *netBed) paste(t *testing.T, args ...string) *testbed.Process {
	t.Helper()
	r, w := io.Pipe()
	defer w.Close()
	p := n.start(t, r, []string{"SOCIALOMM_BROWSER=/bin/true"}, args...)
	var signIn string
	poll(t, "the sign-in page on stderr", time.Minute, func() (bool, string) {
		for _, line := range strings.Split(p.Stderr(), "\n") {
			if l := strings.TrimSpace(line); strings.HasPrefix(l, "http://127.0.0.1:") {
				signIn = l
				return true, ""
			}
		}
		return p.Exited(), p.Stderr()
	})
	if signIn == "" {
		t.Fatalf("%s exited before asking:\n%s", strings.Join(args, " "), p.Output())
	}
	if !strings.Contains(p.Stderr(), "starting with "+oauthnet.PasteRedirectURI) {
		t.Fatalf("the app does not say what to paste:\n%s", p.Stderr())
	}
	if _, err := io.WriteString(w, contract.Location(t, signIn)+"\n"); err != nil {
		t.Fatal(err)
	}
	w.Close() // the app reads one line; end the copy into its stdin
	p.WaitExit(t, time.Minute)
	return p
}

// TestNetworksConnectXCheckRevokeAndScreens: the real binary connects X
// through real Chromium and the contract server, checks it, and sees a
// revoke at the next check; then every other keyed network is connected
// from the command line, and the Connect menu, Settings → Networks and the
// Accounts window with a row per network are screenshotted.
func TestNetworksConnectXCheckRevokeAndScreens(t *testing.T) {
	n := newNetBed(t)
	kr := testbed.StartKeyring(t)
	d := testbed.StartXvfb(t)

	t.Run("a new person's first look", func(t *testing.T) {
		// A new person's first look: every network in the Connect menu,
		// the keyed ones needing setup; one of them opens its Settings.
		fresh := n.window(t, d, t.TempDir(), "socialomm-fresh")
		fresh.WaitOutput(t, "accounts window shows profiles", 30*time.Second)
		plain := d.ScreenshotPainted(t, "networks-empty", 30*time.Second)
		d.Click(t, netConnectX, netConnectY)
		menu := d.ScreenshotUntil(t, "networks-connect-menu", 30*time.Second, "the Connect menu", func(img image.Image) bool {
			return !samePixels(t, plain, img)
		})
		testbed.AssertNotBlank(t, menu)
		d.Click(t, netMenuItemX, netMenuFirstY+2*netMenuRowH) // X — needs setup
		win := d.WaitWindow(t, regexp.QuoteMeta("SocialOmm — Settings"), 30*time.Second)
		// X's section says it needs setup in the theme's orange.
		shot := netWindowShot(t, d, win, "networks-settings-x", "X's section in Settings", func(img image.Image) bool {
			return testbed.CountPixels(img, func(r, g, b uint8) bool { return r > 200 && g > 120 && g < 180 && b < 60 }) > 50
		})
		testbed.AssertNotBlank(t, shot)
		d.Click(t, netSideX, netSideInstagramY)
		shot = netWindowShot(t, d, win, "networks-settings-instagram", "Instagram's section", func(img image.Image) bool {
			return !samePixels(t, shot, img)
		})
		testbed.AssertNotBlank(t, shot)
		n.stop(t, fresh)
	})

	p := n.start(t, nil, []string{"SOCIALOMM_BROWSER=/bin/true"}, "accounts", "connect", "x")
	if code := p.WaitExit(t, time.Minute); code == 0 || !strings.Contains(p.Stderr(), "x.client_id") ||
		!strings.Contains(p.Stderr(), "https://developer.x.com/") || !strings.Contains(p.Stderr(), x.RedirectURI) {
		t.Fatalf("connect x without keys: exit %d\n%s", code, p.Output())
	}
	n.run(t, "settings", "set", "x.client_id", n.x.ClientID)

	xAcct := n.loopback(t, "accounts", "connect", "x")
	if xAcct.Network != "x" || xAcct.Handle != "@XDevelopers" || xAcct.RemoteID != "2244994945" || xAcct.State != account.Connected {
		t.Fatalf("X account %+v", xAcct)
	}
	if xAcct.ExpiresAt == nil || xAcct.TokenExpiresAt == nil {
		t.Fatalf("X account without ends: %+v", xAcct)
	}
	if days := time.Until(*xAcct.ExpiresAt).Hours() / 24; days < 89.9 || days > 90.1 {
		t.Fatalf("X connection ends in %.1f days, want the 90-day lifespan", days)
	}
	if left := time.Until(*xAcct.TokenExpiresAt); left < 119*time.Minute || left > 121*time.Minute {
		t.Fatalf("X access token ends in %s, want 2 hours", left)
	}
	key := "x " + xAcct.Instance + " " + xAcct.RemoteID
	access, ok := kr.AccessToken(t, key)
	refresh, ok2 := kr.RefreshToken(t, key)
	if !ok || !ok2 || access == "" || refresh == "" {
		t.Fatal("X's tokens are not in the keyring")
	}
	assertNoSecretsIn(t, n.c.dataDir, []string{access, refresh})

	if p := n.run(t, "accounts", "check", itoa(xAcct.ID)); !strings.Contains(p.Stdout(), "@XDevelopers: connected") {
		t.Fatalf("check: %s", p.Output())
	}
	n.x.RevokeAll()
	if p := n.run(t, "accounts", "check", itoa(xAcct.ID)); !strings.Contains(p.Stdout(), "@XDevelopers: disconnected (revoked)") {
		t.Fatalf("check after revoke: %s", p.Output())
	}
	// Update signs in again as the same profile.
	if a := n.loopback(t, "accounts", "update", itoa(xAcct.ID)); a.ID != xAcct.ID || a.State != account.Connected {
		t.Fatalf("update X: %+v", a)
	}

	t.Run("the other networks from the command line", func(t *testing.T) {
		n.run(t, "settings", "set", "linkedin.client_id", n.li.ClientID)
		n.setSecret(t, "linkedin.client_secret", n.li.ClientSecret)
		if a := n.loopback(t, "accounts", "connect", "linkedin"); a.Handle != "John Doe" || a.State != account.Connected {
			t.Fatalf("LinkedIn %+v", a)
		}
		for _, kv := range [][2]string{
			{"facebook.app_id", n.fb.ClientID}, {"instagram.app_id", n.ig.ClientID}, {"threads.app_id", n.th.ClientID},
		} {
			n.run(t, "settings", "set", kv[0], kv[1])
		}
		n.setSecret(t, "facebook.app_secret", n.fb.ClientSecret)
		n.setSecret(t, "instagram.app_secret", n.ig.ClientSecret)
		n.setSecret(t, "threads.app_secret", n.th.ClientSecret)
		// Two Pages and no --page: they are listed, nothing is connected.
		p := n.paste(t, "accounts", "connect", "facebook")
		if p.ExitCode() == 0 || !strings.Contains(p.Stderr(), "1234567890") || !strings.Contains(p.Stderr(), "Ana's Bakery") ||
			!strings.Contains(p.Stderr(), "--page") {
			t.Fatalf("facebook without --page: %d\n%s", p.ExitCode(), p.Output())
		}
		p = n.paste(t, "accounts", "connect", "facebook", "--page", "1234567890")
		if p.ExitCode() != 0 {
			t.Fatalf("facebook: %s", p.Output())
		}
		if a := decodeAccount(t, p); a.Handle != "Ana's Bakery" || a.ExpiresAt != nil {
			t.Fatalf("Facebook Page %+v", a)
		}
		p = n.paste(t, "accounts", "connect", "instagram")
		if p.ExitCode() != 0 || !strings.Contains(p.Stderr(), "needs an image") {
			t.Fatalf("instagram: %s", p.Output())
		}
		p = n.paste(t, "accounts", "connect", "threads")
		if p.ExitCode() != 0 || decodeAccount(t, p).Handle != "@ana" {
			t.Fatalf("threads: %s", p.Output())
		}
		list := n.c.accounts(t)
		if len(list) != 5 {
			t.Fatalf("%d accounts, want 5", len(list))
		}
	})

	t.Run("screens", func(t *testing.T) {
		// The configured app: a row per network, all checked at start.
		app := n.window(t, d, n.c.dataDir, "socialomm-window")
		app.WaitOutput(t, "count=5", 30*time.Second)
		app.WaitOutput(t, "health sweep done", 30*time.Second)
		rows := d.ScreenshotPainted(t, "networks-accounts", 30*time.Second)
		testbed.AssertNotBlank(t, rows)
		for _, a := range n.c.accounts(t) {
			if a.State != account.Connected {
				t.Fatalf("%s %s after the sweep: %s/%s %q", a.Network, a.Handle, a.State, a.Reason, a.LastError)
			}
		}
		d.Click(t, netConnectX, netConnectY)
		ready := d.ScreenshotUntil(t, "networks-connect-menu-ready", 30*time.Second, "the Connect menu", func(img image.Image) bool {
			return !samePixels(t, rows, img)
		})
		testbed.AssertNotBlank(t, ready)

		// Settings → Networks with keys saved: LinkedIn is ready, its
		// secret shown only as kept in the keyring.
		d.Click(t, netConnectX, netConnectY) // close the menu
		// A click that lands while the menu's overlay is still up only
		// closes it: click Settings until its window is there.
		settings := regexp.QuoteMeta("SocialOmm — Settings")
		poll(t, "the Settings window", 30*time.Second, func() (bool, string) {
			if len(d.FindWindows(t, settings)) > 0 {
				return true, ""
			}
			d.Click(t, netSettingsX, netSettingsY)
			return false, "no Settings window yet"
		})
		win := d.WaitWindow(t, settings, 30*time.Second)
		d.Click(t, netNetworksTabX, netTabY)
		d.Click(t, netSideX, netSideLinkedInY)
		shot := netWindowShot(t, d, win, "networks-settings-linkedin-ready", "LinkedIn's section, ready", func(img image.Image) bool {
			return testbed.CountPixels(img, func(r, g, b uint8) bool { return r < 120 && g > 200 && b < 120 }) > 50
		})
		testbed.AssertNotBlank(t, shot)
		n.stop(t, app)
	})

	t.Run("Facebook Pages through the window", func(t *testing.T) {
		// The app opens the sign-in page with a recording opener; the test
		// follows it as the browser would and types the final address into
		// the dialog, as the person pastes it.
		dir := t.TempDir()
		opened := filepath.Join(dir, "opened")
		opener := filepath.Join(dir, "open-url")
		if err := os.WriteFile(opener, []byte("#!/bin/sh\nprintf '%s\\n' \"$1\" >> '"+opened+"'\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		app := n.window(t, d, n.c.dataDir, "socialomm-window", "SOCIALOMM_BROWSER="+opener)
		app.WaitOutput(t, "count=5", 30*time.Second)
		before := d.ScreenshotPainted(t, "networks-accounts-again", 30*time.Second)
		d.Click(t, netConnectX, netConnectY)
		d.ScreenshotUntil(t, "networks-connect-menu-again", 30*time.Second, "the Connect menu", func(img image.Image) bool {
			return !samePixels(t, before, img)
		})
		d.Click(t, netMenuItemX, netMenuFirstY+4*netMenuRowH) // Facebook Pages…
		var signIn string
		poll(t, "the app to open Facebook's sign-in page", 30*time.Second, func() (bool, string) {
			data, _ := os.ReadFile(opened)
			signIn = strings.TrimSpace(string(data))
			return signIn != "", "nothing opened yet"
		})
		// Dialogs draw on the theme's dark blue-grey.
		dialogBG := func(r, g, b uint8) bool { return r == 24 && g == 29 && b == 37 }
		dialog := d.ScreenshotUntil(t, "networks-paste-dialog", 30*time.Second, "the paste dialog", func(img image.Image) bool {
			return testbed.CountPixels(img, dialogBG) > 20000
		})
		testbed.AssertNotBlank(t, dialog)
		netXdotool(t, d, "type", "--delay", "1", contract.Location(t, signIn))
		typed := d.ScreenshotUntil(t, "networks-paste-typed", 30*time.Second, "the pasted address", func(img image.Image) bool {
			return !samePixels(t, dialog, img)
		})
		listed := len(n.fb.RequestsTo("GET /v23.0/me/accounts"))
		netXdotool(t, d, "key", "Return")
		poll(t, "the app to list the Pages", 30*time.Second, func() (bool, string) {
			return len(n.fb.RequestsTo("GET /v23.0/me/accounts")) > listed, "not asked yet"
		})
		pages := d.ScreenshotUntil(t, "networks-facebook-pages", 30*time.Second, "the Page chooser", func(img image.Image) bool {
			return !samePixels(t, typed, img) && testbed.CountPixels(img, dialogBG) > 20000
		})
		testbed.AssertNotBlank(t, pages)

		// Connect Page: the Page's account takes the new token (the same
		// account, not a second one).
		var page account.Account
		for _, a := range n.c.accounts(t) {
			if a.Network == "facebook" {
				page = a
			}
		}
		d.Click(t, netConnectPageX, netConnectPageY)
		poll(t, "the Page reconnected", 30*time.Second, func() (bool, string) {
			var pagesNow []account.Account
			for _, a := range n.c.accounts(t) {
				if a.Network == "facebook" {
					pagesNow = append(pagesNow, a)
				}
			}
			return len(pagesNow) == 1 && pagesNow[0].ID == page.ID && pagesNow[0].UpdatedAt.After(page.UpdatedAt), fmt.Sprint(pagesNow)
		})
		done := d.ScreenshotUntil(t, "networks-facebook-connected", 30*time.Second, "the confirmation", func(img image.Image) bool {
			return !samePixels(t, pages, img) && testbed.CountPixels(img, dialogBG) > 20000
		})
		testbed.AssertNotBlank(t, done)
		n.stop(t, app)
	})
}

func netXdotool(t *testing.T, d *testbed.Display, args ...string) {
	t.Helper()
	cmd := exec.Command(testbed.LookTool(t, "xdotool"), args...)
	cmd.Env = d.Env(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xdotool %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// window starts the app's window on dataDir with the test endpoints.
func (n *netBed) window(t *testing.T, d *testbed.Display, dataDir, name string, extra ...string) *testbed.Process {
	t.Helper()
	cmd := exec.Command(n.c.bin, "--data-dir", dataDir)
	cmd.Env = d.Env(t, append(append(testbed.TempHome(t), n.endpoints), extra...)...)
	app := testbed.StartProcess(t, name, cmd)
	d.WaitWindow(t, regexp.QuoteMeta("SocialOmm — Accounts"), time.Minute)
	return app
}

func (n *netBed) stop(t *testing.T, app *testbed.Process) {
	t.Helper()
	app.Signal(t, syscall.SIGTERM)
	if code := app.WaitExit(t, 15*time.Second); code != 0 {
		t.Fatalf("exit %d\n%s", code, app.Output())
	}
}

// netWindowShot screenshots one window until show says it shows what the
// test waits for (a window paints a moment after it is mapped).
func netWindowShot(t *testing.T, d *testbed.Display, win, name, what string, show func(image.Image) bool) string {
	t.Helper()
	var path string
	poll(t, what+" on screen", 30*time.Second, func() (bool, string) {
		path = d.ScreenshotWindow(t, win, name)
		return show(decodePNG(t, path)), path + " does not show it yet"
	})
	return path
}

// samePixels reports whether img is the picture in the PNG at path.
func samePixels(t *testing.T, path string, img image.Image) bool {
	t.Helper()
	old := decodePNG(t, path)
	if old.Bounds() != img.Bounds() {
		return false
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r1, g1, b1, _ := old.At(x, y).RGBA()
			r2, g2, b2, _ := img.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 {
				return false
			}
		}
	}
	return true
}
