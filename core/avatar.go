package core

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // the formats avatars come in
	_ "image/jpeg"
	_ "image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/socialomm/desktop/core/account"
)

// Avatars are bounded twice: the bytes downloaded, and the picture's size
// as its header says, read before anything decodes it (a small file can
// claim a picture of gigabytes). Larger ones use the placeholder.
const (
	maxAvatarBytes = 5 << 20
	maxAvatarSide  = 4096
)

// ErrNoAvatar means the profile has no picture of its own.
var ErrNoAvatar = errors.New("no avatar")

// Avatar returns the profile picture of an account, fetched once and then
// read from the cache folder in the data folder.
func (e *Engine) Avatar(ctx context.Context, a account.Account) ([]byte, error) {
	if a.AvatarURL == "" {
		return nil, ErrNoAvatar
	}
	sum := sha256.Sum256([]byte(a.AvatarURL))
	dir := filepath.Join(e.dataDir, "avatars")
	path := filepath.Join(dir, hex.EncodeToString(sum[:16]))
	if data, err := os.ReadFile(path); err == nil {
		return data, nil
	}
	link, err := SafeLink(a.AvatarURL)
	if err != nil {
		return nil, fmt.Errorf("avatar: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := e.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("avatar: %s answered %d", req.URL.Host, resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "image/") {
		return nil, fmt.Errorf("avatar: %s sent %s, not an image", req.URL.Host, ct)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAvatarBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxAvatarBytes {
		return nil, fmt.Errorf("avatar: larger than %d bytes", maxAvatarBytes)
	}
	if err := checkAvatar(data); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err == nil {
		os.Chmod(dir, 0o700) // a folder left open by an older version
		tmp := path + ".tmp"
		if os.WriteFile(tmp, data, 0o600) == nil {
			os.Rename(tmp, path)
		}
	}
	return data, nil
}

// checkAvatar refuses a picture that is not a PNG, JPEG or GIF, claims
// more than maxAvatarSide pixels a side, or does not decode: the size is
// read from the header first (image.DecodeConfig), so an oversized picture
// is never decoded.
func checkAvatar(data []byte) error {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("avatar: not a picture SocialOmm can show (%w)", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > maxAvatarSide || cfg.Height > maxAvatarSide {
		return fmt.Errorf("avatar: %d×%d pixels is more than %d×%d", cfg.Width, cfg.Height, maxAvatarSide, maxAvatarSide)
	}
	if _, _, err := image.Decode(bytes.NewReader(data)); err != nil {
		return fmt.Errorf("avatar: damaged %s picture (%w)", format, err)
	}
	return nil
}
