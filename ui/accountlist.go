package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/expiry"
	"github.com/socialomm/desktop/core/notify"
)

// accountList is what the Accounts window lists, without any widget: the
// loaded accounts, what the search and filter let through, the counts and
// the banner's and summary's words, and when the next countdown text
// changes. It draws nothing, so plain tests cover it; the screen holds one
// and touches it on the UI goroutine only.
type accountList struct {
	// title names a network as the window shows it; networks are every
	// network in the Connect menu's order.
	title    func(network string) string
	networks []string

	// all is every loaded account; accounts is what the search and filter
	// let through, in the same order.
	all      []account.Account
	accounts []account.Account
	// searchKeys[i] is all[i]'s name, handle and network, lower-cased once
	// per load so each keystroke only compares strings.
	searchKeys []string
	// counts, while only the first screenful is loaded (all holds those),
	// are the counts of every account; nil once all are loaded.
	counts *account.Counts
	// shownCount is how many the summary says are shown.
	shownCount int
	// order is the column the compact table sorts by (accountsort.go).
	order accountSort
}

// setLoaded takes a fresh load: every account (counts nil), or the first
// screenful with the counts of all.
func (l *accountList) setLoaded(list []account.Account, counts *account.Counts) {
	l.all, l.counts = list, counts
	l.searchKeys = make([]string, len(list))
	for i, a := range list {
		l.searchKeys[i] = strings.ToLower(a.DisplayName + " " + a.Handle + " " + l.title(a.Network))
	}
}

// total is how many accounts there are, loaded or not.
func (l *accountList) total() int {
	if l.counts != nil {
		return l.counts.Total
	}
	return len(l.all)
}

const (
	filterAll       = "All profiles"
	filterAttention = "Needs attention"
	filterExpiring  = "Expiring soon"
)

// filterChoices are the fixed filters and one per network present.
func (l *accountList) filterChoices() []string {
	choices := []string{filterAll, filterAttention, filterExpiring}
	seen := map[string]bool{}
	add := func(network string) {
		if title := l.title(network); !seen[title] {
			seen[title] = true
			choices = append(choices, title)
		}
	}
	for _, a := range l.all {
		add(a.Network)
	}
	if l.counts != nil {
		for _, n := range l.networks {
			if l.counts.ByNetwork[n] > 0 {
				add(n)
			}
		}
	}
	return choices
}

// keepChoice is choice if it is still offered, else "" (all).
func (l *accountList) keepChoice(choice string) string {
	if choice != "" && !slices.Contains(l.filterChoices(), choice) {
		return ""
	}
	return choice
}

// applyFilter lets through the accounts the search text and the filter
// choice match.
func (l *accountList) applyFilter(search, choice string) {
	words := strings.Fields(strings.ToLower(search))
	shown := l.accounts[:0:0]
	for i, a := range l.all {
		if l.matchesFilter(a, choice) && matchesWords(l.searchKeys[i], words) {
			shown = append(shown, a)
		}
	}
	l.accounts = shown
	l.sortShown()
	// While only the first screenful is loaded, a search counts what it
	// found among those; the rest follows within moments.
	l.shownCount = len(shown)
	if len(shown) == len(l.all) {
		l.shownCount = l.total()
	}
}

// summaryLine is "5,000 profiles", or "12 of 5,000 profiles" while a
// search or filter hides some.
func (l *accountList) summaryLine() string { return summaryText(l.total(), l.shownCount) }

// attentionLine is the banner's sentence and the accounts it is about,
// most urgent first.
func (l *accountList) attentionLine() (string, []account.Account) {
	text, needing := attentionSummary(l.all)
	if l.counts != nil {
		// Only the first screenful is loaded: the counts come from all,
		// and those needing the person sort first, so the accounts are
		// the same.
		text = attentionText(l.counts.ByState[account.Disconnected], l.counts.ByState[account.Expiring])
	}
	return text, needing
}

// attentionTotal is how many accounts need the person, loaded or not.
func (l *accountList) attentionTotal() int {
	if l.counts != nil {
		return l.counts.ByState[account.Disconnected] + l.counts.ByState[account.Expiring]
	}
	_, needing := attentionSummary(l.all)
	return len(needing)
}

// setChecking shows an account as being checked until the next load.
func (l *accountList) setChecking(id int64) {
	for i := range l.accounts {
		if l.accounts[i].ID == id {
			l.accounts[i].State = account.Checking
		}
	}
}

func (l *accountList) matchesFilter(a account.Account, choice string) bool {
	switch choice {
	case "", filterAll:
		return true
	case filterAttention:
		return a.State.NeedsAttention()
	case filterExpiring:
		return a.State == account.Expiring
	}
	return l.title(a.Network) == choice
}

func matchesWords(key string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(key, w) {
			return false
		}
	}
	return true
}

// nextCountdown is how long until the soonest countdown text of the given
// accounts (the rows on screen) changes; false when none counts down.
func nextCountdown(now time.Time, onScreen []account.Account) (time.Duration, bool) {
	expiries := make([]*time.Time, 0, len(onScreen))
	for _, a := range onScreen {
		expiries = append(expiries, countingDown(a))
	}
	return expiry.Earliest(now, expiries)
}

// countingDown is the expiry a row counts down to (or back from), or nil
// when its second line says why access was lost. A check that could not
// ask the network keeps the countdown.
func countingDown(a account.Account) *time.Time {
	if a.State == account.Disconnected && a.Reason != account.ReasonExpired {
		return nil
	}
	return a.ExpiresAt
}

// shortName is an account's display name (else handle) cut to fit a button.
func shortName(a account.Account) string {
	name := []rune(a.DisplayName)
	if len(name) == 0 {
		name = []rune(a.Handle)
	}
	if len(name) > 18 {
		name = append(name[:17], '…')
	}
	return string(name)
}

// attentionSummary is the banner's sentence ("2 profiles need reconnecting ·
// 1 expires soon") and the accounts it is about, most urgent first.
func attentionSummary(list []account.Account) (string, []account.Account) {
	var lost, expiring []account.Account
	for _, a := range list {
		switch a.State {
		case account.Disconnected:
			lost = append(lost, a)
		case account.Expiring:
			expiring = append(expiring, a)
		}
	}
	return attentionText(len(lost), len(expiring)), append(lost, expiring...)
}

// attentionText is the banner's sentence for so many lost and expiring.
func attentionText(lost, expiring int) string {
	var parts []string
	switch lost {
	case 0:
	case 1:
		parts = append(parts, "1 profile needs reconnecting")
	default:
		parts = append(parts, fmt.Sprintf("%s profiles need reconnecting", notify.Count(lost)))
	}
	switch expiring {
	case 0:
	case 1:
		parts = append(parts, "1 expires soon")
	default:
		parts = append(parts, fmt.Sprintf("%s expire soon", notify.Count(expiring)))
	}
	return strings.Join(parts, " · ")
}

// summaryText is "5,000 profiles", or "12 of 5,000 profiles" while a search
// or filter hides some.
func summaryText(total, shown int) string {
	switch {
	case total == 0:
		return ""
	case shown < total:
		return fmt.Sprintf("%s of %s profiles", notify.Count(shown), notify.Count(total))
	case total == 1:
		return "1 profile"
	}
	return notify.Count(total) + " profiles"
}
