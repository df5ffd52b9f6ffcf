package core

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"golang.org/x/oauth2"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/facebook"
	"github.com/socialomm/desktop/core/network/instagram"
	"github.com/socialomm/desktop/core/network/linkedin"
	"github.com/socialomm/desktop/core/network/oauthnet"
	"github.com/socialomm/desktop/core/network/threads"
	"github.com/socialomm/desktop/core/network/x"
	"github.com/socialomm/desktop/core/oauth"
)

// The networks SocialOmm connects with the person's own app keys: X and
// LinkedIn sign in through the browser and come back to a fixed loopback
// port; Facebook Pages, Instagram and Threads (Meta) accept only https
// redirect URIs, so the person pastes the address the browser ends on.

// NetworkInfo is what the person needs to know to set up a keyed network:
// where its keys go in Settings, where to make them, and what a connection
// with it is like.
type NetworkInfo struct {
	// Name is the network's key ("x"); Title how people write it ("X").
	Name, Title string
	// IDKey, SecretKey and RedirectKey are the settings holding the keys
	// (RedirectKey only for the Meta networks, whose redirect URI the
	// person may choose).
	IDKey, SecretKey, RedirectKey string
	// IDLabel and SecretLabel are the developer portal's own words for them.
	IDLabel, SecretLabel string
	// NeedsSecret: the network refuses a client without its secret.
	NeedsSecret bool
	// Loopback: the sign-in comes back to SocialOmm on RedirectPort (X,
	// LinkedIn); otherwise the person pastes the final address.
	Loopback     bool
	RedirectPort int
	// DefaultRedirectURI is the address to register with the network.
	DefaultRedirectURI string
	// PortalURL is the network's developer page, where the keys are made.
	PortalURL string
	// Setup says what to do there.
	Setup string
	// Life says how long a connection lasts and what SocialOmm does about it.
	Life string
	// Note is anything else to know before connecting ("" when nothing).
	Note string
	// NeverExpires: connections have no end (Facebook Pages).
	NeverExpires bool

	// instance is the account's Instance: the network's web address, so
	// the activity log and Remove can name where the profile lives.
	instance string
}

// InstagramNote is what Instagram connections must say wherever they are
// offered: every Instagram post needs an image.
const InstagramNote = "Instagram takes no text-only posts: every post needs an image or a video, and Compose sends text only for now, " +
	"so scheduled posts to Instagram will fail with that reason. Connecting still keeps the profile watched."

