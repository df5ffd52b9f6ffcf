package ui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/core/network/linkedin"
	"github.com/socialomm/desktop/core/network/oauthnet"
	"github.com/socialomm/desktop/core/network/x"
	"github.com/socialomm/desktop/core/settings"
)

// fakeKeysBackend keeps settings in a map, secrets apart, validating like
// the real one; Get shows a set secret only as the mask.
type fakeKeysBackend struct {
	mu      sync.Mutex
	values  map[string]string
	secrets map[string]string
	sets    []string
}

func newFakeKeysBackend() *fakeKeysBackend {
	return &fakeKeysBackend{values: map[string]string{}, secrets: map[string]string{}}
}

func (f *fakeKeysBackend) Get(_ context.Context, key string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	def, ok := settings.Lookup(key)
	if !ok {
		return "", errors.New("unknown setting " + key)
	}
	if def.Secret != "" {
		if f.secrets[key] != "" {
			return settings.SecretMask, nil
		}
		return "", nil
	}
	if v, ok := f.values[key]; ok {
		return v, nil
	}
	return def.Default, nil
}

func (f *fakeKeysBackend) Set(_ context.Context, key, value string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	def, ok := settings.Lookup(key)
	if !ok {
		return errors.New("unknown setting " + key)
	}
	v, err := def.Normalize(value)
	if err != nil {
		return errors.New(key + ": " + err.Error())
	}
	f.sets = append(f.sets, key)
	if def.Secret != "" {
		f.secrets[key] = v
		return nil
	}
	f.values[key] = v
	return nil
}

// newTestNetworksTab builds the tab on a test window and waits for its
// first load; wait waits for the next background job.
func newTestNetworksTab(t *testing.T, b *fakeKeysBackend) (*networksTab, fyne.Window, func()) {
	t.Helper()
	a := test.NewTempApp(t)
	w := a.NewWindow("Settings")
	t.Cleanup(w.Close)
	n := newNetworksTab(w, b)
	w.SetContent(n)
	w.Resize(fyne.NewSize(760, 680))
	jobs := make(chan struct{}, 10)
	n.afterWork = func() { jobs <- struct{}{} }
	wait := func() {
		t.Helper()
		select {
		case <-jobs:
		case <-time.After(10 * time.Second):
			t.Fatal("the background job did not finish")
		}
	}
	n.load()
	wait()
	return n, w, wait
}

// shown collects the words a section shows: labels, buttons, hyperlinks,
// and entries' text and placeholder.
func shown(t *testing.T, o fyne.CanvasObject) []string {
	t.Helper()
	var out []string
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Label:
			out = append(out, w.Text)
			return
		case *widget.Button:
			out = append(out, w.Text)
			return
		case *canvas.Text:
			out = append(out, w.Text)
			return
		case *widget.Hyperlink:
			out = append(out, w.Text+" <"+w.URL.String()+">")
			return
		case *widget.Entry:
			out = append(out, w.Text, w.PlaceHolder)
			return
		case *widget.Form:
			for _, it := range w.Items {
				out = append(out, it.Text, it.HintText)
				walk(it.Widget)
			}
			return
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
			return
		case *container.Scroll:
			walk(w.Content)
			return
		case fyne.Widget:
			for _, c := range test.TempWidgetRenderer(t, w).Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	return out
}

