package notify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/gen2brain/beeep"

	"github.com/socialomm/desktop/assets"
)

// Desktop shows one desktop notification. The real one is BeeepDesktop;
// tests use fakes.
type Desktop interface {
	Notify(ctx context.Context, title, body string) error
}

// AppName is the name desktop notifications carry.
const AppName = "SocialOmm"

// IconFile is the app icon's file name in the icon folder.
const IconFile = "socialomm-notify-icon.png"

// BeeepDesktop shows notifications through beeep (D-Bus
// org.freedesktop.Notifications on Linux) with the app's name and icon.
type BeeepDesktop struct {
	// IconDir is where the app icon is written once for the notification
	// server to read; empty: a folder under the system's temp folder.
	IconDir string

	once     sync.Once
	iconPath string
	iconErr  error
}

// appNameOnce sets beeep's package-level app name once per process: beeep
// reads it on every call, so it must not be written concurrently.
var appNameOnce sync.Once

// Notify shows the notification. beeep does not take a context; a call
// that hangs (no answer on the bus) is left behind when ctx ends.
func (b *BeeepDesktop) Notify(ctx context.Context, title, body string) error {
	if !sessionBusReachable() {
		// godbus would otherwise autolaunch a stray dbus-daemon (a daemon
		// run headless, a terminal without a desktop session).
		return ErrNoDesktopSession
	}
	appNameOnce.Do(func() { beeep.AppName = AppName })
	b.once.Do(func() { b.iconPath, b.iconErr = writeIcon(b.IconDir) })
	icon := b.iconPath
	if b.iconErr != nil {
		icon = "dialog-information" // a stock icon rather than none
	}
	done := make(chan error, 1)
	go func() { done <- beeep.Notify(title, EscapeMarkup(body), icon) }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("no desktop notification could be shown (%v)", err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("the desktop's notification service did not answer: %w", ctx.Err())
	}
}

// markupEscaper turns the characters that start markup into entities.
var markupEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// EscapeMarkup makes text safe as a notification body. Servers that
// announce body-markup (Plasma, GNOME Shell, dunst) read the body as a
// subset of HTML: a post's "<b>" or "&amp;", or a server's error page,
// would otherwise be rendered (or, in a link tag, made clickable) rather
// than shown. The summary (title) is plain text by the specification and is
// sent as it is; those servers show it literally.
func EscapeMarkup(text string) string { return markupEscaper.Replace(text) }

// ErrNoDesktopSession means there is no desktop session to show a
// notification in.
var ErrNoDesktopSession = errors.New("there is no desktop session (no D-Bus session bus), so no desktop notification can be shown")

// sessionBusReachable reports whether a D-Bus session bus can be found
// without autolaunching one (Linux and BSD; elsewhere beeep needs none).
func sessionBusReachable() bool {
	if runtime.GOOS != "linux" && !strings.HasSuffix(runtime.GOOS, "bsd") {
		return true
	}
	return sessionBusIn(os.Getenv, fmt.Sprintf("/run/user/%d", os.Getuid()))
}

// sessionBusIn looks where godbus looks before autolaunching: the address
// in the environment, then a bus socket in the runtime folder.
func sessionBusIn(getenv func(string) string, userRunDir string) bool {
	if getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		return true
	}
	for _, dir := range []string{getenv("XDG_RUNTIME_DIR"), userRunDir} {
		if dir == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "bus")); err == nil {
			return true
		}
	}
	return false
}

// IconPath is the icon file's path once a notification was shown.
func (b *BeeepDesktop) IconPath() string { return b.iconPath }

func writeIcon(dir string) (string, error) {
	if dir == "" {
		dir = filepath.Join(os.TempDir(), fmt.Sprintf("socialomm-%d", os.Getuid()))
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(dir, IconFile)
	if cur, err := os.ReadFile(path); err == nil && string(cur) == string(assets.AppIconPNG) {
		// The notification server runs as the same user: private is enough.
		return path, os.Chmod(path, 0o600)
	}
	tmp, err := os.CreateTemp(dir, IconFile+".*")
	if err != nil {
		return "", err
	}
	if _, err := tmp.Write(assets.AppIconPNG); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return "", err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	return path, os.Rename(tmp.Name(), path)
}
