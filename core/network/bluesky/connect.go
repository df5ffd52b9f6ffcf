package bluesky

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"github.com/socialomm/desktop/core/network"
)

// Connect signs in with a handle and an app password and returns whose
// account it is, the session's credentials, and the base URL of the
// account's server (store it as account.Instance).
//
// handle is what the person typed ("@ana.bsky.social", "ana.bsky.social",
// or a DID). pdsURL is the "advanced" server address; empty means find the
// server from the handle (DNS TXT _atproto.<handle> or
// https://<handle>/.well-known/atproto-did, then the DID document). With a
// server address the handle may also be the account's email.
//
// The account's own password is refused (ErrMainPassword), after ending the
// session it made: SocialOmm only keeps app passwords, which the person can
// revoke on their own. A refused sign-in Is ErrLoginRefused and carries a
// *network.LostAccessError (password_changed for "Invalid identifier or
// password", which is also what a revoked app password gets).
//
// Credentials.Expiry is the access token's end (two hours),
// ConnectionExpiry the refresh token's own exp (90 days on the reference
// server).
func (a *Adapter) Connect(ctx context.Context, handle, appPassword, pdsURL string) (network.Profile, network.Credentials, string, error) {
	var (
		id        string
		base      string
		wantDID   string
		err       error
		useServer = strings.TrimSpace(pdsURL) != ""
	)
	if useServer {
		if base, err = NormalizePDS(pdsURL); err != nil {
			return fail(err)
		}
		if id, err = normalizeIdentifier(handle, true); err != nil {
			return fail(err)
		}
	} else {
		if id, err = NormalizeHandle(handle); err != nil {
			return fail(err)
		}
		if wantDID, base, err = a.ResolvePDS(ctx, id); err != nil {
			return fail(err)
		}
	}
	if strings.TrimSpace(appPassword) == "" {
		return fail(errors.New("enter an app password. " + AppPasswordHelp))
	}

	rep, err := a.do(ctx, base, call{
		method:  http.MethodPost,
		nsid:    "com.atproto.server.createSession",
		body:    map[string]string{"identifier": id, "password": appPassword},
		secrets: []string{appPassword},
	})
	if err != nil {
		return fail(loginError(err))
	}
	s, err := readSession(rep.body, true)
	if err != nil {
		return fail(err)
	}
	// From here on a session exists on the server: end it on every refusal.
	refuse := func(err error) (network.Profile, network.Credentials, string, error) {
		_ = a.deleteSession(ctx, base, s.RefreshJwt)
		return fail(err)
	}
	creds, err := credentialsOf(s.AccessJwt, s.RefreshJwt)
	if err != nil {
		return refuse(malformed("the session's tokens"))
	}
	if c, _ := readJWT(s.AccessJwt); c.Scope == scopeAccess {
		return refuse(mainPasswordError())
	}
	if wantDID != "" && s.DID != wantDID {
		return refuse(fmt.Errorf("the server at %s signed in %s, but %s belongs to %s; check the handle", hostOf(base), s.DID, id, wantDID))
	}
	if why := s.inactive(); why != "" {
		return refuse(fmt.Errorf("%w: it is %s; reactivate it in Bluesky first", ErrAccountInactive, why))
	}
	return a.profile(ctx, base, s.DID, s.Handle, creds.AccessToken), creds, base, nil
}

func fail(err error) (network.Profile, network.Credentials, string, error) {
	return network.Profile{}, network.Credentials{}, "", err
}

func mainPasswordError() error {
	return fmt.Errorf("%w. SocialOmm signs in only with an app password, which you can revoke at any time without changing your password. %s", ErrMainPassword, AppPasswordHelp)
}

// loginError words a refused createSession for the connect dialog.
func loginError(err error) error {
	var rej *RejectedError
	if errors.As(err, &rej) && rej.Code == codeAuthFactorRequired {
		// Only the account's own password asks for an emailed code.
		return mainPasswordError()
	}
	var lost *network.LostAccessError
	if errors.As(err, &lost) {
		return &loginRefused{lost: lost}
	}
	return err
}

// loginRefused is a sign-in the server did not accept. It Is
// ErrLoginRefused and As the *network.LostAccessError behind it.
type loginRefused struct{ lost *network.LostAccessError }

func (e *loginRefused) Error() string {
	words := e.lost.Message
	if words == "" {
		words = string(e.lost.Reason)
	}
	return fmt.Sprintf("%v (%s). Check the handle, or make a new app password: %s", ErrLoginRefused, words, AppPasswordHelp)
}