func TestNetworksTabShowsRedirectURIsAndMasksSecrets(t *testing.T) {
	b := newFakeKeysBackend()
	b.values["linkedin.client_id"] = "86abcdefgh"
	b.secrets["linkedin.client_secret"] = "WPL_AP1.s3cr3t-value"
	n, _, _ := newTestNetworksTab(t, b)

	if len(n.tabs.Items) != 5 {
		t.Fatalf("%d network sections", len(n.tabs.Items))
	}
	for i, want := range []string{"X", "LinkedIn", "Facebook Pages", "Instagram", "Threads"} {
		if n.tabs.Items[i].Text != want {
			t.Errorf("section %d is %q, want %q", i, n.tabs.Items[i].Text, want)
		}
	}

	// X: the fixed loopback callback, the developer portal, no keys yet.
	xs := n.sections["x"]
	if xs.redirect.Text != x.RedirectURI {
		t.Fatalf("X redirect URI %q", xs.redirect.Text)
	}
	got := shown(t, xs.content)
	for _, want := range []string{"Needs setup", "OAuth 2.0 Client ID", "Redirect URI", x.RedirectURI, "Copy",
		"<https://developer.x.com/en/portal/dashboard>", "Connection life", "2 hours", "Only for a Web App type"} {
		if !hasText(got, want) {
			t.Errorf("X section lacks %q; shows %q", want, got)
		}
	}
	test.Tap(xs.copy)
	if clip := fyne.CurrentApp().Clipboard().Content(); clip != x.RedirectURI {
		t.Fatalf("copied %q", clip)
	}

	// LinkedIn: keys set; the secret is masked, never shown.
	ls := n.sections["linkedin"]
	if ls.redirect.Text != linkedin.RedirectURI || ls.id.Text != "86abcdefgh" {
		t.Fatalf("LinkedIn shows %q / %q", ls.redirect.Text, ls.id.Text)
	}
	if ls.secret.Text != "" || ls.secret.PlaceHolder != settings.SecretMask || !ls.secret.Password || ls.forget.Disabled() {
		t.Fatalf("secret entry: text %q placeholder %q password %t", ls.secret.Text, ls.secret.PlaceHolder, ls.secret.Password)
	}
	if !strings.HasPrefix(ls.state.Text, "Ready") {
		t.Fatalf("LinkedIn state %q", ls.state.Text)
	}
	for _, s := range n.sections {
		if hasText(shown(t, s.content), "s3cr3t") {
			t.Fatal("the secret is on screen")
		}
	}

	// The Meta networks: the paste address and what ends there.
	for _, name := range []string{"facebook", "instagram", "threads"} {
		s := n.sections[name]
		if s.redirect.Text != oauthnet.PasteRedirectURI {
			t.Errorf("%s redirect %q", name, s.redirect.Text)
		}
		if !hasText(shown(t, s.content), "<https://developers.facebook.com/apps>") {
			t.Errorf("%s has no developer link", name)
		}
	}
	if !hasText(shown(t, n.sections["facebook"].content), "Never expires") {
		t.Error("Facebook does not say Pages never expire")
	}
	if !hasText(shown(t, n.sections["instagram"].content), "every post needs an image") {
		t.Error("Instagram does not say posts need an image")
	}

	n.show("threads")
	if n.tabs.Selected().Text != "Threads" {
		t.Fatalf("show(threads) selected %q", n.tabs.Selected().Text)
	}
}

func TestNetworksTabSavesKeys(t *testing.T) {
	b := newFakeKeysBackend()
	n, _, wait := newTestNetworksTab(t, b)
	s := n.sections["facebook"]
	if !s.save.Disabled() {
		t.Fatal("Save is enabled with nothing typed")
	}
	s.id.SetText("12 34")
	if !s.save.Disabled() || !strings.Contains(s.status.Text, "one word") {
		t.Fatalf("a bad App ID: save disabled %t, status %q", s.save.Disabled(), s.status.Text)
	}
	s.id.SetText(" 1234567890123456 ")
	s.secret.SetText("app-secret-value")
	test.Tap(s.save)
	wait()
	if s.status.Text != "Saved." || !strings.HasPrefix(s.state.Text, "Ready") {
		t.Fatalf("status %q, state %q", s.status.Text, s.state.Text)
	}
	b.mu.Lock()
	id, secret := b.values["facebook.app_id"], b.secrets["facebook.app_secret"]
	b.mu.Unlock()
	if id != "1234567890123456" || secret != "app-secret-value" {
		t.Fatalf("saved %q / %q", id, secret)
	}
	if s.secret.Text != "" || s.secret.PlaceHolder != settings.SecretMask {
		t.Fatal("the saved secret stays in the entry")
	}
	test.Tap(s.forget)
	wait()
	b.mu.Lock()
	secret = b.secrets["facebook.app_secret"]
	b.mu.Unlock()
	if !strings.HasPrefix(s.state.Text, "Needs setup") || secret != "" {
		t.Fatalf("after Forget: %q", s.state.Text)
	}
}

