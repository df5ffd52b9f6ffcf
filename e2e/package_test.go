package e2e

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socialomm/desktop/cli"
	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/internal/testbed"
)

// TestPackageInstallsSocialomm runs `make package` as a person would,
// unpacks the tarball into a temp prefix and checks what it installs: the
// command socialomm (not the module's last path element), a desktop entry
// that desktop-file-validate accepts without a word, Exec=socialomm, and
// a command that starts.
func TestPackageInstallsSocialomm(t *testing.T) {
	validate, err := exec.LookPath("desktop-file-validate")
	if err != nil {
		t.Fatal("desktop-file-validate is missing: install the Debian package desktop-file-utils (scripts/install-test-deps.sh)")
	}
	root := testbed.Root(t)
	tarball := filepath.Join(root, "SocialOmm.tar.xz")
	os.Remove(tarball)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	mk := exec.CommandContext(ctx, "make", "package")
	mk.Dir = root
	if out, err := mk.CombinedOutput(); err != nil {
		t.Fatalf("make package: %v\n%s", err, out)
	}
	t.Cleanup(func() { os.Remove(tarball) })

	prefix := t.TempDir()
	if out, err := exec.Command("tar", "-xJf", tarball, "-C", prefix).CombinedOutput(); err != nil {
		t.Fatalf("unpack %s: %v\n%s", tarball, err, out)
	}
	var bins, entries []string
	err = filepath.WalkDir(prefix, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch filepath.Base(filepath.Dir(path)) {
		case "bin":
			bins = append(bins, path)
		case "applications":
			entries = append(entries, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(bins) != 1 || filepath.Base(bins[0]) != core.AppCommand {
		t.Fatalf("the package installs the commands %v, want one called %s", bins, core.AppCommand)
	}
	if len(entries) != 1 || filepath.Base(entries[0]) != core.AppID+".desktop" {
		t.Fatalf("the package installs the desktop entries %v, want %s.desktop", entries, core.AppID)
	}
	entry, err := os.ReadFile(entries[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(entry), "\nExec="+core.AppCommand+"\n") {
		t.Errorf("the desktop entry does not start %s:\n%s", core.AppCommand, entry)
	}
	// No output at all: no errors, no warnings, no hints (one main
	// category, for one).
	if out, err := exec.Command(validate, entries[0]).CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("desktop-file-validate: %v\n%s\n--- entry:\n%s", err, out, entry)
	}

	// The installed command starts, in an empty home.
	run := exec.CommandContext(ctx, bins[0], "version")
	run.Env = append(os.Environ(), "HOME="+t.TempDir(), "XDG_CONFIG_HOME=", "SOCIALOMM_DATA_DIR=")
	out, err := run.CombinedOutput()
	if err != nil || string(out) != "SocialOmm "+cli.Version+"\n" {
		t.Fatalf("%s version: %v, %q", bins[0], err, out)
	}
}
