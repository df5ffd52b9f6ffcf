package e2e

import (
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/notify"
	"github.com/socialomm/desktop/internal/testbed"
)

const alertsSecret = "e2e-Webhook-Signing-Secret-7"

// addAlert runs `alerts add` (the secret on standard input when given) and
// returns the webhook it printed.
func (c *cliApp) addAlert(t *testing.T, secret string, args ...string) notify.Webhook {
	t.Helper()
	args = append([]string{"alerts", "add"}, args...)
	if secret != "" {
		args = append(args, "--secret-stdin")
	}
	cmd := exec.Command(c.bin, append(args, "--data-dir", c.dataDir)...)
	cmd.Env = testbed.Env(t, testbed.TempHome(t)...)
	cmd.Stdin = strings.NewReader(secret + "\n")
	p := testbed.StartProcess(t, "alerts-add", cmd)
	if code := p.WaitExit(t, time.Minute); code != 0 {
		t.Fatalf("alerts add: %d\n%s", code, p.Output())
	}
	var w notify.Webhook
	if err := json.Unmarshal([]byte(p.Stdout()), &w); err != nil || w.ID == 0 {
		t.Fatalf("alerts add printed %q: %v", p.Stdout(), err)
	}
	return w
}

func stopDaemon(t *testing.T, p *testbed.Process) {
	t.Helper()
	p.Signal(t, syscall.SIGTERM)
	if code := p.WaitExit(t, 30*time.Second); code != 0 {
		t.Fatalf("daemon exit %d\n%s", code, p.Output())
	}
}

