package notify

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/socialomm/desktop/core/secret"
)

// WebhookSecret is the keyring kind of a webhook's address and signing
// secret, kept together as one item (webhookKeys) under
// WebhookSecretKey(id) and nowhere else: a Slack or Discord webhook's
// address is itself a bearer token (anyone holding it can post).
const WebhookSecret secret.Kind = "webhook-secret"

// WebhookSecretKey is the keyring name of webhook id's item.
func WebhookSecretKey(id int64) string { return "webhook " + strconv.FormatInt(id, 10) }

// webhookKeys is a webhook's keyring item: its whole address and its
// signing secret (empty: unsigned), written as one unit.
type webhookKeys struct {
	URL    string `json:"url"`
	Secret string `json:"secret,omitempty"`
}

// readWebhookKeys reads webhook id's address and secret from the keyring.
func (s *Service) readWebhookKeys(ctx context.Context, id int64) (webhookKeys, error) {
	raw, err := s.opts.Secrets.Get(ctx, WebhookSecret, WebhookSecretKey(id))
	if err != nil {
		return webhookKeys{}, err
	}
	var k webhookKeys
	if err := json.Unmarshal([]byte(raw), &k); err != nil || k.URL == "" {
		return webhookKeys{}, errors.New("the webhook's item in the keyring is unreadable; remove the webhook and add it again")
	}
	return k, nil
}

// WebhookKind is the receiver's format.
type WebhookKind string

const (
	// WebhookSlack is a Slack incoming webhook: {"text", "blocks"}.
	WebhookSlack WebhookKind = "slack"
	// WebhookDiscord is a Discord channel webhook: {"content", "embeds"}.
	WebhookDiscord WebhookKind = "discord"
	// WebhookJSON is SocialOmm's own versioned JSON payload, signed.
	WebhookJSON WebhookKind = "json"
)

// WebhookKinds lists the formats in the order the screens offer them.
var WebhookKinds = []WebhookKind{WebhookSlack, WebhookDiscord, WebhookJSON}

// Webhook is one alert receiver. Its secret is in the keyring, never here.
type Webhook struct {
	ID   int64       `json:"id"`
	Kind WebhookKind `json:"kind"`
	// URL is the address as SocialOmm shows it, "https://hooks.slack.com/…":
	// the whole address is in the keyring only, since its path may carry
	// the webhook's token.
	URL string `json:"url"`
	// Events it gets; empty: every kind.
	Events []Kind `json:"events"`
	// Signed: a secret is kept in the keyring and every request carries
	// X-SocialOmm-Signature.
	Signed    bool      `json:"signed"`
	CreatedAt time.Time `json:"created_at"`
}

// Wants says whether the webhook gets events of this kind.
func (w Webhook) Wants(k Kind) bool { return len(w.Events) == 0 || slices.Contains(w.Events, k) }

// Channel is the outbox channel of the webhook: each webhook is its own
// channel, so an event is sent once to each.
func (w Webhook) Channel() Channel { return webhookChannel(w.ID) }

// Where names the receiver without the URL's path and query, which for
// Slack and Discord carry the webhook's token: "hooks.slack.com".
func (w Webhook) Where() string { return redactURL(w.URL) }

// shownAddress is the part of a webhook's address that may be stored and
// shown: scheme and host, "https://hooks.slack.com/…".
func shownAddress(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	shown := u.Scheme + "://" + u.Host
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		shown += "/…"
	}
	return shown
}

const webhookChannelPrefix = "webhook:"

func webhookChannel(id int64) Channel {
	return Channel(webhookChannelPrefix + strconv.FormatInt(id, 10))
}

// webhookOf says which webhook a channel is.
func webhookOf(ch Channel) (int64, bool) {
	rest, ok := strings.CutPrefix(string(ch), webhookChannelPrefix)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	return id, err == nil
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "the webhook"
	}
	return u.Host
}

