package bluesky

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/rivo/uniseg"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
)

// postCollection is the record type of a Bluesky post.
const postCollection = "app.bsky.feed.post"

// maxTextBytes is the post lexicon's other limit on text: 3000 bytes of
// UTF-8, which only text full of long grapheme clusters reaches first.
const maxTextBytes = 3000

// maxMentions bounds how many handles one post resolves.
const maxMentions = 20

// Graphemes counts text as Bluesky does (user-perceived characters), for a
// counter next to the text box.
func Graphemes(text string) int { return uniseg.GraphemeClusterCount(text) }

// CheckText says whether text fits in a Bluesky post; the error Is
// ErrTooLong.
func CheckText(text string) error {
	if n := Graphemes(text); n > TextLimit {
		return fmt.Errorf("%w: it has %d characters; Bluesky allows %d", ErrTooLong, n, TextLimit)
	}
	if len(text) > maxTextBytes {
		return fmt.Errorf("%w: it is %d bytes long; Bluesky allows %d", ErrTooLong, len(text), maxTextBytes)
	}
	return nil
}

// Facet is a rich-text annotation of a post: a byte range of the text
// (UTF-8 offsets, end exclusive) and what it is.
type Facet struct {
	Index    FacetIndex     `json:"index"`
	Features []FacetFeature `json:"features"`
}

// FacetIndex is a facet's byte range in the post's UTF-8 text.
type FacetIndex struct {
	ByteStart int `json:"byteStart"`
	ByteEnd   int `json:"byteEnd"`
}

// FacetFeature is a link (URI) or a mention (DID).
type FacetFeature struct {
	Type string `json:"$type"`
	URI  string `json:"uri,omitempty"`
	DID  string `json:"did,omitempty"`
}

const (
	featureLink    = "app.bsky.richtext.facet#link"
	featureMention = "app.bsky.richtext.facet#mention"
)

// The patterns of the official client's rich-text detection
// (@atproto/api RichText): a link is an http(s) URL; a mention is @handle.
// Both must start the text or follow a space or "(".
var (
	linkPattern    = regexp.MustCompile(`(?:^|[\s(])(https?://\S+)`)
	mentionPattern = regexp.MustCompile(`(?:^|[\s(])(@[a-zA-Z0-9.-]+)`)
)

// span is a candidate facet before mentions are resolved.
type span struct {
	start, end int
	uri        string // a link
	handle     string // a mention, without "@"
}

