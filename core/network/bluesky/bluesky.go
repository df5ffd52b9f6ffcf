// Package bluesky connects SocialOmm to Bluesky (the AT Protocol) with an
// app password: finding the account's server (PDS) from its handle,
// signing in, keeping the session alive by refreshing it, posting, and
// telling lost access from network trouble.
//
// A connection is two JWTs from com.atproto.server.createSession: an access
// token that lasts two hours and a refresh token that lasts 90 days on the
// reference server. Every refresh (com.atproto.server.refreshSession)
// replaces both, and the old refresh token stops working two hours later,
// so the new credentials must be stored before anything else is done.
//
// Revoking an app password on the server does not stop access tokens
// already issued: they keep working until they expire, up to two hours.
// Only a refresh notices. That is why the engine checks a Bluesky account
// with Check (which refreshes) rather than Verify (which only asks
// com.atproto.server.getSession, as network.Adapter defines it).
//
// How the engine uses it:
//
//	prof, creds, pds, err := a.Connect(ctx, handle, appPassword, advancedPDS)
//	// store creds in the keyring; account.Instance = pds,
//	// RemoteID = prof.RemoteID (the DID), ExpiresAt = creds.ConnectionExpiry
//
//	prof, next, err := a.Check(ctx, acct, creds)
//	if next.RefreshToken != "" && next != creds {
//		// store next first, whatever err says
//	}
//
//	if a.NeedsRefresh(creds) { creds, err = a.Refresh(ctx, acct, creds); store }
//	pub, err := a.Publish(ctx, acct, creds, text, key)
//	// errors.Is(err, ErrAccessExpired): Refresh, store, publish again
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
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/clock"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/netclient"
)

// NetworkName is the key stored in account.Network.
const NetworkName = "bluesky"

// TextLimit is how long a post may be, in graphemes (what a person counts
// as characters; the app.bsky.feed.post lexicon's maxGraphemes).
const TextLimit = 300

// DefaultPLCURL is the PLC directory that did:plc identities live in.
const DefaultPLCURL = "https://plc.directory"

// AppPasswordsURL is where a person makes an app password.
const AppPasswordsURL = "https://bsky.app/settings/app-passwords"

// AppPasswordHelp tells a person where app passwords are made.
const AppPasswordHelp = "Make one in Bluesky under Settings → Privacy and security → App passwords (" + AppPasswordsURL + ")."

// refreshAhead is how long before the access token's end NeedsRefresh says
// to refresh, so a request does not race its expiry.
const refreshAhead = 5 * time.Minute

// Option changes an Adapter's defaults.
type Option func(*Adapter)

// WithClock sets the clock used for posts' createdAt, NeedsRefresh and
// rate-limit waits.
func WithClock(c clock.Clock) Option { return func(a *Adapter) { a.clock = c } }

// WithPLCURL sets the PLC directory did:plc documents are read from
// (DefaultPLCURL unless set; tests point it at their own).
func WithPLCURL(u string) Option {
	return func(a *Adapter) { a.plcURL = strings.TrimRight(u, "/") }
}

// WithTXTLookup replaces the DNS TXT lookup used to resolve handles
// (net.DefaultResolver.LookupTXT unless set).
func WithTXTLookup(f func(ctx context.Context, name string) ([]string, error)) Option {
	return func(a *Adapter) { a.lookupTXT = f }
}

// Adapter is the Bluesky network.Adapter and network.Refresher. It holds no
// per-account state and is safe for concurrent use.
type Adapter struct {
	client    *http.Client
	clock     clock.Clock
	plcURL    string
	lookupTXT func(ctx context.Context, name string) ([]string, error)
}

var (
	_ network.Adapter   = (*Adapter)(nil)
	_ network.Refresher = (*Adapter)(nil)
)

// New returns an Adapter using client (a client with a 30 s timeout if
// nil).
func New(client *http.Client, opts ...Option) *Adapter {
	if client == nil {
		client = netclient.DefaultClient()
	}
	a := &Adapter{client: client, clock: clock.Real{}, plcURL: DefaultPLCURL}
	var r net.Resolver
	a.lookupTXT = r.LookupTXT
	for _, o := range opts {
		o(a)
	}
	return a
}

// Name is "bluesky".
func (a *Adapter) Name() string { return NetworkName }

// TextLimit is always TextLimit graphemes; the method matches the
// Mastodon adapter's, whose limit depends on the server.
func (a *Adapter) TextLimit(ctx context.Context, acct account.Account) (int, error) {
	return TextLimit, nil
}

// NeedsRefresh reports whether the access token ends within five minutes
// (or has ended), so the engine refreshes before publishing.
func (a *Adapter) NeedsRefresh(creds network.Credentials) bool {
	if creds.RefreshToken == "" || creds.Expiry.IsZero() {
		return false
	}
	return !a.clock.Now().Add(refreshAhead).Before(creds.Expiry)
}

