package ui

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/socialomm/desktop/core/account"
)

// compactScreen is a screen of n profiles in a window of the default size.
func compactScreen(t *testing.T, n int) (*accountsScreen, *[]string) {
	t.Helper()
	s, opened := newTestScreen(t, &fakeBackend{now: testNow, accounts: manyAccounts(n)})
	s.window.Resize(fyne.NewSize(880, 600))
	return s, opened
}

// cellText is the text the compact table shows at row, col.
func cellText(t *testing.T, s *accountsScreen, row int, col column) string {
	t.Helper()
	c := newCompactCell(s)
	s.table.UpdateCell(widget.TableCellID{Row: row, Col: int(col)}, c)
	return c.full
}

func TestDefaultViewIsCompactOnceTheProfilesFillTheWindow(t *testing.T) {
	tests := []struct {
		total  int
		height float32
		want   bool
	}{
		{1, 600, false},
		{5, 600, false}, // five comfortable rows fit in 600 px
		{6, 600, true},
		{6, 0, true}, // not sized yet: the default 600 px
		{10, 1000, false},
		{11, 1000, true},
		{5000, 1400, true},
		{2, 100, true}, // a tiny window shows at most one row
	}
	for _, tt := range tests {
		if got := defaultCompact(tt.total, tt.height); got != tt.want {
			t.Errorf("defaultCompact(%d, %v) = %v, want %v", tt.total, tt.height, got, tt.want)
		}
	}
	one, _ := compactScreen(t, 1)
	if one.compact() || one.body.Objects[0] != one.list {
		t.Fatal("one profile: want the comfortable list")
	}
	many, _ := compactScreen(t, 60)
	if !many.compact() || many.table == nil || many.body.Objects[0] != many.table {
		t.Fatal("60 profiles: want the compact table")
	}
	// Refreshing (each keystroke in the search does) keeps no cells
	// beyond those on screen.
	for range 20 {
		many.search.SetText("shop")
		many.search.SetText("")
	}
	if n := len(many.cells); n > 30*len(columnWidths) {
		t.Fatalf("%d cells kept after 40 searches", n)
	}
}

func TestCompactTableShowsColumnsAndSortsOnHeaderClick(t *testing.T) {
	s, _ := compactScreen(t, 60)
	rows, cols := s.table.Length()
	if rows != 60 || cols != int(columnCount)+1 {
		t.Fatalf("table %dx%d, want 60x%d", rows, cols, columnCount+1)
	}
	a := s.accounts[0]
	want := map[column]string{
		columnName:      a.DisplayName,
		columnNetwork:   "Mastodon",
		columnHandle:    a.Handle,
		columnState:     "Connected",
		columnCountdown: "Expires in 24 hours",
		columnLastCheck: "Never",
	}
	for col, w := range want {
		if got := cellText(t, s, 0, col); got != w {
			t.Errorf("column %s: %q, want %q", columnTitles[col], got, w)
		}
	}
	// Rows are about 30 px, not 78.
	if h := newCompactCell(s).MinSize().Height; h < 26 || h > 32 {
		t.Fatalf("compact row height %v, want 26-32", h)
	}
	for c := range s.cells {
		if h := c.Size().Height; h > 32 {
			t.Fatalf("the table lays a cell out %v px high, want at most 32", h)
		}
	}

	// Click the Name header: sorted by name, the arrow on it; again:
	// the other way round.
	header := func(col column) *headerCell {
		h := s.table.CreateHeader().(*headerCell)
		s.table.UpdateHeader(widget.TableCellID{Row: -1, Col: int(col)}, h)
		return h
	}
	test.Tap(header(columnName))
	names := func() []string {
		var out []string
		for _, a := range s.accounts {
			out = append(out, a.DisplayName)
		}
		return out
	}
	if got := names(); !slices.IsSortedFunc(got, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }) {
		t.Fatalf("not sorted by name: %v", got[:5])
	}
	if got := header(columnName).text.Text; got != "Name ▲" {
		t.Fatalf("header %q, want the up arrow", got)
	}
	if got := cellText(t, s, 0, columnName); got != "Shop 0" {
		t.Fatalf("first row %q", got)
	}
	test.Tap(header(columnName))
	if got := header(columnName).text.Text; got != "Name ▼" {
		t.Fatalf("header %q, want the down arrow", got)
	}
	if got := cellText(t, s, 0, columnName); got != "Shop 9" {
		t.Fatalf("first row after the second click %q, want Shop 9", got)
	}
	test.Tap(header(columnState))
	if s.accounts[0].State != account.Disconnected || header(columnName).text.Text != "Name" {
		t.Fatalf("by state: first %v, name header %q", s.accounts[0].State, header(columnName).text.Text)
	}
}

