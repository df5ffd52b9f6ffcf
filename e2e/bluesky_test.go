package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/bluesky"
	"github.com/socialomm/desktop/internal/testbed"
)

// The Bluesky tests run the adapter against the real reference server
// (@atproto/pds 0.5.35 with its own PLC directory), started by
// testbed.StartPDS from what scripts/pds-deps.sh installed.

const (
	bskyMainPassword = "main-Password-for-tests-1"
	bskyAppName      = "SocialOmm"
)

// bskyAccount makes an account with an app password on the server.
type bskyAccount struct {
	handle, did, appPassword string
}

func newBskyAccount(t *testing.T, pds *testbed.PDS, name string) bskyAccount {
	t.Helper()
	handle := name + ".test"
	did := pds.CreateAccount(t, handle, name+"@example.org", bskyMainPassword)
	return bskyAccount{handle: handle, did: did, appPassword: pds.CreateAppPassword(t, handle, bskyMainPassword, bskyAppName)}
}

// bskyConnect connects through the adapter with the app password and the
// server's address given directly (the "advanced" field), and returns the
// account as the engine would store it.
func bskyConnect(t *testing.T, a *bluesky.Adapter, pds *testbed.PDS, who bskyAccount) (account.Account, network.Credentials) {
	t.Helper()
	prof, creds, base, err := a.Connect(context.Background(), "@"+who.handle, who.appPassword, pds.URL())
	if err != nil {
		t.Fatalf("Connect %s: %v", who.handle, err)
	}
	if base != pds.URL() {
		t.Errorf("Connect gave server %q, want %q", base, pds.URL())
	}
	return account.Account{
		Network:  bluesky.NetworkName,
		Instance: base,
		RemoteID: prof.RemoteID,
		Handle:   prof.Handle,
	}, creds
}

// jti reads a refresh JWT's id, to tell rotated tokens apart without
// printing them.
func bskyJTI(t *testing.T, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatal("the refresh token is not a JWT")
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("the refresh token's payload: %v", err)
	}
	var c struct {
		JTI string `json:"jti"`
	}
	if err := json.Unmarshal(raw, &c); err != nil || c.JTI == "" {
		t.Fatal("the refresh token has no jti")
	}
	return c.JTI
}

func near(got, want time.Time, slack time.Duration) bool {
	d := got.Sub(want)
	return d > -slack && d < slack
}

// bskyNoSecrets fails if an error text carries a secret.
func bskyNoSecrets(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Fatal("an error text carries a token or password")
		}
	}
}