// sessionJSON is what createSession, refreshSession and getSession answer.
type sessionJSON struct {
	AccessJwt  string `json:"accessJwt"`
	RefreshJwt string `json:"refreshJwt"`
	DID        string `json:"did"`
	Handle     string `json:"handle"`
	Active     *bool  `json:"active"`
	Status     string `json:"status"`
}

// invalidHandle is what the server says when an account's handle no
// longer resolves to it.
const invalidHandle = "handle.invalid"

func readSession(body []byte, wantTokens bool) (sessionJSON, error) {
	var s sessionJSON
	if err := json.Unmarshal(body, &s); err != nil || s.DID == "" ||
		(wantTokens && (s.AccessJwt == "" || s.RefreshJwt == "")) {
		return sessionJSON{}, malformed("the session")
	}
	return s, nil
}

// inactive says why a session's account cannot post, or "" if it can.
func (s sessionJSON) inactive() string {
	if s.Active == nil || *s.Active {
		return ""
	}
	if s.Status != "" {
		return network.Clean(s.Status)
	}
	return "inactive"
}

func malformed(what string) error { return network.Malformed("Bluesky", what, ErrMalformedResponse) }

// pdsOf reads the account's server. It goes through NormalizePDS again so
// a token is never sent over plain http to a host that is not this
// computer, whatever was stored.
func pdsOf(acct account.Account) (string, error) {
	base, err := NormalizePDS(acct.Instance)
	if err != nil {
		return "", fmt.Errorf("the account's Bluesky server %q is not usable: %w", acct.Instance, err)
	}
	return base, nil
}

// Verify asks com.atproto.server.getSession whose access token this is.
// It is cheap, but it cannot notice a revoked app password for up to two
// hours (access tokens outlive the revoke): the engine checks Bluesky
// accounts with Check. An access token past its two hours gives an error
// that Is ErrAccessExpired: refresh and ask again.
func (a *Adapter) Verify(ctx context.Context, acct account.Account, creds network.Credentials) (network.Profile, error) {
	base, err := pdsOf(acct)
	if err != nil {
		return network.Profile{}, err
	}
	rep, err := a.do(ctx, base, call{method: http.MethodGet, nsid: "com.atproto.server.getSession", token: creds.AccessToken})
	if err != nil {
		return network.Profile{}, err
	}
	s, err := readSession(rep.body, false)
	if err != nil {
		return network.Profile{}, err
	}
	if err := sameAccount(acct, s); err != nil {
		return network.Profile{}, err
	}
	if why := s.inactive(); why != "" {
		return network.Profile{}, inactiveError(why)
	}
	return a.profile(ctx, base, s.DID, s.Handle, creds.AccessToken), nil
}

// Check is how the engine checks a Bluesky connection: with a refresh
// token it refreshes the session (com.atproto.server.refreshSession), which
// is the only call that notices a revoked app password at once; without
// one it falls back to Verify.
//
// next is the rotated credentials whenever the refresh went through, even
// when err is not nil (the account turned out deactivated, or is someone
// else's). The engine must store next in the keyring before anything else:
// the old refresh token stops working two hours later. next is zero when
// no refresh happened or it failed; the stored credentials then stay.
//
// Lost access comes back as *network.LostAccessError: "Token has been
// revoked" (app password revoked, session ended) is revoked, a refresh
// token past its 90 days is expired, an unverifiable token is invalid.
func (a *Adapter) Check(ctx context.Context, acct account.Account, creds network.Credentials) (network.Profile, network.Credentials, error) {
	if creds.RefreshToken == "" {
		p, err := a.Verify(ctx, acct, creds)
		return p, network.Credentials{}, err
	}
	base, err := pdsOf(acct)
	if err != nil {
		return network.Profile{}, network.Credentials{}, err
	}
	next, s, err := a.refresh(ctx, base, creds.RefreshToken)
	if err != nil {
		return network.Profile{}, network.Credentials{}, err
	}
	if err := sameAccount(acct, s); err != nil {
		return network.Profile{}, next, err
	}
	if why := s.inactive(); why != "" {
		return network.Profile{}, next, inactiveError(why)
	}
	return a.profile(ctx, base, s.DID, s.Handle, next.AccessToken), next, nil
}

