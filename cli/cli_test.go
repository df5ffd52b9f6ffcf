package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"
)

type result struct {
	code           int
	stdout, stderr string
}

func run(t *testing.T, args ...string) result {
	t.Helper()
	return runWithStdin(t, "", args...)
}

func runWithStdin(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(args, Frontend{Window: func(context.Context, Env) error { return nil }}, IO{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut})
	return result{code, out.String(), errOut.String()}
}

func setup(t *testing.T) string {
	t.Helper()
	t.Setenv("SOCIALOMM_KEYRING", "mock")
	keyring.MockInit()
	dir := t.TempDir()
	t.Setenv("SOCIALOMM_DATA_DIR", dir)
	return dir
}

func TestVersionMatchesFyneAppToml(t *testing.T) {
	data, err := os.ReadFile("../FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^Version = "([^"]+)"`).FindSubmatch(data)
	if m == nil || string(m[1]) != Version {
		t.Fatalf("FyneApp.toml version %q, cli.Version %q", m, Version)
	}
	for _, args := range [][]string{{"--version"}, {"version"}} {
		if r := run(t, args...); r.code != 0 || r.stdout != "SocialOmm "+Version+"\n" {
			t.Fatalf("%v: %+v", args, r)
		}
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	setup(t)
	for _, args := range [][]string{
		{"--help"}, {"daemon", "--help"}, {"accounts", "--help"}, {"accounts", "list", "--help"},
		{"settings", "--help"}, {"settings", "get", "--help"}, {"settings", "set", "--help"}, {"settings", "list", "--help"},
	} {
		r := run(t, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "socialomm") {
			t.Errorf("%v: code %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
}

func TestMistakesGoToStderrWithNonZeroExit(t *testing.T) {
	setup(t)
	cases := []struct {
		args  []string
		code  int
		words string
	}{
		{[]string{"bogus"}, 2, `unknown command "bogus"`},
		{[]string{"accounts", "frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"settings", "get"}, 2, "takes 1 argument"},
		{[]string{"settings", "get", "no.such"}, 1, "Unknown setting"},
		{[]string{"settings", "set", "lifespan.days", "soon"}, 1, "whole number"},
		{[]string{"accounts", "list", "--nope"}, 2, "flag provided but not defined"},
	}
	for _, c := range cases {
		r := run(t, c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.words) || r.stdout != "" {
			t.Errorf("%v: %+v", c.args, r)
		}
	}
}

func TestSettingsRoundTripAndSecretsStayOutOfOutput(t *testing.T) {
	dir := setup(t)
	if r := run(t, "settings", "set", "lifespan.days", "30", "--data-dir", dir); r.code != 0 || r.stdout != "lifespan.days = 30\n" {
		t.Fatalf("set: %+v", r)
	}
	if r := run(t, "--data-dir", dir, "settings", "get", "lifespan.days"); r.stdout != "30\n" {
		t.Fatalf("get: %+v", r)
	}
	r := runWithStdin(t, "s3cret-pw\n", "settings", "set", "smtp.password", "-")
	if r.code != 0 || strings.Contains(r.stdout+r.stderr, "s3cret-pw") {
		t.Fatalf("set password: %+v", r)
	}
	if got, _ := keyring.Get("SocialOmm smtp-password", "smtp.password"); got != "s3cret-pw" {
		t.Fatalf("keyring holds %q", got)
	}
	r = run(t, "settings", "list")
	if !strings.Contains(r.stdout, "smtp.password") || strings.Contains(r.stdout, "s3cret-pw") {
		t.Fatalf("list: %+v", r)
	}
	db, _ := os.ReadFile(dir + "/socialomm.db")
	wal, _ := os.ReadFile(dir + "/socialomm.db-wal")
	if bytes.Contains(db, []byte("s3cret-pw")) || bytes.Contains(wal, []byte("s3cret-pw")) {
		t.Fatal("the password reached the database")
	}
}

func TestAccountsListJSONIsAnArray(t *testing.T) {
	setup(t)
	r := run(t, "accounts", "list", "--json")
	var list []map[string]any
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &list) != nil || list == nil || len(list) != 0 {
		t.Fatalf("%+v", r)
	}
	r = run(t, "accounts", "list")
	if !strings.Contains(r.stdout, "No profiles connected yet") {
		t.Fatalf("%+v", r)
	}
}

func TestNoArgumentsOpensTheWindowOnce(t *testing.T) {
	dir := setup(t)
	opened := 0
	var out, errOut bytes.Buffer
	code := Main([]string{"--data-dir", dir}, Frontend{Window: func(_ context.Context, env Env) error {
		opened++
		if env.Engine.DataDir() != dir {
			t.Errorf("engine on %s", env.Engine.DataDir())
		}
		return nil
	}}, IO{Stdout: &out, Stderr: &errOut})
	if code != 0 || opened != 1 {
		t.Fatalf("code %d opened %d stderr %s", code, opened, errOut.String())
	}
}

func TestAStartupProblemIsShownToDesktopUsers(t *testing.T) {
	dir := setup(t)
	os.WriteFile(dir+"/socialomm.db", []byte("my notes, not a database"), 0o600)
	var shown string
	var out, errOut bytes.Buffer
	code := Main([]string{"--data-dir", dir}, Frontend{
		Window:       func(context.Context, Env) error { t.Fatal("the window opened on a bad database"); return nil },
		StartupError: func(msg string) { shown = msg },
	}, IO{Stdout: &out, Stderr: &errOut})
	if code == 0 || !strings.Contains(shown, "is not a SocialOmm database") || !strings.Contains(errOut.String(), "is not a SocialOmm database") {
		t.Fatalf("code %d, shown %q, stderr %q", code, shown, errOut.String())
	}
}
