package ui

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"log/slog"
	"runtime"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"github.com/fyne-io/oksvg"
	"github.com/godbus/dbus/v5"
	"github.com/srwiley/rasterx"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/notify"
)

const (
	// trayWatcherName is the bus name of the StatusNotifierWatcher. Fyne's
	// systray on Linux registers its icon there and says nothing when
	// nobody owns it: the icon is then simply nowhere to be seen.
	trayWatcherName = "org.kde.StatusNotifierWatcher"

	// trayNoteShownKey remembers (in Fyne's preferences) that the person
	// was told SocialOmm keeps running in the tray after its window
	// closes, so it is said once, not on every close.
	trayNoteShownKey = "tray.keepsRunningNoteShown"

	// trayIconSize is the side of the tray icon in pixels: the tray host
	// scales it to the panel, and 64 stays sharp on HiDPI panels.
	trayIconSize = 64

	trayLoadingText = "Loading your profiles…"
	trayOpenText    = "Open SocialOmm"
	// trayQuitText is also the label Fyne gives the Quit item it adds
	// itself; ours is marked IsQuit so Fyne does not add a second one.
	trayQuitText = "Quit"

	quitQuestionTitle = "Quit SocialOmm?"
	quitQuestionText  = "There is no system tray on this desktop, so SocialOmm cannot keep checking your profiles " +
		"and sending scheduled posts after its window closes."
)

// setupTray puts SocialOmm in the system tray where the desktop has one, and
// decides what closing the Accounts window does.
func (s *shell) setupTray() {
	t := newTray(s.app, s.accounts.window, s.logger, s.showAccounts, s.app.Quit)
	t.setup()
	s.tray = t
}

// accountsShown tells the tray the accounts now on screen.
func (s *shell) accountsShown(list []account.Account) {
	if s.tray != nil {
		s.tray.show(list)
	}
}

// tray is SocialOmm's icon and menu in the system tray, and what closing the
// Accounts window does: hide it to the tray where there is one, so checks and
// scheduled posts go on, and otherwise ask whether to quit. All its methods
// run on the UI goroutine.
type tray struct {
	app    fyne.App
	window fyne.Window // the Accounts window
	logger *slog.Logger
	open   func() // shows the Accounts window
	quit   func()

	// watcherPresent reports whether a StatusNotifierWatcher is there to
	// show the icon. It asks the session bus; unit tests replace it so they
	// never touch D-Bus.
	watcherPresent func() (bool, error)

	// desk is the desktop's tray; nil when there is none.
	desk      desktop.App
	menu      *fyne.Menu
	countItem *fyne.MenuItem
	// normalIcon and attentionIcon are the tray icons as PNG: tray hosts
	// take pixels, not SVG. icon is the one showing.
	normalIcon, attentionIcon fyne.Resource
	icon                      fyne.Resource
	// attention is how many profiles the tray says need the person; -1
	// before the first load.
	attention int
	// asking is set while the quit question is on screen.
	asking bool
}

func newTray(a fyne.App, w fyne.Window, logger *slog.Logger, open, quit func()) *tray {
	return &tray{
		app: a, window: w, logger: logger, open: open, quit: quit,
		watcherPresent: sessionHasTrayWatcher,
		attention:      -1,
	}
}

// setup shows the tray icon where the desktop has a tray and takes over the
// Accounts window's close button either way.
func (t *tray) setup() {
	defer t.window.SetCloseIntercept(t.closeRequested)

	desk, ok := t.app.(desktop.App)
	if !ok {
		t.logger.Info("no system tray on this desktop (the window driver has none); closing the window will ask whether to quit")
		return
	}
	if present, err := t.watcherPresent(); !present {
		args := []any{}
		if err != nil {
			args = append(args, "err", err)
		}
		t.logger.Info("no system tray on this desktop (no StatusNotifierWatcher on the session bus); closing the window will ask whether to quit", args...)
		return
	}

	t.normalIcon = trayPNG(trayIcon, "tray.png")
	t.attentionIcon = trayPNG(trayAttentionIcon, "tray-attention.png")
	t.countItem = fyne.NewMenuItem(trayLoadingText, t.open)
	quit := fyne.NewMenuItem(trayQuitText, t.quit)
	quit.IsQuit = true
	t.menu = fyne.NewMenu("SocialOmm",
		t.countItem,
		fyne.NewMenuItem(trayOpenText, t.open),
		fyne.NewMenuItemSeparator(),
		quit,
	)
	t.desk = desk
	t.icon = t.normalIcon
	desk.SetSystemTrayIcon(t.icon)
	desk.SetSystemTrayMenu(t.menu)
	// A click on the icon itself brings the window back (the menu is on
	// the other button). This sets a close intercept of its own, which the
	// deferred one above replaces.
	desk.SetSystemTrayWindow(t.window)
	t.logger.Info("system tray ready")
}

