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
	"github.com/socialomm/desktop/core/draft"
	"github.com/socialomm/desktop/core/schedule"
)

// fakeCompose stands in for the engine behind Compose.
type fakeCompose struct {
	now      time.Time
	accounts []account.Account
	limits   map[int64]int

	mu        sync.Mutex
	scheduled []scheduleCall
	edited    []scheduleCall
	err       error
}

type scheduleCall struct {
	id   int64
	text string
	at   time.Time
	ids  []int64
}

func (f *fakeCompose) Accounts(context.Context) ([]account.Account, error)        { return f.accounts, nil }
func (f *fakeCompose) Now() time.Time                                             { return f.now }
func (f *fakeCompose) Subscribe(func(core.ChangeKind), ...core.ChangeKind) func() { return func() {} }
func (f *fakeCompose) TextLimit(_ context.Context, a account.Account) int {
	if n, ok := f.limits[a.ID]; ok {
		return n
	}
	return defaultTextLimit(a.Network)
}

func (f *fakeCompose) Schedule(_ context.Context, text string, at time.Time, ids []int64) (schedule.Post, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return schedule.Post{}, f.err
	}
	f.scheduled = append(f.scheduled, scheduleCall{text: text, at: at, ids: slices.Clone(ids)})
	if at.IsZero() {
		at = f.now
	}
	return schedule.Post{ID: 7, Text: text, At: at.UTC()}, nil
}

func (f *fakeCompose) Edit(_ context.Context, id int64, text string, at time.Time) (schedule.Post, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.edited = append(f.edited, scheduleCall{id: id, text: text, at: at})
	return schedule.Post{ID: id, Text: text, At: at.UTC()}, nil
}

// memDrafts is draft.Store on a map, safe for the debounce timer's
// goroutine.
type memDrafts struct {
	mu    sync.Mutex
	kv    map[string]string
	saves int
}

func (m *memDrafts) Setting(_ context.Context, key string) (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.kv[key]
	return v, ok, nil
}

func (m *memDrafts) SetSetting(_ context.Context, key, value string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.kv[key] = value
	m.saves++
	return nil
}

func (m *memDrafts) DeleteSetting(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.kv, key)
	m.saves++
	return nil
}

func (m *memDrafts) get(key string) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.kv[key]
	return v, ok
}

// composeNow is a Tuesday noon in the test's own zone.
var (
	testZone   = time.FixedZone("CET", 3600)
	composeNow = time.Date(2027, 2, 9, 12, 0, 0, 0, testZone)
)

func composeAccounts() []account.Account {
	return []account.Account{
		{ID: 1, Network: "mastodon", Handle: "@ana@mastodon.social", DisplayName: "Ana", State: account.Connected},
		{ID: 2, Network: "mastodon", Handle: "@bob@tiny.example", DisplayName: "Bob", State: account.Connected},
		{ID: 3, Network: "mastodon", Handle: "@cy@lost.example", DisplayName: "Cy", State: account.Disconnected,
			Reason: account.ReasonRevoked},
	}
}

// newTestCompose builds Compose on a test app with every slow call run
// inline, and shows the accounts as a load would.
func newTestCompose(t *testing.T, a fyne.App, b *fakeCompose, drafts draftStore) *composeScreen {
	t.Helper()
	s := newComposeScreen(a, b, drafts, nil)
	s.loc = testZone
	s.async = func(fn func()) { fn() }
	s.fill("", time.Time{}, false) // again, in the test's zone
	s.show(b.accounts, nil)
	t.Cleanup(func() {
		s.draftMu.Lock()
		if s.draftTimer != nil {
			s.draftTimer.Stop()
		}
		s.draftMu.Unlock()
		s.window.Close()
	})
	return s
}

func fakeComposeBackend() *fakeCompose {
	return &fakeCompose{now: composeNow, accounts: composeAccounts(), limits: map[int64]int{1: 500, 2: 11}}
}

// tick ticks (or unticks) an account's box as the person would.
func tick(t *testing.T, s *composeScreen, name string) {
	t.Helper()
	var found *widget.Check
	walkObjects(t, s.accountList, func(o fyne.CanvasObject) {
		if c, ok := o.(*widget.Check); ok && c.Text == name {
			found = c
		}
	})
	if found == nil {
		t.Fatalf("no box for %q", name)
	}
	test.Tap(found)
}

