package ui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/rivo/uniseg"

	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/draft"
	"github.com/socialomm/desktop/core/notify"
	"github.com/socialomm/desktop/core/schedule"
	"github.com/socialomm/desktop/core/when"
)

// composeBackend is what Compose (and the Edit form) needs from the engine.
type composeBackend interface {
	Accounts(ctx context.Context) ([]account.Account, error)
	// TextLimit is how many characters (graphemes) a post of the account
	// may have: the server's own where the network's entry says so, else
	// the entry's.
	TextLimit(ctx context.Context, a account.Account) int
	Now() time.Time
	Subscribe(fn func(core.ChangeKind), kinds ...core.ChangeKind) (cancel func())
	Schedule(ctx context.Context, text string, at time.Time, accountIDs []int64) (schedule.Post, error)
	Edit(ctx context.Context, id int64, text string, at time.Time) (schedule.Post, error)
}

// draftStore keeps the post being written across closing the window and
// restarting the app (draft.Store).
type draftStore interface {
	Load(ctx context.Context) (draft.Draft, error)
	Save(ctx context.Context, d draft.Draft) error
}

// draftDelay is how long typing must pause before the draft is written.
const draftDelay = 600 * time.Millisecond

// graphemes counts what a person sees as characters: "👩‍👩‍👧" is one.
func graphemes(s string) int { return uniseg.GraphemeClusterCount(s) }

const (
	whenNow   = "Post now"
	whenLater = "Schedule for"
)

// composeScreen is the Compose window: the text, the profiles it goes to,
// and when. The same form edits a scheduled post (editing != nil): then
// the profiles are fixed and nothing is kept as a draft.
type composeScreen struct {
	window  fyne.Window
	backend composeBackend
	nets    networks
	drafts  draftStore // nil while editing
	editing *schedule.Post
	logger  *slog.Logger
	// loc is where times are shown and picked: the computer's time zone.
	loc *time.Location
	// async runs slow work off the UI goroutine; tests run it inline.
	async func(func())

	// UI goroutine only.
	accounts   []account.Account
	accountKey string // what the account list was built from
	chosen     map[int64]bool
	limits     map[int64]int  // each account's limit, once known
	asked      map[int64]bool // limit requested
	loaded     bool           // accounts shown at least once
	restored   bool           // the draft was put into the form
	restoring  bool           // filling the form: not a change by the person
	busy       bool           // a save is on its way

	title       *widget.Label
	text        *widget.Entry
	counters    *fyne.Container
	accountList *fyne.Container
	picker      *postTo // the profiles to post to, in accountList
	when        *widget.RadioGroup
	date        *dateField
	clock       *widget.Entry
	zone        *widget.RichText
	reason      *widget.RichText
	status      *widget.RichText
	queueButton *widget.Button
	submit      *widget.Button
	dateFormat  string // the date entry's layout (the locale's)

	loads      coalesce   // reloads on engine changes
	draftMu    sync.Mutex // guards pending and draftTimer
	pending    *draft.Draft
	draftTimer *time.Timer
	saveMu     sync.Mutex // one draft write at a time, newest last

	// onQueue opens the Queue; onAccounts the Accounts window; onSaved is
	// told a saved edit (the Edit window closes then).
	onQueue    func()
	onAccounts func()
	onSaved    func(p schedule.Post)
	// onShown is told the profiles listed and whether a kept draft was put
	// back, after each load.
	onShown func(accounts int, draft bool)
}

// newComposeScreen builds Compose (editing nil) or the Edit form of a post
// in its own window. Nothing is loaded until start.
func newComposeScreen(a fyne.App, backend composeBackend, drafts draftStore, editing *schedule.Post) *composeScreen {
	title := "SocialOmm — Compose"
	if editing != nil {
		title = "SocialOmm — Edit post"
		drafts = nil
	}
	s := &composeScreen{
		window:  a.NewWindow(title),
		backend: backend,
		nets:    networksOf(backend),
		drafts:  drafts,
		editing: editing,
		logger:  slog.New(slog.DiscardHandler),
		loc:     time.Local,
		async:   func(fn func()) { go fn() },
		chosen:  map[int64]bool{},
		limits:  map[int64]int{},
		asked:   map[int64]bool{},
	}
	s.picker = newPostTo(s.window, s.nets, s.chosen, editing != nil)
	s.picker.async = func(fn func()) { s.async(fn) }
	s.picker.onChanged = s.onFormChanged
	if g, ok := backend.(groupBackend); ok && editing == nil {
		s.picker.groups = g
	}
	s.picker.updateControls()
	s.window.SetContent(s.build())
	s.window.Resize(fyne.NewSize(680, 640))
	if editing != nil {
		// A post whose time has passed (failed, held) goes out when saved,
		// so say so rather than show a time in the past.
		s.fill(editing.Text, editing.At, editing.At.Before(backend.Now().Add(-time.Minute)))
		for _, t := range editing.Targets {
			if editableTarget(t) {
				s.chosen[t.AccountID] = true
			}
		}
	} else {
		s.fill("", time.Time{}, false)
	}
	s.refresh()
	return s
}

