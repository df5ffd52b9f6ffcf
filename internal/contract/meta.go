package contract

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Graph API errors, in the shape of
// https://developers.facebook.com/docs/graph-api/guides/error-handling
// ({"error":{"message","type","code","error_subcode","fbtrace_id"}}), with
// the codes and subcodes its tables list. Facebook, Instagram and Threads
// answer alike.
var (
	// GraphAppRemoved: subcode 458, "App Not Installed: The user has not
	// logged into your app. Reauthenticate the user."
	GraphAppRemoved = graphErr(190, 458, "Error validating access token: The user has not authorized application 1234567890123456.")
	// GraphCheckpoint: subcode 459, "User Checkpointed: The user needs to
	// log in at https://www.facebook.com or https://m.facebook.com to
	// correct an issue."
	GraphCheckpoint = graphErr(190, 459, "Error validating access token: You cannot access the app till you log in to www.facebook.com and follow the instructions given.")
	// GraphPasswordChanged: subcode 460, "Password Changed".
	GraphPasswordChanged = graphErr(190, 460, "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.")
	// GraphExpired: subcode 463, "Expired: Login status or access token has
	// expired, been revoked, or is otherwise invalid."
	GraphExpired = graphErr(190, 463, "Error validating access token: Session has expired on Tuesday, 03-Mar-26 20:00:00 PST. The current time is Wednesday, 04-Mar-26 04:00:00 PST.")
	// GraphInvalidToken: subcode 467, "Invalid access token: Access token
	// has expired, been revoked, or is otherwise invalid."
	GraphInvalidToken = graphErr(190, 467, "Error validating access token: Access token has expired, been revoked, or is otherwise invalid.")
	// GraphUnknownToken: code 190 without a subcode, a token Meta cannot
	// read at all.
	GraphUnknownToken = graphErr(190, 0, "Invalid OAuth access token - Cannot parse access token")
	// GraphPermission: code 200, "API Permissions: Permission is either not
	// granted or has been removed."
	GraphPermission = `{"error":{"message":"(#200) The user hasn't authorized the application to perform this action","type":"OAuthException","code":200,"fbtrace_id":"A1b2C3d4E5f"}}`
	// GraphPermissionDenied: code 10, "API Permission Denied".
	GraphPermissionDenied = `{"error":{"message":"(#10) Application does not have permission for this action","type":"OAuthException","code":10,"fbtrace_id":"A1b2C3d4E5f"}}`
	// GraphAppRateLimit: code 4, "API Too Many Calls".
	GraphAppRateLimit = `{"error":{"message":"(#4) Application request limit reached","type":"OAuthException","is_transient":true,"code":4,"fbtrace_id":"A1b2C3d4E5f"}}`
	// GraphUserRateLimit: code 17, "API User Too Many Calls".
	GraphUserRateLimit = `{"error":{"message":"(#17) User request limit reached","type":"OAuthException","is_transient":true,"code":17,"error_subcode":2446079,"fbtrace_id":"A1b2C3d4E5f"}}`
	// GraphPageRateLimit: code 32, page-level throttling; the wait is in
	// X-Business-Use-Case-Usage
	// (https://developers.facebook.com/docs/graph-api/overview/rate-limiting).
	GraphPageRateLimit = `{"error":{"message":"(#32) Page request limit reached","type":"OAuthException","code":32,"fbtrace_id":"A1b2C3d4E5f"}}`
	// GraphHourlyLimit: code 613, "Calls within one hour exceeded".
	GraphHourlyLimit = `{"error":{"message":"(#613) Calls to this api have exceeded the rate limit.","type":"OAuthException","code":613,"fbtrace_id":"A1b2C3d4E5f"}}`
	// GraphUnknown: code 1, "API Unknown: possibly a temporary issue due to
	// downtime. Wait and retry the operation."
	GraphUnknown = `{"error":{"message":"An unknown error has occurred.","type":"OAuthException","is_transient":true,"code":1,"fbtrace_id":"A1b2C3d4E5f"}}`
	// GraphDuplicate: code 506, "Duplicate Post".
	GraphDuplicate = `{"error":{"message":"(#506) Duplicate status message","type":"OAuthException","code":506,"error_subcode":1455006,"fbtrace_id":"A1b2C3d4E5f"}}`
	// GraphBadCode is the token endpoint's answer to a code used twice, for
	// another redirect URI, or without the right PKCE verifier.
	GraphBadCode = `{"error":{"message":"This authorization code has been used.","type":"OAuthException","code":100,"error_subcode":36009,"fbtrace_id":"A1b2C3d4E5f"}}`
	// GraphBadClient is the token endpoint's answer to a wrong app secret.
	GraphBadClient = `{"error":{"message":"Error validating client secret.","type":"OAuthException","code":1,"error_subcode":1349150,"fbtrace_id":"A1b2C3d4E5f"}}`
)

