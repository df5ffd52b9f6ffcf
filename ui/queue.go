package ui

import (
	"context"
	"fmt"
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

	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/schedule"
	"github.com/socialomm/desktop/core/when"
)

// queueBackend is what the Queue window needs from the engine.
type queueBackend interface {
	Accounts(ctx context.Context) ([]account.Account, error)
	Posts(ctx context.Context, f schedule.Filter) ([]schedule.Post, error)
	Delete(ctx context.Context, id int64) error
	Retry(ctx context.Context, id int64) (schedule.Post, error)
	PostNow(ctx context.Context, id int64) (schedule.Post, error)
	RetryAllFailed(ctx context.Context) (int, error)
	Now() time.Time
	Subscribe(fn func(core.ChangeKind), kinds ...core.ChangeKind) (cancel func())
}

// How many posts the Queue reads at once: the list draws only the rows on
// screen, and these caps keep a reload quick with 200,000 posts stored.
const (
	upcomingPage = 200 // more with "Show more"
	pastWindow   = 100 // the most recent past posts
	needsWindow  = 100 // posts waiting for the person
)

// queueScreen is the Queue window: posts by time with each profile's copy
// and what happened to it.
type queueScreen struct {
	window  fyne.Window
	backend queueBackend
	nets    networks
	loc     *time.Location
	async   func(func())

	// UI goroutine only.
	items    []queueItem
	rows     []float32 // the list's row heights
	offset   float32   // scroll position carried to a new list
	accounts map[int64]account.Account
	now      time.Time
	heights  map[int]float32 // row height by number of targets
	measure  *queueRow

	title     *widget.Label
	summary   *widget.RichText
	retryAll  *widget.Button
	status    *widget.RichText
	body      *fyne.Container
	list      *widget.List
	empty     fyne.CanvasObject
	loadError *widget.Label

	loads    coalesce
	mu       sync.Mutex // guards the fields below
	limit    int        // upcoming posts to read
	visible  bool
	stale    bool // changed while hidden
	started  bool
	unloaded bool // never loaded

	// onCompose opens Compose; onEdit the edit form of a post.
	onCompose func()
	onEdit    func(p schedule.Post)
	// onShown is told how many posts are listed after each load.
	onShown func(posts int)
}

type itemKind int

const (
	itemPost itemKind = iota
	itemHeader
	itemMore
)

// queueItem is one row of the list: a section title, a post, or "Show
// more".
type queueItem struct {
	kind  itemKind
	title string
	post  schedule.Post
}

func newQueueScreen(a fyne.App, backend queueBackend) *queueScreen {
	s := &queueScreen{
		window:   a.NewWindow("SocialOmm — Queue"),
		backend:  backend,
		nets:     networksOf(backend),
		loc:      time.Local,
		async:    func(fn func()) { go fn() },
		accounts: map[int64]account.Account{},
		heights:  map[int]float32{},
		limit:    upcomingPage,
		unloaded: true,
	}
	s.window.SetContent(s.build())
	s.window.Resize(fyne.NewSize(920, 620))
	return s
}