// ErrInvalidWebhook is wrapped by every refusal of a webhook's settings.
var ErrInvalidWebhook = errors.New("invalid webhook")

// ErrNoWebhook: no webhook has that id.
var ErrNoWebhook = errors.New("no such webhook")

// ParseWebhookKind reads "slack", "discord" or "json".
func ParseWebhookKind(s string) (WebhookKind, error) {
	k := WebhookKind(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(WebhookKinds, k) {
		return k, nil
	}
	return "", fmt.Errorf("%w: the kind %q is not one of slack, discord, json", ErrInvalidWebhook, s)
}

// ParseEvents reads a comma-separated list of event kinds ("expired,
// post_failed"); empty means every kind.
func ParseEvents(s string) ([]Kind, error) {
	var out []Kind
	for part := range strings.SplitSeq(s, ",") {
		part = strings.ToLower(strings.TrimSpace(part))
		if part == "" {
			continue
		}
		if !slices.Contains(Kinds, Kind(part)) {
			names := make([]string, len(Kinds))
			for i, k := range Kinds {
				names[i] = string(k)
			}
			return nil, fmt.Errorf("%w: %q is not an event; the events are %s", ErrInvalidWebhook, part, strings.Join(names, ", "))
		}
		if !slices.Contains(out, Kind(part)) {
			out = append(out, Kind(part))
		}
	}
	return out, nil
}

// CheckWebhookURL accepts https URLs, and http only to this computer
// (127.0.0.0/8, ::1, localhost): an alert names profiles and posts, and
// must not cross a network unencrypted.
func CheckWebhookURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return "", fmt.Errorf("%w: %q is not a URL; give the whole address, starting with https://", ErrInvalidWebhook, raw)
	}
	if u.User != nil {
		return "", fmt.Errorf("%w: the URL must not carry a user name or password", ErrInvalidWebhook)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return u.String(), nil
	case "http":
		if isLoopback(u.Hostname()) {
			return u.String(), nil
		}
		return "", fmt.Errorf("%w: plain http:// is allowed only to this computer (127.0.0.1, ::1 or localhost); "+
			"use an https:// address for %s", ErrInvalidWebhook, u.Hostname())
	}
	return "", fmt.Errorf("%w: the URL must start with https:// (or http:// to this computer only), not %s://", ErrInvalidWebhook, u.Scheme)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// NewWebhook is what AddWebhook takes.
type NewWebhook struct {
	Kind   WebhookKind
	URL    string
	Events []Kind
	// Secret signs every request (X-SocialOmm-Signature); it goes to the
	// keyring only. Empty: unsigned.
	Secret string
}

