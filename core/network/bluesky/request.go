package bluesky

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// userAgent names the app to server admins reading their logs.
const userAgent = "SocialOmm-desktop"

// maxBody bounds what is read of any answer (a DID document, a page of
// records).
const maxBody = 4 << 20

var errTooLarge = errors.New("answer too large")

// defaultClient is used when the caller passes a nil *http.Client. Its
// timeout keeps a silent server from holding a check forever.
func defaultClient() *http.Client { return &http.Client{Timeout: 30 * time.Second} }

// call is one XRPC request: GET with query parameters, or POST with a JSON
// body (no body at all when body is nil, as refreshSession wants).
type call struct {
	method string
	nsid   string
	query  url.Values
	body   any
	// token is sent as a Bearer token and scrubbed from whatever comes back.
	token string
	// secrets are scrubbed from the answer too (the password at sign-in).
	secrets []string
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

// send performs an HTTP request to u. A transport failure comes back as a
// *network.TransientError holding ErrUnreachable; written then says whether
// the request had gone out in full before things broke (its outcome is then
// unknown to us).
func send(ctx context.Context, client *http.Client, method, u string, body []byte, header http.Header, secrets []string) (rep reply, written bool, err error) {
	if client == nil {
		client = defaultClient()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				wrote.Store(true)
			}
		},
	})
	hreq, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return reply{}, false, err
	}
	if method == http.MethodPost {
		// Without GetBody the transport cannot replay a POST on a reused
		// connection that died before answering: a replayed createRecord
		// would be a second post.
		hreq.GetBody = nil
	}
	for k, vs := range header {
		hreq.Header[k] = vs
	}
	hreq.Header.Set("User-Agent", userAgent)
	resp, err := client.Do(hreq)
	if err != nil {
		return reply{}, wrote.Load(), transportError(hostOf(u), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err == nil && len(data) > maxBody {
		err = errTooLarge
	}
	if err != nil {
		return reply{}, true, transportError(hostOf(u), err)
	}
	rep = reply{status: resp.StatusCode, header: resp.Header, body: data}
	for _, s := range secrets {
		rep = scrub(rep, s)
	}
	return rep, true, nil
}

// xrpc performs c against the server at base.
func (a *Adapter) xrpc(ctx context.Context, base string, c call) (reply, bool, error) {
	u := strings.TrimRight(base, "/") + "/xrpc/" + c.nsid
	if len(c.query) > 0 {
		u += "?" + c.query.Encode()
	}
	h := http.Header{}
	h.Set("Accept", "application/json")
	if c.token != "" {
		h.Set("Authorization", "Bearer "+c.token)
	}
	var body []byte
	if c.body != nil {
		b, err := json.Marshal(c.body)
		if err != nil {
			return reply{}, false, err
		}
		body = b
		h.Set("Content-Type", "application/json")
	}
	return send(ctx, a.client, c.method, u, body, h, append([]string{c.token}, c.secrets...))
}

// do performs c and classifies the answer; a success comes back as the
// reply. Transport trouble and error answers come back as errors.
func (a *Adapter) do(ctx context.Context, base string, c call) (reply, error) {
	rep, _, err := a.xrpc(ctx, base, c)
	if err != nil {
		return reply{}, err
	}
	if err := Classify(rep.status, rep.header, rep.body, a.clock.Now()); err != nil {
		return reply{}, err
	}
	return rep, nil
}

// minSecret is the shortest secret scrub looks for: shorter ones would
// mangle ordinary words (and tell nothing if they leaked).
const minSecret = 6

// scrub removes a secret from an answer before any of it can reach an
// error text. Servers do not echo tokens, but a proxy's debug page might.
func scrub(rep reply, secret string) reply {
	if len(secret) < minSecret {
		return rep
	}
	s := []byte(secret)
	if bytes.Contains(rep.body, s) {
		rep.body = bytes.ReplaceAll(rep.body, s, []byte("[secret]"))
	}
	h := rep.header.Clone()
	for k, vs := range h {
		for i, v := range vs {
			if strings.Contains(v, secret) {
				h[k][i] = strings.ReplaceAll(v, secret, "[secret]")
			}
		}
	}
	rep.header = h
	return rep
}

// hostOf is the host[:port] of a URL, to name a server in messages.
func hostOf(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return "the server"
	}
	return p.Host
}
