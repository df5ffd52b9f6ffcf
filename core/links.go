package core

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ErrUnsafeLink: a link a server handed us that SocialOmm will not open or
// fetch (file:, javascript:, a custom scheme, plain http to another
// computer).
var ErrUnsafeLink = errors.New("unsafe link")

// SafeLink parses a link a server handed us (a published post's address, a
// profile's, an avatar's) and returns it only when it may be opened in the
// browser or fetched: https, or http to this computer (a loopback server,
// as in tests and local instances). Anything else is refused with words
// saying why; the link itself is not quoted, as it may be long or hostile.
func SafeLink(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || raw == "" {
		return nil, fmt.Errorf("%w: it is not a web address", ErrUnsafeLink)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: it carries a user name or password", ErrUnsafeLink)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		if u.Hostname() == "" {
			return nil, fmt.Errorf("%w: it names no server", ErrUnsafeLink)
		}
		return u, nil
	case "http":
		if isLoopback(strings.ToLower(u.Hostname())) {
			return u, nil
		}
		return nil, fmt.Errorf("%w: it is plain http to another computer; only https is opened", ErrUnsafeLink)
	case "":
		return nil, fmt.Errorf("%w: it is not a full web address", ErrUnsafeLink)
	}
	return nil, fmt.Errorf("%w: its kind (%q) is not a web address; only https is opened", ErrUnsafeLink, strings.ToLower(u.Scheme))
}