// KeyedNetworks lists the networks that need the person's own app keys, in
// the order they are offered.
func KeyedNetworks() []NetworkInfo {
	return []NetworkInfo{
		{
			Name: x.NetworkName, Title: "X", IDKey: "x.client_id", SecretKey: "x.client_secret",
			IDLabel: "OAuth 2.0 Client ID", SecretLabel: "Client Secret (Web App type only)",
			NeedsSecret: x.NeedsSecret, Loopback: true, RedirectPort: x.RedirectPort, DefaultRedirectURI: x.RedirectURI,
			PortalURL: "https://developer.x.com/en/portal/dashboard",
			Setup: "In the X developer portal, open your Project's App, choose User authentication settings: OAuth 2.0, " +
				"type Native App, permissions Read and write, and add the callback URI below. Copy the OAuth 2.0 Client ID " +
				"(a Client Secret only exists for the Web App type; leave it empty for a Native App).",
			Life: "Access lasts 2 hours and SocialOmm renews it by itself while it runs; the connection lasts the " +
				"connection lifespan in Settings → Connections (90 days unless changed).",
			instance: "https://x.com",
		},
		{
			Name: linkedin.NetworkName, Title: "LinkedIn", IDKey: "linkedin.client_id", SecretKey: "linkedin.client_secret",
			IDLabel: "Client ID", SecretLabel: "Primary Client Secret",
			NeedsSecret: linkedin.NeedsSecret, Loopback: true, RedirectPort: linkedin.RedirectPort, DefaultRedirectURI: linkedin.RedirectURI,
			PortalURL: "https://www.linkedin.com/developers/apps",
			Setup: "Create an app on LinkedIn Developers, add the products Sign In with LinkedIn using OpenID Connect " +
				"and Share on LinkedIn, and under Auth add the redirect URL below. Copy the Client ID and the Primary Client Secret.",
			Life: "60 days from signing in; LinkedIn lets only approved apps renew it, so SocialOmm warns you before " +
				"it ends and Update signs in again.",
			instance: "https://www.linkedin.com",
		},
		{
			Name: facebook.NetworkName, Title: "Facebook Pages", IDKey: "facebook.app_id", SecretKey: "facebook.app_secret",
			RedirectKey: "facebook.redirect_uri", IDLabel: "App ID", SecretLabel: "App Secret",
			NeedsSecret: facebook.NeedsSecret, DefaultRedirectURI: oauthnet.PasteRedirectURI,
			PortalURL: "https://developers.facebook.com/apps",
			Setup: "Create an app on Meta for Developers with Facebook Login, add the redirect URI below to its Valid OAuth " +
				"Redirect URIs, and ask for pages_show_list, pages_manage_posts and pages_read_engagement. Copy the App ID " +
				"and App Secret (App settings → Basic).",
			Life: "Never expires: a Page stays connected until SocialOmm is removed in Facebook's settings or you " +
				"lose your role on the Page.",
			NeverExpires: facebook.NeverExpires,
			instance:     "https://www.facebook.com",
		},
		{
			Name: instagram.NetworkName, Title: "Instagram", IDKey: "instagram.app_id", SecretKey: "instagram.app_secret",
			RedirectKey: "instagram.redirect_uri", IDLabel: "Instagram app ID", SecretLabel: "Instagram app secret",
			NeedsSecret: instagram.NeedsSecret, DefaultRedirectURI: oauthnet.PasteRedirectURI,
			PortalURL: "https://developers.facebook.com/apps",
			Setup: "Create an app on Meta for Developers with the Instagram product (API setup with Instagram login), " +
				"add the redirect URI below under Business login settings, and copy the Instagram app ID and secret. " +
				"Your Instagram account must be a professional (business or creator) account.",
			Life: "60 days, renewed by SocialOmm once a day while it checks the connection, up to the connection " +
				"lifespan in Settings → Connections.",
			Note:     InstagramNote,
			instance: "https://www.instagram.com",
		},
		{
			Name: threads.NetworkName, Title: "Threads", IDKey: "threads.app_id", SecretKey: "threads.app_secret",
			RedirectKey: "threads.redirect_uri", IDLabel: "Threads app ID", SecretLabel: "Threads app secret",
			NeedsSecret: threads.NeedsSecret, DefaultRedirectURI: oauthnet.PasteRedirectURI,
			PortalURL: "https://developers.facebook.com/apps",
			Setup: "Create an app on Meta for Developers with the Access the Threads API use case, add the redirect URI " +
				"below to its Redirect Callback URLs, and copy the Threads app ID and secret.",
			Life: "60 days, renewed by SocialOmm once a day while it checks the connection, up to the connection " +
				"lifespan in Settings → Connections.",
			instance: "https://www.threads.net",
		},
	}
}

// KeyedNetwork finds a keyed network by name.
func KeyedNetwork(name string) (NetworkInfo, bool) {
	for _, n := range KeyedNetworks() {
		if n.Name == name {
			return n, true
		}
	}
	return NetworkInfo{}, false
}

// isKeyed reports whether a network needs the person's own app keys.
func isKeyed(networkName string) bool {
	_, ok := KeyedNetwork(networkName)
	return ok
}

// neverExpires reports whether a network's connections have no end, so the
// lifespan setting does not cap them (Facebook Pages).
func neverExpires(networkName string) bool {
	n, ok := KeyedNetwork(networkName)
	return ok && n.NeverExpires
}

// TestEndpointsEnv points the keyed networks at local test servers, for
// the integration tests only: SOCIALOMM_TEST_ENDPOINTS=x=http://127.0.0.1:PORT,linkedin=...
// Each base URL stands for all of that network's hosts, with the paths the
// real hosts use (internal/contract serves them so). It is read once when
// the engine opens, ignored unless set, and accepts loopback addresses
// only, so it can never send a token anywhere else. Not a user setting.
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
			return nil, fmt.Errorf("%s: %q is not NETWORK=URL for one of x, linkedin, facebook, instagram, threads", TestEndpointsEnv, part)
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

// keyedNetworks holds the five adapters.
type keyedNetworks struct {
	x         *x.Adapter
	linkedin  *linkedin.Adapter
	facebook  *facebook.Adapter
	instagram *instagram.Adapter
	threads   *threads.Adapter
	// ports overrides the fixed loopback ports (tests only).
	ports map[string]int
}