func (s *composeScreen) build() fyne.CanvasObject {
	heading, hint := "New post", "Write it once; SocialOmm sends a copy to each profile you tick, now or at the time you pick."
	if s.editing != nil {
		heading, hint = "Edit post", "Changes reach the profiles whose copy has not gone out yet; copies already published stay as they are."
	}
	s.title = widget.NewLabelWithStyle(heading, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.title.SizeName = theme.SizeNameHeadingText
	hintLabel := newSecondaryText(hint, fyne.TextAlignLeading, fyne.TextStyle{})
	hintLabel.Wrapping = fyne.TextWrapWord

	s.text = widget.NewMultiLineEntry()
	s.text.Wrapping = fyne.TextWrapWord
	s.text.PlaceHolder = "What would you like to say?"
	s.text.SetMinRowsVisible(6)
	s.text.OnChanged = func(string) { s.onFormChanged() }
	s.counters = container.New(layout.NewRowWrapLayout())

	s.accountList = container.NewVBox()
	loading := newSecondaryText("Loading your profiles…", fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	s.accountList.Add(loading)

	s.when = widget.NewRadioGroup([]string{whenNow, whenLater}, func(string) { s.onFormChanged() })
	s.when.Horizontal = true
	s.when.Required = true
	s.dateFormat = dateLayout()
	s.date = newDateField(func() { s.onFormChanged() })
	s.date.PlaceHolder = exampleDate(s.dateFormat)
	s.clock = widget.NewEntry()
	s.clock.PlaceHolder = "HH:MM"
	s.clock.Validator = func(v string) error {
		if _, _, ok := parseClock(v); !ok {
			return errors.New("write the time like 14:30")
		}
		return nil
	}
	s.clock.OnChanged = func(string) { s.onFormChanged() }
	s.zone = newSecondaryText("", fyne.TextAlignLeading, fyne.TextStyle{})
	picker := container.NewHBox(
		container.New(fixedWidth(170), s.date),
		container.New(fixedWidth(86), s.clock),
		s.zone,
	)

	s.reason = newImportanceText("", widget.LowImportance, fyne.TextAlignLeading, fyne.TextStyle{})
	s.reason.Wrapping = fyne.TextWrapWord
	s.status = newImportanceText("", widget.MediumImportance, fyne.TextAlignLeading, fyne.TextStyle{})
	s.status.Wrapping = fyne.TextWrapWord
	s.status.Hide()
	s.queueButton = widget.NewButtonWithIcon("Open the Queue", theme.ListIcon(), func() {
		if s.onQueue != nil {
			s.onQueue()
		}
	})
	s.queueButton.Importance = widget.LowImportance
	s.queueButton.Hide()
	s.submit = widget.NewButtonWithIcon("Schedule", theme.MailSendIcon(), s.onSubmit)
	s.submit.Importance = widget.HighImportance

	section := func(text string) *widget.Label {
		return widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	form := container.NewVBox(
		s.title, hintLabel,
		s.text, s.counters,
		widget.NewSeparator(),
		section("Post to"), s.accountList,
		widget.NewSeparator(),
		section("When"), s.when, picker,
	)
	// The reason the button is off, or how the last save went, beside it.
	bottom := container.NewVBox(widget.NewSeparator(), container.NewPadded(container.NewBorder(nil, nil, nil,
		container.NewVBox(layout.NewSpacer(), container.NewHBox(s.queueButton, s.submit)),
		container.NewVBox(s.reason, s.status))))
	return container.NewBorder(nil, bottom, nil, nil, container.NewVScroll(container.NewPadded(form)))
}

// start loads the profiles (and the kept draft) and keeps the list current.
// Compose is built once per app run, so it listens for the whole run; an
// Edit form loads once.
func (s *composeScreen) start() {
	if s.editing == nil {
		s.backend.Subscribe(func(core.ChangeKind) { s.load(false) }, core.ChangeAccounts, core.ChangePosts)
		s.window.SetCloseIntercept(func() {
			s.async(s.flushDraft)
			s.window.Hide()
		})
	}
	s.load(s.drafts != nil)
}

// load reads the accounts (and the draft) off the UI goroutine.
func (s *composeScreen) load(withDraft bool) {
	if !withDraft {
		// An engine change: one load at a time is enough.
		s.loads.run(s.async, func() { s.loadNow(false) })
		return
	}
	s.async(func() { s.loadNow(true) })
}

func (s *composeScreen) loadNow(withDraft bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	list, err := s.backend.Accounts(ctx)
	groups, gerr := s.picker.loadGroups(ctx)
	var d draft.Draft
	var derr error
	if withDraft {
		d, derr = s.drafts.Load(ctx)
	}
	fyne.Do(func() {
		s.picker.logger = s.logger
		s.picker.showGroups(groups, gerr)
		s.show(list, err)
		restored := false
		if withDraft {
			if derr != nil {
				s.logger.Warn("compose: draft", "err", derr)
			}
			restored = s.restore(d)
		}
		if s.onShown != nil && err == nil {
			s.onShown(len(s.accounts), restored)
		}
	})
}

// show puts the accounts on screen; UI goroutine only.
func (s *composeScreen) show(list []account.Account, err error) {
	if err != nil {
		if !s.loaded {
			s.accountList.Objects = []fyne.CanvasObject{errorLabel("Could not read your profiles: " + plainError(err))}
			s.accountList.Refresh()
		}
		return
	}
	if s.editing != nil {
		list = slices.DeleteFunc(slices.Clone(list), func(a account.Account) bool {
			return !slices.ContainsFunc(s.editing.Targets, func(t schedule.Target) bool { return t.AccountID == a.ID })
		})
	}
	first := !s.loaded
	s.loaded = true
	s.accounts = list
	for _, a := range list {
		s.askLimit(a)
	}
	if key := accountsKey(list); first || key != s.accountKey {
		s.accountKey = key
		s.buildAccounts()
	}
	s.refresh()
}

// accountsKey says what the account rows show, to rebuild them only when
// that changed (the engine says "changed" for every post state too).
func accountsKey(list []account.Account) string {
	var b strings.Builder
	for _, a := range list {
		fmt.Fprintf(&b, "%d|%s|%s|%s|%s\n", a.ID, a.Network, a.Handle, a.DisplayName, a.State)
	}
	return b.String()
}

func (s *composeScreen) buildAccounts() {
	if len(s.accounts) == 0 {
		text := widget.NewLabel("No profiles connected yet. Connect one in the Accounts window, then come back to write your post.")
		text.Wrapping = fyne.TextWrapWord
		rows := []fyne.CanvasObject{text}
		if s.onAccounts != nil {
			rows = append(rows, container.NewHBox(widget.NewButtonWithIcon("Open Accounts", theme.AccountIcon(), s.onAccounts)))
		}
		s.accountList.Objects = rows
	} else {
		s.picker.setAccounts(s.accounts)
		s.accountList.Objects = []fyne.CanvasObject{s.picker.content}
	}
	s.accountList.Refresh()
	s.relayout()
}

// relayout lays the whole form out again: rows that appeared or went
// change heights that only the window's outer layout can give out.
func (s *composeScreen) relayout() {
	if c := s.window.Content(); c != nil {
		c.Refresh()
	}
}

// askLimit fetches an account's text limit once; counters use the
// network's default until it arrives.
func (s *composeScreen) askLimit(a account.Account) {
	if s.asked[a.ID] {
		return
	}
	s.asked[a.ID] = true
	s.async(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		n := s.backend.TextLimit(ctx, a)
		fyne.Do(func() {
			if n > 0 {
				s.limits[a.ID] = n
				// Only a ticked profile's limit shows: 5,000 profiles make
				// 5,000 answers, not 5,000 redraws.
				if s.chosen[a.ID] {
					s.refresh()
				}
			}
		})
	})
}

func (s *composeScreen) limit(a account.Account) int {
	if n, ok := s.limits[a.ID]; ok {
		return n
	}
	return s.nets.textLimit(a.Network)
}

// restore fills the form from a kept draft, unless the person already
// started writing, and says whether it did.
func (s *composeScreen) restore(d draft.Draft) bool {
	if s.restored || d.Empty() || s.text.Text != "" || len(s.chosen) > 0 {
		s.restored = true
		return false
	}
	s.restored = true
	for _, id := range d.AccountIDs {
		if slices.ContainsFunc(s.accounts, func(a account.Account) bool { return a.ID == id }) || !s.loaded {
			s.chosen[id] = true
		}
	}
	at := time.Time{}
	if d.At != nil && d.At.After(s.backend.Now()) {
		at = *d.At
	}
	s.fill(d.Text, at, d.PostNow)
	s.buildAccounts()
	s.refresh()
	return true
}

// fill sets the text and time without counting it as the person's change.
// A zero at picks the next full hour.
func (s *composeScreen) fill(text string, at time.Time, now bool) {
	s.restoring = true
	defer func() { s.restoring = false }()
	s.text.SetText(text)
	if at.IsZero() {
		at = s.defaultTime()
	}
	local := at.In(s.loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, s.loc)
	s.date.SetDate(&day)
	s.clock.SetText(local.Format("15:04"))
	if now {
		s.when.SetSelected(whenNow)
	} else {
		s.when.SetSelected(whenLater)
	}
}

// defaultTime is the next full hour at least a quarter of an hour away.
func (s *composeScreen) defaultTime() time.Time {
	now := s.backend.Now().In(s.loc)
	at := time.Date(now.Year(), now.Month(), now.Day(), now.Hour()+1, 0, 0, 0, s.loc)
	if at.Sub(now) < 15*time.Minute {
		at = at.Add(time.Hour)
	}
	return at
}

// onFormChanged follows every edit by the person: counters, the reason the
// button is off, and the draft.
func (s *composeScreen) onFormChanged() {
	if s.restoring {
		return
	}
	if s.status.Visible() && !s.busy {
		s.status.Hide()
		s.queueButton.Hide()
		s.reason.Show()
	}
	s.refresh()
	s.draftChanged()
}

// refresh redraws what follows from the form: counters, the time fields,
// the reason and the button.
func (s *composeScreen) refresh() {
	text := strings.TrimSpace(s.text.Text)
	var counters []fyne.CanvasObject
	counter := func(left int, who string) {
		words, importance := fmt.Sprintf("%d left · %s", left, who), widget.LowImportance
		if left < 0 {
			words, importance = fmt.Sprintf("%d over · %s", -left, who), widget.DangerImportance
		}
		counters = append(counters, newImportanceText(words, importance, fyne.TextAlignLeading, fyne.TextStyle{}))
	}
	chosen := s.chosenAccounts()
	lengths := lengthsOf(s.nets, text)
	if len(chosen) <= maxCounters {
		for _, a := range chosen {
			counter(s.limit(a)-lengths(a), a.Handle)
		}
	} else {
		// Hundreds of profiles: one counter per network, for its tightest limit.
		type tightest struct{ left, profiles int }
		byNetwork := map[string]*tightest{}
		var order []string
		for _, a := range chosen {
			left := s.limit(a) - lengths(a)
			if t, ok := byNetwork[a.Network]; ok {
				t.left, t.profiles = min(t.left, left), t.profiles+1
				continue
			}
			byNetwork[a.Network] = &tightest{left, 1}
			order = append(order, a.Network)
		}
		for _, n := range order {
			t := byNetwork[n]
			counter(t.left, fmt.Sprintf("%s %s profiles", notify.Count(t.profiles), s.nets.title(n)))
		}
	}
	relayout := len(counters) != len(s.counters.Objects)
	s.counters.Objects = counters
	s.counters.Refresh()

	later := s.when.Selected != whenNow
	if later {
		s.date.Enable()
		s.clock.Enable()
	} else {
		s.date.Disable()
		s.clock.Disable()
	}
	_, reason, serious := s.check()
	setSecondaryText(s.zone, s.zoneText())
	relayout = relayout || reason != textOf(s.reason)
	reasonImportance := widget.LowImportance
	if serious {
		reasonImportance = widget.DangerImportance
	}
	setImportanceText(s.reason, reason, reasonImportance)
	if s.status.Visible() {
		s.reason.Hide()
	} else {
		s.reason.Show()
	}
	switch {
	case s.editing != nil:
		s.submit.SetText("Save changes")
	case later:
		s.submit.SetText("Schedule")
	default:
		s.submit.SetText("Post now")
	}
	if reason != "" || s.busy {
		s.submit.Disable()
	} else {
		s.submit.Enable()
	}
	if relayout {
		s.relayout()
	}
}

// maxCounters is how many profiles get a counter each; more are counted
// per network.
const maxCounters = 12

// lengthsOf measures text once per network (a network counts the same way
// for all its profiles), however many profiles are chosen.
func lengthsOf(nets networks, text string) func(account.Account) int {
	known := map[string]int{}
	return func(a account.Account) int {
		n, ok := known[a.Network]
		if !ok {
			n = nets.length(a, text)
			known[a.Network] = n
		}
		return n
	}
}

// chosenAccounts are the ticked profiles in list order.
func (s *composeScreen) chosenAccounts() []account.Account {
	var out []account.Account
	for _, a := range s.accounts {
		if s.chosen[a.ID] {
			out = append(out, a)
		}
	}
	return out
}

// check says why the post cannot be saved yet ("" when it can), whether
// that is a problem to fix rather than a step still to take, and the time
// chosen (zero: now).
func (s *composeScreen) check() (at time.Time, reason string, serious bool) {
	text := strings.TrimSpace(s.text.Text)
	if text == "" {
		return at, "Write something to post.", false
	}
	chosen := s.chosenAccounts()
	if s.editing == nil && len(chosen) == 0 {
		if s.loaded && len(s.accounts) == 0 {
			return at, "Connect a profile first: Accounts, Connect account.", false
		}
		return at, "Choose at least one profile to post to.", false
	}
	var over []string
	longest, excess := 0, 0
	lengths := lengthsOf(s.nets, text)
	for _, a := range chosen {
		// Each network counts in its own way (graphemes, code points, X's weights).
		if n, l := lengths(a), s.limit(a); n > l {
			over = append(over, a.Handle)
			if longest == 0 || l < longest {
				longest, excess = l, n-l
			}
		}
	}
	switch len(over) {
	case 0:
	case 1:
		return at, fmt.Sprintf("Too long for %s: %d characters over its limit of %d. Shorten it or untick the profile.",
			over[0], excess, longest), true
	default:
		if len(over) > 3 {
			// Name a few; the rest would fill the window.
			over = append(over[:3:3], notify.Count(len(over)-3)+" more profiles")
		}
		return at, fmt.Sprintf("Too long for %s: shorten it to %d characters.", joinWords(over), longest), true
	}
	if s.when.Selected == whenNow {
		return time.Time{}, "", false
	}
	day, err := time.ParseInLocation(s.dateFormat, strings.TrimSpace(s.date.Text), s.loc)
	if err != nil {
		if strings.TrimSpace(s.date.Text) == "" {
			return at, "Pick a day, or choose Post now.", false
		}
		return at, "Write the date like " + exampleDate(s.dateFormat) + ", or pick it from the calendar.", true
	}
	h, m, ok := parseClock(s.clock.Text)
	if !ok {
		if strings.TrimSpace(s.clock.Text) == "" {
			return at, "Write the time, like 14:30.", false
		}
		return at, "Write the time in 24-hour form, like 09:05 or 14:30.", true
	}
	at = time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, s.loc)
	if s.editing != nil && at.Equal(s.editing.At.In(s.loc).Truncate(time.Minute)) {
		// Left as it was: the scheduler keeps a post's own time even once
		// it has passed.
		return s.editing.At, "", false
	}
	now := s.backend.Now()
	if at.Before(now.Truncate(time.Minute)) {
		return time.Time{}, fmt.Sprintf("%s has passed. Choose a later time, or Post now.",
			capitalize(whenText(at, now, s.loc))), true
	}
	return at, "", false
}

// zoneText names the time zone the time is read in.
func (s *composeScreen) zoneText() string {
	ref := s.backend.Now().In(s.loc)
	if day, err := time.ParseInLocation(s.dateFormat, strings.TrimSpace(s.date.Text), s.loc); err == nil {
		ref = day.Add(12 * time.Hour)
	}
	return "your time (" + zoneName(ref) + ")"
}

// zoneName is "CET", or "UTC+05:30" where the zone has no abbreviation.
func zoneName(t time.Time) string {
	name, offset := t.Zone()
	if name != "" && (name[0] < '0' || name[0] > '9') && name[0] != '+' && name[0] != '-' {
		return name
	}
	sign := "+"
	if offset < 0 {
		sign, offset = "-", -offset
	}
	return fmt.Sprintf("UTC%s%02d:%02d", sign, offset/3600, offset%3600/60)
}

// onSubmit schedules (or saves the edit) off the UI goroutine.
func (s *composeScreen) onSubmit() {
	at, reason, _ := s.check()
	if reason != "" || s.busy {
		s.refresh()
		return
	}
	text := strings.TrimSpace(s.text.Text)
	var ids []int64
	for _, a := range s.chosenAccounts() {
		ids = append(ids, a.ID)
	}
	handles := make([]string, 0, len(ids))
	for _, a := range s.chosenAccounts() {
		handles = append(handles, a.Handle)
	}
	s.busy = true
	s.showStatus("Saving…", widget.LowImportance)
	s.refresh()
	s.async(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var p schedule.Post
		var err error
		if s.editing != nil {
			p, err = s.backend.Edit(ctx, s.editing.ID, text, at)
		} else {
			p, err = s.backend.Schedule(ctx, text, at, ids)
		}
		fyne.Do(func() {
			s.busy = false
			if err != nil {
				verb := "Not scheduled: "
				if s.editing != nil {
					verb = "Not saved: "
				}
				s.showStatus(verb+plainError(err), widget.DangerImportance)
				s.refresh()
				return
			}
			s.saved(p, handles)
		})
	})
}

