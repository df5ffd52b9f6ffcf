package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/internal/fakenet"
)

// TestUpdateAllReadsOneAppPasswordPerProfile: `accounts update
// --all-needed` asks each app-password profile for its own password on
// stderr and reads them from standard input one line each, in the walk's
// order; an empty line or the end of input skips a profile. It does so in
// this process and, the same, in the folder's owner (standard input then
// travels over the instance socket).
func TestUpdateAllReadsOneAppPasswordPerProfile(t *testing.T) {
	setup(t)
	t.Setenv("SOCIALOMM_DATA_DIR", "")
	fake := fakenet.New()
	cat := core.Networks().With(fake.Entry())
	front := Frontend{Networks: cat}
	runIn := func(dir, stdin string, args ...string) result {
		t.Helper()
		var out, errOut bytes.Buffer
		code := Main(append(args, "--data-dir", dir), front, IO{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut})
		return result{code, out.String(), errOut.String()}
	}
	here, owned := t.TempDir(), t.TempDir()
	ownerLog := startOwnerOf(t, owned, cat)
	handles := []string{"ana", "bo", "cy"}
	for _, dir := range []string{here, owned} {
		for _, h := range handles {
			if r := runIn(dir, fakenet.Password+"\n", "accounts", "connect", fakenet.Name, "--handle", h); r.code != 0 {
				t.Fatalf("connect %s: %+v", h, r)
			}
			fake.Lose(h)
		}
	}
	cases := []struct {
		name     string
		stdin    string
		code     int
		outcomes string
		messages []string // a part of each
	}{
		{"two passwords, then an empty line", fakenet.Password + "\n" + fakenet.Password + "\n\nnot read\n", 0,
			"renewed renewed skipped", []string{"Renewed.", "Renewed.", "No app password was given, so nothing was changed."}},
		{"a wrong password, a right one, then the end of input", "wrong\r\n" + fakenet.Password + "\n", 1,
			"failed renewed skipped", []string{"wrong app password", "Renewed.", "No app password was given"}},
	}
	for _, dir := range []string{here, owned} {
		where := "here"
		if dir == owned {
			where = "in the owner"
		}
		for _, c := range cases {
			t.Run(where+": "+c.name, func(t *testing.T) {
				// Every profile has lost its access again.
				if r := runIn(dir, "", "accounts", "check", "--all", "--json"); r.code != 0 || strings.Count(r.stdout, `"state": "disconnected"`) != 3 {
					t.Fatalf("check --all did not find all three lost: %+v", r)
				}
				r := runIn(dir, c.stdin, "accounts", "update", "--all-needed")
				if r.code != c.code {
					t.Fatalf("exit %d, want %d\n%s%s", r.code, c.code, r.stdout, r.stderr)
				}
				var outcomes []string
				for i, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
					var res core.UpdateAllResult
					if err := json.Unmarshal([]byte(line), &res); err != nil {
						t.Fatalf("stdout line %q: %v", line, err)
					}
					if res.Handle != "@"+handles[i] || !strings.Contains(res.Message, c.messages[i]) {
						t.Errorf("line %d: %+v, want %s with %q", i, res, handles[i], c.messages[i])
					}
					outcomes = append(outcomes, string(res.Outcome))
				}
				if got := strings.Join(outcomes, " "); got != c.outcomes {
					t.Fatalf("outcomes %q, want %q\n%s", got, c.outcomes, r.stderr)
				}
				for _, h := range handles {
					if want := "App password for @" + h + " on " + fakenet.Title + " (an empty line skips it):"; !strings.Contains(r.stderr, want) {
						t.Errorf("stderr does not ask %q:\n%s", want, r.stderr)
					}
				}
				if strings.Contains(r.stdout+r.stderr, fakenet.Password) {
					t.Fatal("an app password was printed")
				}
			})
		}
	}
	if strings.Contains(ownerLog.String(), fakenet.Password) || !strings.Contains(ownerLog.String(), `command="accounts update"`) {
		t.Fatalf("the owner's log:\n%s", ownerLog.String())
	}
}
