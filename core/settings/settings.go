// Package settings is the one list of SocialOmm's settings: their keys,
// defaults and validation. Values live in SQLite; secret ones (the SMTP
// password) live only in the keyring.
package settings

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/socialomm/desktop/core/secret"
	"github.com/socialomm/desktop/core/store"
)

// Def describes one setting.
type Def struct {
	Key     string
	Default string
	Help    string
	// Secret is the keyring kind for secret settings; empty for plain ones.
	Secret secret.Kind
	// Normalize validates a value and returns its canonical form.
	Normalize func(string) (string, error)
}

// ErrUnknown is returned for a key that is not a setting.
var ErrUnknown = errors.New("unknown setting")

var defs = []Def{
	{Key: "lifespan.days", Default: "90", Help: "Days a connection lasts when the network sets no shorter limit (0: only the network's limit).", Normalize: intRange(0, 3650)},
	{Key: "expiring.days", Default: "14", Help: "Days before expiry at which a connection shows as expiring.", Normalize: intRange(1, 365)},
	{Key: "check.interval_hours", Default: "6", Help: "Hours between routine checks of each connection.", Normalize: intRange(1, 168)},
	{Key: "notify.desktop", Default: "on", Help: "Desktop notifications (on/off).", Normalize: onOff},
	{Key: "notify.email", Default: "on", Help: "Email notifications, once SMTP is set up (on/off).", Normalize: onOff},
	{Key: "notify.warn_days", Default: "14,7,1", Help: "Days before expiry at which to warn, comma-separated.", Normalize: dayList},
	{Key: "notify.reminders", Default: "on", Help: "Remind about a connection that stays lost: after 1 day, 3 days, then weekly (on/off).", Normalize: onOff},
	{Key: "smtp.host", Default: "", Help: "Mail server host name.", Normalize: hostName},
	{Key: "smtp.port", Default: "587", Help: "Mail server port.", Normalize: intRange(1, 65535)},
	{Key: "smtp.security", Default: "starttls", Help: "Mail server security: starttls, tls or none.", Normalize: oneOf("starttls", "tls", "none")},
	{Key: "smtp.username", Default: "", Help: "Mail server user name (empty: no authentication).", Normalize: trimmed},
	{Key: "smtp.password", Default: "", Help: "Mail server password (kept in the keyring).", Secret: secret.SMTPPassword, Normalize: asIs},
	{Key: "email.from", Default: "", Help: "Sender address of notification emails.", Normalize: addressList(1)},
	{Key: "email.to", Default: "", Help: "Where notification emails go (comma-separated addresses).", Normalize: addressList(20)},
	{Key: "schedule.grace_minutes", Default: "60", Help: "How late a post missed while SocialOmm was closed may still go out (minutes).", Normalize: intRange(0, 10080)},
	{Key: "app.autostart", Default: "off", Help: "Start SocialOmm in the tray when you log in (on/off); kept as an autostart entry in your config folder, not in the database.", Normalize: onOff},
	{Key: "calendar.folder", Default: "", Help: "Folder in which SocialOmm keeps an expiry calendar (socialomm-connections.ics) up to date; empty: none.", Normalize: folderPath},
	{Key: "ui.accounts.view", Default: "auto", Help: "How the Accounts window lists profiles: auto (compact once they fill the window), comfortable or compact.", Normalize: oneOf("auto", "comfortable", "compact")},
	{Key: "schedule.release_held", Default: "ask", Help: "After an Update, held posts wait for your choice (ask: Publish now, Keep their times or Skip old ones; `socialomm posts release`) or go out automatically (auto).", Normalize: oneOf("ask", "auto")},

	// The networks that need the person's own app keys. Client ids are
	// plain settings; secrets live in the keyring like smtp.password. The
	// Meta networks send the browser to an https address the person
	// registers (oauthnet.PasteRedirectURI unless they chose their own).
	{Key: "x.client_id", Help: "Your X app's OAuth 2.0 Client ID (developer.x.com).", Normalize: clientID},
	{Key: "x.client_secret", Help: "Your X app's OAuth 2.0 Client Secret, only for a Web App type app (kept in the keyring).", Secret: secret.ClientSecret, Normalize: trimmed},
	{Key: "linkedin.client_id", Help: "Your LinkedIn app's Client ID (linkedin.com/developers).", Normalize: clientID},
	{Key: "linkedin.client_secret", Help: "Your LinkedIn app's Primary Client Secret (kept in the keyring).", Secret: secret.ClientSecret, Normalize: trimmed},
	{Key: "facebook.app_id", Help: "Your Meta app's App ID, for Facebook Pages (developers.facebook.com).", Normalize: clientID},
	{Key: "facebook.app_secret", Help: "Your Meta app's App Secret (kept in the keyring).", Secret: secret.ClientSecret, Normalize: trimmed},
	{Key: "facebook.redirect_uri", Default: PasteRedirectURI, Help: "The https redirect URI registered in your Meta app's Facebook Login settings.", Normalize: httpsURI},
	{Key: "instagram.app_id", Help: "Your Meta app's Instagram app ID (Instagram API with Instagram Login).", Normalize: clientID},
	{Key: "instagram.app_secret", Help: "Your Meta app's Instagram app secret (kept in the keyring).", Secret: secret.ClientSecret, Normalize: trimmed},
	{Key: "instagram.redirect_uri", Default: PasteRedirectURI, Help: "The https redirect URI registered in your app's Instagram business login settings.", Normalize: httpsURI},
	{Key: "threads.app_id", Help: "Your Meta app's Threads app ID.", Normalize: clientID},
	{Key: "threads.app_secret", Help: "Your Meta app's Threads app secret (kept in the keyring).", Secret: secret.ClientSecret, Normalize: trimmed},
	{Key: "threads.redirect_uri", Default: PasteRedirectURI, Help: "The https redirect URI registered in your app's Threads settings.", Normalize: httpsURI},
}

