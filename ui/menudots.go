package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// menuDots is the compact table's ⋯ button: three dots drawn as circles,
// a hover background, and a tap. A widget.Button with Fyne's
// MoreHorizontal icon looks the same, but each one parses the icon's SVG
// on every refresh (three times while it is first laid out), and a screen
// of the table has twenty: ~25 ms of the first frame at 5,000 profiles.
// The keyboard reaches the row menu through the table's cursor, so the
// dots take no focus.
type menuDots struct {
	widget.BaseWidget
	onTapped func()
	hovered  bool
}

func newMenuDots(onTapped func()) *menuDots {
	m := &menuDots{onTapped: onTapped}
	m.ExtendBaseWidget(m)
	return m
}

func (m *menuDots) Tapped(*fyne.PointEvent) {
	if m.onTapped != nil {
		m.onTapped()
	}
}

func (m *menuDots) MouseIn(*desktop.MouseEvent)    { m.setHovered(true) }
func (m *menuDots) MouseMoved(*desktop.MouseEvent) {}
func (m *menuDots) MouseOut()                      { m.setHovered(false) }

func (m *menuDots) setHovered(h bool) {
	if m.hovered != h {
		m.hovered = h
		m.Refresh()
	}
}

func (m *menuDots) CreateRenderer() fyne.WidgetRenderer {
	r := &menuDotsRenderer{dots: m, background: canvas.NewRectangle(color.Transparent)}
	for i := range r.dot {
		r.dot[i] = canvas.NewCircle(color.Transparent)
	}
	r.Refresh()
	return r
}

type menuDotsRenderer struct {
	dots       *menuDots
	background *canvas.Rectangle
	dot        [3]*canvas.Circle
}

// Layout centres the dots in an icon-sized square, placed as in Material's
// "more horizontal" icon (the theme's): 4/24 of the icon across, centres
// at 6, 12 and 18 of 24.
func (r *menuDotsRenderer) Layout(size fyne.Size) {
	r.background.Resize(size)
	icon := min(theme.IconInlineSize(), size.Width, size.Height)
	left := (size.Width - icon) / 2
	top := (size.Height - icon) / 2
	d := icon * 4 / 24
	for i, c := range r.dot {
		centre := icon * float32(6+6*i) / 24
		c.Resize(fyne.NewSquareSize(d))
		c.Move(fyne.NewPos(left+centre-d/2, top+icon/2-d/2))
	}
}

func (r *menuDotsRenderer) MinSize() fyne.Size {
	return fyne.NewSquareSize(theme.IconInlineSize() + 2*theme.InnerPadding())
}

func (r *menuDotsRenderer) Refresh() {
	th := r.dots.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	fg := th.Color(theme.ColorNameForeground, v)
	for _, c := range r.dot {
		c.FillColor = fg
		c.Refresh()
	}
	r.background.FillColor = color.Transparent
	if r.dots.hovered {
		r.background.FillColor = th.Color(theme.ColorNameHover, v)
	}
	r.background.CornerRadius = th.Size(theme.SizeNameInputRadius)
	r.background.Refresh()
	r.Layout(r.dots.Size())
}

func (r *menuDotsRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.background, r.dot[0], r.dot[1], r.dot[2]}
}

func (r *menuDotsRenderer) Destroy() {}
