package ui

import (
	"fyne.io/fyne/v2"

	"github.com/socialomm/desktop/assets"
	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/core/account"
)

var (
	appIcon           = fyne.NewStaticResource("socialomm.png", assets.WindowIconPNG)
	trayIcon          = fyne.NewStaticResource("tray.svg", assets.TraySVG)
	trayAttentionIcon = fyne.NewStaticResource("tray-attention.svg", assets.TrayAttentionSVG)
	avatarPlaceholder = fyne.NewStaticResource("avatar.svg", assets.AvatarPlaceholderSVG)
)

// networks is the network catalog as the screens show it: every title,
// icon and text count comes from there.
type networks struct {
	catalog core.Catalog
}

// networksOf is the engine's catalog when backend is (or offers) one, else
// the built-in one.
func networksOf(backend any) networks {
	if b, ok := backend.(interface{ Networks() core.Catalog }); ok {
		return networks{catalog: b.Networks()}
	}
	return networks{catalog: core.Networks()}
}

// title is a network's name as people write it.
func (n networks) title(name string) string { return n.catalog.Title(name) }

// icon is a network's icon resource, or nil.
func (n networks) icon(name string) fyne.Resource {
	e, ok := n.catalog.Lookup(name)
	if !ok {
		return nil
	}
	data := e.IconData
	file := e.Icon
	if data == nil {
		data = assets.NetworkIcon(e.Icon)
	}
	if file == "" {
		file = name + ".svg"
	}
	if data == nil {
		return nil
	}
	return fyne.NewStaticResource(file, data)
}

// textLimit is a network's post length while (or when) the account's own
// cannot be asked.
func (n networks) textLimit(name string) int {
	if e, ok := n.catalog.Lookup(name); ok && e.TextLimit > 0 {
		return e.TextLimit
	}
	return 500
}

// length is text's length as a's network counts it.
func (n networks) length(a account.Account, text string) int {
	e, _ := n.catalog.Lookup(a.Network)
	return e.Length(text)
}

// defaultTextLimit is a network's post length in the built-in catalog.
func defaultTextLimit(network string) int { return networksOf(nil).textLimit(network) }
