package notify

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/socialomm/desktop/core/account"
)

// Kind is what happened. It is stored in the outbox as its string value.
type Kind string

const (
	// Expiring: a connection reached one of the warning days before its end.
	Expiring Kind = "expiring"
	// Expired: a connection reached the end of its lifespan.
	Expired Kind = "expired"
	// Disconnected: the network stopped accepting SocialOmm's access.
	Disconnected Kind = "disconnected"
	// PostFailed: the network refused a post.
	PostFailed Kind = "post_failed"
	// PostHeld: a post came due while its account was disconnected.
	PostHeld Kind = "post_held"
	// PostUnsaved: a post's outcome could not be written to the database
	// for a while; SocialOmm keeps trying and will not send it again.
	PostUnsaved Kind = "post_unsaved"
	// Reconnected: a lost connection works again. Desktop only, never email.
	Reconnected Kind = "reconnected"
	// PostUnconfirmed: SocialOmm lost track while sending a post: it may or
	// may not be on the network, and the person has to look.
	PostUnconfirmed Kind = "post_unconfirmed"
	// PostLate: a post is still not out 10 minutes after its time.
	PostLate Kind = "post_late"
)

// Kinds is every kind, in the order settings and webhooks list them.
var Kinds = []Kind{Expiring, Expired, Disconnected, Reconnected, PostFailed, PostHeld, PostUnconfirmed, PostLate}

// Channel is where a notification goes.
type Channel string

const (
	ChannelDesktop Channel = "desktop"
	ChannelEmail   Channel = "email"
)

// Profile names the account an event is about. It carries no secrets.
type Profile struct {
	AccountID   int64  `json:"account_id"`
	Network     string `json:"network"` // as stored: "mastodon"
	Handle      string `json:"handle"`  // "@ana@example.org"
	DisplayName string `json:"display_name,omitempty"`
	// State and ExpiresAt are the account's as the event found it; webhooks
	// carry them.
	State     account.State `json:"state,omitempty"`
	ExpiresAt *time.Time    `json:"expires_at,omitempty"`
}

// ProfileOf takes the naming fields of an account.
func ProfileOf(a account.Account) Profile {
	return Profile{AccountID: a.ID, Network: a.Network, Handle: a.Handle, DisplayName: a.DisplayName,
		State: a.State, ExpiresAt: a.ExpiresAt}
}

// Name is "Mastodon @ana@example.org": the network and the handle, with
// the network named by NetworkName (the Service names it from the
// catalog).
func (p Profile) Name() string {
	return strings.TrimSpace(NetworkName(p.Network) + " " + p.handle())
}

// handle is the handle with its "@".
func (p Profile) handle() string {
	h := p.Handle
	if h != "" && !strings.HasPrefix(h, "@") {
		h = "@" + h
	}
	return h
}

