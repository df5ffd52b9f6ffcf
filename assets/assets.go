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
	//go:embed bluesky.svg
	BlueskySVG []byte
	//go:embed x.svg
	XSVG []byte
	//go:embed linkedin.svg
	LinkedInSVG []byte
	//go:embed facebook.svg
	FacebookSVG []byte
	//go:embed instagram.svg
	InstagramSVG []byte
	//go:embed threads.svg
	ThreadsSVG []byte
)

// NetworkIcon returns a network's icon (SVG), or nil if it has none.
func NetworkIcon(network string) []byte {
	return map[string][]byte{
		"mastodon": MastodonSVG, "bluesky": BlueskySVG, "x": XSVG, "linkedin": LinkedInSVG,
		"facebook": FacebookSVG, "instagram": InstagramSVG, "threads": ThreadsSVG,
	}[network]
}
