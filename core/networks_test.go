package core

import (
	"testing"

	"github.com/socialomm/desktop/assets"
	"github.com/socialomm/desktop/core/network"
	"github.com/socialomm/desktop/core/settings"
)

// TestEveryCatalogEntryIsComplete: each network's entry has what the
// screens, the command line and the pipeline read, and its adapter
// implements the flow its sign-in kind names.
func TestEveryCatalogEntryIsComplete(t *testing.T) {
	e, _, _ := newTestEngine(t)
	flows := map[network.SignInKind]func(network.Adapter) bool{
		network.SignInServer:      func(a network.Adapter) bool { _, ok := a.(network.LoopbackSignIn); return ok },
		network.SignInLoopback:    func(a network.Adapter) bool { _, ok := a.(network.LoopbackSignIn); return ok },
		network.SignInAppPassword: func(a network.Adapter) bool { _, ok := a.(network.FormSignIn); return ok },
		network.SignInPaste:       func(a network.Adapter) bool { _, ok := a.(network.PasteSignIn); return ok },
	}
	for _, n := range Networks().Entries() {
		t.Run(n.Name, func(t *testing.T) {
			if n.Title == "" || n.TextLimit <= 0 || assets.NetworkIcon(n.Icon) == nil {
				t.Errorf("title %q, limit %d, icon %q", n.Title, n.TextLimit, n.Icon)
			}
			ad, ok := e.adapters[n.Name]
			if !ok || ad.Name() != n.Name {
				t.Fatalf("no adapter named %s", n.Name)
			}
			// A post whose outcome was lost is looked for on every network
			// before anything is sent again.
			if _, ok := ad.(network.RecentPoster); !ok {
				t.Error("cannot list recent posts")
			}
			// The command line offers --page for exactly the sign-ins that
			// let the person choose among several profiles.
			if _, chooses := ad.(network.Chooser); chooses != (n.ChoiceUsage != "") {
				t.Errorf("choosing a profile: adapter %v, command-line help %q", chooses, n.ChoiceUsage)
			}
			if check, ok := flows[n.SignIn]; !ok || !check(ad) {
				t.Errorf("sign-in kind %q without its flow", n.SignIn)
			}
			if (n.SignIn == network.SignInServer || n.SignIn == network.SignInAppPassword) && len(n.Form) == 0 {
				t.Error("a form sign-in asks nothing")
			}
			if k := n.Keys; k != nil {
				for _, key := range []string{k.IDKey, k.SecretKey, k.RedirectKey} {
					if _, ok := settings.Lookup(key); key != "" && !ok {
						t.Errorf("no setting %s", key)
					}
				}
				if k.PortalName == "" || n.Web == "" {
					t.Errorf("portal %q, web %q", k.PortalName, n.Web)
				}
			}
			if got := e.Networks().Title(n.Name); got != n.Title {
				t.Errorf("the engine names it %q", got)
			}
		})
	}
	if Networks().Title("nosuch") != "nosuch" {
		t.Error("an unknown network is not named by its key")
	}
}