// NetworkName is a network's key with a capital ("Mastodon"), for when no
// catalog names it.
func NetworkName(network string) string {
	if network == "" {
		return ""
	}
	r := []rune(network)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// Event is one thing the person must hear about. The caller fills what it
// knows; the fields each kind uses are listed with them. Times are instants
// (any zone); the notifications show them in the person's zone.
//
// At must be the stored time of the transition (the account's "lost since",
// the post's failure time), not the moment Enqueue is called, so that the
// same transition seen again after a restart yields the same Key and is
// delivered only once.
type Event struct {
	Kind Kind `json:"kind"`
	// Key identifies the event across restarts; one row per channel is ever
	// made for it. Empty: derived from the fields (see EventKey).
	Key     string  `json:"key,omitempty"`
	Profile Profile `json:"profile"`
	// At is when it happened: lost since (Disconnected, Expired, PostHeld),
	// the warning moment (Expiring), the failure (PostFailed), the
	// reconnection (Reconnected).
	At time.Time `json:"at"`

	// Expiring, Expired: when the connection ends or ended.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// Expiring: the warning day reached (14, 7, 1).
	DaysLeft int `json:"days_left,omitempty"`
	// Disconnected, Expired, PostHeld: why access was lost.
	Reason account.Reason `json:"reason,omitempty"`

	// What it affects: posts of this account waiting (held, or queued and
	// going to be held) and when the next one was or is due.
	HeldPosts int       `json:"held_posts,omitempty"`
	NextDue   time.Time `json:"next_due,omitzero"`

	// PostFailed, PostHeld: the post.
	PostID        int64     `json:"post_id,omitempty"`
	PostScheduled time.Time `json:"post_scheduled,omitzero"`
	PostText      string    `json:"post_text,omitempty"`
	// PostFailed: the network's error in plain words (never a token).
	PostError string `json:"post_error,omitempty"`

	// Reminder counts reminders about a connection that stays lost (1, 2,
	// …); 0 for the first notice. Set by Remind.
	Reminder int `json:"reminder,omitempty"`
}

// ErrInvalidEvent is returned by Enqueue for an event missing what its kind
// needs.
var ErrInvalidEvent = errors.New("invalid notification event")

func (ev Event) validate() error {
	bad := func(what string) error { return fmt.Errorf("%w: %s event %s", ErrInvalidEvent, ev.Kind, what) }
	switch ev.Kind {
	case Expiring, Expired, Disconnected, PostFailed, PostHeld, PostUnsaved, Reconnected, PostUnconfirmed, PostLate:
	default:
		return fmt.Errorf("%w: unknown kind %q", ErrInvalidEvent, ev.Kind)
	}
	if ev.Profile.Network == "" || ev.Profile.Handle == "" {
		return bad("has no network or handle")
	}
	if ev.At.IsZero() {
		return bad("has no time (At)")
	}
	switch ev.Kind {
	case Expiring:
		if ev.ExpiresAt.IsZero() {
			return bad("has no ExpiresAt")
		}
	case PostFailed, PostUnconfirmed, PostLate:
		if ev.PostScheduled.IsZero() {
			return bad("has no PostScheduled")
		}
	}
	return nil
}

// Batches are the kinds of event that wait out the batch window, so that
// those of one channel and batch become one message: lost connections
// (a changed password takes several profiles at once), and expiry
// warnings (an agency connects dozens of profiles in one sitting, so they
// reach their warning days together).
const (
	lossBatch     = "loss"
	expiringBatch = "expiring"
)

func (ev Event) batch() string {
	switch ev.Kind {
	case Disconnected, Expired:
		return lossBatch
	case Expiring:
		return expiringBatch
	case PostFailed, PostUnconfirmed, PostHeld, PostLate:
		// One batch per kind, so a merged message keeps the kind's words.
		return postBatchPrefix + string(ev.Kind)
	}
	return ""
}

// postBatchPrefix starts the batch of post notices of one kind: several
// posts in trouble within the batch window make one message.
const postBatchPrefix = "posts:"

// EventKey is the event's stable key: Key when set, else derived from the
// kind, account and the stored times, so that the same event built again
// (after a restart, on the next check) has the same key:
//
//	disconnected:<account>:<since unix>
//	expired:<account>:<expires unix>
//	expiring:<account>:<expires unix>:<days left>
//	post_failed:<account>:<post>:<failed unix>
//	post_unconfirmed:<account>:<post>:<at unix>
//	post_late:<account>:<post>:<due unix>
//	post_held:<account>:<next due unix>
//	reconnected:<account>:<at unix>
//	reminder:<account>:<since unix>:<n>
func (ev Event) EventKey() string {
	if ev.Key != "" {
		return ev.Key
	}
	acct := ev.Profile.AccountID
	if ev.Reminder > 0 {
		return fmt.Sprintf("reminder:%d:%d:%d", acct, ev.At.Unix(), ev.Reminder)
	}
	switch ev.Kind {
	case Disconnected:
		return fmt.Sprintf("disconnected:%d:%d", acct, ev.At.Unix())
	case Expired:
		at := ev.ExpiresAt
		if at.IsZero() {
			at = ev.At
		}
		return fmt.Sprintf("expired:%d:%d", acct, at.Unix())
	case Expiring:
		return fmt.Sprintf("expiring:%d:%d:%d", acct, ev.ExpiresAt.Unix(), ev.DaysLeft)
	case PostFailed, PostUnconfirmed:
		return fmt.Sprintf("%s:%d:%d:%d", ev.Kind, acct, ev.PostID, ev.At.Unix())
	case PostLate:
		return fmt.Sprintf("post_late:%d:%d:%d", acct, ev.PostID, ev.PostScheduled.Unix())
	case PostHeld:
		due := ev.NextDue
		if due.IsZero() {
			due = ev.PostScheduled
		}
		if due.IsZero() {
			due = ev.At
		}
		return fmt.Sprintf("post_held:%d:%d", acct, due.Unix())
	}
	return fmt.Sprintf("%s:%d:%d", ev.Kind, acct, ev.At.Unix())
}
