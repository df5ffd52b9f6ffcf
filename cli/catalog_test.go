package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/internal/fakenet"
)

// TestAFakeNetworkConnectsThroughTheCatalogAlone: a network registered
// only in the catalog is listed in connect's help, asks its own form's
// flags, and connects with `accounts connect NAME` through the one
// sign-in pipeline; Update asks its app password again.
func TestAFakeNetworkConnectsThroughTheCatalogAlone(t *testing.T) {
	dir := setup(t)
	front := Frontend{Networks: core.Networks().With(fakenet.New().Entry())}
	runFake := func(stdin string, args ...string) result {
		var out, errOut bytes.Buffer
		code := Main(append(args, "--data-dir", dir), front, IO{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut})
		return result{code, out.String(), errOut.String()}
	}
	cases := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stdout string // a part of it
		stderr string // a part of it
	}{
		{name: "help names it", args: []string{"accounts", "connect", "--help"}, code: 0,
			stdout: "fakenet --handle HANDLE", stderr: ""},
		{name: "unknown networks list it", args: []string{"accounts", "connect", "nosuch"}, code: 2,
			stderr: "networks: mastodon, bluesky, x, linkedin, facebook, instagram, threads, fakenet"},
		{name: "its form's flag is required", args: []string{"accounts", "connect", "fakenet"}, code: 2,
			stderr: "accounts connect fakenet needs --handle HANDLE, e.g. --handle ana"},
		{name: "a wrong app password changes nothing", stdin: "wrong\n", args: []string{"accounts", "connect", "fakenet", "--handle", "ana"}, code: 1,
			stderr: "wrong app password"},
		{name: "connects", stdin: fakenet.Password + "\n", args: []string{"accounts", "connect", "fakenet", "--handle", "ana"}, code: 0,
			stdout: `"network": "fakenet"`},
		{name: "updates with a new app password", stdin: fakenet.Password + "\n", args: []string{"accounts", "update", "1"}, code: 0,
			stdout: `"handle": "@ana"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runFake(c.stdin, c.args...)
			out := r.stdout + r.stderr // --help goes to stdout or stderr
			if r.code != c.code || !strings.Contains(r.stdout+r.stderr, c.stdout) || !strings.Contains(r.stderr, c.stderr) {
				t.Fatalf("%v: code %d\n%s", c.args, r.code, out)
			}
		})
	}
	r := runFake("", "accounts", "list", "--json")
	var list []struct{ Network, Handle, State string }
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) != 1 || list[0].Network != "fakenet" || list[0].State != "connected" {
		t.Fatalf("accounts %q: %v", r.stdout, err)
	}
}
