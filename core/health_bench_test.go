package core

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/mastodon"
)

// benchServer is one Mastodon-compatible server (GoToSocial/Mastodon-shaped
// JSON) on loopback that answers every request after a fixed delay, the
// stand-in for the network and the server's own work, and counts how many
// requests it is answering at once.
type benchServer struct {
	*httptest.Server
	latency  time.Duration
	inFlight atomic.Int64
	peak     atomic.Int64
	requests atomic.Int64
	verifies atomic.Int64
	conns    atomic.Int64
}

func newBenchServer(latency time.Duration) *benchServer {
	s := &benchServer{latency: latency}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.Server.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	return s
}

func (s *benchServer) reset() {
	s.peak.Store(0)
	s.requests.Store(0)
	s.verifies.Store(0)
	s.conns.Store(0)
}

func (s *benchServer) serve(w http.ResponseWriter, r *http.Request) {
	now := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		p := s.peak.Load()
		if now <= p || s.peak.CompareAndSwap(p, now) {
			break
		}
	}
	s.requests.Add(1)
	if s.latency > 0 {
		// The server's side of the wire: its latency, not a wait for results.
		t := time.NewTimer(s.latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	host := strings.TrimPrefix(s.URL, "http://")
	switch r.URL.Path {
	case "/api/v2/instance":
		json.NewEncoder(w).Encode(map[string]any{
			"domain": host, "title": "Bench social", "version": "4.3.0",
			"source_url":    "https://github.com/mastodon/mastodon",
			"configuration": map[string]any{"statuses": map[string]any{"max_characters": 500}},
		})
	case "/api/v1/accounts/verify_credentials":
		s.verifies.Add(1)
		id, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer bench-token-")
		if !ok {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"The access token is invalid"}`)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{
			"id": id, "username": "user" + id, "acct": "user" + id, "display_name": "Bench user " + id,
			"avatar": "http://" + host + "/avatars/original/missing.png", "url": "http://" + host + "/@user" + id,
			"locked": false, "bot": false, "created_at": "2025-01-01T00:00:00.000Z",
		})
	default:
		http.NotFound(w, r)
	}
}

// BenchmarkHealthSweep5000 measures the startup sweep (Engine.sweep with
// force, as healthLoop runs it) over 5,000 Mastodon accounts whose instance
// is one local server, tokens in keyring.MockInit, through the engine's real
// path: store, keyring wrapper, Mastodon adapter over HTTP, transition.
//
// With a server latency of 10 ms the floor is server_bound_s = N × latency /
// maxChecksPerNetwork: the engine asks one server at most 4 things at once
// on purpose (politeness toward one instance and its rate limits), so the
// sweep is limited by the server when x_server_bound is close to 1. The
// latency=0s run is the app's own cost with a server that answers at once.
// Run with: go test -run '^$' -bench HealthSweep5000 -benchtime=1x ./core/
func BenchmarkHealthSweep5000(b *testing.B) {
	for _, latency := range []time.Duration{10 * time.Millisecond, 0} {
		b.Run("latency="+latency.String(), func(b *testing.B) { benchSweep(b, 5000, latency) })
	}
}

func benchSweep(b *testing.B, n int, latency time.Duration) {
	b.Setenv("SOCIALOMM_KEYRING", "mock")
	keyring.MockInit()
	ctx := context.Background()
	srv := newBenchServer(latency)
	defer srv.Close()
	e, err := Open(ctx, Options{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	instance, err := mastodon.NormalizeInstance(srv.URL)
	if err != nil {
		b.Fatal(err)
	}
	host := strings.TrimPrefix(instance, "http://")
	for i := 1; i <= n; i++ {
		id := fmt.Sprint(i)
		a, err := e.accountFor(ctx, mastodon.NetworkName, instance, id)
		if err != nil {
			b.Fatal(err)
		}
		profile := network.Profile{RemoteID: id, Handle: "@user" + id + "@" + host, DisplayName: "Bench user " + id}
		if _, err := e.storeSignIn(ctx, a, profile, network.Credentials{AccessToken: "bench-token-" + id}); err != nil {
			b.Fatal(err)
		}
	}
	var wall time.Duration
	var peak, requests, conns int64
	b.ResetTimer()
	for range b.N {
		srv.reset()
		began := time.Now()
		checked, _ := e.sweep(ctx, true)
		wall += time.Since(began)
		if checked != n {
			b.Fatalf("swept %d accounts, want %d", checked, n)
		}
		if got := srv.verifies.Load(); got != int64(n) {
			b.Fatalf("the server saw %d checks, want %d", got, n)
		}
		peak = max(peak, srv.peak.Load())
		requests += srv.requests.Load()
		conns += srv.conns.Load()
	}
	b.StopTimer()
	list, err := e.Accounts(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for _, a := range list {
		if a.State != account.Connected || a.LastError != "" {
			b.Fatalf("after the sweep account %d is %s %q", a.ID, a.State, a.LastError)
		}
	}
	perSweep := wall.Seconds() / float64(b.N)
	b.ReportMetric(perSweep, "wall_s")
	b.ReportMetric(float64(peak), "peak_concurrency")
	b.ReportMetric(maxChecksPerNetwork, "per_network_limit")
	b.ReportMetric(float64(requests)/float64(b.N), "requests/sweep")
	b.ReportMetric(float64(conns)/float64(b.N), "tcp_conns/sweep")
	b.ReportMetric(perSweep*1000/float64(n), "ms/check")
	if latency > 0 {
		bound := (time.Duration(n) * latency / maxChecksPerNetwork).Seconds()
		b.ReportMetric(bound, "server_bound_s")
		b.ReportMetric(perSweep/bound, "x_server_bound")
	}
}
