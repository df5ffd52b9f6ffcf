package ui

import (
	"context"
	"fmt"
	"image/color"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/expiry"
	"github.com/socialomm/desktop/core/secret"
	"github.com/socialomm/desktop/core/store"
)

// accountsBackend is what the Accounts window needs from the engine.
type accountsBackend interface {
	Accounts(ctx context.Context) ([]account.Account, error)
	// AccountsHead and CountAccounts read the first screenful and the
	// counts by index, for the first frame.
	AccountsHead(ctx context.Context, n int) ([]account.Account, error)
	CountAccounts(ctx context.Context) (store.AccountCounts, error)
	KeyringProblem(ctx context.Context) error
	Now() time.Time
	OnAccountsChange(fn func())
	Avatar(ctx context.Context, a account.Account) ([]byte, error)
	Activity(ctx context.Context, accountID int64, limit int) ([]store.Activity, error)
}

// navigation opens the app's other windows.
type navigation struct {
	compose, queue, settings, quit func()
}

// accountsScreen is the Accounts window: every connected profile with its
// state and a live countdown to its expiry.
type accountsScreen struct {
	window  fyne.Window
	backend accountsBackend
	nets    networks
	nav     navigation
	log     *slog.Logger

	// all is every loaded account; accounts is what the search and filter
	// let through, in the same order. UI goroutine only.
	all      []account.Account
	accounts []account.Account
	// searchKeys[i] is all[i]'s name, handle and network, lower-cased once
	// per load so each keystroke only compares strings.
	searchKeys []string

	search    *widget.Entry
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
	summary          *widget.Label
	top              *fyne.Container // header and banners
	body             *fyne.Container
	empty            fyne.CanvasObject
	list             *widget.List
	loadError        *widget.Label

	timerMu sync.Mutex
	timer   *time.Timer
	// countdownAt is when the armed countdown fires (zero: none armed).
	countdownAt time.Time
	// rows are the row widgets the list has made; UI goroutine only.
	rows []*accountRow

	// reloading is set while a reload runs; reloadAgain when changes came
	// in meanwhile.
	reloadMu    sync.Mutex
	reloading   bool
	reloadAgain bool
	// keyringErr is the last keyring probe's answer, taken at probedAt;
	// only the running reload loop touches them.
	keyringErr error
	probedAt   time.Time

	// avatars caches loaded pictures by URL (nil: failed, use the
	// placeholder); UI goroutine only.
	avatars map[string]fyne.Resource

	// onConnect starts connecting a profile of a network; onUpdate,
	// onCheck and onRemove are the row menu's actions.
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
	// onRedraw is told each time the countdowns redraw (benchmarks count).
	onRedraw func()
	// onShown is told, after each load is on screen, how many profiles
	// there are; onListed is told every account once all are loaded.
	onShown  func(total int)
	onListed func(list []account.Account)
	// counts, while only the first screenful is loaded (all holds those),
	// are the counts of every account; nil once all are loaded.
	counts *store.AccountCounts
	// firstFrame is closed once the window has shown its first list: the
	// rest of the accounts is read after that.
	firstFrame     chan struct{}
	firstFrameOnce sync.Once
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
		log: slog.New(slog.DiscardHandler), firstFrame: make(chan struct{})}
	s.onConnect = func(network string) { s.showComing(s.nets.title(network) + " connections") }
	s.onUpdate = func(account.Account) { s.showComing("Update") }
	s.onCheck = func(account.Account) { s.showComing("Check now") }
	s.onRemove = func(account.Account) { s.showComing("Remove") }
	return s
}

