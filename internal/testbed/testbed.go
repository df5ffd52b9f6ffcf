// Package testbed starts the real services the integration tests in e2e/
// run against: gnome-keyring on the session bus, Xvfb, dunst with a
// dbus-monitor capture of every notification, Mailpit, GoToSocial, and the
// app binary itself.
//
// Rules every helper keeps:
//   - every port is chosen free at start and bound to 127.0.0.1;
//   - nothing sleeps: readiness is read from the service (Xvfb's -displayfd,
//     gdbus wait, an HTTP or TCP poll on a ticker with a deadline);
//   - every process is stopped by t.Cleanup (or its Stop method), and its
//     captured output is logged when the test failed;
//   - a missing service or binary fails the test, naming what is missing and
//     that `make test` installs it. Nothing is skipped.
//
// Tests in a package using testbed should call testbed.Main from TestMain so
// the per-process temp directories are removed at the end.
package testbed

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Locale is the LANG every child process gets. Fyne 2.7 logs "Error parsing
// user locale C" under LANG=C.UTF-8 (measured on Debian 12; plain LANG=C
// and en_US.UTF-8 log nothing), so the tests use en_US.UTF-8. Fyne parses
// LANG itself and is happy even when the C library lacks that locale;
// scripts/install-test-deps.sh generates it anyway so C code (GLFW's input
// method setup, dunst: "No locale support") gets UTF-8 too.
const Locale = "en_US.UTF-8"

// process-wide state: the test binary has one environment, so HOME and the
// app build are set up once per process, not per test.
var (
	procOnce  sync.Once
	procHome  string
	procErr   error
	tempMu    sync.Mutex
	tempDirs  []string
	rootOnce  sync.Once
	rootDir   string
	rootErr   error
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// Main runs the tests and then removes the per-process temp directories
// (the isolated HOME, the app build). Use it from TestMain:
//
//	func TestMain(m *testing.M) { testbed.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	tempMu.Lock()
	for _, d := range tempDirs {
		os.RemoveAll(d)
	}
	tempMu.Unlock()
	os.Exit(code)
}

// processTempDir makes a directory that lives as long as the test process.
func processTempDir(pattern string) (string, error) {
	d, err := os.MkdirTemp("", pattern)
	if err != nil {
		return "", err
	}
	tempMu.Lock()
	tempDirs = append(tempDirs, d)
	tempMu.Unlock()
	return d, nil
}

// Root is the repository root: the directory holding go.mod, found by
// walking up from the test's working directory.
func Root(t testing.TB) string {
	t.Helper()
	rootOnce.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			rootErr = err
			return
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				rootDir = dir
				return
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				rootErr = fmt.Errorf("no go.mod above the working directory")
				return
			}
			dir = parent
		}
	})
	if rootErr != nil {
		t.Fatalf("testbed: finding the repository root: %v", rootErr)
	}
	return rootDir
}

// ArtifactsDir is <root>/artifacts (ignored by git), where screenshots go
// so a person can look at them after a run.
func ArtifactsDir(t testing.TB) string {
	t.Helper()
	d := filepath.Join(Root(t), "artifacts")
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatalf("testbed: %v", err)
	}
	return d
}

// cachedBin is a binary scripts/testbed-deps.sh builds into .cache/bin.
func cachedBin(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(Root(t), ".cache", "bin", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s not found at %s: the test bed builds it with scripts/testbed-deps.sh; run `make test`, which builds it", name, p)
	}
	return p
}

// debianTools maps a command to the Debian package that provides it, for
// the failure message when it is missing.
var debianTools = map[string]string{
	"gnome-keyring-daemon": "gnome-keyring",
	"gdbus":                "libglib2.0-bin",
	"secret-tool":          "libsecret-tools",
	"Xvfb":                 "xvfb",
	"dunst":                "dunst",
	"dbus-monitor":         "dbus (dbus-x11)",
	"dbus-run-session":     "dbus (dbus-x11)",
	"import":               "imagemagick",
	"xdotool":              "xdotool",
	"xwininfo":             "x11-utils",
	"chromium":             "chromium",
	"go":                   "the Go toolchain",
}

// LookTool finds a system command on PATH, or fails the test naming the
// Debian package that provides it.
func LookTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		pkg := debianTools[name]
		if pkg == "" {
			pkg = name
		}
		t.Fatalf("%s not found: the test bed needs Debian %s; run `make test`, which installs it", name, pkg)
	}
	return p
}

