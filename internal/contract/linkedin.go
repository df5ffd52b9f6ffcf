package contract

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// LinkedIn's documented answers.
var (
	// LinkedInUserinfo is GET /v2/userinfo, shaped after the sample of
	// https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2
	LinkedInUserinfo = `{"sub":"782bbtaQ","email_verified":true,"name":"John Doe","locale":{"country":"US","language":"en"},"given_name":"John","family_name":"Doe","email":"doe@email.com","picture":"https://media.licdn-ei.com/dms/image/C5F03AQHqK8v7tB1HCQ/profile-displayphoto-shrink_100_100/0/"}`

	// LinkedInRevoked is the 401 for a token the member revoked, and the
	// one LinkedIn also answers right after a token is issued
	// (github.com/jclusso/omniauth-linkedin-openid issue 6,
	// github.com/decioferreira/omniauth-linkedin-oauth2 issue 81); shape of
	// https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling
	LinkedInRevoked = `{"status":401,"serviceErrorCode":65601,"code":"REVOKED_ACCESS_TOKEN","message":"The token used in the request has been revoked by the user"}`

	// LinkedInInvalid is the 401 for a token LinkedIn does not know
	// (github.com/xcarpentier/react-native-linkedin issue 80, "exactly as
	// the documentation shows").
	LinkedInInvalid = `{"serviceErrorCode":65600,"message":"Invalid access token","status":401}`

	// LinkedInExpired is the 401 for an access token past its 60 days. The
	// error-handling page lists "Expired access token" among the 401 cases;
	// the code word follows the REVOKED_ACCESS_TOKEN answer's pattern.
	LinkedInExpired = `{"status":401,"serviceErrorCode":65602,"code":"EXPIRED_ACCESS_TOKEN","message":"The token used in the request has expired"}`

	// LinkedInAccessDenied is the 403 when the token lacks a permission the
	// call needs (error-handling page, 403 Forbidden: "Not enough
	// permissions to access").
	LinkedInAccessDenied = `{"status":403,"serviceErrorCode":100,"code":"ACCESS_DENIED","message":"Not enough permissions to access: partnerApiPostsExternal.CREATE.20260101"}`

	// LinkedInThrottled is the 429 of
	// https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/rate-limits
	// (daily limits, reset at midnight UTC).
	LinkedInThrottled = `{"message":"Resource level throttle APPLICATION DAY limit for calls to this resource is reached.","status":429}`

	// LinkedInVersionSunset is the 426 for a LinkedIn-Version no longer served
	// (Posts API: "All APIs require the request header LinkedIn-Version").
	LinkedInVersionSunset = `{"status":426,"code":"NONEXISTENT_VERSION","message":"Requested version 20230101 is not active"}`

	// LinkedInServerError is a 500 in LinkedIn's error shape.
	LinkedInServerError = `{"message":"Internal Server Error","status":500}`
)

// LinkedInTokenLifetime and LinkedInRefreshLifetime are the documented
// lives: 60 days and a year
// (https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens).
const (
	LinkedInTokenLifetime   = 5184000
	LinkedInRefreshLifetime = 31536000
)

// LinkedInServer answers as LinkedIn's OAuth 2.0 endpoints, userinfo and
// the Posts API do.
type LinkedInServer struct {
	*base
	// Refresh: the app is approved for programmatic refresh tokens.
	Refresh bool
	// Version is the LinkedIn-Version the server serves; others get 426.
	Version    string
	posts      []map[string]any
	refreshEnd map[string]time.Time
	// timeline is the member's posts, commentary as LinkedIn keeps it.
	timeline timeline
}

// NewLinkedIn starts a LinkedIn server whose app has redirectURI
// registered.
func NewLinkedIn(t testing.TB, redirectURI string, refresh bool) *LinkedInServer {
	s := &LinkedInServer{base: newBase(t, "linkedin"), Refresh: refresh, Version: "202601", refreshEnd: map[string]time.Time{}}
	s.RedirectURIs = []string{redirectURI}
	s.user = "782bbtaQ"
	s.mux.HandleFunc("GET /oauth/v2/authorization", func(w http.ResponseWriter, r *http.Request) { s.authorize(w, r, "") })
	s.mux.HandleFunc("POST /oauth/v2/accessToken", s.token)
	s.mux.HandleFunc("GET /v2/userinfo", s.userinfo)
	s.mux.HandleFunc("POST /rest/posts", s.post)
	s.mux.HandleFunc("GET /rest/posts", s.postsByAuthor)
	return s
}

