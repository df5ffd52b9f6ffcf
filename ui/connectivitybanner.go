package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/socialomm/desktop/core/account"
)

// newTroubleMark is the row's mark for a check that could not ask the
// network: the warning icon, drawn in the theme's warning colour, which
// reads on both the light and the dark background.
func newTroubleMark() *widget.Icon {
	m := widget.NewIcon(theme.NewWarningThemedResource(theme.WarningIcon()))
	m.Hide()
	return m
}

// troubleSlot keeps the mark's place whether it shows or not, so rows with
// and without it line up.
func troubleSlot(mark *widget.Icon) fyne.CanvasObject {
	return container.NewGridWrap(fyne.NewSquareSize(theme.IconInlineSize()), mark)
}

func showTroubleMark(mark *widget.Icon, a account.Account) {
	if checkTrouble(a) {
		mark.Show()
	} else {
		mark.Hide()
	}
}

// newConnectivityBanner is the one strip that says which networks could
// not be reached; wrapped, so it never widens the window.
func newConnectivityBanner() (*fyne.Container, *widget.Label) {
	text := widget.NewLabel("")
	text.Wrapping = fyne.TextWrapWord
	b := banner(theme.ColorNameWarning, theme.NewWarningThemedResource(theme.WarningIcon()), text)
	b.Hide()
	return b, text
}

// showConnectivity fills the connectivity banner from the loaded accounts.
func (s *accountsScreen) showConnectivity() {
	text := s.connectivityLine(s.backend.Now())
	if text == "" {
		s.connectivity.Hide()
		return
	}
	s.connectivityText.SetText(text)
	s.connectivity.Show()
	s.log.Debug("connectivity banner shown", "text", text)
}

// fillAttentionButtons puts at most maxBannerButtons Update buttons in the
// attention banner and the rest behind "and N more", which filters the
// list to those needing attention: the banner never widens the window.
func (s *accountsScreen) fillAttentionButtons(needing []account.Account, total int) {
	shown, more := bannerButtons(needing, total-len(needing))
	// Update all takes the place of the second button, so the banner
	// holds as many buttons as without it.
	updateAll := s.onUpdateAll != nil && len(needing) > 1
	if updateAll && len(shown) > 1 {
		more += len(shown) - 1
		shown = shown[:1]
	}
	s.attentionButtons.Objects = nil
	for i, a := range shown {
		b := widget.NewButtonWithIcon("Update "+shortName(a), theme.ViewRefreshIcon(), func() { s.onUpdate(a) })
		if i == 0 {
			b.Importance = widget.HighImportance
		}
		s.attentionButtons.Objects = append(s.attentionButtons.Objects, b)
	}
	if more > 0 {
		b := widget.NewButton(moreText(more), func() { s.filter.SetSelected(filterAttention) })
		b.Importance = widget.LowImportance
		s.attentionButtons.Objects = append(s.attentionButtons.Objects, b)
	}
	if updateAll {
		s.attentionButtons.Objects = append(s.attentionButtons.Objects,
			widget.NewButtonWithIcon("Update all", theme.ViewRefreshIcon(), s.onUpdateAll))
	}
	s.attentionButtons.Refresh()
}

// widthFree holds content that asks for no width of its own: the window's
// minimum width stays what the header needs, whatever the banner holds.
func widthFree(content fyne.CanvasObject) *fyne.Container {
	return container.New(widthFreeLayout{}, content)
}

type widthFreeLayout struct{}

func (widthFreeLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objects {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(0, h)
}

func (widthFreeLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}
