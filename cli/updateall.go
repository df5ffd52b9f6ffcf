package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/schedule"
)

// updateAllHelp is accounts update's help for --all-needed.
const updateAllHelp = "\n\nWith --all-needed (and no ID), walks every profile that is disconnected or expiring inside the\n" +
	"warning window, one sign-in at a time, profiles one sign-in renews together one after another: one\n" +
	"Facebook sign-in renews every Page of that login you may still post on.\n" +
	"Where a profile needs an app password (Bluesky) or the pasted address the browser ends on (Facebook\n" +
	"Pages, Instagram, Threads), it asks on stderr, naming the profile, and reads one line of standard\n" +
	"input, the lines in the order asked; an empty line, or the end of input, skips that profile.\n" +
	"It prints one JSON line per profile: {\"id\",\"network\",\"handle\",\"outcome\",\"message\"} where outcome\n" +
	"is renewed, skipped, refused (signed in as someone else: nothing changed) or failed, then a summary\n" +
	"on stderr. Exit status: 0 when every profile was renewed or skipped, 1 otherwise.\n" +
	"Posts held while a profile was disconnected stay held unless schedule.release_held is auto:\n" +
	"choose with `socialomm posts release`."

// accountsUpdateAll is `accounts update --all-needed`.
func (r *runner) accountsUpdateAll(ctx context.Context) error {
	e, _, closeAll, err := r.openEngine(ctx, slog.LevelWarn)
	if err != nil {
		return err
	}
	defer closeAll()
	in := r.signIn()
	answers := r.walkAnswers(e)
	in.AskAppPassword, in.Paste = answers.appPassword, answers.paste
	say := in.Progress
	results, err := e.UpdateAll(ctx, in, func(s core.UpdateAllStep) {
		say(fmt.Sprintf("%d of %d — %s on %s", s.Index, s.Total, s.Account.Handle, r.networkTitle(e, s.Account.Network)))
	})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(r.io.Stdout)
	for _, res := range results {
		if err := enc.Encode(res); err != nil {
			return err
		}
	}
	renewed, skipped, needYou := core.UpdateAllCounts(results)
	fmt.Fprintf(r.io.Stderr, "renewed %d, skipped %d, still need you %d\n", renewed, skipped, needYou)
	if needYou > 0 {
		return &exitError{code: 1}
	}
	return nil
}

// walkAnswers reads Update all's answers (app passwords, pasted addresses),
// one line of standard input per question in the walk's order. One reader
// serves them all: a reader per question would read ahead and lose the
// next profiles' lines.
type walkAnswers struct {
	r     *runner
	e     *core.Engine
	lines *bufio.Reader // nil without standard input
}

func (r *runner) walkAnswers(e *core.Engine) *walkAnswers {
	w := &walkAnswers{r: r, e: e}
	if r.io.Stdin != nil {
		w.lines = bufio.NewReader(r.io.Stdin)
	}
	return w
}

// line is the next line, "" at the end of input.
func (w *walkAnswers) line(what string) (string, error) {
	if w.lines == nil {
		return "", nil
	}
	line, err := w.lines.ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read %s from standard input: %w", what, err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// appPassword asks for a's app password.
func (w *walkAnswers) appPassword(_ context.Context, a account.Account) (string, error) {
	fmt.Fprintf(w.r.io.Stderr, "App password for %s on %s (an empty line skips it):\n", a.Handle, w.r.networkTitle(w.e, a.Network))
	line, err := w.line("the app password")
	if err != nil || line != "" {
		return line, err
	}
	return "", core.Skip("no app password was given, so nothing was changed")
}

// paste says where to sign in (the engine has opened the page) and asks
// for the address the browser ends on.
func (w *walkAnswers) paste(ctx context.Context, p *core.PasteSignIn) (string, error) {
	who := p.Title
	if a, ok := p.Updating(); ok {
		who = a.Handle + " on " + p.Title
	}
	w.r.sayPasteSteps(ctx, p, false, "copy that whole address for "+who+" and paste it here (an empty line skips it):")
	line, err := w.line("the address")
	if line = strings.TrimSpace(line); err != nil || line != "" {
		return line, err
	}
	return "", core.Skip("no address was pasted, so nothing was changed")
}

func (r *runner) networkTitle(e *core.Engine, name string) string {
	if n, ok := e.Networks().Lookup(name); ok {
		return n.Title
	}
	return name
}

// postsRelease is `posts release`.
func (r *runner) postsRelease(ctx context.Context, args []string) error {
	fs := r.leaf("socialomm posts release --account ID --mode now|keep|skip-older-than AGE [--data-dir DIR]",
		"Decides what happens to the account's held posts (held while it was disconnected, or missed while\n"+
			"SocialOmm was closed) and prints {\"now\",\"kept\",\"skipped\"} as JSON:\n"+
			"  now                  publish them all now\n"+
			"  keep                 keep their times; those already past go now\n"+
			"  skip-older-than AGE  skip those whose time is more than AGE ago (they show as skipped), keep\n"+
			"                       the others' times. AGE is a Go duration (90m, 2h30m) or whole days (3d).\n"+
			"The account must be connected again first (`socialomm accounts update ID`).")
	acct := fs.Int64("account", 0, "the account whose held posts to release")
	mode := fs.String("mode", "", "now, keep or skip-older-than")
	pos, err := parseInterspersed(fs, args, -1)
	if err != nil {
		return err
	}
	age := ""
	if *mode == string(schedule.ReleaseSkipOlder) {
		if len(pos) != 1 {
			return usageError("--mode skip-older-than takes an age, e.g. --mode skip-older-than 3d")
		}
		age, pos = pos[0], nil
	}
	if len(pos) > 0 {
		return usageError("posts release takes no arguments besides the age of skip-older-than")
	}
	if *acct <= 0 {
		return usageError("posts release needs --account ID; see `socialomm accounts list`")
	}
	choice, err := schedule.ParseRelease(*mode, age)
	if err != nil {
		return usageError("%s", err.Error())
	}
	e, _, closeAll, err := r.openEngine(ctx, slog.LevelWarn)
	if err != nil {
		return err
	}
	defer closeAll()
	got, err := e.ReleaseHeld(ctx, *acct, choice)
	if err != nil {
		return err
	}
	return writeJSON(r.io.Stdout, got)
}