// Refresh renews the session with com.atproto.server.refreshSession and
// returns the rotated credentials: store them before using them, also when
// an error comes with them (the session turned out to be another
// account's). Errors are as Check's.
func (a *Adapter) Refresh(ctx context.Context, acct account.Account, creds network.Credentials) (network.Credentials, error) {
	if creds.RefreshToken == "" {
		return network.Credentials{}, &network.LostAccessError{Reason: account.ReasonInvalid, Message: "no refresh token is stored for this connection"}
	}
	base, err := pdsOf(acct)
	if err != nil {
		return network.Credentials{}, err
	}
	next, s, err := a.refresh(ctx, base, creds.RefreshToken)
	if err != nil {
		return network.Credentials{}, err
	}
	if err := sameAccount(acct, s); err != nil {
		return next, err
	}
	return next, nil
}

func (a *Adapter) refresh(ctx context.Context, base, refreshToken string) (network.Credentials, sessionJSON, error) {
	rep, err := a.do(ctx, base, call{method: http.MethodPost, nsid: "com.atproto.server.refreshSession", token: refreshToken})
	if err != nil {
		return network.Credentials{}, sessionJSON{}, onRefreshToken(err)
	}
	s, err := readSession(rep.body, true)
	if err != nil {
		return network.Credentials{}, sessionJSON{}, err
	}
	creds, err := credentialsOf(s.AccessJwt, s.RefreshJwt)
	if err != nil {
		return network.Credentials{}, sessionJSON{}, malformed("the session's tokens")
	}
	return creds, s, nil
}

// sameAccount refuses a session that belongs to another DID than the
// account's (the stored server or tokens were mixed up).
func sameAccount(acct account.Account, s sessionJSON) error {
	if acct.RemoteID != "" && s.DID != acct.RemoteID {
		return &network.LostAccessError{
			Reason:  account.ReasonInvalid,
			Message: "the Bluesky session belongs to another account (" + s.DID + ")",
		}
	}
	return nil
}

func inactiveError(why string) error {
	return &network.LostAccessError{
		Reason:  account.ReasonRevoked,
		Message: fmt.Sprintf("%v: it is %s", ErrAccountInactive, why),
	}
}

// Revoke ends the session with com.atproto.server.deleteSession, sent with
// the refresh token: that refresh token stops working at once. The access
// token keeps working until it expires (at most two hours), and the app
// password itself stays until the person deletes it in Bluesky's settings
// (AppPasswordHelp says where). A session that is already gone counts as
// ended. Without a refresh token there is nothing to end: the error Is
// network.ErrRevokeUnsupported.
func (a *Adapter) Revoke(ctx context.Context, acct account.Account, creds network.Credentials) error {
	if creds.RefreshToken == "" {
		return fmt.Errorf("no Bluesky session to end: %w", network.ErrRevokeUnsupported)
	}
	base, err := pdsOf(acct)
	if err != nil {
		return err
	}
	return a.deleteSession(ctx, base, creds.RefreshToken)
}

func (a *Adapter) deleteSession(ctx context.Context, base, refreshToken string) error {
	_, err := a.do(ctx, base, call{method: http.MethodPost, nsid: "com.atproto.server.deleteSession", token: refreshToken})
	var lost *network.LostAccessError
	if err != nil && (errors.As(err, &lost) || errors.Is(err, ErrAccessExpired)) {
		return nil
	}
	return err
}

// profileRecord is the part of app.bsky.actor.profile/self read here.
type profileRecord struct {
	Value struct {
		DisplayName string `json:"displayName"`
		Avatar      *struct {
			Ref struct {
				Link string `json:"$link"`
			} `json:"ref"`
		} `json:"avatar"`
	} `json:"value"`
}

// profile builds the Profile of did. The display name and picture come
// from the account's own profile record on its PDS (no AppView needed);
// when that cannot be read the handle stands in for the name.
func (a *Adapter) profile(ctx context.Context, base, did, handle, accessToken string) network.Profile {
	shown := handle
	if shown == "" || shown == invalidHandle {
		shown = did
	}
	p := network.Profile{
		RemoteID:    did,
		Handle:      "@" + shown,
		DisplayName: shown,
		ProfileURL:  "https://bsky.app/profile/" + url.PathEscape(shown),
	}
	rep, err := a.do(ctx, base, call{
		method: http.MethodGet,
		nsid:   "com.atproto.repo.getRecord",
		query:  url.Values{"repo": {did}, "collection": {"app.bsky.actor.profile"}, "rkey": {"self"}},
		token:  accessToken,
	})
	if err != nil {
		return p
	}
	var rec profileRecord
	if json.Unmarshal(rep.body, &rec) != nil {
		return p
	}
	if name := network.Clean(rec.Value.DisplayName); name != "" {
		p.DisplayName = name
	}
	if rec.Value.Avatar != nil && rec.Value.Avatar.Ref.Link != "" {
		p.AvatarURL = strings.TrimRight(base, "/") + "/xrpc/com.atproto.sync.getBlob?" +
			url.Values{"did": {did}, "cid": {rec.Value.Avatar.Ref.Link}}.Encode()
	}
	return p
}
