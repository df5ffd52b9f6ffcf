// Command benchbare is the floor `make bench` measures SocialOmm against: a
// bare Fyne window from the same toolkit version (go.mod's), holding one
// label, at the Accounts window's size. It opens no database, keyring or
// network.
//
// Once the label is set and the window shown it prints Marker on standard
// error from the UI goroutine, through fyne.Do from a goroutine started
// right after Show, which is the same path the app takes to log "accounts
// window shows profiles" when its first list went in before Show
// (ui/accounts.go showWindow -> announce). scripts/bench.sh times exec to
// that line, reads its peak RSS and its CPU time while idle.
package main

import (
	"fmt"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

// Title is the window title; Marker the line printed once it shows content.
const (
	Title  = "SocialOmm bench — bare window"
	Marker = "bare window shows content"
)

func main() {
	a := app.NewWithID("app.socialomm.desktop.benchbare")
	w := a.NewWindow(Title)
	w.SetContent(widget.NewLabel("A bare Fyne window: the floor SocialOmm's Accounts window is measured against."))
	w.Resize(fyne.NewSize(880, 600))
	w.Show()
	go fyne.Do(func() { fmt.Fprintln(os.Stderr, Marker) })
	a.Run()
}
