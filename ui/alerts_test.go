package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/zalando/go-keyring"

	"github.com/socialomm/desktop/core/notify"
	"github.com/socialomm/desktop/core/settings"
	"github.com/socialomm/desktop/core/store"
)

// labels lists the texts of the labels under o.
func labels(o fyne.CanvasObject) []string {
	var out []string
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *widget.Label:
			out = append(out, v.Text)
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
		}
	}
	walk(o)
	return out
}

func buttonsIn(o fyne.CanvasObject, text string) []*widget.Button {
	var out []*widget.Button
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *widget.Button:
			if v.Text == text {
				out = append(out, v)
			}
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
		}
	}
	walk(o)
	return out
}

// TestAlertsSection: empty state, a refused http:// address keeps what was
// typed, adding one lists it, Send test shows the receiver's answer, Remove
// brings the empty state back. The backend is the real notify.Service on a
// temporary store with the mock keyring.
func TestAlertsSection(t *testing.T) {
	t.Setenv("SOCIALOMM_KEYRING", "mock")
	keyring.MockInit()
	a := test.NewTempApp(t)
	w := a.NewWindow("Settings")
	st, err := store.Open(context.Background(), t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := notify.New(st, &settings.Service{Store: st}, notify.Options{})
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		w.Write([]byte("queued by the receiver"))
	}))
	defer rc.Close()

	s := buildAlertsSection(w, svc)
	done := make(chan struct{}, 10)
	s.afterWork = func() { done <- struct{}{} }
	wait := func() {
		t.Helper()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatal("background work did not finish")
		}
	}
	w.SetContent(s.content)
	s.reload()
	wait()
	if got := strings.Join(labels(s.list), "|"); got != alertsEmptyText {
		t.Fatalf("empty state: %q", got)
	}

	test.Type(s.url, "http://example.org/hook")
	test.Tap(s.add)
	wait()
	if !strings.Contains(s.status.Text, "only to this computer") || s.url.Text != "http://example.org/hook" {
		t.Fatalf("plain http to another computer: status %q, entry %q", s.status.Text, s.url.Text)
	}

	s.url.SetText(rc.URL + "/hook")
	s.kind.SetSelected("json")
	test.Type(s.secret, "team-secret")
	test.Tap(s.add)
	wait()
	rows := labels(s.list)
	if len(rows) < 1 || !strings.Contains(rows[0], "JSON → 127.0.0.1") || !strings.Contains(rows[0], "signed") {
		t.Fatalf("after adding: %q (status %q)", rows, s.status.Text)
	}
	tests := buttonsIn(s.list, "Send test")
	if len(tests) != 1 {
		t.Fatalf("%d Send test buttons", len(tests))
	}
	test.Tap(tests[0])
	wait()
	if got := strings.Join(labels(s.list), "|"); !strings.Contains(got, "Accepted: 202 Accepted: queued by the receiver") {
		t.Fatalf("after Send test: %q", got)
	}
	test.Tap(buttonsIn(s.list, "Remove")[0])
	wait()
	if got := strings.Join(labels(s.list), "|"); got != alertsEmptyText {
		t.Fatalf("after Remove: %q", got)
	}
}