// saved confirms, clears the form and forgets the draft.
func (s *composeScreen) saved(p schedule.Post, handles []string) {
	if s.editing != nil {
		if s.onSaved != nil {
			s.onSaved(p)
		}
		return
	}
	now := s.backend.Now()
	to := notify.Count(len(handles)) + " profiles"
	if len(handles) == 1 {
		to = handles[0]
	}
	msg := fmt.Sprintf("On its way to %s.", to)
	if p.At.After(now.Add(time.Minute)) {
		msg = fmt.Sprintf("Scheduled for %s to %s.", whenText(p.At, now, s.loc), to)
	}
	clear(s.chosen)
	s.fill("", time.Time{}, false)
	s.buildAccounts()
	s.refresh()
	s.showStatus(msg, widget.SuccessImportance)
	s.queueButton.Show()
	if s.drafts != nil {
		s.setPending(draft.Draft{})
		s.async(s.flushDraft)
	}
}

func (s *composeScreen) showStatus(text string, importance widget.Importance) {
	setImportanceText(s.status, text, importance)
	s.status.Show()
	s.reason.Hide()
	s.queueButton.Hide()
	s.relayout()
}

// draftChanged keeps the form as the draft, written once typing pauses.
// One timer, reset on every change: no goroutine waits in between.
func (s *composeScreen) draftChanged() {
	if s.drafts == nil {
		return
	}
	d := draft.Draft{Text: s.text.Text}
	for _, a := range s.chosenAccounts() {
		d.AccountIDs = append(d.AccountIDs, a.ID)
	}
	if !s.loaded {
		for id := range s.chosen {
			d.AccountIDs = append(d.AccountIDs, id)
		}
	}
	if s.when.Selected == whenNow {
		d.PostNow = true
	} else if at, reason, _ := s.check(); reason == "" && !at.IsZero() {
		d.At = &at
	}
	s.setPending(d)
}

