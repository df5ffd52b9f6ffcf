package oauthnet

import (
	"context"
	"encoding/json"
	"net/url"
	"time"

	"github.com/socialomm/desktop/core/network"
)

// GraphPosts is how one Meta network lists a profile's own posts: an edge
// whose entries carry an id, the words, a time and a link.
type GraphPosts struct {
	// Path is the edge ("/{page-id}/published_posts").
	Path string
	// Query adds the edge's own parameters (fields, limit, since).
	Query url.Values
	// Text, Time and Link name the entry fields holding the words
	// ("message"), the creation time ("created_time") and the post's link
	// ("permalink_url").
	Text, Time, Link string
	// What names the list when its answer cannot be read.
	What string
}

// graphTime is how the Graph API writes times ("2019-06-03T18:03:24+0000").
const graphTime = "2006-01-02T15:04:05-0700"

// RecentPosts pages through p.Path, newest first as the Graph API lists
// posts, following paging.next (on the same host only) until page says
// stop or no next link comes.
func (g GraphClient) RecentPosts(ctx context.Context, token string, p GraphPosts, page func([]network.RecentPost) bool) error {
	rep, err := g.Get(ctx, p.Path, p.Query, token)
	for {
		if err != nil {
			return err
		}
		var j struct {
			Data   []map[string]any `json:"data"`
			Paging struct {
				Next string `json:"next"`
			} `json:"paging"`
		}
		if json.Unmarshal(rep.Body, &j) != nil {
			return Malformed(g.Network, p.What)
		}
		list := make([]network.RecentPost, 0, len(j.Data))
		for _, d := range j.Data {
			id, _ := d["id"].(string)
			if id == "" {
				continue
			}
			post := network.RecentPost{Published: network.Published{RemoteID: id}}
			post.Text, _ = d[p.Text].(string)
			post.URL, _ = d[p.Link].(string)
			if s, ok := d[p.Time].(string); ok {
				if t, err := time.Parse(graphTime, s); err == nil {
					post.CreatedAt = t
				} else if t, err := time.Parse(time.RFC3339, s); err == nil {
					post.CreatedAt = t
				}
			}
			list = append(list, post)
		}
		if !page(list) || j.Paging.Next == "" || len(j.Data) == 0 {
			return nil
		}
		rep, err = g.GetURL(ctx, j.Paging.Next, token)
	}
}
