// Package assets embeds SocialOmm's icons so the binary carries them.
package assets

import _ "embed"

var (
	//go:embed icon.png
	AppIconPNG []byte
	// WindowIconPNG is icon.png at 256 px, for windows: every window's
	// creation decodes it and hands its pixels to the X server, which at
	// 512 px (1 MB of pixels) took ~5 ms of the first frame.
	//go:embed window-icon.png
	WindowIconPNG []byte
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

// NetworkIcon returns the embedded icon file named in a network's
// catalog entry ("mastodon.svg"), or nil if there is none.
func NetworkIcon(file string) []byte {
	return map[string][]byte{
		"mastodon.svg": MastodonSVG, "bluesky.svg": BlueskySVG, "x.svg": XSVG, "linkedin.svg": LinkedInSVG,
		"facebook.svg": FacebookSVG, "instagram.svg": InstagramSVG, "threads.svg": ThreadsSVG,
	}[file]
}