func (s *composeScreen) setPending(d draft.Draft) {
	s.draftMu.Lock()
	defer s.draftMu.Unlock()
	s.pending = &d
	if s.draftTimer == nil {
		s.draftTimer = time.AfterFunc(draftDelay, s.flushDraft)
	} else {
		s.draftTimer.Reset(draftDelay)
	}
}

// flushDraft writes the newest unsaved draft now. Safe from any goroutine.
func (s *composeScreen) flushDraft() {
	if s.drafts == nil {
		return
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	s.draftMu.Lock()
	d := s.pending
	s.pending = nil
	if s.draftTimer != nil {
		s.draftTimer.Stop()
	}
	s.draftMu.Unlock()
	if d == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.drafts.Save(ctx, *d); err != nil {
		s.logger.Warn("compose: keep draft", "err", err)
		fyne.Do(func() {
			s.showStatus("Your draft could not be kept: "+plainError(err), widget.WarningImportance)
		})
	}
}

// showCompose opens the Compose window, built once and hidden (keeping
// what was written) when closed.
func (s *shell) showCompose() {
	if w, ok := s.others["Compose"]; ok {
		w.Show()
		w.RequestFocus()
		return
	}
	c := newComposeScreen(s.app, enginePosts{s.engine}, s.engine.Drafts(), nil)
	c.logger = s.logger
	c.onQueue = s.showQueue
	c.onAccounts = s.showAccounts
	c.onShown = func(accounts int, draft bool) {
		s.logger.Info("compose window shows profiles", "count", accounts, "draft_restored", draft)
	}
	s.others["Compose"] = c.window
	c.start()
	c.window.Show()
}

// editableTarget: a target whose text and time Edit still changes.
func editableTarget(t schedule.Target) bool {
	switch t.State {
	case schedule.Scheduled, schedule.Retrying, schedule.Failed, schedule.Held:
		return t.OutcomeUnknownSince == nil
	}
	return false
}

// dateField is Fyne's date entry with the calendar, telling every change of
// its text (the date entry alone only tells valid dates).
type dateField struct {
	widget.DateEntry
	onText func()
}

func newDateField(onText func()) *dateField {
	d := &dateField{onText: onText}
	d.ExtendBaseWidget(d)
	d.Wrapping = fyne.TextWrap(fyne.TextTruncateClip)
	return d
}

func (d *dateField) CreateRenderer() fyne.WidgetRenderer {
	r := d.DateEntry.CreateRenderer()
	inner := d.Entry.OnChanged // set by DateEntry.CreateRenderer
	d.Entry.OnChanged = func(text string) {
		if inner != nil {
			inner(text)
		}
		if d.onText != nil {
			d.onText()
		}
	}
	return r
}

// dateLayout is the layout the date entry writes dates in (the locale's,
// which Fyne does not export): found by letting it write a known date.
func dateLayout() string {
	sample := time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC)
	probe := widget.NewDateEntry()
	probe.SetDate(&sample)
	layout := strings.NewReplacer("2027", "2006", "12", "01", "31", "02").Replace(probe.Text)
	if got, err := time.Parse(layout, probe.Text); err != nil || !got.Equal(sample) {
		return "2006-01-02"
	}
	return layout
}

