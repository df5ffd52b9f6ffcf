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
