package network

import (
	"context"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/rivo/uniseg"
	"golang.org/x/oauth2"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/clock"
)

// Entry is everything SocialOmm knows about one network apart from its
// adapter's code: each network package declares its own (Entry()), and one
// table in package core lists them. Screens, the command line, the
// notifications and the engine read it; no other file spells a network's
// name or facts.
type Entry struct {
	// Name is the key stored in account.Network ("mastodon").
	Name string
	// Title is how people write the network ("Facebook Pages").
	Title string
	// Icon is the file name of the network's embedded icon in assets
	// ("mastodon.svg"); IconData an icon of its own (SVG or PNG) when it
	// has no asset.
	Icon     string
	IconData []byte

	// TextLimit is a post's length when nothing better is known, as Count
	// counts; with InstanceLimit the adapter asks the server (TextLimiter)
	// and this is the fallback.
	TextLimit     int
	InstanceLimit bool
	// Count counts a text as the network does; nil counts graphemes (what
	// a person sees as characters: "👩‍👩‍👧" is one).
	Count func(text string) int

	// SignIn is how a profile is connected; Form what the sign-in form asks
	// (for SignInServer and SignInAppPassword).
	SignIn SignInKind
	Form   []Field
	// FormTitle heads the sign-in form ("Connect a Bluesky profile").
	FormTitle string
	// Keys are the person's own client id and secret the network needs,
	// nil when it needs none.
	Keys *Keys
	// Web is the network's web address, the Instance of its accounts where
	// the profile does not live on a server of its own.
	Web string

	// Setup, Life and Note are words for the person: how to set the network
	// up, how long a connection lasts and what SocialOmm does about it, and
	// anything else to know before connecting ("" when nothing).
	Setup, Life, Note string
	// ConnectHelp are the lines `accounts connect --help` shows for the
	// network, when it words them itself.
	ConnectHelp string
	// ConnectArgs are the network's own arguments in that help (" [--page ID]").
	ConnectArgs string
	// ChoiceUsage, for a sign-in that gives several profiles to choose
	// from (Chooser), is the help of the command line's --page.
	ChoiceUsage string
	// RemoveNote is said after removing a profile of this network ("" when
	// nothing), e.g. which app password to delete.
	RemoveNote string

	// NeverExpires: connections have no end, so the lifespan setting does
	// not cap them (Facebook Pages).
	NeverExpires bool

	// SignInGroup names the profiles one sign-in renews together (the
	// Pages one Facebook login manages), so Update all does them one after
	// another while the browser is still signed in; nil groups them by
	// network and server.
	SignInGroup func(instance, remoteID string) string

	// New builds the network's adapter. A flow of the entry's SignIn kind
	// is implemented by the adapter (FormSignIn, LoopbackSignIn,
	// PasteSignIn).
	New func(Deps) Adapter
}

// Length is text's length as the network counts it.
func (e Entry) Length(text string) int {
	if e.Count != nil {
		return e.Count(text)
	}
	return uniseg.GraphemeClusterCount(text)
}

// Runes counts code points, as networks that limit characters do.
func Runes(text string) int { return utf8.RuneCountInString(text) }

// SignInKind is how a profile is connected.
type SignInKind string

const (
	// SignInServer: the person names a server, then signs in there through
	// the browser, which comes back to SocialOmm (Mastodon).
	SignInServer SignInKind = "server"
	// SignInAppPassword: a form with an app password, no browser (Bluesky).
	SignInAppPassword SignInKind = "app_password"
	// SignInLoopback: the browser sign-in comes back to SocialOmm on a
	// loopback port (X, LinkedIn).
	SignInLoopback SignInKind = "loopback"
	// SignInPaste: the network sends the browser to an https address only;
	// the person pastes the address the browser ends on (the Meta networks).
	SignInPaste SignInKind = "paste"
)

// Browser reports whether the kind opens the network's page in the browser.
func (k SignInKind) Browser() bool { return k != SignInAppPassword }

// Field is one thing the sign-in form asks.
type Field struct {
	// Key names the value (and the command line's flag, --Key).
	Key string
	// Label, Placeholder and Hint are the window's words for it.
	Label, Placeholder, Hint string
	// Metavar and Example are the command line's ("SERVER", "mastodon.social").
	Metavar, Example string
	// Usage is the flag's help line.
	Usage string
	// Secret: never an argument; the window masks it, the command line
	// reads it from the environment or standard input.
	Secret bool
	// Optional fields may stay empty; Advanced ones are offered on connect
	// only.
	Optional, Advanced bool
	// Update: asked again on Update (an app password); other fields come
	// from the account then.
	Update bool
	// Empty is what to say when a required field is empty.
	Empty string
	// Check says what is wrong with a value, nil when it is fine.
	Check func(string) error
}

