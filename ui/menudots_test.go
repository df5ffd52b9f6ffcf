package ui

import (
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

// The ⋯ dots look like the theme's "more" icon (three foreground dots in a
// row, centred), light up under the pointer, and open the menu on a tap.
func TestMenuDotsDrawHoverAndTap(t *testing.T) {
	a := test.NewTempApp(t)
	tapped := 0
	m := newMenuDots(func() { tapped++ })
	w := a.NewWindow("dots")
	w.SetContent(m)
	w.Resize(fyne.NewSize(36, 30))
	m.Resize(fyne.NewSize(36, 30))

	r := test.WidgetRenderer(m).(*menuDotsRenderer)
	fg := theme.Color(theme.ColorNameForeground)
	var lastX float32
	for i, d := range r.dot {
		if d.FillColor != fg {
			t.Errorf("dot %d is %v, want the foreground %v", i, d.FillColor, fg)
		}
		centreX := d.Position().X + d.Size().Width/2
		centreY := d.Position().Y + d.Size().Height/2
		if i > 0 && centreX <= lastX {
			t.Errorf("dot %d at x %v is not right of the one before (%v)", i, centreX, lastX)
		}
		if centreY != 15 {
			t.Errorf("dot %d is centred at y %v, want 15 (the middle)", i, centreY)
		}
		lastX = centreX
	}
	if mid := r.dot[1].Position().X + r.dot[1].Size().Width/2; mid != 18 {
		t.Errorf("the middle dot is centred at x %v, want 18 (the middle)", mid)
	}
	if r.background.FillColor != color.Transparent {
		t.Fatalf("background before hover is %v, want transparent", r.background.FillColor)
	}
	test.MoveMouse(w.Canvas(), fyne.NewPos(18, 15))
	if want := theme.Color(theme.ColorNameHover); r.background.FillColor != want {
		t.Fatalf("background under the pointer is %v, want the hover colour %v", r.background.FillColor, want)
	}
	test.MoveMouse(w.Canvas(), fyne.NewPos(100, 100))
	if r.background.FillColor != color.Transparent {
		t.Fatalf("background after the pointer left is %v, want transparent", r.background.FillColor)
	}
	test.Tap(m)
	if tapped != 1 {
		t.Fatalf("a tap opened the menu %d times, want 1", tapped)
	}
}