func exampleDate(layout string) string {
	return time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC).Format(layout)
}

// parseClock reads "14:30", "9:05" or "9.05" (24-hour).
func parseClock(v string) (h, m int, ok bool) {
	v = strings.TrimSpace(v)
	hs, ms, found := strings.Cut(strings.ReplaceAll(v, ".", ":"), ":")
	if !found || len(hs) == 0 || len(hs) > 2 || len(ms) != 2 {
		return 0, 0, false
	}
	h, err1 := strconv.Atoi(hs)
	m, err2 := strconv.Atoi(ms)
	if err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, 0, false
	}
	return h, m, true
}

// whenText is "today at 14:30", "tomorrow at 09:00", "Tue 9 Feb at 14:30"
// (with the year when it is not this one, the zone when it is not now's).
func whenText(at, now time.Time, loc *time.Location) string {
	return dayText(at, now, loc, true) + " at " + when.In(now, loc).Clock(at)
}

// dayText is "today", "tomorrow", "yesterday", "Tue 9 Feb" or
// "Mon 9 Feb 2026" (core/when's DayWords).
func dayText(at, now time.Time, loc *time.Location, lower bool) string {
	w := when.In(now, loc).DayWords(at)
	if lower {
		return when.Lower(w)
	}
	return w
}

// joinWords is "a", "a and b", "a, b and c".
func joinWords(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}

// plainError is an error as a sentence for the person.
func plainError(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "SocialOmm took too long to answer. Try again in a moment."
	case errors.Is(err, context.Canceled):
		return "It was stopped before it finished. Try again."
	}
	msg := capitalize(err.Error())
	if !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, ")") && !strings.HasSuffix(msg, "?") {
		msg += "."
	}
	return msg
}

func errorLabel(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	l.Importance = widget.DangerImportance
	return l
}

// fixedWidth lays its objects out at a set width and their own height.
type fixedWidth float32

func (w fixedWidth) MinSize(objects []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objects {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(float32(w), h)
}

func (w fixedWidth) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}
