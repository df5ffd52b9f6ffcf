package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// ShowStartupError tells a person who started SocialOmm from their desktop
// why it cannot start (a damaged database, one from a newer version, another
// SocialOmm that does not answer), since nobody reads standard error there.
// It returns when the window is closed.
func ShowStartupError(message string) {
	a := app.NewWithID(AppID)
	a.SetIcon(appIcon)
	w := a.NewWindow("SocialOmm cannot start")
	heading := widget.NewLabelWithStyle("SocialOmm cannot start", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	heading.SizeName = theme.SizeNameSubHeadingText
	text := widget.NewLabel(message)
	text.Wrapping = fyne.TextWrapWord
	quit := widget.NewButton("Quit", a.Quit)
	quit.Importance = widget.HighImportance
	w.SetContent(container.NewPadded(container.NewBorder(
		container.NewHBox(widget.NewIcon(theme.ErrorIcon()), heading), container.NewHBox(layout.NewSpacer(), quit), nil, nil, text)))
	w.Resize(fyne.NewSize(560, 240))
	w.ShowAndRun()
}
