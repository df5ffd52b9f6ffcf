package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/applog"
	"github.com/socialomm/desktop/core/schedule"
	"github.com/socialomm/desktop/internal/testbed"
)

// cutAfterCreate passes every request to the real PDS; the first
// createRecord reaches the server, but its answer never comes back: the
// connection is held open until the client goes away. created is closed
// once the server has stored the record.
type cutAfterCreate struct {
	pds     *httputil.ReverseProxy
	target  *url.URL
	created chan struct{}

	mu    sync.Mutex
	calls map[string]int
}

func (c *cutAfterCreate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	nsid := strings.TrimPrefix(r.URL.Path, "/xrpc/")
	c.mu.Lock()
	c.calls[nsid]++
	first := nsid == "com.atproto.repo.createRecord" && c.calls[nsid] == 1
	c.mu.Unlock()
	if !first {
		c.pds.ServeHTTP(w, r)
		return
	}
	out := r.Clone(context.Background())
	out.URL.Scheme, out.URL.Host, out.Host, out.RequestURI = c.target.Scheme, c.target.Host, c.target.Host, ""
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	close(c.created)
	<-r.Context().Done() // until the daemon is killed
}

func (c *cutAfterCreate) count(nsid string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[nsid]
}

// startCutAfterCreate serves a cutAfterCreate in front of pds on 127.0.0.1.
func startCutAfterCreate(t *testing.T, pds *testbed.PDS) (*cutAfterCreate, string) {
	t.Helper()
	target, err := url.Parse(pds.URL())
	if err != nil {
		t.Fatal(err)
	}
	c := &cutAfterCreate{pds: httputil.NewSingleHostReverseProxy(target), target: target,
		created: make(chan struct{}), calls: map[string]int{}}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: c}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return c, "http://" + ln.Addr().String()
}

// connectBluesky connects who through the real binary with its app
// password, the server given directly.
func connectBluesky(t *testing.T, c *cliApp, who bskyAccount, server string) account.Account {
	t.Helper()
	p, code := c.runWithPassword(t, who.appPassword, "accounts", "connect", "bluesky", "--handle", who.handle, "--pds", server)
	if code != 0 {
		t.Fatalf("connect %s: %s", who.handle, p.Output())
	}
	return decodeAccount(t, p)
}

