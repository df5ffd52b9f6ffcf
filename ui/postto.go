package ui

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/group"
	"github.com/socialomm/desktop/core/notify"
)

// groupBackend is what Compose needs to keep named groups of profiles (the
// engine has it; a backend without it shows no groups).
type groupBackend interface {
	Groups(ctx context.Context) ([]group.Group, error)
	CreateGroup(ctx context.Context, name string, accountIDs []int64) (group.Group, error)
	RenameGroup(ctx context.Context, id int64, name string) error
	DeleteGroup(ctx context.Context, id int64) error
}

func (p enginePosts) Groups(ctx context.Context) ([]group.Group, error) { return p.e.Groups(ctx) }
func (p enginePosts) CreateGroup(ctx context.Context, name string, ids []int64) (group.Group, error) {
	return p.e.CreateGroup(ctx, name, ids)
}
func (p enginePosts) RenameGroup(ctx context.Context, id int64, name string) error {
	return p.e.RenameGroup(ctx, id, name)
}
func (p enginePosts) DeleteGroup(ctx context.Context, id int64) error {
	return p.e.DeleteGroup(ctx, id)
}

// postToRows is how many profiles "Post to" shows at once; more scroll
// inside the list, which only draws the rows in view.
const postToRows = 8

// noGroup is the group picker's first choice.
const noGroup = "Choose a group…"

// searchKey is what a search matches for one profile: its name, handle and
// network (title and name), lower-cased once.
func searchKey(a account.Account, networkTitle string) string {
	return strings.ToLower(a.DisplayName + "\x00" + a.Handle + "\x00" + networkTitle + "\x00" + a.Network)
}

// matching appends to out the indexes of keys holding every word of query
// (already lower-cased); an empty query matches all.
func matching(keys []string, words []string, out []int) []int {
	out = out[:0]
next:
	for i, k := range keys {
		for _, w := range words {
			if !strings.Contains(k, w) {
				continue next
			}
		}
		out = append(out, i)
	}
	return out
}

// postTo is Compose's "Post to": a search, a virtualised list of profiles to
// tick, select-all for what matches or for a network, and named groups. The
// selection is a set of account ids kept across searches. UI goroutine only,
// but for what async runs.
type postTo struct {
	window fyne.Window
	nets   networks
	groups groupBackend // nil: no groups
	async  func(func())
	logger *slog.Logger
	// chosen is Compose's selection (shared, not copied).
	chosen map[int64]bool
	// fixed: editing a post, the profiles cannot change.
	fixed bool
	// onChanged is told the person changed the selection.
	onChanged func()

	all    []account.Account
	keys   []string
	shown  []int // indexes into all that match the search
	words  []string
	known  []group.Group
	picked *group.Group // the group last chosen in the picker

	search      *widget.Entry
	count       *widget.RichText
	selectAll   *widget.Button
	clearAll    *widget.Button
	network     *widget.Select
	networkOf   map[string]string // network choice → network name
	groupSelect *widget.Select
	saveGroup   *widget.Button
	renameGroup *widget.Button
	deleteGroup *widget.Button
	groupRow    *fyne.Container
	list        *widget.List
	listBox     *fyne.Container
	content     *fyne.Container
}

