package ui

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/socialomm/desktop/core/account"
)

// keyboardShortcut is one of the Accounts window's shortcuts: its keys as
// Fyne knows them, as the Help dialog names them, and what it does.
type keyboardShortcut struct {
	shortcut *desktop.CustomShortcut
	keys     string
	does     string
	action   func(s *accountsScreen)
}

// accountsShortcuts are the Accounts window's shortcuts; the Help →
// Keyboard dialog lists them from here, so the list cannot go stale. They
// work whatever has the focus (the search box hands them on). Ctrl+Q is
// left alone: people expect it to quit. No Shift+key: Fyne's desktop driver
// makes no shortcut of Shift alone with a key (Shift+F10 never arrived).
var accountsShortcuts = []keyboardShortcut{
	{ctrl(fyne.KeyF), "Ctrl+F", "Search profiles", func(s *accountsScreen) { s.focusSearch() }},
	{ctrl(fyne.KeyN), "Ctrl+N", "Compose a post", func(s *accountsScreen) { s.nav.compose() }},
	{ctrlShift(fyne.KeyQ), "Ctrl+Shift+Q", "Open the Queue", func(s *accountsScreen) { s.nav.queue() }},
	{ctrl(fyne.KeyComma), "Ctrl+,", "Open Settings", func(s *accountsScreen) { s.nav.settings() }},
	{ctrl(fyne.KeyT), "Ctrl+T", "Switch between the compact and the comfortable view", func(s *accountsScreen) { s.onViewToggled() }},
	{ctrl(fyne.KeyL), "Ctrl+L", "Go to the profiles, from wherever the focus is", func(s *accountsScreen) { s.enterRows() }},
}

// keysWithoutShortcut are the keys the window reads itself, for the dialog.
var keysWithoutShortcut = [][2]string{
	{"↓ or Enter in the search box", "Go to the profiles: the first on screen, or the first found"},
	{"Tab, Shift+Tab", "Move between the buttons, the search box and the profiles"},
	{"↑ ↓ Home End Page Up/Down", "Move through the profiles"},
	{"Enter or Menu", "Open the selected profile's menu (Update, Check now, Details, Remove)"},
	{"Space", "Open the selected profile's details"},
	{"Escape", "Close a dialog or menu; from the profiles, back to the search box"},
	{"F1", "This list"},
}

func ctrl(key fyne.KeyName) *desktop.CustomShortcut {
	return &desktop.CustomShortcut{KeyName: key, Modifier: fyne.KeyModifierShortcutDefault}
}

func ctrlShift(key fyne.KeyName) *desktop.CustomShortcut {
	return &desktop.CustomShortcut{KeyName: key, Modifier: fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift}
}

// addShortcuts wires the window's keyboard: the shortcuts, the keys that
// move through the rows, and Enter in the search box.
func (s *accountsScreen) addShortcuts() {
	c := s.window.Canvas()
	for _, k := range accountsShortcuts {
		act := k.action
		c.AddShortcut(k.shortcut, func(fyne.Shortcut) { act(s) })
	}
	c.SetOnTypedKey(s.onTypedKey)
	s.search.OnSubmitted = func(string) { s.enterRowsAt(0) }
}

// runShortcut runs one of the window's shortcuts, if sc is one.
func (s *accountsScreen) runShortcut(sc fyne.Shortcut) bool {
	custom, ok := sc.(*desktop.CustomShortcut)
	if !ok {
		return false
	}
	for _, k := range accountsShortcuts {
		if k.shortcut.KeyName == custom.KeyName && k.shortcut.Modifier == custom.Modifier {
			k.action(s)
			return true
		}
	}
	return false
}

// onTypedKey takes the keys of the rows: those no focused widget took, and
// those typed while the list or the table has the focus.
func (s *accountsScreen) onTypedKey(ev *fyne.KeyEvent) {
	page := max(int(s.window.Canvas().Size().Height/compactLineHeight())-6, 1)
	switch ev.Name {
	case fyne.KeyDown:
		s.moveCursor(s.cursor + 1)
	case fyne.KeyUp:
		s.moveCursor(max(s.cursor-1, 0))
	case fyne.KeyHome:
		s.moveCursor(0)
	case fyne.KeyEnd:
		s.moveCursor(len(s.accounts) - 1)
	case fyne.KeyPageDown:
		s.moveCursor(s.cursor + page)
	case fyne.KeyPageUp:
		s.moveCursor(max(s.cursor-page, 0))
	case fyne.KeyReturn, fyne.KeyEnter, desktop.KeyMenu:
		s.openCursorMenu()
	case fyne.KeySpace:
		if s.cursor >= 0 && s.cursor < len(s.accounts) {
			s.showDetail(s.accounts[s.cursor])
		}
	case fyne.KeyEscape:
		// A dialog open over the window keeps the focus where it is.
		if s.window.Canvas().Overlays().Top() == nil {
			s.leaveRows()
		}
	case fyne.KeyF1:
		s.showKeyboardHelp()
	}
}

