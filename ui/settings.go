package ui

import (
	"context"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/socialomm/desktop/core/settings"
)

// settingsBackend is what the Settings window needs.
type settingsBackend interface {
	Get(ctx context.Context, key string) (string, error)
	Set(ctx context.Context, key, value string) error
}

// settingsScreen edits the app-wide settings. Each field is checked as it is
// typed with the same rules the command line uses.
type settingsScreen struct {
	window  fyne.Window
	backend settingsBackend
	content fyne.CanvasObject
	fields  map[string]*widget.Entry
	status  *widget.Label
	save    *widget.Button
	// tabs holds Connections, Email (when given) and Networks.
	tabs     *container.AppTabs
	networks *networksTab
	start    *startSection
	// loaded is closed once the connection settings are on screen.
	loaded     chan struct{}
	loadedOnce sync.Once
}

var generalKeys = []struct{ key, label string }{
	{"lifespan.days", "Connection lifespan (days)"},
	{"expiring.days", "Warn as expiring (days before)"},
	{"check.interval_hours", "Check every (hours)"},
	{"notify.warn_days", "Warning days"},
}

// newSettingsScreen builds the Settings window: the connection settings,
// the email section when one is given, and the networks' app keys.
func newSettingsScreen(w fyne.Window, backend settingsBackend, email fyne.CanvasObject) *settingsScreen {
	s := &settingsScreen{window: w, backend: backend, fields: map[string]*widget.Entry{}, loaded: make(chan struct{})}
	form := widget.NewForm()
	for _, k := range generalKeys {
		def, _ := settings.Lookup(k.key)
		e := widget.NewEntry()
		e.Validator = func(v string) error { _, err := def.Normalize(v); return err }
		e.OnChanged = func(string) { s.onFieldChanged() }
		s.fields[k.key] = e
		item := widget.NewFormItem(k.label, e)
		item.HintText = def.Help
		form.AppendItem(item)
	}
	s.status = widget.NewLabel("")
	s.save = widget.NewButton("Save", s.onSave)
	s.save.Importance = widget.HighImportance
	heading := widget.NewLabelWithStyle("Connections", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.start = newStartSection(w, backend)
	general := container.NewBorder(nil, container.NewPadded(container.NewBorder(nil, nil, nil, s.save, s.status)), nil, nil,
		container.NewVScroll(container.NewPadded(container.NewVBox(heading, form, widget.NewSeparator(), s.start.content))))
	tabs := []*container.TabItem{container.NewTabItem("Connections", general)}
	if email != nil {
		tabs = append(tabs, container.NewTabItem("Email", email))
	}
	s.networks = newNetworksTab(w, backend)
	tabs = append(tabs, container.NewTabItem("Networks", s.networks))
	s.tabs = container.NewAppTabs(tabs...)
	s.content = s.tabs
	s.load()
	return s
}

// showNetworkSection selects Networks and the network's section in a Settings
// window's content.
func showNetworkSection(content fyne.CanvasObject, network string) bool {
	tabs, ok := content.(*container.AppTabs)
	if !ok {
		return false
	}
	for _, item := range tabs.Items {
		if n, ok := item.Content.(*networksTab); ok {
			tabs.Select(item)
			n.show(network)
			return true
		}
	}
	return false
}

func (s *settingsScreen) load() {
	s.save.Disable()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		values := map[string]string{}
		for key := range s.fields {
			v, _ := s.backend.Get(ctx, key)
			values[key] = v
		}
		showNetworks := s.networks.fetch(ctx)
		showStart := s.start.fetch(ctx)
		fyne.Do(func() {
			showNetworks()
			showStart()
			for key, v := range values {
				s.fields[key].SetText(v)
			}
			s.status.SetText("")
			s.save.Disable()
			s.loadedOnce.Do(func() { close(s.loaded) })
		})
	}()
}

func (s *settingsScreen) onFieldChanged() {
	for _, e := range s.fields {
		if e.Validate() != nil {
			s.save.Disable()
			s.status.SetText("Fix the highlighted field to save.")
			return
		}
	}
	s.status.SetText("")
	s.save.Enable()
}

func (s *settingsScreen) onSave() {
	values := map[string]string{}
	for key, e := range s.fields {
		values[key] = e.Text
	}
	s.save.Disable()
	s.status.SetText("Saving…")
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for _, k := range generalKeys {
			if err := s.backend.Set(ctx, k.key, values[k.key]); err != nil {
				fyne.Do(func() { s.status.SetText("Not saved: " + err.Error()); s.save.Enable() })
				return
			}
		}
		fyne.Do(func() { s.status.SetText("Saved.") })
	}()
}
