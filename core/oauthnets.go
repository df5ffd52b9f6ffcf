package core

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"

	"golang.org/x/oauth2"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/oauthnet"
	"github.com/socialomm/desktop/core/oauth"
)

// The networks SocialOmm connects with the person's own app keys: some
// sign in through the browser and come back to a fixed loopback port;
// others accept only https redirect URIs, so the person pastes the address
// the browser ends on. Which is which, and every word about them, is in
// each network's catalog entry.

// NetworkInfo is what the person needs to know to set up a keyed network:
// where its keys go in Settings, where to make them, and what a connection
// with it is like.
type NetworkInfo struct {
	// Name is the network's key; Title how people write it.
	Name, Title string
	// IDKey, SecretKey and RedirectKey are the settings holding the keys
	// (RedirectKey only where the person chooses the redirect URI).
	IDKey, SecretKey, RedirectKey string
	// IDLabel and SecretLabel are the developer portal's own words for them.
	IDLabel, SecretLabel string
	// NeedsSecret: the network refuses a client without its secret.
	NeedsSecret bool
	// Loopback: the sign-in comes back to SocialOmm on RedirectPort;
	// otherwise the person pastes the final address.
	Loopback     bool
	RedirectPort int
	// DefaultRedirectURI is the address to register with the network.
	DefaultRedirectURI string
	// PortalURL is the network's developer page, where the keys are made,
	// PortalName whose it is.
	PortalURL, PortalName string
	// Setup says what to do there.
	Setup string
	// Life says how long a connection lasts and what SocialOmm does about it.
	Life string
	// Note is anything else to know before connecting ("" when nothing).
	Note string
	// NeverExpires: connections have no end.
	NeverExpires bool

	// instance is the account's Instance: the network's web address, so
	// the activity log and Remove can name where the profile lives.
	instance string
}

// infoOf is a keyed network's entry as NetworkInfo.
func infoOf(n network.Entry) NetworkInfo {
	k := n.Keys
	return NetworkInfo{Name: n.Name, Title: n.Title, IDKey: k.IDKey, SecretKey: k.SecretKey, RedirectKey: k.RedirectKey,
		IDLabel: k.IDLabel, SecretLabel: k.SecretLabel, NeedsSecret: k.NeedsSecret,
		Loopback: n.SignIn == network.SignInLoopback, RedirectPort: k.RedirectPort, DefaultRedirectURI: k.DefaultRedirectURI,
		PortalURL: k.PortalURL, PortalName: k.PortalName, Setup: n.Setup, Life: n.Life, Note: n.Note,
		NeverExpires: n.NeverExpires, instance: n.Web}
}

// KeyedNetworks lists the networks that need the person's own app keys, in
// the order they are offered.
func KeyedNetworks() []NetworkInfo { return keyedIn(Networks()) }

// KeyedNetworks lists the engine's networks that need the person's own app
// keys.
func (e *Engine) KeyedNetworks() []NetworkInfo { return keyedIn(e.catalog) }

func keyedIn(c Catalog) []NetworkInfo {
	var out []NetworkInfo
	for _, n := range c.Entries() {
		if n.Keys != nil {
			out = append(out, infoOf(n))
		}
	}
	return out
}

// KeyedNetwork finds a keyed network by name.
func KeyedNetwork(name string) (NetworkInfo, bool) { return keyedNetworkIn(Networks(), name) }

func keyedNetworkIn(c Catalog, name string) (NetworkInfo, bool) {
	n, ok := c.Lookup(name)
	if !ok || n.Keys == nil {
		return NetworkInfo{}, false
	}
	return infoOf(n), true
}

// keyedNetwork finds one of the engine's keyed networks.
func (e *Engine) keyedNetwork(name string) (NetworkInfo, bool) {
	return keyedNetworkIn(e.catalog, name)
}

// neverExpires reports whether a network's connections have no end, so the
// lifespan setting does not cap them.
func neverExpires(networkName string) bool {
	n, ok := Networks().Lookup(networkName)
	return ok && n.NeverExpires
}

