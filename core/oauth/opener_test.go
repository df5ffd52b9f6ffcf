package oauth

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// fakeBrowser writes a script that records its arguments, one per line after
// their count, into out. It writes to a temporary file and renames it, so the
// file appears complete or not at all.
func fakeBrowser(t *testing.T, dir, name, out string) string {
	t.Helper()
	script := "#!/bin/sh\n" +
		"{ printf '%s\\n' \"$#\"; for a in \"$@\"; do printf '%s\\n' \"$a\"; done; } > '" + out + ".tmp'\n" +
		"mv '" + out + ".tmp' '" + out + "'\n"
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// waitForFile polls for path until a deadline, without sleeping blindly.
func waitForFile(t *testing.T, path string) []string {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for {
		if b, err := os.ReadFile(path); err == nil {
			return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("%s never appeared", path)
		}
	}
}

func TestSystemOpener(t *testing.T) {
	dir := t.TempDir()
	pwned := filepath.Join(dir, "pwned")
	// A URL a shell would mangle: it must arrive as one argument, verbatim.
	target := `http://127.0.0.1:1234/authorize?a=1&b=two words;$(touch ` + pwned + `)` + "`touch " + pwned + "`" + `&c='q"`
	cases := []struct {
		name      string
		socialomm string // "" unset; "A"/"B" pick a fake browser
		browser   string
		want      string // which fake ran
	}{
		{"SOCIALOMM_BROWSER wins over BROWSER", "A", "B", "A"},
		{"BROWSER alone", "", "B", "B"},
		{"BROWSER list: first entry", "", "B:A", "B"},
		{"BROWSER list with empty first entry", "", ":A:B", "A"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			outA := filepath.Join(dir, "a-out-"+string(rune('0'+i)))
			outB := filepath.Join(dir, "b-out-"+string(rune('0'+i)))
			paths := map[string]string{
				"A": fakeBrowser(t, dir, "browser-a-"+string(rune('0'+i)), outA),
				"B": fakeBrowser(t, dir, "browser-b-"+string(rune('0'+i)), outB),
			}
			outs := map[string]string{"A": outA, "B": outB}
			expand := func(v string) string {
				for k, p := range paths {
					v = strings.ReplaceAll(v, k, p)
				}
				return v
			}
			t.Setenv("SOCIALOMM_BROWSER", expand(tc.socialomm))
			t.Setenv("BROWSER", expand(tc.browser))

			logger, logBuf := captureLog()
			if err := SystemOpener(logger)(context.Background(), target); err != nil {
				t.Fatalf("open: %v", err)
			}
			got := waitForFile(t, outs[tc.want])
			if want := []string{"1", target}; !slices.Equal(got, want) {
				t.Fatalf("arguments %q, want %q", got, want)
			}
			other := map[string]string{"A": "B", "B": "A"}[tc.want]
			if _, err := os.Stat(outs[other]); err == nil {
				t.Fatalf("browser %s ran too", other)
			}
			if _, err := os.Stat(pwned); err == nil {
				t.Fatal("a shell interpreted the URL")
			}
			if strings.Contains(logBuf.String(), "two words") {
				t.Fatal("the URL was logged")
			}
		})
	}
}

func TestSystemOpenerErrors(t *testing.T) {
	const target = "http://127.0.0.1:1/authorize?state=SECRETSTATE"
	t.Setenv("SOCIALOMM_BROWSER", filepath.Join(t.TempDir(), "no-such-browser"))
	err := SystemOpener(nil)(context.Background(), target)
	if err == nil {
		t.Fatal("missing browser: no error")
	}
	if strings.Contains(err.Error(), "SECRETSTATE") {
		t.Fatalf("error carries the URL: %v", err)
	}
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("error %v is not ErrNotExist", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := SystemOpener(nil)(ctx, target); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled ctx: %v", err)
	}
}

func TestBrowserCommand(t *testing.T) {
	cases := []struct {
		name     string
		env      map[string]string
		goos     string
		wantName string
		wantArgs []string
	}{
		{"linux default", nil, "linux", "xdg-open", nil},
		{"freebsd default", nil, "freebsd", "xdg-open", nil},
		{"macOS default", nil, "darwin", "open", nil},
		{"windows default", nil, "windows", "rundll32", []string{"url.dll,FileProtocolHandler"}},
		{"SOCIALOMM_BROWSER first", map[string]string{"SOCIALOMM_BROWSER": " /opt/b ", "BROWSER": "firefox"}, "linux", "/opt/b", nil},
		{"SOCIALOMM_BROWSER is one path, not a list", map[string]string{"SOCIALOMM_BROWSER": "/opt/a:b"}, "linux", "/opt/a:b", nil},
		{"BROWSER list", map[string]string{"BROWSER": "firefox:chromium"}, "linux", "firefox", nil},
		{"blank BROWSER falls back", map[string]string{"BROWSER": " : "}, "darwin", "open", nil},
		{"windows BROWSER list uses ;", map[string]string{"BROWSER": `C:\b\browser.exe;edge`}, "windows", `C:\b\browser.exe`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			name, args := browserCommand(func(k string) string { return tc.env[k] }, tc.goos)
			if name != tc.wantName || !slices.Equal(args, tc.wantArgs) {
				t.Fatalf("got %q %q, want %q %q", name, args, tc.wantName, tc.wantArgs)
			}
		})
	}
}
