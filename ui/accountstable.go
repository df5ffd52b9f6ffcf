package ui

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/expiry"
)

// The compact view lists each profile on one line of a table: name,
// network, handle, state, countdown and last check, sortable by column.
// It suits many profiles; the comfortable list (row.go) suits a few.

// columnWidths are the compact table's column widths; the last column holds
// the row's ⋯ button. They add up to fit the window's 880 px.
var columnWidths = [columnCount + 1]float32{160, 84, 170, 130, 146, 112, 36}

// menuColumn is the column of the row's ⋯ button.
const menuColumn = int(columnCount)

// compactRowPadding is the space above and below a compact line's text.
const compactRowPadding = 5

// compactState is the Accounts window's compact view and keyboard state;
// UI goroutine only.
type compactState struct {
	// view is the chosen view (viewAuto until the person toggles it).
	view         string
	viewSettings viewSettings
	viewButton   *widget.Button
	table        *rowsTable
	// cells are the table's cells shown so far.
	cells map[*compactCell]struct{}
	// cursor is the row the keyboard is on (-1: none); movingByKey is
	// set while the keyboard moves it, so the move opens nothing.
	cursor      int
	movingByKey bool
	// focusingRows is set while enterRows gives the rows the focus, with
	// the cursor already placed.
	focusingRows bool
	// shownCompact is the view last put on screen (viewLogged: once).
	shownCompact, viewLogged bool
}

// compactCell is one cell of the compact table: a line of text (with a
// state dot in the State column, and in the Last check column the mark of a
// check that could not ask the network) or, in the last column, the ⋯
// button.
type compactCell struct {
	widget.BaseWidget
	screen  *accountsScreen
	account account.Account
	col     int

	dot  *canvas.Circle
	text *canvas.Text
	// mark is the comfortable row's trouble mark (connectivitybanner.go):
	// the countdown is from an older check; the detail has the words.
	mark *widget.Icon
	more *menuDots
	// full is the text before it was cut to the column's width.
	full string
}

func newCompactCell(s *accountsScreen) *compactCell {
	c := &compactCell{screen: s}
	c.dot = canvas.NewCircle(theme.Color(theme.ColorNameSuccess))
	c.text = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	c.mark = newTroubleMark()
	c.more = newMenuDots(func() { s.showCompactMenu(c.account, c.more) })
	c.ExtendBaseWidget(c)
	return c
}

func (c *compactCell) CreateRenderer() fyne.WidgetRenderer {
	return &compactCellRenderer{cell: c}
}

// set shows one cell of account a.
func (c *compactCell) set(a account.Account, col int, now time.Time) {
	c.account, c.col = a, col
	// Counted once shown: the table also makes a template cell at each
	// refresh, which never shows.
	if _, ok := c.screen.cells[c]; !ok {
		if c.screen.cells == nil {
			c.screen.cells = map[*compactCell]struct{}{}
		}
		c.screen.cells[c] = struct{}{}
	}
	if col == menuColumn {
		c.text.Hide()
		c.dot.Hide()
		c.mark.Hide()
		c.more.Show()
		return
	}
	c.more.Hide()
	c.text.Show()
	c.text.Color = theme.Color(theme.ColorNameForeground)
	c.dot.Hide()
	var text string
	switch column(col) {
	case columnName:
		text = nameOf(a)
		c.text.TextStyle = fyne.TextStyle{Bold: true}
	case columnNetwork:
		text = c.screen.nets.title(a.Network)
	case columnHandle:
		text = a.Handle
	case columnState:
		// Words in the foreground colour, whose contrast is checked; the
		// state's colour is on the dot beside them.
		words, colour := stateText(a)
		// "Expired — needs Update": the column has room for the first
		// part; the ⋯ menu and the banner offer Update.
		text, _, _ = strings.Cut(words, " — ")
		c.dot.FillColor = theme.Color(colour)
		c.dot.Show()
	case columnCountdown:
		text = compactCountdown(a, now)
		c.screen.countdownShown(a)
	case columnLastCheck:
		text = "Never"
		if a.LastCheckedAt != nil {
			text = ago(now, *a.LastCheckedAt)
		}
	}
	if column(col) == columnLastCheck {
		showTroubleMark(c.mark, a)
	} else {
		c.mark.Hide()
	}
	if column(col) != columnName {
		c.text.TextStyle = fyne.TextStyle{}
	}
	c.full = text
	c.fit()
	c.Refresh()
}

