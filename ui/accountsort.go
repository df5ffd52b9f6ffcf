package ui

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/socialomm/desktop/core/account"
)

// column is one column of the compact Accounts table.
type column int

const (
	columnName column = iota
	columnNetwork
	columnHandle
	columnState
	columnCountdown
	columnLastCheck
	columnCount
)

// columnTitles are the compact table's headers, in column order.
var columnTitles = [columnCount]string{"Name", "Network", "Handle", "State", "Expires", "Last check"}

// accountSort is how the list is ordered: by one column, up or down. The
// zero value is the loaded order (the most urgent first).
type accountSort struct {
	by   column
	desc bool
	on   bool
}

// sortBy orders the shown accounts by col; choosing the column already
// sorted by turns the order round.
func (l *accountList) sortBy(col column) {
	if l.order.on && l.order.by == col {
		l.order.desc = !l.order.desc
	} else {
		l.order = accountSort{by: col, on: true}
	}
	l.sortShown()
}

// sortShown puts the shown accounts in the chosen order; ties keep the
// loaded order, so equal rows do not jump about between reloads.
func (l *accountList) sortShown() {
	if !l.order.on {
		return
	}
	compare := l.comparer(l.order.by)
	slices.SortStableFunc(l.accounts, func(a, b account.Account) int {
		c := compare(a, b)
		if l.order.desc {
			return -c
		}
		return c
	})
}

// headerTitle is a column's header with an arrow when the list is sorted by it.
func (l *accountList) headerTitle(col column) string {
	title := columnTitles[col]
	if l.order.on && l.order.by == col {
		if l.order.desc {
			return title + " ▼"
		}
		return title + " ▲"
	}
	return title
}

func (l *accountList) comparer(col column) func(a, b account.Account) int {
	switch col {
	case columnNetwork:
		return func(a, b account.Account) int { return strings.Compare(l.title(a.Network), l.title(b.Network)) }
	case columnHandle:
		return func(a, b account.Account) int {
			return strings.Compare(strings.ToLower(a.Handle), strings.ToLower(b.Handle))
		}
	case columnState:
		return func(a, b account.Account) int { return cmp.Compare(stateRank(a.State), stateRank(b.State)) }
	case columnCountdown:
		return func(a, b account.Account) int { return compareTimes(a.ExpiresAt, b.ExpiresAt) }
	case columnLastCheck:
		return func(a, b account.Account) int { return compareTimes(a.LastCheckedAt, b.LastCheckedAt) }
	}
	return func(a, b account.Account) int {
		return strings.Compare(strings.ToLower(nameOf(a)), strings.ToLower(nameOf(b)))
	}
}

// stateRank orders states by how much they need the person: lost first.
func stateRank(s account.State) int {
	switch s {
	case account.Disconnected:
		return 0
	case account.Expiring:
		return 1
	case account.Checking:
		return 2
	}
	return 3
}

// compareTimes orders times earliest first; none (never expires, never
// checked) sorts last.
func compareTimes(a, b *time.Time) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return a.Compare(*b)
}

// nameOf is an account's display name, else its handle.
func nameOf(a account.Account) string {
	if a.DisplayName != "" {
		return a.DisplayName
	}
	return a.Handle
}