func newPostTo(w fyne.Window, nets networks, chosen map[int64]bool, fixed bool) *postTo {
	p := &postTo{window: w, nets: nets, chosen: chosen, fixed: fixed,
		async: func(fn func()) { go fn() }, logger: slog.New(slog.DiscardHandler)}
	p.search = widget.NewEntry()
	p.search.PlaceHolder = "Search by name, handle or network"
	p.search.ActionItem = widget.NewIcon(theme.SearchIcon())
	p.search.OnChanged = p.onSearchChanged
	p.count = newSecondaryText("", fyne.TextAlignLeading, fyne.TextStyle{})
	p.selectAll = widget.NewButtonWithIcon("Select all", theme.CheckButtonCheckedIcon(), p.onSelectAllMatching)
	p.clearAll = widget.NewButtonWithIcon("Clear", theme.CheckButtonIcon(), p.onClearMatching)
	p.network = widget.NewSelect(nil, p.onNetworkChosen)
	p.network.PlaceHolder = "Select all on a network…"
	p.groupSelect = widget.NewSelect(nil, p.onGroupChosen)
	p.groupSelect.PlaceHolder = noGroup
	p.saveGroup = widget.NewButtonWithIcon("Save as group…", theme.ContentAddIcon(), p.onSaveGroup)
	p.renameGroup = widget.NewButtonWithIcon("Rename…", theme.DocumentCreateIcon(), p.onRenameGroup)
	p.deleteGroup = widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), p.onDeleteGroup)
	p.list = widget.NewList(func() int { return len(p.shown) }, p.newRow, p.updateRow)
	p.listBox = container.New(fixedHeight(0), p.list)

	controls := container.NewVBox(p.search,
		container.NewBorder(nil, nil, container.NewHBox(p.selectAll, p.clearAll), nil, p.network))
	p.groupRow = container.NewBorder(nil, nil, nil, container.NewHBox(p.saveGroup, p.renameGroup, p.deleteGroup), p.groupSelect)
	p.content = container.NewVBox(controls, p.groupRow, p.count, p.listBox)
	if fixed {
		controls.Hide()
		p.groupRow.Hide()
	}
	p.updateControls()
	return p
}

func (p *postTo) newRow() fyne.CanvasObject {
	icon := canvas.NewImageFromResource(theme.AccountIcon())
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSquareSize(20))
	check := widget.NewCheck("Profile name", nil)
	detail := newImportanceText("@handle · Network", widget.LowImportance, fyne.TextAlignLeading, fyne.TextStyle{})
	detail.Truncation = fyne.TextTruncateEllipsis
	return container.NewBorder(nil, nil, container.NewHBox(container.NewCenter(icon), check), nil, detail)
}

func (p *postTo) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	if i < 0 || i >= len(p.shown) {
		return
	}
	a := p.all[p.shown[i]]
	row := o.(*fyne.Container)
	left := row.Objects[1].(*fyne.Container)
	icon := left.Objects[0].(*fyne.Container).Objects[0].(*canvas.Image)
	check := left.Objects[1].(*widget.Check)
	detail := row.Objects[0].(*widget.RichText)

	icon.Resource = p.nets.icon(a.Network)
	icon.Refresh()
	name := a.DisplayName
	if name == "" {
		name = a.Handle
	}
	id := a.ID
	check.OnChanged = nil // filling the row is not the person's tick
	check.Text = name
	check.Checked = p.chosen[id]
	check.Refresh()
	words := a.Handle + " · " + p.nets.title(a.Network)
	importance := widget.LowImportance
	switch {
	case p.fixed && !p.chosen[id]:
		words = a.Handle + " · already out: keeps its text"
	case a.State == account.Disconnected:
		words += " · disconnected — its copy will wait until you Update it"
		importance = widget.WarningImportance
	}
	setImportanceText(detail, words, importance)
	if p.fixed {
		check.Disable()
		return
	}
	check.Enable()
	check.OnChanged = func(on bool) {
		if on {
			p.chosen[id] = true
		} else {
			delete(p.chosen, id)
		}
		p.selectionChanged()
	}
}

// setAccounts shows a new list of profiles, keeping the search and the
// selection.
func (p *postTo) setAccounts(list []account.Account) {
	p.all = list
	p.keys = make([]string, len(list))
	nets := map[string]int{}
	for i, a := range list {
		title := p.nets.title(a.Network)
		p.keys[i] = searchKey(a, title)
		nets[a.Network]++
	}
	// One choice per network present, by title.
	p.networkOf = map[string]string{}
	var options []string
	for name, n := range nets {
		option := fmt.Sprintf("All on %s (%d)", p.nets.title(name), n)
		p.networkOf[option] = name
		options = append(options, option)
	}
	slices.Sort(options)
	p.network.SetOptions(options)
	// A list taller than postToRows scrolls inside itself.
	rowH := p.newRow().MinSize().Height + theme.SeparatorThicknessSize()
	p.listBox.Layout = fixedHeight(rowH * float32(min(max(len(list), 1), postToRows)))
	p.refilter()
}