// PasteRedirectURI is the default redirect URI of the Meta networks; the
// same value as oauthnet.PasteRedirectURI (a test keeps them equal), kept
// here so settings depends on no network package.
const PasteRedirectURI = "https://localhost/socialomm/callback"

// All lists every setting, sorted by key.
func All() []Def {
	out := append([]Def(nil), defs...)
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// Lookup finds a setting by key.
func Lookup(key string) (Def, bool) {
	for _, d := range defs {
		if d.Key == key {
			return d, true
		}
	}
	return Def{}, false
}

// SecretMask is what Get returns for a secret setting that is set: secrets
// are never printed.
const SecretMask = "(set, kept in the keyring)"

// Service reads and writes settings.
type Service struct {
	Store   *store.Store
	Secrets secret.Store
	// Hooks are the settings whose truth or consequences lie outside the
	// database, by key.
	Hooks map[string]Hook
}

// Hook lets a setting live or act outside the database. Each func may be
// nil.
type Hook struct {
	// Get reads the value where it really lives (app.autostart: whether
	// the autostart entry exists), so it cannot drift from the truth.
	Get func(ctx context.Context) (string, error)
	// Set puts the (normalized) value where it really lives, instead of
	// the database.
	Set func(ctx context.Context, value string) error
	// Check refuses a value before it is stored, for checks that need
	// more than its words (a folder that must exist).
	Check func(value string) error
	// Changed acts on a value just stored (rewrite the kept calendar).
	Changed func(ctx context.Context, value string) error
}

// secretKey is the keyring key of a secret setting.
func secretKey(d Def) string { return d.Key }

// Get returns a setting's value, or its default. Secret settings return
// SecretMask or "" and never the secret itself; use Secret for that.
func (s *Service) Get(ctx context.Context, key string) (string, error) {
	d, ok := Lookup(key)
	if !ok {
		return "", unknown(key)
	}
	if d.Secret != "" {
		_, err := s.Secrets.Get(ctx, d.Secret, secretKey(d))
		switch {
		case errors.Is(err, secret.ErrNotFound):
			return "", nil
		case err != nil:
			return "", err
		}
		return SecretMask, nil
	}
	if h, ok := s.Hooks[key]; ok && h.Get != nil {
		return h.Get(ctx)
	}
	v, set, err := s.Store.Setting(ctx, key)
	if err != nil || !set {
		return d.Default, err
	}
	return v, nil
}

// Secret returns a secret setting's value, "" when unset.
func (s *Service) Secret(ctx context.Context, key string) (string, error) {
	d, ok := Lookup(key)
	if !ok || d.Secret == "" {
		return "", fmt.Errorf("%s is not a secret setting", key)
	}
	v, err := s.Secrets.Get(ctx, d.Secret, secretKey(d))
	if errors.Is(err, secret.ErrNotFound) {
		return "", nil
	}
	return v, err
}

// Set validates and stores a value. An empty value for a secret removes it.
// When no keyring is available a secret is refused, never written elsewhere.
func (s *Service) Set(ctx context.Context, key, value string) error {
	d, ok := Lookup(key)
	if !ok {
		return unknown(key)
	}
	v, err := d.Normalize(value)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	if d.Secret != "" {
		if v == "" {
			return s.Secrets.Delete(ctx, d.Secret, secretKey(d))
		}
		if err := s.Secrets.Set(ctx, d.Secret, secretKey(d), v); err != nil {
			return fmt.Errorf("%s was not saved: %w", key, err)
		}
		return nil
	}
	h := s.Hooks[key]
	if h.Check != nil {
		if err := h.Check(v); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
	}
	if h.Set != nil {
		return h.Set(ctx, v)
	}
	if err := s.Store.SetSetting(ctx, key, v); err != nil {
		return err
	}
	if h.Changed != nil {
		if err := h.Changed(ctx, v); err != nil {
			return fmt.Errorf("%s is saved, but %w", key, err)
		}
	}
	return nil
}

// Int reads an integer setting, falling back to its default if the stored
// value is unreadable.
func (s *Service) Int(ctx context.Context, key string) int {
	d, _ := Lookup(key)
	v, _ := s.Get(ctx, key)
	if n, err := strconv.Atoi(v); err == nil {
		return n
	}
	n, _ := strconv.Atoi(d.Default)
	return n
}

// On reads an on/off setting.
func (s *Service) On(ctx context.Context, key string) bool {
	v, _ := s.Get(ctx, key)
	return v == "on"
}

func unknown(key string) error {
	var keys []string
	for _, d := range All() {
		keys = append(keys, d.Key)
	}
	return fmt.Errorf("%w %q; the settings are: %s", ErrUnknown, key, strings.Join(keys, ", "))
}

func asIs(v string) (string, error)    { return v, nil }
func trimmed(v string) (string, error) { return strings.TrimSpace(v), nil }

func intRange(lo, hi int) func(string) (string, error) {
	return func(v string) (string, error) {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < lo || n > hi {
			return "", fmt.Errorf("must be a whole number from %d to %d, not %q", lo, hi, v)
		}
		return strconv.Itoa(n), nil
	}
}

func oneOf(choices ...string) func(string) (string, error) {
	return func(v string) (string, error) {
		v = strings.ToLower(strings.TrimSpace(v))
		for _, c := range choices {
			if v == c {
				return v, nil
			}
		}
		return "", fmt.Errorf("must be one of %s, not %q", strings.Join(choices, ", "), v)
	}
}

var onOff = oneOf("on", "off")

func dayList(v string) (string, error) {
	var days []int
	seen := map[int]bool{}
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		n, err := strconv.Atoi(part)
		if err != nil || n < 1 || n > 365 {
			return "", fmt.Errorf("must be days from 1 to 365 separated by commas, like 14,7,1; %q is not", part)
		}
		if !seen[n] {
			seen[n] = true
			days = append(days, n)
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(days)))
	out := make([]string, len(days))
	for i, n := range days {
		out[i] = strconv.Itoa(n)
	}
	return strings.Join(out, ","), nil
}

