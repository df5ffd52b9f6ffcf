package ui

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/expiry"
)

// accountRow is one line of the Accounts list. Rows are recycled by the
// list, so set must overwrite every field.
type accountRow struct {
	widget.BaseWidget
	screen  *accountsScreen
	account account.Account

	network *canvas.Image
	avatar  *canvas.Image
	name    *widget.Label
	handle  *widget.RichText
	state   *canvas.Text
	expires *widget.Label
	// mark says the last check could not ask the network; the countdown
	// stays, and the detail has the words.
	mark *widget.Icon
	more *widget.Button
}

func newAccountRow(s *accountsScreen) *accountRow {
	r := &accountRow{screen: s}
	r.network = canvas.NewImageFromResource(nil)
	r.network.FillMode = canvas.ImageFillContain
	r.network.SetMinSize(fyne.NewSquareSize(22))
	r.avatar = canvas.NewImageFromResource(avatarPlaceholder)
	r.avatar.FillMode = canvas.ImageFillContain
	r.avatar.SetMinSize(fyne.NewSquareSize(40))
	r.name = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	r.name.Truncation = fyne.TextTruncateEllipsis
	r.handle = newSecondaryText("", fyne.TextAlignLeading, fyne.TextStyle{})
	r.handle.Truncation = fyne.TextTruncateEllipsis
	r.state = canvas.NewText("", theme.Color(theme.ColorNameSuccess))
	r.state.TextStyle = fyne.TextStyle{Bold: true}
	r.state.Alignment = fyne.TextAlignTrailing
	r.expires = widget.NewLabelWithStyle("", fyne.TextAlignTrailing, fyne.TextStyle{})
	r.expires.Truncation = fyne.TextTruncateEllipsis
	r.mark = newTroubleMark()
	r.more = widget.NewButtonWithIcon("", theme.MoreHorizontalIcon(), r.showMenu)
	r.more.Importance = widget.LowImportance
	r.ExtendBaseWidget(r)
	s.rows = append(s.rows, r)
	return r
}

func (r *accountRow) CreateRenderer() fyne.WidgetRenderer {
	who := container.NewVBox(r.name, r.handle)
	status := container.NewVBox(container.NewPadded(r.state), r.expires)
	left := container.NewHBox(container.NewCenter(r.network), container.NewCenter(r.avatar))
	right := container.NewHBox(container.NewGridWrap(fyne.NewSize(260, status.MinSize().Height), status), troubleSlot(r.mark), container.NewCenter(r.more))
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil, left, right, who, layout.NewSpacer()))
}

func (r *accountRow) set(a account.Account, now time.Time) {
	r.account = a
	r.network.Resource = r.screen.nets.icon(a.Network)
	r.network.Refresh()
	if res := r.screen.avatar(a); r.avatar.Resource != res {
		r.avatar.Resource = res
		r.avatar.Refresh()
	}
	name := a.DisplayName
	if name == "" {
		name = a.Handle
	}
	r.name.SetText(name)
	setSecondaryText(r.handle, a.Handle+" · "+r.screen.nets.title(a.Network))
	text, colour := stateText(a)
	r.state.Text, r.state.Color = text, theme.Color(colour)
	r.state.Refresh()
	r.expires.SetText(expiryLine(a, now))
	showTroubleMark(r.mark, a)
	r.screen.countdownShown(a)
}

// stateText is the row's state as a person reads it, with its colour.
func stateText(a account.Account) (string, fyne.ThemeColorName) {
	switch a.State {
	case account.Expiring:
		return "Expiring soon", theme.ColorNameWarning
	case account.Disconnected:
		switch a.Reason {
		case account.ReasonExpired:
			return "Expired — needs Update", theme.ColorNameError
		case account.ReasonPasswordChanged:
			return "Password changed — needs Update", theme.ColorNameError
		case account.ReasonRevoked:
			return "Access removed — needs Update", theme.ColorNameError
		case account.ReasonScopeLost:
			return "Permissions lost — needs Update", theme.ColorNameError
		}
		return "Disconnected — needs Update", theme.ColorNameError
	case account.Checking:
		// The foreground: no blue reads both as text on the dark
		// background and under white text on a button.
		return "Checking…", theme.ColorNameForeground
	}
	return "Connected", theme.ColorNameSuccess
}

// expiryLine is "Expires in 23 days (4 Mar 2027)", also for a connection
// the network could not be asked about (the countdown is the product; the
// trouble is the row's mark and the connectivity banner).
func expiryLine(a account.Account, now time.Time) string {
	if a.State == account.Disconnected && a.Reason != account.ReasonExpired {
		// The expiry no longer matters: say why access ended.
		if why := a.Reason.Short(); why != "" {
			return why
		}
		return "SocialOmm's access no longer works."
	}
	line := expiry.Describe(now, a.ExpiresAt)
	if date := expiry.ShortDate(a.ExpiresAt, time.Local); date != "" {
		line += " (" + date + ")"
	}
	return line
}

// ago is "3 hours ago", "just now".
func ago(now, then time.Time) string {
	words := expiry.Describe(now, &then) // "Expired 3 hours ago"
	return strings.TrimPrefix(strings.Replace(words, "Expired ", "", 1), "Expires in ")
}

func (r *accountRow) showMenu() {
	a := r.account
	menu := fyne.NewMenu("",
		fyne.NewMenuItemWithIcon("Update", theme.ViewRefreshIcon(), func() { r.screen.onUpdate(a) }),
		fyne.NewMenuItemWithIcon("Check now", theme.ConfirmIcon(), func() { r.screen.onCheck(a) }),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItemWithIcon("Remove…", theme.DeleteIcon(), func() { r.screen.onRemove(a) }),
	)
	c := fyne.CurrentApp().Driver().CanvasForObject(r.more)
	if c == nil {
		return
	}
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(r.more).Add(fyne.NewPos(0, r.more.Size().Height))
	widget.ShowPopUpMenuAtPosition(menu, c, pos)
}