func (e *loginRefused) Unwrap() []error { return []error{ErrLoginRefused, e.lost} }

// NormalizeHandle turns what a person typed into a handle as the network
// writes it ("@Ana.bsky.social " -> "ana.bsky.social"), or a DID as it is.
func NormalizeHandle(input string) (string, error) {
	return normalizeIdentifier(input, false)
}

func normalizeIdentifier(input string, emailOK bool) (string, error) {
	s := strings.TrimFunc(input, func(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) })
	s = strings.TrimPrefix(s, "@")
	if s == "" {
		return "", fmt.Errorf("%w: enter the Bluesky handle, like ana.bsky.social", ErrNotHandle)
	}
	if strings.HasPrefix(s, "did:") {
		if !isDID(s) {
			return "", fmt.Errorf("%w: %q is not a valid DID", ErrNotHandle, s)
		}
		return s, nil
	}
	if strings.Contains(s, "@") {
		if emailOK && strings.Count(s, "@") == 1 && !strings.ContainsFunc(s, unicode.IsSpace) {
			return strings.ToLower(s), nil
		}
		return "", fmt.Errorf("%w: %q looks like an email address; enter the handle, like ana.bsky.social (or the server's address in the advanced field)", ErrNotHandle, input)
	}
	h := strings.ToLower(strings.TrimSuffix(s, "."))
	if !IsHandle(h) {
		return "", fmt.Errorf("%w: %q is not a handle; a handle looks like ana.bsky.social", ErrNotHandle, strings.TrimSpace(input))
	}
	return h, nil
}

// IsHandle reports whether h is a syntactically valid handle (the AT
// Protocol's rules: a domain name of at least two labels, ASCII letters,
// digits and hyphens, the last label not starting with a digit).
func IsHandle(h string) bool {
	if len(h) == 0 || len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	tld := labels[len(labels)-1]
	return !(tld[0] >= '0' && tld[0] <= '9')
}

// isDID reports whether s is a DID of a method SocialOmm can resolve.
func isDID(s string) bool {
	switch {
	case strings.HasPrefix(s, "did:plc:"):
		id := s[len("did:plc:"):]
		if len(id) != 24 {
			return false
		}
		for _, c := range id {
			if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
				return false
			}
		}
		return true
	case strings.HasPrefix(s, "did:web:"):
		host, err := url.PathUnescape(s[len("did:web:"):])
		if err != nil || host == "" || strings.ContainsAny(host, "/:?#@ ") && !isHostPort(host) {
			return false
		}
		return true
	}
	return false
}

func isHostPort(s string) bool {
	h, p, err := net.SplitHostPort(s)
	return err == nil && h != "" && p != "" && !strings.ContainsAny(h, "/?#@ ")
}

// NormalizePDS checks a server address typed in the advanced field and
// returns its base URL ("bsky.social" -> "https://bsky.social"). Plain http
// is only accepted for this computer (localhost, 127.0.0.1, ::1), so a
// password never crosses a network unencrypted.
func NormalizePDS(input string) (string, error) {
	s := strings.TrimSpace(input)
	bad := func(why string) (string, error) {
		if why == "" {
			why = "enter the server's address, like https://bsky.social"
		}
		return "", fmt.Errorf("%w: %q: %s", ErrNotServerAddress, input, why)
	}
	if s == "" || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return bad("")
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return bad("")
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" {
		return bad("only https:// addresses are used")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		return bad("give only the server's address, without a path")
	}
	if scheme == "http" && !isLoopback(u.Hostname()) {
		return bad("plain http:// is only allowed for this computer; use https://")
	}
	return scheme + "://" + strings.ToLower(u.Host), nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ResolvePDS finds the account behind a handle (or DID) and its server:
// handle -> DID (ResolveHandle), DID -> DID document -> the
// #atproto_pds service's endpoint.
func (a *Adapter) ResolvePDS(ctx context.Context, handleOrDID string) (did, pds string, err error) {
	did = handleOrDID
	if !strings.HasPrefix(did, "did:") {
		if did, err = a.ResolveHandle(ctx, handleOrDID); err != nil {
			return "", "", err
		}
	}
	pds, err = a.ResolveDID(ctx, did)
	if err != nil {
		return "", "", err
	}
	return did, pds, nil
}

