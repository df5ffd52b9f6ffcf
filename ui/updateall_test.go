package ui

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/zalando/go-keyring"

	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network/oauthnet"
	"github.com/socialomm/desktop/internal/contract"
	"github.com/socialomm/desktop/internal/fakenet"
)

// waitDialog waits until the shell shows a dialog titled title.
func waitDialog(t *testing.T, dialogs <-chan string, title string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case got := <-dialogs:
			if got == title {
				return
			}
		case <-deadline:
			t.Fatalf("no dialog %q was shown", title)
		}
	}
}

// dialogButton finds the button labelled label in a dialog.
func dialogButton(t *testing.T, d fyne.CanvasObject, label string) *widget.Button {
	t.Helper()
	var found *widget.Button
	walkObjects(t, d, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == label && found == nil {
			found = b
		}
	})
	if found == nil {
		t.Fatalf("the dialog has no %q button", label)
	}
	return found
}

// TestUpdateAllAsksEachAppPassword: Update all asks, over its progress,
// for the app password of each app-password profile in turn: the one
// answered is reconnected, the one skipped stays as it was, and the
// summary says so. Stop on an open question ends the walk.
func TestUpdateAllAsksEachAppPassword(t *testing.T) {
	t.Setenv("SOCIALOMM_KEYRING", "mock")
	keyring.MockInit()
	ctx := context.Background()
	fake := fakenet.New()
	e, err := core.Open(ctx, core.Options{DataDir: t.TempDir(), Networks: core.Networks().With(fake.Entry())})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	ids := map[string]int64{}
	for _, h := range []string{"ana", "bo"} {
		a, err := e.Connect(ctx, fakenet.Name, map[string]string{"handle": h, "password": fakenet.Password}, core.SignIn{})
		if err != nil {
			t.Fatal(err)
		}
		fake.Lose(h)
		if a, _ = e.Check(ctx, a.ID); a.State != account.Disconnected {
			t.Fatalf("%s: %s", a.Handle, a.State)
		}
		ids[h] = a.ID
	}
	// The window alone: no Accounts list loading beside the walk (the test
	// driver runs fyne.Do on the calling goroutine, so two would race).
	app := test.NewTempApp(t)
	w := app.NewWindow("Accounts")
	t.Cleanup(w.Close)
	w.Resize(fyne.NewSize(880, 600))
	dialogs := make(chan string, 16)
	sh := &shell{app: app, engine: e, others: map[string]fyne.Window{}, logger: slog.New(dialogSignal{dialogs})}
	updateAll := func() { sh.runUpdateAll(w, func() {}) }

	updateAll()
	answer := func(handle, button, password string) {
		t.Helper()
		waitDialog(t, dialogs, "App password for "+handle)
		q := w.Canvas().Overlays().Top()
		got := shown(t, q)
		for _, want := range []string{handle + " on " + fakenet.Title + " signs in again with a new app password.", "Reconnect", "Skip this profile", "Stop"} {
			if !hasText(got, want) {
				t.Fatalf("the question lacks %q; shows %q", want, got)
			}
		}
		var entry *widget.Entry
		walkObjects(t, q, func(o fyne.CanvasObject) {
			if en, ok := o.(*widget.Entry); ok && en.Password {
				entry = en
			}
		})
		if entry == nil {
			t.Fatal("the question has no secret entry")
		}
		if password != "" {
			test.Type(entry, password)
		}
		test.Tap(dialogButton(t, q, button))
	}
	answer("@ana", "Reconnect", fakenet.Password)
	answer("@bo", "Skip this profile", "")
	waitDialog(t, dialogs, "Update all: done")
	if got := shown(t, w.Canvas().Overlays().Top()); !hasText(got, "Renewed 1, skipped 1, still need you 0.") {
		t.Fatalf("the summary shows %q", got)
	}
	for h, want := range map[string]account.State{"ana": account.Connected, "bo": account.Disconnected} {
		if a, _ := e.Account(ctx, ids[h]); a.State != want {
			t.Errorf("@%s after Update all: %s, want %s", h, a.State, want)
		}
	}

	// Again, for bo alone: Stop on the open question ends the walk, and
	// nothing changes.
	updateAll()
	waitDialog(t, dialogs, "App password for @bo")
	test.Tap(dialogButton(t, w.Canvas().Overlays().Top(), "Stop"))
	waitDialog(t, dialogs, "Update all: done")
	if got := shown(t, w.Canvas().Overlays().Top()); !hasText(got, "Renewed 0, skipped 1, still need you 0.") {
		t.Fatalf("the summary after Stop shows %q", got)
	}
	if a, _ := e.Account(ctx, ids["bo"]); a.State != account.Disconnected {
		t.Fatalf("@bo after Stop: %s", a.State)
	}
}

// TestUpdateAllAsksForThePastedAddress: a Threads profile (the contract
// server answering as Threads) gets the single Update's paste steps over
// Update all's progress; the address pasted there renews it.
func TestUpdateAllAsksForThePastedAddress(t *testing.T) {
	t.Setenv("SOCIALOMM_KEYRING", "mock")
	keyring.MockInit()
	t.Setenv("SOCIALOMM_BROWSER", "/bin/true") // the page is visited below
	srv := contract.NewThreads(t, oauthnet.PasteRedirectURI)
	t.Setenv(core.TestEndpointsEnv, "threads="+srv.URL)
	ctx := context.Background()
	e, err := core.Open(ctx, core.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	for k, v := range map[string]string{"threads.app_id": srv.ClientID, "threads.app_secret": srv.ClientSecret} {
		if err := e.Settings().Set(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	p, err := e.StartPaste(ctx, "threads")
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.FinishPaste(ctx, p, contract.Location(t, p.URL))
	if err != nil {
		t.Fatal(err)
	}
	srv.SetState(contract.Expired)
	if a, _ := e.Check(ctx, res.Account.ID); a.State != account.Disconnected {
		t.Fatalf("before: %s", a.State)
	}
	srv.SetState(contract.OK)

	app := test.NewTempApp(t)
	w := app.NewWindow("Accounts")
	t.Cleanup(w.Close)
	w.Resize(fyne.NewSize(880, 600))
	dialogs := make(chan string, 16)
	sh := &shell{app: app, engine: e, others: map[string]fyne.Window{}, logger: slog.New(dialogSignal{dialogs})}
	sh.runUpdateAll(w, func() {})
	waitDialog(t, dialogs, "Update "+res.Account.Handle)
	q := w.Canvas().Overlays().Top()
	got := shown(t, q)
	for _, want := range []string{pasteSteps(oauthnet.PasteRedirectURI), "Copy the sign-in link", "Stop", "Skip this profile", "Continue"} {
		if !hasText(got, want) {
			t.Fatalf("the question lacks %q; shows %q", want, got)
		}
	}
	// The person opens the sign-in link and copies the address it ends on.
	test.Tap(dialogButton(t, q, "Copy the sign-in link"))
	var address *widget.Entry
	walkObjects(t, q, func(o fyne.CanvasObject) {
		if en, ok := o.(*widget.Entry); ok && address == nil {
			address = en
		}
	})
	test.Type(address, contract.Location(t, app.Clipboard().Content()))
	test.Tap(dialogButton(t, q, "Continue"))
	waitDialog(t, dialogs, "Update all: done")
	if got := shown(t, w.Canvas().Overlays().Top()); !hasText(got, "Renewed 1, skipped 0, still need you 0.") {
		t.Fatalf("the summary shows %q", got)
	}
	if a, _ := e.Account(ctx, res.Account.ID); a.State != account.Connected {
		t.Fatalf("after Update all: %s", a.State)
	}
}