func TestBlueskyConnectPublishAndRefresh(t *testing.T) {
	pds := testbed.StartPDS(t)
	ctx := context.Background()
	a := bluesky.New(nil)
	ana := newBskyAccount(t, pds, "ana")
	bob := newBskyAccount(t, pds, "bob")

	// Connect: the profile is the DID and handle; the connection lasts as
	// long as the refresh token's own exp says (90 days), the access token
	// two hours.
	before := pds.Now()
	acct, creds := bskyConnect(t, a, pds, ana)
	if acct.RemoteID != ana.did {
		t.Errorf("RemoteID %q, want the DID %q", acct.RemoteID, ana.did)
	}
	if acct.Handle != "@ana.test" {
		t.Errorf("Handle %q, want @ana.test", acct.Handle)
	}
	if !near(creds.ConnectionExpiry, before.Add(90*24*time.Hour), 2*time.Minute) {
		t.Errorf("ConnectionExpiry %s, want about 90 days after %s", creds.ConnectionExpiry, before)
	}
	if !near(creds.Expiry, before.Add(2*time.Hour), 2*time.Minute) {
		t.Errorf("Expiry %s, want about 2 hours after %s", creds.Expiry, before)
	}

	prof, err := a.Verify(ctx, acct, creds)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if prof.RemoteID != ana.did || prof.Handle != "@ana.test" || prof.ProfileURL != "https://bsky.app/profile/ana.test" {
		t.Errorf("Verify profile %+v", prof)
	}

	// Publish with a link and mentions: one that resolves, one that does
	// not (it stays plain text). Offsets are UTF-8 bytes.
	text := "Grüße an @bob.test 👋🏽 — mehr unter https://example.com/a?b=1. Und @nobody.test (niemand)"
	pub, err := a.Publish(ctx, acct, creds, text, "not-a-tid")
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if !strings.HasPrefix(pub.RemoteID, "at://"+ana.did+"/app.bsky.feed.post/") {
		t.Errorf("RemoteID %q is not a post of %s", pub.RemoteID, ana.did)
	}
	rkey := pub.RemoteID[strings.LastIndexByte(pub.RemoteID, '/')+1:]
	if pub.URL != "https://bsky.app/profile/ana.test/post/"+rkey {
		t.Errorf("URL %q", pub.URL)
	}
	records := pds.ListRecords(t, ana.did, "app.bsky.feed.post")
	if len(records) != 1 || records[0].URI != pub.RemoteID {
		t.Fatalf("listRecords: %d records, want the one post %s", len(records), pub.RemoteID)
	}
	var rec struct {
		Type      string          `json:"$type"`
		Text      string          `json:"text"`
		CreatedAt string          `json:"createdAt"`
		Facets    []bluesky.Facet `json:"facets"`
	}
	if err := json.Unmarshal(records[0].Value, &rec); err != nil {
		t.Fatalf("reading the record: %v", err)
	}
	if rec.Type != "app.bsky.feed.post" || rec.Text != text {
		t.Errorf("record type %q text %q", rec.Type, rec.Text)
	}
	if _, err := time.Parse(time.RFC3339, rec.CreatedAt); err != nil {
		t.Errorf("createdAt %q: %v", rec.CreatedAt, err)
	}
	mention := strings.Index(text, "@bob.test")
	link := strings.Index(text, "https://example.com/a?b=1")
	want := []bluesky.Facet{
		{Index: bluesky.FacetIndex{ByteStart: mention, ByteEnd: mention + len("@bob.test")},
			Features: []bluesky.FacetFeature{{Type: "app.bsky.richtext.facet#mention", DID: bob.did}}},
		{Index: bluesky.FacetIndex{ByteStart: link, ByteEnd: link + len("https://example.com/a?b=1")},
			Features: []bluesky.FacetFeature{{Type: "app.bsky.richtext.facet#link", URI: "https://example.com/a?b=1"}}},
	}
	if got, _ := json.Marshal(rec.Facets); string(got) != string(mustJSON(t, want)) {
		t.Errorf("facets\n got %s\nwant %s", got, mustJSON(t, want))
	}
	if text[mention:mention+len("@bob.test")] != "@bob.test" {
		t.Fatal("test text broken")
	}

	// A post keyed by a TID goes out once, however often it is sent.
	key := bluesky.NewPostKey(time.Now(), "target-1")
	first, err := a.Publish(ctx, acct, creds, "Only once", key)
	if err != nil {
		t.Fatalf("Publish with key: %v", err)
	}
	again, err := a.Publish(ctx, acct, creds, "Only once", key)
	if err != nil {
		t.Fatalf("Publish with the same key again: %v", err)
	}
	if first != again || !strings.HasSuffix(first.RemoteID, "/"+key) {
		t.Errorf("publishing the same key twice gave %v and %v", first, again)
	}
	if n := len(pds.ListRecords(t, ana.did, "app.bsky.feed.post")); n != 2 {
		t.Errorf("%d posts after publishing one key twice, want 2 in all", n)
	}
	var recent []network.RecentPost
	err = a.RecentPosts(ctx, acct, creds, time.Time{}, func(page []network.RecentPost) bool {
		recent = append(recent, page...)
		return true
	})
	if err != nil || len(recent) != 2 || recent[0].Text != "Only once" {
		t.Errorf("RecentPosts: %v, %+v", err, recent)
	}

	// Too long is refused before anything is sent.
	if _, err := a.Publish(ctx, acct, creds, strings.Repeat("👋🏽", bluesky.TextLimit+1), ""); !errors.Is(err, bluesky.ErrTooLong) {
		t.Errorf("a 301-grapheme post: %v, want ErrTooLong", err)
	}
	if _, err := a.Publish(ctx, acct, creds, strings.Repeat("👋🏽", bluesky.TextLimit), ""); err != nil {
		t.Errorf("a 300-grapheme post: %v", err)
	}

	// Refresh rotates both tokens.
	next, err := a.Refresh(ctx, acct, creds)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if next.RefreshToken == creds.RefreshToken || bskyJTI(t, next.RefreshToken) == bskyJTI(t, creds.RefreshToken) {
		t.Error("Refresh did not rotate the refresh token")
	}
	// (The access token may come out the same within one second: it
	// carries no id, only the account, scope and times.)
	if next.AccessToken == "" || next.Expiry.Before(creds.Expiry) {
		t.Error("Refresh did not give an access token")
	}
	// The reference server lets the old refresh token be used again for two
	// hours (a grace period for lost answers); it then hands out the same
	// next token id, not a new branch of the session.
	if graced, err := a.Refresh(ctx, acct, creds); err != nil {
		t.Errorf("the old refresh token within its two-hour grace: %v", err)
	} else if bskyJTI(t, graced.RefreshToken) != bskyJTI(t, next.RefreshToken) {
		t.Error("the old refresh token within its grace gave another session than the rotation")
	}

	// Past the access token's two hours and the grace: the old access
	// token says so (refresh and go on), the old refresh token is refused,
	// and Check with the stored (rotated) credentials refreshes again.
	pds.AdvanceClock(t, 2*time.Hour+5*time.Minute)
	if _, err := a.Verify(ctx, acct, creds); !errors.Is(err, bluesky.ErrAccessExpired) {
		t.Errorf("Verify with an access token past its two hours: %v, want ErrAccessExpired", err)
	}
	if _, err := a.Publish(ctx, acct, creds, "too late", ""); !errors.Is(err, bluesky.ErrAccessExpired) {
		t.Errorf("Publish with an access token past its two hours: %v, want ErrAccessExpired", err)
	}
	_, err = a.Refresh(ctx, acct, creds)
	if network.ReasonOf(err) != account.ReasonRevoked {
		t.Errorf("the old refresh token after its grace: %v, want lost access (revoked: the server says \"Token has been revoked\")", err)
	}
	bskyNoSecrets(t, err, creds.AccessToken, creds.RefreshToken, ana.appPassword)
	prof, checked, err := a.Check(ctx, acct, next)
	if err != nil {
		t.Fatalf("Check with the rotated credentials: %v", err)
	}
	if checked.RefreshToken == "" || checked.RefreshToken == next.RefreshToken {
		t.Error("Check did not hand back rotated credentials")
	}
	if prof.RemoteID != ana.did {
		t.Errorf("Check profile %+v", prof)
	}
	if !near(checked.ConnectionExpiry, pds.Now().Add(90*24*time.Hour), 2*time.Minute) {
		t.Errorf("after a refresh ConnectionExpiry %s, want about 90 days after the server's now %s", checked.ConnectionExpiry, pds.Now())
	}

	// A refresh token past its own 90 days: the connection expired.
	pds.AdvanceClock(t, 91*24*time.Hour)
	_, gone, err := a.Check(ctx, acct, checked)
	if network.ReasonOf(err) != account.ReasonExpired {
		t.Errorf("Check with a refresh token past its 90 days: %v, want lost access (expired)", err)
	}
	if gone != (network.Credentials{}) {
		t.Error("a failed refresh handed back credentials")
	}
	bskyNoSecrets(t, err, checked.AccessToken, checked.RefreshToken)
}