// fit cuts the text with an ellipsis to the cell's width.
func (c *compactCell) fit() {
	width := columnWidths[c.col] - 2*theme.Padding()
	if column(c.col) == columnState {
		width -= c.dotSize() + theme.Padding()
	}
	if c.mark.Visible() {
		width -= c.markSize() + theme.Padding()
	}
	c.text.Text = ellipsis(c.full, width, c.text.TextSize, c.text.TextStyle)
}

func (c *compactCell) dotSize() float32 { return theme.TextSize() * 0.6 }

// markSize is the trouble mark's size: the inline icon size, within the
// line's height.
func (c *compactCell) markSize() float32 {
	return min(theme.IconInlineSize(), compactLineHeight()-2)
}

// compactCountdown is the countdown without the date: "Expires in 23
// days", "Never expires", or why access ended.
func compactCountdown(a account.Account, now time.Time) string {
	if a.State == account.Disconnected && a.Reason != account.ReasonExpired {
		return expiryLine(a, now) // why access ended
	}
	return expiry.Describe(now, a.ExpiresAt)
}

// ellipsis is text cut to fit width, ending in "…" when cut: the longest
// start of it that fits with the "…".
//
// Each measure of a new string shapes it, on the UI goroutine, and a
// screenful of the compact table cuts dozens of handles and names. So the
// search starts where the cut would be if every character were as wide as
// the average, and steps from there: about two measures a cut, where a
// binary search took five or six.
func ellipsis(text string, width, size float32, style fyne.TextStyle) string {
	if size == 0 {
		size = theme.TextSize()
	}
	full := fyne.MeasureText(text, size, style).Width
	if full <= width {
		return text
	}
	runes := []rune(text)
	if len(runes) == 0 {
		return text
	}
	fits := func(n int) bool {
		return fyne.MeasureText(string(runes[:n])+"…", size, style).Width <= width
	}
	room := width - fyne.MeasureText("…", size, style).Width
	n := min(max(int(float32(len(runes))*room/full), 0), len(runes)-1)
	if fits(n) {
		for n+1 < len(runes) && fits(n+1) {
			n++
		}
	} else {
		for n > 0 && !fits(n-1) {
			n--
		}
		n = max(n-1, 0)
	}
	return string(runes[:n]) + "…"
}

type compactCellRenderer struct{ cell *compactCell }

func (r *compactCellRenderer) Layout(size fyne.Size) {
	c := r.cell
	p := theme.Padding()
	if c.more.Visible() {
		// Only the last column shows its ⋯ button; resizing the hidden
		// ones built a renderer for every cell of the first screen.
		c.more.Resize(size)
		c.more.Move(fyne.NewPos(0, 0))
	}
	x := p
	if c.dot.Visible() {
		d := c.dotSize()
		c.dot.Resize(fyne.NewSquareSize(d))
		c.dot.Move(fyne.NewPos(x, (size.Height-d)/2))
		x += d + p
	}
	right := size.Width - p
	if c.mark.Visible() {
		m := c.markSize()
		right -= m
		c.mark.Resize(fyne.NewSquareSize(m))
		c.mark.Move(fyne.NewPos(right, (size.Height-m)/2))
		right -= p
	}
	th := c.text.MinSize().Height
	c.text.Resize(fyne.NewSize(right-x, th))
	c.text.Move(fyne.NewPos(x, (size.Height-th)/2))
}

func (r *compactCellRenderer) MinSize() fyne.Size { return fyne.NewSize(0, compactLineHeight()) }

func (r *compactCellRenderer) Refresh() {
	r.cell.text.Refresh()
	r.cell.dot.Refresh()
	r.cell.mark.Refresh()
	r.Layout(r.cell.Size())
}

func (r *compactCellRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.cell.dot, r.cell.text, r.cell.mark, r.cell.more}
}

func (r *compactCellRenderer) Destroy() {}

