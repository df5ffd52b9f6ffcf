package core

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/socialomm/desktop/core/account"
)

func TestSafeLinkOpensOnlyWebAddresses(t *testing.T) {
	cases := []struct {
		link string
		ok   bool
	}{
		{"https://social.example/@ana/1", true},
		{"HTTPS://social.example/@ana/1", true},
		{"http://127.0.0.1:8080/@ana/statuses/1", true},
		{"http://localhost/@ana", true},
		{"http://[::1]:3000/x", true},
		{"http://social.example/@ana/1", false}, // plain http to another computer
		{"http://127.0.0.1.evil.example/x", false},
		{"file:///etc/passwd", false},
		{"javascript:alert(1)", false},
		{"data:text/html,<script>", false},
		{"socialomm://settings", false},
		{"smb://share/x", false},
		{"/relative/path", false},
		{"https://user:pw@social.example/", false},
		{"https:///nohost", false},
		{"", false},
	}
	for _, c := range cases {
		u, err := SafeLink(c.link)
		if c.ok && (err != nil || u == nil) {
			t.Errorf("SafeLink(%q) = %v, want it opened", c.link, err)
		}
		if !c.ok && (err == nil || !errors.Is(err, ErrUnsafeLink)) {
			t.Errorf("SafeLink(%q) = %v, %v; want ErrUnsafeLink", c.link, u, err)
		}
	}
}

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestAvatarsAreBoundedAndOnlyFetchedFromWebAddresses(t *testing.T) {
	e, _, _ := newTestEngine(t)
	pics := map[string][]byte{
		"/small.png": pngOf(t, 48, 48),
		"/wide.png":  pngOf(t, maxAvatarSide+1, 1), // a few hundred bytes, too many pixels
		"/huge":      append(pngOf(t, 8, 8), bytes.Repeat([]byte{0}, maxAvatarBytes)...),
		"/text":      []byte("<html>not a picture</html>"),
	}
	var asked atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		w.Header().Set("Content-Type", "image/png")
		w.Write(pics[r.URL.Path])
	}))
	defer srv.Close()
	cases := []struct {
		url     string
		wantErr string // "" for fetched
		asks    bool
	}{
		{srv.URL + "/small.png", "", true},
		{srv.URL + "/wide.png", "pixels", true},
		{srv.URL + "/huge", "larger than", true},
		{srv.URL + "/text", "not a picture", true},
		{"file:///etc/passwd", "unsafe link", false},
		{"javascript:alert(1)", "unsafe link", false},
		{"socialomm://x", "unsafe link", false},
		{"http://social.example/a.png", "unsafe link", false},
	}
	for i, c := range cases {
		before := asked.Load()
		data, err := e.Avatar(context.Background(), account.Account{ID: int64(i + 1), AvatarURL: c.url})
		if c.wantErr == "" {
			if err != nil || !bytes.Equal(data, pics["/small.png"]) {
				t.Errorf("%s: %v", c.url, err)
			}
		} else if err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%s: err = %v, want it to say %q", c.url, err, c.wantErr)
		}
		if got := asked.Load() > before; got != c.asks {
			t.Errorf("%s: server asked = %t, want %t", c.url, got, c.asks)
		}
	}
	// The cached picture and its folder are the user's alone.
	dir := filepath.Join(e.DataDir(), "avatars")
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Fatalf("avatars folder: %v %v", entries, err)
	}
	for _, p := range []string{dir, filepath.Join(dir, entries[0].Name())} {
		fi, _ := os.Stat(p)
		if want := map[bool]os.FileMode{true: 0o700, false: 0o600}[fi.IsDir()]; fi.Mode().Perm() != want {
			t.Errorf("%s is %v, want %v", p, fi.Mode().Perm(), want)
		}
	}
}