func (p *postTo) onSearchChanged(text string) {
	p.words = strings.Fields(strings.ToLower(text))
	p.refilter()
	p.list.ScrollToTop()
	// Tests of the real window read what the list shows from here.
	p.logger.Debug("compose post to search", "words", len(p.words), "matching", len(p.shown), "of", len(p.all))
}

func (p *postTo) refilter() {
	p.shown = matching(p.keys, p.words, p.shown)
	p.list.Refresh()
	p.updateControls()
}

// onSelectAllMatching ticks every profile the search shows (all of them
// when there is no search).
func (p *postTo) onSelectAllMatching() {
	for _, i := range p.shown {
		p.chosen[p.all[i].ID] = true
	}
	p.list.Refresh()
	p.selectionChanged()
}

// onClearMatching unticks what the search shows, keeping the rest.
func (p *postTo) onClearMatching() {
	for _, i := range p.shown {
		delete(p.chosen, p.all[i].ID)
	}
	p.list.Refresh()
	p.selectionChanged()
}

func (p *postTo) onNetworkChosen(option string) {
	name, ok := p.networkOf[option]
	if !ok {
		return
	}
	for _, a := range p.all {
		if a.Network == name {
			p.chosen[a.ID] = true
		}
	}
	p.network.ClearSelected() // a one-off action, not a state to show
	p.list.Refresh()
	p.selectionChanged()
}

func (p *postTo) selectionChanged() {
	p.updateControls()
	if p.onChanged != nil {
		p.onChanged()
	}
}

// selectedCount counts the chosen profiles that are listed.
func (p *postTo) selectedCount() int {
	n := 0
	for _, a := range p.all {
		if p.chosen[a.ID] {
			n++
		}
	}
	return n
}

// updateControls says how many are selected and shown, and what the
// buttons would do.
func (p *postTo) updateControls() {
	selected := p.selectedCount()
	text := fmt.Sprintf("%s selected", notify.Count(selected))
	if len(p.words) > 0 {
		text += fmt.Sprintf(" · %s of %s profiles match", notify.Count(len(p.shown)), notify.Count(len(p.all)))
	}
	setSecondaryText(p.count, text)
	label, clearLabel := "Select all", "Clear all"
	if len(p.words) > 0 {
		label, clearLabel = fmt.Sprintf("Select all matching (%s)", notify.Count(len(p.shown))), "Clear matching"
	}
	p.selectAll.SetText(label)
	p.clearAll.SetText(clearLabel)
	if len(p.shown) == 0 {
		p.selectAll.Disable()
		p.clearAll.Disable()
	} else {
		p.selectAll.Enable()
		p.clearAll.Enable()
	}
	if p.groups == nil {
		p.groupRow.Hide()
		return
	}
	if !p.fixed {
		p.groupRow.Show()
	}
	if selected == 0 {
		p.saveGroup.Disable()
	} else {
		p.saveGroup.Enable()
	}
	if p.picked == nil {
		p.renameGroup.Disable()
		p.deleteGroup.Disable()
	} else {
		p.renameGroup.Enable()
		p.deleteGroup.Enable()
	}
}

// loadGroups reads the groups; call off the UI goroutine.
func (p *postTo) loadGroups(ctx context.Context) ([]group.Group, error) {
	if p.groups == nil {
		return nil, nil
	}
	return p.groups.Groups(ctx)
}

// showGroups puts the groups in the picker; UI goroutine only.
func (p *postTo) showGroups(list []group.Group, err error) {
	if err != nil {
		p.logger.Warn("compose: groups", "err", err)
		return
	}
	p.known = list
	names := make([]string, len(list))
	for i, g := range list {
		names[i] = fmt.Sprintf("%s (%d)", g.Name, len(g.AccountIDs))
	}
	p.groupSelect.SetOptions(names)
	if p.picked != nil {
		i := slices.IndexFunc(list, func(g group.Group) bool { return g.ID == p.picked.ID })
		if i < 0 {
			p.picked = nil
			p.groupSelect.ClearSelected()
		} else {
			p.picked = &list[i]
			p.groupSelect.Selected = names[i]
			p.groupSelect.Refresh()
		}
	}
	p.updateControls()
}

