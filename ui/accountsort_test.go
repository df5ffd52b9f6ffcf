package ui

import (
	"slices"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
)

func TestAccountListSortsByColumn(t *testing.T) {
	day := func(d int) *time.Time { v := time.Date(2027, 3, d, 0, 0, 0, 0, time.UTC); return &v }
	accounts := []account.Account{
		{ID: 1, Network: "mastodon", DisplayName: "carol", Handle: "@zed", State: account.Connected, ExpiresAt: day(20), LastCheckedAt: day(2)},
		{ID: 2, Network: "bluesky", DisplayName: "Ann", Handle: "@yan", State: account.Disconnected, ExpiresAt: nil, LastCheckedAt: day(3)},
		{ID: 3, Network: "x", DisplayName: "bob", Handle: "@Xia", State: account.Expiring, ExpiresAt: day(5), LastCheckedAt: nil},
	}
	tests := []struct {
		name  string
		click []column
		want  []int64
		arrow string
	}{
		{"loaded order until a header is clicked", nil, []int64{1, 2, 3}, "Name"},
		{"name, case-insensitive", []column{columnName}, []int64{2, 3, 1}, "Name ▲"},
		{"name again turns round", []column{columnName, columnName}, []int64{1, 3, 2}, "Name ▼"},
		{"network by its title", []column{columnNetwork}, []int64{2, 1, 3}, "Network ▲"},
		{"handle", []column{columnHandle}, []int64{3, 2, 1}, "Handle ▲"},
		{"state: lost first", []column{columnState}, []int64{2, 3, 1}, "State ▲"},
		{"countdown: soonest first, never expires last", []column{columnCountdown}, []int64{3, 1, 2}, "Expires ▲"},
		{"last check: never checked last", []column{columnLastCheck}, []int64{1, 2, 3}, "Last check ▲"},
		{"another column starts ascending", []column{columnName, columnName, columnState}, []int64{2, 3, 1}, "State ▲"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newTestList(slices.Clone(accounts), nil)
			for _, c := range tt.click {
				l.sortBy(c)
			}
			if got := ids(l.accounts); !slices.Equal(got, tt.want) {
				t.Fatalf("order %v, want %v", got, tt.want)
			}
			col := columnName
			if len(tt.click) > 0 {
				col = tt.click[len(tt.click)-1]
			}
			if got := l.headerTitle(col); got != tt.arrow {
				t.Fatalf("header %q, want %q", got, tt.arrow)
			}
		})
	}
}

func TestAccountListKeepsTheSortThroughSearchAndReload(t *testing.T) {
	l := newTestList([]account.Account{
		listAccount(1, "x", "Cat", account.Connected),
		listAccount(2, "x", "Ant", account.Connected),
		listAccount(3, "x", "Bee", account.Connected),
	}, nil)
	l.sortBy(columnName)
	l.sortBy(columnName) // descending
	l.applyFilter("a", "")
	if got := ids(l.accounts); !slices.Equal(got, []int64{1, 2}) {
		t.Fatalf("searched %v, want [1 2] (Cat, Ant)", got)
	}
	l.setLoaded([]account.Account{listAccount(4, "x", "Dog", account.Connected), listAccount(2, "x", "Ant", account.Connected)}, nil)
	l.applyFilter("", "")
	if got := ids(l.accounts); !slices.Equal(got, []int64{4, 2}) {
		t.Fatalf("reloaded %v, want [4 2]", got)
	}
}
