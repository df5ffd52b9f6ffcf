package contract

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// X's documented answers.
var (
	// XUser is GET /2/users/me, shaped after
	// https://docs.x.com/x-api/users/lookup/quickstart/authenticated-lookup
	XUser = `{"data":{"id":"2244994945","name":"Developers","username":"XDevelopers","profile_image_url":"https://pbs.twimg.com/profile_images/1/x_normal.jpg"}}`

	// XUnauthorized is any API call with a token X does not accept
	// (expired, revoked, unknown): X API v2 answers a problem with no more
	// words than "Unauthorized"
	// (https://developer.x.com/en/support/x-api/error-troubleshooting, 401).
	XUnauthorized = `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`

	// XRateLimited is the 429 body of
	// https://docs.x.com/fundamentals/rate-limits ("Rate limit exceeded");
	// the wait is in the x-rate-limit-reset header (a Unix time).
	XRateLimited = `{"errors":[{"code":88,"message":"Rate limit exceeded"}]}`

	// XDuplicate is the 403 for a post identical to a recent one
	// (https://developer.x.com/en/support/x-api/error-troubleshooting, 403).
	XDuplicate = `{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}`

	// XClientForbidden is the 403 for an app not attached to a Project with
	// the needed access (error-troubleshooting, "client-not-enrolled").
	XClientForbidden = `{"client_id":"socialomm-test-client","detail":"When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project. You can create a project via the developer portal.","registration_url":"https://developer.twitter.com/en/docs/projects/overview","title":"Client Forbidden","required_enrollment":"Appropriate Level of API Access","reason":"client-not-enrolled","type":"https://api.twitter.com/2/problems/client-forbidden"}`

	// XServiceUnavailable is a 503 as X's edge answers it.
	XServiceUnavailable = `{"title":"Service Unavailable","detail":"Service Unavailable","type":"about:blank","status":503}`

	// XRefreshRefused is the token endpoint's answer to a refresh token it
	// no longer takes (revoked, already used): X answers invalid_request
	// with these words, not invalid_grant (as reported by X API users, e.g.
	// github.com/plhery/node-twitter-api-v2 issue 496 for codes).
	XRefreshRefused = `{"error":"invalid_request","error_description":"Value passed for the token was invalid."}`

	// XMissingAuthHeader is the token endpoint's answer to a confidential
	// client that did not send Basic auth.
	XMissingAuthHeader = `{"error":"unauthorized_client","error_description":"Missing valid authorization header"}`
)

// XTokenLifetime is the access token life X gives (expires_in 7200,
// https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code).
const XTokenLifetime = 7200

// XServer answers as X's OAuth 2.0 endpoints and API v2 do.
type XServer struct {
	*base
	// Public: the app is a public client (client id only, PKCE). Otherwise
	// it authenticates with Basic, as X requires of confidential clients.
	Public bool
	posts  []string
	used   map[string]*grant // refresh tokens already traded
	// timeline is the user's posts with their times, as the user
	// timeline lists them.
	timeline timeline
}

// NewX starts an X server whose app has redirectURI registered.
func NewX(t testing.TB, redirectURI string, public bool) *XServer {
	s := &XServer{base: newBase(t, "x"), Public: public, used: map[string]*grant{}}
	s.RedirectURIs = []string{redirectURI}
	s.RequirePKCE = true // code_challenge is a required parameter of X's authorize URL
	s.user = "2244994945"
	if public {
		s.ClientSecret = ""
	}
	s.mux.HandleFunc("GET /i/oauth2/authorize", func(w http.ResponseWriter, r *http.Request) { s.authorize(w, r, "") })
	s.mux.HandleFunc("POST /2/oauth2/token", s.token)
	s.mux.HandleFunc("POST /2/oauth2/revoke", s.revoke)
	s.mux.HandleFunc("GET /2/users/me", s.me)
	s.mux.HandleFunc("POST /2/tweets", s.tweet)
	s.mux.HandleFunc("GET /2/users/{id}/tweets", s.userTweets)
	return s
}

// AuthURL, TokenURL and RevokeURL are X's OAuth 2.0 endpoints on this server.
func (s *XServer) AuthURL() string   { return s.URL + "/i/oauth2/authorize" }
func (s *XServer) TokenURL() string  { return s.URL + "/2/oauth2/token" }
func (s *XServer) RevokeURL() string { return s.URL + "/2/oauth2/revoke" }

// Posts are the texts published so far.
func (s *XServer) Posts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.posts...)
}

