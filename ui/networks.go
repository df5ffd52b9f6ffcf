package ui

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/core/settings"
)

// networksTab is Settings → Networks: a section for each network that
// needs the person's own app keys (X, LinkedIn, Facebook Pages, Instagram,
// Threads), with its client id, its secret (kept in the keyring, never
// shown), the redirect URI to register, a link to the network's developer
// page and what a connection with it is like.
type networksTab struct {
	widget.BaseWidget
	window   fyne.Window
	backend  settingsBackend
	nets     networks
	tabs     *container.AppTabs
	sections map[string]*networkSection
	order    []string
	// afterWork is told when a background load or save has shown its
	// result (tests wait on it); loaded is closed after the first load.
	afterWork  func()
	loaded     chan struct{}
	loadedOnce sync.Once
}

// networkSection is one network's part of the tab.
type networkSection struct {
	tab  *networksTab
	info core.NetworkInfo

	state    *widget.Label
	id       *widget.Entry
	secret   *widget.Entry
	forget   *widget.Button
	redirect *widget.Label
	copy     *widget.Button
	save     *widget.Button
	status   *widget.Label
	content  fyne.CanvasObject

	loadedID  string
	secretSet bool
	busy      bool
}

func newNetworksTab(w fyne.Window, backend settingsBackend) *networksTab {
	t := &networksTab{window: w, backend: backend, nets: networksOf(backend), sections: map[string]*networkSection{}, loaded: make(chan struct{})}
	var items []*container.TabItem
	for _, info := range core.KeyedNetworks() {
		s := t.buildSection(info)
		t.sections[info.Name] = s
		t.order = append(t.order, info.Name)
		items = append(items, container.NewTabItemWithIcon(info.Title, t.nets.icon(info.Name), s.content))
	}
	t.tabs = container.NewAppTabs(items...)
	t.tabs.SetTabLocation(container.TabLocationLeading)
	t.ExtendBaseWidget(t)
	return t
}

func (t *networksTab) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(t.tabs)
}

// show selects a network's section.
func (t *networksTab) show(network string) {
	for i, n := range t.order {
		if n == network {
			t.tabs.SelectIndex(i)
			return
		}
	}
}

func (t *networksTab) done() {
	if t.afterWork != nil {
		t.afterWork()
	}
}