// TestEndpointsEnv points the keyed networks at local test servers, for
// the integration tests only: SOCIALOMM_TEST_ENDPOINTS=NETWORK=http://127.0.0.1:PORT,...
// Each base URL stands for all of that network's hosts, with the paths the
// real hosts use (internal/contract serves them so; each network package's
// EndpointsAt builds them). It is read once when the engine opens, ignored
// unless set, and accepts loopback addresses only, so it can never send a
// token anywhere else. Not a user setting.
const TestEndpointsEnv = "SOCIALOMM_TEST_ENDPOINTS"

// parseTestEndpoints reads TestEndpointsEnv's value.
func parseTestEndpoints(v string) (map[string]string, error) {
	out := map[string]string{}
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, base, ok := strings.Cut(part, "=")
		if _, known := KeyedNetwork(name); !ok || !known {
			var names []string
			for _, n := range KeyedNetworks() {
				names = append(names, n.Name)
			}
			return nil, fmt.Errorf("%s: %q is not NETWORK=URL for one of %s", TestEndpointsEnv, part, strings.Join(names, ", "))
		}
		u, err := url.Parse(strings.TrimRight(base, "/"))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("%s: %s must point at a loopback address", TestEndpointsEnv, name)
		}
		out[name] = u.String()
	}
	return out, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// NetworkKeys reads a keyed network's app keys from Settings (the secret
// from the keyring). Missing keys are not an error here; see
// NetworkKeysProblem.
func (e *Engine) NetworkKeys(ctx context.Context, name string) (oauthnet.Keys, error) {
	info, ok := e.keyedNetwork(name)
	if !ok {
		return oauthnet.Keys{}, fmt.Errorf("%s takes no app keys", name)
	}
	var k oauthnet.Keys
	var err error
	if k.ClientID, err = e.settings.Get(ctx, info.IDKey); err != nil {
		return k, err
	}
	if k.ClientSecret, err = e.settings.Secret(ctx, info.SecretKey); err != nil {
		return oauthnet.Keys{}, fmt.Errorf("read %s from the keyring: %w", info.SecretKey, err)
	}
	if info.RedirectKey != "" {
		if k.RedirectURI, err = e.settings.Get(ctx, info.RedirectKey); err != nil {
			return oauthnet.Keys{}, err
		}
	}
	return k, nil
}

// RedirectURI is the address to register with a keyed network: its fixed
// loopback callback, or for the paste networks the https address in
// Settings.
func (e *Engine) RedirectURI(ctx context.Context, name string) string {
	info, _ := e.keyedNetwork(name)
	if info.Loopback {
		return oauthnet.LoopbackRedirectURI(e.loopbackPort(info))
	}
	if info.RedirectKey != "" {
		if v, err := e.settings.Get(ctx, info.RedirectKey); err == nil && v != "" {
			return v
		}
	}
	return info.DefaultRedirectURI
}

func (e *Engine) loopbackPort(info NetworkInfo) int {
	if p := e.keyed.ports[info.Name]; p != 0 {
		return p
	}
	return info.RedirectPort
}

// NeedsKeysError means a keyed network's app keys are not in Settings yet.
// It says which settings to fill, where to make the keys and what redirect
// URI to register. errors.Is(err, oauthnet.ErrNoKeys) is true.
type NeedsKeysError struct {
	Network     NetworkInfo
	Missing     []string // setting keys
	RedirectURI string
}

func (e *NeedsKeysError) Error() string {
	n := e.Network
	return fmt.Sprintf("%s needs your own app keys first: fill in %s in Settings → Networks → %s (or `socialomm settings set %s VALUE`). "+
		"Make them at %s and register %s as the redirect URI there",
		n.Title, strings.Join(e.Missing, " and "), n.Title, e.Missing[0], n.PortalURL, e.RedirectURI)
}

func (e *NeedsKeysError) Unwrap() error { return oauthnet.ErrNoKeys }

// NetworkKeysProblem is nil when a keyed network's keys are in Settings,
// else a *NeedsKeysError (or the keyring's error).
func (e *Engine) NetworkKeysProblem(ctx context.Context, name string) error {
	_, err := e.readyKeys(ctx, name)
	return err
}

