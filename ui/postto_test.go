package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/group"
)

// fakeGroups is Compose's backend with named groups kept in memory, shared
// by every Compose built on it (as the database is).
type fakeGroups struct {
	*fakeCompose
	mu     sync.Mutex
	groups []group.Group
	next   int64
}

func (f *fakeGroups) Groups(context.Context) ([]group.Group, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := slices.Clone(f.groups)
	slices.SortFunc(out, func(a, b group.Group) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return out, nil
}

func (f *fakeGroups) CreateGroup(_ context.Context, name string, ids []int64) (group.Group, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next++
	g := group.Group{ID: f.next, Name: strings.TrimSpace(name), AccountIDs: slices.Sorted(slices.Values(ids))}
	f.groups = append(f.groups, g)
	return g, nil
}

func (f *fakeGroups) RenameGroup(_ context.Context, id int64, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.groups {
		if f.groups[i].ID == id {
			f.groups[i].Name = name
			return nil
		}
	}
	return group.ErrNotFound
}

func (f *fakeGroups) DeleteGroup(_ context.Context, id int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.groups = slices.DeleteFunc(f.groups, func(g group.Group) bool { return g.ID == id })
	return nil
}

// postToAccounts are profiles on three networks.
func postToAccounts() []account.Account {
	return []account.Account{
		{ID: 1, Network: "mastodon", Handle: "@ana@mastodon.social", DisplayName: "Ana", State: account.Connected},
		{ID: 2, Network: "mastodon", Handle: "@bob@tiny.example", DisplayName: "Bob", State: account.Connected},
		{ID: 3, Network: "bluesky", Handle: "@acme.bsky.social", DisplayName: "Acme shop", State: account.Connected},
		{ID: 4, Network: "bluesky", Handle: "@dora.bsky.social", DisplayName: "Dora", State: account.Connected},
		{ID: 5, Network: "x", Handle: "@acmecorp", DisplayName: "Acme corp", State: account.Connected},
	}
}

// newGroupCompose builds Compose on backend b as the window does: loaded
// through start, every slow call inline.
func newGroupCompose(t testing.TB, a fyne.App, b *fakeGroups) *composeScreen {
	t.Helper()
	s := newComposeScreen(a, b, nil, nil)
	s.loc = testZone
	s.async = func(fn func()) { fn() }
	s.window.Resize(fyne.NewSize(680, 900))
	s.loadNow(false)
	t.Cleanup(s.window.Close)
	return s
}

// shownNames are the names of the profiles the list draws now.
func shownNames(t *testing.T, s *composeScreen) []string {
	t.Helper()
	var names []string
	walkObjects(t, s.picker.list, func(o fyne.CanvasObject) {
		if c, ok := o.(*widget.Check); ok && c.Visible() {
			names = append(names, c.Text)
		}
	})
	slices.Sort(names)
	return names
}

func chosenIDs(s *composeScreen) string {
	var ids []int64
	for id := range s.chosen {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return fmt.Sprint(ids)
}

func TestSearchNarrowsPostTo(t *testing.T) {
	b := &fakeGroups{fakeCompose: &fakeCompose{now: composeNow, accounts: postToAccounts()}}
	s := newGroupCompose(t, test.NewTempApp(t), b)
	if got := fmt.Sprint(shownNames(t, s)); got != "[Acme corp Acme shop Ana Bob Dora]" {
		t.Fatalf("before a search: %s", got)
	}
	for _, tc := range []struct{ typed, want string }{
		{"acme", "[Acme corp Acme shop]"},          // name and handle
		{"Bluesky", "[Acme shop Dora]"},            // the network's title
		{"acme bluesky", "[Acme shop]"},            // every word must match
		{"tiny.example", "[Bob]"},                  // handle
		{"nobody", "[]"},                           // nothing
		{"", "[Acme corp Acme shop Ana Bob Dora]"}, // cleared
	} {
		s.picker.search.SetText("")
		test.Type(s.picker.search, tc.typed)
		if got := fmt.Sprint(shownNames(t, s)); got != tc.want {
			t.Errorf("typed %q: list shows %s, want %s", tc.typed, got, tc.want)
		}
	}
	test.Type(s.picker.search, "acme")
	if textOf(s.picker.count) != "0 selected · 2 of 5 profiles match" {
		t.Fatalf("count %q", textOf(s.picker.count))
	}
}

func TestSelectAllMatchingSelectsOnlyThoseAndKeepsThemAcrossSearches(t *testing.T) {
	b := &fakeGroups{fakeCompose: &fakeCompose{now: composeNow, accounts: postToAccounts()}}
	s := newGroupCompose(t, test.NewTempApp(t), b)
	tick(t, s, "Ana")
	test.Type(s.picker.search, "acme")
	if s.picker.selectAll.Text != "Select all matching (2)" {
		t.Fatalf("button %q", s.picker.selectAll.Text)
	}
	test.Tap(s.picker.selectAll)
	if got := chosenIDs(s); got != "[1 3 5]" {
		t.Fatalf("after select all matching: %s", got)
	}
	s.picker.search.SetText("")
	if got := chosenIDs(s); got != "[1 3 5]" || textOf(s.picker.count) != "3 selected" {
		t.Fatalf("after clearing the search: %s, %q", got, textOf(s.picker.count))
	}
	// Clear matching unticks only what the search shows.
	test.Type(s.picker.search, "corp")
	test.Tap(s.picker.clearAll)
	if got := chosenIDs(s); got != "[1 3]" {
		t.Fatalf("after clear matching: %s", got)
	}
}

func TestSelectAllOnANetwork(t *testing.T) {
	b := &fakeGroups{fakeCompose: &fakeCompose{now: composeNow, accounts: postToAccounts()}}
	s := newGroupCompose(t, test.NewTempApp(t), b)
	if got := fmt.Sprint(s.picker.network.Options); got != "[All on Bluesky (2) All on Mastodon (2) All on X (1)]" {
		t.Fatalf("network choices %s", got)
	}
	s.picker.network.SetSelected("All on Bluesky (2)")
	if got := chosenIDs(s); got != "[3 4]" || textOf(s.picker.count) != "2 selected" {
		t.Fatalf("after all on Bluesky: %s %q", got, textOf(s.picker.count))
	}
	if s.picker.network.Selected != "" {
		t.Fatalf("the network choice stays as %q", s.picker.network.Selected)
	}
}

// submitDialog fills the top dialog's entry and presses its button.
func submitDialog(t *testing.T, s *composeScreen, text, button string) {
	t.Helper()
	top := s.window.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog open")
	}
	if text != "" {
		var entry *widget.Entry
		walkObjects(t, top, func(o fyne.CanvasObject) {
			if e, ok := o.(*widget.Entry); ok && entry == nil {
				entry = e
			}
		})
		if entry == nil {
			t.Fatal("the dialog has no entry")
		}
		entry.SetText(text)
	}
	test.Tap(findButtonDeep(t, top, button))
}

func TestGroupSavedThenPickedInANewComposeAndScheduled(t *testing.T) {
	b := &fakeGroups{fakeCompose: &fakeCompose{now: composeNow, accounts: postToAccounts()}}
	a := test.NewTempApp(t)
	first := newGroupCompose(t, a, b)
	if !first.picker.saveGroup.Disabled() {
		t.Fatal("Save as group is offered with nothing ticked")
	}
	test.Type(first.picker.search, "acme")
	test.Tap(first.picker.selectAll)
	test.Tap(first.picker.saveGroup)
	submitDialog(t, first, "Acme client", "Save")
	if got, _ := b.Groups(context.Background()); len(got) != 1 || got[0].Name != "Acme client" || fmt.Sprint(got[0].AccountIDs) != "[3 5]" {
		t.Fatalf("groups kept: %+v", got)
	}

	// Compose opened again: the group is there, and picking it ticks its profiles.
	second := newGroupCompose(t, a, b)
	if got := fmt.Sprint(second.picker.groupSelect.Options); got != "[Acme client (2)]" {
		t.Fatalf("group choices %s", got)
	}
	tick(t, second, "Ana")
	second.picker.groupSelect.SetSelected("Acme client (2)")
	if got := chosenIDs(second); got != "[1 3 5]" {
		t.Fatalf("after picking the group (added to Ana): %s", got)
	}
	second.text.SetText("Hello everyone")
	second.when.SetSelected(whenNow)
	test.Tap(second.submit)
	if len(b.scheduled) != 1 || fmt.Sprint(b.scheduled[0].ids) != "[1 3 5]" {
		t.Fatalf("scheduled %+v (reason %q)", b.scheduled, textOf(second.reason))
	}

	// Rename, then delete (after a confirmation); the profiles stay ticked.
	second.picker.groupSelect.SetSelected("Acme client (2)")
	test.Tap(second.picker.renameGroup)
	submitDialog(t, second, "Acme", "Save")
	if got := fmt.Sprint(second.picker.groupSelect.Options); got != "[Acme (2)]" || second.picker.groupSelect.Selected != "Acme (2)" {
		t.Fatalf("after rename: %s, selected %q", got, second.picker.groupSelect.Selected)
	}
	tick(t, second, "Dora")
	test.Tap(second.picker.deleteGroup)
	submitDialog(t, second, "", "Yes")
	if got, _ := b.Groups(context.Background()); len(got) != 0 {
		t.Fatalf("groups after delete: %+v", got)
	}
	if len(second.picker.groupSelect.Options) != 0 || !second.picker.deleteGroup.Disabled() || chosenIDs(second) != "[3 4 5]" {
		t.Fatalf("after delete: options %v, chosen %s", second.picker.groupSelect.Options, chosenIDs(second))
	}
}

func TestPostToDrawsOnlyTheRowsInView(t *testing.T) {
	b := &fakeGroups{fakeCompose: &fakeCompose{now: composeNow, accounts: manyAccounts(5000)}}
	s := newGroupCompose(t, test.NewTempApp(t), b)
	rows := 0
	walkObjects(t, s.picker.list, func(o fyne.CanvasObject) {
		if _, ok := o.(*widget.Check); ok {
			rows++
		}
	})
	if rows == 0 || rows > 3*postToRows {
		t.Fatalf("%d rows made for 5,000 profiles; want only about the %d in view", rows, postToRows)
	}
	test.Type(s.picker.search, "shop 4999")
	test.Tap(s.picker.selectAll)
	if got := chosenIDs(s); got != "[5000]" || textOf(s.picker.count) != "1 selected · 1 of 5,000 profiles match" {
		t.Fatalf("chosen %s, count %q", got, textOf(s.picker.count))
	}
	// Everything ticked: one counter per network, not 5,000.
	s.picker.search.SetText("")
	test.Tap(s.picker.selectAll)
	if n := len(s.counters.Objects); n != 4 || !strings.Contains(counterTexts(s)[0], "1,250") {
		t.Fatalf("%d counters: %v", n, counterTexts(s))
	}
}

// BenchmarkPostToSearch5000 is one keystroke in Compose's "Post to" search
// with 5,000 profiles: the filter and the list's refresh.
func BenchmarkPostToSearch5000(b *testing.B) {
	backend := &fakeGroups{fakeCompose: &fakeCompose{now: composeNow, accounts: manyAccounts(5000)}}
	s := newGroupCompose(b, test.NewTempApp(b), backend)
	queries := []string{"s", "sh", "sho", "shop", "shop 4", "shop 49", "user12", "bluesky"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.picker.search.SetText(queries[i%len(queries)])
	}
}

// BenchmarkPostToFilter5000 is the filter alone.
func BenchmarkPostToFilter5000(b *testing.B) {
	nets := networksOf(nil)
	var keys []string
	for _, a := range manyAccounts(5000) {
		keys = append(keys, searchKey(a, nets.title(a.Network)))
	}
	queries := [][]string{{"s"}, {"sh"}, {"shop"}, {"shop", "4"}, {"user12"}, {"bluesky"}}
	out := make([]int, 0, len(keys))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out = matching(keys, queries[i%len(queries)], out)
	}
}