func (t *networksTab) buildSection(info core.NetworkInfo) *networkSection {
	s := &networkSection{tab: t, info: info}
	title := widget.NewLabelWithStyle(info.Title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	s.state = widget.NewLabel("")
	s.state.Wrapping = fyne.TextWrapWord

	setup := widget.NewLabel(info.Setup)
	setup.Wrapping = fyne.TextWrapWord
	portal, _ := url.Parse(info.PortalURL)
	link := widget.NewHyperlink("Open the "+portalName(info)+" developer page", portal)

	def, _ := settings.Lookup(info.IDKey)
	s.id = widget.NewEntry()
	s.id.SetPlaceHolder("Paste the " + info.IDLabel)
	s.id.Validator = func(v string) error {
		if strings.TrimSpace(v) == "" {
			return nil // not set yet: nothing to save, not an error to shout
		}
		_, err := def.Normalize(v)
		return err
	}
	s.id.OnChanged = func(string) { s.onFieldChanged() }
	s.secret = widget.NewPasswordEntry()
	s.secret.OnChanged = func(string) { s.onFieldChanged() }
	s.forget = widget.NewButton("Forget", s.onForget)
	s.forget.Disable()

	s.redirect = widget.NewLabelWithStyle(info.DefaultRedirectURI, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	s.redirect.Selectable = true
	s.redirect.Truncation = fyne.TextTruncateEllipsis
	s.copy = widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), s.onCopy)

	form := widget.NewForm()
	idItem := widget.NewFormItem(info.IDLabel, s.id)
	idItem.HintText = "From your app on the developer page."
	form.AppendItem(idItem)
	secretItem := widget.NewFormItem(secretLabel(info), container.NewBorder(nil, nil, nil, s.forget, s.secret))
	secretItem.HintText = "Kept in the system keyring only."
	if !info.NeedsSecret {
		secretItem.HintText = "Only for a Web App type; kept in the keyring."
	}
	form.AppendItem(secretItem)
	redirectItem := widget.NewFormItem("Redirect URI", container.NewBorder(nil, nil, nil, s.copy, s.redirect))
	redirectItem.HintText = "Register exactly this address with your app."
	form.AppendItem(redirectItem)
	var pasteNote fyne.CanvasObject
	if !info.Loopback {
		l := newSecondaryText("Meta sends the sign-in only to an https address, not back to SocialOmm: after you sign in, "+
			"the browser ends on the redirect URI (a page that does not load), and you copy that address into SocialOmm.",
			fyne.TextAlignLeading, fyne.TextStyle{})
		l.Wrapping = fyne.TextWrapWord
		pasteNote = l
	}

	lifeHeading := widget.NewLabelWithStyle("Connection life", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	life := widget.NewLabel(info.Life)
	life.Wrapping = fyne.TextWrapWord

	s.save = widget.NewButton("Save", s.onSave)
	s.save.Importance = widget.HighImportance
	s.save.Disable()
	s.status = widget.NewLabel("")
	s.status.Wrapping = fyne.TextWrapWord

	parts := []fyne.CanvasObject{
		container.NewBorder(nil, nil, container.NewCenter(iconBox(t.nets.icon(info.Name))), nil, title),
		s.state,
	}
	if info.Note != "" {
		// Said before anything is set up: it may change the person's mind.
		note := widget.NewLabel(info.Note)
		note.Wrapping = fyne.TextWrapWord
		note.Importance = widget.WarningImportance
		parts = append(parts, note)
	}
	parts = append(parts, setup, link, form)
	if pasteNote != nil {
		parts = append(parts, pasteNote)
	}
	parts = append(parts,
		container.NewBorder(nil, nil, nil, s.save, s.status),
		widget.NewSeparator(), lifeHeading, life,
	)
	s.content = container.NewVScroll(container.NewPadded(container.NewVBox(parts...)))
	return s
}

// iconBox is a network's icon at heading size.
func iconBox(res fyne.Resource) fyne.CanvasObject {
	icon := widget.NewIcon(res)
	return container.NewGridWrap(fyne.NewSquareSize(28), icon)
}

func portalName(info core.NetworkInfo) string { return info.PortalName }

func secretLabel(info core.NetworkInfo) string {
	if i := strings.Index(info.SecretLabel, " ("); i > 0 {
		return info.SecretLabel[:i]
	}
	return info.SecretLabel
}

// load reads every section's values off the UI goroutine and shows them.
func (t *networksTab) load() {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		fyne.Do(t.fetch(ctx))
	}()
}

// fetch reads every section's values (off the UI goroutine) and returns
// what shows them (on it).
func (t *networksTab) fetch(ctx context.Context) func() {
	type values struct {
		id, secret, redirect string
		err                  error
	}
	got := map[string]values{}
	for _, info := range core.KeyedNetworks() {
		var v values
		var errs []error
		var err error
		v.id, err = t.backend.Get(ctx, info.IDKey)
		errs = append(errs, err)
		v.secret, err = t.backend.Get(ctx, info.SecretKey)
		errs = append(errs, err)
		if info.RedirectKey != "" {
			v.redirect, err = t.backend.Get(ctx, info.RedirectKey)
			errs = append(errs, err)
		}
		v.err = errors.Join(errs...)
		got[info.Name] = v
	}
	return func() {
		for name, v := range got {
			s := t.sections[name]
			s.loadedID = v.id
			s.id.SetText(v.id)
			s.setSecretSet(v.secret != "")
			if v.redirect != "" {
				s.redirect.SetText(v.redirect)
			}
			s.status.SetText("")
			if v.err != nil {
				s.status.SetText("Some settings could not be read: " + v.err.Error())
			}
			s.showState()
			s.onFieldChanged()
		}
		t.loadedOnce.Do(func() { close(t.loaded) })
		t.done()
	}
}

