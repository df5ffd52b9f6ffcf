package mastodon

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/net/idna"

	"github.com/socialomm/desktop/core/network"
)

// DefaultTextLimit is Mastodon's status length when the server does not say.
const DefaultTextLimit = 500

// addressError is what NormalizeInstance says about text that is not a
// server's address.
type addressError struct {
	input string
	why   string
}

func (e *addressError) Error() string {
	shown := network.Clean(e.input)
	if shown == "" {
		return "No server address was given. Type the server's name, for example mastodon.social."
	}
	msg := fmt.Sprintf("%q is not a server address", shown)
	if e.why != "" {
		msg += " (" + e.why + ")"
	}
	return msg + ". Type the server's name, for example mastodon.social."
}

func (e *addressError) Is(target error) bool { return target == ErrNotServerAddress }

// NormalizeInstance turns what a person types for their server into the base
// URL every other call takes: "https://host[:port]", lowercase, no path.
//
// Accepted: "mastodon.social", "https://mastodon.social/", a profile link
// "https://mastodon.social/@ana", a handle "@ana@mastodon.social" or
// "ana@mastodon.social" (the server is the part after the last @),
// upper-case and internationalised names (stored as punycode), an explicit
// port.
//
// Plain http is used only for loopback hosts (127.0.0.0/8, ::1, localhost),
// with or without "http://" typed: that is a server on this computer, like
// the GoToSocial test bed. Anywhere else "http://" is upgraded to https,
// because the access token must never cross a network in clear text; a
// server that only speaks http then fails to answer, and says so.
//
// Anything else (spaces, "https://", "ftp://x", a bare word) is refused with
// an error that Is ErrNotServerAddress and tells what to type.
func NormalizeInstance(input string) (baseURL string, err error) {
	s := strings.TrimSpace(input)
	fail := func(why string) (string, error) { return "", &addressError{input: input, why: why} }
	if s == "" {
		return fail("")
	}
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return fail("")
	}

	scheme := ""
	rest := s
	if i := strings.Index(s, "://"); i >= 0 {
		scheme = strings.ToLower(s[:i])
		rest = s[i+3:]
		if scheme != "http" && scheme != "https" {
			return fail("")
		}
	} else {
		// A handle: the server is after the last @ ("@ana@host", "ana@host").
		if at := strings.LastIndexByte(rest, '@'); at >= 0 {
			if !isUsername(strings.TrimPrefix(rest[:at], "@")) {
				return fail("")
			}
			rest = rest[at+1:]
		}
	}
	u, err := url.Parse("https://" + rest)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return fail("")
	}
	name := strings.TrimSuffix(u.Hostname(), ".")
	port := u.Port()
	if name == "" {
		return fail("")
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return fail("the port must be a number from 1 to 65535")
		}
		port = strconv.Itoa(n)
	}

	loopback := false
	var host string
	if addr, err := netip.ParseAddr(name); err == nil {
		if addr.Zone() != "" {
			return fail("")
		}
		addr = addr.Unmap()
		loopback = addr.IsLoopback()
		host = addr.String()
		if addr.Is6() {
			host = "[" + host + "]"
		}
	} else {
		ascii, ok := asciiHost(name)
		if !ok {
			return fail("")
		}
		if ascii == "localhost" {
			loopback = true
		} else if !strings.Contains(ascii, ".") {
			return fail("a server name has a dot in it")
		}
		host = ascii
	}

	switch {
	case loopback && scheme == "https":
		// Keep what was typed: a local server with TLS.
	case loopback:
		scheme = "http"
	default:
		scheme = "https"
	}
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host, nil
}

