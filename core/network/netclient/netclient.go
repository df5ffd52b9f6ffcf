// Package netclient is the one careful way the adapters send an HTTP
// request: the app named in User-Agent, never a replay by the transport,
// a bounded answer, secrets scrubbed from what comes back, and transport
// failures said in plain words.
//
// It knows no network: each adapter adds its own headers, wording and
// sentinels (its ErrUnreachable) on top.
package netclient

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
)

// UserAgent names the app to the servers' operators reading their logs.
const UserAgent = "SocialOmm-desktop"

// MaxBody bounds what is read of any answer (a page of posts fits easily).
const MaxBody = 4 << 20

// ErrTooLarge is the read failure of an answer over MaxBody.
var ErrTooLarge = errors.New("answer too large")

// DefaultClient is used when a caller passes a nil *http.Client: its timeout
// keeps a silent server from holding a check forever.
func DefaultClient() *http.Client {
	return &http.Client{Timeout: DefaultTimeout, CheckRedirect: CheckRedirect}
}

// Request is one HTTP call.
type Request struct {
	Method string
	URL    string
	// Body is sent when not nil.
	Body io.Reader
	// Header is sent first; ContentType, Token and User-Agent win over it.
	Header http.Header
	// ContentType is sent as Content-Type when not empty.
	ContentType string
	// Token is sent as a Bearer token when not empty.
	Token string
}

// NewRequest builds req for ctx. Its error is http.NewRequestWithContext's,
// as is: it may quote the URL, so callers whose URLs carry a secret word it
// themselves.
func NewRequest(ctx context.Context, req Request) (*http.Request, error) {
	hreq, err := http.NewRequestWithContext(ctx, req.Method, req.URL, req.Body)
	if err != nil {
		return nil, err
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			hreq.Header.Add(k, v)
		}
	}
	hreq.Header.Set("User-Agent", UserAgent)
	if req.ContentType != "" {
		hreq.Header.Set("Content-Type", req.ContentType)
	}
	if req.Token != "" {
		hreq.Header.Set("Authorization", "Bearer "+req.Token)
	}
	return hreq, nil
}

// Reply is an answer as it came.
type Reply struct {
	Status int
	Header http.Header
	Body   []byte
	// Final is the URL that answered, after redirects.
	Final *url.URL
}

// Send performs hreq with client (DefaultClient when nil) and reads at most
// MaxBody bytes of the answer. The transport never replays hreq: on a
// reused connection that died before answering it would otherwise send a
// post again, and few servers honour an idempotency key.
//
// err is the transport's own failure (ErrTooLarge for an answer over
// MaxBody), for the caller to word with TransportError and its own
// sentinel. written then says whether the request had gone out in full
// before things broke (a post's outcome is then unknown).
func Send(client *http.Client, hreq *http.Request) (rep Reply, written bool, err error) {
	if client == nil {
		client = DefaultClient()
	}
	var wrote atomic.Bool
	hreq = hreq.WithContext(httptrace.WithClientTrace(hreq.Context(), &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				wrote.Store(true)
			}
		},
	}))
	// Without GetBody the transport cannot replay the request.
	hreq.GetBody = nil
	resp, err := client.Do(hreq)
	if err != nil {
		return Reply{}, wrote.Load(), err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err == nil && len(data) > MaxBody {
		err = ErrTooLarge
	}
	if err != nil {
		return Reply{}, true, err
	}
	return Reply{Status: resp.StatusCode, Header: resp.Header, Body: data, Final: resp.Request.URL}, true, nil
}

// Scrub replaces every secret of at least minLen bytes in body and header
// by mask, so no part of an answer can carry one into an error text.
// Servers do not echo tokens, but a proxy's debug page might. minLen keeps a
// short "secret" from shredding ordinary words. body is not changed in
// place; header is cloned before a change.
func Scrub(body []byte, header http.Header, mask string, minLen int, secrets ...string) ([]byte, http.Header) {
	for _, secret := range secrets {
		if secret == "" || len(secret) < minLen {
			continue
		}
		s := []byte(secret)
		if bytes.Contains(body, s) {
			body = bytes.ReplaceAll(body, s, []byte(mask))
		}
		h := header.Clone()
		for k, vs := range h {
			for i, v := range vs {
				if strings.Contains(v, secret) {
					h[k][i] = strings.ReplaceAll(v, secret, mask)
				}
			}
		}
		header = h
	}
	return body, header
}
