package ui

import (
	"context"
	"fmt"
	"image/color"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/expiry"
	"github.com/socialomm/desktop/core/secret"
)

// accountsBackend is what the Accounts window needs from the engine.
type accountsBackend interface {
	Accounts(ctx context.Context) ([]account.Account, error)
	// AccountsHead and CountAccounts read the first screenful and the
	// counts by index, for the first frame.
	AccountsHead(ctx context.Context, n int) ([]account.Account, error)
	CountAccounts(ctx context.Context) (account.Counts, error)
	KeyringProblem(ctx context.Context) error
	Now() time.Time
	Subscribe(fn func(core.ChangeKind), kinds ...core.ChangeKind) (cancel func())
	Avatar(ctx context.Context, a account.Account) ([]byte, error)
	Activity(ctx context.Context, accountID int64, limit int) ([]account.Activity, error)
}

// navigation opens the app's other windows.
type navigation struct {
	compose, queue, settings, quit func()
}

// accountsScreen is the Accounts window: every connected profile with its
// state and a live countdown to its expiry. What it lists is its
// accountList (UI goroutine only); its accountsLoader reads the accounts.
// The screen itself is the widgets.
type accountsScreen struct {
	accountList
	accountsLoader
	compactState

	window  fyne.Window
	backend accountsBackend
	nets    networks
	nav     navigation
	log     *slog.Logger

	search    *searchEntry
	filter    *widget.Select
	searchBar *fyne.Container
	noMatch   fyne.CanvasObject

	connectButton *widget.Button
	emptyConnect  *widget.Button
	keyringBanner *fyne.Container
	keyringText   *widget.Label
	// attention says how many profiles need the person, with Update one
	// click away.
	attention        *fyne.Container
	attentionText    *widget.Label
	attentionButtons *fyne.Container
	// connectivity says which networks the checks could not reach.
	connectivity     *fyne.Container
	connectivityText *widget.Label
	summary          *widget.RichText
	top              *fyne.Container // header and banners
	body             *fyne.Container
	empty            fyne.CanvasObject
	list             *rowsList
	loadError        *widget.Label

	timerMu sync.Mutex
	timer   *time.Timer
	// countdownAt is when the armed countdown fires (zero: none armed).
	countdownAt time.Time
	// closed: the window is gone, and the countdown with it.
	closed bool
	// rows are the row widgets the list has made; UI goroutine only.
	rows []*accountRow

	// avatars caches loaded pictures by URL (nil: failed, use the
	// placeholder); UI goroutine only.
	avatars map[string]fyne.Resource

	// onConnect starts connecting a profile of a network; onUpdate,
	// onCheck and onRemove are the row menu's actions. The shell sets
	// them (wireAccountActions) before the window shows.
	onConnect func(network string)
	// onSetup opens Settings on a network's section (its app keys);
	// needsSetup says which networks have no app keys yet (nil: all can
	// connect). Both serve the Connect menu.
	onSetup    func(network string)
	needsSetup func(ctx context.Context) map[string]bool
	onUpdate   func(a account.Account)
	// onUpdateAll walks every profile that needs it (ui/updateall.go).
	onUpdateAll func()
	onCheck     func(a account.Account)
	onRemove    func(a account.Account)
	// async runs reads off the UI goroutine (tests run them in place).
	async func(func())
	// onRedraw is told each time the countdowns redraw (benchmarks count).
	onRedraw func()
	// onShown is told, after each load is on screen, how many profiles
	// there are; onListed is told every account once all are loaded.
	onShown  func(total int)
	onListed func(list []account.Account)
	// onLoaded is told after each load is on screen, also one that failed.
	onLoaded func()
	// windowShown is set once showWindow ran; until then announcements
	// wait in heldAnnouncement. UI goroutine only.
	windowShown      bool
	heldAnnouncement func()
}

func newAccountsScreen(a fyne.App, backend accountsBackend, nav navigation) *accountsScreen {
	s := newUnbuiltAccountsScreen(a, backend, nav)
	s.buildWindow()
	return s
}