// InstagramPublishLimit is code 9 subcode 2207042, the content publishing
// limit (100 posts in 24 hours,
// https://developers.facebook.com/docs/instagram-platform/content-publishing).
var InstagramPublishLimit = `{"error":{"message":"Application request limit reached","type":"OAuthException","is_transient":false,"code":9,"error_subcode":2207042,"error_user_title":"Cannot publish posts","error_user_msg":"You have reached the maximum number of posts that is allowed to be published by Content Publishing API.","fbtrace_id":"A1b2C3d4E5f"}}`

// InstagramNotReady is code 9007 subcode 2207027: the container is not
// ready to publish yet.
var InstagramNotReady = `{"error":{"message":"Media ID is not available","type":"OAuthException","is_transient":false,"code":9007,"error_subcode":2207027,"error_user_title":"The media is not ready for publishing, please wait for a moment","error_user_msg":"The media is not ready for publishing, please wait for a moment","fbtrace_id":"A1b2C3d4E5f"}}`

func graphErr(code, subcode int, msg string) string {
	e := map[string]any{"message": msg, "type": "OAuthException", "code": code, "fbtrace_id": "A1b2C3d4E5f"}
	if subcode != 0 {
		e["error_subcode"] = subcode
	}
	b, _ := json.Marshal(map[string]any{"error": e})
	return string(b)
}

// LongLivedLifetime is the expires_in Meta gives long-lived tokens
// ("expires_in": 5183944 in
// https://developers.facebook.com/docs/instagram-platform/reference/refresh_access_token).
const LongLivedLifetime = 5183944

// meta is what the three Meta servers share.
type meta struct {
	*base
	bucWait int // minutes in X-Business-Use-Case-Usage on page limits
}

// graphLost answers an API call per the token and state; ok says to go on.
func (m *meta) graphLost(w http.ResponseWriter, r *http.Request) (*grant, bool) {
	g := m.bearer(r)
	st := m.currentState()
	if g == nil && st == OK {
		write(w, Answer{Status: http.StatusBadRequest, Body: GraphUnknownToken})
		return nil, false
	}
	if st == OK && m.dead(g) {
		write(w, Answer{Status: http.StatusBadRequest, Body: GraphAppRemoved})
		return nil, false
	}
	switch st {
	case Revoked:
		write(w, Answer{Status: http.StatusBadRequest, Body: GraphAppRemoved})
	case PasswordChanged:
		write(w, Answer{Status: http.StatusBadRequest, Body: GraphPasswordChanged})
	case Expired:
		write(w, Answer{Status: http.StatusBadRequest, Body: GraphExpired})
	case Invalid:
		write(w, Answer{Status: http.StatusBadRequest, Body: GraphInvalidToken})
	case Checkpoint:
		write(w, Answer{Status: http.StatusBadRequest, Body: GraphCheckpoint})
	case ScopeLost:
		write(w, Answer{Status: http.StatusForbidden, Body: GraphPermission})
	case RateLimited:
		usage := fmt.Sprintf(`{"1234567890":[{"type":"pages","call_count":100,"total_cputime":25,"total_time":25,"estimated_time_to_regain_access":%d}]}`, m.bucWait)
		write(w, Answer{Status: http.StatusBadRequest, Body: GraphPageRateLimit, Header: map[string]string{"X-Business-Use-Case-Usage": usage}})
	case Down:
		write(w, Answer{Status: http.StatusInternalServerError, Body: GraphUnknown})
	default:
		return g, true
	}
	return nil, false
}