// postTexts counts the texts of an account's posts on the PDS, reading
// listRecords page after page.
func postTexts(t *testing.T, pds *testbed.PDS, did string) (map[string]int, int) {
	t.Helper()
	counts, total := map[string]int{}, 0
	cursor := ""
	for {
		q := url.Values{"repo": {did}, "collection": {"app.bsky.feed.post"}, "limit": {"100"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		status, body := pds.XRPC(t, "com.atproto.repo.listRecords", q, false, nil, "")
		var page struct {
			Cursor  string `json:"cursor"`
			Records []struct {
				Value struct {
					Text string `json:"text"`
				} `json:"value"`
			} `json:"records"`
		}
		if status != http.StatusOK || json.Unmarshal(body, &page) != nil {
			t.Fatalf("listRecords: %d %s", status, body)
		}
		for _, r := range page.Records {
			counts[r.Value.Text]++
			total++
		}
		if page.Cursor == "" || len(page.Records) == 0 {
			return counts, total
		}
		cursor = page.Cursor
	}
}

// TestBlueskyPostInterruptedMidPublishIsFound: the daemon sends a post,
// the PDS stores it, the answer never arrives and the daemon is killed
// with SIGKILL while it waits. After a restart the post is found on the
// PDS and marked published with that record, without sending it again.
func TestBlueskyPostInterruptedMidPublishIsFound(t *testing.T) {
	c := newCLIApp(t)
	testbed.StartKeyring(t)
	pds := testbed.StartPDS(t)
	ivo := newBskyAccount(t, pds, "ivo")
	cut, server := startCutAfterCreate(t, pds)
	a := connectBluesky(t, c, ivo, server)

	d := c.daemon(t, "daemon")
	const text = "Interrupted on its way to Bluesky"
	post := c.schedule(t, time.Now(), text, a)
	select {
	case <-cut.created:
	case <-time.After(time.Minute):
		t.Fatalf("the daemon sent no post in a minute:\n%s", d.Output())
	}
	d.Signal(t, syscall.SIGKILL)
	d.WaitExit(t, 15*time.Second)
	if tg := targetStates(findPost(c.posts(t), post.ID))[a.ID]; tg.State != schedule.Publishing &&
		(tg.State != schedule.Retrying || tg.OutcomeUnknownSince == nil) {
		t.Fatalf("after the kill the target is %s, want its outcome unknown", tg.State)
	}
	counts, total := postTexts(t, pds, ivo.did)
	if total != 1 || counts[text] != 1 {
		t.Fatalf("the PDS holds %d posts (%v), want the one sent", total, counts)
	}

	d = c.daemon(t, "daemon-restarted")
	var tg schedule.Target
	poll(t, "the interrupted post settled", 2*time.Minute, func() (bool, string) {
		tg = targetStates(findPost(c.posts(t), post.ID))[a.ID]
		return tg.State == schedule.Published || tg.State == schedule.Unconfirmed, fmt.Sprint(tg.State, " ", tg.Error)
	})
	d.Signal(t, syscall.SIGTERM)
	d.WaitExit(t, 15*time.Second)
	if tg.State != schedule.Published {
		t.Fatalf("the interrupted post is %s (%s), want published", tg.State, tg.Error)
	}
	records := pds.ListRecords(t, ivo.did, "app.bsky.feed.post")
	if len(records) != 1 || tg.RemoteID != records[0].URI || !strings.HasPrefix(tg.URL, "https://bsky.app/profile/") {
		t.Fatalf("published as %s (%s); the PDS holds %s", tg.RemoteID, tg.URL, mustJSON(t, records))
	}
	if n := cut.count("com.atproto.repo.createRecord"); n != 1 {
		t.Errorf("createRecord was sent %d times; the post should have been found, not sent again", n)
	}
	if cut.count("com.atproto.repo.listRecords") == 0 {
		t.Error("the PDS was never asked for the account's posts")
	}
	if log := appLog(t, c); !strings.Contains(log, "post of unknown outcome found on the network") {
		t.Errorf("the restarted daemon did not log that it found the post:\n%s", log)
	}
}

// TestBlueskyCrashDuringABurstNeverPostsTwice kills the daemon with SIGKILL
// several times while due posts go out to a Bluesky profile on the real
// PDS, restarting it each time: at the end every copy is published, none
// unconfirmed, and the PDS holds each exactly once.
func TestBlueskyCrashDuringABurstNeverPostsTwice(t *testing.T) {
	c := newCLIApp(t)
	testbed.StartKeyring(t)
	pds := testbed.StartPDS(t)
	jo := newBskyAccount(t, pds, "jolene")
	a := connectBluesky(t, c, jo, pds.URL())

	const n, kills = 30, 4
	for i := 0; i < n; i++ {
		c.schedule(t, time.Now(), fmt.Sprintf("Bluesky burst post number %d", i), a)
	}
	list := killDuringBurst(t, c, n, kills)

	onServer, total := postTexts(t, pds, jo.did)
	if len(list) != n {
		t.Fatalf("%d posts in the queue, want %d", len(list), n)
	}
	published := 0
	for _, p := range list {
		switch tg := p.Targets[0]; tg.State {
		case schedule.Published:
			published++
			if got := onServer[p.Text]; got != 1 {
				t.Errorf("%q is published and on the PDS %d times", p.Text, got)
			}
		default:
			t.Errorf("%q ended %s: %s", p.Text, tg.State, tg.Error)
		}
	}
	if total != n {
		t.Errorf("the PDS holds %d posts, want %d", total, n)
	}
	// What the daemons logged (the data folder's log, all runs).
	log := appLog(t, c)
	interrupted := 0
	for _, line := range strings.Split(log, "\n") {
		if i := strings.Index(line, "targets="); i >= 0 && strings.Contains(line, "posts interrupted by a stop") {
			var k int
			fmt.Sscan(line[i+len("targets="):], &k)
			interrupted += k
		}
	}
	found := strings.Count(log, "post of unknown outcome found on the network")
	resent := strings.Count(log, "post of unknown outcome is not on the network; sending it")
	t.Logf("%d posts, %d SIGKILLs: %d published, %d unconfirmed, %d records on the PDS; %d interrupted mid-publish, %d of them found on the PDS, %d not there and sent",
		n, kills, published, n-published, total, interrupted, found, resent)
}

// appLog is the data folder's log, as every run of the binary wrote it.
func appLog(t *testing.T, c *cliApp) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(c.dataDir, applog.FileName))
	if err != nil {
		t.Fatalf("the app's log: %v", err)
	}
	return string(b)
}
