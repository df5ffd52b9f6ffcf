package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/notify"
)

// These tests build no window: the list model is plain data.

func newTestList(list []account.Account, counts *account.Counts) *accountList {
	l := &accountList{
		title:    func(n string) string { return strings.ToUpper(n[:1]) + n[1:] },
		networks: []string{"mastodon", "bluesky", "x"},
	}
	l.setLoaded(list, counts)
	l.applyFilter("", "")
	return l
}

func listAccount(id int64, network, name string, state account.State) account.Account {
	return account.Account{ID: id, Network: network, DisplayName: name, Handle: "@" + strings.ToLower(name), State: state}
}

func ids(list []account.Account) []int64 {
	var out []int64
	for _, a := range list {
		out = append(out, a.ID)
	}
	return out
}

func TestAccountListSearchAndFilter(t *testing.T) {
	l := newTestList([]account.Account{
		listAccount(1, "mastodon", "Ana Bakery", account.Disconnected),
		listAccount(2, "bluesky", "Bo Books", account.Expiring),
		listAccount(3, "mastodon", "Cy Cafe", account.Connected),
		listAccount(4, "bluesky", "Ana Studio", account.Connected),
	}, nil)
	tests := []struct {
		name, search, choice string
		want                 []int64
		summary              string
	}{
		{"everything", "", "", []int64{1, 2, 3, 4}, "4 profiles"},
		{"all profiles chosen", "", filterAll, []int64{1, 2, 3, 4}, "4 profiles"},
		{"one word, any case", "ANA", "", []int64{1, 4}, "2 of 4 profiles"},
		{"every word must match", "ana studio", "", []int64{4}, "1 of 4 profiles"},
		{"the network's title matches", "bluesky", "", []int64{2, 4}, "2 of 4 profiles"},
		{"needs attention", "", filterAttention, []int64{1, 2}, "2 of 4 profiles"},
		{"expiring soon", "", filterExpiring, []int64{2}, "1 of 4 profiles"},
		{"one network", "", "Mastodon", []int64{1, 3}, "2 of 4 profiles"},
		{"search within a network", "cafe", "Mastodon", []int64{3}, "1 of 4 profiles"},
		{"nothing matches", "zebra", "", nil, "0 of 4 profiles"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l.applyFilter(tc.search, tc.choice)
			if got := ids(l.accounts); !slices.Equal(got, tc.want) {
				t.Errorf("shown %v, want %v", got, tc.want)
			}
			if got := l.summaryLine(); got != tc.summary {
				t.Errorf("summary %q, want %q", got, tc.summary)
			}
		})
	}
}

func TestAccountListFilterChoices(t *testing.T) {
	tests := []struct {
		name   string
		list   []account.Account
		counts *account.Counts
		keep   string
		want   []string
		kept   string
	}{
		{"networks present, in load order", []account.Account{listAccount(1, "bluesky", "A", account.Connected), listAccount(2, "mastodon", "B", account.Connected)},
			nil, "Mastodon", []string{filterAll, filterAttention, filterExpiring, "Bluesky", "Mastodon"}, "Mastodon"},
		{"a network no longer present is dropped", []account.Account{listAccount(1, "bluesky", "A", account.Connected)},
			nil, "Mastodon", []string{filterAll, filterAttention, filterExpiring, "Bluesky"}, ""},
		{"first screenful: the counts add the networks not loaded yet", []account.Account{listAccount(1, "bluesky", "A", account.Connected)},
			&account.Counts{Total: 3, ByNetwork: map[string]int{"bluesky": 1, "x": 2}}, "X",
			[]string{filterAll, filterAttention, filterExpiring, "Bluesky", "X"}, "X"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := newTestList(tc.list, tc.counts)
			if got := l.filterChoices(); !slices.Equal(got, tc.want) {
				t.Errorf("choices %v, want %v", got, tc.want)
			}
			if got := l.keepChoice(tc.keep); got != tc.kept {
				t.Errorf("keepChoice(%q) = %q, want %q", tc.keep, got, tc.kept)
			}
		})
	}
}