// exchangeCode is the code-for-token step Meta documents (client_id,
// client_secret, grant_type=authorization_code, redirect_uri, code).
func (m *meta) exchangeCode(w http.ResponseWriter, r *http.Request) (*code, bool) {
	if param(r, "client_id") != m.ClientID || param(r, "client_secret") != m.ClientSecret {
		write(w, Answer{Status: http.StatusBadRequest, Body: GraphBadClient})
		return nil, false
	}
	cd, bad := m.redeem(m.ClientID, param(r, "code"), param(r, "redirect_uri"), param(r, "code_verifier"))
	if bad != "" {
		write(w, Answer{Status: http.StatusBadRequest, Body: GraphBadCode})
		return nil, false
	}
	return cd, true
}

// longLived trades a valid short-lived token (param name in) for a
// long-lived one, checking the app secret when secret is true.
func (m *meta) longLived(w http.ResponseWriter, r *http.Request, in string, secret bool) {
	if secret && param(r, "client_secret") != m.ClientSecret {
		write(w, Answer{Status: http.StatusBadRequest, Body: GraphBadClient})
		return
	}
	m.mu.Lock()
	g, ok := m.access[param(r, in)]
	m.mu.Unlock()
	if !ok || m.dead(g) {
		write(w, Answer{Status: http.StatusBadRequest, Body: GraphInvalidToken})
		return
	}
	access, _ := m.issue(g.user, "long", g.clientID, false, g.family)
	writeJSON(w, http.StatusOK, map[string]any{"access_token": access, "token_type": "bearer", "expires_in": LongLivedLifetime})
}

// refreshLong is GET /refresh_access_token (Instagram, Threads): a valid
// long-lived token at least 24 hours old gets a fresh 60 days.
func (m *meta) refreshLong(w http.ResponseWriter, r *http.Request, grantType string) {
	if param(r, "grant_type") != grantType {
		write(w, Answer{Status: http.StatusBadRequest, Body: graphErr(100, 0, "Unsupported grant_type")})
		return
	}
	g, ok := m.graphLost(w, r)
	if !ok {
		return
	}
	if g.scope != "long" {
		write(w, Answer{Status: http.StatusBadRequest, Body: GraphInvalidToken})
		return
	}
	if m.Now().Sub(g.issued) < 24*time.Hour {
		// Meta documents the rule ("at least 24 hours old") but not its
		// answer: modelled as a plain Graph parameter error.
		write(w, Answer{Status: http.StatusBadRequest, Body: graphErr(100, 0, "Tokens must be at least 24 hours old to be refreshed")})
		return
	}
	access, _ := m.issue(g.user, "long", g.clientID, false, g.family)
	writeJSON(w, http.StatusOK, map[string]any{"access_token": access, "token_type": "bearer", "expires_in": LongLivedLifetime})
}

// FacebookServer answers as Facebook Login and the Graph API do for Pages.
type FacebookServer struct {
	*meta
	// Version is the Graph API version path segment ("v23.0").
	Version string
	// Pages are the Pages the person manages.
	Pages []FacebookPage
	// PageSize splits /me/accounts into pages of this many entries.
	PageSize int
	posts    []string
	timeline timeline // the first Page's posts
}

// FacebookPage is one Page the person manages.
type FacebookPage struct {
	ID, Name, Category string
	Tasks              []string
}

// FacebookUser is who signs in.
const FacebookUser = "10215241773831025"

