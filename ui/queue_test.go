package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/schedule"
)

// fakeQueue is the scheduler in memory, filtering as it does.
type fakeQueue struct {
	now      time.Time
	accounts []account.Account
	posts    []schedule.Post

	mu      sync.Mutex
	calls   []string
	queries int
}

func (f *fakeQueue) Accounts(context.Context) ([]account.Account, error)        { return f.accounts, nil }
func (f *fakeQueue) Now() time.Time                                             { return f.now }
func (f *fakeQueue) Subscribe(func(core.ChangeKind), ...core.ChangeKind) func() { return func() {} }

func (f *fakeQueue) Posts(_ context.Context, flt schedule.Filter) ([]schedule.Post, error) {
	f.mu.Lock()
	f.queries++
	f.mu.Unlock()
	var out []schedule.Post
	for _, p := range f.posts {
		if !flt.From.IsZero() && p.At.Before(flt.From) || !flt.To.IsZero() && !p.At.Before(flt.To) {
			continue
		}
		if len(flt.States) > 0 && !slices.ContainsFunc(p.Targets, func(t schedule.Target) bool {
			return slices.Contains(flt.States, t.State)
		}) {
			continue
		}
		out = append(out, p)
	}
	slices.SortStableFunc(out, func(a, b schedule.Post) int { return a.At.Compare(b.At) })
	if flt.Limit > 0 && len(out) > flt.Limit {
		out = out[:flt.Limit]
	}
	return out, nil
}

func (f *fakeQueue) record(call string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
}

func (f *fakeQueue) Delete(_ context.Context, id int64) error {
	f.record(fmt.Sprintf("delete %d", id))
	return nil
}

func (f *fakeQueue) Retry(_ context.Context, id int64) (schedule.Post, error) {
	f.record(fmt.Sprintf("retry %d", id))
	return schedule.Post{ID: id}, nil
}

func (f *fakeQueue) PostNow(_ context.Context, id int64) (schedule.Post, error) {
	f.record(fmt.Sprintf("post-now %d", id))
	return schedule.Post{ID: id}, nil
}

func (f *fakeQueue) RetryAllFailed(context.Context) (int, error) {
	f.record("retry-all-failed")
	return 2, nil
}

func queueAccounts() []account.Account {
	return []account.Account{
		{ID: 1, Network: "mastodon", Handle: "@ana@mastodon.social", State: account.Connected},
		{ID: 2, Network: "mastodon", Handle: "@bob@example.org", State: account.Disconnected},
	}
}

func newTestQueue(t *testing.T, b *fakeQueue) *queueScreen {
	t.Helper()
	s := newQueueScreen(test.NewTempApp(t), b)
	s.loc = testZone
	s.async = func(fn func()) { fn() }
	s.window.Resize(fyne.NewSize(920, 620))
	s.reload() // inline: loads and shows at once
	t.Cleanup(s.window.Close)
	return s
}

func post(id int64, at time.Time, text string, targets ...schedule.Target) schedule.Post {
	for i := range targets {
		targets[i].PostID = id
		targets[i].DueAt = at
	}
	return schedule.Post{ID: id, Text: text, At: at.UTC(), Targets: targets}
}

// rowFor draws a post as the list would.
func rowFor(s *queueScreen, p schedule.Post) *queueRow {
	r := newQueueRow(s)
	r.set(queueItem{kind: itemPost, post: p})
	return r
}

