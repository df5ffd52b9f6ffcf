package bluesky

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"time"

	"github.com/socialomm/desktop/core/network"
)

// Token scopes the reference PDS writes into its session JWTs
// (@atproto/pds auth-scope.js). An app-password session's access token
// carries appPass or appPassPrivileged; one made with the account's own
// password carries access.
const (
	scopeAccess            = "com.atproto.access"
	scopeAppPass           = "com.atproto.appPass"
	scopeAppPassPrivileged = "com.atproto.appPassPrivileged"
)

// claims is the part of a session JWT's payload SocialOmm reads. The
// signature is not checked: the server that issued the token checks it; we
// only read its dates and scope to plan ahead.
type claims struct {
	Sub   string  `json:"sub"`
	Scope string  `json:"scope"`
	Exp   float64 `json:"exp"`
}

var errNotJWT = errors.New("not a JWT")

// readJWT decodes a JWT's payload without verifying it.
func readJWT(token string) (claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return claims{}, errNotJWT
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return claims{}, errNotJWT
	}
	var c claims
	if err := json.Unmarshal(raw, &c); err != nil {
		return claims{}, errNotJWT
	}
	return c, nil
}

// expiry is the JWT's exp as a time; zero when absent or absurd.
func (c claims) expiry() time.Time {
	if c.Exp <= 0 || c.Exp > math.MaxInt32*4 || math.IsNaN(c.Exp) {
		return time.Time{}
	}
	return time.Unix(int64(c.Exp), 0).UTC()
}

// credentialsOf turns a session's two JWTs into Credentials: Expiry is the
// access token's exp (two hours on the reference server), ConnectionExpiry
// the refresh token's (90 days), which is how long the connection lasts
// without the person.
func credentialsOf(access, refresh string) (network.Credentials, error) {
	if access == "" || refresh == "" {
		return network.Credentials{}, errNotJWT
	}
	ac, err := readJWT(access)
	if err != nil {
		return network.Credentials{}, err
	}
	rc, err := readJWT(refresh)
	if err != nil {
		return network.Credentials{}, err
	}
	return network.Credentials{
		AccessToken:      access,
		RefreshToken:     refresh,
		Expiry:           ac.expiry(),
		ConnectionExpiry: rc.expiry(),
	}, nil
}