// AddWebhook checks and saves a webhook, its secret in the keyring. If the
// keyring refuses the secret, nothing is saved.
func (s *Service) AddWebhook(ctx context.Context, nw NewWebhook) (Webhook, error) {
	kind, err := ParseWebhookKind(string(nw.Kind))
	if err != nil {
		return Webhook{}, err
	}
	u, err := CheckWebhookURL(nw.URL)
	if err != nil {
		return Webhook{}, err
	}
	for _, k := range nw.Events {
		if !slices.Contains(Kinds, k) {
			return Webhook{}, fmt.Errorf("%w: %q is not an event", ErrInvalidWebhook, k)
		}
	}
	if nw.Events == nil {
		nw.Events = []Kind{}
	}
	secretValue := strings.TrimSpace(nw.Secret)
	now := s.clock.Now()
	w := Webhook{Kind: kind, URL: shownAddress(u), Events: nw.Events, Signed: secretValue != "", CreatedAt: now.UTC().Truncate(time.Second)}
	item, err := json.Marshal(webhookKeys{URL: u, Secret: secretValue})
	if err != nil {
		return Webhook{}, err
	}
	err = s.store.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO webhooks (kind, url, events, signed, created_at) VALUES (?, ?, ?, ?, ?)`,
			string(kind), w.URL, joinKinds(nw.Events), w.Signed, now.Unix())
		if err != nil {
			return err
		}
		if w.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		// Inside the transaction: a keyring that refuses rolls the webhook
		// back, so none exists that cannot be reached or cannot sign.
		if err := s.opts.Secrets.Set(ctx, WebhookSecret, WebhookSecretKey(w.ID), string(item)); err != nil {
			return fmt.Errorf("could not keep the webhook's address and secret in the keyring, so the webhook was not added: %w", err)
		}
		return nil
	})
	if err != nil {
		return Webhook{}, fmt.Errorf("add the webhook: %w", err)
	}
	s.log.Info("webhook added", "id", w.ID, "kind", string(kind), "to", w.Where(), "signed", w.Signed)
	return w, nil
}

func joinKinds(ks []Kind) string {
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = string(k)
	}
	return strings.Join(parts, ",")
}

const webhookColumns = `id, kind, url, events, signed, created_at`

func scanWebhook(row interface{ Scan(...any) error }) (Webhook, error) {
	var w Webhook
	var kind, events string
	var created int64
	if err := row.Scan(&w.ID, &kind, &w.URL, &events, &w.Signed, &created); err != nil {
		return w, err
	}
	w.Kind, w.CreatedAt = WebhookKind(kind), time.Unix(created, 0).UTC()
	w.Events, _ = ParseEvents(events)
	if w.Events == nil {
		w.Events = []Kind{}
	}
	return w, nil
}

// Webhooks lists the webhooks, oldest first.
func (s *Service) Webhooks(ctx context.Context) ([]Webhook, error) {
	rows, err := s.store.DB().QueryContext(ctx, `SELECT `+webhookColumns+` FROM webhooks ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read the webhooks: %w", err)
	}
	defer rows.Close()
	out := []Webhook{}
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// Webhook returns one webhook.
func (s *Service) Webhook(ctx context.Context, id int64) (Webhook, error) {
	w, err := scanWebhook(s.store.DB().QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return w, fmt.Errorf("%w: there is no webhook %d (see `socialomm alerts list`)", ErrNoWebhook, id)
	}
	return w, err
}

// RemoveWebhook deletes a webhook, its secret from the keyring and its
// alerts that have not gone out.
func (s *Service) RemoveWebhook(ctx context.Context, id int64) error {
	w, err := s.Webhook(ctx, id)
	if err != nil {
		return err
	}
	if err := s.opts.Secrets.Delete(ctx, WebhookSecret, WebhookSecretKey(id)); err != nil && !errors.Is(err, secret.ErrNotFound) {
		return fmt.Errorf("could not delete the webhook's address and secret from the keyring, so the webhook was kept: %w", err)
	}
	err = s.store.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM webhooks WHERE id = ?`, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'cancelled', claimed_at = NULL,
			last_error = 'Not sent: the webhook was removed.' WHERE channel = ? AND state = 'pending'`, string(w.Channel()))
		return err
	})
	if err != nil {
		return fmt.Errorf("remove the webhook: %w", err)
	}
	s.log.Info("webhook removed", "id", id)
	return nil
}

// WebhookAnswer is what a receiver answered.
type WebhookAnswer struct {
	Status int    `json:"status"`
	Body   string `json:"body"` // the start of the body, on one line
}

func (a WebhookAnswer) String() string {
	s := strconv.Itoa(a.Status) + " " + http.StatusText(a.Status)
	if a.Body != "" {
		s += ": " + a.Body
	}
	return s
}

// WebhookError is a send the receiver did not accept, or could not be
// reached for.
type WebhookError struct {
	// Answer is the receiver's answer; Status 0 when none came.
	Answer WebhookAnswer
	// RetryAfter is the receiver's Retry-After; 0 when it gave none.
	RetryAfter time.Duration
	Words      string
}

func (e *WebhookError) Error() string { return e.Words }