func TestQueueRowsShowEachStateInWords(t *testing.T) {
	now := composeNow
	b := &fakeQueue{now: now, accounts: queueAccounts()}
	s := newTestQueue(t, b)
	next := time.Date(2027, 2, 9, 12, 35, 0, 0, testZone)
	cases := []struct {
		target     schedule.Target
		word       string
		importance widget.Importance
		detail     string
	}{
		{schedule.Target{AccountID: 1, State: schedule.Scheduled}, "scheduled", widget.HighImportance, ""},
		{schedule.Target{AccountID: 2, State: schedule.Scheduled}, "scheduled", widget.HighImportance,
			"disconnected: Update it before then, or this copy waits"},
		{schedule.Target{AccountID: 1, State: schedule.Publishing}, "publishing", widget.HighImportance, "on its way now"},
		{schedule.Target{AccountID: 1, State: schedule.Published, URL: "https://mastodon.social/@ana/1"}, "published",
			widget.SuccessImportance, ""},
		{schedule.Target{AccountID: 2, State: schedule.Held, HoldReason: schedule.HoldAccount}, "held", widget.WarningImportance,
			"waiting for you to Update @bob@example.org"},
		{schedule.Target{AccountID: 1, State: schedule.Held, HoldReason: schedule.HoldMissed}, "held", widget.WarningImportance,
			"missed while SocialOmm was closed — Post now or Delete"},
		{schedule.Target{AccountID: 1, State: schedule.Failed, Error: "Validation failed: Text character limit of 500 exceeded"},
			"failed", widget.DangerImportance, "Validation failed: Text character limit of 500 exceeded"},
		{schedule.Target{AccountID: 1, State: schedule.Retrying, NextAttemptAt: next, Error: "the server answered 503"},
			"retrying", widget.WarningImportance, "next try at 12:35 · the server answered 503"},
		{schedule.Target{AccountID: 1, State: schedule.Unconfirmed}, "did it go out?", widget.WarningImportance,
			"SocialOmm lost track while sending; look at the profile, then Retry or Delete"},
	}
	for _, c := range cases {
		r := rowFor(s, post(1, now, "Hello\nsecond line", c.target))
		l := r.lines[0]
		if textOf(l.state) != c.word || colorOf(l.state) != importanceColor(c.importance) || textOf(l.detail) != c.detail {
			t.Errorf("%s/%s: %q (%v) %q", c.target.State, c.target.HoldReason, textOf(l.state), colorOf(l.state), textOf(l.detail))
		}
		wantLink := c.target.State == schedule.Published
		if l.link.Visible() != wantLink || (wantLink && l.link.URL.String() != c.target.URL) {
			t.Errorf("%s: link shown %v (%v)", c.target.State, l.link.Visible(), l.link.URL)
		}
		if r.text.Text != "Hello …" || r.day.Text != "Today" || r.clock.Text != "12:00" {
			t.Errorf("post line %q %q %q", r.text.Text, r.day.Text, r.clock.Text)
		}
	}
}

func TestQueueRowOffersTheActionsThatApply(t *testing.T) {
	b := &fakeQueue{now: composeNow, accounts: queueAccounts()}
	s := newTestQueue(t, b)
	shown := func(r *queueRow) string {
		var out []string
		for _, b := range []*widget.Button{r.edit, r.postNow, r.retry, r.del} {
			if b.Visible() {
				out = append(out, b.Text)
			}
		}
		return strings.Join(out, ",")
	}
	for state, want := range map[schedule.State]string{
		schedule.Scheduled:   "Edit,Post now,Delete",
		schedule.Failed:      "Edit,Retry,Delete",
		schedule.Unconfirmed: "Retry,Delete",
		schedule.Published:   "Delete",
		schedule.Publishing:  "",
	} {
		r := rowFor(s, post(1, composeNow, "x", schedule.Target{AccountID: 1, State: state}))
		if got := shown(r); got != want {
			t.Errorf("%s: %q, want %q", state, got, want)
		}
	}
	// Held while missed: post it now; held for a disconnected account:
	// only Update releases it.
	missed := rowFor(s, post(1, composeNow, "x", schedule.Target{AccountID: 1, State: schedule.Held, HoldReason: schedule.HoldMissed}))
	waiting := rowFor(s, post(1, composeNow, "x", schedule.Target{AccountID: 2, State: schedule.Held, HoldReason: schedule.HoldAccount}))
	if shown(missed) != "Edit,Post now,Delete" || shown(waiting) != "Edit,Delete" {
		t.Errorf("held: missed %q, account %q", shown(missed), shown(waiting))
	}
}

func TestQueueListsUpcomingFirstThenRecentPast(t *testing.T) {
	now := composeNow
	b := &fakeQueue{now: now, accounts: queueAccounts(), posts: []schedule.Post{
		post(1, now.Add(-48*time.Hour), "two days ago", schedule.Target{AccountID: 1, State: schedule.Published}),
		post(2, now.Add(-time.Hour), "an hour ago", schedule.Target{AccountID: 1, State: schedule.Published}),
		post(3, now.Add(2*time.Hour), "in two hours", schedule.Target{AccountID: 1, State: schedule.Scheduled}),
		post(4, now.Add(time.Hour), "in an hour", schedule.Target{AccountID: 1, State: schedule.Scheduled}),
		post(5, now.Add(-3*time.Hour), "failed one", schedule.Target{AccountID: 1, State: schedule.Failed, Error: "no"}),
	}}
	s := newTestQueue(t, b)
	var got []string
	for _, it := range s.items {
		if it.kind == itemHeader {
			got = append(got, "# "+it.title)
		} else {
			got = append(got, it.post.Text)
		}
	}
	want := "[# Needs you failed one # Upcoming in an hour in two hours # Recently an hour ago two days ago]"
	if fmt.Sprint(got) != want {
		t.Fatalf("items %v\nwant  %s", got, want)
	}
	if textOf(s.summary) != "2 upcoming · 1 needs you" || s.retryAll.Disabled() {
		t.Fatalf("summary %q, retry all disabled %v", textOf(s.summary), s.retryAll.Disabled())
	}
	if s.list.Length() != len(s.items) || s.body.Objects[0] != s.list {
		t.Fatal("the list is not shown")
	}
	if s.window.Title() != "SocialOmm — Queue" {
		t.Fatalf("title %q", s.window.Title())
	}
}

