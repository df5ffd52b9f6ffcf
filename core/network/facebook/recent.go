package facebook

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/oauthnet"
)

var _ network.RecentPoster = (*Adapter)(nil)

// RecentPosts pages through the Page's own posts, newest first, with GET
// /{page-id}/published_posts (id, message, created_time, permalink_url;
// since limits it to posts from then on), following paging.next.
func (a *Adapter) RecentPosts(ctx context.Context, acct account.Account, creds network.Credentials, since time.Time, page func([]network.RecentPost) bool) error {
	if acct.RemoteID == "" {
		return errors.New("cannot list the Page's posts: its id is not known (check the account first)")
	}
	q := url.Values{"fields": {"id,message,created_time,permalink_url"}, "limit": {"100"}}
	if !since.IsZero() {
		q.Set("since", strconv.FormatInt(since.Unix(), 10))
	}
	return a.graph().RecentPosts(ctx, creds.AccessToken, oauthnet.GraphPosts{
		Path: "/" + url.PathEscape(acct.RemoteID) + "/published_posts", Query: q,
		Text: "message", Time: "created_time", Link: "permalink_url", What: "the list of the Page's posts",
	}, page)
}
