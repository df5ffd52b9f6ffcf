package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// appTheme is Fyne's own theme with the colours text is drawn in made
// readable: every text of the Accounts window reaches WCAG AA (4.5:1)
// against what it is drawn on, plain, hovered or selected, in the dark and
// the light variant (contrast_test.go measures it from the window itself).
// Fyne's own colours miss in places: its light variant draws green, orange
// and red text at 1.5 to 3.7:1 on white and its placeholder grey at 3.5:1;
// white on its blue button is 4.47:1; and its dark red is 3.8:1 on a
// selected row.
type appTheme struct{ fyne.Theme }

func newAppTheme() fyne.Theme { return appTheme{Theme: theme.DefaultTheme()} }

func (t appTheme) Color(name fyne.ThemeColorName, variant fyne.ThemeVariant) color.Color {
	if c, ok := readableColor(name, variant); ok {
		return c
	}
	return t.Theme.Color(name, variant)
}

// readableColor is the app's colour for a name where Fyne's does not read.
// The dark variant keeps Fyne's colours but a slightly lighter red (still
// the red and the banner tint the window tests look for).
func readableColor(name fyne.ThemeColorName, variant fyne.ThemeVariant) (color.Color, bool) {
	switch name {
	case theme.ColorNamePrimary:
		// Takes white text (foregroundOnPrimary) at 4.9:1, in both variants.
		return color.NRGBA{R: 0x23, G: 0x68, B: 0xec, A: 0xff}, true
	case theme.ColorNameError:
		if variant == theme.VariantLight {
			return color.NRGBA{R: 0xb3, G: 0x26, B: 0x1e, A: 0xff}, true
		}
		return color.NRGBA{R: 0xff, G: 0x5f, B: 0x56, A: 0xff}, true
	}
	if variant != theme.VariantLight {
		return nil, false
	}
	switch name {
	case theme.ColorNameSuccess:
		return color.NRGBA{R: 0x17, G: 0x6b, B: 0x27, A: 0xff}, true
	case theme.ColorNameWarning:
		return color.NRGBA{R: 0x8a, G: 0x4b, B: 0x00, A: 0xff}, true
	case theme.ColorNamePlaceHolder:
		return color.NRGBA{R: 0x5a, G: 0x5a, B: 0x5a, A: 0xff}, true
	}
	return nil, false
}

// secondaryColor is the colour of text that says less than what is beside
// it (a handle, a count, a hint). Fyne's LowImportance label draws in the
// disabled colour, 1.55:1 on the dark background: never use it for text
// someone has to read.
const secondaryColor = theme.ColorNamePlaceHolder

// newSecondaryText is a line of secondary text.
func newSecondaryText(text string, align fyne.TextAlign, style fyne.TextStyle) *widget.RichText {
	return widget.NewRichText(&widget.TextSegment{Text: text, Style: widget.RichTextStyle{
		Alignment: align, ColorName: secondaryColor, TextStyle: style,
	}})
}

// setSecondaryText changes a secondary text's words.
func setSecondaryText(t *widget.RichText, text string) {
	seg := t.Segments[0].(*widget.TextSegment)
	if seg.Text == text {
		return
	}
	seg.Text = text
	t.Refresh()
}