// ResolveHandle finds the DID a handle belongs to: first the DNS TXT record
// _atproto.<handle> ("did=did:plc:..."), then
// https://<handle>/.well-known/atproto-did.
func (a *Adapter) ResolveHandle(ctx context.Context, handle string) (string, error) {
	var dnsErr error
	if a.lookupTXT != nil {
		txts, err := a.lookupTXT(ctx, "_atproto."+handle)
		dnsErr = err
		var found []string
		for _, t := range txts {
			if v, ok := strings.CutPrefix(strings.TrimSpace(t), "did="); ok && isDID(v) {
				found = append(found, v)
			}
		}
		if len(found) == 1 {
			return found[0], nil
		}
	}
	rep, _, err := send(ctx, a.client, http.MethodGet, "https://"+handle+"/.well-known/atproto-did", nil, nil, nil)
	if err == nil && rep.status == http.StatusOK {
		line, _, _ := strings.Cut(strings.TrimSpace(string(rep.body)), "\n")
		if v := strings.TrimSpace(line); isDID(v) {
			return v, nil
		}
	}
	if err != nil && isTemporary(dnsErr) {
		// Neither way could be asked: the network, not the handle.
		return "", err
	}
	return "", fmt.Errorf("%w: no account was found for @%s (no _atproto DNS record, no https://%s/.well-known/atproto-did). Check the handle; if the account is on its own server, enter that server's address in the advanced field",
		ErrHandleNotFound, handle, handle)
}

func isTemporary(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return !dnsErr.IsNotFound
	}
	return err != nil
}

// didDocument is the part of a DID document SocialOmm reads.
type didDocument struct {
	ID          string   `json:"id"`
	AlsoKnownAs []string `json:"alsoKnownAs"`
	Service     []struct {
		ID              string `json:"id"`
		Type            string `json:"type"`
		ServiceEndpoint any    `json:"serviceEndpoint"`
	} `json:"service"`
}

// ResolveDID reads the DID document (did:plc from the PLC directory,
// did:web from https://<host>/.well-known/did.json) and returns the base
// URL of the account's PDS.
func (a *Adapter) ResolveDID(ctx context.Context, did string) (string, error) {
	var docURL string
	switch {
	case strings.HasPrefix(did, "did:plc:") && isDID(did):
		docURL = a.plcURL + "/" + did
	case strings.HasPrefix(did, "did:web:") && isDID(did):
		host, _ := url.PathUnescape(did[len("did:web:"):])
		scheme := "https"
		if h, _, err := net.SplitHostPort(host); err == nil && isLoopback(h) || isLoopback(host) {
			scheme = "http"
		}
		docURL = scheme + "://" + host + "/.well-known/did.json"
	default:
		return "", fmt.Errorf("%w: %q is not a DID SocialOmm can look up", ErrDIDNotResolved, did)
	}
	rep, _, err := send(ctx, a.client, http.MethodGet, docURL, nil, http.Header{"Accept": {"application/did+ld+json, application/json"}}, nil)
	if err != nil {
		return "", err
	}
	switch {
	case rep.status == http.StatusNotFound:
		return "", fmt.Errorf("%w: %s does not know %s", ErrDIDNotResolved, hostOf(docURL), did)
	case rep.status == http.StatusGone:
		return "", fmt.Errorf("%w: %s says the account %s was deleted", ErrDIDNotResolved, hostOf(docURL), did)
	case rep.status != http.StatusOK:
		if err := Classify(rep.status, rep.header, rep.body, a.clock.Now()); err != nil && network.IsTransient(err) {
			return "", err
		}
		return "", fmt.Errorf("%w: %s answered HTTP %d for %s", ErrDIDNotResolved, hostOf(docURL), rep.status, did)
	}
	var doc didDocument
	if err := json.Unmarshal(rep.body, &doc); err != nil || doc.ID != did {
		return "", fmt.Errorf("%w: the DID document of %s could not be read", ErrDIDNotResolved, did)
	}
	for _, s := range doc.Service {
		if (s.ID == "#atproto_pds" || s.ID == did+"#atproto_pds") && s.Type == "AtprotoPersonalDataServer" {
			ep, _ := s.ServiceEndpoint.(string)
			base, err := NormalizePDS(ep)
			if err != nil {
				return "", fmt.Errorf("%w: the DID document of %s names an unusable server: %w", ErrDIDNotResolved, did, err)
			}
			return base, nil
		}
	}
	return "", fmt.Errorf("%w: the DID document of %s names no Bluesky server (PDS)", ErrDIDNotResolved, did)
}
