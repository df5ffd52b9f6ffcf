package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/notify"
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
// accounts, "" when no check failed for want of a network: the whole
// machine offline when no profile's check went through since the trouble
// began, otherwise the servers that could not be reached, named (title
// names a network, for those with no server of their own).
func connectivityText(list []account.Account, title func(string) string, now time.Time, loc *time.Location) string {
	var hosts []string
	seen := map[string]bool{}
	var since, firstFail *time.Time
	for _, a := range list {
		if !unreachable(a) {
			continue
		}
		if h := serverOf(a, title); !seen[h] {
			seen[h] = true
			hosts = append(hosts, h)
		}
		// The trouble began after the latest good check any of them had.
		if g := a.LastGoodCheckAt; g != nil && (since == nil || g.After(*since)) {
			since = g
		}
		if c := a.LastCheckedAt; c != nil && (firstFail == nil || c.Before(*firstFail)) {
			firstFail = c
		}
	}
	if len(hosts) == 0 {
		return ""
	}
	sinceWords := ""
	if since != nil {
		sinceWords = " since " + when.In(now, loc).Near(*since, now)
	}
	if !reachedSince(list, firstFail) {
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

// reachedSince says whether some profile's check went through at or after
// the first failed one: then the machine is online and only some servers
// are not answering. Profiles not checked since (never asked, or their
// network not checkable) say nothing either way.
func reachedSince(list []account.Account, firstFail *time.Time) bool {
	if firstFail == nil {
		return false
	}
	for _, a := range list {
		if a.State == account.Disconnected && a.Reason == account.ReasonExpired {
			continue
		}
		if a.LastError == "" && a.LastCheckedAt != nil && a.LastGoodCheckAt != nil &&
			a.LastGoodCheckAt.Equal(*a.LastCheckedAt) && !a.LastCheckedAt.Before(*firstFail) {
			return true
		}
	}
	return false
}

// serverOf is the server a row's checks go to, as a person reads it: the
// instance's host, else the network's name.
func serverOf(a account.Account, title func(string) string) string {
	h := strings.TrimPrefix(strings.TrimPrefix(a.Instance, "https://"), "http://")
	if h = strings.TrimSuffix(h, "/"); h != "" {
		return h
	}
	return title(a.Network)
}

// connectivityLine is the banner's sentence for the loaded accounts.
func (l *accountList) connectivityLine(now time.Time) string {
	return connectivityText(l.all, l.title, now, time.Local)
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
func moreText(n int) string { return "and " + notify.Count(n) + " more" }
