package bluesky

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/clock"
	"github.com/socialomm/desktop/core/network"
)

func TestDetect(t *testing.T) {
	type want struct {
		part   string // the text the span covers
		uri    string
		handle string
	}
	cases := []struct {
		text string
		want []want
	}{
		{"hello", nil},
		{"see https://example.com", []want{{part: "https://example.com", uri: "https://example.com"}}},
		{"https://example.com/a?b=1.", []want{{part: "https://example.com/a?b=1", uri: "https://example.com/a?b=1"}}},
		{"(see https://en.wikipedia.org/wiki/Go_(language)) ok", []want{{part: "https://en.wikipedia.org/wiki/Go_(language)", uri: "https://en.wikipedia.org/wiki/Go_(language)"}}},
		{"(https://example.com)", []want{{part: "https://example.com", uri: "https://example.com"}}},
		{"x https://example.com, y http://example.org!", []want{
			{part: "https://example.com", uri: "https://example.com"},
			{part: "http://example.org", uri: "http://example.org"}}},
		{"nohttps://example.com", nil},
		{"https://", nil},
		{"hi @ana.test!", []want{{part: "@ana.test", handle: "ana.test"}}},
		{"@Ana.Bsky.Social: yes", []want{{part: "@Ana.Bsky.Social", handle: "ana.bsky.social"}}},
		{"end of sentence @ana.test.", []want{{part: "@ana.test", handle: "ana.test"}}},
		{"mail ana@example.com", nil},
		{"@ana alone", nil},
		{"Grüße 👋🏽 @bob.test — https://exämple.com/ü", []want{
			{part: "@bob.test", handle: "bob.test"},
			{part: "https://exämple.com/ü", uri: "https://exämple.com/ü"}}},
		{"https://example.com/@ana.test/post", []want{{part: "https://example.com/@ana.test/post", uri: "https://example.com/@ana.test/post"}}},
		{"line\n@ana.test\thttps://a.example", []want{
			{part: "@ana.test", handle: "ana.test"},
			{part: "https://a.example", uri: "https://a.example"}}},
	}
	for _, c := range cases {
		got := detect(c.text)
		if len(got) != len(c.want) {
			t.Errorf("detect(%q) = %+v, want %d spans", c.text, got, len(c.want))
			continue
		}
		for i, s := range got {
			w := c.want[i]
			if c.text[s.start:s.end] != w.part || s.uri != w.uri || s.handle != w.handle {
				t.Errorf("detect(%q)[%d] = %q %+v, want %+v", c.text, i, c.text[s.start:s.end], s, w)
			}
		}
	}
}