// RequireSessionBus fails the test unless a D-Bus session bus is set.
// Keyring code must never run without one: go-keyring's D-Bus library then
// launches stray daemons.
func RequireSessionBus(t testing.TB) {
	t.Helper()
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		t.Fatalf("DBUS_SESSION_BUS_ADDRESS is not set: the integration tests need their own session bus; run them under dbus-run-session, as `make test` (scripts/test-integration.sh) does")
	}
}

// Home points HOME (and the XDG directories) of this test process at a
// temp directory, once per process, so nothing a test runs in-process or
// starts as a child touches the real home. Go's build and module caches are
// pinned to their real locations first, so `go build` stays warm.
// It returns the isolated HOME.
func Home(t testing.TB) string {
	t.Helper()
	procOnce.Do(func() { procHome, procErr = isolateHome() })
	if procErr != nil {
		t.Fatalf("testbed: isolating HOME: %v", procErr)
	}
	return procHome
}

func isolateHome() (string, error) {
	// Capture the Go settings the real HOME gives (go env reads
	// $HOME/.config/go/env and defaults GOCACHE under $HOME/.cache).
	goVars := []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOPROXY", "GOSUMDB", "GONOSUMDB", "GOPRIVATE", "GONOPROXY", "GOFLAGS", "GOTOOLCHAIN"}
	if goBin, err := exec.LookPath("go"); err == nil {
		out, err := exec.Command(goBin, append([]string{"env", "-json"}, goVars...)...).Output()
		if err != nil {
			return "", fmt.Errorf("go env: %w", err)
		}
		var env map[string]string
		if err := json.Unmarshal(out, &env); err != nil {
			return "", fmt.Errorf("go env: %w", err)
		}
		for _, k := range goVars {
			if v := env[k]; v != "" {
				if err := os.Setenv(k, v); err != nil {
					return "", err
				}
			}
		}
	}
	home, err := processTempDir("socialomm-home-")
	if err != nil {
		return "", err
	}
	for k, v := range map[string]string{
		"HOME":            home,
		"XDG_CONFIG_HOME": filepath.Join(home, ".config"),
		"XDG_DATA_HOME":   filepath.Join(home, ".local", "share"),
		"XDG_CACHE_HOME":  filepath.Join(home, ".cache"),
		"XDG_STATE_HOME":  filepath.Join(home, ".local", "state"),
	} {
		if err := os.MkdirAll(v, 0o700); err != nil {
			return "", err
		}
		if err := os.Setenv(k, v); err != nil {
			return "", err
		}
	}
	if err := os.Setenv("LANG", Locale); err != nil {
		return "", err
	}
	os.Unsetenv("LC_ALL")
	return home, nil
}

// Env is the environment for a child process: this process's environment
// (with the isolated HOME) plus the given KEY=VALUE pairs, which win.
func Env(t testing.TB, extra ...string) []string {
	t.Helper()
	Home(t)
	keys := map[string]bool{}
	for _, kv := range extra {
		k, _, _ := strings.Cut(kv, "=")
		keys[k] = true
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !keys[k] {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// TempHome is environment entries giving a child process a fresh HOME and
// XDG directories of its own under t.TempDir(), so two app runs in one test
// process share no Fyne preferences or caches. Append them to Env's extra.
func TempHome(t testing.TB) []string {
	t.Helper()
	home := t.TempDir()
	env := []string{"HOME=" + home}
	for k, rel := range map[string]string{
		"XDG_CONFIG_HOME": ".config",
		"XDG_DATA_HOME":   ".local/share",
		"XDG_CACHE_HOME":  ".cache",
		"XDG_STATE_HOME":  ".local/state",
	} {
		dir := filepath.Join(home, rel)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatalf("testbed: %v", err)
		}
		env = append(env, k+"="+dir)
	}
	return env
}

// BuildBinary builds the app (the main package at the repository root)
// once per test process and returns the binary's path.
func BuildBinary(t testing.TB) string {
	t.Helper()
	root := Root(t)
	goBin := LookTool(t, "go")
	Home(t)
	buildOnce.Do(func() {
		dir, err := processTempDir("socialomm-bin-")
		if err != nil {
			buildErr = err
			return
		}
		out := filepath.Join(dir, "socialomm")
		cmd := exec.Command(goBin, "build", "-o", out, ".")
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build . in %s: %v\n%s", root, err, b)
			return
		}
		buildPath = out
	})
	if buildErr != nil {
		t.Fatalf("testbed: building the app: %v", buildErr)
	}
	return buildPath
}
