package testbed

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser is a headless Debian chromium driven by chromedp, with a fresh
// profile, standing in for the person's system browser. The app opens URLs
// with $SOCIALOMM_BROWSER; OpenerEnv points that at a small script that
// records each URL, and WaitOpened hands them to the test, which then drives
// the real sign-in pages in this browser.
type Browser struct {
	ctx    context.Context
	opener string
	urls   string

	mu   sync.Mutex
	seen int
}

// StartBrowser starts chromium (headless, --no-sandbox --disable-gpu
// --disable-background-networking --disable-component-update --disable-sync
// --no-first-run, fresh user-data-dir). It is closed when the test ends.
func StartBrowser(t testing.TB) *Browser {
	t.Helper()
	bin := LookTool(t, "chromium")
	Home(t)
	dir := t.TempDir()
	out := newTail(outputTail)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.CombinedOutput(out),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
		if t.Failed() {
			t.Logf("testbed: output of chromium:\n%s", out.String())
		}
	})
	// The first call starts the browser and must not carry a timeout (that
	// would end the browser with it), so the deadline is kept here.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	deadline := time.NewTimer(time.Minute)
	defer deadline.Stop()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("testbed: starting chromium: %v\n%s", err, out.String())
		}
	case <-deadline.C:
		t.Fatalf("testbed: chromium did not start within a minute\n%s", out.String())
	}

	b := &Browser{ctx: ctx, opener: filepath.Join(dir, "open-url"), urls: filepath.Join(dir, "opened-urls")}
	// The app starts this with the URL as its only argument.
	script := "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '" + b.urls + "'\n"
	if err := os.WriteFile(b.opener, []byte(script), 0o755); err != nil {
		t.Fatalf("testbed: %v", err)
	}
	return b
}

// OpenerEnv is the environment entry that makes the app "open" URLs in this
// browser: SOCIALOMM_BROWSER=<script that records the URL>.
func (b *Browser) OpenerEnv() string { return "SOCIALOMM_BROWSER=" + b.opener }

// Opened lists every URL the app asked to open so far.
func (b *Browser) Opened() []string {
	data, err := os.ReadFile(b.urls)
	if err != nil {
		return nil
	}
	return strings.Fields(string(data))
}

// WaitOpened waits for the next URL the app asks to open (one not returned
// before) and returns it.
func (b *Browser) WaitOpened(t testing.TB, timeout time.Duration) string {
	t.Helper()
	var u string
	waitFor(t, "the app to open a URL in the browser", timeout, nil, func() (bool, string) {
		b.mu.Lock()
		defer b.mu.Unlock()
		list := b.Opened()
		if len(list) <= b.seen {
			return false, fmt.Sprintf("%d URL(s) opened so far", len(list))
		}
		u = list[b.seen]
		b.seen++
		return true, ""
	})
	return u
}

// Context is the chromedp context of the browser's tab, for custom actions.
func (b *Browser) Context() context.Context { return b.ctx }

// Run runs chromedp actions in the tab, failing the test on error or after
// timeout.
func (b *Browser) Run(t testing.TB, timeout time.Duration, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("testbed: browser: %v (at %s)", err, b.Location(t))
	}
}

// Location is the tab's current URL.
func (b *Browser) Location(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "unknown: " + err.Error()
	}
	return loc
}

// Text is the visible text of the tab's page.
func (b *Browser) Text(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		t.Fatalf("testbed: browser: reading the page text: %v", err)
	}
	return text
}

// SignInGoToSocial opens authorizeURL (a GoToSocial /oauth/authorize URL,
// as the app opens it), signs in with email and password on GoToSocial's
// own form, presses Allow, and waits until the browser has left the
// GoToSocial server (redirected to the app's loopback address). It returns
// that final URL.
func (b *Browser) SignInGoToSocial(t testing.TB, authorizeURL, email, password string) string {
	t.Helper()
	au, err := url.Parse(authorizeURL)
	if err != nil {
		t.Fatalf("testbed: authorize URL %q: %v", authorizeURL, err)
	}
	allow := chromedp.CSS(`form[action="/oauth/authorize"] button[type="submit"]`)
	b.Run(t, 30*time.Second,
		chromedp.Navigate(authorizeURL),
		chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), email),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), password),
		chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
		chromedp.WaitVisible(allow),
		chromedp.Click(allow),
	)
	var final string
	waitFor(t, "the browser to leave "+au.Host, 30*time.Second, nil, func() (bool, string) {
		final = b.Location(t)
		u, err := url.Parse(final)
		return err == nil && u.Host != au.Host && u.Host != "", "at " + final
	})
	return final
}
