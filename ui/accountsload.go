package ui

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/core/account"
)

// accountsLoader reads the Accounts window's accounts off the UI goroutine:
// first a screenful and the counts, for the first frame, then all of them,
// and again whenever the engine says they changed. It shows each load with
// show, on the UI goroutine.
type accountsLoader struct {
	backend accountsBackend
	logger  func() *slog.Logger
	// show puts a load on screen: every account (counts nil), or the first
	// screenful with the counts of all. UI goroutine only.
	show func(list []account.Account, counts *account.Counts, err, keyringErr error)

	// loads runs one load at a time: changes come in bursts (the startup
	// sweep saves every account it checks).
	loads coalesce
	// first, until the first load ran, is where it goes for showFirst.
	first *firstList
	// keyringErr is the last keyring probe's answer, taken at probedAt;
	// only the running load touches them.
	keyringErr error
	probedAt   time.Time
	// firstFrame is closed once the window has shown its first list: the
	// rest of the accounts is read after that.
	firstFrame     chan struct{}
	firstFrameOnce sync.Once
}

// init readies a zero loader, in place (it holds locks).
func (l *accountsLoader) init(backend accountsBackend, logger func() *slog.Logger,
	show func([]account.Account, *account.Counts, error, error)) {
	l.backend, l.logger, l.show = backend, logger, show
	l.loads.gap = minReloadGap
	l.firstFrame = make(chan struct{})
}

// minReloadGap spaces reloads during a burst of changes.
const minReloadGap = 500 * time.Millisecond

// keyringProbeGap is how long a keyring probe's answer is trusted: reloads
// come every half second during a sweep, and each probe is a D-Bus call
// that searches the keyring.
const keyringProbeGap = 30 * time.Second

// firstScreenful is how many accounts the first frame reads: more rows than
// a maximised window shows.
const firstScreenful = 50

// firstList hands the first load from the loader to showFirst: show
// carries it (buffered, so the loader never waits to send), and taken is
// closed once it is shown or queued, so that no later list can overtake it.
type firstList struct {
	show  chan func()
	taken chan struct{}
}

// startLoading reads the accounts in the background from now on, and again
// whenever the engine says they changed. Call it before building the
// window, so the database is read while the widgets are made; showFirst
// then puts the first list in.
func (l *accountsLoader) startLoading() firstList {
	first := firstList{show: make(chan func(), 1), taken: make(chan struct{})}
	l.first = &first
	l.reload()
	// The window lives as long as the app: the subscription too.
	l.backend.Subscribe(func(core.ChangeKind) { l.reload() }, core.ChangeAccounts)
	return first
}

// showFirst waits up to wait for the first list and shows it at once,
// before the window shows, so the window's first frame has the profiles
// rather than "Loading…" (and a second full paint right after). A slower
// read leaves "Loading…" up and shows the list when it comes, as any later
// reload does. Nothing handles input until the window shows, so the wait
// blocks no one.
func (l *accountsLoader) showFirst(first firstList, wait time.Duration) {
	select {
	case show := <-first.show:
		show()
		close(first.taken)
	case <-time.After(wait):
		go func() {
			fyne.Do(<-first.show)
			close(first.taken)
		}()
	}
}

// firstShown lets the rest of the accounts load after the first screenful.
func (l *accountsLoader) firstShown() { l.firstFrameOnce.Do(func() { close(l.firstFrame) }) }

// reload reads the accounts off the UI goroutine and shows them; one load
// at a time, changes meanwhile ask for one more, and loads start at least
// minReloadGap apart.
func (l *accountsLoader) reload() {
	l.loads.run(func(f func()) { go f() }, l.load)
}

// load is one load; the first one reads only what the first frame shows.
func (l *accountsLoader) load() {
	started := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	// The keyring is asked beside the database, not after it: the first
	// list waits for whichever is slower, not for both.
	var probe sync.WaitGroup
	if l.probedAt.IsZero() || started.Sub(l.probedAt) >= keyringProbeGap {
		probe.Go(func() {
			l.keyringErr = l.backend.KeyringProblem(ctx)
			l.probedAt = time.Now()
		})
	}
	if first := l.first; first != nil {
		l.first = nil
		// The first frame needs only what it shows: the first screenful
		// and the counts, read by index whatever the number of accounts.
		// The rest is read once it is up.
		head, counts, err := l.readHead(ctx)
		probe.Wait()
		cancel()
		keyringErr := l.keyringErr
		l.logger().Debug("first accounts loaded", "count", len(head), "of", counts.Total,
			"took", time.Since(started).Round(time.Millisecond))
		partial := err == nil && counts.Total > len(head)
		var of *account.Counts
		if partial {
			of = &counts
		}
		first.show <- func() { l.show(head, of, err, keyringErr) }
		<-first.taken
		if !partial {
			return
		}
		<-l.firstFrame
		started = time.Now()
		ctx, cancel = context.WithTimeout(context.Background(), 15*time.Second)
	}
	list, err := l.backend.Accounts(ctx)
	loaded := time.Since(started)
	probe.Wait()
	cancel()
	keyringErr := l.keyringErr
	l.logger().Debug("accounts loaded", "count", len(list), "query", loaded.Round(time.Millisecond),
		"with keyring", time.Since(started).Round(time.Millisecond))
	fyne.Do(func() { l.show(list, nil, err, keyringErr) })
}

// readHead reads the first screenful and the counts.
func (l *accountsLoader) readHead(ctx context.Context) ([]account.Account, account.Counts, error) {
	counts, err := l.backend.CountAccounts(ctx)
	if err != nil {
		return nil, counts, err
	}
	head, err := l.backend.AccountsHead(ctx, firstScreenful)
	return head, counts, err
}
