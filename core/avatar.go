package core

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/socialomm/desktop/core/account"
)

// maxAvatarBytes bounds a downloaded avatar; larger ones use the placeholder.
const maxAvatarBytes = 2 << 20

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
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.AvatarURL, nil)
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
	if err := os.MkdirAll(dir, 0o700); err == nil {
		tmp := path + ".tmp"
		if os.WriteFile(tmp, data, 0o600) == nil {
			os.Rename(tmp, path)
		}
	}
	return data, nil
}