// TestAccountListCountsWhileOnlyTheFirstScreenfulIsLoaded: the summary and
// the banner count every account from the counts, not the rows loaded.
func TestAccountListCountsWhileOnlyTheFirstScreenfulIsLoaded(t *testing.T) {
	head := []account.Account{
		listAccount(1, "mastodon", "A", account.Disconnected),
		listAccount(2, "mastodon", "B", account.Expiring),
	}
	counts := &account.Counts{Total: 5000, ByState: map[account.State]int{account.Disconnected: 12, account.Expiring: 3},
		ByNetwork: map[string]int{"mastodon": 5000}}
	l := newTestList(head, counts)
	if l.total() != 5000 || l.summaryLine() != "5,000 profiles" {
		t.Fatalf("total %d, summary %q", l.total(), l.summaryLine())
	}
	text, needing := l.attentionLine()
	if text != "12 profiles need reconnecting · 3 expire soon" || !slices.Equal(ids(needing), []int64{1, 2}) {
		t.Fatalf("banner %q about %v", text, ids(needing))
	}
	// All loaded: the rows count.
	l.setLoaded(head, nil)
	l.applyFilter("", "")
	if text, _ := l.attentionLine(); l.total() != 2 || text != "1 profile needs reconnecting · 1 expires soon" {
		t.Fatalf("all loaded: total %d, banner %q", l.total(), text)
	}
}

func TestAccountListMarksChecking(t *testing.T) {
	l := newTestList([]account.Account{listAccount(1, "x", "A", account.Disconnected), listAccount(2, "x", "B", account.Connected)}, nil)
	l.setChecking(1)
	if l.accounts[0].State != account.Checking || l.accounts[1].State != account.Connected {
		t.Fatalf("states %v %v", l.accounts[0].State, l.accounts[1].State)
	}
}

// TestNextCountdown: the soonest change among the rows that count down;
// rows that say something else (a lost connection's reason, a failed
// check) arm nothing.
func TestNextCountdown(t *testing.T) {
	now := time.Date(2027, 2, 9, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	inDays := account.Account{State: account.Connected, ExpiresAt: at(20 * 24 * time.Hour)}
	inMinutes := account.Account{State: account.Expiring, ExpiresAt: at(30*time.Minute + 10*time.Second)}
	revoked := account.Account{State: account.Disconnected, Reason: account.ReasonRevoked, ExpiresAt: at(time.Minute)}
	unchecked := account.Account{State: account.Expiring, LastError: "Could not check: offline", ExpiresAt: at(time.Minute)}
	expired := account.Account{State: account.Disconnected, Reason: account.ReasonExpired, ExpiresAt: at(-90 * time.Second)}
	never := account.Account{State: account.Connected}
	tests := []struct {
		name   string
		rows   []account.Account
		within time.Duration // the wait is positive and at most this
		armed  bool
	}{
		{"no rows", nil, 0, false},
		{"nothing counts down", []account.Account{revoked, never}, 0, false},
		{"a row that could not be checked keeps counting down", []account.Account{unchecked, never}, time.Minute, true},
		{"minutes left: within the minute", []account.Account{inDays, inMinutes, revoked}, time.Minute, true},
		{"days left: within the day", []account.Account{inDays}, 24 * time.Hour, true},
		{"expired counts up", []account.Account{expired}, time.Minute, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wait, ok := nextCountdown(now, tc.rows)
			if ok != tc.armed || (ok && (wait <= 0 || wait > tc.within)) {
				t.Fatalf("next change in %s (armed %v), want armed %v within %s", wait, ok, tc.armed, tc.within)
			}
		})
	}
}

func TestThousandsAndSummaryWords(t *testing.T) {
	tests := []struct {
		total, shown int
		want         string
	}{
		{0, 0, ""}, {1, 1, "1 profile"}, {5000, 5000, "5,000 profiles"}, {1234567, 12, "12 of 1,234,567 profiles"},
	}
	for _, tc := range tests {
		if got := summaryText(tc.total, tc.shown); got != tc.want {
			t.Errorf("summaryText(%d, %d) = %q, want %q", tc.total, tc.shown, got, tc.want)
		}
	}
	if got := fmt.Sprint(notify.Count(999), " ", notify.Count(1000)); got != "999 1,000" {
		t.Errorf("thousands: %q", got)
	}
}