// NewFacebook starts a Facebook server whose app has redirectURI
// registered.
func NewFacebook(t testing.TB, redirectURI string) *FacebookServer {
	s := &FacebookServer{meta: &meta{base: newBase(t, "facebook"), bucWait: 15}, Version: "v23.0", PageSize: 25}
	s.RedirectURIs = []string{redirectURI}
	s.user = "user:" + FacebookUser
	s.Pages = []FacebookPage{
		{ID: "1234567890", Name: "Ana's Bakery", Category: "Bakery", Tasks: []string{"ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"}},
		{ID: "2345678901", Name: "Ana Reads", Category: "Book", Tasks: []string{"ANALYZE"}},
	}
	v := "/" + s.Version
	// Facebook appends "#_=_" to the redirect after login.
	s.mux.HandleFunc("GET "+v+"/dialog/oauth", func(w http.ResponseWriter, r *http.Request) { s.authorize(w, r, "#_=_") })
	s.mux.HandleFunc(v+"/oauth/access_token", s.token)
	s.mux.HandleFunc("GET "+v+"/me", s.me)
	s.mux.HandleFunc("GET "+v+"/me/accounts", s.accounts)
	s.mux.HandleFunc("POST "+v+"/{page}/feed", s.feed)
	s.mux.HandleFunc("GET "+v+"/{page}/published_posts", s.publishedPosts)
	return s
}

// AuthURL is the Login dialog; GraphBase the versioned Graph root.
func (s *FacebookServer) AuthURL() string   { return s.URL + "/" + s.Version + "/dialog/oauth" }
func (s *FacebookServer) GraphBase() string { return s.URL + "/" + s.Version }

// Posts are the messages posted to Page feeds.
func (s *FacebookServer) Posts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.posts...)
}

// token is /oauth/access_token: the code exchange gives a short-lived user
// token, grant_type=fb_exchange_token a long-lived one
// (https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived:
// {"access_token":"...","token_type":"bearer","expires_in":5183944}).
func (s *FacebookServer) token(w http.ResponseWriter, r *http.Request) {
	if param(r, "grant_type") == "fb_exchange_token" {
		if param(r, "client_id") != s.ClientID {
			write(w, Answer{Status: http.StatusBadRequest, Body: GraphBadClient})
			return
		}
		s.longLived(w, r, "fb_exchange_token", true)
		return
	}
	cd, ok := s.exchangeCode(w, r)
	if !ok {
		return
	}
	access, _ := s.issue(cd.user, "short", s.ClientID, false, nil)
	writeJSON(w, http.StatusOK, map[string]any{"access_token": access, "token_type": "bearer", "expires_in": 5400})
}

