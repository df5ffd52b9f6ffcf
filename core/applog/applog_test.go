package applog

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSecretAttributesNeverReachTheFile(t *testing.T) {
	dir := t.TempDir()
	logger, closer, err := Open(dir, slog.LevelError+1)
	if err != nil {
		t.Fatal(err)
	}
	logger.Info("exchanged", "access_token", "tok-abc", "client_secret", "sec-def", "code", "c-123", "account", 7)
	closer.Close()
	data, _ := os.ReadFile(filepath.Join(dir, FileName))
	text := string(data)
	for _, s := range []string{"tok-abc", "sec-def", "c-123"} {
		if strings.Contains(text, s) {
			t.Fatalf("log holds %q: %s", s, text)
		}
	}
	if !strings.Contains(text, "account=7") || !strings.Contains(text, Redacted) {
		t.Fatalf("log lost the ordinary attributes: %s", text)
	}
}

func TestALogLeftReadableIsMadePrivate(t *testing.T) {
	for _, mode := range []os.FileMode{0o644, 0o666, 0o600} {
		dir := t.TempDir()
		path := filepath.Join(dir, FileName)
		if err := os.WriteFile(path, []byte("old line\n"), mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(path, mode) // past the umask
		_, closer, err := Open(dir, slog.LevelError+1)
		if err != nil {
			t.Fatal(err)
		}
		closer.Close()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("log left %v is now %v, want -rw-------", mode, fi.Mode().Perm())
		}
		if data, _ := os.ReadFile(path); !strings.HasPrefix(string(data), "old line\n") {
			t.Errorf("the old log was not kept: %q", data)
		}
	}
}
