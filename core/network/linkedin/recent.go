package linkedin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/oauthnet"
)

var _ network.RecentPoster = (*Adapter)(nil)

// recentPage is how many posts one page of the author finder asks for.
const recentPage = 100

// RecentPosts pages through the member's own posts, newest first, with the
// Posts API's author finder (GET /rest/posts?q=author&author=urn:li:person:
// <sub>&sortBy=CREATED), start moving by count until a page comes back
// short or without a next link. The words are the commentary turned back
// from little text.
func (a *Adapter) RecentPosts(ctx context.Context, acct account.Account, creds network.Credentials, _ time.Time, page func([]network.RecentPost) bool) error {
	if acct.RemoteID == "" {
		return errors.New("cannot list LinkedIn posts: the member's id is not known yet (check the account first)")
	}
	web := strings.TrimRight(a.ep.WebBase, "/")
	for start := 0; ; start += recentPage {
		q := url.Values{"q": {"author"}, "author": {"urn:li:person:" + acct.RemoteID}, "sortBy": {"CREATED"},
			"count": {strconv.Itoa(recentPage)}, "start": {strconv.Itoa(start)}}
		req := oauthnet.Request{Method: http.MethodGet, URL: strings.TrimRight(a.ep.APIBase, "/") + "/rest/posts?" + q.Encode(), Token: creds.AccessToken,
			Header: http.Header{"Linkedin-Version": {a.ep.Version}, "X-Restli-Protocol-Version": {"2.0.0"}, "X-Restli-Method": {"FINDER"}}}
		rep, _, err := oauthnet.Call(ctx, a.client, displayName, req, Classify, a.clock.Now)
		if network.ReasonOf(err) == account.ReasonScopeLost {
			// Reading a member's posts needs a permission LinkedIn grants
			// few apps (r_member_social); without it the connection still
			// posts, so it is not lost: the post just cannot be looked for.
			return fmt.Errorf("LinkedIn does not let SocialOmm read your posts: %s", err)
		}
		if err != nil {
			return err
		}
		var j struct {
			Elements []struct {
				ID         string `json:"id"`
				Commentary string `json:"commentary"`
				CreatedAt  int64  `json:"createdAt"`
			} `json:"elements"`
			Paging struct {
				Links []struct {
					Rel string `json:"rel"`
				} `json:"links"`
			} `json:"paging"`
		}
		if json.Unmarshal(rep.Body, &j) != nil {
			return oauthnet.Malformed(displayName, "the list of your posts")
		}
		list := make([]network.RecentPost, 0, len(j.Elements))
		for _, e := range j.Elements {
			if e.ID == "" {
				continue
			}
			p := network.RecentPost{Published: network.Published{RemoteID: e.ID, URL: web + "/feed/update/" + e.ID + "/"},
				Text: UnescapeLittleText(e.Commentary)}
			if e.CreatedAt > 0 {
				p.CreatedAt = time.UnixMilli(e.CreatedAt).UTC()
			}
			list = append(list, p)
		}
		next := len(j.Elements) == recentPage
		for _, l := range j.Paging.Links {
			next = next || l.Rel == "next"
		}
		if !page(list) || !next || len(j.Elements) == 0 {
			return nil
		}
	}
}

// littleHashtag is little text's HashtagElement, as LinkedIn writes back a
// hashtag the person typed: {hashtag|\#|word}.
var littleHashtag = regexp.MustCompile(`\{hashtag\|\\#\|([^{}|]*)\}`)

// UnescapeLittleText turns a commentary in LinkedIn's little text format
// back into the words as typed: hashtag templates become "#word", and a
// backslash before a reserved character is dropped.
func UnescapeLittleText(s string) string {
	s = littleHashtag.ReplaceAllString(s, "#$1")
	var b strings.Builder
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		if rs[i] == '\\' && i+1 < len(rs) && strings.ContainsRune(littleTextReserved, rs[i+1]) {
			i++
		}
		b.WriteRune(rs[i])
	}
	return b.String()
}
