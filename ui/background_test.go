package ui

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// TestBackgroundStartNeedsATray: --background starts the engine (the held
// first announcement) with the window hidden where there is a tray to bring
// it back, and starts nothing hidden where there is none.
func TestBackgroundStartNeedsATray(t *testing.T) {
	for _, c := range []struct {
		name    string
		watcher bool
		want    bool
	}{{"tray", true, true}, {"no tray", false, false}} {
		t.Run(c.name, func(t *testing.T) {
			f := newTrayFixture(t, c.watcher)
			s := &shell{tray: f.tray, accounts: &accountsScreen{}}
			var told atomic.Bool
			s.accounts.heldAnnouncement = func() { told.Store(true) }
			if got := s.startInBackground(); got != c.want {
				t.Fatalf("startInBackground() = %v, want %v", got, c.want)
			}
			if !c.want {
				if s.accounts.heldAnnouncement == nil || s.accounts.windowShown {
					t.Fatal("without a tray the start was let go with the window hidden")
				}
				return
			}
			deadline := time.Now().Add(5 * time.Second)
			for !told.Load() {
				if time.Now().After(deadline) {
					t.Fatal("the held announcement (the engine's start) never went")
				}
				runtime.Gosched()
			}
			if f.window.hidden != 0 {
				t.Fatal("the window was touched")
			}
		})
	}
}
