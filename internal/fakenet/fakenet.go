// Package fakenet is a network that exists only for tests: it is added
// to SocialOmm through the network catalog alone (core.Options.Networks,
// cli.Frontend.Networks), to show that one catalog entry is all a new
// network needs for the Connect menu, `accounts connect`, the Accounts
// row, Compose's counter and the notifications to offer it.
//
// It signs in with an app password, like Bluesky, and keeps its profiles
// in memory: a password of Password signs a handle in; Lose makes every
// later check of that profile find the access revoked.
package fakenet

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
)

const (
	// Name is the network's key; Title how it is shown.
	Name  = "fakenet"
	Title = "Fakenet Social"
	// TextLimit is small, so a test reaches it with a short text.
	TextLimit = 42
	// Password is the app password the network accepts.
	Password = "good-app-password"
)

// Icon is the network's own icon.
var Icon = []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#6a5acd"/></svg>`)

// Network is one fake network's state; its Entry is what the catalog
// registers.
type Network struct {
	mu   sync.Mutex
	lost map[string]bool
}

// New returns a network with no profile lost.
func New() *Network { return &Network{lost: map[string]bool{}} }

// Lose makes later checks of handle's profile find its access revoked.
func (n *Network) Lose(handle string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.lost[remoteID(handle)] = true
}

// Entry is the network's catalog entry.
func (n *Network) Entry() network.Entry {
	return network.Entry{
		Name: Name, Title: Title, IconData: Icon,
		TextLimit: TextLimit, Count: network.Runes,
		SignIn: network.SignInAppPassword,
		Form: []network.Field{
			{Key: "handle", Label: "Handle", Placeholder: "you", Metavar: "HANDLE", Example: "ana",
				Usage: "the profile's handle", Empty: "type your handle"},
			{Key: "password", Label: "App password", Secret: true, Update: true, Empty: "an app password is needed"},
		},
		New: func(network.Deps) network.Adapter { return adapter{n} },
	}
}

func remoteID(handle string) string { return "fake:" + strings.TrimPrefix(handle, "@") }

type adapter struct{ n *Network }

func (adapter) Name() string { return Name }

func (a adapter) Verify(_ context.Context, acct account.Account, creds network.Credentials) (network.Profile, error) {
	a.n.mu.Lock()
	lost := a.n.lost[acct.RemoteID]
	a.n.mu.Unlock()
	if lost || creds.AccessToken == "" {
		return network.Profile{}, &network.LostAccessError{Reason: account.ReasonRevoked, Message: "the app was removed"}
	}
	return network.Profile{RemoteID: acct.RemoteID, Handle: acct.Handle}, nil
}

func (adapter) Publish(context.Context, account.Account, network.Credentials, string, string) (network.Published, error) {
	return network.Published{}, errors.New("fakenet does not publish")
}

func (adapter) Revoke(context.Context, account.Account, network.Credentials) error {
	return network.ErrRevokeUnsupported
}

// SignInForm signs handle in when the app password is Password.
func (adapter) SignInForm(_ context.Context, req network.SignInRequest) (network.SignedIn, error) {
	handle := req.Values["handle"]
	if req.Existing != nil {
		handle = req.Existing.Handle
	}
	if req.Values["password"] != Password {
		return network.SignedIn{}, &network.LostAccessError{Reason: account.ReasonPasswordChanged, Message: "wrong app password"}
	}
	h := "@" + strings.TrimPrefix(handle, "@")
	return network.SignedIn{Instance: "https://fakenet.invalid",
		Profile:     network.Profile{RemoteID: remoteID(handle), Handle: h, DisplayName: h},
		Credentials: network.Credentials{AccessToken: "fake-token-" + handle}}, nil
}
