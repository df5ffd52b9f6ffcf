// Package devseed writes a realistic data set for benchmarks and for looking
// at the app at agency scale: networks mixed, expiries spread over 90 days,
// some connections lost, posts spread over a year in every target state.
// Seeded tokens go to the keyring like real ones.
package devseed

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/socialomm/desktop/core/secret"
	"github.com/socialomm/desktop/core/store"
)

// Options says how much to write.
type Options struct {
	Accounts int
	Posts    int
	// Now anchors the spread of expiries and post times.
	Now time.Time
	// Secrets receives one access token per account; nil writes none.
	Secrets secret.Store
	// Seed makes the data set repeatable.
	Seed uint64
	// Progress is told how far it got, now and then; may be nil.
	Progress func(done, total int)
}

// Result counts what was written.
type Result struct {
	Accounts, Posts, Targets int
}

var networks = []struct {
	name, instance string
	weight         int
}{
	{"mastodon", "https://mastodon.social", 30},
	{"mastodon", "https://fosstodon.org", 10},
	{"bluesky", "https://bsky.social", 20},
	{"x", "", 15},
	{"linkedin", "", 10},
	{"facebook", "", 10},
	{"instagram", "", 3},
	{"threads", "", 2},
}

var reasons = []string{"expired", "password_changed", "revoked", "invalid", "scope_lost"}

// targetStates are the outcomes of past posts. Publishing and retrying last
// minutes, not months, so only the latest posts have them: a stop leaves at
// most the scheduler's in-flight sends in publishing.
var targetStates = []struct {
	state  string
	weight int
}{
	{"published", 88}, {"failed", 4}, {"held", 4}, {"unconfirmed", 2},
}

const (
	interruptedSends = 8
	pendingRetries   = 16
)