func TestRecentPastIsTheNewestAndQueriesStayFew(t *testing.T) {
	now := composeNow
	b := &fakeQueue{now: now}
	// 5,000 past posts, one a minute, and none in the future.
	for i := range 5000 {
		b.posts = append(b.posts, post(int64(i+1), now.Add(-time.Duration(i+1)*time.Minute), fmt.Sprint(i+1),
			schedule.Target{AccountID: 1, State: schedule.Published}))
	}
	got, err := recentPast(context.Background(), b, now, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) < 50 || len(got) > 100 || got[0].Text != "1" || got[len(got)-1].Text != fmt.Sprint(len(got)) {
		t.Fatalf("%d posts, first %q last %q", len(got), got[0].Text, got[len(got)-1].Text)
	}
	if b.queries > 20 {
		t.Fatalf("%d queries", b.queries)
	}
}

func TestQueueEmptyStateSaysWhatToDo(t *testing.T) {
	b := &fakeQueue{now: composeNow, accounts: queueAccounts()}
	s := newTestQueue(t, b)
	var opened int
	s.onCompose = func() { opened++ }
	got := texts(t, s.window.Content())
	if !hasText(got, "Nothing scheduled") || !hasText(got, "Write a post in Compose") {
		t.Fatalf("empty queue says %q", got)
	}
	test.Tap(findButtonDeep(t, s.window.Content(), "Write a post"))
	if opened != 1 {
		t.Fatal("Write a post did not open Compose")
	}
	if !s.retryAll.Disabled() {
		t.Fatal("Retry all failed is enabled with nothing failed")
	}
}

func TestQueueActionsCallTheScheduler(t *testing.T) {
	now := composeNow
	failed := post(9, now.Add(-time.Hour), "Broken", schedule.Target{AccountID: 1, State: schedule.Failed, Error: "boom"})
	b := &fakeQueue{now: now, accounts: queueAccounts(), posts: []schedule.Post{failed}}
	s := newTestQueue(t, b)
	var edited []int64
	s.onEdit = func(p schedule.Post) { edited = append(edited, p.ID) }
	r := rowFor(s, failed)

	test.Tap(r.retry)
	test.Tap(s.retryAll)
	test.Tap(r.edit)
	if fmt.Sprint(b.calls) != "[retry 9 retry-all-failed]" || fmt.Sprint(edited) != "[9]" {
		t.Fatalf("calls %v, edited %v", b.calls, edited)
	}
	if textOf(s.status) != "Sending 2 failed copies again." {
		t.Fatalf("status %q", textOf(s.status))
	}

	// Delete asks first; "Keep it" keeps it.
	test.Tap(r.del)
	test.Tap(findButtonDeep(t, s.window.Canvas().Overlays().Top(), "Keep it"))
	if slices.Contains(b.calls, "delete 9") {
		t.Fatal("deleted without confirmation")
	}
	test.Tap(r.del)
	confirm := s.window.Canvas().Overlays().Top()
	if !hasText(texts(t, confirm), "“Broken” will be removed from SocialOmm.") {
		t.Fatalf("confirmation says %q", texts(t, confirm))
	}
	test.Tap(findButtonDeep(t, confirm, "Delete"))
	if !slices.Contains(b.calls, "delete 9") || textOf(s.status) != "Deleted “Broken”." {
		t.Fatalf("calls %v, status %q", b.calls, textOf(s.status))
	}

	scheduled := post(10, now.Add(time.Hour), "Later", schedule.Target{AccountID: 1, State: schedule.Scheduled})
	test.Tap(rowFor(s, scheduled).postNow)
	if !slices.Contains(b.calls, "post-now 10") {
		t.Fatalf("calls %v", b.calls)
	}
}