// enterRows puts the keyboard on the rows: the focus on the list or the
// table, and the cursor on the row it was on if that is on screen, else on
// the first row on screen.
func (s *accountsScreen) enterRows() {
	top := s.topRowOnScreen()
	if s.cursor >= top && s.cursor < len(s.accounts) && s.rowOnScreen(s.cursor) {
		top = s.cursor
	}
	s.enterRowsAt(top)
}

// enterRowsAt puts the keyboard on row i of the rows.
func (s *accountsScreen) enterRowsAt(i int) {
	if len(s.accounts) == 0 {
		return
	}
	s.moveCursor(i)
	s.focusingRows = true
	defer func() { s.focusingRows = false }()
	s.window.Canvas().Focus(s.rowsWidget())
}

// rowsWidget is the list or the table, whichever view is on.
func (s *accountsScreen) rowsWidget() fyne.Focusable {
	if s.compact() && s.table != nil {
		return s.table
	}
	return s.list
}

// leaveRows takes the keyboard from the rows back to the search box.
func (s *accountsScreen) leaveRows() {
	if !s.searchBar.Visible() {
		return
	}
	s.clearCursor()
	s.focusSearch()
}

// clearCursor takes the cursor off the rows.
func (s *accountsScreen) clearCursor() {
	s.cursor = -1
	s.list.UnselectAll()
	if s.table != nil {
		s.table.UnselectAll()
	}
}

// rowsFocused is told that the list or the table got the focus: by Tab, a
// click on a row or enterRows. By Tab the cursor shows on the first row on
// screen, so Enter has a row to open.
func (s *accountsScreen) rowsFocused() {
	if s.focusingRows || s.cursor >= 0 {
		return
	}
	s.moveCursor(s.topRowOnScreen())
}

// topRowOnScreen is the index of the first row wholly on screen (0 when
// none is drawn yet).
func (s *accountsScreen) topRowOnScreen() int {
	var top int64
	topY := float32(-1)
	for id, y := range s.rowsOnScreen() {
		if topY < 0 || y < topY {
			top, topY = id, y
		}
	}
	return max(slices.IndexFunc(s.accounts, func(a account.Account) bool { return a.ID == top }), 0)
}

// rowOnScreen says whether row i is wholly on screen.
func (s *accountsScreen) rowOnScreen(i int) bool {
	_, ok := s.rowsOnScreen()[s.accounts[i].ID]
	return ok
}

// rowsOnScreen is the top, in the window, of each row wholly inside the
// list's or the table's view, by account id.
func (s *accountsScreen) rowsOnScreen() map[int64]float32 {
	d := fyne.CurrentApp().Driver()
	var view fyne.CanvasObject = s.list
	type shown struct {
		id int64
		o  fyne.CanvasObject
	}
	var rows []shown
	top := float32(0)
	if s.compact() && s.table != nil {
		view = s.table
		top = compactLineHeight() // the header row
		for c := range s.cells {
			if c.col == int(columnName) && c.account.ID != 0 && c.Visible() {
				rows = append(rows, shown{c.account.ID, c})
			}
		}
	} else {
		for _, r := range s.rows {
			if r.account.ID != 0 && r.Visible() {
				rows = append(rows, shown{r.account.ID, r})
			}
		}
	}
	out := map[int64]float32{}
	if d.CanvasForObject(view) == nil {
		return out
	}
	viewPos := d.AbsolutePositionForObject(view)
	for _, r := range rows {
		if d.CanvasForObject(r.o) == nil {
			continue
		}
		y := d.AbsolutePositionForObject(r.o).Y
		if y >= viewPos.Y+top-1 && y+r.o.Size().Height <= viewPos.Y+view.Size().Height+1 {
			out[r.id] = y
		}
	}
	return out
}

// compactLineHeight is a compact row's height.
func compactLineHeight() float32 {
	return fyne.MeasureText("Ag", theme.TextSize(), fyne.TextStyle{}).Height + 2*compactRowPadding
}