func (s *accountsScreen) buildWindow() {
	s.window.SetContent(s.build())
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
	s.summary = widget.NewLabel("")
	s.summary.Importance = widget.LowImportance

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
	s.attentionButtons = container.NewHBox()
	s.attention = banner(theme.ColorNameError, theme.ErrorIcon(),
		container.NewBorder(nil, nil, nil, s.attentionButtons, s.attentionText))
	s.attention.Hide()

	s.search = widget.NewEntry()
	s.search.SetPlaceHolder("Search by name, handle or network")
	s.search.ActionItem = widget.NewIcon(theme.SearchIcon())
	s.search.OnChanged = func(string) { s.onSearchChanged() }
	s.filter = widget.NewSelect(nil, func(string) { s.onSearchChanged() })
	s.filter.PlaceHolder = filterAll
	s.searchBar = container.NewPadded(container.NewBorder(nil, nil, nil,
		container.NewGridWrap(fyne.NewSize(210, s.search.MinSize().Height), s.filter), s.search))
	s.searchBar.Hide()
	noMatch := widget.NewLabelWithStyle("No profile matches. Clear the search or choose All profiles.", fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	noMatch.Importance = widget.LowImportance
	s.noMatch = container.NewCenter(noMatch)

	s.list = widget.NewList(
		func() int { return len(s.accounts) },
		func() fyne.CanvasObject { return newAccountRow(s) },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			o.(*accountRow).set(s.accounts[id], s.backend.Now())
		},
	)
	s.list.HideSeparators = false
	s.list.OnSelected = func(id widget.ListItemID) {
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
	loading := widget.NewLabelWithStyle("Loading your profiles…", fyne.TextAlignCenter, fyne.TextStyle{})
	loading.Importance = widget.LowImportance
	// Until the first load, say so rather than flash the empty state.
	s.body = container.NewStack(container.NewCenter(loading))

	s.top = container.NewVBox(container.NewPadded(header), s.keyringBanner, s.attention, s.searchBar, widget.NewSeparator())
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
	hint := widget.NewLabelWithStyle("You will sign in on the network's own page in your browser; SocialOmm never sees your password.",
		fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	hint.Importance = widget.LowImportance
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

func (s *accountsScreen) showComing(what string) {
	dialog.ShowInformation("Coming soon", what+" is not available in this version of SocialOmm yet.", s.window)
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
	for i := range s.accounts {
		if s.accounts[i].ID == id {
			s.accounts[i].State = account.Checking
		}
	}
	s.list.Refresh()
}

// firstList hands the first load from the reload loop to showFirst: show
// carries it (buffered, so the loop never waits to send), and taken is
// closed once it is shown or queued, so that no later list can overtake it.
type firstList struct {
	show  chan func()
	taken chan struct{}
}

// startLoading reads the accounts in the background from now on, and again
// whenever the engine says they changed. Call it before building the
// window, so the database is read while the widgets are made; showFirst
// then puts the first list in.
func (s *accountsScreen) startLoading() firstList {
	s.backend.OnAccountsChange(s.reload)
	s.reloadMu.Lock()
	s.reloading = true
	s.reloadMu.Unlock()
	first := firstList{show: make(chan func(), 1), taken: make(chan struct{})}
	go s.reloadLoop(&first)
	return first
}

// showFirst waits up to wait for the first list and shows it at once,
// before the window shows, so the window's first frame has the profiles
// rather than "Loading…" (and a second full paint right after). A slower
// read leaves "Loading…" up and shows the list when it comes, as any later
// reload does. Nothing handles input until the window shows, so the wait
// blocks no one.
func (s *accountsScreen) showFirst(first firstList, wait time.Duration) {
	select {
	case show := <-first.show:
		show()
		close(first.taken)
	case <-time.After(wait):
		go func() {
			fyne.Do(<-first.show)
			close(first.taken)
		}()
	}
}

// reload reads the accounts off the UI goroutine and shows them.
//
// Changes come in bursts (the startup sweep saves every account it checks),
// so reloads are coalesced: one runs at a time, changes meanwhile ask for one
// more, and reloads start at least minReloadGap apart.
func (s *accountsScreen) reload() {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	if s.reloading {
		s.reloadAgain = true
		return
	}
	s.reloading = true
	go s.reloadLoop(nil)
}

// minReloadGap spaces reloads during a burst of changes.
const minReloadGap = 500 * time.Millisecond

// keyringProbeGap is how long a keyring probe's answer is trusted: reloads
// come every half second during a sweep, and each probe is a D-Bus call
// that searches the keyring.
const keyringProbeGap = 30 * time.Second

// reloadLoop reads the accounts until no change asks for more. With first
// set, its first list goes there for showFirst.
func (s *accountsScreen) reloadLoop(first *firstList) {
	for {
		started := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		// The keyring is asked beside the database, not after it: the
		// first list waits for whichever is slower, not for both.
		var probe sync.WaitGroup
		if s.probedAt.IsZero() || started.Sub(s.probedAt) >= keyringProbeGap {
			probe.Go(func() {
				s.keyringErr = s.backend.KeyringProblem(ctx)
				s.probedAt = time.Now()
			})
		}
		if first != nil {
			// The first frame needs only what it shows: the first
			// screenful and the counts, read by index whatever the
			// number of accounts. The rest is read once it is up.
			head, counts, err := s.readHead(ctx)
			probe.Wait()
			cancel()
			keyringErr := s.keyringErr
			s.log.Debug("first accounts loaded", "count", len(head), "of", counts.Total,
				"took", time.Since(started).Round(time.Millisecond))
			partial := err == nil && counts.Total > len(head)
			var of *store.AccountCounts
			if partial {
				of = &counts
			}
			first.show <- func() { s.showLoaded(head, of, err, keyringErr) }
			<-first.taken
			first = nil
			if !partial {
				if s.reloadDone() {
					return
				}
				continue
			}
			<-s.firstFrame
			started = time.Now()
			ctx, cancel = context.WithTimeout(context.Background(), 15*time.Second)
		}
		list, err := s.backend.Accounts(ctx)
		loaded := time.Since(started)
		probe.Wait()
		cancel()
		keyringErr := s.keyringErr
		s.log.Debug("accounts loaded", "count", len(list), "query", loaded.Round(time.Millisecond),
			"with keyring", time.Since(started).Round(time.Millisecond))
		fyne.Do(func() { s.show(list, err, keyringErr) })

		if s.reloadDone() {
			return
		}
		if wait := minReloadGap - time.Since(started); wait > 0 {
			<-time.After(wait)
		}
	}
}

// reloadDone ends the reload loop unless changes came in meanwhile.
func (s *accountsScreen) reloadDone() bool {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	if !s.reloadAgain {
		s.reloading = false
		return true
	}
	s.reloadAgain = false
	return false
}

// firstScreenful is how many accounts the first frame reads: more rows than
// a maximised window shows.
const firstScreenful = 50

// readHead reads the first screenful and the counts.
func (s *accountsScreen) readHead(ctx context.Context) ([]account.Account, store.AccountCounts, error) {
	counts, err := s.backend.CountAccounts(ctx)
	if err != nil {
		return nil, counts, err
	}
	head, err := s.backend.AccountsHead(ctx, firstScreenful)
	return head, counts, err
}

// show puts every account, freshly loaded, on screen; UI goroutine only.
func (s *accountsScreen) show(list []account.Account, err, keyringErr error) {
	s.showLoaded(list, nil, err, keyringErr)
}

// showLoaded puts loaded accounts on screen: all of them (counts nil), or
// the first screenful with the counts of all. UI goroutine only.
func (s *accountsScreen) showLoaded(list []account.Account, counts *store.AccountCounts, err, keyringErr error) {
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
	s.all, s.counts = list, counts
	s.searchKeys = make([]string, len(list))
	for i, a := range list {
		s.searchKeys[i] = strings.ToLower(a.DisplayName + " " + a.Handle + " " + s.nets.title(a.Network))
	}
	s.updateFilterChoices()
	s.showAttention(list)
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
func (s *accountsScreen) announce(list []account.Account, counts *store.AccountCounts, ok bool) {
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
		s.firstFrameOnce.Do(func() { close(s.firstFrame) })
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
	s.windowShown = true
	if tell := s.heldAnnouncement; tell != nil {
		s.heldAnnouncement = nil
		go fyne.Do(tell)
	}
}

// total is how many accounts there are, loaded or not.
func (s *accountsScreen) total() int {
	if s.counts != nil {
		return s.counts.Total
	}
	return len(s.all)
}

// showAttention fills the banner: how many profiles need reconnecting or
// expire soon, and an Update button for the first few.
func (s *accountsScreen) showAttention(list []account.Account) {
	text, needing := attentionSummary(list)
	if s.counts != nil {
		// Only the first screenful is loaded: the counts come from all,
		// and those needing the person sort first, so the buttons are
		// the same.
		text = attentionText(s.counts.ByState[account.Disconnected], s.counts.ByState[account.Expiring])
	}
	if text == "" {
		s.attention.Hide()
		return
	}
	s.attentionText.SetText(text)
	s.attentionButtons.Objects = nil
	for i, a := range needing {
		if i == 3 {
			break
		}
		b := widget.NewButtonWithIcon("Update "+shortName(a), theme.ViewRefreshIcon(), func() { s.onUpdate(a) })
		if i == 0 {
			b.Importance = widget.HighImportance
		}
		s.attentionButtons.Objects = append(s.attentionButtons.Objects, b)
	}
	if s.onUpdateAll != nil && len(needing) > 1 {
		s.attentionButtons.Objects = append(s.attentionButtons.Objects, widget.NewButtonWithIcon("Update all", theme.ViewRefreshIcon(), s.onUpdateAll))
	}
	s.attentionButtons.Refresh()
	s.attention.Show()
}

const (
	filterAll       = "All profiles"
	filterAttention = "Needs attention"
	filterExpiring  = "Expiring soon"
)

// updateFilterChoices offers the fixed filters and one per network present.
func (s *accountsScreen) updateFilterChoices() {
	choices := []string{filterAll, filterAttention, filterExpiring}
	seen := map[string]bool{}
	add := func(network string) {
		if title := s.nets.title(network); !seen[title] {
			seen[title] = true
			choices = append(choices, title)
		}
	}
	for _, a := range s.all {
		add(a.Network)
	}
	if s.counts != nil {
		for _, n := range s.nets.catalog.Names() {
			if s.counts.ByNetwork[n] > 0 {
				add(n)
			}
		}
	}
	s.filter.Options = choices
	if s.filter.Selected != "" && !slices.Contains(choices, s.filter.Selected) {
		s.filter.Selected = ""
	}
	s.filter.Refresh()
}

func (s *accountsScreen) onSearchChanged() { s.applyFilter() }

// applyFilter shows the accounts the search text and filter let through.
func (s *accountsScreen) applyFilter() {
	words := strings.Fields(strings.ToLower(s.search.Text))
	choice := s.filter.Selected
	shown := s.accounts[:0:0]
	for i, a := range s.all {
		if s.matchesFilter(a, choice) && matchesWords(s.searchKeys[i], words) {
			shown = append(shown, a)
		}
	}
	s.accounts = shown
	// While only the first screenful is loaded, a search counts what it
	// found among those; the rest follows within moments.
	count := len(shown)
	if len(shown) == len(s.all) {
		count = s.total()
	}
	s.summary.SetText(summaryText(s.total(), count))
	switch {
	case len(s.all) == 0:
		s.body.Objects = []fyne.CanvasObject{s.empty}
	case len(shown) == 0:
		s.body.Objects = []fyne.CanvasObject{s.noMatch}
	default:
		s.body.Objects = []fyne.CanvasObject{s.list}
	}
	s.body.Refresh()
	s.list.Refresh()
}

func (s *accountsScreen) matchesFilter(a account.Account, choice string) bool {
	switch choice {
	case "", filterAll:
		return true
	case filterAttention:
		return a.State.NeedsAttention()
	case filterExpiring:
		return a.State == account.Expiring
	}
	return s.nets.title(a.Network) == choice
}

func matchesWords(key string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(key, w) {
			return false
		}
	}
	return true
}

// shortName is an account's display name (else handle) cut to fit a button.
func shortName(a account.Account) string {
	name := []rune(a.DisplayName)
	if len(name) == 0 {
		name = []rune(a.Handle)
	}
	if len(name) > 18 {
		name = append(name[:17], '…')
	}
	return string(name)
}

// attentionSummary is the banner's sentence ("2 profiles need reconnecting ·
// 1 expires soon") and the accounts it is about, most urgent first.
func attentionSummary(list []account.Account) (string, []account.Account) {
	var lost, expiring []account.Account
	for _, a := range list {
		switch a.State {
		case account.Disconnected:
			lost = append(lost, a)
		case account.Expiring:
			expiring = append(expiring, a)
		}
	}
	return attentionText(len(lost), len(expiring)), append(lost, expiring...)
}

// attentionText is the banner's sentence for so many lost and expiring.
func attentionText(lost, expiring int) string {
	var parts []string
	switch lost {
	case 0:
	case 1:
		parts = append(parts, "1 profile needs reconnecting")
	default:
		parts = append(parts, fmt.Sprintf("%s profiles need reconnecting", thousands(lost)))
	}
	switch expiring {
	case 0:
	case 1:
		parts = append(parts, "1 expires soon")
	default:
		parts = append(parts, fmt.Sprintf("%s expire soon", thousands(expiring)))
	}
	return strings.Join(parts, " · ")
}

// summaryText is "5,000 profiles", or "12 of 5,000 profiles" while a search
// or filter hides some.
func summaryText(total, shown int) string {
	switch {
	case total == 0:
		return ""
	case shown < total:
		return fmt.Sprintf("%s of %s profiles", thousands(shown), thousands(total))
	case total == 1:
		return "1 profile"
	}
	return thousands(total) + " profiles"
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
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
	var expiries []*time.Time
	for _, r := range s.rows {
		if r.account.ID != 0 {
			expiries = append(expiries, countingDown(r.account))
		}
	}
	now := s.backend.Now()
	wait, ok := expiry.Earliest(now, expiries)
	s.timerMu.Lock()
	defer s.timerMu.Unlock()
	if s.timer != nil {
		s.timer.Stop()
	}
	s.countdownAt = time.Time{}
	if !ok {
		return
	}
	s.countdownAt = now.Add(wait)
	s.timer = time.AfterFunc(wait, func() {
		fyne.Do(func() {
			if s.onRedraw != nil {
				s.onRedraw()
			}
			s.list.Refresh()
			s.scheduleCountdown()
		})
	})
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

// countingDown is the expiry a row counts down to (or back from), or nil
// when its second line says something else: why access was lost, or that
// the network could not be asked.
func countingDown(a account.Account) *time.Time {
	switch {
	case a.State == account.Disconnected && a.Reason != account.ReasonExpired:
		return nil
	case a.State != account.Disconnected && strings.HasPrefix(a.LastError, "Could not check"):
		return nil
	}
	return a.ExpiresAt
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