// recorded counts the row menu's actions.
type recorded struct {
	mu      sync.Mutex
	actions []string
}

func (r *recorded) add(what string, a account.Account) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.actions = append(r.actions, what+" "+a.DisplayName)
}

func wireRecorder(s *accountsScreen) *recorded {
	r := &recorded{}
	s.onUpdate = func(a account.Account) { r.add("update", a) }
	s.onCheck = func(a account.Account) { r.add("check", a) }
	s.onRemove = func(a account.Account) { r.add("remove", a) }
	return r
}

// tapMenuItem taps the item labelled label of the menu open on the window.
func tapMenuItem(t *testing.T, s *accountsScreen, label string) {
	t.Helper()
	overlays := s.window.Canvas().Overlays()
	if overlays.Top() == nil {
		t.Fatal("no menu open")
	}
	item := tappableWith(overlays.Top(), label)
	if item == nil {
		t.Fatalf("no %q in the open menu: %v", label, drawnTexts(overlays.Top()))
	}
	test.Tap(item)
	for overlays.Top() != nil {
		overlays.Remove(overlays.Top())
	}
}

// tappableWith is the innermost tappable in o that draws text.
func tappableWith(o fyne.CanvasObject, text string) fyne.Tappable {
	var children []fyne.CanvasObject
	switch w := o.(type) {
	case fyne.Widget:
		children = test.WidgetRenderer(w).Objects()
	case *fyne.Container:
		children = w.Objects
	}
	for _, c := range children {
		if found := tappableWith(c, text); found != nil {
			return found
		}
	}
	if tap, ok := o.(fyne.Tappable); ok && slices.Contains(drawnTexts(o), text) {
		return tap
	}
	return nil
}

// drawnTexts is every text drawn by o and what it holds.
func drawnTexts(o fyne.CanvasObject) []string {
	var out []string
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *canvas.Text:
			out = append(out, w.Text)
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(w).Objects() {
				walk(c)
			}
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		}
	}
	walk(o)
	return out
}

func TestCompactRowMenuReachesUpdateCheckRemove(t *testing.T) {
	s, _ := compactScreen(t, 60)
	rec := wireRecorder(s)
	more, ok := s.menuButtonOf(s.accounts[2].ID).(*menuDots)
	if !ok {
		t.Fatal("the third row has no ⋯ button on screen")
	}
	for _, item := range []string{"Update", "Check now", "Remove…"} {
		test.Tap(more)
		tapMenuItem(t, s, item)
	}
	want := []string{"update Shop 2", "check Shop 2", "remove Shop 2"}
	if !slices.Equal(rec.actions, want) {
		t.Fatalf("actions %v, want %v", rec.actions, want)
	}
}

func TestViewToggleSwitchesAndIsRemembered(t *testing.T) {
	s, _ := compactScreen(t, 60)
	kept := &memorySettings{values: map[string]string{}, set: make(chan string, 4)}
	s.viewSettings = kept
	if s.viewButton.Icon != theme.ListIcon() {
		t.Fatal("in the compact view the toggle does not show the comfortable list's icon")
	}
	test.Tap(s.viewButton)
	if s.compact() || s.body.Objects[0] != s.list {
		t.Fatal("the toggle did not switch to the comfortable list")
	}
	if got := waitFor(t, kept.set); got != "comfortable" {
		t.Fatalf("kept %q", got)
	}
	test.Tap(s.viewButton)
	if !s.compact() || s.body.Objects[0] != s.table {
		t.Fatal("the toggle did not switch back")
	}
	if got := waitFor(t, kept.set); got != "compact" {
		t.Fatalf("kept %q", got)
	}

	// A window opened later starts in the kept view, whatever the count.
	other, _ := compactScreen(t, 2)
	kept.values[viewSettingKey] = "compact"
	select {
	case <-other.loadView(kept):
	case <-time.After(10 * time.Second):
		t.Fatal("the kept view was never read")
	}
	if !other.compact() || other.body.Objects[0] != other.table {
		t.Fatal("the kept compact view was not applied")
	}
}

type memorySettings struct {
	mu     sync.Mutex
	values map[string]string
	set    chan string
}

func (m *memorySettings) Get(_ context.Context, key string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.values[key], nil
}

