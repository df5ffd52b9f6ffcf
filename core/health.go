package core

import (
	"context"
	"hash/fnv"
	"sync"
	"time"

	"github.com/socialomm/desktop/core/account"
)

const (
	// maxChecksAtOnce bounds concurrent checks across all networks, and
	// maxChecksPerNetwork those against any one network, to stay inside its
	// rate limits.
	maxChecksAtOnce     = 8
	maxChecksPerNetwork = 4
	// healthTick is the longest the loop sleeps, so a suspended machine or a
	// clock that jumped is noticed within a minute of waking.
	healthTick = time.Minute
)

// healthLoop keeps every account's state true: it checks each one at start,
// then every check.interval_hours (spread by a per-account offset so 5,000
// accounts do not all ask at once), after the machine wakes or the clock
// jumps, and moves accounts into expiring and expired at the very moment the
// time comes, without waiting for a check.
func (e *Engine) healthLoop(ctx context.Context) {
	started := time.Now()
	n, wait := e.sweep(ctx, true)
	e.logger.Info("health sweep done", "accounts", n, "took", time.Since(started).Round(time.Millisecond))
	for {
		// Only the sleep is measured: a sweep that took minutes (thousands
		// of accounts) is not a suspend, and taking it for one forced the
		// next pass to check everything again.
		last := e.clock.Now()
		if wait > healthTick || wait <= 0 {
			wait = healthTick
		}
		select {
		case <-ctx.Done():
			return
		case <-e.clock.After(wait):
		}
		now := e.clock.Now()
		// Slept far longer than asked, or time went backwards: the machine
		// was suspended or the clock was changed. Check everything again.
		jumped := now.Sub(last) > wait+2*time.Minute || now.Before(last)
		_, wait = e.sweep(ctx, jumped)
	}
}

// untilNextTimeEvent is how long until one of the accounts crosses into its
// warning window or reaches its expiry; zero when none will.
func (e *Engine) untilNextTimeEvent(ctx context.Context, list []account.Account, now time.Time) time.Duration {
	window := time.Duration(e.settings.Int(ctx, "expiring.days")) * 24 * time.Hour
	best := time.Duration(0)
	consider := func(at time.Time) {
		if d := at.Sub(now); d > 0 && (best == 0 || d < best) {
			best = d
		}
	}
	for _, a := range list {
		if a.ExpiresAt == nil || a.State == account.Disconnected {
			continue
		}
		consider(*a.ExpiresAt)
		consider(a.ExpiresAt.Add(-window))
	}
	return best
}

// sweep applies time-based transitions to every account and checks those
// whose turn has come (all of them when force is set). It returns how many
// it checked, and how long until the next time-based transition, read from
// the same list so each pass queries the accounts once.
func (e *Engine) sweep(ctx context.Context, force bool) (int, time.Duration) {
	list, err := e.store.Accounts(ctx)
	if err != nil {
		e.logger.Warn("health: list accounts", "err", err)
		return 0, 0
	}
	now := e.clock.Now()
	interval := time.Duration(e.settings.Int(ctx, "check.interval_hours")) * time.Hour
	var due []account.Account
	for i, a := range list {
		a = e.settleByTime(ctx, a, now)
		list[i] = a
		if a.State == account.Disconnected {
			continue // nothing to learn until the person reconnects
		}
		if force || a.LastCheckedAt == nil || !now.Before(a.LastCheckedAt.Add(nextCheckIn(a, interval))) {
			due = append(due, a)
		}
	}
	e.checkAll(ctx, due)
	return len(due), e.untilNextTimeEvent(ctx, list, now)
}

// settleByTime moves an account into expiring or expired when its time has
// come, without asking the network.
func (e *Engine) settleByTime(ctx context.Context, a account.Account, now time.Time) account.Account {
	if a.State == account.Disconnected || a.ExpiresAt == nil {
		return a
	}
	before := a
	switch {
	case !now.Before(*a.ExpiresAt):
		a.State, a.Reason = account.Disconnected, account.ReasonExpired
	case a.State == account.Connected && e.liveState(ctx, now, a.ExpiresAt) == account.Expiring:
		a.State = account.Expiring
	default:
		return a
	}
	saved, err := e.transition(ctx, before, a, "")
	if err != nil {
		e.logger.Warn("health: save transition", "account", a.ID, "err", err)
		return before
	}
	return saved
}

// minRetry is the first wait after a check that could not reach the network.
const minRetry = 5 * time.Minute

// nextCheckIn is how long after its last check an account is checked again:
// the interval (spread by its jitter) normally; sooner after a check that
// could not reach the network, backing off as the trouble lasts: twice the
// time since the last good check, from 5 minutes up to the interval. The
// gap itself is the failure count, so nothing more needs storing.
func nextCheckIn(a account.Account, interval time.Duration) time.Duration {
	normal := interval + jitter(a.ID, interval)
	if a.LastError == "" || a.LastCheckedAt == nil || a.LastGoodCheckAt == nil {
		return normal
	}
	wait := 2 * a.LastCheckedAt.Sub(*a.LastGoodCheckAt)
	return max(minRetry, min(wait, normal))
}

// jitter spreads accounts' checks over a tenth of the interval, the same
// offset for an account every time.
func jitter(id int64, interval time.Duration) time.Duration {
	if interval <= 0 {
		return 0
	}
	h := fnv.New32a()
	var b [8]byte
	for i := range b {
		b[i] = byte(id >> (8 * i))
	}
	h.Write(b[:])
	return time.Duration(uint64(h.Sum32()) % uint64(interval/10+1))
}

// checkAll checks accounts with bounded concurrency, overall and per
// network. One account per server goes first (its scout); the others on
// that server wait for its outcome, so a server found unreachable is asked
// once and no other of its accounts reads the keyring (offline, each
// network's first four accounts at once read it four times over, one
// Secret Service call after another).
func (e *Engine) checkAll(ctx context.Context, list []account.Account) {
	if len(list) == 0 {
		return
	}
	all := make(chan struct{}, maxChecksAtOnce)
	perNetwork := map[string]chan struct{}{}
	scouted := map[string]chan struct{}{}
	var scouts, followers []account.Account
	for _, a := range list {
		if perNetwork[a.Network] == nil {
			perNetwork[a.Network] = make(chan struct{}, maxChecksPerNetwork)
		}
		if scouted[hostOf(a)] == nil {
			scouted[hostOf(a)] = make(chan struct{})
			scouts = append(scouts, a)
		} else {
			followers = append(followers, a)
		}
	}
	down := newUnreachableServers()
	batch := e.newOutcomeBatch(ctx)
	defer batch.close()
	var wg sync.WaitGroup
	// Every scout is started before any follower takes a slot, so a
	// follower waiting for its scout never holds the slot the scout needs.
	for i, a := range append(scouts, followers...) {
		if ctx.Err() != nil {
			break
		}
		scout := i < len(scouts)
		net := perNetwork[a.Network]
		net <- struct{}{}
		all <- struct{}{}
		wg.Add(1)
		go func(a account.Account) {
			defer func() { <-all; <-net; wg.Done() }()
			if scout {
				defer close(scouted[hostOf(a)])
			} else {
				select {
				case <-scouted[hostOf(a)]:
				case <-ctx.Done():
					return
				}
			}
			if _, err := e.check(ctx, a.ID, down, batch); err != nil && ctx.Err() == nil {
				e.logger.Warn("health: check", "account", a.ID, "err", err)
			}
		}(a)
	}
	wg.Wait()
}
