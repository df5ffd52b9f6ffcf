package core

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/devseed"
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
// force, as healthLoop runs it) of 5,000 profiles seeded by core/devseed
// (tokens in keyring.MockInit) with every server unreachable, and a view
// subscribed to the accounts as the open Accounts window is. Each op is one
// whole sweep; ns/op is its wall time.
// Run with: go test -run '^$' -bench OfflineSweep5000 -benchtime=3x ./core/
func BenchmarkOfflineSweep5000(b *testing.B) {
	const n = 5000
	b.Setenv("SOCIALOMM_KEYRING", "mock")
	keyring.MockInit()
	ctx := context.Background()
	e, err := Open(ctx, Options{DataDir: b.TempDir(), HTTPClient: closedPortClient(b)})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	if _, err := e.Seed(ctx, devseed.Options{Accounts: n, Now: time.Now(), Secrets: e.secrets, Seed: 14}); err != nil {
		b.Fatal(err)
	}
	var told atomic.Int64
	defer e.Subscribe(func(ChangeKind) { told.Add(1) }, ChangeAccounts)()
	b.ResetTimer()
	for range b.N {
		if checked, _ := e.sweep(ctx, true); checked == 0 {
			b.Fatal("the sweep checked nothing")
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(told.Load())/float64(b.N), "views_told/sweep")
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
	if unchecked > 0 {
		b.Fatalf("%d live profiles do not say they could not be checked", unchecked)
	}
}
