package testbed

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Mailpit is an SMTP server that keeps every mail it receives and shows it
// through an HTTP API. It accepts any SMTP user and password, plain AUTH
// without TLS included.
//
// Its database is a file in the test's temp dir: Stop and Start keep every
// message (an outage test sees the mail sent before and after the outage in
// one list). DeleteAll empties it.
type Mailpit struct {
	httpPort, smtpPort int
	db                 string

	mu   sync.Mutex
	proc *Process
}

// StartMailpit starts Mailpit on two free ports of 127.0.0.1 and waits until
// both its HTTP API and SMTP port answer.
func StartMailpit(t testing.TB) *Mailpit {
	t.Helper()
	m := &Mailpit{
		httpPort: FreePort(t),
		smtpPort: FreePort(t),
		db:       filepath.Join(t.TempDir(), "mailpit.db"),
	}
	m.Start(t)
	return m
}

// Start starts Mailpit again, on the same ports and database, after Stop.
func (m *Mailpit) Start(t testing.TB) {
	t.Helper()
	bin := cachedBin(t, "mailpit")
	m.mu.Lock()
	if m.proc != nil && !m.proc.Exited() {
		m.mu.Unlock()
		t.Fatalf("testbed: Mailpit is already running")
	}
	m.mu.Unlock()
	// After Stop the ports are released; wait in case the kernel is slow.
	waitFor(t, "Mailpit's ports to be free", 30*time.Second, nil, func() (bool, string) {
		return portFree(m.HTTPAddr()) && portFree(m.SMTPAddr()), "a port is still taken"
	})
	cmd := exec.Command(bin,
		"--listen", m.HTTPAddr(),
		"--smtp", m.SMTPAddr(),
		"--database", m.db,
		"--smtp-auth-accept-any",
		"--smtp-auth-allow-insecure",
		"--smtp-disable-rdns",
		"--disable-version-check",
		"--quiet",
	)
	cmd.Env = Env(t)
	p := StartProcess(t, "mailpit", cmd)
	m.mu.Lock()
	m.proc = p
	m.mu.Unlock()
	waitFor(t, "Mailpit's HTTP API", 30*time.Second, p, func() (bool, string) {
		return httpReady(m.URL()+"/readyz", nil)
	})
	waitFor(t, "Mailpit's SMTP port", 30*time.Second, p, func() (bool, string) {
		return tcpReady(m.SMTPAddr())
	})
}

// Stop stops Mailpit (SIGTERM, then kill) and waits until it is gone; the
// ports refuse connections until Start.
func (m *Mailpit) Stop(t testing.TB) {
	t.Helper()
	m.mu.Lock()
	p := m.proc
	m.mu.Unlock()
	if p == nil {
		return
	}
	p.Stop()
}

// SMTPHost is the SMTP server's host, 127.0.0.1.
func (m *Mailpit) SMTPHost() string { return "127.0.0.1" }

// SMTPPort is the SMTP server's port.
func (m *Mailpit) SMTPPort() int { return m.smtpPort }

// SMTPAddr is host:port of the SMTP server.
func (m *Mailpit) SMTPAddr() string { return "127.0.0.1:" + strconv.Itoa(m.smtpPort) }

// HTTPAddr is host:port of the web UI and API.
func (m *Mailpit) HTTPAddr() string { return "127.0.0.1:" + strconv.Itoa(m.httpPort) }

// URL is the web UI and API base URL, without a trailing slash.
func (m *Mailpit) URL() string { return "http://" + m.HTTPAddr() }

// Address is a mail address as Mailpit reports it.
type Address struct {
	Name    string `json:"Name"`
	Address string `json:"Address"`
}

// MessageSummary is one entry of GET /api/v1/messages.
type MessageSummary struct {
	ID        string    `json:"ID"`
	MessageID string    `json:"MessageID"`
	From      Address   `json:"From"`
	To        []Address `json:"To"`
	Cc        []Address `json:"Cc"`
	Subject   string    `json:"Subject"`
	Created   time.Time `json:"Created"`
	Snippet   string    `json:"Snippet"`
	Size      int       `json:"Size"`
}

// Message is one full message from GET /api/v1/message/{ID}.
type Message struct {
	ID        string    `json:"ID"`
	MessageID string    `json:"MessageID"`
	From      Address   `json:"From"`
	To        []Address `json:"To"`
	Cc        []Address `json:"Cc"`
	ReplyTo   []Address `json:"ReplyTo"`
	Subject   string    `json:"Subject"`
	Date      time.Time `json:"Date"`
	Text      string    `json:"Text"`
	HTML      string    `json:"HTML"`
}

// Messages lists the stored messages, newest first (up to 500, Mailpit's
// default store size).
func (m *Mailpit) Messages(t testing.TB) []MessageSummary {
	t.Helper()
	var resp struct {
		Total    int              `json:"total"`
		Messages []MessageSummary `json:"messages"`
	}
	m.getJSON(t, "/api/v1/messages?limit=500", &resp)
	return resp.Messages
}

// Message fetches one message with its text and HTML bodies.
func (m *Mailpit) Message(t testing.TB, id string) Message {
	t.Helper()
	var msg Message
	m.getJSON(t, "/api/v1/message/"+url.PathEscape(id), &msg)
	return msg
}

// Raw fetches one message's full source (headers and MIME parts).
func (m *Mailpit) Raw(t testing.TB, id string) string {
	t.Helper()
	return string(m.get(t, "/api/v1/message/"+url.PathEscape(id)+"/raw"))
}

// WaitMessages waits until at least n messages are stored and returns the
// list (newest first).
func (m *Mailpit) WaitMessages(t testing.TB, n int, timeout time.Duration) []MessageSummary {
	t.Helper()
	var list []MessageSummary
	waitFor(t, fmt.Sprintf("%d message(s) in Mailpit", n), timeout, nil, func() (bool, string) {
		list = m.Messages(t)
		return len(list) >= n, fmt.Sprintf("%d stored", len(list))
	})
	return list
}

// DeleteAll deletes every stored message.
func (m *Mailpit) DeleteAll(t testing.TB) {
	t.Helper()
	req, err := http.NewRequest(http.MethodDelete, m.URL()+"/api/v1/messages", nil)
	if err != nil {
		t.Fatalf("testbed: %v", err)
	}
	resp, err := quickClient.Do(req)
	if err != nil {
		t.Fatalf("testbed: Mailpit DELETE /api/v1/messages: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("testbed: Mailpit DELETE /api/v1/messages: %s", resp.Status)
	}
}

func (m *Mailpit) get(t testing.TB, path string) []byte {
	t.Helper()
	resp, err := quickClient.Get(m.URL() + path)
	if err != nil {
		t.Fatalf("testbed: Mailpit GET %s: %v (is it stopped?)", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("testbed: Mailpit GET %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("testbed: Mailpit GET %s: %s: %s", path, resp.Status, body)
	}
	return body
}

func (m *Mailpit) getJSON(t testing.TB, path string, v any) {
	t.Helper()
	body := m.get(t, path)
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("testbed: Mailpit GET %s: %v: %.300s", path, err, body)
	}
}