// bskySessionRecorder keeps the refresh token of the last createSession
// answer that passes through it.
type bskySessionRecorder struct {
	next       http.RoundTripper
	refreshJwt string
}

func (r *bskySessionRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil || !strings.HasSuffix(req.URL.Path, "/com.atproto.server.createSession") {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var s struct {
		RefreshJwt string `json:"refreshJwt"`
	}
	if json.Unmarshal(body, &s) == nil {
		r.refreshJwt = s.RefreshJwt
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBlueskyLostAccess(t *testing.T) {
	pds := testbed.StartPDS(t)
	ctx := context.Background()
	a := bluesky.New(nil)
	ana := newBskyAccount(t, pds, "ana")

	t.Run("wrong password", func(t *testing.T) {
		_, _, _, err := a.Connect(ctx, "ana.test", "abcd-efgh-ijkl-mnop", pds.URL())
		if !errors.Is(err, bluesky.ErrLoginRefused) {
			t.Fatalf("Connect with a wrong password: %v, want ErrLoginRefused", err)
		}
		// The server's words: "Invalid identifier or password".
		if network.ReasonOf(err) != account.ReasonPasswordChanged || !strings.Contains(err.Error(), "Invalid identifier or password") {
			t.Errorf("wrong password: %v (reason %q), want password_changed with the server's words", err, network.ReasonOf(err))
		}
		bskyNoSecrets(t, err, "abcd-efgh-ijkl-mnop")
	})

	t.Run("main password refused", func(t *testing.T) {
		// Watch the wire to see that the session the main password made is
		// ended, not just dropped.
		seen := &bskySessionRecorder{next: http.DefaultTransport}
		a := bluesky.New(&http.Client{Timeout: 30 * time.Second, Transport: seen})
		_, creds, _, err := a.Connect(ctx, "ana.test", bskyMainPassword, pds.URL())
		if !errors.Is(err, bluesky.ErrMainPassword) {
			t.Fatalf("Connect with the main password: %v, want ErrMainPassword", err)
		}
		if creds != (network.Credentials{}) {
			t.Error("the main password's session was handed out")
		}
		for _, words := range []string{"app password", "Settings → Privacy and security → App passwords"} {
			if !strings.Contains(err.Error(), words) {
				t.Errorf("the refusal %q does not say %q", err, words)
			}
		}
		bskyNoSecrets(t, err, bskyMainPassword)
		if seen.refreshJwt == "" {
			t.Fatal("no createSession answer was seen")
		}
		status, body := pds.XRPC(t, "com.atproto.server.refreshSession", nil, true, nil, seen.refreshJwt)
		if status != http.StatusBadRequest || !strings.Contains(string(body), "Token has been revoked") {
			t.Errorf("the refused session's refresh token still works: HTTP %d %.200s", status, body)
		}
	})

	t.Run("revoked app password", func(t *testing.T) {
		acct, creds := bskyConnect(t, a, pds, ana)
		pds.RevokeAppPassword(t, ana.handle, bskyMainPassword, bskyAppName)
		// The access token outlives the revoke (up to two hours): getSession
		// alone does not notice...
		if _, err := a.Verify(ctx, acct, creds); err != nil {
			t.Errorf("Verify right after the revoke: %v (the reference server keeps access tokens working)", err)
		}
		// ...the refresh in Check does.
		_, next, err := a.Check(ctx, acct, creds)
		if network.ReasonOf(err) != account.ReasonRevoked || !strings.Contains(err.Error(), "Token has been revoked") {
			t.Fatalf("Check after the revoke: %v, want lost access (revoked)", err)
		}
		if next != (network.Credentials{}) {
			t.Error("a refused refresh handed back credentials")
		}
		bskyNoSecrets(t, err, creds.AccessToken, creds.RefreshToken, ana.appPassword)
		// Signing in again with the revoked app password: the server says
		// only "Invalid identifier or password".
		_, _, _, err = a.Connect(ctx, ana.handle, ana.appPassword, pds.URL())
		if !errors.Is(err, bluesky.ErrLoginRefused) || network.ReasonOf(err) != account.ReasonPasswordChanged {
			t.Errorf("Connect with the revoked app password: %v", err)
		}
	})

	t.Run("revoke ends the session", func(t *testing.T) {
		ana.appPassword = pds.CreateAppPassword(t, ana.handle, bskyMainPassword, "second")
		acct, creds := bskyConnect(t, a, pds, ana)
		if err := a.Revoke(ctx, acct, creds); err != nil {
			t.Fatalf("Revoke: %v", err)
		}
		if _, err := a.Refresh(ctx, acct, creds); network.ReasonOf(err) != account.ReasonRevoked {
			t.Errorf("Refresh after Revoke: %v, want lost access (revoked)", err)
		}
		if err := a.Revoke(ctx, acct, creds); err != nil {
			t.Errorf("Revoke of an ended session: %v, want nil", err)
		}
	})

	t.Run("connection survives a server restart", func(t *testing.T) {
		acct, creds := bskyConnect(t, a, pds, ana)
		pds.Stop(t)
		_, _, err := a.Check(ctx, acct, creds)
		if !network.IsTransient(err) || !errors.Is(err, bluesky.ErrUnreachable) {
			t.Errorf("Check while the server is down: %v, want a transient error", err)
		}
		pds.Start(t)
		if _, next, err := a.Check(ctx, acct, creds); err != nil || next.RefreshToken == "" {
			t.Errorf("Check after the restart: %v", err)
		}
	})
}

// TestBlueskyResolvesTheServer connects without a server address: the
// handle's DID comes from DNS (the TXT answer is the one thing stood in
// for: .test names are not in any DNS), the DID document from the real PLC
// directory, and the server from the document.
func TestBlueskyResolvesTheServer(t *testing.T) {
	pds := testbed.StartPDS(t)
	ana := newBskyAccount(t, pds, "ana")
	txt := func(ctx context.Context, name string) ([]string, error) {
		if name == "_atproto."+ana.handle {
			return []string{"did=" + ana.did}, nil
		}
		return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}
	// Only this computer may be asked: https://<handle>/.well-known/...
	// for a .test name must fail here, not go looking on the network.
	loopbackOnly := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if err != nil || (host != "127.0.0.1" && host != "localhost" && host != "::1") {
				return nil, fmt.Errorf("test bed: %s is not on this computer", addr)
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}}
	a := bluesky.New(loopbackOnly, bluesky.WithPLCURL(pds.PLCURL()), bluesky.WithTXTLookup(txt))
	prof, creds, base, err := a.Connect(context.Background(), "@ANA.test", ana.appPassword, "")
	if err != nil {
		t.Fatalf("Connect by handle: %v", err)
	}
	if base != pds.PublicURL() {
		t.Errorf("resolved server %q, want %q (the DID document's)", base, pds.PublicURL())
	}
	if prof.RemoteID != ana.did || prof.Handle != "@ana.test" || creds.RefreshToken == "" {
		t.Errorf("profile %+v", prof)
	}
	if _, _, _, err := a.Connect(context.Background(), "nobody.test", ana.appPassword, ""); !errors.Is(err, bluesky.ErrHandleNotFound) {
		t.Errorf("an unknown handle: %v, want ErrHandleNotFound", err)
	}
}
