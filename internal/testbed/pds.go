package testbed

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// PDS is a real Bluesky server: @atproto/pds 0.5.35 with its own PLC
// directory (@did-plc/server 0.0.1, in memory), both run by Node.js 22 from
// .cache/pds (scripts/pds-deps.sh installs them) as two child processes of
// internal/testbed/pds/server.mjs, each on a free port of 127.0.0.1.
//
// The PDS runs in dev mode, without invites, with handles ending in .test,
// SQLite and blobs in the test's temp dir, no AppView and no rate limits.
// Its public URL (what DID documents name) is http://localhost:PORT; URL is
// the same server as http://127.0.0.1:PORT.
//
// Stop and Start restart the PDS alone, on the same port and data; the PLC
// directory keeps running (its data lives only in memory).
//
// The server's clock can be moved forward (AdvanceClock) to let tokens
// expire without waiting: the reference server's access tokens last two
// hours, refresh tokens 90 days, and a rotated refresh token two more hours.
type PDS struct {
	node, script, app string
	port, plcPort     int
	controlPort       int
	dir               string
	env               []string

	mu     sync.Mutex
	proc   *Process
	plc    *Process
	offset time.Duration
}

// secp256k1Order is n, the order of secp256k1's group: a private key is a
// number in [1, n).
var secp256k1Order, _ = new(big.Int).SetString("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16)

// StartPDS starts the PLC directory and the PDS and waits until both
// answer (/_health and /xrpc/_health).
func StartPDS(t testing.TB) *PDS {
	t.Helper()
	root := Root(t)
	node := filepath.Join(root, ".cache", "pds", "node", "bin", "node")
	if _, err := os.Stat(node); err != nil {
		t.Fatalf("Node.js 22 not found at %s: the Bluesky test server needs it and scripts/pds-deps.sh installs it; run `make test`, which installs it", node)
	}
	app := filepath.Join(root, ".cache", "pds", "app")
	if _, err := os.Stat(filepath.Join(app, "node_modules", "@atproto", "pds", "package.json")); err != nil {
		t.Fatalf("@atproto/pds not found in %s: scripts/pds-deps.sh installs it; run `make test`, which installs it", app)
	}
	script := filepath.Join(root, "internal", "testbed", "pds", "server.mjs")
	if _, err := os.Stat(script); err != nil {
		t.Fatalf("testbed: %v", err)
	}
	p := &PDS{
		node: node, script: script, app: app,
		port: FreePort(t), plcPort: FreePort(t), controlPort: FreePort(t),
		dir: t.TempDir(),
	}
	jwtSecret, adminPassword, rotationKey := randomHex(t, 32), randomHex(t, 16), rotationKeyHex(t)
	blobs := filepath.Join(p.dir, "blobs")
	if err := os.MkdirAll(blobs, 0o700); err != nil {
		t.Fatalf("testbed: %v", err)
	}
	p.env = Env(t,
		"PATH="+filepath.Dir(node)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"SOCIALOMM_PDS_APP="+app,
		"PLC_PORT="+strconv.Itoa(p.plcPort),
		"PDS_PORT="+strconv.Itoa(p.port),
		"PDS_CONTROL_PORT="+strconv.Itoa(p.controlPort),
		"PDS_HOSTNAME=localhost",
		"PDS_DEV_MODE=true",
		"PDS_INVITE_REQUIRED=false",
		"PDS_SERVICE_HANDLE_DOMAINS=.test",
		"PDS_DATA_DIRECTORY="+p.dir,
		"PDS_BLOBSTORE_DISK_LOCATION="+blobs,
		"PDS_DID_PLC_URL="+p.PLCURL(),
		"PDS_JWT_SECRET="+jwtSecret,
		"PDS_ADMIN_PASSWORD="+adminPassword,
		"PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX="+rotationKey,
		"PDS_CRAWLERS=",
		"LOG_ENABLED=true",
		"LOG_LEVEL=info",
	)

	cmd := exec.Command(p.node, p.script, "plc")
	cmd.Env = p.env
	cmd.Dir = p.dir
	p.plc = StartProcess(t, "plc", cmd)
	waitFor(t, "the PLC directory's GET /_health", time.Minute, p.plc, func() (bool, string) {
		return httpReady(p.PLCURL()+"/_health", nil)
	})
	p.Start(t)
	return p
}

// Start starts the PDS again on the same port and data after Stop, with
// the clock where AdvanceClock left it.
func (p *PDS) Start(t testing.TB) {
	t.Helper()
	p.mu.Lock()
	if p.proc != nil && !p.proc.Exited() {
		p.mu.Unlock()
		t.Fatalf("testbed: the PDS is already running")
	}
	offset := p.offset
	p.mu.Unlock()
	waitFor(t, "the PDS's port to be free", 30*time.Second, nil, func() (bool, string) {
		return portFree(p.host()) && portFree("127.0.0.1:"+strconv.Itoa(p.controlPort)), "port still taken"
	})
	cmd := exec.Command(p.node, p.script, "pds")
	cmd.Env = append(append([]string(nil), p.env...), "PDS_CLOCK_OFFSET_MS="+strconv.FormatInt(offset.Milliseconds(), 10))
	cmd.Dir = p.dir
	proc := StartProcess(t, "pds", cmd)
	p.mu.Lock()
	p.proc = proc
	p.mu.Unlock()
	waitFor(t, "the PDS's GET /xrpc/_health", 2*time.Minute, proc, func() (bool, string) {
		return httpReady(p.URL()+"/xrpc/_health", func(body []byte) bool {
			return bytes.Contains(body, []byte(`"version"`))
		})
	})
}

// Stop stops the PDS (SIGTERM; it closes its databases) and waits until it
// is gone. The PLC directory keeps running.
func (p *PDS) Stop(t testing.TB) {
	t.Helper()
	p.mu.Lock()
	proc := p.proc
	p.mu.Unlock()
	if proc != nil {
		proc.Stop()
	}
}

func (p *PDS) host() string { return "127.0.0.1:" + strconv.Itoa(p.port) }

// URL is the PDS's base URL, http://127.0.0.1:PORT (no slash).
func (p *PDS) URL() string { return "http://" + p.host() }

// PublicURL is the PDS's URL as its accounts' DID documents name it,
// http://localhost:PORT.
func (p *PDS) PublicURL() string { return "http://localhost:" + strconv.Itoa(p.port) }

// PLCURL is the PLC directory's base URL; point the adapter's PLC option
// at it to resolve the PDS's did:plc accounts.
func (p *PDS) PLCURL() string { return "http://127.0.0.1:" + strconv.Itoa(p.plcPort) }

// Process is the running PDS process, for its output.
func (p *PDS) Process() *Process {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.proc
}

// AdvanceClock moves the PDS's clock forward by d (it adds up across calls
// and survives Stop/Start) and returns the server's new time. The PLC
// directory keeps the wall clock.
func (p *PDS) AdvanceClock(t testing.TB, d time.Duration) time.Time {
	t.Helper()
	if d < 0 {
		t.Fatalf("testbed: the PDS's clock only moves forward (asked %s)", d)
	}
	p.mu.Lock()
	p.offset += d
	offset := p.offset
	p.mu.Unlock()
	u := fmt.Sprintf("http://127.0.0.1:%d/clock?offset_ms=%d", p.controlPort, offset.Milliseconds())
	resp, err := quickClient.Post(u, "text/plain", nil)
	if err != nil {
		t.Fatalf("testbed: moving the PDS's clock: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var v struct {
		Now time.Time `json:"now"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &v) != nil {
		t.Fatalf("testbed: moving the PDS's clock: %s: %s", resp.Status, body)
	}
	return v.Now
}

// Now is the PDS's time (the wall clock plus what AdvanceClock added).
func (p *PDS) Now() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return time.Now().Add(p.offset)
}

// XRPC calls one XRPC method of the PDS and returns the HTTP status and
// body. body is sent as JSON when not nil (a POST); with a nil body and
// post false it is a GET with query. bearer may be empty.
func (p *PDS) XRPC(t testing.TB, nsid string, query url.Values, post bool, body any, bearer string) (int, []byte) {
	t.Helper()
	u := p.URL() + "/xrpc/" + nsid
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	method := http.MethodGet
	var rd io.Reader
	if post || body != nil {
		method = http.MethodPost
	}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatalf("testbed: %v", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatalf("testbed: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("testbed: %s %s: %v", method, nsid, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("testbed: %s %s: %v", method, nsid, err)
	}
	return resp.StatusCode, out
}

// mustXRPC is XRPC that fails the test unless the answer is 200, and
// decodes it into out (if not nil). Errors name the method and the
// server's words, never a token or password.
func (p *PDS) mustXRPC(t testing.TB, nsid string, query url.Values, body any, bearer string, out any) {
	t.Helper()
	status, b := p.XRPC(t, nsid, query, body != nil, body, bearer)
	if status != http.StatusOK {
		t.Fatalf("testbed: %s: HTTP %d: %.300s", nsid, status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("testbed: %s: reading the answer: %v", nsid, err)
		}
	}
}

// Session is what createSession and createAccount answer.
type Session struct {
	AccessJwt  string `json:"accessJwt"`
	RefreshJwt string `json:"refreshJwt"`
	DID        string `json:"did"`
	Handle     string `json:"handle"`
}

// CreateAccount makes an account with com.atproto.server.createAccount and
// returns its DID. The handle must end in .test, with 3 to 18 characters
// before it.
func (p *PDS) CreateAccount(t testing.TB, handle, email, password string) string {
	t.Helper()
	var s Session
	p.mustXRPC(t, "com.atproto.server.createAccount", nil,
		map[string]string{"handle": handle, "email": email, "password": password}, "", &s)
	if s.DID == "" {
		t.Fatalf("testbed: createAccount for %s gave no DID", handle)
	}
	return s.DID
}

// CreateSession signs in with com.atproto.server.createSession.
func (p *PDS) CreateSession(t testing.TB, identifier, password string) Session {
	t.Helper()
	var s Session
	p.mustXRPC(t, "com.atproto.server.createSession", nil,
		map[string]string{"identifier": identifier, "password": password}, "", &s)
	return s
}

// CreateAppPassword signs in with the account's password and makes an app
// password called name (com.atproto.server.createAppPassword); it returns
// the app password.
func (p *PDS) CreateAppPassword(t testing.TB, handle, password, name string) string {
	t.Helper()
	s := p.CreateSession(t, handle, password)
	var ap struct {
		Name     string `json:"name"`
		Password string `json:"password"`
	}
	p.mustXRPC(t, "com.atproto.server.createAppPassword", nil, map[string]string{"name": name}, s.AccessJwt, &ap)
	if ap.Password == "" {
		t.Fatalf("testbed: createAppPassword %q gave no password", name)
	}
	return ap.Password
}

// RevokeAppPassword signs in with the account's password and revokes the
// app password called name (com.atproto.server.revokeAppPassword), as a
// person does in Bluesky's settings. Its sessions' refresh tokens stop
// working at once; their access tokens work until they expire.
func (p *PDS) RevokeAppPassword(t testing.TB, handle, password, name string) {
	t.Helper()
	s := p.CreateSession(t, handle, password)
	p.mustXRPC(t, "com.atproto.server.revokeAppPassword", nil, map[string]string{"name": name}, s.AccessJwt, nil)
}

// Record is one record as com.atproto.repo.listRecords lists it.
type Record struct {
	URI   string          `json:"uri"`
	CID   string          `json:"cid"`
	Value json.RawMessage `json:"value"`
}

// ListRecords lists a repository's records of one collection, newest
// first (com.atproto.repo.listRecords, at most 100).
func (p *PDS) ListRecords(t testing.TB, did, collection string) []Record {
	t.Helper()
	var out struct {
		Records []Record `json:"records"`
	}
	p.mustXRPC(t, "com.atproto.repo.listRecords",
		url.Values{"repo": {did}, "collection": {collection}, "limit": {"100"}}, nil, "", &out)
	return out.Records
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("testbed: %v", err)
	}
	return hex.EncodeToString(b)
}

// rotationKeyHex makes the PDS's PLC rotation key: a secp256k1 private key
// as 64 hex digits.
func rotationKeyHex(t testing.TB) string {
	t.Helper()
	for {
		k := randomHex(t, 32)
		n, _ := new(big.Int).SetString(k, 16)
		if n.Sign() > 0 && n.Cmp(secp256k1Order) < 0 {
			return k
		}
	}
}