func TestSettingsWindowHasNetworksTab(t *testing.T) {
	a := test.NewTempApp(t)
	w := a.NewWindow("Settings")
	t.Cleanup(w.Close)
	s := newSettingsScreen(w, newFakeKeysBackend(), nil)
	<-s.loaded
	<-s.networks.loaded
	w.SetContent(s.content)
	var names []string
	for _, it := range s.tabs.Items {
		names = append(names, it.Text)
	}
	if strings.Join(names, ",") != "Connections,Networks" {
		t.Fatalf("tabs %v", names)
	}
	if !showNetworkSection(s.content, "instagram") || s.tabs.Selected().Text != "Networks" ||
		s.networks.tabs.Selected().Text != "Instagram" {
		t.Fatal("Settings did not open on Instagram's section")
	}
}

func TestConnectMenuListsEveryNetwork(t *testing.T) {
	s, _ := newTestScreen(t, &fakeBackend{now: testNow})
	var connected, setup []string
	s.onConnect = func(n string) { connected = append(connected, n) }
	s.onSetup = func(n string) { setup = append(setup, n) }
	menu := s.connectMenu(map[string]bool{"x": true, "facebook": true, "threads": true})
	var labels []string
	for _, it := range menu.Items {
		labels = append(labels, it.Label)
		if it.Disabled || it.Icon == nil {
			t.Errorf("%q is disabled or has no icon", it.Label)
		}
		it.Action()
	}
	want := "Mastodon… Bluesky… X — needs setup LinkedIn… Facebook Pages — needs setup Instagram… Threads — needs setup"
	if strings.Join(labels, " ") != want {
		t.Fatalf("menu %q", labels)
	}
	if strings.Join(setup, ",") != "x,facebook,threads" || strings.Join(connected, ",") != "mastodon,bluesky,linkedin,instagram" {
		t.Fatalf("setup %v, connect %v", setup, connected)
	}

	// The menu pops up under the Connect button.
	s.window.Resize(fyne.NewSize(880, 600))
	s.popConnectMenu(map[string]bool{"x": true})
	overlay := s.window.Canvas().Overlays().Top()
	if overlay == nil {
		t.Fatal("no menu on screen")
	}
	got := shown(t, overlay)
	for _, want := range []string{"Mastodon…", "X — needs setup", "Threads…"} {
		if !hasText(got, want) {
			t.Errorf("the menu on screen lacks %q; shows %q", want, got)
		}
	}
}

func TestPasteDialogSaysWhatToCopy(t *testing.T) {
	a := test.NewTempApp(t)
	screen := newAccountsScreen(a, &fakeBackend{now: testNow}, navigation{})
	t.Cleanup(screen.window.Close)
	screen.window.Resize(fyne.NewSize(880, 600))
	sh := &shell{app: a, accounts: screen}
	info, _ := core.KeyedNetwork("instagram")
	p := &core.PasteSignIn{Network: "instagram", Title: "Instagram", URL: "https://www.instagram.com/oauth/authorize?x=1",
		RedirectURI: oauthnet.PasteRedirectURI}
	sh.showPasteDialog(info, p, nil, nil)
	got := shown(t, screen.window.Canvas().Overlays().Top())
	for _, want := range []string{
		"1. Sign in on the page that opened in your browser.",
		"2. When the browser shows an address starting with https://localhost/socialomm/callback (a page that does not load), copy that whole address here.",
		"every post needs an image", "Continue", "Cancel", "Copy the sign-in link",
	} {
		if !hasText(got, want) {
			t.Errorf("dialog lacks %q; shows %q", want, got)
		}
	}
	var cont *widget.Button
	walkButtons(t, screen.window.Canvas().Overlays().Top(), func(b *widget.Button) {
		if b.Text == "Continue" {
			cont = b
		}
	})
	if cont == nil || !cont.Disabled() {
		t.Fatal("Continue is enabled before anything is pasted")
	}
}

// walkButtons calls fn with every button under o.
func walkButtons(t *testing.T, o fyne.CanvasObject, fn func(*widget.Button)) {
	t.Helper()
	switch w := o.(type) {
	case *widget.Button:
		fn(w)
	case *fyne.Container:
		for _, c := range w.Objects {
			walkButtons(t, c, fn)
		}
	case fyne.Widget:
		for _, c := range test.TempWidgetRenderer(t, w).Objects() {
			walkButtons(t, c, fn)
		}
	}
}