func (s *XServer) client(w http.ResponseWriter, r *http.Request) bool {
	id, secret := clientAuth(r)
	_, _, basic := r.BasicAuth()
	switch {
	case id != s.ClientID:
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "Missing valid authorization header"})
		return false
	case !s.Public && (!basic || secret != s.ClientSecret):
		write(w, Answer{Status: http.StatusUnauthorized, Body: XMissingAuthHeader})
		return false
	}
	return true
}

// token is POST /2/oauth2/token, answering as
// https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token
// shows: {"token_type":"bearer","expires_in":7200,"access_token":"...",
// "scope":"...","refresh_token":"..."}. A refresh rotates: the old refresh
// token stops working, and reusing it ends the whole chain.
func (s *XServer) token(w http.ResponseWriter, r *http.Request) {
	if !s.client(w, r) {
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		cd, bad := s.redeem(s.ClientID, r.PostForm.Get("code"), r.PostForm.Get("redirect_uri"), r.PostForm.Get("code_verifier"))
		if bad != "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "Value passed for the authorization code was invalid."})
			return
		}
		offline := strings.Contains(" "+cd.scope+" ", " offline.access ")
		access, refresh := s.issue(cd.user, cd.scope, s.ClientID, offline, nil)
		s.writeToken(w, access, refresh, cd.scope)
	case "refresh_token":
		old := r.PostForm.Get("refresh_token")
		s.mu.Lock()
		g, ok := s.refresh[old]
		if ok {
			delete(s.refresh, old)
			s.used[old] = g
		} else if spent, reused := s.used[old]; reused {
			// A spent refresh token presented again: the chain is
			// compromised, so every token of this sign-in ends.
			spent.family.dead = true
		}
		s.mu.Unlock()
		if !ok || s.dead(g) {
			write(w, Answer{Status: http.StatusBadRequest, Body: XRefreshRefused})
			return
		}
		access, refresh := s.issue(g.user, g.scope, s.ClientID, true, g.family)
		s.writeToken(w, access, refresh, g.scope)
	default:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
	}
}

func (s *XServer) writeToken(w http.ResponseWriter, access, refresh, scope string) {
	body := map[string]any{"token_type": "bearer", "expires_in": XTokenLifetime, "access_token": access, "scope": scope}
	if refresh != "" {
		body["refresh_token"] = refresh
	}
	writeJSON(w, http.StatusOK, body)
}

// revoke is POST /2/oauth2/revoke: {"revoked":true}
// (https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token).
func (s *XServer) revoke(w http.ResponseWriter, r *http.Request) {
	if !s.client(w, r) {
		return
	}
	tok := r.PostForm.Get("token")
	s.mu.Lock()
	if g, ok := s.access[tok]; ok {
		g.revoked = true
	}
	if g, ok := s.refresh[tok]; ok {
		g.revoked = true
		g.family.dead = true
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]bool{"revoked": true})
}

// lost answers an API call per the server's state; ok says to go on.
func (s *XServer) lost(w http.ResponseWriter, r *http.Request) bool {
	g := s.bearer(r)
	st := s.currentState()
	switch {
	case s.dead(g), st == Revoked, st == Expired, st == Invalid, s.ended(g):
		write(w, Answer{Status: http.StatusUnauthorized, Body: XUnauthorized})
		return false
	case st == RateLimited:
		write(w, Answer{Status: http.StatusTooManyRequests, Body: XRateLimited, Header: map[string]string{
			"x-rate-limit-limit": "17", "x-rate-limit-remaining": "0",
			"x-rate-limit-reset": fmt.Sprint(s.Now().Add(15 * time.Minute).Unix()),
		}})
		return false
	case st == Down:
		write(w, Answer{Status: http.StatusServiceUnavailable, Body: XServiceUnavailable})
		return false
	}
	return true
}

// ended says whether an access token has outlived the 2 hours X gives it
// (by the server's clock): X then answers 401 like any token it refuses.
func (s *XServer) ended(g *grant) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return g != nil && !s.now().Before(g.issued.Add(XTokenLifetime*time.Second))
}

func (s *XServer) me(w http.ResponseWriter, r *http.Request) {
	if !s.lost(w, r) {
		return
	}
	write(w, Answer{Body: XUser})
}

// tweet is POST /2/tweets: 201 {"data":{"id":"...","text":"..."}}
// (https://docs.x.com/x-api/posts/manage-tweets/quickstart).
func (s *XServer) tweet(w http.ResponseWriter, r *http.Request) {
	if !s.lost(w, r) {
		return
	}
	var body struct {
		Text string `json:"text"`
	}
	if json.Unmarshal(rawBody(r), &body) != nil || body.Text == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"title": "Invalid Request", "detail": "One or more parameters to your request was invalid.", "type": "https://api.twitter.com/2/problems/invalid-request"})
		return
	}
	s.mu.Lock()
	for _, p := range s.posts {
		if p == body.Text {
			s.mu.Unlock()
			write(w, Answer{Status: http.StatusForbidden, Body: XDuplicate})
			return
		}
	}
	s.posts = append(s.posts, body.Text)
	id := fmt.Sprintf("14458805484723281%02d", len(s.posts))
	s.mu.Unlock()
	s.timeline.add(id, body.Text, s.Now())
	writeJSON(w, http.StatusCreated, map[string]any{"data": map[string]string{"id": id, "text": body.Text}})
}

