package oauthnet

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/socialomm/desktop/core/account"
)

// Token is a token endpoint's answer, read the same way for every network:
// RFC 6749 section 5.1 fields, LinkedIn's refresh_token_expires_in, and
// Meta's user_id and permissions, whether they come flat or wrapped in a
// "data" array (the Instagram API with Instagram Login documents both).
type Token struct {
	AccessToken  string
	RefreshToken string
	TokenType    string
	Scope        string
	// UserID is Meta's app-scoped user id, kept exact (Instagram sends it as
	// a JSON number larger than a float64 holds exactly).
	UserID string
	// ExpiresIn and RefreshTokenExpiresIn are seconds; zero when not given.
	ExpiresIn             int64
	RefreshTokenExpiresIn int64
	Permissions           []string
}

// ParseToken reads a token endpoint's success body. It fails when no
// access token is in it.
func ParseToken(body []byte) (Token, error) {
	var top map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimSpace(body)))
	dec.UseNumber()
	if err := dec.Decode(&top); err != nil {
		return Token{}, errors.New("not a JSON object")
	}
	if _, ok := top["access_token"]; !ok {
		if raw, ok := top["data"]; ok {
			var list []map[string]json.RawMessage
			if json.Unmarshal(raw, &list) == nil && len(list) > 0 {
				top = list[0]
			}
		}
	}
	t := Token{
		AccessToken:           jsonString(top["access_token"]),
		RefreshToken:          jsonString(top["refresh_token"]),
		TokenType:             jsonString(top["token_type"]),
		Scope:                 jsonString(top["scope"]),
		UserID:                jsonString(top["user_id"]),
		ExpiresIn:             jsonInt(top["expires_in"]),
		RefreshTokenExpiresIn: jsonInt(top["refresh_token_expires_in"]),
		Permissions:           jsonList(top["permissions"]),
	}
	if t.AccessToken == "" {
		return Token{}, errors.New("no access token in the answer")
	}
	return t, nil
}

// OAuth2 is t as an *oauth2.Token whose Expiry counts from now; the Meta and
// LinkedIn extras are kept under their wire names.
func (t Token) OAuth2(now time.Time) *oauth2.Token {
	tok := &oauth2.Token{
		AccessToken:  t.AccessToken,
		RefreshToken: t.RefreshToken,
		TokenType:    t.TokenType,
		ExpiresIn:    t.ExpiresIn,
	}
	if t.ExpiresIn > 0 {
		tok.Expiry = now.Add(time.Duration(t.ExpiresIn) * time.Second)
	}
	extra := map[string]any{}
	if t.UserID != "" {
		extra["user_id"] = t.UserID
	}
	if t.RefreshTokenExpiresIn > 0 {
		extra["refresh_token_expires_in"] = t.RefreshTokenExpiresIn
	}
	if t.Scope != "" {
		extra["scope"] = t.Scope
	}
	if len(t.Permissions) > 0 {
		extra["permissions"] = strings.Join(t.Permissions, ",")
	}
	return tok.WithExtra(extra)
}

// FromOAuth2 reads an *oauth2.Token (from core/oauth's Exchange or
// ManualFlow.Exchange) back into a Token. golang.org/x/oauth2 decodes extras
// as float64: a large user_id may have lost digits there, so callers ask the
// network who the token belongs to rather than trusting it.
func FromOAuth2(tok *oauth2.Token) Token {
	if tok == nil {
		return Token{}
	}
	t := Token{
		AccessToken:  tok.AccessToken,
		RefreshToken: tok.RefreshToken,
		TokenType:    tok.TokenType,
		ExpiresIn:    tok.ExpiresIn,
	}
	t.UserID = anyString(tok.Extra("user_id"))
	t.Scope = anyString(tok.Extra("scope"))
	if n, err := strconv.ParseInt(anyString(tok.Extra("refresh_token_expires_in")), 10, 64); err == nil {
		t.RefreshTokenExpiresIn = n
	}
	if p := anyString(tok.Extra("permissions")); p != "" {
		t.Permissions = strings.Split(p, ",")
	}
	return t
}

// TokenRequest is one call to a token endpoint: a refresh, a long-lived
// exchange, a revocation.
type TokenRequest struct {
	Method string // POST when empty
	URL    string
	// Form goes in the body for POST and in the query for GET.
	Form url.Values
	// BasicID and BasicSecret, when BasicSecret is set, authenticate the
	// client with an Authorization: Basic header (RFC 6749 section 2.3.1)
	// instead of form fields: X's confidential clients must.
	BasicID, BasicSecret string
}

// TokenCall asks a token endpoint and reads the token it gives. Every
// secret sent (secretFields, the Basic secret) is scrubbed from the answer;
// failures are classified by ClassifyToken.
func TokenCall(ctx context.Context, client *http.Client, networkName string, tr TokenRequest, now time.Time) (Token, error) {
	rep, err := TokenPost(ctx, client, networkName, tr, now)
	if err != nil {
		return Token{}, err
	}
	t, err := ParseToken(rep.Body)
	if err != nil {
		return Token{}, Malformed(networkName, "the renewed sign-in")
	}
	return t, nil
}