// detect finds links and mentions in text, with UTF-8 byte offsets.
func detect(text string) []span {
	var out []span
	for _, m := range linkPattern.FindAllStringSubmatchIndex(text, -1) {
		start, end := m[2], m[3]
		u := trimLink(text[start:end])
		if _, err := url.ParseRequestURI(u); err != nil || len(u) <= len("https://") {
			continue
		}
		out = append(out, span{start: start, end: start + len(u), uri: u})
	}
	for _, m := range mentionPattern.FindAllStringSubmatchIndex(text, -1) {
		start, end := m[2], m[3]
		h := strings.TrimRight(text[start+1:end], ".-")
		if !IsHandle(h) {
			continue
		}
		out = append(out, span{start: start, end: start + 1 + len(h), handle: strings.ToLower(h)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start < out[j].start })
	// A mention-looking part inside a link ("https://x.y/@ana.test") is the
	// link's.
	kept := out[:0]
	lastEnd := -1
	for _, s := range out {
		if s.start < lastEnd {
			continue
		}
		kept = append(kept, s)
		lastEnd = s.end
	}
	return kept
}

// trimLink drops what ends a sentence rather than a URL: trailing
// punctuation, and a closing parenthesis without its opening one.
func trimLink(u string) string {
	for {
		trimmed := strings.TrimRight(u, `.,;:!?"'`)
		if strings.HasSuffix(trimmed, ")") && strings.Count(trimmed, "(") < strings.Count(trimmed, ")") {
			trimmed = trimmed[:len(trimmed)-1]
		}
		if trimmed == u {
			return u
		}
		u = trimmed
	}
}

// Facets finds the links and mentions in text. Mentions are resolved to
// DIDs with com.atproto.identity.resolveHandle on the account's server; a
// handle that does not resolve stays plain text.
func (a *Adapter) Facets(ctx context.Context, acct account.Account, text string) []Facet {
	base, err := pdsOf(acct)
	if err != nil {
		base = ""
	}
	return a.facets(ctx, base, text)
}

func (a *Adapter) facets(ctx context.Context, base, text string) []Facet {
	var out []Facet
	resolved := map[string]string{}
	asked := 0
	for _, s := range detect(text) {
		idx := FacetIndex{ByteStart: s.start, ByteEnd: s.end}
		if s.uri != "" {
			out = append(out, Facet{Index: idx, Features: []FacetFeature{{Type: featureLink, URI: s.uri}}})
			continue
		}
		did, ok := resolved[s.handle]
		if !ok && base != "" && asked < maxMentions {
			asked++
			did = a.resolveMention(ctx, base, s.handle)
			resolved[s.handle] = did
		}
		if did != "" {
			out = append(out, Facet{Index: idx, Features: []FacetFeature{{Type: featureMention, DID: did}}})
		}
	}
	return out
}

func (a *Adapter) resolveMention(ctx context.Context, base, handle string) string {
	rep, err := a.do(ctx, base, call{
		method: http.MethodGet,
		nsid:   "com.atproto.identity.resolveHandle",
		query:  url.Values{"handle": {handle}},
	})
	if err != nil {
		return ""
	}
	var v struct {
		DID string `json:"did"`
	}
	if json.Unmarshal(rep.body, &v) != nil || !isDID(v.DID) {
		return ""
	}
	return v.DID
}

// postRecord is an app.bsky.feed.post record.
type postRecord struct {
	Type      string  `json:"$type"`
	Text      string  `json:"text"`
	CreatedAt string  `json:"createdAt"`
	Facets    []Facet `json:"facets,omitempty"`
}

// createdAtLayout is the datetime form the official client writes.
const createdAtLayout = "2006-01-02T15:04:05.000Z"

// Publish posts text with com.atproto.repo.createRecord (collection
// app.bsky.feed.post), links and mentions as facets. acct.RemoteID (the
// DID) and acct.Instance (the PDS) must be set, as Connect gives them.
//
// idempotencyKey gives the post's record key (recordKey), so a repeat
// after an unclear outcome cannot post twice: the server refuses a second
// record under the key, and the existing post is fetched and returned. An
// unclear outcome is still an error that Is ErrOutcomeUnknown, so the post
// is looked for (RecentPosts) and cannot be edited into another text under
// the same key meanwhile. A key that gives no record key leaves the choice
// to the server.
//
// An access token past its two hours gives an error that Is
// ErrAccessExpired: Refresh, store, and publish again.
func (a *Adapter) Publish(ctx context.Context, acct account.Account, creds network.Credentials, text, idempotencyKey string) (network.Published, error) {
	base, err := pdsOf(acct)
	if err != nil {
		return network.Published{}, err
	}
	if acct.RemoteID == "" {
		return network.Published{}, errors.New("cannot post: the account's Bluesky id (DID) is not known yet; check the connection first")
	}
	if strings.TrimSpace(text) == "" {
		return network.Published{}, errors.New("there is nothing to post: the text is empty")
	}
	if err := CheckText(text); err != nil {
		return network.Published{}, err
	}
	rkey := recordKey(idempotencyKey)
	rec := postRecord{
		Type:      postCollection,
		Text:      text,
		CreatedAt: a.clock.Now().UTC().Format(createdAtLayout),
		Facets:    a.facets(ctx, base, text),
	}
	body := map[string]any{"repo": acct.RemoteID, "collection": postCollection, "record": rec}
	if rkey != "" {
		body["rkey"] = rkey
	}
	rep, written, err := a.xrpc(ctx, base, call{method: http.MethodPost, nsid: "com.atproto.repo.createRecord", body: body, token: creds.AccessToken})
	if err == nil {
		err = Classify(rep.status, rep.header, rep.body, a.clock.Now())
	}
	if err != nil {
		if network.ReasonOf(err) != account.ReasonNone || errors.Is(err, ErrAccessExpired) {
			return network.Published{}, err
		}
		// A post with this record key may exist from an earlier attempt
		// (the server answers 500 to a second create with the same key).
		if rkey != "" {
			pub, found, err := a.existingPost(ctx, base, acct, creds, rkey, text)
			if found {
				return pub, err
			}
		}
		var rej *RejectedError
		switch {
		case errors.As(err, &rej),
			// Never left this computer.
			rep.status == 0 && !written,
			// The rate limiter answers before the record is looked at.
			rep.status == http.StatusTooManyRequests:
			return network.Published{}, err
		}
		return network.Published{}, outcomeUnknown(err)
	}
	var j struct {
		URI string `json:"uri"`
		CID string `json:"cid"`
	}
	if err := json.Unmarshal(rep.body, &j); err != nil || j.URI == "" {
		return network.Published{}, outcomeUnknown(malformed("the post it created"))
	}
	return published(acct, j.URI), nil
}

// existingPost looks for the post stored under rkey. found is false when
// there is none (or it could not be read); a record there with other words
// is not this post (two keys met on one record key), and is refused.
func (a *Adapter) existingPost(ctx context.Context, base string, acct account.Account, creds network.Credentials, rkey, text string) (pub network.Published, found bool, err error) {
	rep, err := a.do(ctx, base, call{
		method: http.MethodGet,
		nsid:   "com.atproto.repo.getRecord",
		query:  url.Values{"repo": {acct.RemoteID}, "collection": {postCollection}, "rkey": {rkey}},
		token:  creds.AccessToken,
	})
	if err != nil {
		return network.Published{}, false, nil
	}
	var j struct {
		URI   string `json:"uri"`
		Value struct {
			Text string `json:"text"`
		} `json:"value"`
	}
	if json.Unmarshal(rep.body, &j) != nil || j.URI == "" {
		return network.Published{}, false, nil
	}
	if j.Value.Text != text {
		return network.Published{}, true, &RejectedError{Status: http.StatusConflict, Code: "RecordExists",
			Message: "another post already has the record key " + rkey}
	}
	return published(acct, j.URI), true, nil
}

// published turns a record's at:// URI into the post's id and its link on
// bsky.app.
func published(acct account.Account, uri string) network.Published {
	rkey := uri[strings.LastIndexByte(uri, '/')+1:]
	who := strings.TrimPrefix(acct.Handle, "@")
	if who == "" || who == invalidHandle {
		who = acct.RemoteID
	}
	return network.Published{
		RemoteID: uri,
		URL:      "https://bsky.app/profile/" + url.PathEscape(who) + "/post/" + url.PathEscape(rkey),
	}
}

// outcomeUnknown marks a transient error of a post that was sent: it may
// or may not have been stored.
func outcomeUnknown(err error) error { return network.OutcomeUnknown(err, ErrOutcomeUnknown) }

// TIDs (timestamp identifiers) are the record keys of posts: 13 characters
// of base32-sortable, a 53-bit microsecond time and a 10-bit clock id.
const tidAlphabet = "234567abcdefghijklmnopqrstuvwxyz"

var tidPattern = regexp.MustCompile(`^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$`)

// IsTID reports whether s is a syntactically valid TID.
func IsTID(s string) bool { return tidPattern.MatchString(s) }

// NewPostKey makes the idempotency key of one post target: a TID from at
// (when the target was created) and a clock id from seed (the target's
// id). The same at and seed always give the same key, so every attempt to
// publish the target uses the same record key and none can post twice.
func NewPostKey(at time.Time, seed string) string {
	h := fnv.New32a()
	h.Write([]byte(seed))
	return tid(at, h.Sum32())
}

// recordKey is the record key a post published with idempotencyKey gets:
// the key itself when it is a TID; for a key made by network.PublishKey, a
// TID in the second the target was due (so it sorts near the post's own
// time, as the server's own keys do), its microseconds and clock id taken
// from a hash of the whole key, so two targets due in the same second get
// different record keys; "" for any other key.
func recordKey(idempotencyKey string) string {
	if IsTID(idempotencyKey) {
		return idempotencyKey
	}
	due, ok := network.KeyDue(idempotencyKey)
	if !ok {
		return ""
	}
	h := fnv.New64a()
	h.Write([]byte(idempotencyKey))
	v := h.Sum64()
	return tid(due.Truncate(time.Second).Add(time.Duration(v%1e6)*time.Microsecond), uint32(v>>20))
}

// tid writes a TID: 53 bits of microseconds since 1970, then 10 bits of
// clock id (the low ones of clockID).
func tid(at time.Time, clockID uint32) string {
	micros := uint64(at.UnixMicro()) & (1<<53 - 1)
	v := micros<<10 | uint64(clockID&0x3ff)
	var b [13]byte
	for i := 12; i >= 0; i-- {
		b[i] = tidAlphabet[v&31]
		v >>= 5
	}
	return string(b[:])
}