// buildTable makes the compact table; its header row sorts by a column.
func (s *accountsScreen) buildTable() *rowsTable {
	t := &rowsTable{screen: s}
	t.Length = func() (int, int) { return len(s.accounts), len(columnWidths) }
	t.CreateCell = func() fyne.CanvasObject { return newCompactCell(s) }
	t.UpdateCell = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Row < len(s.accounts) {
			o.(*compactCell).set(s.accounts[id.Row], id.Col, s.backend.Now())
		}
	}
	t.ExtendBaseWidget(t)
	t.ShowHeaderRow = true
	t.CreateHeader = func() fyne.CanvasObject { return newHeaderCell() }
	t.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		h := o.(*headerCell)
		if id.Col >= int(columnCount) {
			h.set("", nil)
			return
		}
		col := column(id.Col)
		h.set(s.headerTitle(col), func() { s.onSortChanged(col) })
	}
	for i, w := range columnWidths {
		t.SetColumnWidth(i, w)
	}
	t.OnSelected = func(id widget.TableCellID) {
		s.cursor = id.Row
		if s.movingByKey || id.Row >= len(s.accounts) {
			return
		}
		t.UnselectAll()
		if id.Col != menuColumn {
			s.showDetail(s.accounts[id.Row])
		}
	}
	return t
}

// onSortChanged sorts by a column (again: the other way round).
func (s *accountsScreen) onSortChanged(col column) {
	s.sortBy(col)
	s.table.Refresh()
	first := ""
	if len(s.accounts) > 0 {
		first = nameOf(s.accounts[0])
	}
	s.log.Info("accounts sorted", "by", columnTitles[col], "descending", s.order.desc, "first", first)
}

// compactMenu is the row's menu in either view: Update, Check now,
// Details, Remove.
func (s *accountsScreen) rowMenu(a account.Account) *fyne.Menu {
	return fyne.NewMenu("",
		fyne.NewMenuItemWithIcon("Update", theme.ViewRefreshIcon(), func() { s.onUpdate(a) }),
		fyne.NewMenuItemWithIcon("Check now", theme.ConfirmIcon(), func() { s.onCheck(a) }),
		fyne.NewMenuItemWithIcon("Details…", theme.InfoIcon(), func() { s.showDetail(a) }),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItemWithIcon("Remove…", theme.DeleteIcon(), func() { s.onRemove(a) }),
	)
}

// showCompactMenu pops the row menu under the ⋯ button it belongs to.
func (s *accountsScreen) showCompactMenu(a account.Account, below fyne.CanvasObject) {
	c := fyne.CurrentApp().Driver().CanvasForObject(below)
	if c == nil {
		return
	}
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(below).Add(fyne.NewPos(0, below.Size().Height))
	widget.ShowPopUpMenuAtPosition(s.rowMenu(a), c, pos)
}

// accountsView is how the Accounts window lists profiles: "auto" picks by
// how many there are (defaultCompact); the toolbar toggle sets one of the
// others, kept in the settings.
const (
	viewSettingKey  = "ui.accounts.view"
	viewAuto        = "auto"
	viewComfortable = "comfortable"
	viewCompact     = "compact"
)

// viewSettings keeps the chosen view; the engine's settings serve.
type viewSettings interface {
	Get(ctx context.Context, key string) (string, error)
	Set(ctx context.Context, key, value string) error
}

// comfortableRowHeight is a comfortable row's height; headerAllowance the
// window's height above the list (header, a banner, the search bar).
const (
	comfortableRowHeight = 78
	headerAllowance      = 170
	defaultWindowHeight  = 600
)

// defaultCompact is the automatic view's rule: compact once the profiles
// are more than one window's height of comfortable rows (five at the
// default 600 px; windowHeight 0 means the window is not sized yet).
func defaultCompact(total int, windowHeight float32) bool {
	if windowHeight <= 0 {
		windowHeight = defaultWindowHeight
	}
	fit := int((windowHeight - headerAllowance) / comfortableRowHeight)
	return total > max(fit, 1)
}

// compact says whether the window lists profiles in the compact view now.
func (s *accountsScreen) compact() bool {
	switch s.view {
	case viewCompact:
		return true
	case viewComfortable:
		return false
	}
	return defaultCompact(s.total(), s.window.Canvas().Size().Height)
}

// rowsView is the list or the table, whichever view is on; the table is
// made the first time it is needed.
func (s *accountsScreen) rowsView() fyne.CanvasObject {
	compact := s.compact()
	s.updateViewButton()
	if compact != s.shownCompact || !s.viewLogged {
		s.shownCompact, s.viewLogged = compact, true
		view := viewComfortable
		if compact {
			view = viewCompact
		}
		// Tests of the real window read the view from here.
		s.log.Info("accounts view", "view", view, "chosen", s.view, "profiles", s.total())
	}
	if !compact {
		return s.list
	}
	if s.table == nil {
		s.table = s.buildTable()
	}
	return s.table
}

