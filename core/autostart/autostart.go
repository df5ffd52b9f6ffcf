// Package autostart starts SocialOmm when the person logs in: an XDG
// autostart entry (a desktop entry in $XDG_CONFIG_HOME/autostart, see the
// freedesktop.org Desktop Application Autostart Specification). Whether it
// is on is read from the entry itself, so the setting cannot drift from
// what the desktop will do.
package autostart

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Entry is what the desktop starts at login.
type Entry struct {
	// AppID names the file: AppID + ".desktop".
	AppID   string
	Name    string
	Comment string
	// Exec is the command and its arguments, unquoted.
	Exec []string
	// Icon is the icon's name, as the installed package names it.
	Icon string
}

// Dir is the folder of autostart entries: $XDG_CONFIG_HOME/autostart, else
// ~/.config/autostart.
func Dir() (string, error) {
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "autostart"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the autostart folder: %w", err)
	}
	return filepath.Join(home, ".config", "autostart"), nil
}

// Path is where the entry for appID lives.
func Path(appID string) (string, error) {
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, appID+".desktop"), nil
}

// Enabled reports whether the desktop will start appID at login: its entry
// exists and is not hidden (Hidden=true is how a desktop's own settings
// turn an entry off without deleting it).
func Enabled(appID string) (bool, error) {
	path, err := Path(appID)
	if err != nil {
		return false, err
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read the autostart entry: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line == "Hidden=true" || line == "X-GNOME-Autostart-enabled=false" {
			return false, nil
		}
	}
	return true, nil
}

// Enable writes the entry, replacing any earlier one whole.
func Enable(e Entry) error {
	path, err := Path(e.AppID)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create the autostart folder: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+e.AppID+".*")
	if err != nil {
		return fmt.Errorf("write the autostart entry: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(Render(e))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write the autostart entry %s: %w", path, err)
	}
	return nil
}

// Disable removes the entry; one already gone is fine.
func Disable(appID string) error {
	path, err := Path(appID)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove the autostart entry: %w", err)
	}
	return nil
}

// Render is the entry's text (Desktop Entry Specification 1.4, the newest desktop-file-validate knows).
func Render(e Entry) []byte {
	var b bytes.Buffer
	b.WriteString("[Desktop Entry]\n")
	b.WriteString("Type=Application\n")
	b.WriteString("Version=1.4\n")
	fmt.Fprintf(&b, "Name=%s\n", escapeString(e.Name))
	if e.Comment != "" {
		fmt.Fprintf(&b, "Comment=%s\n", escapeString(e.Comment))
	}
	fmt.Fprintf(&b, "Exec=%s\n", execLine(e.Exec))
	if e.Icon != "" {
		fmt.Fprintf(&b, "Icon=%s\n", escapeString(e.Icon))
	}
	b.WriteString("Terminal=false\n")
	// Not a launcher of its own: the menu already has SocialOmm.
	b.WriteString("NoDisplay=true\n")
	b.WriteString("X-GNOME-Autostart-enabled=true\n")
	return b.Bytes()
}

// execLine quotes the arguments as the Exec key wants them: an argument
// with reserved characters goes in double quotes with ", `, $ and \
// escaped; % is doubled (field codes); and the whole is a string value, so
// its backslashes are escaped once more.
func execLine(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		a = strings.ReplaceAll(a, "%", "%%")
		if a == "" || strings.ContainsAny(a, " \t\n\"'\\><~|&;$*?#()`") {
			a = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "`", "\\`", `$`, `\$`).Replace(a) + `"`
		}
		quoted[i] = a
	}
	return escapeString(strings.Join(quoted, " "))
}

// escapeString escapes a value of type string (spec: Possible value types).
func escapeString(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\t", `\t`, "\r", `\r`).Replace(s)
}
