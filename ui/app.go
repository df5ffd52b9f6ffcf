// Package ui draws SocialOmm with Fyne. It calls the engine in core and never
// the network or SQL itself; slow calls run off the UI goroutine and every
// widget change goes back through fyne.Do.
package ui

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/core/instance"
	// Before Fyne reads the locale: see the package comment.
	_ "github.com/socialomm/desktop/internal/cleanlocale"
)

// AppID is SocialOmm's reverse-DNS application id; FyneApp.toml has the same.
const AppID = "app.socialomm.desktop"

// Run opens the Accounts window and runs the engine until the person quits,
// or with background starts with the window hidden where there is a tray
// (see startInBackground),
// or ctx ends (SIGINT/SIGTERM): then the engine is stopped and exit is called
// without tearing the window down, since Fyne 2.7.1's GLFW driver can crash
// destroying a window while input events are still queued.
func Run(ctx context.Context, engine *core.Engine, lock *instance.Lock, logger *slog.Logger, exit func(int), background bool) error {
	logger.Debug("window starting")
	a := app.NewWithID(AppID)
	a.SetIcon(appIcon)
	a.Settings().SetTheme(newAppTheme())
	go warmBoldFont()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// The engine starts once the window shows its first list: its startup
	// sweep, recovery and notifications would otherwise compete with the
	// first frame for the same cores. Quitting before that starts it with
	// an ended context, so there is always one Run to wait for.
	engineDone := make(chan error, 1)
	var startOnce sync.Once
	startEngine := func(ctx context.Context) {
		startOnce.Do(func() { go func() { engineDone <- engine.Run(ctx) }() })
	}
	s := newShell(a, engine, logger, func() { startEngine(ctx) })
	// A second start asks this one to come forward; listen before the window
	// shows so a quick double-click never finds the lock without an answer.
	lock.Serve(func() { fyne.Do(s.showAccounts) })
	if background && s.startInBackground() {
		logger.Info("started in the background: the window shows from the tray, or when SocialOmm is started again")
	} else {
		if background {
			logger.Info("no system tray to start in, so the window shows: hidden, SocialOmm would be out of reach")
		}
		shown := time.Now()
		s.accounts.showWindow()
		logger.Debug("accounts window opened", "took", time.Since(shown).Round(time.Millisecond))
	}
	quit := make(chan struct{})
	go func() {
		select {
		case <-quit:
		case <-ctx.Done():
			startEngine(ctx)
			err := <-engineDone
			if err != nil {
				logger.Error("engine", "err", err)
				exit(1)
			}
			exit(0)
		}
	}()
	a.Run()
	close(quit)
	cancel()
	startEngine(ctx)
	return <-engineDone
}

// shell owns the app's windows; each is built once and reused.
type shell struct {
	app      fyne.App
	engine   *core.Engine
	logger   *slog.Logger
	accounts *accountsScreen
	tray     *tray
	others   map[string]fyne.Window
}

// warmBoldFont loads the bold font face on the second core while the UI
// goroutine builds the window with the regular one: each face costs the
// parse of the theme's fonts and a look-up among the system's, ~13 ms
// before the first frame. Measuring text is safe off the UI goroutine.
func warmBoldFont() {
	fyne.MeasureText("SocialOmm", theme.TextSize(), fyne.TextStyle{Bold: true})
}

// newShell builds the windows; firstLoad is called once the Accounts window
// shows its first list (or why it could not).
func newShell(a fyne.App, engine *core.Engine, logger *slog.Logger, firstLoad func()) *shell {
	s := &shell{app: a, engine: engine, logger: logger, others: map[string]fyne.Window{}}
	s.accounts = newUnbuiltAccountsScreen(a, engine, s.navigation())
	s.accounts.log = logger
	s.accounts.loadView(engine.Settings())
	// The database is read while the widgets are made.
	first := s.accounts.startLoading()
	built := time.Now()
	s.accounts.buildWindow()
	logger.Debug("accounts window built", "took", time.Since(built).Round(time.Millisecond))
	s.accounts.window.SetMaster()
	var offerOnce sync.Once
	s.accounts.onLoaded = func() {
		firstLoad()
		// Posts that waited (held, or missed while closed) wait for a choice.
		offerOnce.Do(func() { s.offerRelease(0) })
	}
	s.wireAccountActions()
	s.accounts.onShown = func(total int) {
		logger.Info("accounts window shows profiles", "count", total)
	}
	s.accounts.onListed = s.accountsShown
	s.accounts.onRedraw = func() { logger.Debug("countdown redraw") }
	s.setupTray()
	s.accounts.showFirst(first, firstListWait)
	return s
}

// firstListWait is how long start-up waits for the first list of accounts
// before showing the window with "Loading your profiles…" instead (5,000
// accounts take about 30 ms).
const firstListWait = 250 * time.Millisecond

// startInBackground starts everything but the window, where the tray can
// bring it back; it reports false (and starts nothing) where there is no
// tray, since a hidden window would then be out of the person's reach.
func (s *shell) startInBackground() bool {
	if s.tray == nil || s.tray.desk == nil {
		return false
	}
	s.accounts.releaseAnnouncement()
	return true
}

func (s *shell) showAccounts() {
	s.accounts.window.Show()
	s.accounts.window.RequestFocus()
}

func (s *shell) navigation() navigation {
	return navigation{
		compose:  s.showCompose,
		queue:    s.showQueue,
		settings: func() { s.showSettings() },
		quit:     s.app.Quit,
	}
}

func (s *shell) showSettings() {
	if w, ok := s.others["Settings"]; ok {
		w.Show()
		w.RequestFocus()
		return
	}
	w := s.app.NewWindow("SocialOmm — Settings")
	email := newEmailSection(w, emailServices{Settings: s.engine.Settings(), Notify: s.engine.Notify()})
	settingsScreen := newSettingsScreen(w, s.engine.Settings(), email)
	settingsScreen.tabs.Append(container.NewTabItem("Alerts", newAlertsSection(w, s.engine.Notify())))
	w.SetContent(settingsScreen.content)
	w.Resize(fyne.NewSize(640, 620))
	w.SetOnClosed(func() { delete(s.others, "Settings") })
	s.others["Settings"] = w
	w.Show()
}