// AddPost puts a post made at at on the user's timeline, as if posted
// elsewhere, and returns its id.
func (s *XServer) AddPost(text string, at time.Time) string {
	id := fmt.Sprintf("1445880548472329%04d", s.timeline.count()+1)
	s.timeline.add(id, text, at)
	return id
}

// xLink is how X writes a link in a post's text: shortened to t.co
// (https://help.x.com/en/using-x/url-shortener).
var xLink = regexp.MustCompile(`https?://[^\s]+`)

// xEscape is how X API v2 writes & < > in a post's text: as HTML entities.
var xEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// userTweets is GET /2/users/:id/tweets, the user's timeline as
// https://docs.x.com/x-api/posts/timelines/introduction documents it:
// newest first, max_results 5 to 100 (default 10), start_time (ISO 8601)
// leaving out older posts, pagination_token from meta.next_token; each post
// {"id","text","edit_history_tweet_ids"} plus created_at and entities when
// tweet.fields asks; links in text as t.co with entities.urls giving
// expanded_url; meta {"result_count","newest_id","oldest_id","next_token"}.
func (s *XServer) userTweets(w http.ResponseWriter, r *http.Request) {
	if !s.lost(w, r) {
		return
	}
	invalid := func(msg string) {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": []map[string]string{{"message": msg}},
			"title": "Invalid Request", "detail": "One or more parameters to your request was invalid.", "type": "https://api.twitter.com/2/problems/invalid-request"})
	}
	if r.PathValue("id") != s.user {
		invalid("The `id` query parameter value [" + r.PathValue("id") + "] does not match ^[0-9]{1,19}$ or is not this user")
		return
	}
	q := r.URL.Query()
	limit := 10
	if v := q.Get("max_results"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 5 || n > 100 {
			invalid("The `max_results` query parameter value [" + v + "] is not between 5 and 100")
			return
		}
		limit = n
	}
	var since time.Time
	if v := q.Get("start_time"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			invalid("Invalid 'start_time':'" + v + "'. 'start_time' must be a valid RFC 3339 date.")
			return
		}
		since = t
	}
	skip := 0
	if v := q.Get("pagination_token"); v != "" {
		n, err := strconv.ParseInt(strings.TrimPrefix(v, "7140dibdnow9c7btw4"), 36, 64)
		if err != nil || !strings.HasPrefix(v, "7140dibdnow9c7btw4") {
			invalid("The `pagination_token` query parameter value [" + v + "] is not valid")
			return
		}
		skip = int(n)
	}
	fields := "," + q.Get("tweet.fields") + ","
	list, more := s.timeline.newest(since, skip, limit)
	meta := map[string]any{"result_count": len(list)}
	if len(list) == 0 {
		writeJSON(w, http.StatusOK, map[string]any{"meta": meta})
		return
	}
	data := make([]map[string]any, 0, len(list))
	for i, p := range list {
		var urls []map[string]any
		text := xEscape.Replace(p.Text)
		text = xLink.ReplaceAllStringFunc(text, func(link string) string {
			short := fmt.Sprintf("https://t.co/%s%d", p.ID[len(p.ID)-4:], len(urls)+i)
			urls = append(urls, map[string]any{"url": short, "expanded_url": strings.ReplaceAll(link, "&amp;", "&"), "display_url": strings.TrimPrefix(strings.TrimPrefix(link, "https://"), "http://")})
			return short
		})
		d := map[string]any{"id": p.ID, "text": text, "edit_history_tweet_ids": []string{p.ID}}
		if strings.Contains(fields, ",created_at,") {
			d["created_at"] = p.At.UTC().Format("2006-01-02T15:04:05.000Z")
		}
		if strings.Contains(fields, ",entities,") && len(urls) > 0 {
			d["entities"] = map[string]any{"urls": urls}
		}
		data = append(data, d)
	}
	meta["newest_id"], meta["oldest_id"] = list[0].ID, list[len(list)-1].ID
	if more {
		meta["next_token"] = "7140dibdnow9c7btw4" + strconv.FormatInt(int64(skip+len(list)), 36)
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "meta": meta})
}