// walkObjects visits o and everything drawn inside it, widgets included.
func walkObjects(t *testing.T, o fyne.CanvasObject, visit func(fyne.CanvasObject)) {
	t.Helper()
	visit(o)
	switch w := o.(type) {
	case *fyne.Container:
		for _, c := range w.Objects {
			walkObjects(t, c, visit)
		}
	case fyne.Widget:
		for _, c := range test.TempWidgetRenderer(t, w).Objects() {
			walkObjects(t, c, visit)
		}
	}
}

func counterTexts(s *composeScreen) []string {
	var out []string
	for _, o := range s.counters.Objects {
		out = append(out, textOf(o.(*widget.RichText)))
	}
	return out
}

func TestCountersCountGraphemesPerAccount(t *testing.T) {
	b := fakeComposeBackend()
	s := newTestCompose(t, test.NewTempApp(t), b, nil)
	if got := s.window.Title(); got != "SocialOmm — Compose" {
		t.Fatalf("title %q", got)
	}
	tick(t, s, "Ana")
	tick(t, s, "Bob")
	s.text.SetText("👩‍👩‍👧 hi") // a family is one character: 4 in all
	if got := fmt.Sprint(counterTexts(s)); got != "[496 left · @ana@mastodon.social 7 left · @bob@tiny.example]" {
		t.Fatalf("counters %s", got)
	}
	if graphemes("👩‍👩‍👧") != 1 {
		t.Fatal("the family emoji counts as more than one")
	}
	if s.submit.Disabled() || textOf(s.reason) != "" {
		t.Fatalf("a valid post cannot be scheduled: %q", textOf(s.reason))
	}
	if s.submit.Text != "Schedule" {
		t.Fatalf("button %q", s.submit.Text)
	}
}

func TestOverTheLimitDisablesScheduleAndSaysWhy(t *testing.T) {
	b := fakeComposeBackend()
	s := newTestCompose(t, test.NewTempApp(t), b, nil)
	tick(t, s, "Ana")
	tick(t, s, "Bob")
	s.text.SetText("This is fifteen")
	counters := counterTexts(s)
	if counters[1] != "4 over · @bob@tiny.example" || colorOf(s.counters.Objects[1].(*widget.RichText)) != importanceColor(widget.DangerImportance) {
		t.Fatalf("bob's counter %q", counters[1])
	}
	if colorOf(s.counters.Objects[0].(*widget.RichText)) == importanceColor(widget.DangerImportance) {
		t.Fatal("ana's counter is red while under her limit")
	}
	if !s.submit.Disabled() {
		t.Fatal("Schedule is enabled over the limit")
	}
	want := "Too long for @bob@tiny.example: 4 characters over its limit of 11."
	if !strings.HasPrefix(textOf(s.reason), want) || colorOf(s.reason) != importanceColor(widget.DangerImportance) {
		t.Fatalf("reason %q", textOf(s.reason))
	}
	// Unticking the short profile lifts it.
	tick(t, s, "Bob")
	if s.submit.Disabled() {
		t.Fatalf("still disabled: %q", textOf(s.reason))
	}
}

func TestEmptyTextOrNoAccountDisablesSchedule(t *testing.T) {
	b := fakeComposeBackend()
	s := newTestCompose(t, test.NewTempApp(t), b, nil)
	if !s.submit.Disabled() || textOf(s.reason) != "Write something to post." {
		t.Fatalf("empty form: %v %q", s.submit.Disabled(), textOf(s.reason))
	}
	s.text.SetText("Hello")
	if !s.submit.Disabled() || textOf(s.reason) != "Choose at least one profile to post to." {
		t.Fatalf("no account: %v %q", s.submit.Disabled(), textOf(s.reason))
	}
	s.text.SetText("   ")
	tick(t, s, "Ana")
	if !s.submit.Disabled() || textOf(s.reason) != "Write something to post." {
		t.Fatalf("blank text: %v %q", s.submit.Disabled(), textOf(s.reason))
	}
}