// Signature is the X-SocialOmm-Signature value for body sent at t:
// "t=UNIX_SECONDS,v1=HEX", HEX the HMAC-SHA256 of "UNIX_SECONDS.body" with
// the webhook's secret.
func Signature(secretValue string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secretValue))
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// The request headers.
const (
	HeaderSignature = "X-SocialOmm-Signature"
	HeaderEventID   = "X-SocialOmm-Event-Id"
)

// post sends one payload to a webhook. eventID is the same on every retry
// of the same message.
func (s *Service) post(ctx context.Context, w Webhook, eventID string, body []byte) (WebhookAnswer, error) {
	keys, err := s.readWebhookKeys(ctx, w.ID)
	if err != nil {
		return WebhookAnswer{}, &WebhookError{Words: "could not read the webhook's address from the keyring: " + err.Error()}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, keys.URL, strings.NewReader(string(body)))
	if err != nil {
		return WebhookAnswer{}, &WebhookError{Words: "the webhook URL is not usable: " + w.Where()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "SocialOmm-Alerts/1")
	req.Header.Set(HeaderEventID, eventID)
	if w.Signed {
		if keys.Secret == "" {
			return WebhookAnswer{}, &WebhookError{Words: "the webhook's secret is missing from the keyring; remove the webhook and add it again"}
		}
		req.Header.Set(HeaderSignature, Signature(keys.Secret, s.clock.Now(), body))
	}
	resp, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		return WebhookAnswer{}, &WebhookError{Words: "could not reach " + w.Where() + ": " + netWords(err)}
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	ans := WebhookAnswer{Status: resp.StatusCode, Body: excerpt(string(head), 200)}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return ans, nil
	}
	we := &WebhookError{Answer: ans, RetryAfter: retryAfter(resp.Header.Get("Retry-After"), s.clock.Now())}
	we.Words = w.Where() + " answered " + ans.String()
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		we.Words += " (the webhook moved: change its URL)"
	}
	return ans, we
}

// netWords is a transport error without Go's "Post \"URL\":" prefix (the
// URL may carry the webhook's token).
func netWords(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "no answer in time"
	}
	return err.Error()
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil && n > 0 {
		return time.Duration(n * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// excerpt is the start of a text on one line, printable characters only.
func excerpt(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return ' '
		}
		if !unicode.IsPrint(r) {
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	return cut(s, n)
}

// cut shortens s to at most n characters, ending in "…" when cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// eventID is the X-SocialOmm-Event-Id of the message made of these rows:
// the same rows always make the same id.
func eventID(ch Channel, keys []string) string {
	h := sha256.New()
	h.Write([]byte(ch))
	for _, k := range keys {
		h.Write([]byte{0})
		h.Write([]byte(k))
	}
	return "evt_" + hex.EncodeToString(h.Sum(nil))[:32]
}

// SendTestWebhook sends a test alert to a webhook now, outside the
// outbox, and returns the receiver's answer; err says what went wrong in
// plain words (the answer is filled when one came).
func (s *Service) SendTestWebhook(ctx context.Context, id int64) (WebhookAnswer, error) {
	w, err := s.Webhook(ctx, id)
	if err != nil {
		return WebhookAnswer{}, err
	}
	var nonce [8]byte
	rand.Read(nonce[:])
	now := s.clock.Now()
	m := s.renderer(now).renderTest(ChannelDesktop)
	m.Title = "SocialOmm test alert"
	m.Text = "This is a test alert from SocialOmm, sent on " + s.renderer(now).when(now) +
		". If you can read this, alerts work: SocialOmm will tell you here when a profile is lost or a post fails."
	body, err := payload(w.Kind, "test", "evt_test_"+hex.EncodeToString(nonce[:]), nil, m, now, now)
	if err != nil {
		return WebhookAnswer{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.SendTimeout)
	defer cancel()
	return s.post(ctx, w, "evt_test_"+hex.EncodeToString(nonce[:]), body)
}