// onGroupChosen ticks the group's profiles, adding to what is ticked.
func (p *postTo) onGroupChosen(option string) {
	i := slices.Index(p.groupSelect.Options, option)
	if i < 0 || i >= len(p.known) {
		p.picked = nil
		p.updateControls()
		return
	}
	g := p.known[i]
	p.picked = &g
	for _, id := range g.AccountIDs {
		p.chosen[id] = true
	}
	p.list.Refresh()
	p.selectionChanged()
}

// selectedIDs are the chosen profiles that are listed, in list order.
func (p *postTo) selectedIDs() []int64 {
	var ids []int64
	for _, a := range p.all {
		if p.chosen[a.ID] {
			ids = append(ids, a.ID)
		}
	}
	return ids
}

// onSaveGroup asks a name and keeps the selection as a group.
func (p *postTo) onSaveGroup() {
	ids := p.selectedIDs()
	if len(ids) == 0 {
		return
	}
	p.askName("Save as group", fmt.Sprintf("A name for these %s profiles, for example a client's name.", notify.Count(len(ids))), "", func(name string) {
		p.run("The group could not be saved: ", func(ctx context.Context) error {
			g, err := p.groups.CreateGroup(ctx, name, ids)
			if err == nil {
				fyne.Do(func() { p.picked = &g })
			}
			return err
		})
	})
}

func (p *postTo) onRenameGroup() {
	if p.picked == nil {
		return
	}
	g := *p.picked
	p.askName("Rename group", "A new name for "+g.Name+".", g.Name, func(name string) {
		p.run("The group could not be renamed: ", func(ctx context.Context) error {
			return p.groups.RenameGroup(ctx, g.ID, name)
		})
	})
}

func (p *postTo) onDeleteGroup() {
	if p.picked == nil {
		return
	}
	g := *p.picked
	dialog.ShowConfirm("Delete group",
		fmt.Sprintf("Delete the group %s? Its %d profiles stay in SocialOmm and stay ticked here.", g.Name, len(g.AccountIDs)),
		func(ok bool) {
			if !ok {
				return
			}
			p.run("The group could not be deleted: ", func(ctx context.Context) error {
				return p.groups.DeleteGroup(ctx, g.ID)
			})
		}, p.window)
}

// askName asks for a group's name; the dialog refuses an empty one.
func (p *postTo) askName(title, hint, name string, done func(string)) {
	entry := widget.NewEntry()
	entry.SetText(name)
	entry.Validator = func(v string) error {
		_, err := group.CleanName(v)
		return err
	}
	label := widget.NewLabel(hint)
	label.Wrapping = fyne.TextWrapWord
	form := dialog.NewForm(title, "Save", "Cancel", []*widget.FormItem{
		{Widget: label}, widget.NewFormItem("Name", entry),
	}, func(ok bool) {
		if ok {
			done(entry.Text)
		}
	}, p.window)
	form.Resize(fyne.NewSize(420, 200))
	form.Show()
	p.window.Canvas().Focus(entry)
}

// run does a group change off the UI goroutine, then shows the groups
// again, or the error in words.
func (p *postTo) run(failed string, fn func(ctx context.Context) error) {
	p.async(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		err := fn(ctx)
		list, lerr := p.loadGroups(ctx)
		fyne.Do(func() {
			if err != nil {
				dialog.ShowInformation("Groups", failed+plainError(err), p.window)
			}
			p.showGroups(list, lerr)
		})
	})
}

// fixedHeight lays its objects out at a set height and the width given.
type fixedHeight float32

func (h fixedHeight) MinSize(objects []fyne.CanvasObject) fyne.Size {
	w := float32(0)
	for _, o := range objects {
		w = max(w, o.MinSize().Width)
	}
	return fyne.NewSize(w, float32(h))
}

func (h fixedHeight) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}
