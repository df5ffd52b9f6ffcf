package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/schedule"
	"github.com/socialomm/desktop/internal/testbed"
)

// TestPostsScheduleToAGroupAgainstGoToSocial: a group of two GoToSocial
// profiles, made with `groups create`; `posts schedule --group` (answered by
// the running daemon, the data folder's owner) puts one copy on each
// profile on the real server, exactly once; an unknown group is refused
// with exit 2 and schedules nothing.
func TestPostsScheduleToAGroupAgainstGoToSocial(t *testing.T) {
	c := newCLIApp(t)
	kr := testbed.StartKeyring(t)
	gts := testbed.StartGoToSocial(t)
	accts := connectUsers(t, c, gts, "gina", "hugo", "ivan")
	gina, hugo, ivan := accts["gina"], accts["hugo"], accts["ivan"]

	p, code := c.run(t, "groups", "create", "Client Gina & Hugo", "--accounts", fmt.Sprintf("%d,%d", gina.ID, hugo.ID))
	if code != 0 {
		t.Fatalf("groups create: %d\n%s", code, p.Output())
	}

	d := c.daemon(t, "daemon")
	p, code = c.run(t, "posts", "schedule", "--group", "nobody", "--at", "now", "Never sent")
	if code != 2 || !strings.Contains(p.Stderr(), `there is no group called "nobody"`) {
		t.Fatalf("unknown group: exit %d\n%s", code, p.Output())
	}
	const text = "Hello to the whole client from SocialOmm"
	p, code = c.run(t, "posts", "schedule", "--group", "client gina & hugo", "--at", "now", text)
	var post schedule.Post
	if code != 0 || json.Unmarshal([]byte(p.Stdout()), &post) != nil {
		t.Fatalf("posts schedule --group: %d\n%s", code, p.Output())
	}
	var got schedule.Post
	poll(t, "both copies published", time.Minute, func() (bool, string) {
		got = findPost(c.posts(t), post.ID)
		for _, tg := range got.Targets {
			if tg.State != schedule.Published {
				return false, fmt.Sprintf("%d: %s %s", tg.AccountID, tg.State, tg.Error)
			}
		}
		return len(got.Targets) == 2, fmt.Sprintf("%d targets", len(got.Targets))
	})
	ts := targetStates(got)
	if _, ok := ts[gina.ID]; !ok {
		t.Fatalf("no copy for gina: %+v", got.Targets)
	}
	if _, ok := ts[hugo.ID]; !ok {
		t.Fatalf("no copy for hugo: %+v", got.Targets)
	}
	for _, a := range []account.Account{gina, hugo} {
		if n := serverStatuses(t, kr, a)[text]; n != 1 {
			t.Fatalf("%s has the post %d times on the server, want once", a.Handle, n)
		}
	}
	if n := serverStatuses(t, kr, ivan)[text]; n != 0 {
		t.Fatalf("ivan, not in the group, has the post %d times", n)
	}
	for _, p := range c.posts(t) {
		if p.Text == "Never sent" {
			t.Fatalf("the refused schedule left a post: %+v", p)
		}
	}
	d.Signal(t, syscall.SIGTERM)
	d.WaitExit(t, 15*time.Second)
}