// Validate checks v as the form would.
func (f Field) Validate(v string) error {
	if f.Check != nil {
		return f.Check(v)
	}
	return nil
}

// Keys describes the client id and secret a network needs from the
// person, and where they go in Settings.
type Keys struct {
	// IDKey, SecretKey and RedirectKey are the settings holding them
	// (RedirectKey only where the person chooses the redirect URI).
	IDKey, SecretKey, RedirectKey string
	// IDLabel and SecretLabel are the developer portal's own words.
	IDLabel, SecretLabel string
	// NeedsSecret: the network refuses a client without its secret.
	NeedsSecret bool
	// RedirectPort is the fixed loopback port (SignInLoopback).
	RedirectPort int
	// DefaultRedirectURI is the address to register with the network.
	DefaultRedirectURI string
	// PortalURL is the developer page where the keys are made, PortalName
	// whose page it is ("Meta").
	PortalURL, PortalName string
}

// ClientKeys are the person's keys for one network, as Settings hold them.
type ClientKeys struct {
	ClientID, ClientSecret, RedirectURI string
}

// Deps is what an adapter is built with.
type Deps struct {
	HTTP  *http.Client
	Clock clock.Clock
	// Base, when set, stands for all of the network's hosts (a loopback
	// test server with the real paths); integration tests only.
	Base string
	// Keys reads the person's keys from Settings each time they are needed.
	Keys func(ctx context.Context) (ClientKeys, error)
	// Apps keeps registrations a network makes per server (Mastodon) in
	// the keyring.
	Apps Registrations
}

// Registrations keeps what a network registered on a server (its client
// secret included) in the keyring: next to an account's token, or shared
// by every profile on one server. Load answers "" when there is none.
type Registrations interface {
	LoadForAccount(ctx context.Context, a account.Account) (string, error)
	SaveForAccount(ctx context.Context, a account.Account, value string) error
	LoadForServer(ctx context.Context, network, instance string) (string, error)
	// SaveForServer keeps value and notes the registration (client id,
	// redirect URI, scopes; no secret) in the database.
	SaveForServer(ctx context.Context, network, instance, value string, app ServerApp) error
}

// ServerApp is what the database notes of a server's registration.
type ServerApp struct {
	ClientID, RedirectURI, Scopes string
}

// SignInRequest is one sign-in attempt as a flow sees it.
type SignInRequest struct {
	// Values are the form's answers by Field.Key.
	Values map[string]string
	// Existing is the account being updated; nil for a new connection.
	Existing *account.Account
	// Keys are the person's keys, read and checked (Entry.Keys != nil).
	Keys ClientKeys
	// Port is the loopback port to listen on where the engine overrides it
	// (tests); 0 for the network's own.
	Port int
	// Progress says what is happening, in short sentences.
	Progress func(string)
}

// Say reports progress.
func (r SignInRequest) Say(msg string) {
	if r.Progress != nil {
		r.Progress(msg)
	}
}

// SignedIn is what a finished flow gives: whose token came back, and the
// credentials.
type SignedIn struct {
	// Instance is where the profile lives (its server, or Entry.Web).
	Instance    string
	Profile     Profile
	Credentials Credentials
	// Keep stores what belongs next to the account's token (a per-server
	// registration) once the account is known; may be nil.
	Keep func(ctx context.Context, a account.Account) error
}

// FormSignIn is a flow that signs in from the form's values alone
// (SignInAppPassword).
type FormSignIn interface {
	SignInForm(ctx context.Context, req SignInRequest) (SignedIn, error)
}

// LoopbackSignIn is a flow whose browser sign-in comes back on a loopback
// port (SignInServer, SignInLoopback). The engine listens, opens the page,
// waits and trades the code; the attempt says where and finishes.
type LoopbackSignIn interface {
	BeginLoopback(ctx context.Context, req SignInRequest) (LoopbackAttempt, error)
}

// LoopbackAttempt is one loopback sign-in under way.
type LoopbackAttempt interface {
	// Port is the loopback port to listen on (0: any).
	Port() int
	// Where names the place the person signs in to ("mastodon.social").
	Where() string
	// Authorize gives the OAuth configuration for the redirect URI the
	// listener got (registering SocialOmm first where needed).
	Authorize(ctx context.Context, redirectURI string) (*oauth2.Config, error)
	// Finish turns the token into the profile and credentials.
	Finish(ctx context.Context, tok *oauth2.Token) (SignedIn, error)
}

