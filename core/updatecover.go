package core

import (
	"context"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/network"
)

// signInCover is what one finished sign-in also gave credentials for: the
// other profiles the same person manages (network.Chooser: the Pages of
// one Facebook login), each with its own credentials, held in memory for
// the rest of one Update all and stored only in the keyring.
type signInCover struct {
	network, instance string
	// by is the handle of the profile whose sign-in it was.
	by      string
	choices []network.Choice
}

// cover is what p's finished sign-in covers besides a, nil when the
// network lists nothing else.
func (p *PasteSignIn) cover(a account.Account) *signInCover {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.choices) == 0 {
		return nil
	}
	return &signInCover{network: p.Network, instance: a.Instance, by: a.Handle, choices: append([]network.Choice(nil), p.choices...)}
}

// covering finds a's credentials in the cover: the same network, place and
// remote profile, on which the person's role still lets them post.
func (c *signInCover) covering(a account.Account) (network.Choice, bool) {
	if c.network != a.Network || c.instance != a.Instance {
		return network.Choice{}, false
	}
	for _, ch := range c.choices {
		if ch.ID == a.RemoteID && ch.Profile.RemoteID == a.RemoteID && ch.CanPost {
			return ch, true
		}
	}
	return network.Choice{}, false
}

// renewCovered renews a from an earlier sign-in of the walk that covers
// it, without asking the person again; false when none does (or storing
// failed: then it gets a sign-in of its own).
func (e *Engine) renewCovered(ctx context.Context, a account.Account, covers []*signInCover) (string, bool) {
	for _, c := range covers {
		ch, ok := c.covering(a)
		if !ok {
			continue
		}
		current, err := e.Account(ctx, a.ID)
		if err == nil {
			_, err = e.complete(ctx, a.Network, &current, network.SignedIn{Instance: current.Instance,
				Profile: ch.Profile, Credentials: ch.Credentials})
		}
		if err != nil {
			e.logger.Info("update all: could not renew from another profile's sign-in", "account", a.ID, "err", err)
			return "", false
		}
		return "Renewed by the sign-in for " + c.by + ".", true
	}
	return "", false
}

// Updating is the account a paste sign-in reconnects, when it is an
// update (StartPasteUpdate, or Update's own).
func (p *PasteSignIn) Updating() (account.Account, bool) {
	if p == nil || p.update == nil {
		return account.Account{}, false
	}
	return *p.update, true
}
