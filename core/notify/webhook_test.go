package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/secret"
	"github.com/socialomm/desktop/core/store"
	"github.com/socialomm/desktop/internal/testbed"
)

// validBody checks a body by its receiver's rules (testbed's own reading
// of Slack's and Discord's limits) and the generic payload's version.
func validBody(kind WebhookKind, body []byte) error {
	switch kind {
	case WebhookSlack:
		return testbed.ValidSlack(body)
	case WebhookDiscord:
		return testbed.ValidDiscord(body)
	}
	var p struct {
		Version  int               `json:"version"`
		Event    string            `json:"event"`
		Profiles []json.RawMessage `json:"profiles"`
		At       time.Time         `json:"at"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return err
	}
	if p.Version != 1 || p.Event == "" || p.Profiles == nil || p.At.IsZero() {
		return errors.New("generic payload lacks version 1, event, profiles or at")
	}
	return nil
}

var update = flag.Bool("update", false, "rewrite the golden files")

const hookSecret = "whsec-Unit-Test-Secret-42"

// receiver is a webhook receiver; answer decides each response.
type receiver struct {
	mu     sync.Mutex
	srv    *httptest.Server
	got    []received
	answer func(n int) (status int, header http.Header)
}

type received struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{answer: func(int) (int, http.Header) { return 200, nil }}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, received{r.Header.Clone(), body})
		status, h := rc.answer(len(rc.got))
		rc.mu.Unlock()
		for k, v := range h {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		io.WriteString(w, "ok from the receiver")
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) all() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

func (b *bed) addHook(kind WebhookKind, url string, events []Kind, sec string) Webhook {
	b.t.Helper()
	w, err := b.svc.AddWebhook(ctx, NewWebhook{Kind: kind, URL: url, Events: events, Secret: sec})
	if err != nil {
		b.t.Fatalf("AddWebhook: %v", err)
	}
	return w
}

// verifySignature checks X-SocialOmm-Signature with its own HMAC.
func verifySignature(t *testing.T, r received, sec string) {
	t.Helper()
	sig := r.header.Get("X-SocialOmm-Signature")
	ts, v1, ok := strings.Cut(sig, ",v1=")
	ts, ok2 := strings.CutPrefix(ts, "t=")
	if !ok || !ok2 {
		t.Fatalf("signature header %q", sig)
	}
	if _, err := strconv.ParseInt(ts, 10, 64); err != nil {
		t.Fatalf("signature time %q", ts)
	}
	mac := hmac.New(sha256.New, []byte(sec))
	mac.Write([]byte(ts + "." + string(r.body)))
	if want := hex.EncodeToString(mac.Sum(nil)); !hmac.Equal([]byte(want), []byte(v1)) {
		t.Fatalf("signature v1=%s, want %s", v1, want)
	}
}

func TestCheckWebhookURL(t *testing.T) {
	for _, c := range []struct {
		url, wantErr string
	}{
		{"https://hooks.slack.com/services/T/B/X", ""},
		{"http://127.0.0.1:8080/hook", ""},
		{"http://localhost/hook", ""},
		{"http://[::1]:9/x", ""},
		{"http://example.org/hook", "plain http:// is allowed only to this computer"},
		{"ftp://example.org/hook", "must start with https://"},
		{"hooks.slack.com/services", "is not a URL"},
		{"https://user:pw@example.org/", "user name or password"},
	} {
		_, err := CheckWebhookURL(c.url)
		if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
			t.Errorf("CheckWebhookURL(%q) = %v, want %q", c.url, err, c.wantErr)
		}
	}
	if _, err := ParseEvents("expired,nonsense"); err == nil || !strings.Contains(err.Error(), "post_late") {
		t.Errorf("ParseEvents with an unknown event: %v", err)
	}
}

// TestPayloadFormats compares each format's body with its golden file and
// checks each against its receiver's rules.
func TestPayloadFormats(t *testing.T) {
	exp := start.Add(-time.Hour)
	events := []Event{
		{Kind: Disconnected, Profile: Profile{AccountID: 1, Network: "mastodon", Handle: "@ana@example.social", DisplayName: "Ana",
			State: account.Disconnected}, At: start, Reason: account.ReasonRevoked},
		{Kind: Expired, Profile: Profile{AccountID: 2, Network: "bluesky", Handle: "@bob.bsky.social", DisplayName: "Bob <&>",
			State: account.Disconnected, ExpiresAt: &exp}, At: exp, ExpiresAt: exp, Reason: account.ReasonExpired},
	}
	r := renderer{loc: cet, now: start}
	m := r.renderLoss(events, ChannelDesktop)
	for _, kind := range WebhookKinds {
		body, err := payload(kind, "disconnected", "evt_0123", events, m, start, start)
		if err != nil {
			t.Fatal(err)
		}
		var pretty map[string]any
		if err := json.Unmarshal(body, &pretty); err != nil {
			t.Fatalf("%s: not JSON: %v", kind, err)
		}
		out, _ := json.MarshalIndent(pretty, "", "  ")
		golden := filepath.Join("testdata", "webhook-"+string(kind)+".json")
		if *update {
			os.MkdirAll("testdata", 0o755)
			os.WriteFile(golden, append(out, '\n'), 0o644)
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run with -update to write it)", err)
		}
		if string(want) != string(out)+"\n" {
			t.Errorf("%s payload differs from %s:\n%s", kind, golden, out)
		}
		if err := validBody(kind, body); err != nil {
			t.Errorf("%s: %v", kind, err)
		}
	}
}

func TestLongMessagesStayWithinLimits(t *testing.T) {
	long := strings.Repeat("word <b> & ", 2000)
	m := Message{Title: strings.Repeat("T", 400), Text: long}
	for _, kind := range []WebhookKind{WebhookSlack, WebhookDiscord} {
		body, err := payload(kind, "post_failed", "evt", nil, m, start, start)
		if err != nil {
			t.Fatal(err)
		}
		if err := validBody(kind, body); err != nil {
			t.Errorf("%s with a long message: %v", kind, err)
		}
	}
}

// TestSignedJSONOnceWithStableIDAndRetryAfter: the receiver is down (503,
// Retry-After: 120) for two lost profiles; the retry waits exactly the
// receiver's 120 s, then one merged, signed message arrives with the same
// event id as the refused attempt; a restart sends nothing more.
func TestSignedJSONOnceWithStableIDAndRetryAfter(t *testing.T) {
	b := newBed(t)
	b.set("notify.email", "off")
	b.set("notify.desktop", "off")
	rc := newReceiver(t)
	rc.answer = func(n int) (int, http.Header) {
		if n == 1 {
			return 503, http.Header{"Retry-After": {"120"}}
		}
		return 204, nil
	}
	b.addHook(WebhookJSON, rc.srv.URL+"/alerts", nil, hookSecret)

	b.enqueue(lost(ana, start, account.ReasonPasswordChanged))
	b.enqueue(lost(bob, start.Add(10*time.Second), account.ReasonRevoked))
	b.clock.Advance(time.Minute)
	if n, err := b.deliver(); n != 0 || err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("first delivery to a receiver answering 503: %d, %v", n, err)
	}
	p := b.pending()
	if len(p) != 2 || !p[0].NextAttempt.Equal(b.clock.Now().Add(120*time.Second)) {
		t.Fatalf("after a 503 with Retry-After: 120, pending = %+v", p)
	}
	b.restart()
	b.clock.Advance(119 * time.Second)
	if n, _ := b.deliver(); n != 0 {
		t.Fatalf("sent %d before the receiver's Retry-After", n)
	}
	b.clock.Advance(time.Second)
	if n, err := b.deliver(); n != 1 || err != nil {
		t.Fatalf("after Retry-After: %d, %v", n, err)
	}
	b.restart()
	b.clock.Advance(time.Hour)
	if n, _ := b.deliver(); n != 0 {
		t.Fatalf("%d more after a restart", n)
	}
	all := rc.all()
	if len(all) != 2 {
		t.Fatalf("receiver got %d requests, want 2 (the refused one and the accepted one)", len(all))
	}
	if a, b := all[0].header.Get("X-SocialOmm-Event-Id"), all[1].header.Get("X-SocialOmm-Event-Id"); a == "" || a != b {
		t.Fatalf("event ids %q and %q: want the same on the retry", a, b)
	}
	verifySignature(t, all[1], hookSecret)
	var got Payload
	if err := json.Unmarshal(all[1].body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Version != 1 || got.Event != "disconnected" || len(got.Profiles) != 2 || got.ID != all[1].header.Get("X-SocialOmm-Event-Id") {
		t.Fatalf("payload %+v", got)
	}
	if got.Profiles[0].Handle != ana.Handle || got.Profiles[1].Reason != string(account.ReasonRevoked) {
		t.Fatalf("profiles %+v", got.Profiles)
	}
	if !strings.Contains(all[1].header.Get("Content-Type"), "application/json") {
		t.Fatalf("content type %q", all[1].header.Get("Content-Type"))
	}
	if strings.Contains(b.outboxDump(), hookSecret) || strings.Contains(b.logs.String(), hookSecret) {
		t.Fatal("the webhook secret is in the outbox or the log")
	}
}

// TestReceiverDownMergesAndBacksOff: refused connections back off 1 min,
// 2 min, …; the alert is not lost and goes out once, merged, per webhook.
func TestReceiverDownMergesAndBacksOff(t *testing.T) {
	b := newBed(t)
	b.set("notify.email", "off")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: connections are refused
	for _, k := range WebhookKinds {
		b.addHook(k, "http://"+addr+"/"+string(k), nil, "")
	}
	b.enqueue(lost(ana, start, account.ReasonPasswordChanged))
	b.enqueue(lost(bob, start, account.ReasonPasswordChanged))
	b.clock.Advance(time.Minute)
	n, err := b.deliver()
	if n != 1 || err == nil || !strings.Contains(err.Error(), "ould not reach 127.0.0.1") {
		t.Fatalf("with the receivers down: %d sent (want the desktop's 1), %v", n, err)
	}
	for _, w := range b.pending() {
		if !strings.HasPrefix(string(w.Channel), "webhook:") || !strings.Contains(w.Why, "Tried 1 time") {
			t.Fatalf("pending %+v", w)
		}
	}
	b.restart()
	b.clock.Advance(time.Minute)
	if n, _ := b.deliver(); n != 0 {
		t.Fatalf("%d sent while still down", n)
	}
	// Up again, on the same address.
	rc := &receiver{answer: func(int) (int, http.Header) { return 200, nil }}
	rc.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, received{r.Header.Clone(), body})
		rc.mu.Unlock()
	}))
	l2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	rc.srv.Listener = l2
	rc.srv.Start()
	defer rc.srv.Close()
	b.clock.Advance(2 * time.Minute) // the second backoff
	if n, err := b.deliver(); n != 3 || err != nil {
		t.Fatalf("receivers back: %d sent, %v; want one per webhook", n, err)
	}
	b.restart()
	b.clock.Advance(24 * time.Hour)
	b.deliver()
	got := rc.all()
	if len(got) != 3 {
		t.Fatalf("%d requests, want exactly one per webhook", len(got))
	}
	for i, r := range got {
		kind := WebhookKinds[i]
		if err := validBody(kind, r.body); err != nil {
			t.Errorf("%s: %v", kind, err)
		}
		if !strings.Contains(string(r.body), "2 profiles disconnected") {
			t.Errorf("%s body is not the merged message: %s", kind, r.body)
		}
	}
}

func TestEventsFilter(t *testing.T) {
	b := newBed(t)
	rc := newReceiver(t)
	b.addHook(WebhookSlack, rc.srv.URL, []Kind{PostFailed}, "")
	chans := b.enqueue(lost(ana, start, account.ReasonRevoked))
	for _, c := range chans {
		if strings.HasPrefix(string(c), "webhook:") {
			t.Fatalf("a webhook for post_failed got a disconnection: %v", chans)
		}
	}
	chans = b.enqueue(Event{Kind: PostFailed, Profile: ana, At: start, PostID: 1, PostScheduled: start, PostText: "Hi"})
	if len(chans) != 3 || chans[1] != "webhook:1" {
		t.Fatalf("post_failed went to %v", chans)
	}
}

func TestSendTestWebhookAndRemove(t *testing.T) {
	b := newBed(t)
	rc := newReceiver(t)
	rc.answer = func(int) (int, http.Header) { return 400, nil }
	w := b.addHook(WebhookJSON, rc.srv.URL, nil, hookSecret)
	ans, err := b.svc.SendTestWebhook(ctx, w.ID)
	if err == nil || ans.Status != 400 || ans.Body != "ok from the receiver" {
		t.Fatalf("test to a receiver answering 400: %+v, %v", ans, err)
	}
	verifySignature(t, rc.all()[0], hookSecret)
	if k, err := b.svc.readWebhookKeys(ctx, w.ID); err != nil || k.Secret != hookSecret || k.URL != rc.srv.URL {
		t.Fatalf("address and secret in the keyring: %v (secret kept: %v)", err, k.Secret == hookSecret)
	}
	if err := b.svc.RemoveWebhook(ctx, w.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := (secret.NewKeyring()).Get(ctx, WebhookSecret, WebhookSecretKey(w.ID)); !errors.Is(err, secret.ErrNotFound) {
		t.Fatalf("secret after remove: %v", err)
	}
	if _, err := b.svc.SendTestWebhook(ctx, w.ID); !errors.Is(err, ErrNoWebhook) {
		t.Fatalf("test after remove: %v", err)
	}
	keyring.MockInitWithError(errors.New("locked"))
	if _, err := b.svc.AddWebhook(ctx, NewWebhook{Kind: WebhookJSON, URL: rc.srv.URL, Secret: "x"}); err == nil {
		t.Fatal("added a webhook whose secret the keyring refused")
	}
	keyring.MockInit()
	if list, _ := b.svc.Webhooks(ctx); len(list) != 0 {
		t.Fatalf("webhooks after a refused secret: %+v", list)
	}
}

// TestPostNoticesMergedPerMinute: the first unconfirmed post is told at
// once; six more within the minute make one message that names five and
// counts the rest; the email lists all six.
func TestPostNoticesMergedPerMinute(t *testing.T) {
	b := newBed(t)
	post := func(i int) Event {
		return Event{Kind: PostUnconfirmed, Profile: ana, At: b.clock.Now(), PostID: int64(i),
			PostScheduled: start.Add(time.Duration(i) * time.Minute), PostText: "Post number " + strconv.Itoa(i)}
	}
	b.enqueue(post(1))
	if n, err := b.deliver(); n != 2 || err != nil {
		t.Fatalf("first: %d, %v", n, err)
	}
	for i := 2; i <= 7; i++ {
		b.clock.Advance(5 * time.Second)
		b.enqueue(post(i))
		if n, _ := b.deliver(); n != 0 {
			t.Fatalf("post %d went out inside the minute", i)
		}
	}
	b.clock.Advance(time.Minute)
	if n, err := b.deliver(); n != 2 || err != nil {
		t.Fatalf("after the minute: %d, %v", n, err)
	}
	d := b.desktop.list()
	if len(d) != 2 || d[0].Title != "Did it go out?" || d[1].Title != "Did 6 posts go out?" {
		t.Fatalf("desktop titles %+v", d)
	}
	contains(t, "merged desktop", d[1].Text, "Post number 2", "Post number 6", "and 1 more", "Retry or Delete")
	if strings.Contains(d[1].Text, "Post number 7") {
		t.Errorf("the desktop names more than five:\n%s", d[1].Text)
	}
	mails := b.mailer.list()
	contains(t, "merged email", mails[1].msg.Text, "Post number 2", "Post number 7")
	for _, m := range append(d, mails[0].msg, mails[1].msg) {
		for _, bad := range []string{"failed", "The network said", "objected"} {
			if strings.Contains(m.Text, bad) || strings.Contains(m.Title, bad) {
				t.Errorf("unconfirmed notice says %q:\n%s\n%s", bad, m.Title, m.Text)
			}
		}
	}
}

func TestUnconfirmedWords(t *testing.T) {
	r := renderer{loc: cet, now: start}
	ev := Event{Kind: PostUnconfirmed, Profile: ana, At: start, PostID: 3, PostScheduled: start, PostText: "Spring sale"}
	d := r.render(ev, ChannelDesktop)
	if d.Title != "Did it go out?" {
		t.Errorf("title %q", d.Title)
	}
	contains(t, "desktop", d.Text, "SocialOmm lost track while sending your post scheduled for Tue 9 Feb 2027, 14:00 CET (“Spring sale”) to Mastodon @ana@example.social; look at the profile, then Retry or Delete.")
	e := r.render(ev, ChannelEmail)
	contains(t, "email", e.Title, "Did your post to Mastodon @ana@example.social go out?")
	contains(t, "email", e.Text, "lost track", "Retry", "Delete")
	late := r.render(Event{Kind: PostLate, Profile: ana, At: start, PostScheduled: start.Add(-12 * time.Minute), PostText: "Hi"}, ChannelDesktop)
	contains(t, "late", late.Title+late.Text, "is late", "12 minutes after its time")
}

// TestWebhookAddressLivesOnlyInTheKeyring: a Slack or Discord webhook's
// address carries its token in the path, so the database keeps only the
// scheme and host; the whole address is in the keyring and is where the
// message goes.
func TestWebhookAddressLivesOnlyInTheKeyring(t *testing.T) {
	b := newBed(t)
	rc := newReceiver(t)
	const token = "T0001/B0002/TokenThatPostsToTheChannel"
	w := b.addHook(WebhookSlack, rc.srv.URL+"/services/"+token, nil, "")
	if want := rc.srv.URL + "/…"; w.URL != want {
		t.Errorf("the webhook shows its address as %q, want %q", w.URL, want)
	}
	listed, err := b.svc.Webhooks(ctx)
	if err != nil || len(listed) != 1 || strings.Contains(listed[0].URL, "Token") {
		t.Fatalf("listed: %+v, %v", listed, err)
	}
	if _, err := b.svc.SendTestWebhook(ctx, w.ID); err != nil {
		t.Fatalf("send test: %v", err)
	}
	if got := len(rc.all()); got != 1 {
		t.Fatalf("the receiver got %d requests, want 1", got)
	}
	b.store.Close()
	for _, name := range []string{store.FileName, store.FileName + "-wal"} {
		data, err := os.ReadFile(filepath.Join(b.dir, name))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		if strings.Contains(string(data), "TokenThatPosts") {
			t.Errorf("%s holds the webhook's token", name)
		}
	}
}
