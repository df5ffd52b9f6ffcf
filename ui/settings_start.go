package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// Keys of the settings the start section edits; core owns their meaning.
const (
	autostartKey      = "app.autostart"
	calendarFolderKey = "calendar.folder"

	autostartLabel   = "Start SocialOmm when I log in"
	autostartHint    = "It starts in the system tray, without a window; where the desktop has no tray, the window shows."
	noCalendarText   = "No calendar file is kept."
	calendarHintText = "SocialOmm keeps socialomm-connections.ics in this folder up to date: one event per profile on the day its connection ends, with alarms on the warning days. Calendar apps can subscribe to it."
)

// startSection is Settings' "Start and calendar" part: starting at login
// and the kept expiry calendar. Each change applies at once, off the UI
// goroutine, and the widgets then show what really holds (the autostart
// entry's presence, the folder saved).
type startSection struct {
	window  fyne.Window
	backend settingsBackend
	content fyne.CanvasObject

	autostart *widget.Check
	folder    *widget.Label
	choose    *widget.Button
	stop      *widget.Button
	status    *widget.Label
	// showing is set while values read back are put on screen, so the
	// check's OnChanged knows the person did not tick it.
	showing bool
}

func newStartSection(w fyne.Window, backend settingsBackend) *startSection {
	s := &startSection{window: w, backend: backend}
	s.autostart = widget.NewCheck(autostartLabel, s.onAutostartChanged)
	s.folder = widget.NewLabel(noCalendarText)
	s.folder.Wrapping = fyne.TextWrapBreak
	s.choose = widget.NewButton("Choose folder…", s.onChooseFolder)
	s.stop = widget.NewButton("Stop keeping it", func() { s.setFolder("") })
	s.status = widget.NewLabel("")
	s.status.Wrapping = fyne.TextWrapWord
	hint := func(text string) fyne.CanvasObject {
		l := newSecondaryText(text, fyne.TextAlignLeading, fyne.TextStyle{})
		l.Wrapping = fyne.TextWrapWord
		return l
	}
	bold := fyne.TextStyle{Bold: true}
	s.content = container.NewVBox(
		widget.NewLabelWithStyle("When you log in", fyne.TextAlignLeading, bold),
		s.autostart,
		hint(autostartHint),
		widget.NewLabelWithStyle("Expiry calendar", fyne.TextAlignLeading, bold),
		container.NewBorder(nil, nil, nil, container.NewHBox(s.choose, s.stop), s.folder),
		hint(calendarHintText),
		s.status,
	)
	s.autostart.Disable()
	s.choose.Disable()
	s.stop.Disable()
	return s
}

// fetch reads the values off the UI goroutine; the returned func shows
// them and must run on the UI goroutine.
func (s *startSection) fetch(ctx context.Context) func() {
	autostart, autoErr := s.backend.Get(ctx, autostartKey)
	folder, _ := s.backend.Get(ctx, calendarFolderKey)
	return func() {
		s.show(autostart, folder)
		if autoErr != nil {
			s.status.SetText("Could not read whether SocialOmm starts at login: " + autoErr.Error())
		}
	}
}

func (s *startSection) show(autostart, folder string) {
	s.showing = true
	s.autostart.SetChecked(autostart == "on")
	s.showing = false
	s.autostart.Enable()
	s.choose.Enable()
	if folder == "" {
		s.folder.SetText(noCalendarText)
		s.stop.Disable()
	} else {
		s.folder.SetText(folder)
		s.stop.Enable()
	}
}

func (s *startSection) onAutostartChanged(on bool) {
	if s.showing {
		return
	}
	value, done := "off", "SocialOmm will no longer start when you log in."
	if on {
		value, done = "on", "SocialOmm will start in the tray when you log in."
	}
	s.apply(autostartKey, value, done)
}

func (s *startSection) onChooseFolder() {
	dialog.ShowFolderOpen(func(dir fyne.ListableURI, err error) {
		if err != nil {
			s.status.SetText("Could not open that folder: " + err.Error())
			return
		}
		if dir == nil {
			return
		}
		s.setFolder(dir.Path())
	}, s.window)
}

func (s *startSection) setFolder(folder string) {
	done := "The calendar is written and kept up to date."
	if folder == "" {
		done = "The calendar file is no longer kept up to date (the last one stays where it is)."
	}
	s.apply(calendarFolderKey, folder, done)
}

// apply saves a value off the UI goroutine, then shows what holds now.
func (s *startSection) apply(key, value, done string) {
	s.autostart.Disable()
	s.choose.Disable()
	s.stop.Disable()
	s.status.SetText("Saving…")
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := s.backend.Set(ctx, key, value)
		show := s.fetch(ctx)
		fyne.Do(func() {
			show()
			if err != nil {
				s.status.SetText("Not saved: " + err.Error())
				return
			}
			s.status.SetText(done)
		})
	}()
}
