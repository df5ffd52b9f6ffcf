package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	ics "github.com/arran4/golang-ical"

	"github.com/socialomm/desktop/core/account"
)

func TestAutostartSettingRoundTrip(t *testing.T) {
	dir := setup(t)
	config := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", config)
	entry := filepath.Join(config, "autostart", "app.socialomm.desktop.desktop")
	get := func() string {
		t.Helper()
		r := run(t, "settings", "get", "app.autostart")
		if r.code != 0 {
			t.Fatalf("settings get: %+v", r)
		}
		return strings.TrimSpace(r.stdout)
	}
	if got := get(); got != "off" {
		t.Fatalf("before: %q", got)
	}
	if r := run(t, "settings", "set", "app.autostart", "on"); r.code != 0 || r.stdout != "app.autostart = on\n" {
		t.Fatalf("set on: %+v", r)
	}
	text, err := os.ReadFile(entry)
	if err != nil {
		t.Fatalf("no autostart entry after set on: %v", err)
	}
	// It starts this data folder in the background.
	if !strings.Contains(string(text), " --background --data-dir "+dir+"\n") {
		t.Errorf("entry does not start this folder in the background:\n%s", text)
	}
	tool, err := exec.LookPath("desktop-file-validate")
	if err != nil {
		t.Fatal("desktop-file-validate is missing: install the Debian package desktop-file-utils (scripts/install-test-deps.sh)")
	}
	if out, err := exec.Command(tool, entry).CombinedOutput(); err != nil || len(out) > 0 {
		t.Fatalf("desktop-file-validate: %v\n%s\n%s", err, out, text)
	}
	if got := get(); got != "on" {
		t.Fatalf("after set on: %q", got)
	}
	// The setting is the file: deleted by hand, it reads off.
	if err := os.Remove(entry); err != nil {
		t.Fatal(err)
	}
	if got := get(); got != "off" {
		t.Fatalf("after the entry was deleted by hand: %q", got)
	}
	run(t, "settings", "set", "app.autostart", "on")
	if r := run(t, "settings", "set", "app.autostart", "off"); r.code != 0 || r.stdout != "app.autostart = off\n" {
		t.Fatalf("set off: %+v", r)
	}
	if _, err := os.Stat(entry); !os.IsNotExist(err) {
		t.Fatalf("entry still there after set off: %v", err)
	}
	if r := run(t, "settings", "set", "app.autostart", "maybe"); r.code != 1 || !strings.Contains(r.stderr, "must be one of on, off") {
		t.Fatalf("bad value: %+v", r)
	}
}

func TestBackgroundFlagStartsWithoutTheWindow(t *testing.T) {
	setup(t)
	for _, c := range []struct {
		args []string
		want bool
	}{{nil, false}, {[]string{"--background"}, true}} {
		var got *bool
		front := Frontend{Window: func(_ context.Context, env Env) error { b := env.Background; got = &b; return nil }}
		var out, errOut bytes.Buffer
		if code := Main(c.args, front, IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut}); code != 0 {
			t.Fatalf("%v: code %d, %s", c.args, code, errOut.String())
		}
		if got == nil || *got != c.want {
			t.Fatalf("%v: the window was told background=%v, want %v", c.args, got, c.want)
		}
	}
}

// calendarUIDs parses a calendar with a real iCalendar parser and returns
// its events' UIDs, sorted.
func calendarUIDs(t *testing.T, data []byte) []string {
	t.Helper()
	cal, err := ics.ParseCalendar(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the calendar does not parse: %v", err)
	}
	var uids []string
	for _, ev := range cal.Events() {
		uids = append(uids, ev.Id())
	}
	sort.Strings(uids)
	return uids
}

func TestAccountsCalendarCommand(t *testing.T) {
	dir := setup(t)
	if r := run(t, "dev", "seed", "--accounts", "40", "--posts", "0", "--no-secrets", "--data-dir", dir); r.code != 0 {
		t.Fatalf("seed: %+v", r)
	}
	r := run(t, "accounts", "list", "--json")
	var list []account.Account
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatal(err)
	}
	expiring := 0
	for _, a := range list {
		if a.ExpiresAt != nil {
			expiring++
		}
	}
	if expiring == 0 || expiring == len(list) {
		t.Fatalf("the seed should mix expiring and never-expiring profiles: %d of %d expire", expiring, len(list))
	}
	first := run(t, "accounts", "calendar")
	if first.code != 0 {
		t.Fatalf("calendar: %+v", first)
	}
	uids := calendarUIDs(t, []byte(first.stdout))
	if len(uids) != expiring {
		t.Fatalf("%d events for %d expiring profiles", len(uids), expiring)
	}
	out := filepath.Join(t.TempDir(), "ends.ics")
	if r := run(t, "accounts", "calendar", "--output", out); r.code != 0 || r.stdout != "" {
		t.Fatalf("calendar --output: %+v", r)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if again := calendarUIDs(t, data); strings.Join(again, " ") != strings.Join(uids, " ") {
		t.Fatal("the UIDs changed between two runs")
	}

	// A kept calendar: written as soon as the folder is set.
	if r := run(t, "settings", "set", "calendar.folder", filepath.Join(dir, "no-such-folder")); r.code != 1 || !strings.Contains(r.stderr, "is not a folder") {
		t.Fatalf("a missing folder: %+v", r)
	}
	if r := run(t, "settings", "set", "calendar.folder", "relative/folder"); r.code != 1 || !strings.Contains(r.stderr, "full folder path") {
		t.Fatalf("a relative folder: %+v", r)
	}
	folder := t.TempDir()
	if r := run(t, "settings", "set", "calendar.folder", folder); r.code != 0 || r.stdout != "calendar.folder = "+folder+"\n" {
		t.Fatalf("set calendar.folder: %+v", r)
	}
	kept, err := os.ReadFile(filepath.Join(folder, "socialomm-connections.ics"))
	if err != nil {
		t.Fatalf("no kept calendar: %v", err)
	}
	if got := calendarUIDs(t, kept); strings.Join(got, " ") != strings.Join(uids, " ") {
		t.Fatal("the kept calendar has other events")
	}
}
