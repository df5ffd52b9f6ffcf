// Package assets embeds SocialOmm's icons so the binary carries them.
package assets

import _ "embed"

var (
	//go:embed icon.png
	AppIconPNG []byte
	//go:embed icon.svg
	AppIconSVG []byte
	//go:embed tray.svg
	TraySVG []byte
	//go:embed tray-attention.svg
	TrayAttentionSVG []byte
	//go:embed avatar.svg
	AvatarPlaceholderSVG []byte
	//go:embed mastodon.svg
	MastodonSVG []byte
)

// NetworkIcon returns a network's icon (SVG), or nil if it has none.
func NetworkIcon(network string) []byte {
	switch network {
	case "mastodon":
		return MastodonSVG
	}
	return nil
}
