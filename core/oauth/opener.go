package oauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// SystemOpener opens URLs with $SOCIALOMM_BROWSER if set, else $BROWSER (the
// first entry when it is a ':'-separated list, ';' on Windows), else the
// platform's opener: xdg-open, `open` on macOS, rundll32 on Windows. The variable
// names one program (a path or a name looked up in $PATH); it gets the URL as its
// only argument, with no shell in between. The program is started and not waited
// for; it is reaped in the background.
func SystemOpener(logger *slog.Logger) Opener {
	return SystemOpenerFor(logger, os.Getenv)
}

// SystemOpenerFor is SystemOpener choosing the browser from getenv: the
// environment of the person's command, when the running SocialOmm carries
// it out for them.
func SystemOpenerFor(logger *slog.Logger, getenv func(string) string) Opener {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "oauth")
	return func(ctx context.Context, url string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		name, args := browserCommand(getenv, runtime.GOOS)
		// Not CommandContext: cancelling the sign-in must not kill the browser.
		cmd := exec.Command(name, append(args, url)...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, nil, nil
		if err := cmd.Start(); err != nil {
			// The error names the program, never the URL (it holds the state).
			return fmt.Errorf("start browser %q: %w", name, unwrapExec(err))
		}
		logger.Debug("browser started", "program", name, "pid", cmd.Process.Pid)
		go func() {
			if err := cmd.Wait(); err != nil {
				logger.Debug("browser program exited", "program", name, "error", err)
			}
		}()
		return nil
	}
}

// browserCommand picks the program and the arguments that go before the URL.
func browserCommand(getenv func(string) string, goos string) (string, []string) {
	if v := strings.TrimSpace(getenv("SOCIALOMM_BROWSER")); v != "" {
		return v, nil
	}
	sep := ":"
	if goos == "windows" {
		sep = ";"
	}
	for _, v := range strings.Split(getenv("BROWSER"), sep) {
		if v = strings.TrimSpace(v); v != "" {
			return v, nil
		}
	}
	switch goos {
	case "darwin":
		return "open", nil
	case "windows":
		return "rundll32", []string{"url.dll,FileProtocolHandler"}
	default:
		return "xdg-open", nil
	}
}

// unwrapExec drops exec.Error's wrapper, whose text repeats the program name.
func unwrapExec(err error) error {
	var ee *exec.Error
	if errors.As(err, &ee) {
		return ee.Err
	}
	return err
}