// refreshRows redraws whichever view is on.
func (s *accountsScreen) refreshRows() {
	s.list.Refresh()
	if s.table != nil {
		s.table.Refresh()
	}
}

// onViewToggled switches between the compact and the comfortable view and
// remembers the choice.
func (s *accountsScreen) onViewToggled() {
	if s.compact() {
		s.view = viewComfortable
	} else {
		s.view = viewCompact
	}
	s.applyFilter()
	if s.viewSettings != nil {
		view, settings, log := s.view, s.viewSettings, s.log
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := settings.Set(ctx, viewSettingKey, view); err != nil {
				log.Warn("could not keep the accounts view", "err", err)
			}
		}()
	}
}

// loadView reads the kept view, off the UI goroutine, and shows it; done
// is closed once it is applied (or there was none).
func (s *accountsScreen) loadView(settings viewSettings) (done <-chan struct{}) {
	s.viewSettings = settings
	applied := make(chan struct{})
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		view, err := settings.Get(ctx, viewSettingKey)
		if err != nil || view == viewAuto || view == "" {
			close(applied)
			return
		}
		fyne.Do(func() {
			defer close(applied)
			if s.view == viewAuto || s.view == "" {
				s.view = view
				if len(s.all) > 0 {
					s.applyFilter()
				}
			}
		})
	}()
	return applied
}

// newViewButton toggles between the compact and the comfortable view.
func (s *accountsScreen) newViewButton() *widget.Button {
	s.viewButton = widget.NewButtonWithIcon("", theme.MenuIcon(), s.onViewToggled)
	s.viewButton.Importance = widget.LowImportance
	return s.viewButton
}

func (s *accountsScreen) updateViewButton() {
	if s.viewButton == nil {
		return
	}
	// The icon shows the view the button switches to: the header has no
	// room for words (Help → Keyboard names it, with Ctrl+T).
	if s.compact() {
		s.viewButton.SetIcon(theme.ListIcon())
	} else {
		s.viewButton.SetIcon(theme.MenuIcon())
	}
}

// compactOnScreen is the accounts of the compact cells made so far (those
// on screen and a few kept for scrolling), for the countdown timer.
func (s *accountsScreen) compactOnScreen() []account.Account {
	var out []account.Account
	for c := range s.cells {
		if c.account.ID != 0 && column(c.col) == columnCountdown {
			out = append(out, c.account)
		}
	}
	return out
}

// headerCell is a column header of the compact table: its title, bold, and
// a click sorts by it. As low as a row, so the table's lines stay compact
// (a button would make every line as tall as itself).
type headerCell struct {
	widget.BaseWidget
	text  *canvas.Text
	onTap func()
}

func newHeaderCell() *headerCell {
	h := &headerCell{text: canvas.NewText("", theme.Color(theme.ColorNameForeground))}
	h.text.TextStyle = fyne.TextStyle{Bold: true}
	h.ExtendBaseWidget(h)
	return h
}

func (h *headerCell) set(title string, onTap func()) {
	h.text.Text, h.onTap = title, onTap
	h.text.Color = theme.Color(theme.ColorNameForeground)
	h.text.Refresh()
}

// Tapped sorts by the header's column.
func (h *headerCell) Tapped(*fyne.PointEvent) {
	if h.onTap != nil {
		h.onTap()
	}
}

// Cursor shows the header can be clicked.
func (h *headerCell) Cursor() desktop.Cursor { return desktop.PointerCursor }

func (h *headerCell) CreateRenderer() fyne.WidgetRenderer {
	return &headerCellRenderer{cell: h}
}

type headerCellRenderer struct{ cell *headerCell }

func (r *headerCellRenderer) Layout(size fyne.Size) {
	th := r.cell.text.MinSize().Height
	r.cell.text.Resize(fyne.NewSize(size.Width-2*theme.Padding(), th))
	r.cell.text.Move(fyne.NewPos(theme.Padding(), (size.Height-th)/2))
}

func (r *headerCellRenderer) MinSize() fyne.Size { return fyne.NewSize(0, compactLineHeight()) }

func (r *headerCellRenderer) Refresh() {
	r.cell.text.Refresh()
	r.Layout(r.cell.Size())
}

func (r *headerCellRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.cell.text} }

func (r *headerCellRenderer) Destroy() {}