func TestPastTimeIsRefused(t *testing.T) {
	b := fakeComposeBackend()
	s := newTestCompose(t, test.NewTempApp(t), b, nil)
	tick(t, s, "Ana")
	s.text.SetText("Hello")
	yesterday := composeNow.AddDate(0, 0, -1)
	s.date.SetDate(&yesterday)
	s.clock.SetText("09:30")
	s.refresh() // the date entry tells its changes once drawn
	if !s.submit.Disabled() || textOf(s.reason) != "Yesterday at 09:30 has passed. Choose a later time, or Post now." {
		t.Fatalf("past: %v %q", s.submit.Disabled(), textOf(s.reason))
	}
	today := composeNow
	s.date.SetDate(&today)
	s.clock.SetText("11:59")
	if !s.submit.Disabled() || !strings.Contains(textOf(s.reason), "has passed") {
		t.Fatalf("a minute ago: %q", textOf(s.reason))
	}
	s.clock.SetText("12:00") // this very minute is not the past
	if s.submit.Disabled() {
		t.Fatalf("now refused: %q", textOf(s.reason))
	}
	s.clock.SetText("25:00")
	if !s.submit.Disabled() || !strings.Contains(textOf(s.reason), "24-hour") {
		t.Fatalf("bad time: %q", textOf(s.reason))
	}
	// Post now needs no time at all.
	s.when.SetSelected(whenNow)
	if s.submit.Disabled() || s.submit.Text != "Post now" || !s.clock.Disabled() {
		t.Fatalf("post now: %v %q %q", s.submit.Disabled(), s.submit.Text, textOf(s.reason))
	}
}

func TestScheduleSendsLocalTimeThenClearsFormAndDraft(t *testing.T) {
	b := fakeComposeBackend()
	kv := &memDrafts{kv: map[string]string{}}
	s := newTestCompose(t, test.NewTempApp(t), b, draft.New(kv))
	var opened int
	s.onQueue = func() { opened++ }
	tick(t, s, "Ana")
	tick(t, s, "Cy")
	s.text.SetText("  Spring is here  ")
	day := composeNow.AddDate(0, 0, 1)
	s.date.SetDate(&day)
	s.clock.SetText("9:05")
	s.flushDraft()
	if _, ok := kv.get(draft.Key); !ok {
		t.Fatal("no draft kept while writing")
	}
	test.Tap(s.submit)
	if len(b.scheduled) != 1 {
		t.Fatalf("scheduled %d times", len(b.scheduled))
	}
	call := b.scheduled[0]
	wantAt := time.Date(2027, 2, 10, 9, 5, 0, 0, testZone)
	if call.text != "Spring is here" || !call.at.Equal(wantAt) || fmt.Sprint(call.ids) != "[1 3]" {
		t.Fatalf("schedule call %+v", call)
	}
	if textOf(s.status) != "Scheduled for tomorrow at 09:05 to 2 profiles." || !s.status.Visible() || !s.queueButton.Visible() ||
		s.reason.Visible() {
		t.Fatalf("confirmation %q", textOf(s.status))
	}
	test.Tap(s.queueButton)
	if opened != 1 {
		t.Fatal("Open the Queue did not open it")
	}
	if s.text.Text != "" || len(s.chosen) != 0 || len(s.counters.Objects) != 0 {
		t.Fatalf("form not cleared: %q %v", s.text.Text, s.chosen)
	}
	if _, ok := kv.get(draft.Key); ok {
		t.Fatal("the draft is still kept after scheduling")
	}
}

func TestPostNowSendsZeroTime(t *testing.T) {
	b := fakeComposeBackend()
	s := newTestCompose(t, test.NewTempApp(t), b, nil)
	tick(t, s, "Ana")
	s.text.SetText("Now!")
	s.when.SetSelected(whenNow)
	test.Tap(s.submit)
	if len(b.scheduled) != 1 || !b.scheduled[0].at.IsZero() {
		t.Fatalf("calls %+v", b.scheduled)
	}
	if textOf(s.status) != "On its way to @ana@mastodon.social." {
		t.Fatalf("confirmation %q", textOf(s.status))
	}
}

