package bluesky

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
)

// The unit tests check request shapes against an httptest server; how the
// real server behaves is tested in e2e/bluesky_test.go against
// @atproto/pds itself.

const testDID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"

var testNow = time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)

// recorded is one request the fake server saw.
type recorded struct {
	method string
	nsid   string
	query  string
	auth   string
	ctype  string
	body   []byte
}

type fakePDS struct {
	srv      *httptest.Server
	mu       sync.Mutex
	reqs     []recorded
	handlers map[string]func(w http.ResponseWriter, r recorded)
}

func newFakePDS(t *testing.T) *fakePDS {
	t.Helper()
	f := &fakePDS{handlers: map[string]func(http.ResponseWriter, recorded){}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec := recorded{
			method: r.Method,
			nsid:   strings.TrimPrefix(r.URL.Path, "/xrpc/"),
			query:  r.URL.RawQuery,
			auth:   r.Header.Get("Authorization"),
			ctype:  r.Header.Get("Content-Type"),
			body:   body,
		}
		f.mu.Lock()
		f.reqs = append(f.reqs, rec)
		h := f.handlers[rec.nsid]
		f.mu.Unlock()
		if h == nil {
			xrpcErr(w, 400, "MethodNotImplemented", "Method Not Implemented")
			return
		}
		h(w, rec)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakePDS) on(nsid string, h func(w http.ResponseWriter, r recorded)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handlers[nsid] = h
}

func (f *fakePDS) calls(nsid string) []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []recorded
	for _, r := range f.reqs {
		if r.nsid == nsid {
			out = append(out, r)
		}
	}
	return out
}

func (f *fakePDS) account() account.Account {
	return account.Account{Network: NetworkName, Instance: f.srv.URL, RemoteID: testDID, Handle: "@ana.test"}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func xrpcErr(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]string{"error": code, "message": msg})
}

// fakeJWT makes an unsigned token shaped like the PDS's.
func fakeJWT(claims map[string]any) string {
	enc := base64.RawURLEncoding
	h, _ := json.Marshal(map[string]string{"typ": "at+jwt", "alg": "HS256"})
	p, _ := json.Marshal(claims)
	return enc.EncodeToString(h) + "." + enc.EncodeToString(p) + ".c2lnbmF0dXJl"
}

// session answers like createSession/refreshSession with tokens issued at
// iat whose access token carries scope.
func session(scope string, iat time.Time, jti string) map[string]any {
	return map[string]any{
		"accessJwt":      fakeJWT(map[string]any{"scope": scope, "sub": testDID, "aud": "did:web:localhost", "iat": iat.Unix(), "exp": iat.Add(2 * time.Hour).Unix()}),
		"refreshJwt":     fakeJWT(map[string]any{"scope": "com.atproto.refresh", "sub": testDID, "aud": "did:web:localhost", "jti": jti, "iat": iat.Unix(), "exp": iat.Add(90 * 24 * time.Hour).Unix()}),
		"did":            testDID,
		"handle":         "ana.test",
		"email":          "ana@example.org",
		"emailConfirmed": false,
		"active":         true,
	}
}