func (s *networkSection) setSecretSet(set bool) {
	s.secretSet = set
	s.secret.SetText("")
	if set {
		s.secret.SetPlaceHolder(settings.SecretMask)
		s.forget.Enable()
		return
	}
	s.secret.SetPlaceHolder("")
	if s.info.NeedsSecret {
		s.secret.SetPlaceHolder("Paste the " + secretLabel(s.info))
	}
	s.forget.Disable()
}

// ready reports whether the saved keys let the network connect.
func (s *networkSection) ready() bool {
	return strings.TrimSpace(s.loadedID) != "" && (!s.info.NeedsSecret || s.secretSet)
}

// showState says whether the network is set up, and what is missing.
func (s *networkSection) showState() {
	if s.ready() {
		s.state.SetText("Ready: choose Connect account → " + s.info.Title + " in the Accounts window.")
		s.state.Importance = widget.SuccessImportance
		s.state.Refresh()
		return
	}
	var missing []string
	if strings.TrimSpace(s.loadedID) == "" {
		missing = append(missing, "the "+s.info.IDLabel)
	}
	if s.info.NeedsSecret && !s.secretSet {
		missing = append(missing, "the "+secretLabel(s.info))
	}
	s.state.SetText("Needs setup: " + s.info.Title + " connects with your own app. Add " + strings.Join(missing, " and ") +
		" from the developer page below, and register the redirect URI there.")
	s.state.Importance = widget.WarningImportance
	s.state.Refresh()
}

func (s *networkSection) changed() bool {
	return strings.TrimSpace(s.id.Text) != s.loadedID || s.secret.Text != ""
}

func (s *networkSection) onFieldChanged() {
	if s.busy {
		return
	}
	if err := s.id.Validate(); err != nil {
		s.save.Disable()
		s.status.SetText("Fix the " + s.info.IDLabel + ": it " + err.Error() + ".")
		return
	}
	if strings.HasPrefix(s.status.Text, "Fix the ") {
		s.status.SetText("")
	}
	if s.changed() {
		s.save.Enable()
	} else {
		s.save.Disable()
	}
}

func (s *networkSection) onSave() {
	if s.id.Validate() != nil || !s.changed() {
		return
	}
	id, secret := strings.TrimSpace(s.id.Text), s.secret.Text
	idChanged := id != s.loadedID
	s.busy = true
	s.save.Disable()
	s.status.SetText("Saving…")
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var err error
		switch {
		case idChanged && id == "":
			err = errors.New("the " + s.info.IDLabel + " cannot be emptied; type your app's")
		case idChanged:
			err = s.tab.backend.Set(ctx, s.info.IDKey, id)
		}
		if err == nil && secret != "" {
			err = s.tab.backend.Set(ctx, s.info.SecretKey, secret)
		}
		fyne.Do(func() {
			s.busy = false
			if err != nil {
				s.status.SetText("Not saved: " + err.Error())
				s.onFieldChanged()
				s.tab.done()
				return
			}
			s.loadedID = id
			if secret != "" {
				s.setSecretSet(true)
			}
			s.status.SetText("Saved.")
			s.showState()
			s.onFieldChanged()
			s.tab.done()
		})
	}()
}

func (s *networkSection) onForget() {
	s.busy = true
	s.forget.Disable()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := s.tab.backend.Set(ctx, s.info.SecretKey, "")
		fyne.Do(func() {
			s.busy = false
			if err != nil {
				s.status.SetText("Could not forget the secret: " + err.Error())
				s.forget.Enable()
			} else {
				s.setSecretSet(false)
				s.status.SetText("The secret was removed from the keyring.")
				s.showState()
			}
			s.onFieldChanged()
			s.tab.done()
		})
	}()
}

func (s *networkSection) onCopy() {
	fyne.CurrentApp().Clipboard().SetContent(s.redirect.Text)
	s.status.SetText("The redirect URI was copied.")
}
