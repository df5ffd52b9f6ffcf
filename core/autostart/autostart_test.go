package autostart

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func entry(execArgs ...string) Entry {
	return Entry{AppID: "app.example.test", Name: "SocialOmm", Comment: "Keeps profiles connected", Exec: execArgs, Icon: "app.example.test"}
}

// validate runs desktop-file-validate, which prints nothing for an entry
// that is valid and needs no hints.
func validate(t *testing.T, path string) {
	t.Helper()
	tool, err := exec.LookPath("desktop-file-validate")
	if err != nil {
		t.Fatal("desktop-file-validate is missing: install the Debian package desktop-file-utils (scripts/install-test-deps.sh)")
	}
	out, err := exec.Command(tool, path).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("desktop-file-validate %s: %v\n%s\n--- entry:\n%s", path, err, out, readFile(t, path))
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestEnableWritesAValidEntryAndDisableRemovesIt(t *testing.T) {
	cases := []struct {
		name     string
		args     []string
		wantExec string
	}{
		{"on the PATH", []string{"socialomm", "--background"}, "Exec=socialomm --background"},
		{"path with spaces and quotes", []string{"/opt/My Apps/social\"omm", "--background", "--data-dir", "/home/ana/100% data"},
			`Exec="/opt/My Apps/social\\"omm" --background --data-dir "/home/ana/100%% data"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			config := t.TempDir()
			t.Setenv("XDG_CONFIG_HOME", config)
			if on, err := Enabled("app.example.test"); err != nil || on {
				t.Fatalf("before Enable: on=%v err=%v", on, err)
			}
			if err := Enable(entry(c.args...)); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(config, "autostart", "app.example.test.desktop")
			text := readFile(t, path)
			if !strings.Contains(text, "\n"+c.wantExec+"\n") {
				t.Errorf("entry lacks %q:\n%s", c.wantExec, text)
			}
			validate(t, path)
			if on, err := Enabled("app.example.test"); err != nil || !on {
				t.Fatalf("after Enable: on=%v err=%v", on, err)
			}
			if err := Disable("app.example.test"); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Fatalf("entry still there after Disable: %v", err)
			}
			if on, _ := Enabled("app.example.test"); on {
				t.Fatal("reads as on after Disable")
			}
			if err := Disable("app.example.test"); err != nil {
				t.Fatalf("a second Disable: %v", err)
			}
		})
	}
}

func TestEnabledReadsTheEntryNotAMemory(t *testing.T) {
	config := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", config)
	dir := filepath.Join(config, "autostart")
	path := filepath.Join(dir, "app.example.test.desktop")
	cases := []struct {
		name    string
		content string // "" removes the file
		want    bool
	}{
		{"written by hand", "[Desktop Entry]\nType=Application\nName=S\nExec=socialomm\n", true},
		{"hidden by the desktop's settings", "[Desktop Entry]\nType=Application\nName=S\nExec=socialomm\nHidden=true\n", false},
		{"turned off by GNOME", "[Desktop Entry]\nType=Application\nName=S\nExec=socialomm\nX-GNOME-Autostart-enabled=false\n", false},
		{"deleted by hand", "", false},
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if c.content == "" {
			os.Remove(path)
		} else if err := os.WriteFile(path, []byte(c.content), 0o644); err != nil {
			t.Fatal(err)
		}
		if on, err := Enabled("app.example.test"); err != nil || on != c.want {
			t.Errorf("%s: on=%v err=%v, want %v", c.name, on, err, c.want)
		}
	}
}

func TestDirDefaultsToTheHomeConfigFolder(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", "")
	got, err := Dir()
	if err != nil || got != filepath.Join(home, ".config", "autostart") {
		t.Fatalf("Dir() = %q, %v", got, err)
	}
}