func (m *memorySettings) Set(_ context.Context, key, value string) error {
	m.mu.Lock()
	m.values[key] = value
	m.mu.Unlock()
	m.set <- value
	return nil
}

func waitFor(t *testing.T, ch chan string) string {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("nothing arrived")
		return ""
	}
}

func TestShortcutsRunTheMainActions(t *testing.T) {
	s, opened := compactScreen(t, 60)
	c := s.window.Canvas()
	// As the desktop driver does: to the focused widget, which after
	// Ctrl+F is the search box.
	press := func(sc fyne.Shortcut) { pressShortcut(c, sc) }

	press(ctrl(fyne.KeyF))
	if c.Focused() != s.search {
		t.Fatalf("Ctrl+F focused %v, not the search box", c.Focused())
	}
	test.Type(c.Focused(), "shop 42")
	if got := s.summary.String(); got != "1 of 60 profiles" {
		t.Fatalf("typing after Ctrl+F: summary %q", got)
	}
	press(ctrl(fyne.KeyN))
	press(ctrlShift(fyne.KeyQ))
	press(ctrl(fyne.KeyComma))
	if want := []string{"compose", "queue", "settings"}; !slices.Equal(*opened, want) {
		t.Fatalf("opened %v, want %v", *opened, want)
	}
	press(ctrl(fyne.KeyT))
	if s.compact() {
		t.Fatal("Ctrl+T kept the compact view")
	}
	// Ctrl+Q is not taken: people expect it to quit.
	for _, k := range accountsShortcuts {
		if k.shortcut.KeyName == fyne.KeyQ && k.shortcut.Modifier == fyne.KeyModifierShortcutDefault {
			t.Fatal("Ctrl+Q is bound")
		}
	}
}

func TestKeyboardMovesThroughRowsAndOpensTheRowMenu(t *testing.T) {
	for _, view := range []string{viewCompact, viewComfortable} {
		t.Run(view, func(t *testing.T) {
			s, _ := compactScreen(t, 60)
			s.view = view
			s.applyFilter()
			rec := wireRecorder(s)
			c := s.window.Canvas()
			key := func(name fyne.KeyName) { pressKey(c, name) }

			// Enter in the search box goes to the first profile found.
			c.Focus(s.search)
			test.Type(s.search, "shop 3")
			key(fyne.KeyReturn)
			if s.cursor != 0 || c.Focused() != s.rowsWidget() {
				t.Fatalf("after Enter in search: cursor %d, focus %T", s.cursor, c.Focused())
			}
			key(fyne.KeyDown)
			key(fyne.KeyDown)
			key(fyne.KeyUp)
			if s.cursor != 1 || s.accounts[1].DisplayName != "Shop 13" {
				t.Fatalf("cursor %d on %q, want 1 on Shop 13", s.cursor, s.accounts[s.cursor].DisplayName)
			}
			if len(c.Overlays().List()) != 0 {
				t.Fatal("moving opened something")
			}
			key(fyne.KeyReturn)
			tapMenuItem(t, s, "Check now")
			key(fyne.KeyEnter)
			tapMenuItem(t, s, "Update")
			key(desktop.KeyMenu)
			tapMenuItem(t, s, "Remove…")
			key(fyne.KeyEnd)
			key(fyne.KeyDown)
			if s.cursor != len(s.accounts)-1 {
				t.Fatalf("End then Down: cursor %d of %d", s.cursor, len(s.accounts))
			}
			want := []string{"check Shop 13", "update Shop 13", "remove Shop 13"}
			if !slices.Equal(rec.actions, want) {
				t.Fatalf("actions %v, want %v", rec.actions, want)
			}
		})
	}
}

func TestHelpListsEveryShortcut(t *testing.T) {
	s, _ := compactScreen(t, 3)
	s.onTypedKey(&fyne.KeyEvent{Name: fyne.KeyF1})
	overlays := s.window.Canvas().Overlays().List()
	if len(overlays) == 0 {
		t.Fatal("F1 opened no dialog")
	}
	shown := strings.Join(texts(t, overlays[0]), "\n")
	for _, want := range []string{"Keyboard", "Ctrl+F", "Ctrl+N", "Ctrl+Shift+Q", "Ctrl+,", "Ctrl+T", "Ctrl+L",
		"Enter or Menu", "↓ or Enter in the search box", "Tab", "Escape", "Space"} {
		if !strings.Contains(shown, want) {
			t.Errorf("the Keyboard dialog lacks %q:\n%s", want, shown)
		}
	}
}

