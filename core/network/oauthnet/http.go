package oauthnet

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/socialomm/desktop/core/network"
)

// userAgent names the app to the networks' operators.
const userAgent = "SocialOmm-desktop"

// maxBody bounds what is read of any answer.
const maxBody = 4 << 20

// DefaultClient is used when a caller passes a nil *http.Client: its timeout
// keeps a silent network from holding a check forever.
func DefaultClient() *http.Client { return &http.Client{Timeout: 30 * time.Second} }

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

var errTooLarge = errors.New("answer too large")

// Do performs req. A transport failure comes back as a
// *network.TransientError holding ErrUnreachable; written then says whether
// the request had gone out in full before things broke (a post's outcome is
// then unknown). The request is never replayed by the transport.
func Do(ctx context.Context, client *http.Client, network string, req Request) (rep Reply, written bool, err error) {
	if client == nil {
		client = DefaultClient()
	}
	var body io.Reader
	contentType := ""
	switch {
	case req.Form != nil:
		body = strings.NewReader(req.Form.Encode())
		contentType = "application/x-www-form-urlencoded"
	case req.JSON != nil:
		body = bytes.NewReader(req.JSON)
		contentType = "application/json"
	}
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				wrote.Store(true)
			}
		},
	})
	hreq, err := http.NewRequestWithContext(ctx, req.Method, req.URL, body)
	if err != nil {
		// The URL may carry a secret in its query: say nothing of it.
		return Reply{}, false, errors.New("could not build the request to " + network)
	}
	// Without GetBody the transport cannot replay a request on a reused
	// connection that died before answering: no network here honours an
	// idempotency key, so a replayed post would be a double post.
	hreq.GetBody = nil
	for k, vs := range req.Header {
		for _, v := range vs {
			hreq.Header.Add(k, v)
		}
	}
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("Accept-Language", "en")
	hreq.Header.Set("User-Agent", userAgent)
	if contentType != "" {
		hreq.Header.Set("Content-Type", contentType)
	}
	if req.Token != "" {
		hreq.Header.Set("Authorization", "Bearer "+req.Token)
	}
	resp, err := client.Do(hreq)
	if err != nil {
		return Reply{}, wrote.Load(), TransportError(network, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err == nil && len(data) > maxBody {
		err = errTooLarge
	}
	if err != nil {
		return Reply{}, true, TransportError(network, err)
	}
	rep = Reply{Status: resp.StatusCode, Header: resp.Header, Body: data,
		secrets: append([]string{req.Token}, req.Secrets...)}
	return rep, true, nil
}

// Scrub replaces every secret found in the answer by "[secret]", so no part
// of it can carry one into an error text. Networks do not echo tokens, but a
// proxy's debug page might.
func Scrub(rep Reply, secrets ...string) Reply {
	rep.Body = bytes.Clone(rep.Body)
	for _, s := range secrets {
		if len(s) < 4 { // a one-letter "secret" would shred every word
			continue
		}
		if bytes.Contains(rep.Body, []byte(s)) {
			rep.Body = bytes.ReplaceAll(rep.Body, []byte(s), []byte("[secret]"))
		}
		h := rep.Header.Clone()
		for k, vs := range h {
			for i, v := range vs {
				if strings.Contains(v, s) {
					h[k][i] = strings.ReplaceAll(v, s, "[secret]")
				}
			}
		}
		rep.Header = h
	}
	if rep.Header == nil {
		rep.Header = http.Header{}
	}
	return rep
}

// TransportError says in plain words why the network could not be asked,
// as a *network.TransientError whose chain holds ErrUnreachable and the
// cause, with any URL (which may carry a secret in its query) taken out.
func TransportError(networkName string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.Canceled) {
		return &network.TransientError{Message: "the request to " + networkName + " was cancelled", Err: err}
	}
	return &network.TransientError{
		Message: "could not reach " + networkName + ": " + whyUnreachable(err),
		Err:     errors.Join(ErrUnreachable, err),
	}
}

func whyUnreachable(err error) string {
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var netErr net.Error
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return "its address could not be found (DNS); check the internet connection"
	case errors.As(err, &dnsErr):
		return "its name could not be looked up (DNS); check the internet connection"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "it did not answer in time"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the connection was refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "the connection was cut"
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return "there is no route to it; check the internet connection"
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr):
		return "its security certificate could not be verified"
	case errors.Is(err, errTooLarge):
		return "its answer was too large"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), strings.Contains(err.Error(), "EOF"):
		return "the connection was closed before it answered"
	}
	return "the connection failed"
}
