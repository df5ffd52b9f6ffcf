// Package applog sets up SocialOmm's log: a file in the data folder and
// standard error, with any attribute that looks like a secret blanked out as
// a second line of defence (code never logs secrets in the first place).
package applog

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// FileName is the log's name inside the data folder.
const FileName = "socialomm.log"

// LevelEnv, set to "debug", logs debug lines too (to the file and stderr),
// for benchmarks and bug reports.
const LevelEnv = "SOCIALOMM_LOG"

// Open returns a logger writing to dir/socialomm.log and to stderr (at
// stderrLevel and above), and the file to close at exit.
func Open(dir string, stderrLevel slog.Level) (*slog.Logger, io.Closer, error) {
	fileLevel := slog.LevelInfo
	if strings.EqualFold(os.Getenv(LevelEnv), "debug") {
		fileLevel, stderrLevel = slog.LevelDebug, slog.LevelDebug
	}
	f, err := os.OpenFile(filepath.Join(dir, FileName), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, err
	}
	// A log left readable by others (an older version, a copied folder)
	// is made private: it names profiles and posts.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, nil, err
	}
	opts := func(level slog.Level) *slog.HandlerOptions {
		return &slog.HandlerOptions{Level: level, ReplaceAttr: redact}
	}
	h := slog.NewMultiHandler(
		slog.NewTextHandler(f, opts(fileLevel)),
		slog.NewTextHandler(os.Stderr, opts(stderrLevel)),
	)
	return slog.New(h), f, nil
}

// secretish names attributes that must never carry a value into a log.
var secretish = []string{"token", "secret", "password", "code", "verifier", "authorization"}

// Redacted is what a blanked-out attribute shows.
const Redacted = "[redacted]"

func redact(_ []string, a slog.Attr) slog.Attr {
	key := strings.ToLower(a.Key)
	for _, s := range secretish {
		if strings.Contains(key, s) {
			return slog.String(a.Key, Redacted)
		}
	}
	return a
}
