package core

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/socialomm/desktop/core/autostart"
	"github.com/socialomm/desktop/core/settings"
)

// AppID is SocialOmm's application id, as in FyneApp.toml (a test keeps
// them equal): the installed desktop entry, its icon and the autostart
// entry are named after it.
const AppID = "app.socialomm.desktop"

// AppCommand is the installed command's name (make package).
const AppCommand = "socialomm"

// BackgroundFlag starts SocialOmm with its engine and tray but no window.
const BackgroundFlag = "--background"

// AutostartKey is the setting that starts SocialOmm at login.
const AutostartKey = "app.autostart"

// settingHooks are the settings that live or act outside the database.
func (e *Engine) settingHooks() map[string]settings.Hook {
	return map[string]settings.Hook{
		AutostartKey: {
			Get: func(context.Context) (string, error) {
				on, err := autostart.Enabled(AppID)
				if err != nil {
					return "", err
				}
				if on {
					return "on", nil
				}
				return "off", nil
			},
			Set: func(_ context.Context, v string) error {
				if v == "on" {
					return autostart.Enable(e.autostartEntry())
				}
				return autostart.Disable(AppID)
			},
		},
		CalendarFolderKey: {
			Check: func(folder string) error {
				if folder == "" {
					return nil
				}
				if st, err := os.Stat(folder); err != nil || !st.IsDir() {
					return fmt.Errorf("%s is not a folder; create it first, or pick another", folder)
				}
				return nil
			},
			Changed: func(ctx context.Context, _ string) error {
				if err := e.writeKeptCalendar(ctx); err != nil {
					return fmt.Errorf("the calendar could not be written: %w", err)
				}
				return nil
			},
		},
	}
}

// autostartEntry starts this SocialOmm, in the background, on this data
// folder.
func (e *Engine) autostartEntry() autostart.Entry {
	return autostart.Entry{
		AppID:   AppID,
		Name:    "SocialOmm",
		Comment: "Keeps your social media profiles connected and your scheduled posts going out",
		Exec:    append([]string{commandPath()}, e.autostartArgs()...),
		Icon:    AppID,
	}
}

func (e *Engine) autostartArgs() []string {
	args := []string{BackgroundFlag}
	// The login session has none of this shell's SOCIALOMM_DATA_DIR, so
	// any folder but the usual one is named.
	if base, err := os.UserConfigDir(); err != nil || !sameFile(filepath.Join(base, "SocialOmm"), e.dataDir) {
		dir, err := filepath.Abs(e.dataDir)
		if err != nil {
			dir = e.dataDir
		}
		args = append(args, "--data-dir", dir)
	}
	return args
}

// commandPath is how the autostart entry names this program: "socialomm"
// when that finds this very binary on the PATH (an installed package, which
// then survives upgrades), else this binary's full path (a build run from
// its folder).
func commandPath() string {
	self, err := os.Executable()
	if err != nil {
		return AppCommand
	}
	if resolved, err := filepath.EvalSymlinks(self); err == nil {
		self = resolved
	}
	if onPath, err := exec.LookPath(AppCommand); err == nil && sameFile(onPath, self) {
		return AppCommand
	}
	return self
}

func sameFile(a, b string) bool {
	sa, err := os.Stat(a)
	if err != nil {
		return false
	}
	sb, err := os.Stat(b)
	return err == nil && os.SameFile(sa, sb)
}