func (e *Engine) readyKeys(ctx context.Context, name string) (oauthnet.Keys, error) {
	info, ok := e.keyedNetwork(name)
	if !ok {
		return oauthnet.Keys{}, fmt.Errorf("%s takes no app keys", name)
	}
	k, err := e.NetworkKeys(ctx, name)
	if err != nil {
		return k, err
	}
	var missing []string
	if strings.TrimSpace(k.ClientID) == "" {
		missing = append(missing, info.IDKey)
	}
	if info.NeedsSecret && strings.TrimSpace(k.ClientSecret) == "" {
		missing = append(missing, info.SecretKey)
	}
	if len(missing) > 0 {
		return k, &NeedsKeysError{Network: info, Missing: missing, RedirectURI: e.RedirectURI(ctx, name)}
	}
	return k, nil
}

// PasteSignIn is one sign-in with a network whose sign-in ends on an https
// address (SignInPaste): the person opens URL in the browser, signs in, and
// the browser ends on RedirectURI with the code in its address (a page that
// does not load); the person copies that whole address into FinishPaste.
// It holds the attempt's state and PKCE verifier, and after FinishPaste on
// a network where one person manages several profiles, those profiles with
// their tokens, in memory only. Safe for concurrent use.
type PasteSignIn struct {
	Network string
	Title   string
	// URL is the network's sign-in page for this attempt.
	URL string
	// RedirectURI is the https address registered with the network.
	RedirectURI string

	flow   *oauthnet.ManualFlow
	update *account.Account

	mu      sync.Mutex
	user    network.Profile
	choices []network.Choice
}

// ProfileChoice is a profile the person manages, to choose from after
// signing in (network.Chooser).
type ProfileChoice struct {
	ID, Name, Category string
	// CanPost: the person's role lets them publish there.
	CanPost bool
}

// PasteResult is what a finished paste sign-in gives.
type PasteResult struct {
	// Account is the connected account (or the updated one).
	Account account.Account
	// Pages are the profiles to choose from with ConnectChoice, when the
	// network's sign-in is a person who manages several.
	Pages []ProfileChoice
	// User is who signed in, as the network names them.
	User string
}

// StartPaste begins a paste sign-in. Open p.URL in the browser, then pass
// the address it ends on to FinishPaste.
func (e *Engine) StartPaste(ctx context.Context, name string) (*PasteSignIn, error) {
	return e.startPaste(ctx, name, nil)
}

// StartPasteUpdate begins reconnecting an existing account of a paste
// network; FinishPaste then keeps it only if the same profile comes back.
func (e *Engine) StartPasteUpdate(ctx context.Context, id int64) (*PasteSignIn, error) {
	a, err := e.Account(ctx, id)
	if err != nil {
		return nil, err
	}
	return e.startPaste(ctx, a.Network, &a)
}

func (e *Engine) startPaste(ctx context.Context, name string, update *account.Account) (*PasteSignIn, error) {
	info, ok := e.keyedNetwork(name)
	switch {
	case !ok:
		return nil, fmt.Errorf("%s does not connect with app keys", name)
	case info.Loopback:
		return nil, fmt.Errorf("%s signs in through the browser by itself: use ConnectOAuth", info.Title)
	}
	flow, ok := e.adapters[name].(network.PasteSignIn)
	if !ok {
		return nil, fmt.Errorf("%s offers no paste sign-in", info.Title)
	}
	if err := e.keyringGuard(ctx); err != nil {
		return nil, err
	}
	keys, err := e.readyKeys(ctx, name)
	if err != nil {
		return nil, err
	}
	redirect := e.RedirectURI(ctx, name)
	manual, err := oauthnet.NewManualFlow(flow.PasteConfig(network.ClientKeys{ClientID: keys.ClientID,
		ClientSecret: keys.ClientSecret, RedirectURI: keys.RedirectURI}, redirect))
	if err != nil {
		return nil, err
	}
	return &PasteSignIn{Network: name, Title: info.Title, URL: manual.AuthCodeURL(), RedirectURI: redirect, flow: manual, update: update}, nil
}