func TestPublish(t *testing.T) {
	f := newFakePDS(t)
	const bob = "did:plc:bbbbbbbbbbbbbbbbbbbbbbbb"
	f.on("com.atproto.identity.resolveHandle", func(w http.ResponseWriter, r recorded) {
		q, _ := url.ParseQuery(r.query)
		if q.Get("handle") == "bob.test" {
			writeJSON(w, 200, map[string]string{"did": bob})
			return
		}
		xrpcErr(w, 400, "HandleNotFound", "Unable to resolve handle")
	})
	f.on("com.atproto.repo.createRecord", func(w http.ResponseWriter, r recorded) {
		writeJSON(w, 200, map[string]any{
			"uri": "at://" + testDID + "/app.bsky.feed.post/3l3qo2vutsw2b", "cid": "bafyreig",
			"commit": map[string]string{"cid": "bafyreic", "rev": "3l3qo2vuowo2b"}, "validationStatus": "valid",
		})
	})
	a := New(nil, WithClock(clock.NewFake(time.Date(2026, 3, 4, 12, 30, 15, 123456789, time.FixedZone("CET", 3600)))))
	text := "Hi @bob.test and @nobody.test @bob.test 👋🏽 https://example.com/x."
	pub, err := a.Publish(context.Background(), f.account(), network.Credentials{AccessToken: "access-token"}, text, "target-7")
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if pub.RemoteID != "at://"+testDID+"/app.bsky.feed.post/3l3qo2vutsw2b" || pub.URL != "https://bsky.app/profile/ana.test/post/3l3qo2vutsw2b" {
		t.Errorf("published %+v", pub)
	}
	if n := len(f.calls("com.atproto.identity.resolveHandle")); n != 2 {
		t.Errorf("%d handle resolutions, want 2 (each handle once)", n)
	}
	calls := f.calls("com.atproto.repo.createRecord")
	if len(calls) != 1 || calls[0].method != http.MethodPost || calls[0].auth != "Bearer access-token" {
		t.Fatalf("createRecord requests %+v", calls)
	}
	var body struct {
		Repo       string          `json:"repo"`
		Collection string          `json:"collection"`
		RKey       *string         `json:"rkey"`
		Record     json.RawMessage `json:"record"`
	}
	if err := json.Unmarshal(calls[0].body, &body); err != nil {
		t.Fatal(err)
	}
	if body.Repo != testDID || body.Collection != "app.bsky.feed.post" || body.RKey != nil {
		t.Errorf("createRecord body %s", calls[0].body)
	}
	first := strings.Index(text, "@bob.test")
	second := strings.LastIndex(text, "@bob.test")
	link := strings.Index(text, "https://example.com/x")
	want := `{"$type":"app.bsky.feed.post","text":` + mustMarshal(t, text) + `,"createdAt":"2026-03-04T11:30:15.123Z","facets":[` +
		`{"index":{"byteStart":` + itoa(first) + `,"byteEnd":` + itoa(first+9) + `},"features":[{"$type":"app.bsky.richtext.facet#mention","did":"` + bob + `"}]},` +
		`{"index":{"byteStart":` + itoa(second) + `,"byteEnd":` + itoa(second+9) + `},"features":[{"$type":"app.bsky.richtext.facet#mention","did":"` + bob + `"}]},` +
		`{"index":{"byteStart":` + itoa(link) + `,"byteEnd":` + itoa(link+len("https://example.com/x")) + `},"features":[{"$type":"app.bsky.richtext.facet#link","uri":"https://example.com/x"}]}]}`
	if string(body.Record) != want {
		t.Errorf("record\n got %s\nwant %s", body.Record, want)
	}
}

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestPublishWithAKeyIsIdempotent(t *testing.T) {
	f := newFakePDS(t)
	stored := map[string]string{} // rkey: text
	f.on("com.atproto.repo.createRecord", func(w http.ResponseWriter, r recorded) {
		var b struct {
			RKey   string     `json:"rkey"`
			Record postRecord `json:"record"`
		}
		json.Unmarshal(r.body, &b)
		if _, ok := stored[b.RKey]; ok {
			// What the reference PDS answers to a second create with the
			// same key.
			xrpcErr(w, 500, "InternalServerError", "Internal Server Error")
			return
		}
		stored[b.RKey] = b.Record.Text
		// The first answer is lost on the way back.
		xrpcErr(w, 502, "UpstreamFailure", "Upstream Failure")
	})
	f.on("com.atproto.repo.getRecord", func(w http.ResponseWriter, r recorded) {
		q, _ := url.ParseQuery(r.query)
		text, ok := stored[q.Get("rkey")]
		if !ok {
			xrpcErr(w, 400, "RecordNotFound", "Could not locate record")
			return
		}
		writeJSON(w, 200, map[string]any{"uri": "at://" + testDID + "/app.bsky.feed.post/" + q.Get("rkey"), "value": map[string]string{"text": text}})
	})
	creds := network.Credentials{AccessToken: "access-token"}
	due := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, key := range []string{NewPostKey(testNow, "target-7"), network.PublishKey("socialomm-3-7", due)} {
		pub, err := New(nil).Publish(context.Background(), f.account(), creds, "Only once", key)
		if err != nil {
			t.Fatalf("Publish %q: %v", key, err)
		}
		rkey := pub.RemoteID[strings.LastIndexByte(pub.RemoteID, '/')+1:]
		if !IsTID(rkey) || stored[rkey] != "Only once" {
			t.Errorf("key %q published %+v", key, pub)
		}
		pub2, err := New(nil).Publish(context.Background(), f.account(), creds, "Only once", key)
		if err != nil || pub2 != pub {
			t.Errorf("second Publish: %+v %v", pub2, err)
		}
	}
	if len(stored) != 2 {
		t.Errorf("%d records stored, want 2", len(stored))
	}
	// A record already under the key with other words is not this post.
	_, err := New(nil).Publish(context.Background(), f.account(), creds, "Other words", NewPostKey(testNow, "target-7"))
	var rej *RejectedError
	if !errors.As(err, &rej) || len(stored) != 2 {
		t.Errorf("another post under the key: %v", err)
	}
}

func TestRecordKey(t *testing.T) {
	due := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	k := recordKey(network.PublishKey("socialomm-3-7", due))
	if !IsTID(k) || k != recordKey(network.PublishKey("socialomm-3-7", due)) {
		t.Fatalf("recordKey gave %q", k)
	}
	// Its time is within the second the target was due.
	if k < tid(due, 0) || k >= tid(due.Add(time.Second), 0) {
		t.Errorf("record key %q is not in the due second (%q..%q)", k, tid(due, 0), tid(due.Add(time.Second), 0))
	}
	seen := map[string]bool{k: true}
	for i := range 2000 {
		other := recordKey(network.PublishKey(fmt.Sprintf("socialomm-%d-%d", i, i+1), due))
		if seen[other] {
			t.Fatalf("two targets due in the same second share the record key %q", other)
		}
		seen[other] = true
	}
	if recordKey("not-a-key") != "" || recordKey("") != "" {
		t.Error("a key without a time gave a record key")
	}
	if tid := NewPostKey(testNow, "x"); recordKey(tid) != tid {
		t.Error("a TID is not used as it is")
	}
}

