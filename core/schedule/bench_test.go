package schedule

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/clock"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/store"
)

// The benchmark's database: 200,000 posts with 1,000,000 targets on five
// accounts, 90% published in the past, the rest scheduled over the next two
// months. Built once per test binary (only when the benchmark runs) and
// copied for each run.
const (
	benchPosts      = 200_000
	benchPerPost    = 5
	benchPublishedN = benchPosts * 9 / 10
)

var (
	benchOnce     sync.Once
	benchTemplate string
	benchErr      error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchTemplate != "" {
		os.RemoveAll(filepath.Dir(benchTemplate))
	}
	os.Exit(code)
}

func seedBench() (string, error) {
	dir, err := os.MkdirTemp("", "schedule-bench-")
	if err != nil {
		return "", err
	}
	ctx := context.Background()
	st, err := store.Open(ctx, dir, store.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		return "", err
	}
	defer st.Close()
	now := unix(t0)
	err = st.InTx(ctx, func(tx *sql.Tx) error {
		for a := 1; a <= benchPerPost; a++ {
			if _, err := tx.Exec(`INSERT INTO accounts (id, network, instance, remote_id, handle, state, created_at, updated_at)
				VALUES (?, 'mastodon', 'https://social.example', ?, ?, 'connected', ?, ?)`, a, fmt.Sprint(a), fmt.Sprintf("@u%d@social.example", a), now, now); err != nil {
				return err
			}
		}
		post, err := tx.Prepare(`INSERT INTO posts (id, text, scheduled_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer post.Close()
		target, err := tx.Prepare(`INSERT INTO post_targets (post_id, account_id, state, remote_id, remote_url, attempts,
			due_at, next_attempt_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer target.Close()
		for p := 1; p <= benchPosts; p++ {
			var at int64
			state, attempts := "published", 1
			if p <= benchPublishedN {
				at = now - int64(benchPublishedN-p+1)*600 // one every 10 minutes, back ~3.4 years
			} else {
				at = now + 86400 + int64(p-benchPublishedN)*240 // from tomorrow on
				state, attempts = "scheduled", 0
			}
			if _, err := post.Exec(p, fmt.Sprintf("Post number %d, with some words to make it a realistic size.", p), at, at, at); err != nil {
				return err
			}
			for a := 1; a <= benchPerPost; a++ {
				rid, url := "", ""
				if state == "published" {
					rid = fmt.Sprintf("%d%d", p, a)
					url = "https://social.example/@u/" + rid
				}
				if _, err := target.Exec(p, a, state, rid, url, attempts, at, at, at); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if _, err := st.DB().Exec(`ANALYZE`); err != nil {
		return "", err
	}
	return filepath.Join(dir, store.FileName), nil
}

func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

type noopPublisher struct{ n atomic.Int64 }

func (p *noopPublisher) Publish(context.Context, int64, string, string) (network.Published, error) {
	n := p.n.Add(1)
	return network.Published{RemoteID: fmt.Sprint("b", n), URL: fmt.Sprint("https://social.example/@u/b", n)}, nil
}

func (p *noopPublisher) FindPublished(context.Context, int64, string, time.Time) ([]network.Published, error) {
	return nil, nil
}

// BenchmarkClaimDue measures the scheduler's own cost per target (finding
// it due, claiming it, loading its text, storing the outcome) with 200,000
// posts and 1,000,000 targets in the database and a publisher that does
// nothing. Run with: go test -run '^$' -bench ClaimDue ./core/schedule/
func BenchmarkClaimDue(b *testing.B) {
	benchOnce.Do(func() {
		start := time.Now()
		benchTemplate, benchErr = seedBench()
		b.Logf("seeded %d posts, %d targets in %v", benchPosts, benchPosts*benchPerPost, time.Since(start).Round(time.Millisecond))
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	dir := b.TempDir()
	if err := copyFile(filepath.Join(dir, store.FileName), benchTemplate); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	clk := clock.NewFake(t0)
	st, err := store.Open(ctx, dir, store.Options{Now: clk.Now})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	// b.N posts due now, one target each, spread over the accounts.
	err = st.InTx(ctx, func(tx *sql.Tx) error {
		post, err := tx.Prepare(`INSERT INTO posts (text, scheduled_at, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`)
		if err != nil {
			return err
		}
		defer post.Close()
		target, err := tx.Prepare(`INSERT INTO post_targets (post_id, account_id, state, due_at, next_attempt_at, updated_at)
			VALUES (?, ?, 'scheduled', ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer target.Close()
		now := unix(t0)
		for i := range b.N {
			var id int64
			if err := post.QueryRow(fmt.Sprint("due ", i), now, now, now).Scan(&id); err != nil {
				return err
			}
			if _, err := target.Exec(id, i%benchPerPost+1, now, now, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	pub := &noopPublisher{}
	s := New(st, Options{Clock: clk, Publisher: pub})
	b.ResetTimer()
	done := 0
	for done < b.N {
		n, err := s.Tick(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			b.Fatalf("nothing due with %d of %d done", done, b.N)
		}
		done += n
	}
	b.StopTimer()
	if got := int(pub.n.Load()); got != b.N {
		b.Fatalf("published %d, want %d", got, b.N)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/target")
}