func (s *queueScreen) build() fyne.CanvasObject {
	s.title = widget.NewLabelWithStyle("Queue", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.title.SizeName = theme.SizeNameHeadingText
	s.summary = newSecondaryText("", fyne.TextAlignLeading, fyne.TextStyle{})
	s.retryAll = widget.NewButtonWithIcon("Retry all failed", theme.ViewRefreshIcon(), s.onRetryAll)
	s.retryAll.Disable()
	compose := widget.NewButtonWithIcon("New post", theme.DocumentCreateIcon(), func() {
		if s.onCompose != nil {
			s.onCompose()
		}
	})
	compose.Importance = widget.HighImportance
	header := container.NewBorder(nil, nil,
		container.NewHBox(s.title, container.NewVBox(layout.NewSpacer(), s.summary)),
		container.NewHBox(s.retryAll, compose))
	s.status = newImportanceText("", widget.MediumImportance, fyne.TextAlignLeading, fyne.TextStyle{})
	s.status.Wrapping = fyne.TextWrapWord
	s.status.Hide()

	s.list = s.newList(nil)
	s.measure = newQueueRow(s)

	s.empty = s.emptyState()
	s.loadError = errorLabel("")
	loading := newSecondaryText("Loading the queue…", fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	s.body = container.NewStack(container.NewCenter(loading))
	top := container.NewVBox(container.NewPadded(header), container.NewPadded(s.status), widget.NewSeparator())
	return container.NewBorder(top, nil, nil, nil, s.body)
}

func (s *queueScreen) emptyState() fyne.CanvasObject {
	icon := widget.NewIcon(theme.ListIcon())
	heading := widget.NewLabelWithStyle("Nothing scheduled", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	heading.SizeName = theme.SizeNameSubHeadingText
	text := widget.NewLabelWithStyle("Write a post in Compose: pick the profiles and a time, and SocialOmm "+
		"sends it then, even while this window is closed.", fyne.TextAlignCenter, fyne.TextStyle{})
	text.Wrapping = fyne.TextWrapWord
	button := widget.NewButtonWithIcon("Write a post", theme.DocumentCreateIcon(), func() {
		if s.onCompose != nil {
			s.onCompose()
		}
	})
	button.Importance = widget.HighImportance
	column := container.NewVBox(container.NewCenter(container.NewGridWrap(fyne.NewSquareSize(56), icon)),
		heading, text, container.NewCenter(button))
	return container.NewCenter(container.New(fixedWidth(460), column))
}

// start listens for changes for the rest of the run (the window is built
// once and hidden, not destroyed, when closed) and loads when shown.
func (s *queueScreen) start() {
	s.mu.Lock()
	started := s.started
	s.started = true
	s.mu.Unlock()
	if !started {
		s.backend.Subscribe(func(core.ChangeKind) { s.onEngineChanged() }, core.ChangeAccounts, core.ChangePosts)
		s.window.SetCloseIntercept(func() {
			s.mu.Lock()
			s.visible = false
			s.mu.Unlock()
			s.window.Hide()
		})
	}
	s.mu.Lock()
	s.visible = true
	load := s.stale || s.unloaded
	s.stale = false
	s.mu.Unlock()
	if load {
		s.reload()
	}
}

// onEngineChanged runs on an engine goroutine.
func (s *queueScreen) onEngineChanged() {
	s.mu.Lock()
	if !s.visible {
		s.stale = true
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	s.reload()
}

// reload reads the queue off the UI goroutine.
func (s *queueScreen) reload() {
	s.loads.run(s.async, func() {
		s.mu.Lock()
		limit := s.limit
		s.unloaded = false
		s.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		data, err := loadQueue(ctx, s.backend, s.backend.Now(), limit)
		fyne.Do(func() { s.show(data, err) })
	})
}

// queueData is one load of the queue.
type queueData struct {
	now                   time.Time
	accounts              []account.Account
	needs, upcoming, past []schedule.Post
	moreUpcoming          bool
	anyFailed             bool
}

// loadQueue reads what the Queue shows: posts waiting for the person, the
// next posts (up to limit) and the most recent past ones. Every query is
// capped, so the cost does not grow with the number of posts stored.
func loadQueue(ctx context.Context, b queueBackend, now time.Time, limit int) (queueData, error) {
	d := queueData{now: now}
	var err error
	if d.accounts, err = b.Accounts(ctx); err != nil {
		return d, err
	}
	if d.needs, err = b.Posts(ctx, schedule.Filter{States: []schedule.State{schedule.Failed, schedule.Held, schedule.Unconfirmed},
		Limit: needsWindow}); err != nil {
		return d, err
	}
	for _, p := range d.needs {
		for _, t := range p.Targets {
			d.anyFailed = d.anyFailed || t.State == schedule.Failed
		}
	}
	if !d.anyFailed && len(d.needs) == needsWindow {
		failed, err := b.Posts(ctx, schedule.Filter{States: []schedule.State{schedule.Failed}, Limit: 1})
		if err != nil {
			return d, err
		}
		d.anyFailed = len(failed) > 0
	}
	if d.upcoming, err = b.Posts(ctx, schedule.Filter{From: now, Limit: limit + 1}); err != nil {
		return d, err
	}
	if len(d.upcoming) > limit {
		d.upcoming, d.moreUpcoming = d.upcoming[:limit], true
	}
	if d.past, err = recentPast(ctx, b, now, pastWindow); err != nil {
		return d, err
	}
	// A post waiting for the person shows once, at the top.
	needs := map[int64]bool{}
	for _, p := range d.needs {
		needs[p.ID] = true
	}
	waiting := func(p schedule.Post) bool { return needs[p.ID] }
	d.upcoming = slices.DeleteFunc(d.upcoming, waiting)
	d.past = slices.DeleteFunc(d.past, waiting)
	return d, nil
}

// recentPast is the newest n posts before now, newest first. The scheduler
// lists oldest first, so it looks for a span [now-span, now) holding at
// most n posts: doubling the span while it holds few, then narrowing
// between the last span that fitted and the first that did not.
func recentPast(ctx context.Context, b queueBackend, now time.Time, n int) ([]schedule.Post, error) {
	in := func(span time.Duration) ([]schedule.Post, error) {
		f := schedule.Filter{To: now, Limit: n + 1}
		if span > 0 {
			f.From = now.Add(-span)
		}
		return b.Posts(ctx, f)
	}
	all, err := in(0)
	if err != nil || len(all) <= n {
		slices.Reverse(all)
		return all, err
	}
	var best []schedule.Post
	fit, tooMany := time.Duration(0), time.Duration(0)
	for span := time.Hour; span < 200*365*24*time.Hour; span *= 2 {
		list, err := in(span)
		if err != nil {
			return nil, err
		}
		if len(list) > n {
			tooMany = span
			break
		}
		best, fit = list, span
	}
	// Narrow until the span fits at least half a window (or a minute).
	for i := 0; tooMany > 0 && i < 12 && len(best) < n/2 && tooMany-fit > time.Minute; i++ {
		mid := fit + (tooMany-fit)/2
		list, err := in(mid)
		if err != nil {
			return nil, err
		}
		if len(list) > n {
			tooMany = mid
		} else {
			best, fit = list, mid
		}
	}
	best = slices.Clone(best)
	slices.Reverse(best)
	return best, nil
}

// show puts a load on screen; UI goroutine only.
func (s *queueScreen) show(d queueData, err error) {
	if err != nil {
		s.loadError.SetText("Could not read the queue: " + plainError(err))
		s.body.Objects = []fyne.CanvasObject{container.NewCenter(container.New(fixedWidth(460), s.loadError))}
		s.body.Refresh()
		return
	}
	s.now = d.now
	clear(s.accounts)
	for _, a := range d.accounts {
		s.accounts[a.ID] = a
	}
	var items []queueItem
	section := func(title string, posts []schedule.Post) {
		if len(posts) == 0 {
			return
		}
		items = append(items, queueItem{kind: itemHeader, title: title})
		for _, p := range posts {
			items = append(items, queueItem{kind: itemPost, post: p})
		}
	}
	section("Needs you", d.needs)
	section("Upcoming", d.upcoming)
	if d.moreUpcoming {
		items = append(items, queueItem{kind: itemMore})
	}
	section("Recently", d.past)
	s.items = items
	if d.anyFailed {
		s.retryAll.Enable()
	} else {
		s.retryAll.Disable()
	}
	setSecondaryText(s.summary, queueSummary(d))
	rows := make([]float32, len(items))
	for i, it := range items {
		rows[i] = s.heightOf(it)
	}
	// Heights go on a list not drawn yet: on a drawn one, each
	// SetItemHeight redraws the whole list. A reload that only changed
	// words keeps the list (and where it is scrolled to).
	rebuilt := !slices.Equal(rows, s.rows)
	if rebuilt {
		s.list = s.newList(rows)
	}
	s.rows = rows
	if len(items) == 0 {
		s.body.Objects = []fyne.CanvasObject{s.empty}
	} else {
		s.body.Objects = []fyne.CanvasObject{s.list}
	}
	s.body.Refresh()
	if rebuilt {
		s.list.ScrollToOffset(s.offset)
	} else {
		s.list.Refresh()
	}
	if s.onShown != nil {
		s.onShown(len(d.needs) + len(d.upcoming) + len(d.past))
	}
}

// newList is a list of the items with the given row heights, drawing only
// the rows on screen.
func (s *queueScreen) newList(rows []float32) *widget.List {
	if s.list != nil {
		s.offset = s.list.GetScrollOffset()
	}
	l := widget.NewList(
		func() int { return len(s.items) },
		func() fyne.CanvasObject { return newQueueRow(s) },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(s.items) {
				o.(*queueRow).set(s.items[id])
			}
		},
	)
	l.OnSelected = func(widget.ListItemID) { l.UnselectAll() }
	for i, h := range rows {
		l.SetItemHeight(i, h)
	}
	return l
}

// queueSummary is "3 upcoming · 1 needs you".
func queueSummary(d queueData) string {
	var parts []string
	switch n := len(d.upcoming); {
	case d.moreUpcoming:
		parts = append(parts, fmt.Sprintf("%d+ upcoming", n))
	case n > 0:
		parts = append(parts, fmt.Sprintf("%d upcoming", n))
	}
	switch n := len(d.needs); {
	case n == 1:
		parts = append(parts, "1 needs you")
	case n == needsWindow:
		parts = append(parts, fmt.Sprintf("%d+ need you", n))
	case n > 1:
		parts = append(parts, fmt.Sprintf("%d need you", n))
	}
	return strings.Join(parts, " · ")
}

// heightOf is an item's row height, measured once per shape.
func (s *queueScreen) heightOf(it queueItem) float32 {
	key := -1
	switch it.kind {
	case itemHeader:
		key = -2
	case itemMore:
		key = -3
	case itemPost:
		key = len(it.post.Targets)
	}
	if h, ok := s.heights[key]; ok {
		return h
	}
	probe := it
	if it.kind == itemPost {
		probe.post = schedule.Post{Text: "x", Targets: make([]schedule.Target, len(it.post.Targets))}
	}
	s.measure.set(probe)
	h := s.measure.MinSize().Height
	s.heights[key] = h
	return h
}

// run does a post action off the UI goroutine and says how it went.
func (s *queueScreen) run(busy string, fn func(ctx context.Context) (string, error)) {
	s.showStatus(busy, widget.LowImportance)
	s.async(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		msg, err := fn(ctx)
		fyne.Do(func() {
			if err != nil {
				s.showStatus(plainError(err), widget.DangerImportance)
			} else {
				s.showStatus(msg, widget.SuccessImportance)
			}
		})
		s.reload()
	})
}

func (s *queueScreen) showStatus(text string, importance widget.Importance) {
	setImportanceText(s.status, text, importance)
	s.status.Show()
}

func (s *queueScreen) onRetryAll() {
	s.run("Sending the failed posts again…", func(ctx context.Context) (string, error) {
		n, err := s.backend.RetryAllFailed(ctx)
		switch {
		case err != nil:
			return "", err
		case n == 0:
			return "Nothing had failed.", nil
		case n == 1:
			return "Sending 1 failed copy again.", nil
		}
		return fmt.Sprintf("Sending %d failed copies again.", n), nil
	})
}

func (s *queueScreen) onRetry(p schedule.Post) {
	s.run("Sending it again…", func(ctx context.Context) (string, error) {
		_, err := s.backend.Retry(ctx, p.ID)
		return "Sending “" + snippet(p.Text, 40) + "” again.", err
	})
}

func (s *queueScreen) onPostNow(p schedule.Post) {
	s.run("Sending it now…", func(ctx context.Context) (string, error) {
		_, err := s.backend.PostNow(ctx, p.ID)
		return "Sending “" + snippet(p.Text, 40) + "” now.", err
	})
}

// onDelete asks first: a deleted post is gone from SocialOmm.
func (s *queueScreen) onDelete(p schedule.Post) {
	msg := "“" + snippet(p.Text, 60) + "” will be removed from SocialOmm."
	if slices.ContainsFunc(p.Targets, func(t schedule.Target) bool { return t.State == schedule.Published }) {
		msg += "\nCopies already published stay on the networks."
	}
	d := dialog.NewConfirm("Delete this post?", msg, func(ok bool) {
		if !ok {
			return
		}
		s.run("Deleting…", func(ctx context.Context) (string, error) {
			return "Deleted “" + snippet(p.Text, 40) + "”.", s.backend.Delete(ctx, p.ID)
		})
	}, s.window)
	d.SetConfirmText("Delete")
	d.SetDismissText("Keep it")
	d.SetConfirmImportance(widget.DangerImportance)
	d.Show()
}

func (s *queueScreen) onEditPost(p schedule.Post) {
	if s.onEdit != nil {
		s.onEdit(p)
	}
}

// snippet is the text's first line, cut to n characters.
func snippet(text string, n int) string {
	line, rest, _ := strings.Cut(strings.TrimSpace(text), "\n")
	line = strings.TrimSpace(line)
	r := []rune(line)
	if len(r) > n {
		return string(r[:n-1]) + "…"
	}
	if strings.TrimSpace(rest) != "" {
		return line + " …"
	}
	return line
}

// targetWords is a target's state as a coloured word and a short detail.
func targetWords(t schedule.Target, a account.Account, now time.Time, loc *time.Location) (string, widget.Importance, string) {
	who := a.Handle
	if who == "" {
		who = fmt.Sprintf("account %d", t.AccountID)
	}
	switch t.State {
	case schedule.Scheduled:
		if a.State == account.Disconnected {
			return "scheduled", widget.HighImportance, "disconnected: Update it before then, or this copy waits"
		}
		return "scheduled", widget.HighImportance, ""
	case schedule.Publishing:
		return "publishing", widget.HighImportance, "on its way now"
	case schedule.Published:
		return "published", widget.SuccessImportance, ""
	case schedule.Held:
		if t.HoldReason == schedule.HoldMissed {
			return "held", widget.WarningImportance, "missed while SocialOmm was closed — Post now or Delete"
		}
		return "held", widget.WarningImportance, "waiting for you to Update " + who
	case schedule.Failed:
		words := strings.Join(strings.Fields(t.Error), " ")
		if words == "" {
			words = "the network refused it"
		}
		return "failed", widget.DangerImportance, words
	case schedule.Retrying:
		detail := "next try at " + when.In(now, loc).Clock(t.NextAttemptAt)
		if !sameDay(t.NextAttemptAt, now, loc) {
			detail = "next try " + whenText(t.NextAttemptAt, now, loc)
		}
		if e := strings.Join(strings.Fields(t.Error), " "); e != "" {
			detail += " · " + e
		}
		return "retrying", widget.WarningImportance, detail
	case schedule.Skipped:
		return "skipped", widget.LowImportance, "Skipped: " + t.Error
	case schedule.Unconfirmed:
		return "did it go out?", widget.WarningImportance, "SocialOmm lost track while sending; look at the profile, then Retry or Delete"
	}
	return string(t.State), widget.MediumImportance, ""
}

func sameDay(a, b time.Time, loc *time.Location) bool {
	a, b = a.In(loc), b.In(loc)
	return a.Year() == b.Year() && a.YearDay() == b.YearDay()
}

// queueRow draws one item. Rows are recycled by the list, so set must
// overwrite everything.
type queueRow struct {
	widget.BaseWidget
	s    *queueScreen
	item queueItem

	header, more, post fyne.CanvasObject
	headerText         *widget.RichText
	day, clock         *widget.Label
	text               *widget.Label
	targets            *fyne.Container
	lines              []*targetLine
	edit, postNow      *widget.Button
	retry, del         *widget.Button
}

func newQueueRow(s *queueScreen) *queueRow {
	r := &queueRow{s: s}
	r.headerText = newSecondaryText("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	r.header = container.NewVBox(layout.NewSpacer(), r.headerText)
	moreButton := widget.NewButtonWithIcon("Show more upcoming posts", theme.MoreVerticalIcon(), s.showMore)
	moreButton.Importance = widget.LowImportance
	r.more = container.NewCenter(moreButton)

	r.day = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	r.clock = widget.NewLabel("")
	r.text = widget.NewLabel("")
	r.text.Truncation = fyne.TextTruncateEllipsis
	r.targets = container.NewVBox()
	button := func(label string, icon fyne.Resource, fn func(schedule.Post)) *widget.Button {
		b := widget.NewButtonWithIcon(label, icon, func() { fn(r.item.post) })
		b.Importance = widget.LowImportance
		return b
	}
	r.edit = button("Edit", theme.DocumentCreateIcon(), s.onEditPost)
	r.postNow = button("Post now", theme.MailSendIcon(), s.onPostNow)
	r.retry = button("Retry", theme.ViewRefreshIcon(), s.onRetry)
	r.del = button("Delete", theme.DeleteIcon(), s.onDelete)
	actions := container.NewHBox(r.edit, r.postNow, r.retry, r.del)
	when := container.New(fixedWidth(110), container.NewVBox(r.day, r.clock))
	r.post = container.NewBorder(nil, nil, when, nil,
		container.NewVBox(container.NewBorder(nil, nil, nil, actions, r.text), r.targets))
	r.ExtendBaseWidget(r)
	return r
}

func (r *queueRow) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewStack(r.header, r.more, r.post))
}

func (r *queueRow) set(it queueItem) {
	r.item = it
	r.header.Hide()
	r.more.Hide()
	r.post.Hide()
	switch it.kind {
	case itemHeader:
		setSecondaryText(r.headerText, it.title)
		r.header.Show()
		return
	case itemMore:
		r.more.Show()
		return
	}
	r.post.Show()
	p := it.post
	r.day.SetText(dayText(p.At, r.s.now, r.s.loc, false))
	r.clock.SetText(when.In(r.s.now, r.s.loc).Clock(p.At))
	r.text.SetText(snippet(p.Text, 200))
	for len(r.lines) < len(p.Targets) {
		l := newTargetLine(r.s.nets)
		r.lines = append(r.lines, l)
		r.targets.Add(l.box)
	}
	for i, l := range r.lines {
		if i < len(p.Targets) {
			t := p.Targets[i]
			l.set(t, r.s.accounts[t.AccountID], r.s.now, r.s.loc)
			l.box.Show()
		} else {
			l.box.Hide()
		}
	}
	show := func(b *widget.Button, on bool) {
		if on {
			b.Show()
		} else {
			b.Hide()
		}
	}
	var editable, sendable, retryable, publishing bool
	for _, t := range p.Targets {
		editable = editable || editableTarget(t)
		switch t.State {
		case schedule.Scheduled, schedule.Retrying:
			sendable = true
		case schedule.Held:
			// Held for a disconnected account, it would only be held
			// again: Update releases it.
			sendable = sendable || t.HoldReason == schedule.HoldMissed
		case schedule.Failed, schedule.Unconfirmed:
			retryable = true
		case schedule.Publishing:
			publishing = true
		}
	}
	show(r.edit, editable && !publishing)
	show(r.postNow, sendable && !publishing)
	show(r.retry, retryable)
	show(r.del, !publishing)
	// Lay the row out again: the buttons shown and the lines changed.
	r.post.Refresh()
}

// targetLine is one profile's copy: network, handle, state, detail, link.
type targetLine struct {
	nets   networks
	box    *fyne.Container
	icon   *canvas.Image
	who    *widget.Label
	state  *widget.RichText
	detail *widget.RichText
	link   *widget.Hyperlink
}

func newTargetLine(nets networks) *targetLine {
	l := &targetLine{nets: nets}
	l.icon = canvas.NewImageFromResource(nil)
	l.icon.FillMode = canvas.ImageFillContain
	l.icon.SetMinSize(fyne.NewSquareSize(16))
	l.who = widget.NewLabel("")
	l.state = newImportanceText("", widget.MediumImportance, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.detail = newImportanceText("", widget.LowImportance, fyne.TextAlignLeading, fyne.TextStyle{})
	l.detail.Truncation = fyne.TextTruncateEllipsis
	l.link = widget.NewHyperlink("Open post", nil)
	l.box = container.NewBorder(nil, nil, container.NewHBox(container.NewCenter(l.icon), l.who, l.state), l.link, l.detail)
	return l
}

func (l *targetLine) set(t schedule.Target, a account.Account, now time.Time, loc *time.Location) {
	l.icon.Resource = l.nets.icon(a.Network)
	l.icon.Refresh()
	who := a.Handle
	if who == "" {
		who = fmt.Sprintf("account %d", t.AccountID)
	}
	l.who.SetText(who)
	word, importance, detail := targetWords(t, a, now, loc)
	setImportanceText(l.state, word, importance)
	// What the person has to act on reads in full strength.
	detailImportance := widget.LowImportance
	switch t.State {
	case schedule.Failed, schedule.Held, schedule.Unconfirmed:
		detailImportance = widget.MediumImportance
	case schedule.Scheduled:
		if a.State == account.Disconnected {
			detailImportance = widget.MediumImportance
		}
	}
	setImportanceText(l.detail, detail, detailImportance)
	// A link the server handed us opens only when it is https (or http on
	// this computer): never file:, javascript: or a custom scheme.
	if u, err := core.SafeLink(t.URL); t.State == schedule.Published && err == nil {
		l.link.SetURL(u)
		l.link.Show()
	} else {
		l.link.Hide()
	}
}

// showMore reads the next page of upcoming posts.
func (s *queueScreen) showMore() {
	s.mu.Lock()
	s.limit += upcomingPage
	s.mu.Unlock()
	s.reload()
}

// enginePosts is the engine seen by Compose and the Queue.
type enginePosts struct{ e *core.Engine }

func (p enginePosts) Accounts(ctx context.Context) ([]account.Account, error) {
	return p.e.Accounts(ctx)
}
func (p enginePosts) Now() time.Time { return p.e.Now() }

// Networks is the engine's network catalog.
func (p enginePosts) Networks() core.Catalog { return p.e.Networks() }
func (p enginePosts) Subscribe(fn func(core.ChangeKind), kinds ...core.ChangeKind) func() {
	return p.e.Subscribe(fn, kinds...)
}
func (p enginePosts) Schedule(ctx context.Context, text string, at time.Time, ids []int64) (schedule.Post, error) {
	return p.e.Posts().Schedule(ctx, text, at, ids)
}
func (p enginePosts) Edit(ctx context.Context, id int64, text string, at time.Time) (schedule.Post, error) {
	return p.e.Posts().Edit(ctx, id, text, at)
}
func (p enginePosts) Posts(ctx context.Context, f schedule.Filter) ([]schedule.Post, error) {
	return p.e.Posts().Posts(ctx, f)
}
func (p enginePosts) Delete(ctx context.Context, id int64) error { return p.e.Posts().Delete(ctx, id) }
func (p enginePosts) Retry(ctx context.Context, id int64) (schedule.Post, error) {
	return p.e.Posts().Retry(ctx, id)
}
func (p enginePosts) PostNow(ctx context.Context, id int64) (schedule.Post, error) {
	return p.e.Posts().PostNow(ctx, id)
}
func (p enginePosts) RetryAllFailed(ctx context.Context) (int, error) {
	return p.e.Posts().RetryAllFailed(ctx)
}

// TextLimit is the network's limit for an account (Mastodon: the server's
// configuration, else 500).
func (p enginePosts) TextLimit(ctx context.Context, a account.Account) int {
	return p.e.TextLimit(ctx, a)
}

// showQueue opens the Queue window, built once and hidden when closed; it
// reloads only while shown.
func (s *shell) showQueue() {
	if w, ok := s.others["Queue"].(queueWindow); ok {
		w.q.start()
		w.Show()
		w.RequestFocus()
		return
	}
	q := newQueueScreen(s.app, enginePosts{s.engine})
	q.onCompose = s.showCompose
	q.onEdit = func(p schedule.Post) { s.showEdit(p, q) }
	q.onShown = func(n int) { s.logger.Info("queue window shows posts", "count", n) }
	s.others["Queue"] = queueWindow{q.window, q}
	q.start()
	q.window.Show()
}

// queueWindow keeps the Queue screen with its window in shell.others.
type queueWindow struct {
	fyne.Window
	q *queueScreen
}

// showEdit opens a post's edit form in its own window.
func (s *shell) showEdit(p schedule.Post, q *queueScreen) {
	key := fmt.Sprintf("Edit %d", p.ID)
	if w, ok := s.others[key]; ok {
		w.Show()
		w.RequestFocus()
		return
	}
	c := newComposeScreen(s.app, enginePosts{s.engine}, nil, &p)
	c.logger = s.logger
	c.onSaved = func(saved schedule.Post) {
		c.window.Close()
		q.showStatus("Saved: “"+snippet(saved.Text, 40)+"” goes out "+whenText(saved.At, s.engine.Now(), time.Local)+".",
			widget.SuccessImportance)
	}
	c.onShown = func(accounts int, _ bool) { s.logger.Info("edit window shows profiles", "count", accounts) }
	c.window.SetOnClosed(func() { delete(s.others, key) })
	s.others[key] = c.window
	c.start()
	c.window.Show()
}
