package bluesky

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
)

// recentPage is how many records one page asks for: listRecords' most.
const recentPage = 100

var _ network.RecentPoster = (*Adapter)(nil)

// RecentPosts pages through the account's posts, newest record key first,
// with com.atproto.repo.listRecords on its own server (collection
// app.bsky.feed.post), each next page asked with the cursor of the one
// before, until page says stop or no cursor comes back. The words are the
// record's text as stored; the time its createdAt.
//
// The listing is in record-key order. The server's own keys and those
// Publish makes from a key of network.PublishKey are times no later than
// the post was made, so a post that went out late can sort after others;
// Publish's record key then keeps a second send from doubling it.
func (a *Adapter) RecentPosts(ctx context.Context, acct account.Account, creds network.Credentials, _ time.Time, page func([]network.RecentPost) bool) error {
	base, err := pdsOf(acct)
	if err != nil {
		return err
	}
	if acct.RemoteID == "" {
		return errors.New("cannot list posts: the account's Bluesky id (DID) is not known yet")
	}
	cursor := ""
	for {
		q := url.Values{"repo": {acct.RemoteID}, "collection": {postCollection}, "limit": {strconv.Itoa(recentPage)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		rep, err := a.do(ctx, base, call{method: http.MethodGet, nsid: "com.atproto.repo.listRecords", query: q, token: creds.AccessToken})
		if err != nil {
			return err
		}
		var j struct {
			Cursor  string `json:"cursor"`
			Records []struct {
				URI   string `json:"uri"`
				Value struct {
					Text      string `json:"text"`
					CreatedAt string `json:"createdAt"`
				} `json:"value"`
			} `json:"records"`
		}
		if err := json.Unmarshal(rep.body, &j); err != nil {
			return malformed("the list of posts")
		}
		list := make([]network.RecentPost, 0, len(j.Records))
		for _, r := range j.Records {
			if r.URI == "" {
				continue
			}
			p := network.RecentPost{Published: published(acct, r.URI), Text: r.Value.Text}
			if t, err := time.Parse(time.RFC3339Nano, r.Value.CreatedAt); err == nil {
				p.CreatedAt = t
			}
			list = append(list, p)
		}
		if !page(list) || j.Cursor == "" || j.Cursor == cursor || len(j.Records) == 0 {
			return nil
		}
		cursor = j.Cursor
	}
}
