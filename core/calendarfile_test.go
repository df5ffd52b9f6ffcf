package core

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/socialomm/desktop/core/calendar"
	"github.com/socialomm/desktop/core/network"
)

// keptEvents parses the kept calendar with a real iCalendar parser; -1
// while there is none.
func keptEvents(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return -1
	}
	if err != nil {
		t.Fatal(err)
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the kept calendar does not parse: %v", err)
	}
	return len(cal.Events())
}

func TestKeptCalendarFollowsAccountChanges(t *testing.T) {
	e, clk, _ := newTestEngine(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	connect(t, e, "ana", network.Credentials{AccessToken: "a"})
	folder := t.TempDir()
	path := filepath.Join(folder, calendar.FileName)
	if err := e.Settings().Set(ctx, CalendarFolderKey, folder); err != nil {
		t.Fatal(err)
	}
	if got := keptEvents(t, path); got != 1 {
		t.Fatalf("setting the folder wrote %d events, want 1", got)
	}

	done := make(chan struct{})
	go func() { e.keepCalendar(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	// Change accounts until the keeper, listening, waits out its debounce.
	connect(t, e, "bo", network.Credentials{AccessToken: "b"})
	deadline := time.Now().Add(10 * time.Second)
	for clk.Waiters() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the keeper never waited to gather changes")
		}
		connect(t, e, "bo", network.Credentials{AccessToken: "b"})
		runtimeGosched()
	}
	// cy comes after the keeper's write at start, so only the write after
	// the debounce can hold it.
	connect(t, e, "cy", network.Credentials{AccessToken: "c"})
	clk.Advance(calendarDebounce)
	for keptEvents(t, path) != 3 {
		if time.Now().After(deadline) {
			t.Fatalf("the kept calendar has %d events after the debounce, want 3", keptEvents(t, path))
		}
		runtimeGosched()
	}
}