func TestScheduleErrorIsShownInPlainWords(t *testing.T) {
	b := fakeComposeBackend()
	b.err = fmt.Errorf("%w (1 Feb 2027 10:00 UTC); choose a later time or post now", schedule.ErrInPast)
	s := newTestCompose(t, test.NewTempApp(t), b, nil)
	tick(t, s, "Ana")
	s.text.SetText("Hello")
	test.Tap(s.submit)
	if textOf(s.status) != "Not scheduled: The time is in the past (1 Feb 2027 10:00 UTC); choose a later time or post now." ||
		colorOf(s.status) != importanceColor(widget.DangerImportance) {
		t.Fatalf("status %q", textOf(s.status))
	}
	if s.text.Text != "Hello" || s.submit.Disabled() {
		t.Fatal("a failed schedule lost the form")
	}
	b.err = context.DeadlineExceeded
	test.Tap(s.submit)
	if !strings.Contains(textOf(s.status), "took too long") {
		t.Fatalf("timeout %q", textOf(s.status))
	}
}

func TestDraftRestoredIntoANewScreen(t *testing.T) {
	b := fakeComposeBackend()
	kv := &memDrafts{kv: map[string]string{}}
	a := test.NewTempApp(t)
	first := newTestCompose(t, a, b, draft.New(kv))
	first.text.SetText("Half-written thought")
	tick(t, first, "Bob")
	first.flushDraft()

	second := newTestCompose(t, a, b, draft.New(kv))
	d, err := draft.New(kv).Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	second.restore(d)
	if second.text.Text != "Half-written thought" || fmt.Sprint(second.chosen) != "map[2:true]" {
		t.Fatalf("restored %q %v", second.text.Text, second.chosen)
	}
	var checked []string
	walkObjects(t, second.accountList, func(o fyne.CanvasObject) {
		if c, ok := o.(*widget.Check); ok && c.Checked {
			checked = append(checked, c.Text)
		}
	})
	if fmt.Sprint(checked) != "[Bob]" {
		t.Fatalf("ticked boxes %v", checked)
	}
	if got := counterTexts(second); fmt.Sprint(got) != "[9 over · @bob@tiny.example]" {
		t.Fatalf("counters after restore %v", got)
	}
	if second.when.Selected != whenLater || second.clock.Text != "13:00" {
		t.Fatalf("time after restore: %q %q", second.when.Selected, second.clock.Text)
	}

	// "Post now" is kept too.
	first.when.SetSelected(whenNow)
	first.flushDraft()
	third := newTestCompose(t, a, b, draft.New(kv))
	d, _ = draft.New(kv).Load(context.Background())
	if !third.restore(d) || third.when.Selected != whenNow {
		t.Fatalf("post now not restored: %+v", d)
	}
}

func TestDraftIsSavedAfterTypingPauses(t *testing.T) {
	b := fakeComposeBackend()
	kv := &memDrafts{kv: map[string]string{}}
	s := newTestCompose(t, test.NewTempApp(t), b, draft.New(kv))
	for _, text := range []string{"H", "He", "Hel", "Hello"} {
		s.text.SetText(text)
	}
	s.draftMu.Lock()
	pending, timer := s.pending, s.draftTimer
	s.draftMu.Unlock()
	if pending == nil || pending.Text != "Hello" || timer == nil {
		t.Fatalf("pending %+v", pending)
	}
	kv.mu.Lock()
	saves := kv.saves
	kv.mu.Unlock()
	if saves != 0 {
		t.Fatalf("%d writes while typing; want none before the pause", saves)
	}
	s.flushDraft() // as the timer (or closing the window) does
	if v, _ := kv.get(draft.Key); !strings.Contains(v, `"text":"Hello"`) {
		t.Fatalf("kept %q", v)
	}
}

func TestDisconnectedAccountIsShownWithWhatHappens(t *testing.T) {
	b := fakeComposeBackend()
	s := newTestCompose(t, test.NewTempApp(t), b, nil)
	got := texts(t, s.accountList)
	if !hasText(got, "disconnected — its copy will wait until you Update it") {
		t.Fatalf("account list says %q", got)
	}
	if hasText(got[:2], "disconnected") {
		t.Fatalf("a connected account is marked disconnected: %q", got)
	}
}

func TestNoAccountsSaysConnectFirst(t *testing.T) {
	b := &fakeCompose{now: composeNow}
	s := newTestCompose(t, test.NewTempApp(t), b, nil)
	s.text.SetText("Hello")
	if !strings.Contains(textOf(s.reason), "Connect a profile first") {
		t.Fatalf("reason %q", textOf(s.reason))
	}
	if !hasText(texts(t, s.accountList), "No profiles connected yet") {
		t.Fatal("no hint to connect")
	}
}

