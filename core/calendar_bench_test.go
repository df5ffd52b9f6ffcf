package core

import (
	"bytes"
	"context"
	"syscall"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/zalando/go-keyring"

	"github.com/socialomm/desktop/core/devseed"
)

// BenchmarkCalendar5000 writes the expiry calendar of 5,000 seeded profiles
// (socialomm dev seed's data set) through the engine, as `accounts
// calendar` does, and parses it back whole with a real iCalendar parser.
// Target (issue 15): under a second for both.
func BenchmarkCalendar5000(b *testing.B) {
	b.Setenv("SOCIALOMM_KEYRING", "mock")
	keyring.MockInit()
	ctx := context.Background()
	e, err := Open(ctx, Options{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	if _, err := e.Seed(ctx, devseed.Options{Accounts: 5000, Now: time.Now(), Seed: 1}); err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	// CPU time beside wall time: on a shared machine the wall time says
	// more about the neighbours than about the calendar.
	cpuBefore := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		buf.Reset()
		n, err := e.WriteCalendar(ctx, &buf)
		if err != nil {
			b.Fatal(err)
		}
		cal, err := ics.ParseCalendar(bytes.NewReader(buf.Bytes()))
		if err != nil {
			b.Fatal(err)
		}
		if got := len(cal.Events()); got != n || n == 0 {
			b.Fatalf("parsed %d events of %d written", got, n)
		}
		b.ReportMetric(float64(n), "events")
	}
	b.ReportMetric((cpuTime()-cpuBefore).Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(buf.Len()), "bytes")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
