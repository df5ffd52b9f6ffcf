package notify

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/socialomm/desktop/core/account"
)

// PayloadVersion is the version of the generic JSON payload. A change that
// could break a receiver makes a new version; fields may be added within one.
const PayloadVersion = 1

// Payload is the generic JSON webhook's body (version 1):
//
//	{"version":1,"id":"evt_…","event":"disconnected","title":"…","text":"…",
//	 "profiles":[{"id":1,"network":"mastodon","handle":"@ana@example.social",
//	   "display_name":"Ana","state":"disconnected","reason":"revoked","expires_at":null}],
//	 "post":null,"posts":[],"at":"2027-02-09T13:00:00Z"}
//
// event is one of Kinds, or "test"; profiles lists each profile concerned
// once; post is the post when the message is about exactly one, posts every
// post it is about (empty for events about profiles only); at is when it
// happened (the latest event of a merged message), the same on every retry.
type Payload struct {
	Version  int              `json:"version"`
	ID       string           `json:"id"`
	Event    string           `json:"event"`
	Title    string           `json:"title"`
	Text     string           `json:"text"`
	Profiles []PayloadProfile `json:"profiles"`
	Post     *PayloadPost     `json:"post"`
	Posts    []PayloadPost    `json:"posts"`
	At       time.Time        `json:"at"`
}

// PayloadProfile is one profile in a Payload.
type PayloadProfile struct {
	ID          int64      `json:"id"`
	Network     string     `json:"network"`
	Handle      string     `json:"handle"`
	DisplayName string     `json:"display_name"`
	State       string     `json:"state"`
	Reason      string     `json:"reason"`
	ExpiresAt   *time.Time `json:"expires_at"`
}

// PayloadPost is one post in a Payload.
type PayloadPost struct {
	ID          int64     `json:"id"`
	ProfileID   int64     `json:"profile_id"`
	Text        string    `json:"text"`
	ScheduledAt time.Time `json:"scheduled_at"`
	// Error is the network's words for a refused post; empty otherwise.
	Error string `json:"error"`
}

// stateOf is the profile's state as the event tells it.
func stateOf(ev Event) string {
	if ev.Profile.State != "" {
		return string(ev.Profile.State)
	}
	switch ev.Kind {
	case Disconnected, Expired, PostHeld:
		return string(account.Disconnected)
	case Expiring:
		return string(account.Expiring)
	case Reconnected:
		return string(account.Connected)
	}
	return ""
}

func reasonOf(ev Event) string {
	if ev.Kind == Expired {
		return string(account.ReasonExpired)
	}
	return string(ev.Reason)
}

// buildPayload makes the generic payload of a message about events.
func buildPayload(event, id string, events []Event, m Message, at time.Time) Payload {
	p := Payload{Version: PayloadVersion, ID: id, Event: event, Title: m.Title, Text: m.Text,
		Profiles: []PayloadProfile{}, Posts: []PayloadPost{}, At: at.UTC()}
	seen := map[int64]int{}
	for _, ev := range events {
		exp := ev.Profile.ExpiresAt
		if !ev.ExpiresAt.IsZero() {
			e := ev.ExpiresAt.UTC()
			exp = &e
		} else if exp != nil {
			e := exp.UTC()
			exp = &e
		}
		pp := PayloadProfile{ID: ev.Profile.AccountID, Network: ev.Profile.Network, Handle: ev.Profile.Handle,
			DisplayName: ev.Profile.DisplayName, State: stateOf(ev), Reason: reasonOf(ev), ExpiresAt: exp}
		if i, ok := seen[pp.ID]; ok {
			p.Profiles[i] = pp // the latest word on a profile
		} else {
			seen[pp.ID] = len(p.Profiles)
			p.Profiles = append(p.Profiles, pp)
		}
		if ev.PostID != 0 || !ev.PostScheduled.IsZero() {
			p.Posts = append(p.Posts, PayloadPost{ID: ev.PostID, ProfileID: ev.Profile.AccountID, Text: ev.PostText,
				ScheduledAt: ev.PostScheduled.UTC(), Error: ev.PostError})
		}
	}
	if len(p.Posts) == 1 {
		p.Post = &p.Posts[0]
	}
	return p
}

// Slack limits (api.slack.com/reference/block-kit): a header's plain text
// at most 150 characters, a section's text at most 3000.
const (
	slackHeaderMax  = 150
	slackSectionMax = 3000
)

// Discord limits (discord.com/developers/docs/resources/message#embed-object-embed-limits):
// content 2000 characters, at most 10 embeds, an embed's title 256, its
// description 4096, its footer 2048, all of an embed's text 6000.
const (
	discordContentMax     = 2000
	discordTitleMax       = 256
	discordDescriptionMax = 4096
)

// slackEscape escapes the three characters Slack's mrkdwn reserves.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// colour of a Discord embed: red for trouble, amber for warnings, green
// for good news.
func colour(event string) int {
	switch Kind(event) {
	case Reconnected:
		return 0x2E9E5B
	case Expiring, PostLate, PostUnconfirmed:
		return 0xE6A23C
	case "test":
		return 0x3B82F6
	}
	return 0xD83B3B
}

// payload is the body sent to a webhook of this kind.
func payload(kind WebhookKind, event, id string, events []Event, m Message, at, now time.Time) ([]byte, error) {
	footer := "SocialOmm · " + now.UTC().Format("2006-01-02 15:04 UTC")
	switch kind {
	case WebhookSlack:
		type text struct {
			Type  string `json:"type"`
			Text  string `json:"text"`
			Emoji bool   `json:"emoji,omitempty"`
		}
		type block struct {
			Type     string `json:"type"`
			Text     *text  `json:"text,omitempty"`
			Elements []text `json:"elements,omitempty"`
		}
		return json.Marshal(struct {
			Text   string  `json:"text"`
			Blocks []block `json:"blocks"`
		}{
			// text is the fallback shown in notifications.
			Text: slackEscape(cut(m.Title+": "+firstLine(m.Text), slackSectionMax)),
			Blocks: []block{
				{Type: "header", Text: &text{Type: "plain_text", Text: cut(m.Title, slackHeaderMax), Emoji: true}},
				{Type: "section", Text: &text{Type: "mrkdwn", Text: cut(slackEscape(m.Text), slackSectionMax)}},
				{Type: "context", Elements: []text{{Type: "mrkdwn", Text: slackEscape(footer)}}},
			},
		})
	case WebhookDiscord:
		type embed struct {
			Title       string            `json:"title"`
			Description string            `json:"description"`
			Color       int               `json:"color"`
			Timestamp   string            `json:"timestamp"`
			Footer      map[string]string `json:"footer"`
		}
		return json.Marshal(struct {
			Content  string  `json:"content"`
			Username string  `json:"username"`
			Embeds   []embed `json:"embeds"`
			// No @mentions: handles start with "@".
			AllowedMentions map[string][]string `json:"allowed_mentions"`
		}{
			Content:  cut(m.Title, discordContentMax),
			Username: AppName,
			Embeds: []embed{{Title: cut(m.Title, discordTitleMax), Description: cut(m.Text, discordDescriptionMax),
				Color: colour(event), Timestamp: at.UTC().Format(time.RFC3339), Footer: map[string]string{"text": AppName}}},
			AllowedMentions: map[string][]string{"parse": {}},
		})
	}
	return json.Marshal(buildPayload(event, id, events, m, at))
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