func TestEditPrefillsAndSaves(t *testing.T) {
	b := fakeComposeBackend()
	at := time.Date(2027, 2, 12, 8, 15, 30, 0, time.UTC)
	post := schedule.Post{ID: 42, Text: "Old words", At: at, Targets: []schedule.Target{
		{AccountID: 1, State: schedule.Published},
		{AccountID: 2, State: schedule.Scheduled},
	}}
	a := test.NewTempApp(t)
	s := newComposeScreen(a, b, nil, &post)
	s.loc = testZone
	s.async = func(fn func()) { fn() }
	s.fill(post.Text, post.At, false)
	s.show(b.accounts, nil)
	t.Cleanup(s.window.Close)
	var saved []schedule.Post
	s.onSaved = func(p schedule.Post) { saved = append(saved, p) }
	if s.window.Title() != "SocialOmm — Edit post" || s.text.Text != "Old words" || s.clock.Text != "09:15" {
		t.Fatalf("prefill: %q %q %q", s.window.Title(), s.text.Text, s.clock.Text)
	}
	if s.submit.Text != "Save changes" || s.submit.Disabled() {
		t.Fatalf("button %q disabled=%v reason %q", s.submit.Text, s.submit.Disabled(), textOf(s.reason))
	}
	// Only the post's profiles are listed, and only the unpublished one counts.
	if got := fmt.Sprint(counterTexts(s)); got != "[2 left · @bob@tiny.example]" {
		t.Fatalf("counters %s", got)
	}
	if hasText(texts(t, s.accountList), "Cy") {
		t.Fatal("a profile the post does not go to is listed")
	}
	// Unchanged time: the post's own, to the second.
	s.text.SetText("New words")
	test.Tap(s.submit)
	if len(b.edited) != 1 || b.edited[0].id != 42 || b.edited[0].text != "New words" || !b.edited[0].at.Equal(at) {
		t.Fatalf("edit calls %+v", b.edited)
	}
	if len(saved) != 1 {
		t.Fatal("the window was not told the edit was saved")
	}
}

func TestParseClock(t *testing.T) {
	for in, want := range map[string]string{"14:30": "14:30", "9:05": "9:05", " 09.05 ": "9:05", "23:59": "23:59"} {
		h, m, ok := parseClock(in)
		if !ok || fmt.Sprintf("%d:%02d", h, m) != want {
			t.Errorf("%q: %d:%d %v", in, h, m, ok)
		}
	}
	for _, in := range []string{"", "24:00", "12", "12:5", "ab:cd", "12:60"} {
		if _, _, ok := parseClock(in); ok {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestDateLayoutReadsWhatTheDateEntryWrites(t *testing.T) {
	test.NewTempApp(t)
	layout := dateLayout()
	d := widget.NewDateEntry()
	day := time.Date(2027, 3, 4, 0, 0, 0, 0, time.UTC)
	d.SetDate(&day)
	got, err := time.Parse(layout, d.Text)
	if err != nil || !got.Equal(day) {
		t.Fatalf("layout %q reads %q as %v %v", layout, d.Text, got, err)
	}
}

func TestEditOfAPastPostOffersPostNow(t *testing.T) {
	b := fakeComposeBackend()
	post := schedule.Post{ID: 5, Text: "Missed", At: composeNow.Add(-3 * time.Hour).UTC(), Targets: []schedule.Target{
		{AccountID: 1, State: schedule.Held, HoldReason: schedule.HoldMissed},
	}}
	s := newComposeScreen(test.NewTempApp(t), b, nil, &post)
	s.async = func(fn func()) { fn() }
	s.show(b.accounts, nil)
	t.Cleanup(s.window.Close)
	if s.when.Selected != whenNow || s.submit.Disabled() {
		t.Fatalf("when %q, disabled %v (%q)", s.when.Selected, s.submit.Disabled(), textOf(s.reason))
	}
	test.Tap(s.submit)
	if len(b.edited) != 1 || !b.edited[0].at.IsZero() {
		t.Fatalf("edit calls %+v", b.edited)
	}
}
