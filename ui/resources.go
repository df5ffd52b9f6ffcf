package ui

import (
	"fyne.io/fyne/v2"

	"github.com/socialomm/desktop/assets"
)

var (
	appIcon           = fyne.NewStaticResource("socialomm.png", assets.AppIconPNG)
	trayIcon          = fyne.NewStaticResource("tray.svg", assets.TraySVG)
	trayAttentionIcon = fyne.NewStaticResource("tray-attention.svg", assets.TrayAttentionSVG)
	avatarPlaceholder = fyne.NewStaticResource("avatar.svg", assets.AvatarPlaceholderSVG)
)

// networkIcon returns a network's icon resource, or nil.
func networkIcon(network string) fyne.Resource {
	if svg := assets.NetworkIcon(network); svg != nil {
		return fyne.NewStaticResource(network+".svg", svg)
	}
	return nil
}

// networkTitle is a network's name as people write it.
func networkTitle(network string) string {
	switch network {
	case "mastodon":
		return "Mastodon"
	case "bluesky":
		return "Bluesky"
	case "x":
		return "X"
	case "linkedin":
		return "LinkedIn"
	case "facebook":
		return "Facebook Pages"
	case "instagram":
		return "Instagram"
	case "threads":
		return "Threads"
	}
	return network
}