// me is GET /me: the user with a user token, the Page with a Page token.
func (s *FacebookServer) me(w http.ResponseWriter, r *http.Request) {
	g, ok := s.graphLost(w, r)
	if !ok {
		return
	}
	if id, isPage := strings.CutPrefix(g.user, "page:"); isPage {
		for _, p := range s.Pages {
			if p.ID == id {
				writeJSON(w, http.StatusOK, map[string]string{"id": p.ID, "name": p.Name})
				return
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": strings.TrimPrefix(g.user, "user:"), "name": "Ana Example"})
}

// accounts is GET /me/accounts, the Pages with their Page tokens, paged
// with cursors and a "next" URL as
// https://developers.facebook.com/docs/pages-api/getting-started shows.
func (s *FacebookServer) accounts(w http.ResponseWriter, r *http.Request) {
	g, ok := s.graphLost(w, r)
	if !ok {
		return
	}
	if !strings.HasPrefix(g.user, "user:") {
		write(w, Answer{Status: http.StatusBadRequest, Body: graphErr(100, 33, "(#100) Tried accessing nonexisting field (accounts) on node type (Page)")})
		return
	}
	from := 0
	fmt.Sscan(r.URL.Query().Get("after"), &from)
	var data []map[string]any
	end := min(from+s.PageSize, len(s.Pages))
	for _, p := range s.Pages[from:end] {
		tok, _ := s.issue("page:"+p.ID, "page", g.clientID, false, g.family)
		data = append(data, map[string]any{
			"access_token": tok, "category": p.Category, "name": p.Name, "id": p.ID, "tasks": p.Tasks,
			"category_list": []map[string]string{{"id": "2200", "name": p.Category}},
		})
	}
	paging := map[string]any{"cursors": map[string]string{"before": fmt.Sprint(from), "after": fmt.Sprint(end)}}
	if end < len(s.Pages) {
		q := r.URL.Query()
		q.Set("after", fmt.Sprint(end))
		paging["next"] = s.URL + r.URL.Path + "?" + q.Encode()
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "paging": paging})
}

// feed is POST /{page-id}/feed with a Page token: {"id":"{page-id}_{post-id}"}
// (https://developers.facebook.com/docs/pages-api/posts).
func (s *FacebookServer) feed(w http.ResponseWriter, r *http.Request) {
	g, ok := s.graphLost(w, r)
	if !ok {
		return
	}
	page := r.PathValue("page")
	if g.user != "page:"+page {
		write(w, Answer{Status: http.StatusForbidden, Body: GraphPermission})
		return
	}
	msg := param(r, "message")
	s.mu.Lock()
	for _, p := range s.posts {
		if p == msg {
			s.mu.Unlock()
			write(w, Answer{Status: http.StatusBadRequest, Body: GraphDuplicate})
			return
		}
	}
	s.posts = append(s.posts, msg)
	n := len(s.posts)
	s.mu.Unlock()
	id := fmt.Sprintf("%s_98765432%02d", page, n)
	s.timeline.add(id, msg, s.Now())
	writeJSON(w, http.StatusOK, map[string]string{"id": id})
}

// AddPost puts a post made at at on the first Page, as if made elsewhere,
// and returns its id.
func (s *FacebookServer) AddPost(text string, at time.Time) string {
	id := fmt.Sprintf("%s_1111111%04d", s.Pages[0].ID, s.timeline.count()+1)
	s.timeline.add(id, text, at)
	return id
}

// publishedPosts is GET /{page-id}/published_posts with the Page's token:
// the Page's own posts, newest first, with id, message, created_time and
// permalink_url among the fields, since taken
// (https://developers.facebook.com/docs/graph-api/reference/page/published_posts/).
func (s *FacebookServer) publishedPosts(w http.ResponseWriter, r *http.Request) {
	g, ok := s.graphLost(w, r)
	if !ok {
		return
	}
	if g.user != "page:"+r.PathValue("page") || r.PathValue("page") != s.Pages[0].ID {
		write(w, Answer{Status: http.StatusForbidden, Body: GraphPermission})
		return
	}
	graphPosts(w, r, s.URL, &s.timeline, true, func(p timelinePost) map[string]any {
		return map[string]any{"id": p.ID, "message": p.Text, "created_time": p.At.UTC().Format(graphTime),
			"permalink_url": "https://www.facebook.com/" + p.ID}
	})
}

// InstagramServer answers as the Instagram API with Instagram Login does.
type InstagramServer struct {
	*meta
	Version string
	// DataArray answers the code exchange wrapped in {"data":[...]}, as the
	// Business Login page shows it; otherwise flat, as the
	// /oauth/access_token reference shows it.
	DataArray  bool
	containers map[string]string
	published  []string
	timeline   timeline
}

// InstagramUserID is the professional account's id (larger than a float64
// holds exactly, as real ones are).
const InstagramUserID = "17841405793187218"

// NewInstagram starts an Instagram server whose app has redirectURI
// registered.
func NewInstagram(t testing.TB, redirectURI string) *InstagramServer {
	s := &InstagramServer{meta: &meta{base: newBase(t, "instagram"), bucWait: 15}, Version: "v23.0", containers: map[string]string{}}
	s.RedirectURIs = []string{redirectURI}
	s.user = InstagramUserID
	v := "/" + s.Version
	// "Note that we append #_ to the end of the redirect URI"
	// (https://developers.facebook.com/docs/instagram-platform/reference/oauth-authorize).
	s.mux.HandleFunc("GET /oauth/authorize", func(w http.ResponseWriter, r *http.Request) { s.authorize(w, r, "#_") })
	s.mux.HandleFunc("POST /oauth/access_token", s.token)
	s.mux.HandleFunc("GET /access_token", func(w http.ResponseWriter, r *http.Request) {
		if param(r, "grant_type") != "ig_exchange_token" {
			write(w, Answer{Status: http.StatusBadRequest, Body: graphErr(100, 0, "Unsupported grant_type")})
			return
		}
		s.longLived(w, r, "access_token", true)
	})
	s.mux.HandleFunc("GET /refresh_access_token", func(w http.ResponseWriter, r *http.Request) { s.refreshLong(w, r, "ig_refresh_token") })
	s.mux.HandleFunc("GET "+v+"/me", s.me)
	s.mux.HandleFunc("POST "+v+"/{user}/media", s.media)
	s.mux.HandleFunc("POST "+v+"/{user}/media_publish", s.publish)
	s.mux.HandleFunc("GET "+v+"/{user}/media", s.listMedia)
	s.mux.HandleFunc("GET "+v+"/{media}", s.permalink)
	return s
}

// AuthURL, TokenURL and GraphBase (unversioned; the API is under
// GraphBase()+"/"+Version).
func (s *InstagramServer) AuthURL() string   { return s.URL + "/oauth/authorize" }
func (s *InstagramServer) TokenURL() string  { return s.URL + "/oauth/access_token" }
func (s *InstagramServer) GraphBase() string { return s.URL }

// Published are the captions of published media.
func (s *InstagramServer) Published() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.published...)
}

