package mastodon

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/net/idna"
)

// userAgent names the app to server admins reading their logs.
const userAgent = "SocialOmm-desktop"

// maxBody bounds what is read of any answer (40 statuses fit easily).
const maxBody = 4 << 20

var errTooLarge = errors.New("answer too large")

// defaultClient is used when the caller passes a nil *http.Client. Its
// timeout keeps a silent server from holding a check forever.
func defaultClient() *http.Client { return &http.Client{Timeout: 30 * time.Second} }

type request struct {
	method string
	url    string
	// form is sent as application/x-www-form-urlencoded when not nil.
	form url.Values
	// token is sent as a Bearer token and scrubbed from whatever comes back.
	token          string
	idempotencyKey string
	// secrets are scrubbed from the answer too (client secret, a token sent
	// in the form).
	secrets []string
}

type reply struct {
	status int
	header http.Header
	body   []byte
	// final is the URL that answered, after redirects.
	final *url.URL
}

// send performs req. A transport failure comes back as a
// *network.TransientError holding ErrUnreachable; written then says whether
// the request had gone out in full before things broke (its outcome is then
// unknown to us).
func send(ctx context.Context, client *http.Client, host string, req request) (rep reply, written bool, err error) {
	if client == nil {
		client = defaultClient()
	}
	var body io.Reader
	if req.form != nil {
		body = strings.NewReader(req.form.Encode())
	}
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				wrote.Store(true)
			}
		},
	})
	hreq, err := http.NewRequestWithContext(ctx, req.method, req.url, body)
	if err != nil {
		return reply{}, false, err
	}
	if req.form != nil {
		// Without GetBody the transport cannot replay the request on a
		// reused connection that died before answering. It would otherwise
		// replay any request with an Idempotency-Key, and GoToSocial ignores
		// that key: a replayed post is a double post.
		hreq.GetBody = nil
	}
	hreq.Header.Set("Accept", "application/json")
	// Doorkeeper's messages follow the locale; English ones are what
	// Classify reads.
	hreq.Header.Set("Accept-Language", "en")
	hreq.Header.Set("User-Agent", userAgent)
	if req.form != nil {
		hreq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if req.token != "" {
		hreq.Header.Set("Authorization", "Bearer "+req.token)
	}
	if req.idempotencyKey != "" {
		hreq.Header.Set("Idempotency-Key", req.idempotencyKey)
	}
	resp, err := client.Do(hreq)
	if err != nil {
		return reply{}, wrote.Load(), transportError(host, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err == nil && len(data) > maxBody {
		err = errTooLarge
	}
	if err != nil {
		return reply{}, true, transportError(host, err)
	}
	rep = reply{status: resp.StatusCode, header: resp.Header, body: data, final: resp.Request.URL}
	for _, secret := range append([]string{req.token}, req.secrets...) {
		rep = scrub(rep, secret)
	}
	return rep, true, nil
}

// scrub removes the token from an answer before any of it can reach an
// error text. Servers do not echo tokens, but a proxy's debug page might.
func scrub(rep reply, token string) reply {
	if token == "" {
		return rep
	}
	tok := []byte(token)
	if bytes.Contains(rep.body, tok) {
		rep.body = bytes.ReplaceAll(rep.body, tok, []byte("[token]"))
	}
	h := rep.header.Clone()
	for k, vs := range h {
		for i, v := range vs {
			if strings.Contains(v, token) {
				h[k][i] = strings.ReplaceAll(v, token, "[token]")
			}
		}
	}
	rep.header = h
	return rep
}

// displayHost is the server's name as a person reads it: host[:port] of the
// base URL, with an internationalised name shown in its own script.
func displayHost(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		return baseURL
	}
	name := u.Hostname()
	if uni, err := idna.Display.ToUnicode(name); err == nil {
		name = uni
	}
	if p := u.Port(); p != "" {
		if strings.Contains(name, ":") {
			name = "[" + name + "]"
		}
		return name + ":" + p
	}
	return name
}

// endpoint joins the base URL and an API path.
func endpoint(baseURL, path string) string {
	return strings.TrimRight(baseURL, "/") + path
}
