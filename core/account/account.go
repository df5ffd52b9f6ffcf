// Package account holds the words the whole app uses for a connection's life:
// its state, why access was lost, and how those read to a person.
package account

import "time"

// State is where a connection stands. It is persisted as its string value.
type State string

const (
	Connected    State = "connected"
	Expiring     State = "expiring"
	Disconnected State = "disconnected"
	// Checking is transient: shown while a check or refresh is in flight and
	// never stored as a final state.
	Checking State = "checking"
)

// Reason says why a connection was lost. Empty while connected.
type Reason string

const (
	ReasonNone            Reason = ""
	ReasonExpired         Reason = "expired"
	ReasonPasswordChanged Reason = "password_changed"
	ReasonRevoked         Reason = "revoked"
	ReasonInvalid         Reason = "invalid"
	ReasonScopeLost       Reason = "scope_lost"
)

// Describe says in words what a reason means to the person.
func (r Reason) Describe() string {
	switch r {
	case ReasonExpired:
		return "Its access reached the end of its lifespan."
	case ReasonPasswordChanged:
		return "The password or username was changed on the network."
	case ReasonRevoked:
		return "SocialOmm was removed in the network's settings, or the profile is gone."
	case ReasonInvalid:
		return "The network no longer accepts SocialOmm's access."
	case ReasonScopeLost:
		return "Some permissions SocialOmm needs were taken away."
	}
	return ""
}

// Short is the reason in a few words, for a list row.
func (r Reason) Short() string {
	switch r {
	case ReasonExpired:
		return "Its access expired"
	case ReasonPasswordChanged:
		return "Password or username changed"
	case ReasonRevoked:
		return "App access removed, or profile gone"
	case ReasonInvalid:
		return "Sign-in no longer accepted"
	case ReasonScopeLost:
		return "Permissions were narrowed"
	}
	return ""
}

// NeedsAttention reports whether the person has something to do.
func (s State) NeedsAttention() bool { return s == Disconnected || s == Expiring }

// Account is one connected profile as the app keeps it. Secrets are never
// part of it: they live in the keyring, keyed by ID.
type Account struct {
	ID       int64  `json:"id"`
	Network  string `json:"network"`
	Instance string `json:"instance,omitempty"` // server base URL for networks with many servers
	RemoteID string `json:"remote_id"`
	// Handle is the profile as the person writes it, e.g. "@ana@mastodon.social".
	Handle      string     `json:"handle"`
	DisplayName string     `json:"display_name"`
	AvatarURL   string     `json:"avatar_url,omitempty"`
	ProfileURL  string     `json:"profile_url,omitempty"`
	State       State      `json:"state"`
	Reason      Reason     `json:"reason"`
	ExpiresAt   *time.Time `json:"expires_at"` // nil: never expires
	// LastCheckedAt is the last check attempt; LastGoodCheckAt the last that
	// reached the network and got an answer about the token.
	LastCheckedAt   *time.Time `json:"last_checked_at"`
	LastGoodCheckAt *time.Time `json:"last_good_check_at"`
	LastError       string     `json:"last_error"`
	// StateSince is when the account entered its state.
	StateSince *time.Time `json:"state_since"`
	// TokenExpiresAt is when the access token ends, where the network says;
	// it is refreshed ahead of that where the network allows.
	TokenExpiresAt *time.Time `json:"token_expires_at,omitempty"`
	// SignedInAt is when the person last signed in (connect or Update):
	// the lifespan counts from it. Left out of the JSON the command line
	// prints, which stays as it was.
	SignedInAt *time.Time `json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// Counts are how many accounts there are, by state and by network.
type Counts struct {
	Total     int
	ByState   map[State]int
	ByNetwork map[string]int
}

// Activity is one line of an account's activity log (AccountID nil: the
// app's own, such as a removal).
type Activity struct {
	ID        int64     `json:"id"`
	AccountID *int64    `json:"account_id"`
	At        time.Time `json:"at"`
	Kind      string    `json:"kind"`
	Message   string    `json:"message"`
}