// TokenPost sends tr and classifies the answer, returning it when it is a
// success (a revocation answers with no token).
func TokenPost(ctx context.Context, client *http.Client, networkName string, tr TokenRequest, now time.Time) (Reply, error) {
	method := tr.Method
	if method == "" {
		method = http.MethodPost
	}
	req := Request{Method: method, URL: tr.URL}
	if method == http.MethodGet {
		u, err := url.Parse(tr.URL)
		if err != nil {
			return Reply{}, errors.New("the " + networkName + " token address in the settings is not usable")
		}
		q := u.Query()
		for k, vs := range tr.Form {
			for _, v := range vs {
				q.Add(k, v)
			}
		}
		u.RawQuery = q.Encode()
		req.URL = u.String()
	} else {
		req.Form = tr.Form
	}
	for _, k := range secretFields {
		if v := tr.Form.Get(k); v != "" {
			req.Secrets = append(req.Secrets, v)
		}
	}
	if tr.BasicSecret != "" {
		// RFC 6749 section 2.3.1: form-encode both, then Basic.
		pair := url.QueryEscape(tr.BasicID) + ":" + url.QueryEscape(tr.BasicSecret)
		req.Header = http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(pair))}}
		req.Secrets = append(req.Secrets, tr.BasicSecret)
	}
	classify := func(status int, header http.Header, body []byte, now time.Time) error {
		return ClassifyToken(networkName, status, header, body, now)
	}
	rep, _, err := Call(ctx, client, networkName, req, classify, func() time.Time { return now })
	return rep, err
}

// secretFields are the form fields that hold something secret.
var secretFields = []string{
	"client_secret", "code", "code_verifier", "refresh_token", "access_token",
	"fb_exchange_token", "token",
}

// oauthError is RFC 6749 section 5.2's error answer.
type oauthError struct {
	Error            json.RawMessage `json:"error"`
	ErrorDescription string          `json:"error_description"`
}

// ClassifyToken turns one answer of a token endpoint (refresh, long-lived
// exchange, revoke) into the app's error words. It is pure.
//
//   - invalid_grant: lost access; revoked or expired when the description
//     says only one of those, else invalid (RFC 6749's own wording lists
//     "invalid, expired, revoked" together and tells nothing).
//   - invalid_request about the token ("Value passed for the token was
//     invalid.", X): lost access, invalid.
//   - invalid_scope: lost access, scope_lost.
//   - invalid_client, unauthorized_client, or a 401 without an OAuth code:
//     a *RejectedError that Is ErrAppKeys: the keys in Settings are wrong,
//     the connection itself may be fine.
//   - temporarily_unavailable, server_error, 429, 5xx: transient.
//   - a Graph API error object (Meta's token endpoints): ClassifyGraph.
func ClassifyToken(networkName string, status int, header http.Header, body []byte, now time.Time) error {
	if status >= 200 && status <= 299 {
		return Generic(networkName, status, header, body, "", now)
	}
	var oe oauthError
	_ = json.Unmarshal(bytes.TrimSpace(body), &oe)
	code := jsonString(oe.Error)
	if code == "" && len(bytes.TrimSpace(oe.Error)) > 0 && bytes.TrimSpace(oe.Error)[0] == '{' {
		return ClassifyGraph(networkName, status, header, body, now)
	}
	desc := Clean(oe.ErrorDescription)
	words := desc
	if words == "" {
		words = Clean(code)
	}
	switch code {
	case "invalid_grant":
		return Lost(grantReason(desc), words)
	case "invalid_request":
		if Words(desc, "token") && !Words(desc, "authorization code", "redirect", "code verifier", "client") {
			return Lost(account.ReasonInvalid, words)
		}
		return &RejectedError{Network: networkName, Status: status, Message: words}
	case "invalid_scope":
		return Lost(account.ReasonScopeLost, words)
	case "invalid_client", "unauthorized_client":
		return keysRefused(networkName, status, words)
	case "temporarily_unavailable", "server_error":
		return Transient(networkName, status, words, RetryAfter(header, now), false)
	}
	if status == http.StatusUnauthorized {
		return keysRefused(networkName, status, words)
	}
	if words == "" {
		words = PlainText(body)
	}
	if status == http.StatusBadRequest && code == "" {
		// Not an OAuth answer at all: tell nothing about the connection.
		return &RejectedError{Network: networkName, Status: status, Message: words}
	}
	return Generic(networkName, status, header, body, words, now)
}

func keysRefused(networkName string, status int, words string) error {
	msg := "the client id or secret in Settings was refused"
	if words != "" {
		msg += " (" + words + ")"
	}
	return &RejectedError{Network: networkName, Status: status, Message: msg, Err: ErrAppKeys}
}

// grantReason reads an invalid_grant description.
func grantReason(desc string) account.Reason {
	revoked := Words(desc, "revoked", "revocation")
	expired := Words(desc, "expired")
	switch {
	case revoked && !expired:
		return account.ReasonRevoked
	case expired && !revoked:
		return account.ReasonExpired
	}
	return account.ReasonInvalid
}

func jsonString(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

func jsonInt(raw json.RawMessage) int64 {
	s := jsonString(raw)
	if s == "" {
		return 0
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		return n
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > 0 && f < 1e15 {
		return int64(f)
	}
	return 0
}

func jsonList(raw json.RawMessage) []string {
	if s := jsonString(raw); s != "" {
		var out []string
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	return nil
}

func anyString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	}
	return ""
}