// openKeyedNetworks builds the adapters with keys read from Settings each
// time they are needed, so new keys apply without a restart.
func (e *Engine) openKeyedNetworks(client *http.Client, endpoints map[string]string) {
	clk := e.clock
	n := &keyedNetworks{ports: map[string]int{}}
	xo := []x.Option{x.WithClock(clk), x.WithKeys(e.keysFunc(x.NetworkName))}
	if b, ok := endpoints[x.NetworkName]; ok {
		xo = append(xo, x.WithEndpoints(x.Endpoints{AuthURL: b + "/i/oauth2/authorize", TokenURL: b + "/2/oauth2/token",
			RevokeURL: b + "/2/oauth2/revoke", APIBase: b, WebBase: x.DefaultEndpoints.WebBase}))
	}
	n.x = x.New(client, xo...)
	lo := []linkedin.Option{linkedin.WithClock(clk), linkedin.WithKeys(e.keysFunc(linkedin.NetworkName))}
	if b, ok := endpoints[linkedin.NetworkName]; ok {
		lo = append(lo, linkedin.WithEndpoints(linkedin.Endpoints{AuthURL: b + "/oauth/v2/authorization",
			TokenURL: b + "/oauth/v2/accessToken", APIBase: b, WebBase: linkedin.DefaultEndpoints.WebBase}))
	}
	n.linkedin = linkedin.New(client, lo...)
	fo := []facebook.Option{facebook.WithClock(clk), facebook.WithKeys(e.keysFunc(facebook.NetworkName))}
	if b, ok := endpoints[facebook.NetworkName]; ok {
		fo = append(fo, facebook.WithEndpoints(facebook.Endpoints{AuthURL: b + "/" + facebook.DefaultVersion + "/dialog/oauth",
			GraphBase: b + "/" + facebook.DefaultVersion, WebBase: facebook.DefaultEndpoints.WebBase}))
	}
	n.facebook = facebook.New(client, fo...)
	ig := []instagram.Option{instagram.WithClock(clk), instagram.WithKeys(e.keysFunc(instagram.NetworkName))}
	if b, ok := endpoints[instagram.NetworkName]; ok {
		ig = append(ig, instagram.WithEndpoints(instagram.Endpoints{AuthURL: b + "/oauth/authorize", TokenURL: b + "/oauth/access_token",
			GraphBase: b, WebBase: instagram.DefaultEndpoints.WebBase}))
	}
	n.instagram = instagram.New(client, ig...)
	to := []threads.Option{threads.WithClock(clk), threads.WithKeys(e.keysFunc(threads.NetworkName))}
	if b, ok := endpoints[threads.NetworkName]; ok {
		to = append(to, threads.WithEndpoints(threads.Endpoints{AuthURL: b + "/oauth/authorize", TokenURL: b + "/oauth/access_token",
			GraphBase: b, WebBase: threads.DefaultEndpoints.WebBase}))
	}
	n.threads = threads.New(client, to...)
	e.keyed = n
	for _, ad := range []network.Adapter{n.x, n.linkedin, n.facebook, n.instagram, n.threads} {
		e.adapters[ad.Name()] = ad
	}
}

// keysFunc reads a network's keys from Settings when an adapter needs them.
func (e *Engine) keysFunc(name string) oauthnet.KeysFunc {
	return func(ctx context.Context) (oauthnet.Keys, error) { return e.NetworkKeys(ctx, name) }
}

