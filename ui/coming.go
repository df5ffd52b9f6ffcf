package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

type comingText struct {
	icon        func() fyne.Resource // theme icons need a running app, so looked up late
	title, body string
}

var (
	composeComing = comingText{theme.DocumentCreateIcon, "Compose is on its way",
		"Soon you will write a post here, pick the profiles it goes to, and send it now or schedule it for later."}
	queueComing = comingText{theme.ListIcon, "The queue is on its way",
		"Soon every scheduled post will be listed here with what happened to it on each network."}
)

// comingSoon fills a window whose screen is not built yet, saying what it
// will do.
func comingSoon(t comingText) fyne.CanvasObject {
	icon := widget.NewIcon(t.icon())
	title := widget.NewLabelWithStyle(t.title, fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	body := widget.NewLabelWithStyle(t.body, fyne.TextAlignCenter, fyne.TextStyle{})
	body.Wrapping = fyne.TextWrapWord
	column := container.NewVBox(container.NewCenter(container.NewGridWrap(fyne.NewSquareSize(64), icon)), title, body)
	return container.NewCenter(container.NewGridWrap(fyne.NewSize(420, column.MinSize().Height+40), column))
}