func TestPublishOutcomeUnknownWithoutKey(t *testing.T) {
	f := newFakePDS(t)
	f.on("com.atproto.repo.createRecord", func(w http.ResponseWriter, r recorded) {
		xrpcErr(w, 502, "UpstreamFailure", "Upstream Failure")
	})
	_, err := New(nil).Publish(context.Background(), f.account(), network.Credentials{AccessToken: "access-token"}, "hello", "not-a-tid")
	if !network.IsTransient(err) || !errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("got %v, want transient ErrOutcomeUnknown", err)
	}
	f.on("com.atproto.repo.createRecord", func(w http.ResponseWriter, r recorded) {
		w.Header().Set("Retry-After", "30")
		xrpcErr(w, 429, "RateLimitExceeded", "Rate Limit Exceeded")
	})
	_, err = New(nil).Publish(context.Background(), f.account(), network.Credentials{AccessToken: "access-token"}, "hello", "")
	var te *network.TransientError
	if !errors.As(err, &te) || errors.Is(err, ErrOutcomeUnknown) || te.RetryAfter != 30*time.Second {
		t.Errorf("429: got %v, want transient with a 30 s wait and a known outcome", err)
	}
}

func TestPublishErrors(t *testing.T) {
	f := newFakePDS(t)
	f.on("com.atproto.repo.createRecord", func(w http.ResponseWriter, r recorded) {
		xrpcErr(w, 400, "ExpiredToken", "Token has expired")
	})
	a := New(nil)
	creds := network.Credentials{AccessToken: "access-token"}
	if _, err := a.Publish(context.Background(), f.account(), creds, "hello", ""); !errors.Is(err, ErrAccessExpired) {
		t.Errorf("expired access token: %v", err)
	}
	f.on("com.atproto.repo.createRecord", func(w http.ResponseWriter, r recorded) {
		xrpcErr(w, 400, "InvalidRequest", "Invalid app.bsky.feed.post record")
	})
	var rej *RejectedError
	if _, err := a.Publish(context.Background(), f.account(), creds, "hello", ""); !errors.As(err, &rej) {
		t.Errorf("invalid record: %v", err)
	}
	if _, err := a.Publish(context.Background(), f.account(), creds, "  \n", ""); err == nil {
		t.Error("empty text posted")
	}
	acct := f.account()
	acct.RemoteID = ""
	if _, err := a.Publish(context.Background(), acct, creds, "hello", ""); err == nil {
		t.Error("posted without a DID")
	}
	acct = f.account()
	acct.Instance = "http://pds.example.com"
	if _, err := a.Publish(context.Background(), acct, creds, "hello", ""); !errors.Is(err, ErrNotServerAddress) {
		t.Errorf("plain http to another computer: %v", err)
	}
	if n := len(f.calls("com.atproto.repo.createRecord")); n != 2 {
		t.Errorf("%d createRecord calls, want 2", n)
	}
}

func TestTextLimit(t *testing.T) {
	wave := "👋🏽" // one grapheme, eight bytes
	if Graphemes(strings.Repeat(wave, 300)) != 300 || CheckText(strings.Repeat(wave, 300)) != nil {
		t.Error("300 graphemes must fit")
	}
	if err := CheckText(strings.Repeat(wave, 301)); !errors.Is(err, ErrTooLong) || !strings.Contains(err.Error(), "301") {
		t.Errorf("301 graphemes: %v", err)
	}
	if err := CheckText(strings.Repeat("e\u0301", 300)); err != nil {
		t.Errorf("300 accented letters: %v", err)
	}
	// 200 graphemes of 18 bytes each pass the grapheme limit and not the
	// 3000-byte one.
	family := "👨‍👩‍👧" // 18 bytes, one grapheme
	if err := CheckText(strings.Repeat(family, 200)); !errors.Is(err, ErrTooLong) {
		t.Errorf("3600 bytes: %v", err)
	}
	a := New(nil)
	if n, err := a.TextLimit(context.Background(), account.Account{}); n != 300 || err != nil {
		t.Errorf("TextLimit = %d %v", n, err)
	}
}

func TestPostKey(t *testing.T) {
	k := NewPostKey(testNow, "target-1")
	if !IsTID(k) || len(k) != 13 {
		t.Fatalf("NewPostKey gave %q", k)
	}
	if NewPostKey(testNow, "target-1") != k {
		t.Error("the same target gave another key")
	}
	if NewPostKey(testNow, "target-2") == k || NewPostKey(testNow.Add(time.Microsecond), "target-1") == k {
		t.Error("another target or time gave the same key")
	}
	if NewPostKey(testNow, "a") >= NewPostKey(testNow.Add(time.Second), "a") {
		t.Error("keys do not sort by time")
	}
	// A TID as the reference implementation writes one.
	if !IsTID("3l3qo2vutsw2b") || IsTID("3l3qo2vutsw2") || IsTID("kl3qo2vutsw2b") || IsTID("target-1") {
		t.Error("IsTID")
	}
}
