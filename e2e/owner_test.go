package e2e

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/internal/testbed"
)

// startDaemon runs `socialomm daemon` on the netBed's data folder with the
// contract servers' endpoints, and waits until it takes commands.
func (n *netBed) startDaemon(t *testing.T) *testbed.Process {
	t.Helper()
	cmd := exec.Command(n.c.bin, "daemon", "--data-dir", n.c.dataDir)
	cmd.Env = testbed.Env(t, append(testbed.TempHome(t), n.endpoints)...)
	d := testbed.StartProcess(t, "daemon", cmd)
	d.WaitOutput(t, "engine running", time.Minute)
	return d
}

func (n *netBed) stopDaemon(t *testing.T, d *testbed.Process) {
	t.Helper()
	d.Signal(t, syscall.SIGTERM)
	if code := d.WaitExit(t, 30*time.Second); code != 0 {
		t.Fatalf("daemon after SIGTERM: exit %d\n%s", code, d.Output())
	}
}

// refreshes are the refresh grants the X server was asked for.
func (n *netBed) refreshes() int {
	count := 0
	for _, r := range n.x.RequestsTo("POST /2/oauth2/token") {
		if r.Form.Get("grant_type") == "refresh_token" {
			count++
		}
	}
	return count
}

// TestADaemonAndACommandCheckOneXProfileAtOnce: the daemon's startup sweep
// and `accounts check` from the command line reach the same X profile at
// the same moment, with its access token due for refresh; X spends a
// refresh token on use and ends the whole chain when a spent one comes
// again. The command is carried out by the daemon (its log names the
// command's process), so the profile is renewed once and stays connected,
// and the command prints the daemon's answer.
func TestADaemonAndACommandCheckOneXProfileAtOnce(t *testing.T) {
	n := newNetBed(t)
	testbed.StartKeyring(t)
	n.run(t, "settings", "set", "x.client_id", n.x.ClientID)
	acct := n.loopback(t, "accounts", "connect", "x")
	if acct.State != account.Connected {
		t.Fatalf("X account %+v", acct)
	}

	// Two hours and a minute later at X: the access token has ended there
	// (X answers 401), so whoever checks first must spend the refresh
	// token. The first renewal is held at X's door until the command has
	// reached the daemon, so both are in flight at once.
	n.x.SetNow(func() time.Time { return time.Now().Add(2*time.Hour + time.Minute) })
	arrived, release := n.x.HoldNext("POST /2/oauth2/token")
	daemon := n.startDaemon(t)

	cmd := exec.Command(n.c.bin, "accounts", "check", itoa(acct.ID), "--data-dir", n.c.dataDir)
	cmd.Env = testbed.Env(t, append(testbed.TempHome(t), n.endpoints)...)
	check := testbed.StartProcess(t, "accounts-check", cmd)
	forwarded := fmt.Sprintf(`msg="running a command for the command line" command="accounts check" pid=%d`, cmd.Process.Pid)
	poll(t, "the daemon to run the command", time.Minute, func() (bool, string) {
		return strings.Contains(daemon.Stderr(), forwarded), daemon.Stderr()
	})
	select {
	case <-arrived:
	case <-time.After(time.Minute):
		t.Fatalf("no renewal reached X\n%s", daemon.Output())
	}
	release()

	if code := check.WaitExit(t, time.Minute); code != 0 {
		t.Fatalf("accounts check: exit %d\n%s\ndaemon:\n%s", code, check.Output(), daemon.Output())
	}
	want := fmt.Sprintf("%d @XDevelopers: connected\n", acct.ID)
	if check.Stdout() != want || check.Stderr() != "" {
		t.Fatalf("accounts check printed %q, stderr %q; want %q", check.Stdout(), check.Stderr(), want)
	}
	done := fmt.Sprintf(`msg="command for the command line done" command="accounts check" pid=%d exit=0`, cmd.Process.Pid)
	if !strings.Contains(daemon.Stderr(), done) {
		t.Fatalf("the daemon does not record the command's end:\n%s", daemon.Stderr())
	}
	if got := n.refreshes(); got != 1 {
		t.Fatalf("X was asked for %d renewals, want 1 (two processes renewed at once)", got)
	}
	// The chain is intact: another check later renews nothing and works,
	// and the stored state says connected.
	again := n.run(t, "accounts", "check", itoa(acct.ID), "--json")
	if !strings.Contains(again.Stdout(), `"state": "connected"`) {
		t.Fatalf("check again: %s", again.Output())
	}
	for _, a := range n.c.accounts(t) {
		if a.ID == acct.ID && (a.State != account.Connected || a.Reason != account.ReasonNone) {
			t.Fatalf("the profile ended %s (%s): %s", a.State, a.Reason, a.LastError)
		}
	}
	n.stopDaemon(t, daemon)
	// The daemon gone, a command runs its own engine again.
	if p := n.run(t, "accounts", "check", itoa(acct.ID)); p.Stdout() != want {
		t.Fatalf("check without the daemon: %s", p.Output())
	}
}