// AuthURL and TokenURL are LinkedIn's OAuth 2.0 endpoints on this server.
func (s *LinkedInServer) AuthURL() string  { return s.URL + "/oauth/v2/authorization" }
func (s *LinkedInServer) TokenURL() string { return s.URL + "/oauth/v2/accessToken" }

// Posts are the Posts API bodies received.
func (s *LinkedInServer) Posts() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.posts...)
}

// token is POST /oauth/v2/accessToken with client_id and client_secret in
// the form, answering as the authorization code flow page shows:
// {"access_token":"...","expires_in":5184000,"scope":"..."} plus
// refresh_token and refresh_token_expires_in for approved apps. A refresh
// keeps the refresh token and its end date.
func (s *LinkedInServer) token(w http.ResponseWriter, r *http.Request) {
	if r.PostForm.Get("client_id") != s.ClientID || r.PostForm.Get("client_secret") != s.ClientSecret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "Client authentication failed"})
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		cd, bad := s.redeem(s.ClientID, r.PostForm.Get("code"), r.PostForm.Get("redirect_uri"), r.PostForm.Get("code_verifier"))
		if bad != "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request",
				"error_description": "Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code. Or authorization code expired."})
			return
		}
		access, refresh := s.issue(cd.user, cd.scope, s.ClientID, s.Refresh, nil)
		body := map[string]any{"access_token": access, "expires_in": LinkedInTokenLifetime, "scope": "openid,profile,w_member_social", "token_type": "Bearer", "id_token": "eyJ.test.token"}
		if refresh != "" {
			end := s.Now().Add(LinkedInRefreshLifetime * time.Second)
			s.mu.Lock()
			s.refreshEnd[refresh] = end
			s.mu.Unlock()
			body["refresh_token"] = refresh
			body["refresh_token_expires_in"] = LinkedInRefreshLifetime
		}
		writeJSON(w, http.StatusOK, body)
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		s.mu.Lock()
		g, ok := s.refresh[rt]
		end := s.refreshEnd[rt]
		s.mu.Unlock()
		if !ok || s.dead(g) || !s.Now().Before(end) {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "The provided refresh token is invalid"})
			return
		}
		access, _ := s.issue(g.user, g.scope, s.ClientID, false, g.family)
		writeJSON(w, http.StatusOK, map[string]any{"access_token": access, "expires_in": LinkedInTokenLifetime,
			"refresh_token": rt, "refresh_token_expires_in": int(end.Sub(s.Now()).Seconds()), "scope": "openid,profile,w_member_social"})
	default:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
	}
}

func (s *LinkedInServer) lost(w http.ResponseWriter, r *http.Request) bool {
	g := s.bearer(r)
	st := s.currentState()
	switch {
	case st == Revoked, g != nil && s.dead(g):
		write(w, Answer{Status: http.StatusUnauthorized, Body: LinkedInRevoked})
	case st == Invalid, g == nil:
		write(w, Answer{Status: http.StatusUnauthorized, Body: LinkedInInvalid})
	case st == Expired:
		write(w, Answer{Status: http.StatusUnauthorized, Body: LinkedInExpired})
	case st == ScopeLost:
		write(w, Answer{Status: http.StatusForbidden, Body: LinkedInAccessDenied})
	case st == RateLimited:
		write(w, Answer{Status: http.StatusTooManyRequests, Body: LinkedInThrottled})
	case st == Down:
		write(w, Answer{Status: http.StatusInternalServerError, Body: LinkedInServerError})
	default:
		return true
	}
	return false
}

func (s *LinkedInServer) userinfo(w http.ResponseWriter, r *http.Request) {
	if !s.lost(w, r) {
		return
	}
	write(w, Answer{Body: LinkedInUserinfo})
}

// post is POST /rest/posts: 201 Created, no body, the new post's URN in
// x-restli-id (Posts API, "Create a Post"). The versioned API wants
// LinkedIn-Version and X-Restli-Protocol-Version: 2.0.0.
func (s *LinkedInServer) post(w http.ResponseWriter, r *http.Request) {
	if !s.lost(w, r) {
		return
	}
	if r.Header.Get("X-Restli-Protocol-Version") != "2.0.0" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"status": 400, "message": "Restli protocol version 2.0.0 is required"})
		return
	}
	if v := r.Header.Get("LinkedIn-Version"); v != s.Version {
		write(w, Answer{Status: http.StatusUpgradeRequired, Body: LinkedInVersionSunset})
		return
	}
	var body map[string]any
	if json.Unmarshal(rawBody(r), &body) != nil || body["author"] != "urn:li:person:782bbtaQ" || body["commentary"] == nil ||
		body["lifecycleState"] != "PUBLISHED" || body["visibility"] == nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"status": 422, "message": "ERROR :: /author :: is not a valid urn"})
		return
	}
	s.mu.Lock()
	s.posts = append(s.posts, body)
	id := fmt.Sprintf("urn:li:share:68447855235931340%02d", len(s.posts))
	s.mu.Unlock()
	commentary, _ := body["commentary"].(string)
	s.timeline.add(id, littleHashtags.ReplaceAllString(commentary, `$1{hashtag|\#|$2}`), s.Now())
	write(w, Answer{Status: http.StatusCreated, Header: map[string]string{"x-restli-id": id}})
}

