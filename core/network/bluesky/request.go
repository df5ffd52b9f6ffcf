package bluesky

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/socialomm/desktop/core/network/netclient"
)

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

// send performs an HTTP request to u with netclient (never replayed: a
// replayed createRecord would be a second post). A transport failure comes
// back as a *network.TransientError holding ErrUnreachable; written then
// says whether the request had gone out in full before things broke (its
// outcome is then unknown to us). secrets are scrubbed from the answer.
func send(ctx context.Context, client *http.Client, method, u string, body []byte, header http.Header, secrets []string) (rep reply, written bool, err error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	hreq, err := netclient.NewRequest(ctx, netclient.Request{Method: method, URL: u, Body: rd, Header: header})
	if err != nil {
		return reply{}, false, err
	}
	r, written, err := netclient.Send(client, hreq)
	if err != nil {
		return reply{}, written, netclient.TransportError(hostOf(u), err, ErrUnreachable)
	}
	data, h := netclient.Scrub(r.Body, r.Header, "[secret]", minSecret, secrets...)
	return reply{status: r.Status, header: h, body: data}, true, nil
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

// minSecret is the shortest secret send scrubs from answers: shorter ones
// would mangle ordinary words (and tell nothing if they leaked).
const minSecret = 6

// hostOf is the host[:port] of a URL, to name a server in messages.
func hostOf(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return "the server"
	}
	return p.Host
}
