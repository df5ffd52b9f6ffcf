package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/when"
)

// Check trouble (a check that could not ask the network) is shown once for
// everything it affects, in the connectivity banner, and as a small mark on
// the rows it concerns; the countdown stays on every row. This file holds
// the words and the decisions, without any widget, so plain tests cover
// them.

// checkTrouble says whether a row's last check could not ask the network
// (or the keyring): the row gets the mark, and keeps its countdown.
func checkTrouble(a account.Account) bool {
	return a.State != account.Disconnected && strings.HasPrefix(a.LastError, "Could not check")
}

// unreachable says whether a row's trouble is the network not answering,
// as opposed to the keyring: only that belongs in the connectivity banner.
func unreachable(a account.Account) bool {
	return checkTrouble(a) && !strings.Contains(a.LastError, "keyring")
}

// troubleDetail is the row detail's words for its check trouble, "" when
// the last check went well.
func troubleDetail(a account.Account, now time.Time) string {
	if !checkTrouble(a) {
		return ""
	}
	words := strings.TrimSuffix(a.LastError, ".") + "."
	if a.LastGoodCheckAt != nil {
		return words + " The countdown is from the last good check, " + ago(now, *a.LastGoodCheckAt) + "; SocialOmm checks again by itself."
	}
	return words + " SocialOmm checks again by itself."
}

// maxHostsNamed is how many servers the banner names before "and N more".
const maxHostsNamed = 3

// connectivityText is the connectivity banner's sentence for the listed
// accounts, "" when every check that could reach its network did: the
// whole machine offline when no connected profile's server answered,
// otherwise the servers that did not, named.
func connectivityText(list []account.Account, now time.Time, loc *time.Location) string {
	var hosts []string
	seen := map[string]bool{}
	live, troubled := 0, 0
	var since *time.Time
	for _, a := range list {
		if a.State == account.Disconnected {
			continue
		}
		live++
		if !unreachable(a) {
			continue
		}
		troubled++
		if h := serverOf(a); !seen[h] {
			seen[h] = true
			hosts = append(hosts, h)
		}
		// The trouble began after the latest good check any of them had.
		if g := a.LastGoodCheckAt; g != nil && (since == nil || g.After(*since)) {
			since = g
		}
	}
	if troubled == 0 {
		return ""
	}
	sinceWords := ""
	if since != nil {
		sinceWords = " since " + when.In(now, loc).Near(*since, now)
	}
	if troubled == live {
		return "Offline: SocialOmm could not reach any network" + sinceWords + "; countdowns are from the last good checks"
	}
	named := hosts
	more := ""
	if len(hosts) > maxHostsNamed {
		named = hosts[:maxHostsNamed]
		more = fmt.Sprintf(" and %d more", len(hosts)-maxHostsNamed)
	}
	return "Could not reach " + strings.Join(named, ", ") + more + sinceWords + "; their countdowns are from the last good checks"
}

// serverOf is the server a row's checks go to, as a person reads it: the
// instance's host, else the network's name.
func serverOf(a account.Account) string {
	h := strings.TrimPrefix(strings.TrimPrefix(a.Instance, "https://"), "http://")
	if h = strings.TrimSuffix(h, "/"); h != "" {
		return h
	}
	return a.Network
}

// connectivityLine is the banner's sentence for the loaded accounts.
func (l *accountList) connectivityLine(now time.Time) string {
	return connectivityText(l.all, now, time.Local)
}

// maxBannerButtons is how many Update buttons the attention banner holds;
// the rest go into "and N more", so the banner never widens the window.
const maxBannerButtons = 2

// bannerButtons splits the accounts needing attention into those given an
// Update button and how many more there are.
func bannerButtons(needing []account.Account, more int) ([]account.Account, int) {
	if len(needing) <= maxBannerButtons {
		return needing, more
	}
	return needing[:maxBannerButtons], more + len(needing) - maxBannerButtons
}

// moreText is the overflow button's words.
func moreText(n int) string { return "and " + thousands(n) + " more" }