// isUsername reports whether s can be the user part of a handle (empty for
// "@host").
func isUsername(s string) bool {
	for _, r := range s {
		if !(r == '_' || r == '.' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}

// asciiHost validates a DNS name and returns its lowercase ASCII
// (punycode) form.
func asciiHost(name string) (string, bool) {
	ascii, err := idna.Lookup.ToASCII(name)
	if err != nil || ascii == "" || len(ascii) > 253 {
		return "", false
	}
	labels := strings.Split(ascii, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return "", false
		}
		for _, r := range l {
			if !(r == '-' || (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9')) {
				return "", false
			}
		}
	}
	// "999.1.1.1" is neither an address nor a name.
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return "", false
	}
	return ascii, true
}

// isLoopbackURL reports whether a URL points at this computer.
func isLoopbackURL(u *url.URL) bool {
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	addr, err := netip.ParseAddr(h)
	return err == nil && addr.Unmap().IsLoopback()
}

// Software names the server software when it says who it is.
const (
	SoftwareMastodon   = "mastodon"
	SoftwareGoToSocial = "gotosocial"
)

// InstanceInfo is what a server says about itself.
type InstanceInfo struct {
	// BaseURL is where the API answered: the probed base URL, or where it
	// redirected to (an https or loopback URL only). Use it from here on.
	BaseURL string `json:"base_url"`
	// Domain is the server's account domain: the part after the second @ of
	// its local handles. It can differ from BaseURL's host.
	Domain  string `json:"domain"`
	Title   string `json:"title"`
	Version string `json:"version"`
	// Software is SoftwareMastodon, SoftwareGoToSocial, or "" when the
	// server did not make it clear (v1-only servers, forks).
	Software string `json:"software"`
	// MaxCharacters is the status length limit
	// (configuration.statuses.max_characters; DefaultTextLimit if absent).
	MaxCharacters int `json:"max_characters"`
}

// AnyLoopbackPort reports whether this server accepts a loopback redirect URI
// on any port once one is registered (RFC 8252 section 7.3). Mastodon does:
// Doorkeeper's URIChecker.matches? ignores the port when both URIs are
// loopback IP literals (since Doorkeeper 5.1, PR #1182). GoToSocial v0.18.3
// does not, and for servers that do not say who they are we cannot know, so
// only Mastodon gets true.
func (i InstanceInfo) AnyLoopbackPort() bool { return i.Software == SoftwareMastodon }

// instanceJSON covers both /api/v2/instance and /api/v1/instance.
type instanceJSON struct {
	Domain    string `json:"domain"` // v2
	URI       string `json:"uri"`    // v1
	Title     string `json:"title"`
	Version   string `json:"version"`
	SourceURL string `json:"source_url"` // v2
	// MaxTootChars is the pre-4.0 glitch-soc and Pleroma field.
	MaxTootChars  json.Number `json:"max_toot_chars"`
	Configuration struct {
		Statuses struct {
			MaxCharacters json.Number `json:"max_characters"`
		} `json:"statuses"`
	} `json:"configuration"`
}

// Probe asks the server at baseURL (as NormalizeInstance returns it) who it
// is: GET /api/v2/instance, then /api/v1/instance for servers older than
// Mastodon 4.0.
//
// Errors: ErrUnreachable (inside a *network.TransientError) when nothing
// answered, ErrNotMastodon when something answered but neither endpoint gave
// a Mastodon instance (an HTML page, 404 on both, JSON without the fields),
// and a plain *network.TransientError when the server answered 429 or 5xx.
func Probe(ctx context.Context, client *http.Client, baseURL string) (InstanceInfo, error) {
	host := displayHost(baseURL)
	var transient error
	for _, path := range []string{"/api/v2/instance", "/api/v1/instance"} {
		rep, _, err := send(ctx, client, host, request{method: http.MethodGet, url: endpoint(baseURL, path)})
		if err != nil {
			// Nothing answered: the second endpoint would not either.
			return InstanceInfo{}, err
		}
		if rep.status < 200 || rep.status > 299 {
			if cerr := Classify(host, rep.status, rep.header, rep.body, time.Now()); network.IsTransient(cerr) {
				transient = cerr
			}
			continue
		}
		if info, ok := parseInstance(rep.body, path == "/api/v2/instance"); ok {
			info.BaseURL = answeredAt(baseURL, rep.final, path)
			return info, nil
		}
	}
	if transient != nil {
		return InstanceInfo{}, transient
	}
	return InstanceInfo{}, &kindError{
		kind: ErrNotMastodon,
		msg:  host + " answered, but it is not a Mastodon-compatible server; check the address",
	}
}

func parseInstance(body []byte, v2 bool) (InstanceInfo, bool) {
	var j instanceJSON
	if err := json.Unmarshal(body, &j); err != nil {
		return InstanceInfo{}, false
	}
	info := InstanceInfo{Title: j.Title, Version: j.Version, MaxCharacters: DefaultTextLimit}
	if v2 {
		info.Domain = j.Domain
	} else {
		info.Domain = j.URI
		// Some v1 servers put a URL in uri.
		if u, err := url.Parse(j.URI); err == nil && u.Host != "" {
			info.Domain = u.Host
		}
	}
	info.Domain = strings.ToLower(strings.TrimSpace(info.Domain))
	if info.Domain == "" || strings.ContainsAny(info.Domain, " /@") {
		return InstanceInfo{}, false
	}
	if n, ok := positive(j.Configuration.Statuses.MaxCharacters); ok {
		info.MaxCharacters = n
	} else if n, ok := positive(j.MaxTootChars); ok {
		info.MaxCharacters = n
	}
	info.Software = softwareOf(j.SourceURL)
	return info, true
}

func positive(n json.Number) (int, bool) {
	v, err := strconv.ParseInt(string(n), 10, 32)
	if err != nil || v <= 0 {
		return 0, false
	}
	return int(v), true
}

// softwareOf reads source_url (v2): Mastodon and its glitch-soc fork point at
// a repository named mastodon, GoToSocial at one named gotosocial.
func softwareOf(sourceURL string) string {
	u, err := url.Parse(sourceURL)
	if err != nil {
		return ""
	}
	switch strings.ToLower(strings.Trim(u.Path[strings.LastIndexByte(u.Path, '/')+1:], " ")) {
	case "mastodon":
		return SoftwareMastodon
	case "gotosocial":
		return SoftwareGoToSocial
	}
	return ""
}

// answeredAt keeps a redirect's destination as the base URL only when it is
// safe to send tokens there (https, or this computer) and the API sits at
// its root, as Mastodon's always does.
func answeredAt(baseURL string, final *url.URL, path string) string {
	if final == nil || final.Path != path {
		return baseURL
	}
	if final.Scheme != "https" && !(final.Scheme == "http" && isLoopbackURL(final)) {
		return baseURL
	}
	if normal, err := NormalizeInstance(final.Scheme + "://" + final.Host); err == nil {
		return normal
	}
	return baseURL
}

// kindError is a message in words that matches one sentinel.
type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string        { return e.msg }
func (e *kindError) Is(target error) bool { return target == e.kind }
