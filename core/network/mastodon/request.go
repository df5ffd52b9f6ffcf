package mastodon

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/idna"

	"github.com/socialomm/desktop/core/network/netclient"
)

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

// send performs req with netclient (never replayed: GoToSocial ignores
// Idempotency-Key, so a replayed post is a double post). A transport
// failure comes back as a *network.TransientError holding ErrUnreachable;
// written then says whether the request had gone out in full before things
// broke (its outcome is then unknown to us). The token and secrets are
// scrubbed from the answer as "[token]".
func send(ctx context.Context, client *http.Client, host string, req request) (rep reply, written bool, err error) {
	nreq := netclient.Request{
		Method: req.method,
		URL:    req.url,
		// Doorkeeper's messages follow the locale; English ones are what
		// Classify reads.
		Header: http.Header{"Accept": {"application/json"}, "Accept-Language": {"en"}},
		Token:  req.token,
	}
	if req.form != nil {
		nreq.Body = strings.NewReader(req.form.Encode())
		nreq.ContentType = "application/x-www-form-urlencoded"
	}
	if req.idempotencyKey != "" {
		nreq.Header.Set("Idempotency-Key", req.idempotencyKey)
	}
	hreq, err := netclient.NewRequest(ctx, nreq)
	if err != nil {
		return reply{}, false, err
	}
	r, written, err := netclient.Send(client, hreq)
	if err != nil {
		return reply{}, written, netclient.TransportError(host, err, ErrUnreachable)
	}
	body, header := netclient.Scrub(r.Body, r.Header, "[token]", 1, append([]string{req.token}, req.secrets...)...)
	return reply{status: r.Status, header: header, body: body, final: r.Final}, true, nil
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