// NetworkKeys reads a keyed network's app keys from Settings (the secret
// from the keyring). Missing keys are not an error here; see
// NetworkKeysProblem.
func (e *Engine) NetworkKeys(ctx context.Context, name string) (oauthnet.Keys, error) {
	info, ok := KeyedNetwork(name)
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
// loopback callback, or for the Meta networks the https address in
// Settings.
func (e *Engine) RedirectURI(ctx context.Context, name string) string {
	info, _ := KeyedNetwork(name)
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
	info, ok := KeyedNetwork(name)
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

// browserNetwork is what connecting needs from a keyed network's adapter.
type browserNetwork interface {
	network.Adapter
	OAuthConfig(keys oauthnet.Keys, redirectURI string) *oauth2.Config
	Finish(ctx context.Context, tok *oauth2.Token) (network.Profile, network.Credentials, error)
}

func (e *Engine) browserNetwork(name string) browserNetwork {
	switch name {
	case x.NetworkName:
		return e.keyed.x
	case linkedin.NetworkName:
		return e.keyed.linkedin
	case facebook.NetworkName:
		return e.keyed.facebook
	case instagram.NetworkName:
		return e.keyed.instagram
	case threads.NetworkName:
		return e.keyed.threads
	}
	return nil
}

// ConnectOAuth connects an X or LinkedIn profile through the network's
// sign-in page in the browser, which sends the sign-in back to SocialOmm on
// the network's fixed loopback port. Connecting a profile that is already
// connected updates that account.
func (e *Engine) ConnectOAuth(ctx context.Context, name string, in SignIn) (account.Account, error) {
	info, ok := KeyedNetwork(name)
	switch {
	case !ok:
		return account.Account{}, fmt.Errorf("%s does not connect with app keys", name)
	case !info.Loopback:
		return account.Account{}, fmt.Errorf("%s signs in by pasting the address the browser ends on: use StartPaste", info.Title)
	}
	p, creds, err := e.loopbackSignIn(ctx, info, in)
	if err != nil {
		return account.Account{}, err
	}
	a, err := e.accountFor(ctx, info.Name, info.instance, p.RemoteID)
	if err != nil {
		return account.Account{}, err
	}
	return e.storeSignIn(ctx, a, p, creds)
}

// loopbackSignIn runs the browser flow for X or LinkedIn: those networks
// send the sign-in only to the exact callback registered, so the listener
// must get the fixed port.
func (e *Engine) loopbackSignIn(ctx context.Context, info NetworkInfo, in SignIn) (network.Profile, network.Credentials, error) {
	if err := e.KeyringProblem(ctx); err != nil {
		return network.Profile{}, network.Credentials{}, fmt.Errorf("SocialOmm will not connect without a keyring to keep the sign-in safe: %w", err)
	}
	keys, err := e.readyKeys(ctx, info.Name)
	if err != nil {
		return network.Profile{}, network.Credentials{}, err
	}
	ad := e.browserNetwork(info.Name)
	registered := oauthnet.LoopbackRedirectURI(e.loopbackPort(info))
	sess, err := oauth.Start(ctx, oauth.Options{Logger: e.logger, Timeout: in.Timeout, NetworkName: info.Title,
		PreferredPort: e.loopbackPort(info)})
	if err != nil {
		return network.Profile{}, network.Credentials{}, err
	}
	defer sess.Close()
	if err := oauthnet.CheckRedirect(info.Title, sess.RedirectURI(), registered); err != nil {
		return network.Profile{}, network.Credentials{}, err
	}
	cfg := ad.OAuthConfig(keys, sess.RedirectURI())
	open := in.Open
	if open == nil {
		open = oauth.SystemOpener(e.logger)
	}
	if err := open(ctx, sess.AuthCodeURL(cfg)); err != nil {
		return network.Profile{}, network.Credentials{}, fmt.Errorf("could not open your browser: %w", err)
	}
	in.say("Waiting for you to sign in to " + info.Title + " in your browser…")
	code, err := sess.Wait(ctx)
	if err != nil {
		return network.Profile{}, network.Credentials{}, err
	}
	in.say("Finishing the connection with " + info.Title + "…")
	tok, err := sess.Exchange(context.WithValue(ctx, oauth2.HTTPClient, e.http), cfg, code)
	if err != nil {
		return network.Profile{}, network.Credentials{}, err
	}
	p, creds, err := ad.Finish(ctx, tok)
	if err != nil {
		return network.Profile{}, network.Credentials{}, fmt.Errorf("%s gave SocialOmm access, but then refused it: %w", info.Title, err)
	}
	return p, creds, nil
}

// PasteSignIn is one sign-in with a Meta network (Facebook Pages,
// Instagram, Threads): the person opens URL in the browser, signs in, and
// the browser ends on RedirectURI with the code in its address (a page
// that does not load); the person copies that whole address into
// FinishPaste. It holds the attempt's state and PKCE verifier, and after
// FinishPaste on Facebook the person's Pages with their tokens, in memory
// only. Safe for concurrent use.
type PasteSignIn struct {
	Network string
	Title   string
	// URL is the network's sign-in page for this attempt.
	URL string
	// RedirectURI is the https address registered with the network.
	RedirectURI string

	flow   *oauthnet.ManualFlow
	update *account.Account

	mu    sync.Mutex
	user  network.Profile
	pages []facebook.Page
}

// FacebookPage is a Page the person manages, to choose from after signing
// in to Facebook.
type FacebookPage struct {
	ID, Name, Category string
	// CanPost: the person's role on the Page lets them publish there.
	CanPost bool
}

// PasteResult is what a finished paste sign-in gives.
type PasteResult struct {
	// Account is the connected account (Instagram, Threads, and Facebook
	// when updating a Page).
	Account account.Account
	// Pages are the Facebook Pages to choose from with
	// ConnectFacebookPage, when connecting Facebook.
	Pages []FacebookPage
	// User is who signed in, as the network names them.
	User string
}

// StartPaste begins a sign-in with Facebook Pages, Instagram or Threads.
// Open p.URL in the browser, then pass the address it ends on to
// FinishPaste.
func (e *Engine) StartPaste(ctx context.Context, name string) (*PasteSignIn, error) {
	return e.startPaste(ctx, name, nil)
}

// StartPasteUpdate begins reconnecting an existing Facebook Page,
// Instagram or Threads account; FinishPaste then keeps it only if the same
// profile (Page) comes back.
func (e *Engine) StartPasteUpdate(ctx context.Context, id int64) (*PasteSignIn, error) {
	a, err := e.Account(ctx, id)
	if err != nil {
		return nil, err
	}
	return e.startPaste(ctx, a.Network, &a)
}

func (e *Engine) startPaste(ctx context.Context, name string, update *account.Account) (*PasteSignIn, error) {
	info, ok := KeyedNetwork(name)
	switch {
	case !ok:
		return nil, fmt.Errorf("%s does not connect with app keys", name)
	case info.Loopback:
		return nil, fmt.Errorf("%s signs in through the browser by itself: use ConnectOAuth", info.Title)
	}
	if err := e.KeyringProblem(ctx); err != nil {
		return nil, fmt.Errorf("SocialOmm will not connect without a keyring to keep the sign-in safe: %w", err)
	}
	keys, err := e.readyKeys(ctx, name)
	if err != nil {
		return nil, err
	}
	redirect := e.RedirectURI(ctx, name)
	flow, err := oauthnet.NewManualFlow(e.browserNetwork(name).OAuthConfig(keys, redirect))
	if err != nil {
		return nil, err
	}
	return &PasteSignIn{Network: name, Title: info.Title, URL: flow.AuthCodeURL(), RedirectURI: redirect, flow: flow, update: update}, nil
}

// FinishPaste reads the code from the address the browser ended on,
// trades it for the connection and, for Instagram and Threads, stores the
// account. For Facebook it returns the person's Pages to choose from
// (ConnectFacebookPage), or when updating a Page, stores that Page's new
// token. An update that comes back as another profile (or a Facebook user
// who does not manage the Page) is an *OtherProfileError and changes
// nothing.
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
	info, _ := KeyedNetwork(p.Network)
	if p.Network == facebook.NetworkName {
		return e.finishFacebook(ctx, p, tok)
	}
	profile, creds, err := e.browserNetwork(p.Network).Finish(ctx, tok)
	if err != nil {
		return PasteResult{}, fmt.Errorf("%s gave SocialOmm access, but then refused it: %w", p.Title, err)
	}
	res := PasteResult{User: profile.Handle}
	if p.update != nil {
		a := *p.update
		if profile.RemoteID != a.RemoteID {
			return res, &OtherProfileError{Want: a.Handle, Got: profile.Handle}
		}
		res.Account, err = e.storeSignIn(ctx, a, profile, creds)
		if err == nil {
			e.afterReconnect(ctx, res.Account)
		}
		return res, err
	}
	a, err := e.accountFor(ctx, p.Network, info.instance, profile.RemoteID)
	if err != nil {
		return res, err
	}
	isNew := a.ID == 0
	res.Account, err = e.storeSignIn(ctx, a, profile, creds)
	if err == nil && isNew && info.Note != "" {
		// The account's detail shows its activity: say it there too.
		e.store.LogActivity(ctx, res.Account.ID, "note", info.Note)
	}
	return res, err
}

func (e *Engine) finishFacebook(ctx context.Context, p *PasteSignIn, tok *oauth2.Token) (PasteResult, error) {
	fb := e.keyed.facebook
	user, userCreds, err := fb.Finish(ctx, tok)
	if err != nil {
		return PasteResult{}, fmt.Errorf("Facebook gave SocialOmm access, but then refused it: %w", err)
	}
	pages, err := fb.Pages(ctx, userCreds.AccessToken)
	if err != nil {
		return PasteResult{}, err
	}
	res := PasteResult{User: user.DisplayName}
	if len(pages) == 0 {
		return res, fmt.Errorf("you signed in to Facebook as %s, who manages no Pages that SocialOmm was allowed to see. "+
			"SocialOmm posts to Pages only: sign in again and tick your Pages when Facebook asks which ones to share", user.DisplayName)
	}
	p.mu.Lock()
	p.user, p.pages = user, pages
	p.mu.Unlock()
	if p.update != nil {
		a := *p.update
		page, ok := findPage(pages, a.RemoteID)
		if !ok {
			return res, &OtherProfileError{Want: a.Handle, Got: user.DisplayName, Page: true}
		}
		res.Account, err = e.storeSignIn(ctx, a, page.Profile(), page.Credentials())
		if err == nil {
			e.afterReconnect(ctx, res.Account)
		}
		return res, err
	}
	for _, pg := range pages {
		res.Pages = append(res.Pages, FacebookPage{ID: pg.ID, Name: pg.Name, Category: pg.Category, CanPost: pg.CanPost()})
	}
	return res, nil
}

func findPage(pages []facebook.Page, id string) (facebook.Page, bool) {
	for _, p := range pages {
		if p.ID == id {
			return p, true
		}
	}
	return facebook.Page{}, false
}

// ConnectFacebookPage stores one chosen Page of a finished Facebook
// sign-in as an account, with the Page's own token (which never expires)
// in the keyring. Call it once per Page to connect.
func (e *Engine) ConnectFacebookPage(ctx context.Context, p *PasteSignIn, pageID string) (account.Account, error) {
	if p == nil || p.Network != facebook.NetworkName {
		return account.Account{}, errors.New("this is not a Facebook sign-in")
	}
	p.mu.Lock()
	pages, user := p.pages, p.user
	p.mu.Unlock()
	if pages == nil {
		return account.Account{}, errors.New("finish the Facebook sign-in first")
	}
	page, ok := findPage(pages, strings.TrimSpace(pageID))
	if !ok {
		var names []string
		for _, pg := range pages {
			names = append(names, pg.String())
		}
		return account.Account{}, fmt.Errorf("%s does not manage a Page with the id %q; the Pages are: %s",
			user.DisplayName, pageID, strings.Join(names, ", "))
	}
	if !page.CanPost() {
		return account.Account{}, fmt.Errorf("your role on %s does not allow posting (Facebook lists only %s for you); "+
			"ask a Page admin for content access, then connect again", page.Name, strings.Join(page.Tasks, ", "))
	}
	info, _ := KeyedNetwork(facebook.NetworkName)
	a, err := e.accountFor(ctx, facebook.NetworkName, info.instance, page.ID)
	if err != nil {
		return a, err
	}
	return e.storeSignIn(ctx, a, page.Profile(), page.Credentials())
}

// updateKeyed reconnects an account of a keyed network. X and LinkedIn run
// the browser flow again; the Meta networks open the sign-in page and ask
// in.Paste for the address it ended on.
func (e *Engine) updateKeyed(ctx context.Context, a account.Account, info NetworkInfo, in SignIn) (account.Account, error) {
	if !info.Loopback {
		if in.Paste == nil {
			return a, fmt.Errorf("updating %s needs the address your browser ends on after signing in", info.Title)
		}
		p, err := e.startPaste(ctx, a.Network, &a)
		if err != nil {
			return a, err
		}
		open := in.Open
		if open == nil {
			open = oauth.SystemOpener(e.logger)
		}
		if err := open(ctx, p.URL); err != nil {
			return a, fmt.Errorf("could not open your browser: %w", err)
		}
		in.say("Sign in to " + info.Title + " in your browser, then paste the address it ends on…")
		pasted, err := in.Paste(ctx, p)
		if err != nil {
			return a, err
		}
		res, err := e.FinishPaste(ctx, p, pasted)
		if err != nil {
			return a, err
		}
		return res.Account, nil
	}
	profile, creds, err := e.loopbackSignIn(ctx, info, in)
	if err != nil {
		return a, err
	}
	if profile.RemoteID != a.RemoteID {
		// The grant just made is someone else's: give it back, change nothing.
		if err := e.adapters[a.Network].Revoke(ctx, account.Account{Network: a.Network, RemoteID: profile.RemoteID}, creds); err != nil {
			e.logger.Info("could not revoke the other profile's sign-in", "network", a.Network, "err", err)
		}
		return a, &OtherProfileError{Want: a.Handle, Got: profile.Handle}
	}
	updated, err := e.storeSignIn(ctx, a, profile, creds)
	if err == nil {
		e.afterReconnect(ctx, updated)
	}
	return updated, err
}
