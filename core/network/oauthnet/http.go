package oauthnet

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/socialomm/desktop/core/network/netclient"
)

// DefaultClient is used when a caller passes a nil *http.Client: its timeout
// keeps a silent network from holding a check forever.
func DefaultClient() *http.Client { return netclient.DefaultClient() }

// Request is one call to a network.
type Request struct {
	Method string
	URL    string
	// Form is sent as application/x-www-form-urlencoded when not nil.
	Form url.Values
	// JSON is sent as application/json when not nil (and Form is nil).
	JSON []byte
	// Token is sent as a Bearer token and scrubbed from the answer.
	Token string
	// Header holds extra request headers (LinkedIn-Version...).
	Header http.Header
	// Secrets are scrubbed from the answer too (client secret, a token or
	// code sent in the form or query).
	Secrets []string
}

// Reply is a network's answer as it came. Anything that may end up in an
// error text must come from Safe(), which has every secret sent scrubbed
// out; the raw Body is for reading a success (a token endpoint may echo
// the refresh token it was sent, as LinkedIn does).
type Reply struct {
	Status  int
	Header  http.Header
	Body    []byte
	secrets []string
}

// Safe is the reply with every secret of its request replaced.
func (r Reply) Safe() Reply { return Scrub(r, r.secrets...) }

// Do performs req with netclient. A transport failure comes back as a
// *network.TransientError holding ErrUnreachable; written then says whether
// the request had gone out in full before things broke (a post's outcome is
// then unknown). The request is never replayed by the transport: no network
// here honours an idempotency key, so a replayed post would be a double
// post.
func Do(ctx context.Context, client *http.Client, network string, req Request) (rep Reply, written bool, err error) {
	// Accept and Accept-Language win over req.Header.
	header := http.Header{}
	for k, vs := range req.Header {
		for _, v := range vs {
			header.Add(k, v)
		}
	}
	header.Set("Accept", "application/json")
	header.Set("Accept-Language", "en")
	nreq := netclient.Request{Method: req.Method, URL: req.URL, Header: header, Token: req.Token}
	switch {
	case req.Form != nil:
		nreq.Body = strings.NewReader(req.Form.Encode())
		nreq.ContentType = "application/x-www-form-urlencoded"
	case req.JSON != nil:
		nreq.Body = bytes.NewReader(req.JSON)
		nreq.ContentType = "application/json"
	}
	hreq, err := netclient.NewRequest(ctx, nreq)
	if err != nil {
		// The URL may carry a secret in its query: say nothing of it.
		return Reply{}, false, errors.New("could not build the request to " + network)
	}
	r, written, err := netclient.Send(client, hreq)
	if err != nil {
		return Reply{}, written, TransportError(network, err)
	}
	return Reply{Status: r.Status, Header: r.Header, Body: r.Body,
		secrets: append([]string{req.Token}, req.Secrets...)}, true, nil
}

// Call performs req with Do and has classify (a network's Classify) read
// the answer at now(), with every secret scrubbed (Safe); a success comes
// back as it came. written is Do's.
func Call(ctx context.Context, client *http.Client, networkName string, req Request,
	classify func(status int, header http.Header, body []byte, now time.Time) error, now func() time.Time,
) (Reply, bool, error) {
	rep, written, err := Do(ctx, client, networkName, req)
	if err != nil {
		return Reply{}, written, err
	}
	safe := rep.Safe()
	if err := classify(safe.Status, safe.Header, safe.Body, now()); err != nil {
		return Reply{}, written, err
	}
	return rep, written, nil
}

// Scrub replaces every secret found in the answer by "[secret]", so no part
// of it can carry one into an error text. Networks do not echo tokens, but a
// proxy's debug page might. A secret under 4 bytes is left alone: a
// one-letter "secret" would shred every word.
func Scrub(rep Reply, secrets ...string) Reply {
	rep.Body, rep.Header = netclient.Scrub(bytes.Clone(rep.Body), rep.Header, "[secret]", 4, secrets...)
	if rep.Header == nil {
		rep.Header = http.Header{}
	}
	return rep
}

// TransportError says in plain words why the network could not be asked,
// as a *network.TransientError whose chain holds ErrUnreachable and the
// cause (and network.ErrServerUnreachable when the network cannot be
// reached at all, so a sweep asks it once, not once per profile), with
// any URL (which may carry a secret in its query) taken out. The words
// and the kinds of failure are netclient's, shared with every network.
func TransportError(networkName string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return netclient.TransportError(networkName, err, ErrUnreachable)
}
