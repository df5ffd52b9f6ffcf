package threads

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

// RecentPosts pages through the profile's own posts, newest first, with
// GET /{threads-user-id}/threads (id, text, timestamp, permalink; since
// limits it to posts from then on), following paging.next.
func (a *Adapter) RecentPosts(ctx context.Context, acct account.Account, creds network.Credentials, since time.Time, page func([]network.RecentPost) bool) error {
	if acct.RemoteID == "" {
		return errors.New("cannot list Threads posts: the account's id is not known (check the account first)")
	}
	q := url.Values{"fields": {"id,text,timestamp,permalink"}, "limit": {"100"}}
	if !since.IsZero() {
		q.Set("since", strconv.FormatInt(since.Unix(), 10))
	}
	return a.api().RecentPosts(ctx, creds.AccessToken, oauthnet.GraphPosts{
		Path: "/" + url.PathEscape(acct.RemoteID) + "/threads", Query: q,
		Text: "text", Time: "timestamp", Link: "permalink", What: "the list of your Threads posts",
	}, page)
}
