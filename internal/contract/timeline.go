package contract

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// timeline is one profile's posts as a server keeps them, oldest first;
// the networks list them newest first. It has its own lock, so handlers
// may call it while holding none.
type timeline struct {
	mu    sync.Mutex
	posts []timelinePost
}

type timelinePost struct {
	ID, Text string
	At       time.Time
}

func (tl *timeline) add(id, text string, at time.Time) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.posts = append(tl.posts, timelinePost{ID: id, Text: text, At: at})
}

func (tl *timeline) count() int {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	return len(tl.posts)
}

// newest lists, newest first, the posts made at or after since (zero: all),
// skipping skip of them, at most n; more says whether any remain after.
func (tl *timeline) newest(since time.Time, skip, n int) (list []timelinePost, more bool) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	var all []timelinePost
	for i := len(tl.posts) - 1; i >= 0; i-- {
		if p := tl.posts[i]; since.IsZero() || !p.At.Before(since) {
			all = append(all, p)
		}
	}
	if skip >= len(all) {
		return nil, false
	}
	end := min(skip+n, len(all))
	return all[skip:end], end < len(all)
}

// graphCursor and graphOffset write and read a Graph paging cursor: opaque
// base64 to the client, an offset here.
func graphCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(offset)))
}

func graphOffset(cursor string) (int, bool) {
	if cursor == "" {
		return 0, true
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || !strings.HasPrefix(string(b), "offset:") {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(b), "offset:"))
	return n, err == nil && n >= 0
}

// graphTime is how the Graph API writes times: "2019-06-03T18:03:24+0000".
const graphTime = "2006-01-02T15:04:05-0700"

// graphPosts is how Meta's Graph API lists a profile's posts on an edge:
// {"data":[...],"paging":{"cursors":{"before":"...","after":"..."},
// "next":"..."}}, newest first, limit entries a page (default 25, at most
// 100), the next link absent on the last page, since (a Unix time) leaving
// out older posts where the edge takes it, and only the fields asked for.
// entry gives every field a post has.
func graphPosts(w http.ResponseWriter, r *http.Request, serverURL string, tl *timeline, withSince bool, entry func(timelinePost) map[string]any) {
	q := r.URL.Query()
	limit := 25
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			write(w, Answer{Status: http.StatusBadRequest, Body: graphErr(100, 0, "(#100) The parameter limit must be a positive number")})
			return
		}
		limit = min(n, 100)
	}
	var since time.Time
	if v := q.Get("since"); v != "" && withSince {
		sec, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			write(w, Answer{Status: http.StatusBadRequest, Body: graphErr(100, 0, "(#100) The parameter since must be a Unix time")})
			return
		}
		since = time.Unix(sec, 0)
	}
	skip, ok := graphOffset(q.Get("after"))
	if !ok {
		write(w, Answer{Status: http.StatusBadRequest, Body: graphErr(100, 0, "(#100) The after cursor is not valid")})
		return
	}
	fields := strings.Split(q.Get("fields"), ",")
	if q.Get("fields") == "" {
		fields = []string{"id"}
	}
	list, more := tl.newest(since, skip, limit)
	data := make([]map[string]any, 0, len(list))
	for _, p := range list {
		all := entry(p)
		d := map[string]any{}
		for _, f := range fields {
			if v, ok := all[f]; ok {
				d[f] = v
			}
		}
		data = append(data, d)
	}
	body := map[string]any{"data": data}
	if len(list) > 0 {
		paging := map[string]any{"cursors": map[string]string{"before": graphCursor(skip), "after": graphCursor(skip + len(list))}}
		if more {
			next := r.URL.Query()
			next.Set("after", graphCursor(skip+len(list)))
			paging["next"] = serverURL + r.URL.Path + "?" + next.Encode()
		}
		body["paging"] = paging
	}
	writeJSON(w, http.StatusOK, body)
}