// FinishPaste reads the code from the address the browser ended on, trades
// it for the connection and stores the account; where the person manages
// several profiles it returns them to choose from (ConnectChoice), or when
// updating one, stores its new token. An update that comes back as another
// profile (or as someone who does not manage it) is an *OtherProfileError
// and changes nothing.
func (e *Engine) FinishPaste(ctx context.Context, p *PasteSignIn, pasted string) (PasteResult, error) {
	if p == nil || p.flow == nil {
		return PasteResult{}, errors.New("start the sign-in first")
	}
	code, err := p.flow.Code(pasted)
	if err != nil {
		return PasteResult{}, err
	}
	tok, err := p.flow.Exchange(ctx, e.http, p.Title, code, e.clock.Now())
	if err != nil {
		return PasteResult{}, err
	}
	info, _ := e.keyedNetwork(p.Network)
	ad := e.adapters[p.Network]
	profile, creds, err := ad.(network.PasteSignIn).Finish(ctx, tok)
	if err != nil {
		return PasteResult{}, fmt.Errorf("%s gave SocialOmm access, but then refused it: %w", p.Title, err)
	}
	if chooser, ok := ad.(network.Chooser); ok {
		return e.finishChooser(ctx, p, chooser, profile, creds)
	}
	res := PasteResult{User: profile.Handle}
	signed := network.SignedIn{Instance: info.instance, Profile: profile, Credentials: creds}
	var added bool
	res.Account, added, err = e.completeAdded(ctx, p.Network, p.update, signed)
	if err == nil && added && info.Note != "" {
		// The account's detail shows its activity: say it there too.
		e.store.LogActivity(ctx, res.Account.ID, "note", info.Note)
	}
	return res, err
}

// finishChooser lists the profiles the person manages, or on Update keeps
// the account's own among them.
func (e *Engine) finishChooser(ctx context.Context, p *PasteSignIn, c network.Chooser, user network.Profile, userCreds network.Credentials) (PasteResult, error) {
	res := PasteResult{User: user.DisplayName}
	choices, err := c.Choices(ctx, user, userCreds)
	if err != nil {
		return res, err
	}
	p.mu.Lock()
	p.user, p.choices = user, choices
	p.mu.Unlock()
	if p.update != nil {
		a := *p.update
		for _, ch := range choices {
			if ch.ID == a.RemoteID {
				res.Account, err = e.complete(ctx, p.Network, p.update, network.SignedIn{Instance: a.Instance,
					Profile: ch.Profile, Credentials: ch.Credentials})
				return res, err
			}
		}
		return res, &OtherProfileError{Want: a.Handle, Got: user.DisplayName, Message: c.NotManaged(a.Handle, user)}
	}
	for _, ch := range choices {
		res.Pages = append(res.Pages, ProfileChoice{ID: ch.ID, Name: ch.Name, Category: ch.Category, CanPost: ch.CanPost})
	}
	return res, nil
}

// ConnectChoice stores one chosen profile of a finished sign-in
// (network.Chooser) as an account, with its own token in the keyring. Call it
// once per profile to connect.
func (e *Engine) ConnectChoice(ctx context.Context, p *PasteSignIn, id string) (account.Account, error) {
	var c network.Chooser
	if p != nil {
		c, _ = e.adapters[p.Network].(network.Chooser)
	}
	if c == nil {
		return account.Account{}, errors.New("this sign-in has no profiles to choose from")
	}
	p.mu.Lock()
	choices, user := p.choices, p.user
	p.mu.Unlock()
	if choices == nil {
		return account.Account{}, fmt.Errorf("finish the %s sign-in first", p.Title)
	}
	ch, err := c.Pick(choices, user, strings.TrimSpace(id))
	if err != nil {
		return account.Account{}, err
	}
	info, _ := e.keyedNetwork(p.Network)
	return e.complete(ctx, p.Network, nil, network.SignedIn{Instance: info.instance, Profile: ch.Profile, Credentials: ch.Credentials})
}

// exchangeContext makes the token exchange use the engine's HTTP client.
func (e *Engine) exchangeContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, e.http)
}

// CanPasteAgain reports whether a pasted address was refused before
// anything was used up (not an address, another attempt's, no code), so
// the person may paste again.
func CanPasteAgain(err error) bool {
	return errors.Is(err, oauthnet.ErrNotAnAddress) || errors.Is(err, oauthnet.ErrStateMismatch) || errors.Is(err, oauth.ErrNoCode)
}