// TestWebhooksReceiverDownThenOnce: two GoToSocial profiles lose access
// (their accounts deleted) while the webhook receiver answers 503; the
// daemon keeps the alerts and retries, a restart in between changes
// nothing, and once the receiver is back each webhook (Slack, Discord,
// signed JSON) gets exactly one merged message, valid for its format.
func TestWebhooksReceiverDownThenOnce(t *testing.T) {
	c := newCLIApp(t)
	kr := testbed.StartKeyring(t)
	gts := testbed.StartGoToSocial(t)
	rc := testbed.StartWebhookReceiver(t)
	rc.SetDown(true, 1)
	users := connectUsers(t, c, gts, "gil", "hal")
	for _, kv := range [][2]string{{"notify.desktop", "off"}, {"notify.email", "off"}} {
		if p, code := c.run(t, "settings", "set", kv[0], kv[1]); code != 0 {
			t.Fatalf("settings set %s: %s", kv[0], p.Output())
		}
	}
	paths := []string{"/slack", "/discord", "/json"}
	c.addAlert(t, "", "--kind", "slack", "--url", rc.URL()+"/slack")
	c.addAlert(t, "", "--kind", "discord", "--url", rc.URL()+"/discord", "--events", "disconnected,expired")
	hook := c.addAlert(t, alertsSecret, "--kind", "json", "--url", rc.URL()+"/json")
	if !hook.Signed || hook.Kind != notify.WebhookJSON {
		t.Fatalf("json webhook %+v", hook)
	}
	if p, code := c.run(t, "alerts", "add", "--kind", "json", "--url", "http://example.org/hook"); code != 2 ||
		!strings.Contains(p.Stderr(), "only to this computer") {
		t.Fatalf("plain http to another computer: %d %s", code, p.Output())
	}
	if _, ok := kr.Lookup(t, "SocialOmm webhook-secret", notify.WebhookSecretKey(hook.ID)); !ok {
		t.Fatal("the webhook secret is not in the keyring")
	}

	for _, u := range []string{"gil", "hal"} {
		a := users[u]
		token, ok := kr.AccessToken(t, "mastodon "+a.Instance+" "+a.RemoteID)
		if !ok {
			t.Fatalf("no token for %s", u)
		}
		testbed.DeleteAccount(t, gts.URL(), token, password)
	}
	for u, a := range c.checkAll(t) {
		if a.State != account.Disconnected {
			t.Fatalf("%s after deleting the account: %s", u, a.State)
		}
	}

	// Down: every webhook is tried (after the minute that merges the
	// losses) and refused, and tried again after its Retry-After.
	d1 := c.daemon(t, "daemon-1")
	rc.WaitFor(t, "two refused attempts per webhook", 4*time.Minute, func(list []testbed.WebhookRequest) bool {
		for _, p := range paths {
			n := 0
			for _, q := range list {
				if q.Path == p {
					n++
				}
			}
			if n < 2 {
				return false
			}
		}
		return true
	})
	stopDaemon(t, d1)
	refusedIDs := map[string]string{}
	for _, q := range rc.Requests() {
		refusedIDs[q.Path] = q.Header.Get("X-SocialOmm-Event-Id")
	}

	// Back up; the app starts again.
	rc.SetDown(false, 0)
	d2 := c.daemon(t, "daemon-2")
	rc.WaitFor(t, "one accepted message per webhook", 2*time.Minute, func([]testbed.WebhookRequest) bool {
		for _, p := range paths {
			if len(rc.Accepted(p)) == 0 {
				return false
			}
		}
		return true
	})
	stopDaemon(t, d2)
	d3 := c.daemon(t, "daemon-3")
	if p, code := c.run(t, "notify", "pending"); code != 0 || !strings.Contains(p.Stdout(), "Nothing is waiting") {
		t.Fatalf("after delivery something still waits: %d\n%s", code, p.Output())
	}
	stopDaemon(t, d3)

	for _, p := range paths {
		got := rc.Accepted(p)
		if len(got) != 1 {
			t.Fatalf("%s got %d accepted messages, want exactly 1", p, len(got))
		}
		q := got[0]
		if id := q.Header.Get("X-SocialOmm-Event-Id"); id == "" || id != refusedIDs[p] {
			t.Errorf("%s event id %q, the refused attempts had %q", p, id, refusedIDs[p])
		}
		body := string(q.Body)
		for _, h := range []string{"@gil@", "@hal@", "2 profiles disconnected"} {
			if !strings.Contains(body, h) {
				t.Errorf("%s body lacks %q: %s", p, h, body)
			}
		}
		var err error
		switch p {
		case "/slack":
			err = testbed.ValidSlack(q.Body)
		case "/discord":
			err = testbed.ValidDiscord(q.Body)
		case "/json":
			err = testbed.VerifySignature(q.Header, q.Body, alertsSecret)
			var pl notify.Payload
			if jerr := json.Unmarshal(q.Body, &pl); jerr != nil || pl.Version != 1 || pl.Event != "disconnected" || len(pl.Profiles) != 2 {
				t.Errorf("json payload %+v (%v)", pl, jerr)
			}
			for _, pr := range pl.Profiles {
				if pr.State != "disconnected" || pr.Reason != string(account.ReasonRevoked) || pr.Network != "mastodon" {
					t.Errorf("json profile %+v", pr)
				}
			}
		}
		if err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}

	// list, test and remove, as scripts use them.
	p, code := c.run(t, "alerts", "list", "--json")
	var list []notify.Webhook
	if code != 0 || json.Unmarshal([]byte(p.Stdout()), &list) != nil || len(list) != 3 ||
		!slices.Equal(list[1].Events, []notify.Kind{notify.Disconnected, notify.Expired}) {
		t.Fatalf("alerts list --json: %d\n%s", code, p.Output())
	}
	if p, code := c.run(t, "alerts", "test", "3"); code != 0 || !strings.Contains(p.Stdout(), "Answer: 200 OK: ok") {
		t.Fatalf("alerts test: %d\n%s", code, p.Output())
	}
	last := rc.Requests()[len(rc.Requests())-1]
	if err := testbed.VerifySignature(last.Header, last.Body, alertsSecret); err != nil || !strings.Contains(string(last.Body), `"event":"test"`) {
		t.Fatalf("test alert: %v %s", err, last.Body)
	}
	if p, code := c.run(t, "alerts", "remove", "3"); code != 0 {
		t.Fatalf("alerts remove: %d\n%s", code, p.Output())
	}
	if _, ok := kr.Lookup(t, "SocialOmm webhook-secret", notify.WebhookSecretKey(hook.ID)); ok {
		t.Fatal("the webhook secret is still in the keyring after remove")
	}
}