// clientID accepts an app's client id as the developer portals show it:
// one word of visible ASCII, copied with or without surrounding spaces.
func clientID(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", errors.New("must not be empty: copy the id from the network's developer portal")
	}
	if len(v) > 256 {
		return "", errors.New("is too long for a client id")
	}
	for _, r := range v {
		if r <= ' ' || r > '~' {
			return "", errors.New("must be one word without spaces, as the developer portal shows it")
		}
	}
	return v, nil
}

// httpsURI accepts an absolute https address without a fragment, as Meta
// requires of redirect URIs.
func httpsURI(v string) (string, error) {
	v = strings.TrimSpace(v)
	u, err := url.Parse(v)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("must be an https address such as %s, exactly as registered with the network", PasteRedirectURI)
	}
	return v, nil
}

// folderPath accepts an absolute folder path, or nothing.
func folderPath(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	if !filepath.IsAbs(v) {
		return "", fmt.Errorf("must be a full folder path such as /home/ana/Calendars, not %q", v)
	}
	return filepath.Clean(v), nil
}

func hostName(v string) (string, error) {
	v = strings.TrimSpace(v)
	if strings.ContainsAny(v, " /:@") {
		return "", fmt.Errorf("must be a host name such as smtp.example.com, without scheme or port")
	}
	return strings.ToLower(v), nil
}

func addressList(max int) func(string) (string, error) {
	return func(v string) (string, error) {
		v = strings.TrimSpace(v)
		if v == "" {
			return "", nil
		}
		list, err := mail.ParseAddressList(v)
		if err != nil {
			return "", fmt.Errorf("%q is not an email address (like ana@example.com)", v)
		}
		if len(list) > max {
			return "", fmt.Errorf("takes at most %d address(es)", max)
		}
		out := make([]string, len(list))
		for i, a := range list {
			out[i] = readableAddress(a)
		}
		return strings.Join(out, ", "), nil
	}
}

// readableAddress writes an address the way people type it: "ana@example.com"
// or "Ana B <ana@example.com>", quoting the name only where the mail format
// needs it (a comma, a quote, other specials).
func readableAddress(a *mail.Address) string {
	if a.Name == "" {
		return a.Address
	}
	if strings.ContainsAny(a.Name, "()<>[]:;@\\,.\"") || !utf8.ValidString(a.Name) {
		return a.String()
	}
	return a.Name + " <" + a.Address + ">"
}