// newUnbuiltAccountsScreen makes the Accounts window with no content yet,
// so loading can start before buildWindow makes the widgets.
func newUnbuiltAccountsScreen(a fyne.App, backend accountsBackend, nav navigation) *accountsScreen {
	w := a.NewWindow("SocialOmm — Accounts")
	s := &accountsScreen{window: w, backend: backend, nets: networksOf(backend), nav: nav, avatars: map[string]fyne.Resource{},
		log: slog.New(slog.DiscardHandler), async: func(fn func()) { go fn() }}
	s.cursor = -1
	s.accountList = accountList{title: s.nets.title, networks: s.nets.catalog.Names()}
	s.accountsLoader.init(backend, func() *slog.Logger { return s.log }, s.showLoaded)
	w.SetOnClosed(s.stopCountdown)
	return s
}

func (s *accountsScreen) buildWindow() {
	s.window.SetContent(s.build())
	s.addShortcuts()
	// macOS shows it in the system menu bar, where people look for it.
	// Elsewhere Fyne draws it as a bar inside the window: a second row
	// repeating the header's buttons, and a cost to every first frame.
	if runtime.GOOS == "darwin" {
		s.window.SetMainMenu(s.mainMenu())
	}
	s.window.Resize(fyne.NewSize(880, 600))
}