// TestNoSecretOnAnyCommandLine: `settings set smtp.password -` reads the
// password from stdin; while it waits and while it works, no process's
// command line (what ps shows) or environment carries it, with and
// without a daemon owning the folder.
func TestNoSecretOnAnyCommandLine(t *testing.T) {
	n := newNetBed(t)
	kr := testbed.StartKeyring(t)
	for _, withDaemon := range []bool{false, true} {
		t.Run(fmt.Sprintf("daemon=%v", withDaemon), func(t *testing.T) {
			var daemon *testbed.Process
			if withDaemon {
				daemon = n.startDaemon(t)
			}
			secret := fmt.Sprintf("pw-%d-%d-never-shown", time.Now().UnixNano(), os.Getpid())
			stdin, feed := io.Pipe()
			cmd := exec.Command(n.c.bin, "settings", "set", "smtp.password", "-", "--data-dir", n.c.dataDir)
			cmd.Env = testbed.Env(t, testbed.TempHome(t)...)
			cmd.Stdin = stdin
			p := testbed.StartProcess(t, "settings-set", cmd)
			// It waits for the password: nothing carries it yet, but scan
			// anyway while it sits there, to see the scan itself works.
			if leaks := processesHolding(t, "smtp.password"); len(leaks) == 0 {
				t.Fatal("the scan found no process with smtp.password on its command line: it reads nothing")
			}
			if leaks := processesHolding(t, secret); len(leaks) > 0 {
				t.Fatalf("before it was typed: %v", leaks)
			}
			go func() {
				io.WriteString(feed, secret+"\n")
				feed.Close()
			}()
			for !p.Exited() {
				if leaks := processesHolding(t, secret); len(leaks) > 0 {
					t.Fatalf("the secret is readable in %v", leaks)
				}
			}
			if code := p.WaitExit(t, time.Minute); code != 0 || p.Stdout() != "smtp.password = (set, kept in the keyring)\n" {
				t.Fatalf("settings set: exit %d\n%s", code, p.Output())
			}
			if got, ok := kr.Lookup(t, "SocialOmm smtp-password", "smtp.password"); !ok || got != secret {
				t.Fatal("the password did not reach the keyring")
			}
			if withDaemon {
				if !strings.Contains(daemon.Stderr(), `command="settings set" pid=`+strconv.Itoa(cmd.Process.Pid)) {
					t.Fatalf("the daemon did not carry it out:\n%s", daemon.Stderr())
				}
				if strings.Contains(daemon.Output(), secret) {
					t.Fatal("the secret reached the daemon's log")
				}
				n.stopDaemon(t, daemon)
			}
			// As an argument it is refused, and changes nothing.
			refused := exec.Command(n.c.bin, "settings", "set", "smtp.password", "other-"+secret, "--data-dir", n.c.dataDir)
			refused.Env = testbed.Env(t, testbed.TempHome(t)...)
			out, err := refused.CombinedOutput()
			if code := refused.ProcessState.ExitCode(); code != 2 || err == nil || !strings.Contains(string(out), "settings set smtp.password -") {
				t.Fatalf("a secret as an argument: exit %d\n%s", code, out)
			}
			if got, _ := kr.Lookup(t, "SocialOmm smtp-password", "smtp.password"); got != secret {
				t.Fatal("a refused argument changed the password")
			}
		})
	}
}

// processesHolding lists the processes (pid: command line) whose command
// line or environment contains s, as ps and /proc show them to this user.
func processesHolding(t *testing.T, s string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		for _, file := range []string{"cmdline", "environ"} {
			data, err := os.ReadFile(filepath.Join("/proc", e.Name(), file))
			if err == nil && strings.Contains(string(data), s) {
				found = append(found, e.Name()+" "+file+": "+strings.ReplaceAll(string(data), "\x00", " "))
			}
		}
	}
	return found
}
