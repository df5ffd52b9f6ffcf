package x

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/oauthnet"
)

var _ network.RecentPoster = (*Adapter)(nil)

// tweetJSON is the part of a Post object of X's timelines SocialOmm reads.
type tweetJSON struct {
	ID        string `json:"id"`
	Text      string `json:"text"`
	CreatedAt string `json:"created_at"`
	Entities  struct {
		URLs []struct {
			URL         string `json:"url"`
			ExpandedURL string `json:"expanded_url"`
		} `json:"urls"`
	} `json:"entities"`
}

// unescapeText undoes what X does to a post's words in its answers: it
// writes & < > as HTML entities.
var unescapeText = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")

// words is the post as the person wrote it: each t.co link back to the
// link it stands for, the entities undone.
func (t tweetJSON) words() string {
	text := t.Text
	for _, u := range t.Entities.URLs {
		if u.URL != "" && u.ExpandedURL != "" {
			text = strings.Replace(text, u.URL, u.ExpandedURL, 1)
		}
	}
	return unescapeText.Replace(text)
}

// RecentPosts pages through the account's own posts, newest first, with
// GET /2/users/:id/tweets (retweets left out, created_at and entities
// asked for, start_time at since), each next page asked with the
// meta.next_token of the one before as pagination_token.
func (a *Adapter) RecentPosts(ctx context.Context, acct account.Account, creds network.Credentials, since time.Time, page func([]network.RecentPost) bool) error {
	if acct.RemoteID == "" {
		return errors.New("cannot list posts on X: the account's id is not known (check the account first)")
	}
	q := url.Values{"max_results": {"100"}, "tweet.fields": {"created_at,entities"}, "exclude": {"retweets"}}
	if !since.IsZero() {
		q.Set("start_time", since.UTC().Format(time.RFC3339))
	}
	token := ""
	for {
		if token != "" {
			q.Set("pagination_token", token)
		}
		rep, _, err := a.call(ctx, http.MethodGet, "/2/users/"+url.PathEscape(acct.RemoteID)+"/tweets?"+q.Encode(), creds.AccessToken, nil)
		if err != nil {
			return err
		}
		var j struct {
			Data []tweetJSON `json:"data"`
			Meta struct {
				NextToken string `json:"next_token"`
			} `json:"meta"`
		}
		if json.Unmarshal(rep.Body, &j) != nil {
			return oauthnet.Malformed(displayName, "the list of your posts")
		}
		list := make([]network.RecentPost, 0, len(j.Data))
		for _, t := range j.Data {
			if t.ID == "" {
				continue
			}
			p := network.RecentPost{Published: network.Published{RemoteID: t.ID, URL: a.postLink(acct, t.ID)}, Text: t.words()}
			if at, err := time.Parse(time.RFC3339Nano, t.CreatedAt); err == nil {
				p.CreatedAt = at
			}
			list = append(list, p)
		}
		if !page(list) || j.Meta.NextToken == "" || j.Meta.NextToken == token || len(j.Data) == 0 {
			return nil
		}
		token = j.Meta.NextToken
	}
}

// postLink is a post's address on X: under the handle when it is known.
func (a *Adapter) postLink(acct account.Account, id string) string {
	web := strings.TrimRight(a.ep.WebBase, "/")
	if h := strings.TrimPrefix(acct.Handle, "@"); h != "" && !strings.ContainsAny(h, "/?#@ ") {
		return web + "/" + h + "/status/" + id
	}
	return web + "/i/web/status/" + id
}
