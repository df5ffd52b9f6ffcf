package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
)

// recentPage is how many statuses one page asks for: Mastodon's most.
const recentPage = 40

var _ network.RecentPoster = (*Adapter)(nil)

// RecentPosts pages through the account's own posts, newest first, with
// GET /api/v1/accounts/:id/statuses (boosts left out), each next page
// asked with max_id set to the last id of the one before, until page says
// stop or the server lists no more. The words are the HTML content turned
// back into text. acct.RemoteID must be set (Verify gives it).
func (a *Adapter) RecentPosts(ctx context.Context, acct account.Account, creds network.Credentials, _ time.Time, page func([]network.RecentPost) bool) error {
	base, err := baseOf(acct)
	if err != nil {
		return err
	}
	if acct.RemoteID == "" {
		return errors.New("cannot list posts: the account's id on the server is not known yet")
	}
	maxID := ""
	for {
		q := url.Values{"limit": {strconv.Itoa(recentPage)}, "exclude_reblogs": {"true"}}
		if maxID != "" {
			q.Set("max_id", maxID)
		}
		rep, err := a.get(ctx, base, "/api/v1/accounts/"+url.PathEscape(acct.RemoteID)+"/statuses?"+q.Encode(), creds.AccessToken)
		if err != nil {
			return err
		}
		var js []statusJSON
		if err := json.Unmarshal(rep.body, &js); err != nil {
			return malformed(displayHost(base), "the list of posts")
		}
		if len(js) == 0 {
			return nil
		}
		list := make([]network.RecentPost, 0, len(js))
		for _, j := range js {
			if j.ID == "" {
				continue
			}
			p := network.RecentPost{Published: network.Published{RemoteID: j.ID, URL: j.URL}, Text: htmlText(j.Content)}
			if p.URL == "" {
				p.URL = j.URI
			}
			if t, err := time.Parse(time.RFC3339Nano, j.CreatedAt); err == nil {
				p.CreatedAt = t
			}
			list = append(list, p)
		}
		next := js[len(js)-1].ID
		if !page(list) || next == "" || next == maxID {
			return nil
		}
		maxID = next
	}
}