// moveCursor selects row i (kept within the list) and scrolls to it,
// without opening anything.
func (s *accountsScreen) moveCursor(i int) {
	if len(s.accounts) == 0 {
		s.cursor = -1
		return
	}
	i = min(max(i, 0), len(s.accounts)-1)
	s.cursor = i
	s.movingByKey = true
	defer func() { s.movingByKey = false }()
	if s.compact() && s.table != nil {
		s.table.Select(widget.TableCellID{Row: i, Col: int(columnName)})
		return
	}
	s.list.Select(i)
	s.list.ScrollTo(i)
}

// openCursorMenu opens the row menu of the row the keyboard is on, under
// its ⋯ button when that is on screen.
func (s *accountsScreen) openCursorMenu() {
	if s.cursor < 0 || s.cursor >= len(s.accounts) {
		return
	}
	a := s.accounts[s.cursor]
	if below := s.menuButtonOf(a.ID); below != nil {
		s.showCompactMenu(a, below)
		return
	}
	c := s.window.Canvas()
	widget.ShowPopUpMenuAtPosition(s.rowMenu(a), c, fyne.NewPos(c.Size().Width/3, c.Size().Height/3))
}

// menuButtonOf is the ⋯ button of the row on screen showing an account.
func (s *accountsScreen) menuButtonOf(id int64) fyne.CanvasObject {
	d := fyne.CurrentApp().Driver()
	if s.compact() {
		for c := range s.cells {
			if c.col == menuColumn && c.account.ID == id && c.Visible() && d.CanvasForObject(c.more) != nil {
				return c.more
			}
		}
		return nil
	}
	for _, r := range s.rows {
		if r.account.ID == id && r.Visible() && d.CanvasForObject(r.more) != nil {
			return r.more
		}
	}
	return nil
}

// searchEntry is the search box: ↓ goes on to the rows, and the window's
// shortcuts work while it has the focus (Fyne hands a shortcut to the
// focused widget only, and an Entry drops those it does not know).
type searchEntry struct {
	widget.Entry
	screen *accountsScreen
}

func newSearchEntry(s *accountsScreen) *searchEntry {
	e := &searchEntry{screen: s}
	e.ExtendBaseWidget(e)
	return e
}

// TypedKey goes on to the rows on ↓, to the first on screen.
func (e *searchEntry) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyDown {
		e.screen.enterRowsAt(e.screen.topRowOnScreen())
		return
	}
	e.Entry.TypedKey(ev)
}

// TypedShortcut runs the window's shortcuts, and the Entry's own.
func (e *searchEntry) TypedShortcut(sc fyne.Shortcut) {
	if e.screen.runShortcut(sc) {
		return
	}
	e.Entry.TypedShortcut(sc)
}

// rowsList is the comfortable list, taking the rows' keys when it has the
// focus (Fyne's own list moves a focus mark apart from the selection and
// opens nothing on Enter).
type rowsList struct {
	widget.List
	screen *accountsScreen
}

func (l *rowsList) FocusGained()               { l.screen.rowsFocused() }
func (l *rowsList) FocusLost()                 {}
func (l *rowsList) TypedKey(ev *fyne.KeyEvent) { l.screen.onTypedKey(ev) }

// rowsTable is the compact table, taking the rows' keys as rowsList does.
type rowsTable struct {
	widget.Table
	screen *accountsScreen
}

func (t *rowsTable) FocusGained()               { t.screen.rowsFocused() }
func (t *rowsTable) FocusLost()                 {}
func (t *rowsTable) TypedKey(ev *fyne.KeyEvent) { t.screen.onTypedKey(ev) }

// focusSearch puts the cursor in the search box, when there is one.
func (s *accountsScreen) focusSearch() {
	if s.searchBar.Visible() {
		s.window.Canvas().Focus(s.search)
	}
}

// newHelpButton opens Help → Keyboard (there is no menu bar off macOS).
func (s *accountsScreen) newHelpButton() *widget.Button {
	b := widget.NewButtonWithIcon("", theme.HelpIcon(), s.showKeyboardHelp)
	b.Importance = widget.LowImportance
	return b
}

// showKeyboardHelp is the Help → Keyboard dialog.
func (s *accountsScreen) showKeyboardHelp() {
	grid := container.NewGridWithColumns(2)
	add := func(keys, does string) {
		grid.Add(widget.NewLabelWithStyle(keys, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		grid.Add(widget.NewLabel(does))
	}
	for _, k := range accountsShortcuts {
		add(k.keys, k.does)
	}
	for _, k := range keysWithoutShortcut {
		add(k[0], k[1])
	}
	d := dialog.NewCustom("Keyboard", "Close", grid, s.window)
	d.Show()
}