func (s *accountsScreen) build() fyne.CanvasObject {
	title := widget.NewLabelWithStyle("Accounts", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameHeadingText
	s.summary = newSecondaryText("", fyne.TextAlignLeading, fyne.TextStyle{})

	s.connectButton = widget.NewButtonWithIcon("Connect account", theme.ContentAddIcon(), s.showConnectMenu)
	s.connectButton.Importance = widget.HighImportance
	navButton := func(label string, icon fyne.Resource, fn func()) *widget.Button {
		b := widget.NewButtonWithIcon(label, icon, fn)
		b.Importance = widget.LowImportance
		return b
	}
	header := container.NewBorder(nil, nil,
		container.NewHBox(title, container.NewVBox(layout.NewSpacer(), s.summary)),
		container.NewHBox(
			s.newViewButton(),
			s.newHelpButton(),
			navButton("Compose", theme.DocumentCreateIcon(), s.nav.compose),
			navButton("Queue", theme.ListIcon(), s.nav.queue),
			navButton("Settings", theme.SettingsIcon(), s.nav.settings),
			s.connectButton,
		),
	)

	s.keyringText = widget.NewLabel("")
	s.keyringText.Wrapping = fyne.TextWrapWord
	s.keyringBanner = banner(theme.ColorNameWarning, theme.WarningIcon(), s.keyringText)
	s.keyringBanner.Hide()

	s.attentionText = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.attentionText.Truncation = fyne.TextTruncateEllipsis
	s.connectivity, s.connectivityText = newConnectivityBanner()
	s.attentionButtons = container.NewHBox()
	s.attention = banner(theme.ColorNameError, theme.ErrorIcon(),
		widthFree(container.NewBorder(nil, nil, nil, s.attentionButtons, s.attentionText)))
	s.attention.Hide()

	s.search = newSearchEntry(s)
	s.search.SetPlaceHolder("Search by name, handle or network")
	s.search.ActionItem = widget.NewIcon(theme.SearchIcon())
	s.search.OnChanged = func(string) { s.onSearchChanged() }
	s.filter = widget.NewSelect(nil, func(string) { s.onSearchChanged() })
	s.filter.PlaceHolder = filterAll
	s.searchBar = container.NewPadded(container.NewBorder(nil, nil, nil,
		container.NewGridWrap(fyne.NewSize(210, s.search.MinSize().Height), s.filter), s.search))
	s.searchBar.Hide()
	noMatch := newSecondaryText("No profile matches. Clear the search or choose All profiles.", fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	s.noMatch = container.NewCenter(noMatch)

	s.list = &rowsList{screen: s}
	s.list.Length = func() int { return len(s.accounts) }
	s.list.CreateItem = func() fyne.CanvasObject { return newAccountRow(s) }
	s.list.UpdateItem = func(id widget.ListItemID, o fyne.CanvasObject) {
		o.(*accountRow).set(s.accounts[id], s.backend.Now())
	}
	s.list.ExtendBaseWidget(s.list)
	s.list.HideSeparators = false
	s.list.OnSelected = func(id widget.ListItemID) {
		s.cursor = id
		if s.movingByKey {
			return
		}
		s.list.UnselectAll()
		if id < len(s.accounts) {
			s.showDetail(s.accounts[id])
		}
	}
	s.loadError = widget.NewLabel("")
	s.loadError.Wrapping = fyne.TextWrapWord
	// Plain, not italic: it is measured while the window is built, and
	// each text style costs a font face (parsed, and a system font looked
	// up for it) before the first frame.
	loading := newSecondaryText("Loading your profiles…", fyne.TextAlignCenter, fyne.TextStyle{})
	// Until the first load, say so rather than flash the empty state.
	s.body = container.NewStack(container.NewCenter(loading))

	s.top = container.NewVBox(container.NewPadded(header), s.keyringBanner, s.connectivity, s.attention, s.searchBar, widget.NewSeparator())
	return container.NewBorder(s.top, nil, nil, nil, s.body)
}

func (s *accountsScreen) mainMenu() *fyne.MainMenu {
	return fyne.NewMainMenu(
		fyne.NewMenu("SocialOmm",
			fyne.NewMenuItem("Connect account…", s.showConnectMenu),
			fyne.NewMenuItemSeparator(),
			fyne.NewMenuItem("Compose…", s.nav.compose),
			fyne.NewMenuItem("Queue", s.nav.queue),
			fyne.NewMenuItem("Settings…", s.nav.settings),
		),
	)
}

func (s *accountsScreen) emptyState() fyne.CanvasObject {
	icon := canvas.NewImageFromResource(appIcon)
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSize(96, 96))
	heading := widget.NewLabelWithStyle("No profiles connected yet", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	heading.SizeName = theme.SizeNameSubHeadingText
	text := widget.NewLabelWithStyle(
		"Connect a social media profile and SocialOmm keeps watch over it: you see how long its access lasts, "+
			"you are warned before it runs out, and reconnecting takes one click when it breaks.",
		fyne.TextAlignCenter, fyne.TextStyle{})
	text.Wrapping = fyne.TextWrapWord
	button := widget.NewButtonWithIcon("Connect your first profile", theme.ContentAddIcon(), s.showConnectMenu)
	button.Importance = widget.HighImportance
	s.emptyConnect = button
	hint := newSecondaryText("You will sign in on the network's own page in your browser; SocialOmm never sees your password.",
		fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	hint.Wrapping = fyne.TextWrapWord
	column := container.NewVBox(container.NewCenter(icon), heading, text, container.NewCenter(button), hint)
	return container.NewCenter(container.NewGridWrap(fyne.NewSize(480, column.MinSize().Height), column))
}

// showConnectMenu lists every network. One that needs the person's own app
// keys and has none yet says "needs setup" and opens its Settings section;
// which ones do is read off the UI goroutine (the keyring answers for the
// secrets) just before the menu opens.
func (s *accountsScreen) showConnectMenu() {
	if s.needsSetup == nil {
		s.popConnectMenu(nil)
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		missing := s.needsSetup(ctx)
		fyne.Do(func() { s.popConnectMenu(missing) })
	}()
}

// connectMenu is the Connect menu; missing names the networks whose app
// keys are not in Settings yet.
func (s *accountsScreen) connectMenu(missing map[string]bool) *fyne.Menu {
	var items []*fyne.MenuItem
	for _, n := range s.nets.catalog.Names() {
		var item *fyne.MenuItem
		if missing[n] {
			item = fyne.NewMenuItem(s.nets.title(n)+" — needs setup", func() {
				if s.onSetup != nil {
					s.onSetup(n)
				}
			})
		} else {
			item = fyne.NewMenuItem(s.nets.title(n)+"…", func() { s.onConnect(n) })
		}
		item.Icon = s.nets.icon(n)
		items = append(items, item)
	}
	return fyne.NewMenu("", items...)
}

func (s *accountsScreen) popConnectMenu(missing map[string]bool) {
	menu := s.connectMenu(missing)
	c := fyne.CurrentApp().Driver().CanvasForObject(s.connectButton)
	if c == nil {
		return
	}
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(s.connectButton)
	pos = pos.Add(fyne.NewPos(0, s.connectButton.Size().Height))
	widget.ShowPopUpMenuAtPosition(menu, c, pos)
}

// avatar returns an account's picture if it is loaded, and starts loading it
// otherwise; the list redraws when it arrives. UI goroutine only.
func (s *accountsScreen) avatar(a account.Account) fyne.Resource {
	if a.AvatarURL == "" {
		return avatarPlaceholder
	}
	if res, ok := s.avatars[a.AvatarURL]; ok {
		if res == nil {
			return avatarPlaceholder
		}
		return res
	}
	s.avatars[a.AvatarURL] = nil // loading; one fetch per picture
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		data, err := s.backend.Avatar(ctx, a)
		if err != nil {
			return
		}
		fyne.Do(func() {
			s.avatars[a.AvatarURL] = fyne.NewStaticResource(fmt.Sprintf("avatar-%d", a.ID), data)
			s.list.Refresh()
		})
	}()
	return avatarPlaceholder
}

// markChecking shows an account as being checked until the next reload.
func (s *accountsScreen) markChecking(id int64) {
	s.setChecking(id)
	s.list.Refresh()
}

// show puts every account, freshly loaded, on screen; UI goroutine only.
func (s *accountsScreen) show(list []account.Account, err, keyringErr error) {
	s.showLoaded(list, nil, err, keyringErr)
}

// showLoaded puts loaded accounts on screen: all of them (counts nil), or
// the first screenful with the counts of all. UI goroutine only.
func (s *accountsScreen) showLoaded(list []account.Account, counts *account.Counts, err, keyringErr error) {
	defer s.announce(list, counts, err == nil)
	began := time.Now()
	if len(list) == 0 && s.empty == nil {
		// Built when first needed: measuring its wrapped text costs a
		// start with profiles for nothing.
		s.empty = s.emptyState()
	}
	if keyringErr != nil {
		detail := strings.TrimPrefix(keyringErr.Error(), secret.ErrUnavailable.Error()+": ")
		s.keyringText.SetText("SocialOmm cannot reach a keyring (" + detail + "), so it cannot keep sign-in tokens safe. " +
			"Connecting is turned off until it can: start your desktop's keyring (GNOME Keyring or KWallet), then reopen SocialOmm.")
		s.keyringBanner.Show()
		s.connectButton.Disable()
		if s.emptyConnect != nil {
			s.emptyConnect.Disable()
		}
	} else {
		s.keyringBanner.Hide()
		s.connectButton.Enable()
		if s.emptyConnect != nil {
			s.emptyConnect.Enable()
		}
	}
	if err != nil {
		s.loadError.SetText("Could not read your accounts: " + err.Error())
		s.body.Objects = []fyne.CanvasObject{container.NewCenter(s.loadError)}
		s.body.Refresh()
		return
	}
	s.setLoaded(list, counts)
	s.updateFilterChoices()
	s.showAttention()
	s.showConnectivity()
	if len(list) == 0 {
		s.searchBar.Hide()
	} else {
		s.searchBar.Show()
	}
	// A banner or the search bar that appeared or went changes the header's
	// height, which only the window's outer layout can give it. Before the
	// window first shows, its first layout does that anyway.
	if s.windowShown {
		s.window.Content().Refresh()
	}
	s.applyFilter()
	s.scheduleCountdown()
	s.log.Debug("accounts shown", "count", len(list), "took", time.Since(began).Round(time.Millisecond))
}

// announce tells onShown and onListed (when the list loaded) and onLoaded
// that a load is on screen, and lets the rest of the accounts load after
// the first. Before the window first shows, that waits for showWindow.
func (s *accountsScreen) announce(list []account.Account, counts *account.Counts, ok bool) {
	tell := func() {
		if ok && s.onShown != nil {
			s.onShown(s.total())
		}
		if ok && counts == nil && s.onListed != nil {
			s.onListed(list)
		}
		if s.onLoaded != nil {
			s.onLoaded()
		}
		s.firstShown()
	}
	if !s.windowShown {
		s.heldAnnouncement = tell
		return
	}
	tell()
}

// showWindow shows the Accounts window for the first time. A list put in it
// before is announced once the window's loop runs, through fyne.Do as every
// later list is; the engine starts then, after the first frame.
func (s *accountsScreen) showWindow() {
	s.window.Show()
	s.releaseAnnouncement()
}

// releaseAnnouncement lets the held first announcement go (and with it the
// engine's start): when the window shows, or at a start in the background
// (--background), where the window stays hidden.
func (s *accountsScreen) releaseAnnouncement() {
	s.windowShown = true
	if tell := s.heldAnnouncement; tell != nil {
		s.heldAnnouncement = nil
		go fyne.Do(tell)
	}
}

// showAttention fills the banner: how many profiles need reconnecting or
// expire soon, and an Update button for the first two.
func (s *accountsScreen) showAttention() {
	text, needing := s.attentionLine()
	if text == "" {
		s.attention.Hide()
		return
	}
	s.attentionText.SetText(text)
	s.fillAttentionButtons(needing, s.attentionTotal())
	s.attention.Show()
}

// updateFilterChoices offers the fixed filters and one per network present.
func (s *accountsScreen) updateFilterChoices() {
	s.filter.Options = s.filterChoices()
	s.filter.Selected = s.keepChoice(s.filter.Selected)
	s.filter.Refresh()
}

func (s *accountsScreen) onSearchChanged() { s.applyFilter() }

// applyFilter shows the accounts the search text and filter let through.
func (s *accountsScreen) applyFilter() {
	s.accountList.applyFilter(s.search.Text, s.filter.Selected)
	setSecondaryText(s.summary, s.summaryLine())
	switch {
	case len(s.all) == 0:
		s.body.Objects = []fyne.CanvasObject{s.empty}
	case len(s.accounts) == 0:
		s.body.Objects = []fyne.CanvasObject{s.noMatch}
	default:
		s.body.Objects = []fyne.CanvasObject{s.rowsView()}
	}
	s.body.Refresh()
	s.refreshRows()
}

// scheduleCountdown arms the one timer of the whole list for the moment the
// soonest countdown text changes: no timer per row and no redraw before
// any text would change.
//
// Only the rows the list has made count (those on screen, and the few it
// keeps for scrolling): of 5,000 profiles one always expires within the
// hour, but if it is not on screen, redrawing for it every minute is work
// for nothing. A row that scrolls in re-arms the timer if it changes sooner
// (countdownShown).
func (s *accountsScreen) scheduleCountdown() {
	var onScreen []account.Account
	for _, r := range s.rows {
		if r.account.ID != 0 {
			onScreen = append(onScreen, r.account)
		}
	}
	onScreen = append(onScreen, s.compactOnScreen()...)
	now := s.backend.Now()
	wait, ok := nextCountdown(now, onScreen)
	s.timerMu.Lock()
	defer s.timerMu.Unlock()
	if s.timer != nil {
		s.timer.Stop()
	}
	s.countdownAt = time.Time{}
	if !ok || s.closed {
		return
	}
	s.countdownAt = now.Add(wait)
	s.timer = time.AfterFunc(wait, func() {
		fyne.Do(func() {
			s.timerMu.Lock()
			closed := s.closed
			s.timerMu.Unlock()
			if closed {
				return
			}
			if s.onRedraw != nil {
				s.onRedraw()
			}
			s.refreshRows()
			s.scheduleCountdown()
		})
	})
}

// stopCountdown disarms the countdown for good: a closed window redraws
// nothing (a timer left armed would touch its widgets later).
func (s *accountsScreen) stopCountdown() {
	s.timerMu.Lock()
	defer s.timerMu.Unlock()
	s.closed = true
	if s.timer != nil {
		s.timer.Stop()
	}
	s.countdownAt = time.Time{}
}

// countdownShown re-arms the countdown when a row just put on screen
// changes its text sooner than the timer would fire. UI goroutine only.
func (s *accountsScreen) countdownShown(a account.Account) {
	now := s.backend.Now()
	next := expiry.NextChange(now, countingDown(a))
	if next <= 0 {
		return
	}
	s.timerMu.Lock()
	sooner := s.countdownAt.IsZero() || now.Add(next).Before(s.countdownAt)
	s.timerMu.Unlock()
	if sooner {
		s.scheduleCountdown()
	}
}

// banner is a tinted strip with an icon and a message.
func banner(colorName fyne.ThemeColorName, icon fyne.Resource, content fyne.CanvasObject) *fyne.Container {
	bg := canvas.NewRectangle(withAlpha(theme.Color(colorName), 0x33))
	bg.CornerRadius = theme.InputRadiusSize()
	return container.NewPadded(container.NewStack(bg,
		container.NewBorder(nil, nil, container.NewCenter(widget.NewIcon(icon)), nil, content)))
}

func withAlpha(c color.Color, a uint8) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: a}
}
