package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/internal/contract"
	"github.com/socialomm/desktop/internal/testbed"
)

// TestUpdateAllRenewsFacebookPagesWithOneSignIn: the real binary, with
// Facebook answered by the contract server, has two Pages of one login
// disconnected; `accounts update --all-needed` asks for one pasted address
// and renews both from that one sign-in.
func TestUpdateAllRenewsFacebookPagesWithOneSignIn(t *testing.T) {
	n := newNetBed(t)
	testbed.StartKeyring(t)
	n.fb.Pages = append(n.fb.Pages, contract.FacebookPage{ID: "3456789012", Name: "Ana's Cafe", Category: "Cafe",
		Tasks: []string{"CREATE_CONTENT", "MODERATE"}})
	n.run(t, "settings", "set", "facebook.app_id", n.fb.ClientID)
	n.setSecret(t, "facebook.app_secret", n.fb.ClientSecret)
	var pages []account.Account
	for _, id := range []string{"1234567890", "3456789012"} {
		p := n.paste(t, "accounts", "connect", "facebook", "--page", id)
		if p.ExitCode() != 0 {
			t.Fatalf("connect Page %s: %s", id, p.Output())
		}
		pages = append(pages, decodeAccount(t, p))
	}
	n.fb.SetState(contract.PasswordChanged)
	n.run(t, "accounts", "check", "--all")
	for _, a := range pages {
		if got := accountByID(t, n.c, a.ID); got.State != account.Disconnected {
			t.Fatalf("%s before: %s", got.Handle, got.State)
		}
	}
	n.fb.SetState(contract.OK)
	signIns := len(n.fb.RequestsTo("GET /v23.0/dialog/oauth"))

	// One line on stdin: a second question would find the end of input and
	// skip that Page.
	p := n.paste(t, "accounts", "update", "--all-needed")
	if p.ExitCode() != 0 {
		t.Fatalf("update --all-needed: exit %d\n%s", p.ExitCode(), p.Output())
	}
	if got := len(n.fb.RequestsTo("GET /v23.0/dialog/oauth")) - signIns; got != 1 {
		t.Fatalf("%d sign-ins, want 1", got)
	}
	var results []core.UpdateAllResult
	for _, line := range strings.Split(strings.TrimSpace(p.Stdout()), "\n") {
		var r core.UpdateAllResult
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("stdout line %q: %v", line, err)
		}
		results = append(results, r)
	}
	want := []string{"Renewed.", "Renewed by the sign-in for Ana's Bakery."}
	if len(results) != 2 {
		t.Fatalf("results %+v", results)
	}
	for i, r := range results {
		a := accountByID(t, n.c, r.ID)
		if r.ID != pages[i].ID || r.Outcome != core.UpdateRenewed || r.Message != want[i] || a.State != account.Connected {
			t.Errorf("%s: %+v, now %s", a.Handle, r, a.State)
		}
	}
	if asked := strings.Count(p.Stderr(), "(an empty line skips it)"); asked != 1 {
		t.Fatalf("asked %d times, want once:\n%s", asked, p.Stderr())
	}
	t.Logf("stdout:\n%s\nstderr:\n%s", p.Stdout(), p.Stderr())
}