// show puts the accounts' attention state in the tray: the count as the
// menu's first item and the attention icon while any profile needs the
// person.
func (t *tray) show(list []account.Account) {
	if t.desk == nil {
		return
	}
	_, needing := attentionSummary(list)
	n := len(needing)
	label := trayCountText(len(list), n)
	icon := t.normalIcon
	if n > 0 {
		icon = t.attentionIcon
	}
	if icon != t.icon {
		t.icon = icon
		t.desk.SetSystemTrayIcon(icon)
	}
	if label != t.countItem.Label {
		t.countItem.Label = label
		// Setting the same menu again rebuilds the tray's copy of it.
		t.desk.SetSystemTrayMenu(t.menu)
	}
	if n != t.attention {
		if n > 0 {
			t.logger.Info("tray shows attention", "count", n)
		} else {
			t.logger.Info("tray shows no attention")
		}
		t.attention = n
	}
}

// trayCountText is the tray menu's first line.
func trayCountText(total, needing int) string {
	switch {
	case total == 0:
		return "No profiles connected yet"
	case needing == 0:
		return "All profiles connected"
	case needing == 1:
		return "1 profile needs attention"
	}
	return notify.Count(needing) + " profiles need attention"
}

// closeRequested runs when the person closes the Accounts window.
func (t *tray) closeRequested() {
	if t.desk != nil {
		t.window.Hide()
		t.noteKeepsRunning()
		return
	}
	t.askQuit()
}

// noteKeepsRunning tells the person, the first time the window hides, that
// SocialOmm is still there. A desktop notification rather than a dialog: the
// person asked for the window to go away, and a notification says it without
// holding the window open for another click.
func (t *tray) noteKeepsRunning() {
	prefs := t.app.Preferences()
	if prefs.BoolWithFallback(trayNoteShownKey, false) {
		return
	}
	prefs.SetBool(trayNoteShownKey, true)
	t.app.SendNotification(fyne.NewNotification("SocialOmm is still running",
		"It keeps checking your profiles and sending scheduled posts. "+
			"Open it again from its icon in the system tray, where Quit stops it."))
}

// askQuit asks whether to quit, where closing cannot hide to a tray.
func (t *tray) askQuit() {
	if t.asking {
		t.window.RequestFocus()
		return
	}
	t.asking = true
	t.logger.Info("closing the window asks whether to quit (no system tray)")
	d := dialog.NewConfirm(quitQuestionTitle, quitQuestionText, func(quit bool) {
		t.asking = false
		if quit {
			t.quit()
		}
	}, t.window)
	d.SetConfirmText("Quit")
	d.SetDismissText("Keep open")
	d.Show()
}

// trayPNG draws an SVG icon as a PNG resource: Fyne hands the tray icon's
// bytes to the tray host as they are, and Linux, Windows and macOS hosts
// read PNG, not SVG. The resource is returned unchanged if it cannot be
// drawn, so the tray still gets something.
func trayPNG(res fyne.Resource, name string) fyne.Resource {
	img, err := drawSVG(res.Content(), trayIconSize)
	if err != nil {
		fyne.LogError("drawing the tray icon "+res.Name(), err)
		return res
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		fyne.LogError("encoding the tray icon "+res.Name(), err)
		return res
	}
	return fyne.NewStaticResource(name, buf.Bytes())
}

// drawSVG renders a square SVG at size×size pixels.
func drawSVG(svg []byte, size int) (img *image.NRGBA, err error) {
	icon, err := oksvg.ReadIconStream(bytes.NewReader(svg))
	if err != nil {
		return nil, err
	}
	icon.SetTarget(0, 0, float64(size), float64(size))
	img = image.NewNRGBA(image.Rect(0, 0, size, size))
	scanner := rasterx.NewScannerGV(size, size, img, img.Bounds())
	// oksvg can panic on SVG it does not understand; ours are fixed, but a
	// broken icon must not take the app down.
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("drawing SVG: %v", r)
		}
	}()
	icon.Draw(rasterx.NewDasher(size, size, scanner), 1)
	return img, nil
}

// sessionHasTrayWatcher reports whether a StatusNotifierWatcher owns its
// name on the session bus: on Linux and the BSDs the tray icon shows only
// through one. Other systems always have their tray. It never starts a bus
// (no autolaunch) and gives up after two seconds.
func sessionHasTrayWatcher() (bool, error) {
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly":
	default:
		return true, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	conn, err := dbus.SessionBusPrivateNoAutoStartup(dbus.WithContext(ctx))
	if err != nil {
		return false, fmt.Errorf("session bus: %w", err)
	}
	defer conn.Close()
	if err := conn.Auth(nil); err != nil {
		return false, fmt.Errorf("session bus: %w", err)
	}
	if err := conn.Hello(); err != nil {
		return false, fmt.Errorf("session bus: %w", err)
	}
	var has bool
	if err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, trayWatcherName).Store(&has); err != nil {
		return false, fmt.Errorf("asking the session bus for %s: %w", trayWatcherName, err)
	}
	return has, nil
}