// token is POST /oauth/access_token: {"access_token":"...","user_id":
// 17841405793187218,"permissions":"..."}
// (https://developers.facebook.com/docs/instagram-platform/reference/oauth-access-token).
func (s *InstagramServer) token(w http.ResponseWriter, r *http.Request) {
	if param(r, "grant_type") != "authorization_code" {
		write(w, Answer{Status: http.StatusBadRequest, Body: graphErr(100, 0, "Unsupported grant_type")})
		return
	}
	cd, ok := s.exchangeCode(w, r)
	if !ok {
		return
	}
	access, _ := s.issue(cd.user, "short", s.ClientID, false, nil)
	entry := fmt.Sprintf(`{"access_token":%q,"user_id":%s,"permissions":"instagram_business_basic,instagram_business_content_publish"}`, access, cd.user)
	if s.DataArray {
		entry = `{"data":[` + entry + `]}`
	}
	write(w, Answer{Body: entry})
}

// me is GET /me?fields=user_id,username,name,profile_picture_url
// (https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/get-started).
func (s *InstagramServer) me(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.graphLost(w, r); !ok {
		return
	}
	write(w, Answer{Body: `{"user_id":"` + InstagramUserID + `","username":"anas.bakery","name":"Ana's Bakery","profile_picture_url":"https://scontent.cdninstagram.com/v/t51/ana.jpg","id":"7590123456789012"}`})
}

// media is POST /{ig-user-id}/media (image_url, caption): a container
// (https://developers.facebook.com/docs/instagram-platform/content-publishing:
// {"id":"<IG_CONTAINER_ID>"}).
func (s *InstagramServer) media(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.graphLost(w, r); !ok {
		return
	}
	if r.PathValue("user") != InstagramUserID {
		write(w, Answer{Status: http.StatusBadRequest, Body: graphErr(100, 33, "Unsupported post request.")})
		return
	}
	if param(r, "image_url") == "" && param(r, "video_url") == "" {
		write(w, Answer{Status: http.StatusBadRequest, Body: graphErr(100, 0, "The parameter image_url is required")})
		return
	}
	s.mu.Lock()
	id := fmt.Sprintf("178894555600514%02d", len(s.containers)+1)
	s.containers[id] = param(r, "caption")
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"id": id})
}

// publish is POST /{ig-user-id}/media_publish (creation_id): {"id":"<IG_MEDIA_ID>"}.
func (s *InstagramServer) publish(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.graphLost(w, r); !ok {
		return
	}
	s.mu.Lock()
	caption, ok := s.containers[param(r, "creation_id")]
	if ok {
		delete(s.containers, param(r, "creation_id"))
		s.published = append(s.published, caption)
	}
	n := len(s.published)
	s.mu.Unlock()
	if !ok {
		write(w, Answer{Status: http.StatusBadRequest, Body: InstagramNotReady})
		return
	}
	id := fmt.Sprintf("179202384220305%02d", n)
	s.timeline.add(id, caption, s.Now())
	writeJSON(w, http.StatusOK, map[string]string{"id": id})
}

