package testbed

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// WebhookReceiver stands in for Slack's, Discord's and a team's own webhook
// endpoints (no real server of theirs can run here): it records every
// request, and while Down answers 503 with Retry-After, as those services
// do when they cannot take a message.
type WebhookReceiver struct {
	srv *http.Server
	url string

	mu         sync.Mutex
	down       bool
	retryAfter int
	requests   []WebhookRequest
	arrived    chan struct{}
}

// WebhookRequest is one request the receiver got.
type WebhookRequest struct {
	Path     string
	Header   http.Header
	Body     []byte
	Accepted bool // answered 2xx
}

// StartWebhookReceiver listens on a free port of 127.0.0.1.
func StartWebhookReceiver(t testing.TB) *WebhookReceiver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testbed: webhook receiver: %v", err)
	}
	r := &WebhookReceiver{url: "http://" + ln.Addr().String(), arrived: make(chan struct{}, 1000)}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go r.srv.Serve(ln)
	t.Cleanup(func() { r.srv.Close() })
	return r
}

// URL is the receiver's base address; any path is accepted.
func (r *WebhookReceiver) URL() string { return r.url }

// SetDown makes it answer 503 with Retry-After (seconds) while down.
func (r *WebhookReceiver) SetDown(down bool, retryAfter int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.down, r.retryAfter = down, retryAfter
}

func (r *WebhookReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	r.mu.Lock()
	down, after := r.down, r.retryAfter
	r.requests = append(r.requests, WebhookRequest{Path: req.URL.Path, Header: req.Header.Clone(), Body: body, Accepted: !down})
	r.mu.Unlock()
	select {
	case r.arrived <- struct{}{}:
	default:
	}
	if down {
		w.Header().Set("Retry-After", strconv.Itoa(after))
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `{"error":"down for the test"}`)
		return
	}
	if strings.Contains(req.URL.Path, "discord") {
		w.WriteHeader(http.StatusNoContent) // Discord answers 204 unless ?wait=true
		return
	}
	io.WriteString(w, "ok")
}

// Requests lists every request so far.
func (r *WebhookReceiver) Requests() []WebhookRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]WebhookRequest(nil), r.requests...)
}

// Accepted lists the requests to path that were answered 2xx.
func (r *WebhookReceiver) Accepted(path string) []WebhookRequest {
	var out []WebhookRequest
	for _, q := range r.Requests() {
		if q.Accepted && q.Path == path {
			out = append(out, q)
		}
	}
	return out
}

// WaitFor polls until cond holds on the requests, or fails after timeout.
func (r *WebhookReceiver) WaitFor(t testing.TB, what string, timeout time.Duration, cond func([]WebhookRequest) bool) []WebhookRequest {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if list := r.Requests(); cond(list) {
			return list
		}
		select {
		case <-r.arrived:
		case <-deadline:
			t.Fatalf("testbed: webhook receiver: %s did not happen within %s; got %d requests", what, timeout, len(r.Requests()))
		}
	}
}

// VerifySignature checks X-SocialOmm-Signature against its own HMAC-SHA256
// of "t.body" with secret.
func VerifySignature(header http.Header, body []byte, secret string) error {
	sig := header.Get("X-SocialOmm-Signature")
	var ts, v1 string
	for part := range strings.SplitSeq(sig, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			v1 = v
		}
	}
	if _, err := strconv.ParseInt(ts, 10, 64); err != nil || v1 == "" {
		return fmt.Errorf("signature header %q is not t=UNIX,v1=HEX", sig)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + string(body)))
	if want := hex.EncodeToString(mac.Sum(nil)); !hmac.Equal([]byte(want), []byte(v1)) {
		return errors.New("the signature does not verify")
	}
	return nil
}

func chars(s string) int { return utf8.RuneCountInString(s) }

// ValidSlack checks a Slack incoming-webhook body: a "text" (the
// notification fallback) and Block Kit blocks within Slack's documented
// limits (at most 50 blocks; header plain_text of at most 150 characters;
// section text of at most 3000; each block of a known type).
func ValidSlack(body []byte) error {
	var m struct {
		Text   *string `json:"text"`
		Blocks []struct {
			Type string `json:"type"`
			Text *struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"text"`
			Elements []struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return fmt.Errorf("slack: not JSON: %w", err)
	}
	if m.Text == nil || *m.Text == "" {
		return errors.New("slack: no top-level text (the notification fallback)")
	}
	if len(m.Blocks) == 0 || len(m.Blocks) > 50 {
		return fmt.Errorf("slack: %d blocks, want 1 to 50", len(m.Blocks))
	}
	for i, b := range m.Blocks {
		switch b.Type {
		case "header":
			if b.Text == nil || b.Text.Type != "plain_text" || b.Text.Text == "" || chars(b.Text.Text) > 150 {
				return fmt.Errorf("slack: block %d: a header needs plain_text of 1 to 150 characters", i)
			}
		case "section":
			if b.Text == nil || (b.Text.Type != "mrkdwn" && b.Text.Type != "plain_text") || b.Text.Text == "" || chars(b.Text.Text) > 3000 {
				return fmt.Errorf("slack: block %d: a section needs text of 1 to 3000 characters", i)
			}
		case "context":
			if len(b.Elements) == 0 || len(b.Elements) > 10 {
				return fmt.Errorf("slack: block %d: a context needs 1 to 10 elements", i)
			}
		case "divider":
		default:
			return fmt.Errorf("slack: block %d has unexpected type %q", i, b.Type)
		}
	}
	return nil
}

// ValidDiscord checks a Discord webhook body against the documented
// limits: content or embeds present; content at most 2000 characters; at
// most 10 embeds; an embed's title at most 256, description 4096, footer
// 2048, all its text together 6000.
func ValidDiscord(body []byte) error {
	var m struct {
		Content string `json:"content"`
		Embeds  []struct {
			Title       string `json:"title"`
			Description string `json:"description"`
			Timestamp   string `json:"timestamp"`
			Footer      *struct {
				Text string `json:"text"`
			} `json:"footer"`
		} `json:"embeds"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return fmt.Errorf("discord: not JSON: %w", err)
	}
	if m.Content == "" && len(m.Embeds) == 0 {
		return errors.New("discord: neither content nor embeds")
	}
	if chars(m.Content) > 2000 {
		return fmt.Errorf("discord: content of %d characters, at most 2000", chars(m.Content))
	}
	if len(m.Embeds) > 10 {
		return fmt.Errorf("discord: %d embeds, at most 10", len(m.Embeds))
	}
	total := 0
	for i, e := range m.Embeds {
		footer := ""
		if e.Footer != nil {
			footer = e.Footer.Text
		}
		if chars(e.Title) > 256 || chars(e.Description) > 4096 || chars(footer) > 2048 {
			return fmt.Errorf("discord: embed %d over a field limit", i)
		}
		if e.Timestamp != "" {
			if _, err := time.Parse(time.RFC3339, e.Timestamp); err != nil {
				return fmt.Errorf("discord: embed %d timestamp %q is not ISO 8601", i, e.Timestamp)
			}
		}
		total += chars(e.Title) + chars(e.Description) + chars(footer)
	}
	if total > 6000 {
		return fmt.Errorf("discord: embeds hold %d characters, at most 6000", total)
	}
	return nil
}