var firstNames = []string{"Ana", "Bo", "Chen", "Dara", "Emil", "Fatou", "Goran", "Hana", "Ivo", "Jun", "Kemal", "Lea", "Mika", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tove"}
var brands = []string{"Bakery", "Studio", "Cycles", "Books", "Café", "Garden", "Records", "Clinic", "Yoga", "Roasters"}

// Seed writes the data set into st in a few large transactions.
func Seed(ctx context.Context, st *store.Store, opts Options) (Result, error) {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	rng := rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x5eed))
	var res Result
	var ids []int64
	total := opts.Accounts + opts.Posts
	err := st.InTx(ctx, func(tx *sql.Tx) error {
		ins, err := tx.PrepareContext(ctx, `INSERT INTO accounts (network, instance, remote_id, handle, display_name,
			state, reason, expires_at, last_checked_at, last_good_check_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`)
		if err != nil {
			return err
		}
		defer ins.Close()
		now := opts.Now.Unix()
		for i := 0; i < opts.Accounts; i++ {
			n := pickNetwork(rng)
			name := fmt.Sprintf("%s %s %d", firstNames[rng.IntN(len(firstNames))], brands[rng.IntN(len(brands))], i)
			user := fmt.Sprintf("user%d", i)
			handle := "@" + user
			switch n.name {
			case "mastodon":
				handle += "@" + n.instance[len("https://"):]
			case "bluesky":
				handle = "@" + user + ".bsky.social"
			}
			state, reason := "connected", ""
			var expires any = now + int64(rng.IntN(90*24*3600))
			switch r := rng.IntN(100); {
			case n.name == "facebook":
				expires = nil // Page connections never expire
			case r < 6:
				state, reason = "disconnected", reasons[rng.IntN(len(reasons))]
				if reason == "expired" {
					expires = now - int64(rng.IntN(30*24*3600))
				}
			case expires.(int64)-now < 14*24*3600:
				state = "expiring"
			}
			checked := now - int64(rng.IntN(6*3600))
			var id int64
			if err := ins.QueryRowContext(ctx, n.name, n.instance, fmt.Sprint(100000+i), handle, name, state, reason,
				expires, checked, checked, now, now).Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
			res.Accounts++
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	if opts.Progress != nil {
		opts.Progress(res.Accounts, total)
	}
	if opts.Secrets != nil {
		for i, id := range ids {
			a, err := st.Account(ctx, id)
			if err != nil {
				return res, err
			}
			key := a.Network + " " + a.Instance + " " + a.RemoteID
			item := secret.Tokens{AccessToken: fmt.Sprintf("seeded-token-%d-%x", id, rng.Uint64())}.Encode()
			if err := opts.Secrets.Set(ctx, secret.Credentials, key, item); err != nil {
				return res, fmt.Errorf("store seeded token %d of %d: %w", i+1, len(ids), err)
			}
		}
	}
	if len(ids) == 0 || opts.Posts == 0 {
		return res, nil
	}
	const batch = 20000
	for done := 0; done < opts.Posts; done += batch {
		n := min(batch, opts.Posts-done)
		err := st.InTx(ctx, func(tx *sql.Tx) error {
			post, err := tx.PrepareContext(ctx, `INSERT INTO posts (text, scheduled_at, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`)
			if err != nil {
				return err
			}
			defer post.Close()
			target, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO post_targets (post_id, account_id, state, remote_id, error,
				attempts, due_at, next_attempt_at, updated_at, hold_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
			if err != nil {
				return err
			}
			defer target.Close()
			for i := 0; i < n; i++ {
				// A year: most in the past, a quarter still to come. The
				// first few are the ones a stop interrupted minutes ago:
				// some on their way out, some waiting for a retry.
				at := opts.Now.Add(time.Duration(rng.IntN(365*24*3600)-270*24*3600) * time.Second).Unix()
				inFlight := ""
				next := int64(0)
				switch n := done + i; {
				case n < interruptedSends:
					at, inFlight = opts.Now.Add(-time.Duration(rng.IntN(300))*time.Second).Unix(), "publishing"
					next = at
				case n < interruptedSends+pendingRetries:
					at, inFlight = opts.Now.Add(-time.Duration(rng.IntN(3600))*time.Second).Unix(), "retrying"
					next = opts.Now.Add(time.Duration(60+rng.IntN(1800)) * time.Second).Unix()
				}
				var postID int64
				text := fmt.Sprintf("Post %d: news from the %s, with a link https://example.org/%d", done+i, brands[rng.IntN(len(brands))], done+i)
				if err := post.QueryRowContext(ctx, text, at, at, at).Scan(&postID); err != nil {
					return err
				}
				res.Posts++
				for k := 1 + rng.IntN(5); k > 0; k-- {
					state, nextAt := pickState(rng, at, opts.Now.Unix()), at
					if inFlight != "" {
						state, nextAt, k = inFlight, next, 1
					}
					remote, msg, hold := "", "", ""
					switch state {
					case "published":
						remote = fmt.Sprint(postID*10 + int64(k))
					case "failed":
						msg = "The network refused the post: text too long"
					case "held":
						hold = "account"
					}
					r, err := target.ExecContext(ctx, postID, ids[rng.IntN(len(ids))], state, remote, msg, rng.IntN(3), at, nextAt, at, hold)
					if err != nil {
						return err
					}
					if c, _ := r.RowsAffected(); c == 1 {
						res.Targets++
					}
				}
			}
			return nil
		})
		if err != nil {
			return res, err
		}
		if opts.Progress != nil {
			opts.Progress(res.Accounts+res.Posts, total)
		}
	}
	return res, nil
}

func pickNetwork(rng *rand.Rand) struct {
	name, instance string
	weight         int
} {
	total := 0
	for _, n := range networks {
		total += n.weight
	}
	r := rng.IntN(total)
	for _, n := range networks {
		if r < n.weight {
			return n
		}
		r -= n.weight
	}
	return networks[0]
}

// pickState gives future posts scheduled targets and past ones a realistic
// mix of outcomes.
func pickState(rng *rand.Rand, at, now int64) string {
	if at > now {
		if rng.IntN(10) == 0 {
			return "held"
		}
		return "scheduled"
	}
	total := 0
	for _, s := range targetStates {
		total += s.weight
	}
	r := rng.IntN(total)
	for _, s := range targetStates {
		if r < s.weight {
			return s.state
		}
		r -= s.weight
	}
	return "published"
}