// AddPost puts media with caption made at at on the profile, as if
// published elsewhere, and returns its id.
func (s *InstagramServer) AddPost(caption string, at time.Time) string {
	id := fmt.Sprintf("1790000000%07d", s.timeline.count()+1)
	s.timeline.add(id, caption, at)
	return id
}

// listMedia is GET /{ig-user-id}/media: the profile's media, newest first,
// with id, caption, timestamp and permalink among the fields
// (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media).
func (s *InstagramServer) listMedia(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.graphLost(w, r); !ok {
		return
	}
	if r.PathValue("user") != InstagramUserID {
		write(w, Answer{Status: http.StatusBadRequest, Body: graphErr(100, 33, "Unsupported get request.")})
		return
	}
	graphPosts(w, r, s.URL, &s.timeline, false, func(p timelinePost) map[string]any {
		return map[string]any{"id": p.ID, "caption": p.Text, "timestamp": p.At.UTC().Format(graphTime),
			"permalink": "https://www.instagram.com/p/DAbc" + p.ID[max(0, len(p.ID)-4):] + "/", "media_type": "IMAGE"}
	})
}

func (s *InstagramServer) permalink(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.graphLost(w, r); !ok {
		return
	}
	id := r.PathValue("media")
	writeJSON(w, http.StatusOK, map[string]string{"permalink": "https://www.instagram.com/p/DAbc" + id[max(0, len(id)-4):] + "/", "id": id})
}

// ThreadsServer answers as the Threads API does.
type ThreadsServer struct {
	*meta
	Version    string
	containers map[string]string
	published  []string
	timeline   timeline
}

// ThreadsUserID is the Threads user who signs in.
const ThreadsUserID = "1234567890123456"

// NewThreads starts a Threads server whose app has redirectURI registered.
func NewThreads(t testing.TB, redirectURI string) *ThreadsServer {
	s := &ThreadsServer{meta: &meta{base: newBase(t, "threads"), bucWait: 15}, Version: "v1.0", containers: map[string]string{}}
	s.RedirectURIs = []string{redirectURI}
	s.user = ThreadsUserID
	v := "/" + s.Version
	// "#_ will be appended to the end of the redirect URI"
	// (https://developers.facebook.com/docs/threads/get-started/get-access-tokens-and-permissions).
	s.mux.HandleFunc("GET /oauth/authorize", func(w http.ResponseWriter, r *http.Request) { s.authorize(w, r, "#_") })
	s.mux.HandleFunc("POST /oauth/access_token", s.token)
	s.mux.HandleFunc("GET /access_token", func(w http.ResponseWriter, r *http.Request) {
		if param(r, "grant_type") != "th_exchange_token" {
			write(w, Answer{Status: http.StatusBadRequest, Body: graphErr(100, 0, "Unsupported grant_type")})
			return
		}
		s.longLived(w, r, "access_token", true)
	})
	s.mux.HandleFunc("GET /refresh_access_token", func(w http.ResponseWriter, r *http.Request) { s.refreshLong(w, r, "th_refresh_token") })
	s.mux.HandleFunc("GET "+v+"/me", s.me)
	s.mux.HandleFunc("POST "+v+"/{user}/threads", s.container)
	s.mux.HandleFunc("POST "+v+"/{user}/threads_publish", s.publish)
	s.mux.HandleFunc("GET "+v+"/{user}/threads", s.listThreads)
	s.mux.HandleFunc("GET "+v+"/{media}", s.permalink)
	return s
}

// AuthURL, TokenURL and GraphBase (unversioned).
func (s *ThreadsServer) AuthURL() string   { return s.URL + "/oauth/authorize" }
func (s *ThreadsServer) TokenURL() string  { return s.URL + "/oauth/access_token" }
func (s *ThreadsServer) GraphBase() string { return s.URL }

// Published are the texts of published posts.
func (s *ThreadsServer) Published() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.published...)
}