func TestQueueRowsGrowWithTargets(t *testing.T) {
	b := &fakeQueue{now: composeNow, accounts: queueAccounts()}
	s := newTestQueue(t, b)
	one := s.heightOf(queueItem{kind: itemPost, post: post(1, composeNow, "x", schedule.Target{AccountID: 1})})
	three := s.heightOf(queueItem{kind: itemPost, post: post(2, composeNow, "x",
		schedule.Target{AccountID: 1}, schedule.Target{AccountID: 2}, schedule.Target{AccountID: 1})})
	if !(three > one) {
		t.Fatalf("row heights: one target %v, three %v", one, three)
	}
}

func TestShowMoreReadsTheNextPage(t *testing.T) {
	now := composeNow
	b := &fakeQueue{now: now, accounts: queueAccounts()}
	for i := range upcomingPage + 5 {
		b.posts = append(b.posts, post(int64(i+1), now.Add(time.Duration(i+1)*time.Minute), "p",
			schedule.Target{AccountID: 1, State: schedule.Scheduled}))
	}
	s := newTestQueue(t, b)
	last := s.items[len(s.items)-1]
	if last.kind != itemMore || textOf(s.summary) != fmt.Sprintf("%d+ upcoming", upcomingPage) {
		t.Fatalf("last item %v, summary %q", last.kind, textOf(s.summary))
	}
	s.showMore()
	if n := len(s.items); n != upcomingPage+5+1 || s.items[n-1].kind == itemMore {
		t.Fatalf("%d items after Show more", n)
	}
}

// findButtonDeep finds a button by its text anywhere inside o.
func findButtonDeep(t *testing.T, o fyne.CanvasObject, label string) *widget.Button {
	t.Helper()
	var found *widget.Button
	walkObjects(t, o, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == label && b.Visible() && found == nil {
			found = b
		}
	})
	if found == nil {
		t.Fatalf("no button %q", label)
	}
	return found
}

func TestReloadsCoalesce(t *testing.T) {
	var c coalesce
	var bodies []func()
	async := func(fn func()) { bodies = append(bodies, fn) } // run below, as a goroutine would
	loads := 0
	var load func()
	load = func() {
		loads++
		if loads == 1 { // three changes arrive during the first load
			c.run(async, load)
			c.run(async, load)
			c.run(async, load)
		}
	}
	c.run(async, load)
	bodies[0]()
	if loads != 2 || len(bodies) != 1 {
		t.Fatalf("%d loads in %d goroutines, want 2 in 1", loads, len(bodies))
	}
	c.run(async, load) // idle again: a new change loads again
	if len(bodies) != 2 {
		t.Fatal("a change after the loads finished was dropped")
	}
}

// Loads start at least the gap apart, also when a change comes after the
// last load has finished (during the start-up sweep changes come every
// 100 ms, each just after the last reload).
func TestReloadsStartAtLeastTheGapApart(t *testing.T) {
	c := coalesce{gap: 500 * time.Millisecond}
	var waits []time.Duration
	c.after = func(d time.Duration) <-chan time.Time {
		waits = append(waits, d)
		ch := make(chan time.Time, 1)
		ch <- time.Time{}
		return ch
	}
	runNow := func(fn func()) { fn() }
	loads := 0
	c.run(runNow, func() { loads++ })
	if loads != 1 || len(waits) != 0 {
		t.Fatalf("the first load: %d loads after waits %v, want at once", loads, waits)
	}
	c.run(runNow, func() { loads++ }) // a change just after it finished
	if loads != 2 || len(waits) != 1 || waits[0] < 400*time.Millisecond {
		t.Fatalf("a change right after a load: %d loads after waits %v, want one wait of about the gap", loads, waits)
	}
}

func TestHiddenQueueReloadsOnlyWhenShownAgain(t *testing.T) {
	b := &fakeQueue{now: composeNow, accounts: queueAccounts()}
	s := newTestQueue(t, b)
	s.start() // shown: the first load
	s.mu.Lock()
	s.visible = false // closed: hidden, not destroyed
	s.mu.Unlock()
	before := b.queries
	s.onEngineChanged()
	if b.queries != before {
		t.Fatal("a hidden queue reloaded")
	}
	s.start() // shown again
	if b.queries == before {
		t.Fatal("the queue did not catch up when shown again")
	}
}
