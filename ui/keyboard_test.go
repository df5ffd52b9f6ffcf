package ui

import (
	"slices"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

// pressKey delivers a key as Fyne's desktop driver does: to the focused
// widget, else to the window.
func pressKey(c fyne.Canvas, name fyne.KeyName) {
	ev := &fyne.KeyEvent{Name: name}
	if f := c.Focused(); f != nil {
		f.TypedKey(ev)
		return
	}
	if h := c.OnTypedKey(); h != nil {
		h(ev)
	}
}

// pressShortcut delivers a shortcut as Fyne's desktop driver does: to the
// focused widget alone when it takes shortcuts (an Entry does), else to
// the window.
func pressShortcut(c fyne.Canvas, sc fyne.Shortcut) {
	if f, ok := c.Focused().(fyne.Shortcutable); ok {
		f.TypedShortcut(sc)
		return
	}
	c.(fyne.Shortcutable).TypedShortcut(sc)
}

// openMenuItems are the labels of the menu open over the window, nil when
// none is.
func openMenuItems(s *accountsScreen) []string {
	top := s.window.Canvas().Overlays().Top()
	if top == nil {
		return nil
	}
	return drawnTexts(top)
}

// rowShownSelected says whether row i is on screen under the theme's
// selection colour.
func rowShownSelected(t *testing.T, s *accountsScreen, i int) bool {
	t.Helper()
	y, ok := s.rowsOnScreen()[s.accounts[i].ID]
	if !ok {
		return false
	}
	y += compactLineHeight() / 2
	selection := theme.Color(theme.ColorNameSelection)
	found := false
	var walk func(o fyne.CanvasObject, origin fyne.Position)
	walk = func(o fyne.CanvasObject, origin fyne.Position) {
		if o == nil || !o.Visible() || found {
			return
		}
		pos := origin.Add(o.Position())
		switch o := o.(type) {
		case *canvas.Rectangle:
			found = o.FillColor == selection && y >= pos.Y && y < pos.Y+o.Size().Height
		case *fyne.Container:
			for _, child := range o.Objects {
				walk(child, pos)
			}
		case fyne.Widget:
			for _, child := range test.TempWidgetRenderer(t, o).Objects() {
				walk(child, pos)
			}
		}
	}
	walk(s.window.Canvas().Content(), fyne.Position{})
	return found
}

// ↓ in the search box goes to the rows: the focus on the list or the
// table and the first row on screen selected, in both views, also when the
// rows are scrolled; ↓ there moves on, and Escape goes back to the search.
func TestDownFromSearchGoesToTheFirstRowOnScreen(t *testing.T) {
	tests := []struct {
		view     string
		scrolled bool
	}{
		{viewCompact, false},
		{viewComfortable, false},
		{viewCompact, true},
		{viewComfortable, true},
	}
	for _, tt := range tests {
		name := tt.view
		if tt.scrolled {
			name += "/scrolled"
		}
		t.Run(name, func(t *testing.T) {
			s, _ := compactScreen(t, 60)
			s.view = tt.view
			s.applyFilter()
			c := s.window.Canvas()
			want := 0
			if tt.scrolled {
				if tt.view == viewCompact {
					s.table.ScrollToOffset(fyne.NewPos(0, 10.5*compactLineHeight()))
				} else {
					s.list.ScrollToOffset(4.5 * comfortableRowHeight)
				}
				want = s.topRowOnScreen()
				if want == 0 {
					t.Fatal("scrolled, yet the first row is on screen")
				}
			}
			pressShortcut(c, ctrl(fyne.KeyF))
			if c.Focused() != s.search {
				t.Fatalf("Ctrl+F focused %T", c.Focused())
			}
			pressKey(c, fyne.KeyDown)
			if c.Focused() != s.rowsWidget() || s.cursor != want {
				t.Fatalf("↓ in the search box: focus %T, cursor %d, want the rows and %d", c.Focused(), s.cursor, want)
			}
			if !rowShownSelected(t, s, want) {
				t.Fatalf("row %d is not shown selected", want)
			}
			if openMenuItems(s) != nil {
				t.Fatal("going to the rows opened something")
			}
			pressKey(c, fyne.KeyDown)
			if s.cursor != want+1 || !rowShownSelected(t, s, want+1) {
				t.Fatalf("↓ in the rows: cursor %d, want %d", s.cursor, want+1)
			}
			pressKey(c, fyne.KeyEscape)
			if c.Focused() != s.search || s.cursor != -1 {
				t.Fatalf("Escape in the rows: focus %T, cursor %d, want the search box", c.Focused(), s.cursor)
			}
			// Typing goes on in the search box.
			test.Type(c.Focused(), "shop 4")
			if s.search.Text != "shop 4" {
				t.Fatalf("typed after Escape: search %q", s.search.Text)
			}
		})
	}
}

// tabToRows presses Tab until the rows have the focus, at most 30 times.
func tabToRows(t *testing.T, s *accountsScreen, c fyne.Canvas) {
	t.Helper()
	for range 30 {
		if c.Focused() == s.rowsWidget() {
			return
		}
		c.FocusNext()
	}
}

// The rows and their menu are reachable by keyboard whatever has the
// focus: by Tab from a header button or the search box, and by Ctrl+L from a
// button or the search box.
func TestRowsAndTheirMenuAreReachableWhateverHasTheFocus(t *testing.T) {
	tests := []struct {
		name  string
		reach func(s *accountsScreen, c fyne.Canvas)
	}{
		{"Tab from a header button", func(s *accountsScreen, c fyne.Canvas) {
			c.Focus(findButtonDeep(t, s.top, "Compose"))
			tabToRows(t, s, c)
		}},
		{"Tab from the search box", func(s *accountsScreen, c fyne.Canvas) {
			c.Focus(s.search)
			tabToRows(t, s, c)
		}},
		{"Ctrl+L from a button", func(s *accountsScreen, c fyne.Canvas) {
			c.Focus(findButtonDeep(t, s.top, "Queue"))
			pressShortcut(c, ctrl(fyne.KeyL))
		}},
		{"Ctrl+L from the search box", func(s *accountsScreen, c fyne.Canvas) {
			c.Focus(s.search)
			pressShortcut(c, ctrl(fyne.KeyL))
		}},
	}
	for _, view := range []string{viewCompact, viewComfortable} {
		for _, tt := range tests {
			t.Run(view+"/"+tt.name, func(t *testing.T) {
				s, _ := compactScreen(t, 60)
				s.view = view
				s.applyFilter()
				rec := wireRecorder(s)
				c := s.window.Canvas()
				tt.reach(s, c)
				if c.Focused() != s.rowsWidget() {
					t.Fatalf("focus on %T, not the rows", c.Focused())
				}
				if s.cursor != 0 || !rowShownSelected(t, s, 0) {
					t.Fatalf("cursor %d: the first row on screen is not selected", s.cursor)
				}
				pressKey(c, fyne.KeyDown)
				pressKey(c, fyne.KeyReturn)
				if items := openMenuItems(s); !slices.Contains(items, "Check now") {
					t.Fatalf("Enter opened %v, not the row menu", items)
				}
				tapMenuItem(t, s, "Check now")
				if want := []string{"check " + s.accounts[1].DisplayName}; !slices.Equal(rec.actions, want) {
					t.Fatalf("actions %v, want %v", rec.actions, want)
				}
			})
		}
	}
}