// token is POST /oauth/access_token: {"access_token":"THQVJ...","user_id":...}.
func (s *ThreadsServer) token(w http.ResponseWriter, r *http.Request) {
	if param(r, "grant_type") != "authorization_code" {
		write(w, Answer{Status: http.StatusBadRequest, Body: graphErr(100, 0, "Unsupported grant_type")})
		return
	}
	cd, ok := s.exchangeCode(w, r)
	if !ok {
		return
	}
	access, _ := s.issue(cd.user, "short", s.ClientID, false, nil)
	write(w, Answer{Body: fmt.Sprintf(`{"access_token":%q,"user_id":%s}`, access, cd.user)})
}

// me is GET /me?fields=id,username,name,threads_profile_picture_url
// (https://developers.facebook.com/docs/threads/threads-profiles).
func (s *ThreadsServer) me(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.graphLost(w, r); !ok {
		return
	}
	write(w, Answer{Body: `{"id":"` + ThreadsUserID + `","username":"ana","name":"Ana Example","threads_profile_picture_url":"https://scontent.cdninstagram.com/v/t51/ana.jpg"}`})
}

// container is POST /{threads-user-id}/threads with media_type=TEXT and
// text: {"id":"1234567"} (https://developers.facebook.com/docs/threads/posts;
// "Text posts are limited to 500 characters").
func (s *ThreadsServer) container(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.graphLost(w, r); !ok {
		return
	}
	if r.PathValue("user") != ThreadsUserID {
		write(w, Answer{Status: http.StatusBadRequest, Body: graphErr(100, 33, "Unsupported post request.")})
		return
	}
	text := param(r, "text")
	if param(r, "media_type") != "TEXT" || text == "" {
		write(w, Answer{Status: http.StatusBadRequest, Body: graphErr(100, 0, "The parameter text is required for a TEXT post")})
		return
	}
	if len([]rune(text)) > 500 {
		write(w, Answer{Status: http.StatusBadRequest, Body: graphErr(100, 0, "Param text must be at most 500 characters long.")})
		return
	}
	s.mu.Lock()
	id := fmt.Sprintf("17900000000000%02d", len(s.containers)+1)
	s.containers[id] = text
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"id": id})
}

// publish is POST /{threads-user-id}/threads_publish (creation_id): {"id":"..."}.
func (s *ThreadsServer) publish(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.graphLost(w, r); !ok {
		return
	}
	s.mu.Lock()
	text, ok := s.containers[param(r, "creation_id")]
	if ok {
		delete(s.containers, param(r, "creation_id"))
		s.published = append(s.published, text)
	}
	n := len(s.published)
	s.mu.Unlock()
	if !ok {
		write(w, Answer{Status: http.StatusBadRequest, Body: graphErr(24, 4279009, "Media Not Found")})
		return
	}
	id := fmt.Sprintf("18000000000000%02d", n)
	s.timeline.add(id, text, s.Now())
	writeJSON(w, http.StatusOK, map[string]string{"id": id})
}

// AddPost puts a post made at at on the profile, as if published
// elsewhere, and returns its id.
func (s *ThreadsServer) AddPost(text string, at time.Time) string {
	id := fmt.Sprintf("1810000000%07d", s.timeline.count()+1)
	s.timeline.add(id, text, at)
	return id
}

// listThreads is GET /{threads-user-id}/threads: the profile's posts,
// newest first, with id, text, timestamp and permalink among the fields,
// since taken
// (https://developers.facebook.com/docs/threads/threads-media#retrieve-a-list-of-all-a-user-s-threads).
func (s *ThreadsServer) listThreads(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.graphLost(w, r); !ok {
		return
	}
	if r.PathValue("user") != ThreadsUserID {
		write(w, Answer{Status: http.StatusBadRequest, Body: graphErr(100, 33, "Unsupported get request.")})
		return
	}
	graphPosts(w, r, s.URL, &s.timeline, true, func(p timelinePost) map[string]any {
		return map[string]any{"id": p.ID, "text": p.Text, "timestamp": p.At.UTC().Format(graphTime),
			"permalink": "https://www.threads.net/@ana/post/C8" + p.ID, "media_type": "TEXT_POST", "username": "ana"}
	})
}

func (s *ThreadsServer) permalink(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.graphLost(w, r); !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"permalink": "https://www.threads.net/@ana/post/C8" + r.PathValue("media"), "id": r.PathValue("media")})
}
