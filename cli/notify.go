package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/socialomm/desktop/core/notify"
	"github.com/socialomm/desktop/core/settings"
	"github.com/socialomm/desktop/core/when"
)

func notifyCommands() []*command {
	return []*command{
		{name: "test", summary: "send one desktop notification and one email now and report each",
			run: (*runner).notifyTest},
		{name: "pending", summary: "list notifications waiting to be sent, and why",
			run: (*runner).notifyPending},
	}
}

// openNotify opens the engine's notification service for a short command.
func (r *runner) openNotify(ctx context.Context) (*notify.Service, *settings.Service, func(), error) {
	e, _, closeEngine, err := r.openEngine(ctx, slog.LevelWarn)
	if err != nil {
		return nil, nil, nil, err
	}
	return e.Notify(), e.Settings(), closeEngine, nil
}

func (r *runner) notifyTest(ctx context.Context, args []string) error {
	fs := r.leaf("socialomm notify test [--data-dir DIR]",
		"Sends one desktop notification and one email now, with the saved settings, and says how\n"+
			"each went (the mail server's own words when it refuses). Exits with status 1 if either failed.\n\n"+
			"Email needs smtp.host, email.from and email.to (see `socialomm settings list`).")
	if _, err := parseInterspersed(fs, args, 0); err != nil {
		return err
	}
	svc, cfg, closeAll, err := r.openNotify(ctx)
	if err != nil {
		return err
	}
	defer closeAll()

	desktopErr, emailErr := svc.SendTest(ctx)
	out := r.io.Stdout
	if desktopErr != nil {
		fmt.Fprintf(out, "Desktop notification: not shown. %s\n", notifySentence(desktopErr.Error()))
	} else {
		fmt.Fprintln(out, "Desktop notification: sent. Look for \"SocialOmm test notification\" on your desktop.")
	}
	if !notifySettingOn(ctx, cfg, "notify.desktop") {
		fmt.Fprintln(out, "  Note: notify.desktop is off, so SocialOmm shows no other desktop notifications.")
	}
	to, _ := cfg.Get(ctx, "email.to")
	if emailErr != nil {
		fmt.Fprintf(out, "Email: not sent. %s\n", notifySentence(emailErr.Error()))
		if errors.Is(emailErr, notify.ErrEmailNotSetUp) {
			fmt.Fprintln(out, "  Set it up with `socialomm settings set smtp.host smtp.example.com` (and smtp.port,\n"+
				"  smtp.security, smtp.username, smtp.password, email.from, email.to), or in the window's Settings.")
		}
	} else {
		fmt.Fprintf(out, "Email: sent to %s. Look for \"SocialOmm test email\" in that mailbox.\n", to)
	}
	if !notifySettingOn(ctx, cfg, "notify.email") {
		fmt.Fprintln(out, "  Note: notify.email is off, so SocialOmm sends no other emails.")
	}
	if desktopErr != nil || emailErr != nil {
		return &exitError{code: 1}
	}
	return nil
}

func (r *runner) notifyPending(ctx context.Context, args []string) error {
	fs := r.leaf("socialomm notify pending [--data-dir DIR]",
		"Lists the notifications that have not gone out yet (mail waiting for the mail server,\n"+
			"lost connections waiting to be told together) and why each waits.")
	if _, err := parseInterspersed(fs, args, 0); err != nil {
		return err
	}
	svc, _, closeAll, err := r.openNotify(ctx)
	if err != nil {
		return err
	}
	defer closeAll()
	list, err := svc.Pending(ctx)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintln(r.io.Stdout, "Nothing is waiting: every notification has gone out.")
		return nil
	}
	tw := tabwriter.NewWriter(r.io.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHANNEL\tQUEUED\tSUBJECT\tWHY")
	for _, w := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", w.Channel, when.In(time.Now(), time.Local).Compact(w.Queued), w.Subject, w.Why)
	}
	return tw.Flush()
}

func notifySettingOn(ctx context.Context, cfg *settings.Service, key string) bool {
	v, _ := cfg.Get(ctx, key)
	return v == "on"
}

// notifySentence starts a message with a capital and ends it with a stop.
func notifySentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	r, size := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[size:]
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, ")") {
		s += "."
	}
	return s
}
