// Package core is SocialOmm's engine: everything that is not drawing. The
// Engine type is the one facade the UI and the command line call.
package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/clock"
	"github.com/socialomm/desktop/core/devseed"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/netclient"
	"github.com/socialomm/desktop/core/notify"
	"github.com/socialomm/desktop/core/schedule"
	"github.com/socialomm/desktop/core/secret"
	"github.com/socialomm/desktop/core/settings"
	"github.com/socialomm/desktop/core/store"
)

// Options wire an Engine. Zero values get working defaults.
type Options struct {
	DataDir    string
	Clock      clock.Clock
	Secrets    secret.Store
	Logger     *slog.Logger
	HTTPClient *http.Client
	// Networks are the networks offered; Networks() when empty.
	Networks Catalog
}

// Engine owns the store, the keyring and the background work.
type Engine struct {
	store    *store.Store
	settings *settings.Service
	secrets  secret.Store
	clock    clock.Clock
	logger   *slog.Logger
	http     *http.Client
	dataDir  string
	catalog  Catalog
	adapters map[string]network.Adapter
	keyed    *keyedNetworks
	posts    *schedule.Scheduler
	notify   *notify.Service

	mu sync.Mutex
	// subs are the Subscribe calls not cancelled, in order.
	subs         []*subscription
	refreshLocks map[int64]*sync.Mutex

	// custody holds renewed sign-ins the keyring did not take.
	custody custody
	// calendarMu keeps two calendar writes from racing on the revisions.
	calendarMu sync.Mutex
}

// DataDirEnv overrides the data folder.
const DataDirEnv = "SOCIALOMM_DATA_DIR"

// DefaultDataDir is $SOCIALOMM_DATA_DIR, else the user's config folder's
// SocialOmm folder (~/.config/SocialOmm on Linux).
func DefaultDataDir() (string, error) {
	if d := os.Getenv(DataDirEnv); d != "" {
		return d, nil
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the config folder: %w (set %s or --data-dir)", err, DataDirEnv)
	}
	return filepath.Join(base, "SocialOmm"), nil
}

// Open opens the engine on its data folder.
func Open(ctx context.Context, opts Options) (*Engine, error) {
	if opts.DataDir == "" {
		d, err := DefaultDataDir()
		if err != nil {
			return nil, err
		}
		opts.DataDir = d
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Secrets == nil {
		opts.Secrets = secret.NewKeyring()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if len(opts.Networks.Entries()) == 0 {
		opts.Networks = Networks()
	}
	// Every request the engine makes goes through one redirect policy: a
	// request carrying a profile's access never follows a redirect to
	// another scheme, host or port (netclient.CheckRedirect).
	opts.HTTPClient = netclient.Guard(opts.HTTPClient)
	endpoints, err := parseTestEndpoints(os.Getenv(TestEndpointsEnv))
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, opts.DataDir, store.Options{Now: opts.Clock.Now})
	if err != nil {
		return nil, err
	}
	e := &Engine{
		store:    st,
		settings: &settings.Service{Store: st, Secrets: opts.Secrets},
		secrets:  opts.Secrets,
		clock:    opts.Clock,
		logger:   opts.Logger,
		http:     opts.HTTPClient,
		dataDir:  opts.DataDir,
		catalog:  opts.Networks,
		adapters: map[string]network.Adapter{},
	}
	e.settings.Hooks = e.settingHooks()
	e.openNetworks(network.Deps{HTTP: opts.HTTPClient, Clock: opts.Clock, Apps: registrations{e}}, endpoints)
	e.openKeyed()
	e.posts = e.newScheduler()
	e.notify = notify.New(st, e.settings, notify.Options{Clock: opts.Clock, NetworkTitle: e.catalog.Title, Logger: opts.Logger.With("part", "notify"), IconDir: opts.DataDir,
		Secrets: opts.Secrets})
	return e, nil
}

// Close closes the store.
func (e *Engine) Close() error { return e.store.Close() }

// DataDir is the folder holding the database and log.
func (e *Engine) DataDir() string { return e.dataDir }

// Settings reads and writes settings.
func (e *Engine) Settings() *settings.Service { return e.settings }

// Now is the engine's clock.
func (e *Engine) Now() time.Time { return e.clock.Now() }

// Accounts lists every connected profile, those needing action first.
func (e *Engine) Accounts(ctx context.Context) ([]account.Account, error) {
	return e.store.Accounts(ctx)
}

// AccountsHead lists the first n accounts in the Accounts window's order,
// and CountAccounts counts them all by state and network; both by index,
// for a first frame that does not wait for every account.
func (e *Engine) AccountsHead(ctx context.Context, n int) ([]account.Account, error) {
	return e.store.AccountsHead(ctx, n)
}

func (e *Engine) CountAccounts(ctx context.Context) (account.Counts, error) {
	return e.store.CountAccounts(ctx)
}

// Account returns one account.
func (e *Engine) Account(ctx context.Context, id int64) (account.Account, error) {
	a, err := e.store.Account(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return a, fmt.Errorf("there is no account %d (see `socialomm accounts list`)", id)
	}
	return a, err
}

// Activity returns an account's newest activity log lines (0: all accounts).
func (e *Engine) Activity(ctx context.Context, accountID int64, limit int) ([]account.Activity, error) {
	return e.store.ActivityFor(ctx, accountID, limit)
}

type prober interface{ Probe(context.Context) error }

// KeyringProblem says why secrets cannot be stored, or nil when the keyring
// works. The UI shows it; nothing falls back to writing secrets to disk.
func (e *Engine) KeyringProblem(ctx context.Context) error {
	p, ok := e.secrets.(prober)
	if !ok {
		return nil
	}
	return p.Probe(ctx)
}

// Run runs the background work (connection checks, scheduler, notification
// outbox) until ctx ends.
func (e *Engine) Run(ctx context.Context) error {
	e.logger.Info("engine started", "data_dir", e.dataDir)
	// Read from the running store, so the log shows what posts are claimed
	// under (the e2e tests read this line).
	if p, err := e.store.Pragmas(ctx); err != nil {
		e.logger.Warn("could not read the store's settings", "err", err)
	} else {
		e.logger.Info("store durability", "journal_mode", p.JournalMode, "synchronous", p.Synchronous,
			"checked_connections", p.CheckedConns)
	}
	var wg sync.WaitGroup
	wg.Go(func() { e.healthLoop(ctx) })
	wg.Go(func() { e.keepCalendar(ctx) })
	wg.Go(func() {
		if err := e.notify.Run(ctx); err != nil && ctx.Err() == nil {
			e.logger.Error("notification outbox stopped", "err", err)
		}
	})
	wg.Go(func() { e.lateLoop(ctx) })
	wg.Go(func() {
		if err := e.posts.Run(ctx); err != nil && ctx.Err() == nil {
			e.logger.Error("scheduler stopped", "err", err)
		}
	})
	wg.Wait()
	e.logger.Info("engine stopped")
	return nil
}

// Seed writes a benchmark data set (socialomm dev seed).
func (e *Engine) Seed(ctx context.Context, opts devseed.Options) (devseed.Result, error) {
	defer e.changed()
	return devseed.Seed(ctx, e.store, opts)
}
