package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// importanceColor is the colour a Label of that importance draws in, but
// LowImportance is the secondary colour: Fyne draws a LowImportance label
// in its disabled grey (1.55:1 on the dark background), too faint to read.
func importanceColor(i widget.Importance) fyne.ThemeColorName {
	switch i {
	case widget.LowImportance:
		return secondaryColor
	case widget.HighImportance:
		return theme.ColorNamePrimary
	case widget.DangerImportance:
		return theme.ColorNameError
	case widget.WarningImportance:
		return theme.ColorNameWarning
	case widget.SuccessImportance:
		return theme.ColorNameSuccess
	}
	return theme.ColorNameForeground
}

// newImportanceText is a line drawn like a Label of that importance, with
// LowImportance readable (see importanceColor).
func newImportanceText(text string, i widget.Importance, align fyne.TextAlign, style fyne.TextStyle) *widget.RichText {
	return widget.NewRichText(&widget.TextSegment{Text: text, Style: widget.RichTextStyle{
		Alignment: align, ColorName: importanceColor(i), Inline: true, TextStyle: style,
	}})
}

// setImportanceText changes such a line's words and importance.
func setImportanceText(t *widget.RichText, text string, i widget.Importance) {
	seg := t.Segments[0].(*widget.TextSegment)
	c := importanceColor(i)
	if seg.Text == text && seg.Style.ColorName == c {
		return
	}
	seg.Text, seg.Style.ColorName = text, c
	t.Refresh()
}

// textOf is the words of a line made by newImportanceText or
// newSecondaryText.
func textOf(t *widget.RichText) string { return t.Segments[0].(*widget.TextSegment).Text }
