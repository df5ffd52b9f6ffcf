package e2e

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/internal/testbed"
)

// TestUpdateAllNeededAsksTheAppPassword: one `accounts update --all-needed`,
// run for the command line by the data folder's owner (a daemon), renews
// a GoToSocial profile past its lifespan through the browser and a Bluesky
// profile on the real PDS whose app password was revoked, with the new app
// password read from standard input.
func TestUpdateAllNeededAsksTheAppPassword(t *testing.T) {
	c := newCLIApp(t)
	kr := testbed.StartKeyring(t)
	gts := testbed.StartGoToSocial(t)
	gts.CreateUser(t, "alice", aliceEmail, password)
	pds := testbed.StartPDS(t)
	gil := newBskyAccount(t, pds, "gil")

	now := time.Now().UTC().Truncate(time.Second)
	e, _ := pastEngine(t, c.dataDir, now.Add(-91*24*time.Hour))
	alice := connectInPast(t, e, gts, aliceEmail)
	e.Close()
	p, code := c.runWithPassword(t, gil.appPassword, "accounts", "connect", "bluesky", "--handle", gil.handle, "--pds", pds.URL())
	if code != 0 {
		t.Fatalf("connect bluesky: %s", p.Output())
	}
	bsky := decodeAccount(t, p)
	pds.RevokeAppPassword(t, gil.handle, bskyMainPassword, bskyAppName)
	if p, code := c.run(t, "accounts", "check", "--all"); code != 0 {
		t.Fatalf("check --all: %s", p.Output())
	}
	for _, a := range []account.Account{alice, bsky} {
		if got := accountByID(t, c, a.ID); got.State != account.Disconnected {
			t.Fatalf("%s before: %s/%s, want disconnected", got.Handle, got.State, got.Reason)
		}
	}
	bskyKey := "bluesky " + bsky.Instance + " " + bsky.RemoteID
	refreshBefore, _ := kr.RefreshToken(t, bskyKey)
	fresh := pds.CreateAppPassword(t, gil.handle, bskyMainPassword, "second")

	owner := c.daemon(t, "owner")
	opener := testbed.StartBrowser(t)
	cmd := exec.Command(c.bin, "accounts", "update", "--all-needed", "--data-dir", c.dataDir)
	cmd.Env = testbed.Env(t, append(testbed.TempHome(t), opener.OpenerEnv())...)
	cmd.Stdin = strings.NewReader(fresh + "\n")
	up := testbed.StartProcess(t, "update-all", cmd)
	testbed.StartBrowser(t).SignInGoToSocial(t, opener.WaitOpened(t, time.Minute), aliceEmail, password)
	if code := up.WaitExit(t, 2*time.Minute); code != 0 {
		t.Fatalf("update --all-needed exited %d\n%s", code, up.Output())
	}
	var results []core.UpdateAllResult
	for _, line := range strings.Split(strings.TrimSpace(up.Stdout()), "\n") {
		var r core.UpdateAllResult
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("stdout line %q: %v\n%s", line, err, up.Output())
		}
		results = append(results, r)
	}
	if len(results) != 2 || results[0].ID != alice.ID || results[1].ID != bsky.ID {
		t.Fatalf("results %+v", results)
	}
	for _, r := range results {
		a := accountByID(t, c, r.ID)
		if r.Outcome != core.UpdateRenewed || a.State != account.Connected {
			t.Errorf("%s: %s (%s), now %s", a.Handle, r.Outcome, r.Message, a.State)
		}
	}
	ask := "App password for " + bsky.Handle + " on Bluesky (an empty line skips it):"
	if !strings.Contains(up.Stderr(), ask) || !strings.Contains(up.Stderr(), "renewed 2, skipped 0, still need you 0") {
		t.Fatalf("stderr lacks %q or the summary:\n%s", ask, up.Stderr())
	}
	if refreshAfter, ok := kr.RefreshToken(t, bskyKey); !ok || refreshAfter == refreshBefore {
		t.Fatal("the Bluesky sign-in was not renewed in the keyring")
	}
	if strings.Contains(up.Output()+owner.Output(), fresh) {
		t.Fatal("the app password appears in the output")
	}
	if !strings.Contains(owner.Output(), `command="accounts update"`) {
		t.Fatalf("the owner did not run the command:\n%s", owner.Output())
	}
	t.Logf("stdout:\n%s\nstderr:\n%s", up.Stdout(), up.Stderr())
}