// In the compact view, a profile whose last check could not reach the
// network carries the comfortable row's mark (the same icon), in its Last
// check cell beside the time, and its detail has the words.
func TestCompactRowsCarryTheCheckTroubleMark(t *testing.T) {
	list := manyAccounts(60)
	good := testNow.Add(-5 * time.Hour)
	trouble := &list[1] // connected
	trouble.LastError = "Could not check: could not reach bsky.social"
	trouble.LastGoodCheckAt, trouble.LastCheckedAt = &good, &testNow
	fine := list[0]
	s, _ := newTestScreen(t, &fakeBackend{now: testNow, accounts: list})
	s.window.Resize(fyne.NewSize(880, 600))
	if !s.compact() {
		t.Fatal("60 profiles: want the compact table")
	}
	cell := func(id int64, col column) *compactCell {
		t.Helper()
		for c := range s.cells {
			if c.account.ID == id && c.col == int(col) && c.Visible() {
				return c
			}
		}
		t.Fatalf("no %s cell on screen for profile %d", columnTitles[col], id)
		return nil
	}
	marked := cell(trouble.ID, columnLastCheck)
	if !marked.mark.Visible() {
		t.Fatal("no mark in the Last check cell of a profile whose check could not reach the network")
	}
	if want := newTroubleMark().Resource.Name(); marked.mark.Resource.Name() != want {
		t.Errorf("mark icon %q, want the comfortable row's %q", marked.mark.Resource.Name(), want)
	}
	if m := marked.mark; m.Size().Width <= 0 || m.Position().X+m.Size().Width > marked.Size().Width ||
		marked.text.Position().X+marked.text.Size().Width > m.Position().X {
		t.Errorf("mark at %v size %v, text ends at %v, in a cell %v wide", m.Position(), m.Size(),
			marked.text.Position().X+marked.text.Size().Width, marked.Size().Width)
	}
	if marked.full != ago(testNow, testNow) {
		t.Errorf("Last check says %q", marked.full)
	}
	for _, col := range []column{columnName, columnState, columnCountdown} {
		if cell(trouble.ID, col).mark.Visible() {
			t.Errorf("a mark in the %s column too", columnTitles[col])
		}
	}
	if cell(fine.ID, columnLastCheck).mark.Visible() {
		t.Error("a mark on a profile whose last check went well")
	}
	// The countdown stays.
	if got := cell(trouble.ID, columnCountdown).full; !strings.HasPrefix(got, "Expires in ") {
		t.Errorf("countdown of the marked profile %q", got)
	}
	// The words are in the row's detail (its activity log read in place).
	s.async = func(fn func()) { fn() }
	row := slices.IndexFunc(s.accounts, func(a account.Account) bool { return a.ID == trouble.ID })
	s.table.Select(widget.TableCellID{Row: row, Col: int(columnName)})
	detail := s.window.Canvas().Overlays().Top()
	if detail == nil {
		t.Fatal("selecting the row opened no detail")
	}
	if got := texts(t, detail); !hasText(got, "Could not check: could not reach bsky.social. The countdown is from the last good check") {
		t.Errorf("detail says %q", got)
	}

}

// ellipsis keeps the longest start of the text that fits with "…", as a
// search through every length finds it, whatever the first guess.
func TestEllipsisKeepsTheLongestStartThatFits(t *testing.T) {
	test.NewTempApp(t)
	size := theme.TextSize()
	longest := func(text string, width float32, style fyne.TextStyle) string {
		if fyne.MeasureText(text, size, style).Width <= width {
			return text
		}
		runes := []rune(text)
		best := 0
		for n := range len(runes) {
			if fyne.MeasureText(string(runes[:n])+"…", size, style).Width <= width {
				best = n
			}
		}
		return string(runes[:best]) + "…"
	}
	texts := []string{
		"@someone.with.a.long.handle@mastodon.social",
		"WWWWWWWWWWWWiiiiiiiiiiiiiiiiiiiii", // wide start, narrow end: the average misleads
		"iiiiiiiiiiiiiiiiiiiiiWWWWWWWWWWWW", // and the other way round
		"Ærøskøbing Cykler & Kaffe — Østerbro",
		"short",
		"",
	}
	for _, style := range []fyne.TextStyle{{}, {Bold: true}} {
		for _, text := range texts {
			for _, width := range []float32{0, 5, 30, 80, 146, 170, 400} {
				got := ellipsis(text, width, size, style)
				if want := longest(text, width, style); got != want {
					t.Errorf("ellipsis(%q, %v, bold=%v) = %q, want %q", text, width, style.Bold, got, want)
				}
			}
		}
	}
}
