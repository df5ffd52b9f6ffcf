package instagram

import (
	"context"
	"errors"
	"net/url"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/network/oauthnet"
)

var _ network.RecentPoster = (*Adapter)(nil)

// RecentPosts pages through the profile's own media, newest first, with
// GET /{ig-user-id}/media (id, caption, timestamp, permalink), following
// paging.next; the caption is the post's words.
func (a *Adapter) RecentPosts(ctx context.Context, acct account.Account, creds network.Credentials, _ time.Time, page func([]network.RecentPost) bool) error {
	if acct.RemoteID == "" {
		return errors.New("cannot list Instagram posts: the account's id is not known (check the account first)")
	}
	return a.api().RecentPosts(ctx, creds.AccessToken, oauthnet.GraphPosts{
		Path:  "/" + url.PathEscape(acct.RemoteID) + "/media",
		Query: url.Values{"fields": {"id,caption,timestamp,permalink"}, "limit": {"100"}},
		Text:  "caption", Time: "timestamp", Link: "permalink", What: "the list of your Instagram posts",
	}, page)
}