// littleHashtags finds the hashtags of a commentary ("#word" after a
// space or at the start; "\#" is an escaped, plain "#"): LinkedIn keeps
// each as little text's HashtagElement, {hashtag|\#|word}
// (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/little-text-format).
var littleHashtags = regexp.MustCompile(`(^|[^\\\w])#(\w+)`)

// AddPost puts a post made at at on the member's profile, its commentary
// in little text as LinkedIn keeps it, as if posted elsewhere, and returns
// its URN.
func (s *LinkedInServer) AddPost(commentary string, at time.Time) string {
	id := fmt.Sprintf("urn:li:share:7000000000000%06d", s.timeline.count()+1)
	s.timeline.add(id, commentary, at)
	return id
}

// postsByAuthor is the Posts API's author finder, GET /rest/posts?q=author
// &author={urn}&count=&start=&sortBy= (Posts API, "Find Posts by Authors"):
// the author's posts, newest first, count of them (default 10, at most
// 100) from start, as {"paging":{"start","count","links"},"elements":[...]}
// with a rel "next" link while more remain; each element the post as
// created, createdAt in epoch milliseconds.
func (s *LinkedInServer) postsByAuthor(w http.ResponseWriter, r *http.Request) {
	if !s.lost(w, r) {
		return
	}
	if r.Header.Get("X-Restli-Protocol-Version") != "2.0.0" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"status": 400, "message": "Restli protocol version 2.0.0 is required"})
		return
	}
	if v := r.Header.Get("LinkedIn-Version"); v != s.Version {
		write(w, Answer{Status: http.StatusUpgradeRequired, Body: LinkedInVersionSunset})
		return
	}
	q := r.URL.Query()
	if q.Get("q") != "author" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"status": 400, "message": "Finder q=" + q.Get("q") + " is not supported"})
		return
	}
	author := "urn:li:person:" + s.user
	if q.Get("author") != author {
		writeJSON(w, http.StatusForbidden, map[string]any{"status": 403, "serviceErrorCode": 100, "code": "ACCESS_DENIED",
			"message": "Not enough permissions to access: partnerApiPostsExternal.FINDER-author." + s.Version})
		return
	}
	if sortBy := q.Get("sortBy"); sortBy != "" && sortBy != "CREATED" && sortBy != "LAST_MODIFIED" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"status": 400, "message": "Invalid sortBy " + sortBy})
		return
	}
	count, start := 10, 0
	if v := q.Get("count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"status": 400, "message": "Invalid count " + v})
			return
		}
		count = n
	}
	if v := q.Get("start"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"status": 400, "message": "Invalid start " + v})
			return
		}
		start = n
	}
	list, more := s.timeline.newest(time.Time{}, start, count)
	elements := make([]map[string]any, 0, len(list))
	for _, p := range list {
		ms := p.At.UnixMilli()
		elements = append(elements, map[string]any{
			"id": p.ID, "author": author, "commentary": p.Text, "visibility": "PUBLIC",
			"createdAt": ms, "publishedAt": ms, "lastModifiedAt": ms, "lifecycleState": "PUBLISHED",
			"lifecycleStateInfo":        map[string]any{"isEditedByAuthor": false},
			"distribution":              map[string]any{"feedDistribution": "MAIN_FEED", "targetEntities": []any{}, "thirdPartyDistributionChannels": []any{}},
			"isReshareDisabledByAuthor": false,
		})
	}
	links := []map[string]string{}
	if more {
		next := r.URL.Query()
		next.Set("start", strconv.Itoa(start+count))
		links = append(links, map[string]string{"type": "application/json", "rel": "next", "href": "/rest/posts?" + next.Encode()})
	}
	writeJSON(w, http.StatusOK, map[string]any{"paging": map[string]any{"start": start, "count": count, "links": links}, "elements": elements})
}
