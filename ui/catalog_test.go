package ui

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/zalando/go-keyring"

	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/internal/fakenet"
)

// TestAFakeNetworkShowsThroughTheCatalogAlone: a network registered only
// in the engine's catalog is offered in the Connect menu with its title
// and icon, signs in with the form its entry asks (an app password: no
// browser), shows in its Accounts row, is counted in Compose by its own
// limit and count, and names itself in a notification.
func TestAFakeNetworkShowsThroughTheCatalogAlone(t *testing.T) {
	t.Setenv("SOCIALOMM_KEYRING", "mock")
	keyring.MockInit()
	ctx := context.Background()
	fake := fakenet.New()
	e, err := core.Open(ctx, core.Options{DataDir: t.TempDir(), Networks: core.Networks().With(fake.Entry())})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	app := test.NewTempApp(t)
	screen := newAccountsScreen(app, e, navigation{})
	t.Cleanup(screen.window.Close)
	screen.window.Resize(fyne.NewSize(880, 600))
	// Under the test driver fyne.Do runs on the sign-in's own goroutine: the
	// test waits until that goroutine has shown its last dialog before it
	// touches widgets again.
	dialogs := make(chan string, 8)
	sh := &shell{app: app, engine: e, accounts: screen, others: map[string]fyne.Window{},
		logger: slog.New(dialogSignal{dialogs})}
	sh.wireAccountActions()

	// The Connect menu offers it last, with its title and icon.
	menu := screen.connectMenu(nil)
	last := menu.Items[len(menu.Items)-1]
	if last.Label != fakenet.Title+"…" || last.Icon == nil {
		t.Fatalf("the menu ends with %q (icon %v)", last.Label, last.Icon)
	}

	// Choosing it asks what its entry asks, and says Connect: no browser.
	last.Action()
	form := screen.window.Canvas().Overlays().Top()
	got := shown(t, form)
	for _, want := range []string{"Connect a " + fakenet.Title + " profile", "Handle", "App password", "Connect"} {
		if !hasText(got, want) {
			t.Errorf("the form lacks %q; shows %q", want, got)
		}
	}
	if hasText(got, "Continue in browser") {
		t.Error("an app-password network offers to continue in the browser")
	}
	var entries []*widget.Entry
	var connect *widget.Button
	walkObjects(t, form, func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Entry:
			entries = append(entries, w)
		case *widget.Button:
			if w.Text == "Connect" {
				connect = w
			}
		}
	})
	if len(entries) != 2 || connect == nil {
		t.Fatalf("%d fields, Connect button %v", len(entries), connect)
	}
	test.Type(entries[0], "ana")
	test.Type(entries[1], fakenet.Password)
	test.Tap(connect)

	// The engine connects it through the one sign-in pipeline, and the
	// window says so.
	deadline := time.Now().Add(10 * time.Second)
	for title := ""; title != "Profile connected"; {
		select {
		case title = <-dialogs:
		case <-time.After(time.Until(deadline)):
			t.Fatal("the window never said the profile was connected")
		}
	}
	var accounts []accountOf
	for {
		list, err := e.Accounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) == 1 {
			accounts = []accountOf{{list[0].ID, list[0].Handle, list[0].Network}}
			screen.show(list, nil, nil)
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the fake network's profile was not connected")
		}
		runtime.Gosched()
	}
	if accounts[0].network != fakenet.Name || accounts[0].handle != "@ana" {
		t.Fatalf("connected %+v", accounts[0])
	}

	// Its Accounts row names the network by its title.
	if rows := texts(t, screen.window.Content()); !hasText(rows, "@ana · "+fakenet.Title) {
		t.Errorf("the Accounts window shows %q", rows)
	}

	// Compose counts by its entry: 42 code points, so the family emoji
	// (5 code points, 1 grapheme) counts 5.
	list, _ := e.Accounts(ctx)
	compose := newComposeScreen(app, enginePosts{e}, nil, nil)
	compose.async = func(fn func()) { fn() }
	compose.show(list, nil)
	t.Cleanup(compose.window.Close)
	tick(t, compose, "@ana")
	for _, c := range []struct {
		text, want string
	}{
		{"👩‍👩‍👧", "37 left · @ana"},
		{fmt.Sprintf("%043d", 0), "1 over · @ana"},
	} {
		compose.text.SetText(c.text)
		if got := fmt.Sprint(counterTexts(compose)); got != "["+c.want+"]" {
			t.Errorf("%q: counters %s, want %s", c.text, got, c.want)
		}
	}

	// A lost connection's notification names it by its title.
	fake.Lose("ana")
	if a, err := e.Check(ctx, accounts[0].id); err != nil || a.State != "disconnected" {
		t.Fatalf("check: %v %+v", err, a)
	}
	waiting, err := e.Notify().Pending(ctx)
	if err != nil || len(waiting) == 0 {
		t.Fatalf("no notification: %v", err)
	}
	if !hasText([]string{waiting[0].Subject}, fakenet.Title+" @ana") {
		t.Errorf("the notification says %q", waiting[0].Subject)
	}
}

type accountOf struct {
	id              int64
	handle, network string
}

// dialogSignal is a log handler that hands on the title of every dialog the
// shell logs as shown.
type dialogSignal struct{ titles chan<- string }

func (h dialogSignal) Enabled(context.Context, slog.Level) bool { return true }
func (h dialogSignal) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h dialogSignal) WithGroup(string) slog.Handler            { return h }
func (h dialogSignal) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "dialog shown" {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "title" {
				select { // never hold up the UI; the buffer outlasts this test's dialogs
				case h.titles <- a.Value.String():
				default:
				}
			}
			return true
		})
	}
	return nil
}
