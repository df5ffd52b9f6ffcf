package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
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
// Keyboard dialog lists them from here, so the list cannot go stale.
// Ctrl+Q is left alone: people expect it to quit.
var accountsShortcuts = []keyboardShortcut{
	{ctrl(fyne.KeyF), "Ctrl+F", "Search profiles", func(s *accountsScreen) { s.focusSearch() }},
	{ctrl(fyne.KeyN), "Ctrl+N", "Compose a post", func(s *accountsScreen) { s.nav.compose() }},
	{ctrlShift(fyne.KeyQ), "Ctrl+Shift+Q", "Open the Queue", func(s *accountsScreen) { s.nav.queue() }},
	{ctrl(fyne.KeyComma), "Ctrl+,", "Open Settings", func(s *accountsScreen) { s.nav.settings() }},
	{ctrl(fyne.KeyT), "Ctrl+T", "Switch between the compact and the comfortable view", func(s *accountsScreen) { s.onViewToggled() }},
	{&desktop.CustomShortcut{KeyName: fyne.KeyF10, Modifier: fyne.KeyModifierShift}, "Shift+F10", "Open the selected profile's menu", func(s *accountsScreen) { s.openCursorMenu() }},
}

// keysWithoutShortcut are the keys the window reads itself, for the dialog.
var keysWithoutShortcut = [][2]string{
	{"↑ ↓ Home End Page Up/Down", "Move through the profiles"},
	{"Enter or Menu", "Open the selected profile's menu (Update, Check now, Details, Remove)"},
	{"Enter in the search box", "Go to the first profile found"},
	{"F1", "This list"},
	{"Escape", "Close a dialog or menu"},
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
	s.search.OnSubmitted = func(string) {
		c.Unfocus()
		s.moveCursor(0)
	}
}

// onTypedKey takes the keys no focused widget took.
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
	case fyne.KeyF1:
		s.showKeyboardHelp()
	}
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
