package secret

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Tokens is one profile's sign-in as the Credentials item holds it: both
// tokens and their ends, saved in one Set so that a rotated refresh token
// is never kept apart from its access token.
type Tokens struct {
	AccessToken  string
	RefreshToken string
	// Expiry is when the access token ends; RefreshExpiry when the refresh
	// token (the whole connection) does. Zero: the network gave none.
	Expiry        time.Time
	RefreshExpiry time.Time
}

// tokensVersion is the shape of the Credentials item; a reader refuses a
// newer one rather than guess at it.
const tokensVersion = 1

type tokensJSON struct {
	Version       int        `json:"v"`
	AccessToken   string     `json:"access_token"`
	RefreshToken  string     `json:"refresh_token,omitempty"`
	Expiry        *time.Time `json:"expiry,omitempty"`
	RefreshExpiry *time.Time `json:"refresh_expiry,omitempty"`
}

// ErrNewerItem means the Credentials item was written by a newer SocialOmm.
var ErrNewerItem = errors.New("the sign-in in the keyring was saved by a newer SocialOmm")

// Encode is the Credentials item's value for t.
func (t Tokens) Encode() string {
	j := tokensJSON{Version: tokensVersion, AccessToken: t.AccessToken, RefreshToken: t.RefreshToken}
	if !t.Expiry.IsZero() {
		e := t.Expiry.UTC()
		j.Expiry = &e
	}
	if !t.RefreshExpiry.IsZero() {
		e := t.RefreshExpiry.UTC()
		j.RefreshExpiry = &e
	}
	out, _ := json.Marshal(j) // strings and times always marshal
	return string(out)
}

// DecodeTokens reads a Credentials item. Its errors never quote the item.
func DecodeTokens(value string) (Tokens, error) {
	var j tokensJSON
	if err := json.Unmarshal([]byte(value), &j); err != nil || j.Version < 1 {
		return Tokens{}, errors.New("the sign-in in the keyring is damaged (not SocialOmm's format); reconnect the profile")
	}
	if j.Version > tokensVersion {
		return Tokens{}, fmt.Errorf("%w (format %d); update SocialOmm", ErrNewerItem, j.Version)
	}
	if j.AccessToken == "" {
		return Tokens{}, errors.New("the sign-in in the keyring has no access token; reconnect the profile")
	}
	t := Tokens{AccessToken: j.AccessToken, RefreshToken: j.RefreshToken}
	if j.Expiry != nil {
		t.Expiry = *j.Expiry
	}
	if j.RefreshExpiry != nil {
		t.RefreshExpiry = *j.RefreshExpiry
	}
	return t, nil
}
