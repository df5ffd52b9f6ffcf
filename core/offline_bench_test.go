package core

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/devseed"
	"github.com/socialomm/desktop/core/store"
)

// closedPortClient is an HTTP client for a machine offline: every
// connection, whatever the host, goes to a loopback port nothing listens
// on, so it is refused at once, as the seeded servers are unreachable.
func closedPortClient(b *testing.B) *http.Client {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	var d net.Dialer
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, closed)
		},
	}}
}

// BenchmarkOfflineSweep5000 measures the start-up sweep (Engine.sweep with
// force, as healthLoop runs it first) of 5,000 profiles seeded by
// core/devseed (tokens in keyring.MockInit) with every server unreachable,
// and a view subscribed to the accounts as the open Accounts window is.
// Each op is the first sweep of a fresh copy of the seeded folder, as each
// start is (a second sweep finds the expiry transitions done and is
// cheaper); ns/op is its wall time.
// Run with: go test -run '^$' -bench OfflineSweep5000 -benchtime=3x ./core/
func BenchmarkOfflineSweep5000(b *testing.B) {
	const n = 5000
	b.Setenv("SOCIALOMM_KEYRING", "mock")
	keyring.MockInit()
	ctx := context.Background()
	seeded := b.TempDir()
	e, err := Open(ctx, Options{DataDir: seeded, HTTPClient: closedPortClient(b)})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.Seed(ctx, devseed.Options{Accounts: n, Now: time.Now(), Secrets: e.secrets, Seed: 14}); err != nil {
		b.Fatal(err)
	}
	e.Close()
	var told atomic.Int64
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		dir := b.TempDir()
		if err := copyFile(filepath.Join(dir, store.FileName), filepath.Join(seeded, store.FileName)); err != nil {
			b.Fatal(err)
		}
		e, err := Open(ctx, Options{DataDir: dir, HTTPClient: closedPortClient(b)})
		if err != nil {
			b.Fatal(err)
		}
		cancel := e.Subscribe(func(ChangeKind) { told.Add(1) }, ChangeAccounts)
		b.StartTimer()
		if checked, _ := e.sweep(ctx, true); checked == 0 {
			b.Fatal("the sweep checked nothing")
		}
		b.StopTimer()
		cancel()
		list, err := e.Accounts(ctx)
		if err != nil {
			b.Fatal(err)
		}
		unchecked := 0
		for _, a := range list {
			if a.State != account.Disconnected && !strings.HasPrefix(a.LastError, "Could not check") {
				unchecked++
			}
		}
		e.Close()
		if unchecked > 0 {
			b.Fatalf("%d live profiles do not say they could not be checked", unchecked)
		}
	}
	b.ReportMetric(float64(told.Load())/float64(b.N), "views_told/sweep")
}

// copyFile copies the seeded database (and its write-ahead log, if the
// close left one) into a fresh data folder.
func copyFile(dst, src string) error {
	for _, suffix := range []string{"", "-wal"} {
		data, err := os.ReadFile(src + suffix)
		if errors.Is(err, os.ErrNotExist) && suffix != "" {
			continue
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(dst+suffix, data, 0o600); err != nil {
			return err
		}
	}
	return nil
}