// PasteSignIn is a flow whose sign-in ends on an https address that the
// person pastes back (SignInPaste).
type PasteSignIn interface {
	// PasteConfig is the OAuth configuration for redirectURI.
	PasteConfig(keys ClientKeys, redirectURI string) *oauth2.Config
	// Finish turns the token into the profile and credentials.
	Finish(ctx context.Context, tok *oauth2.Token) (Profile, Credentials, error)
}

// Discarder ends a grant that came back as another profile than the one
// being updated, so nothing is left behind.
type Discarder interface {
	Discard(ctx context.Context, acct account.Account, creds Credentials) error
}

// RefreshTimer says when credentials should be renewed: before use
// (RefreshDue) and at a check (RefreshDueAtCheck, defaults to RefreshDue).
// Networks without it renew shortly before the access token ends.
type RefreshTimer interface {
	RefreshDue(creds Credentials, now time.Time) bool
}

// CheckRefreshTimer renews at a check on its own schedule (Instagram's and
// Threads' day-old long-lived tokens).
type CheckRefreshTimer interface {
	RefreshDueAtCheck(creds Credentials, now time.Time) bool
}

// RenewalJudge reads what a refused renewal means after the access token
// was refused too (X's bare 401s mean the grant ended).
type RenewalJudge interface {
	// RenewalRefused returns the error to report when both the access
	// token (reason) and its renewal (err) were refused, or nil to report
	// the renewal's own error.
	RenewalRefused(reason account.Reason, creds Credentials, err error, now time.Time) error
}

// AccessEnder tells a publish refused only because the access token ended,
// so renewing and sending once more cannot post twice.
type AccessEnder interface {
	AccessEnded(err error, creds Credentials) bool
}

// TextLimiter asks the server for its own text limit (InstanceLimit).
type TextLimiter interface {
	TextLimit(ctx context.Context, acct account.Account) (int, error)
}

// Catalog is the list of networks SocialOmm offers, in the order they are
// offered.
type Catalog struct {
	entries []Entry
}

// NewCatalog lists entries in that order.
func NewCatalog(entries ...Entry) Catalog {
	return Catalog{entries: append([]Entry(nil), entries...)}
}

// With is the catalog with more entries after these (tests add a fake
// network so).
func (c Catalog) With(more ...Entry) Catalog {
	return NewCatalog(append(append([]Entry(nil), c.entries...), more...)...)
}

// Entries lists every network in order.
func (c Catalog) Entries() []Entry { return append([]Entry(nil), c.entries...) }

// Lookup finds a network by its key.
func (c Catalog) Lookup(name string) (Entry, bool) {
	for _, e := range c.entries {
		if e.Name == name {
			return e, true
		}
	}
	return Entry{}, false
}

// Names lists the keys in order.
func (c Catalog) Names() []string {
	out := make([]string, len(c.entries))
	for i, e := range c.entries {
		out[i] = e.Name
	}
	return out
}

// Title is a network's title, or its key when the catalog does not know it.
func (c Catalog) Title(name string) string {
	if e, ok := c.Lookup(name); ok {
		return e.Title
	}
	return name
}

// RefreshAhead is how long before its end an access token is renewed, for
// networks that do not say themselves (X's last 2 hours).
const RefreshAhead = 5 * time.Minute

// AccessEnding reports whether creds' access token ends within
// RefreshAhead of now (or has ended): the usual time to renew it.
func AccessEnding(creds Credentials, now time.Time) bool {
	return !creds.Expiry.IsZero() && !now.Add(RefreshAhead).Before(creds.Expiry)
}

// Chooser is a paste flow whose sign-in is a person who manages several
// profiles, each connected on its own (Facebook Pages): the person chooses.
type Chooser interface {
	// Choices lists the profiles the person who signed in manages; an
	// error in words when there is none.
	Choices(ctx context.Context, user Profile, creds Credentials) ([]Choice, error)
	// NotManaged says that user, who signed in to update want, does not
	// manage it; nothing was changed.
	NotManaged(want string, user Profile) string
	// Pick finds id among choices, or says in words why it cannot be
	// connected.
	Pick(choices []Choice, user Profile, id string) (Choice, error)
}

// Choice is one profile to choose from after signing in.
type Choice struct {
	ID, Name, Category string
	// CanPost: the person's role lets them publish there.
	CanPost bool
	// Tasks are what the person's role allows there, in the network's words.
	Tasks       []string
	Profile     Profile
	Credentials Credentials
}
