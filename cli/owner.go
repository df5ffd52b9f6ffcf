package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/core/instance"
)

// One owner per data folder. While a window or daemon runs on a folder,
// every command (except those marked local) is carried out by that
// process: the command line sends its words, environment and stdin over
// the instance socket, and prints what the owner's run of the very same
// command writes, exiting with its status. With no owner, a command takes
// the folder's lock for its own duration. So one engine at a time ever
// touches a folder's profiles, and the engine's per-account refresh lock
// (Engine.accountLock) is all it takes for two refreshes of one profile
// never to overlap, across processes too.

// sharedEngine is the owner's open engine, lent to the commands it runs
// for other processes.
type sharedEngine struct {
	engine *core.Engine
	logger *slog.Logger
}

// How long a start or a command waits for the folder: a command holding it
// (a sign-in in the browser may take minutes), or an owner that holds the
// lock but does not listen yet (opening its database).
const (
	waitForCommand = 2 * time.Minute
	waitForOwner   = 30 * time.Second
	// waitNoteAfter: a wait shorter than this goes unmentioned, so two
	// scripts' commands that meet print nothing extra.
	waitNoteAfter = time.Second
	waitPoll      = 50 * time.Millisecond
)

// waiter waits for a data folder's holder to let go, bounded, saying once
// on stderr what it waits for.
type waiter struct {
	r     *runner
	start time.Time
	said  bool
}

func (r *runner) newWaiter() *waiter { return &waiter{r: r, start: time.Now()} }

// wait lets time pass while held holds the folder; it fails once the
// bound for what holds it is reached.
func (w *waiter) wait(ctx context.Context, held *instance.HeldError) error {
	if w.r.waited != nil {
		w.r.waited(held.Holder)
	}
	waited := time.Since(w.start)
	limit := waitForCommand
	if held.Known && held.Holder.Kind.Owner() {
		limit = waitForOwner
	}
	if waited > limit {
		if held.Known && held.Holder.Kind.Owner() {
			return &exitError{code: 1, msg: fmt.Sprintf("socialomm: SocialOmm (%s) holds this data folder but has not answered for %s; if it hangs, quit it and try again.",
				held.Holder, limit)}
		}
		return &exitError{code: 1, msg: fmt.Sprintf("socialomm: another SocialOmm (%s) has been using this data folder for over %s; try again when it has finished.",
			held.Holder, limit)}
	}
	if !w.said && waited > waitNoteAfter && held.Known && held.Holder.Kind == instance.Command {
		w.said = true
		fmt.Fprintf(w.r.io.Stderr, "Waiting for another SocialOmm (%s) to finish with this data folder…\n", held.Holder)
	}
	t := time.NewTimer(waitPoll)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// route runs the leaf command c (named what, e.g. "accounts check") with
// its words rest: in the folder's owner when one runs, else here under the
// folder's lock, after whoever holds it now.
func (r *runner) route(ctx context.Context, c *command, what string, rest []string) error {
	dir, given := dataDirFlag(r.args)
	if !given {
		var err error
		if dir, err = r.resolvedDataDir(); err != nil {
			return err
		}
	}
	if c.stdinLine != nil && c.stdinLine(rest) {
		line, err := r.readLine(c.stdinPrompt(rest))
		if err != nil {
			return err
		}
		r.io.Stdin = line
	}
	w := r.newWaiter()
	for {
		lock, err := instance.Acquire(dir, instance.Holder{Kind: instance.Command, What: what}, nil)
		if err == nil {
			defer lock.Release()
			return c.run(r, ctx, rest)
		}
		var held *instance.HeldError
		if !errors.As(err, &held) {
			return err
		}
		if held.Known && held.Holder.Kind.Owner() {
			code, err := r.forward(ctx, dir)
			switch {
			case err == nil && code == 0:
				return nil
			case err == nil:
				return &exitError{code: code}
			case !errors.Is(err, instance.ErrNoAnswer):
				return &exitError{code: 1, msg: "socialomm: " + err.Error()}
			}
			// Not listening yet (or just gone): look at the lock again.
		}
		if err := w.wait(ctx, held); err != nil {
			return err
		}
	}
}

// forward asks the owner of dir to run this command line.
func (r *runner) forward(ctx context.Context, dir string) (int, error) {
	req := instance.Request{Args: absoluteDataDir(r.args), Env: os.Environ()}
	if given, ok := r.io.Stdin.(*givenInput); ok {
		req.Stdin, req.StdinGiven = given.data, true
	}
	return instance.Forward(ctx, dir, req, r.io.Stdin, r.io.Stdout, r.io.Stderr)
}

// serveCommands is how the owner runs other processes' commands: the same
// command table, against its own open engine, with the asker's streams and
// environment.
func (r *runner) serveCommands(shared *sharedEngine) instance.CommandHandler {
	return func(ctx context.Context, req instance.Request, s instance.Streams) int {
		env := map[string]string{}
		for _, kv := range req.Env {
			if k, v, ok := strings.Cut(kv, "="); ok {
				env[k] = v
			}
		}
		or := &runner{
			io:       IO{Stdin: s.Stdin, Stdout: s.Stdout, Stderr: s.Stderr},
			shared:   shared,
			getenv:   func(k string) string { return env[k] },
			args:     req.Args,
			networks: r.networks,
		}
		what := r.commandPath(req.Args)
		// Only the command's name is logged: its words may be a post's
		// text, and its input a secret.
		shared.logger.Info("running a command for the command line", "command", what, "pid", s.PeerPID)
		start := time.Now()
		code := or.main(ctx, req.Args)
		shared.logger.Info("command for the command line done", "command", what, "pid", s.PeerPID, "exit", code,
			"took", time.Since(start).Round(time.Millisecond))
		return code
	}
}

// commandPath names the command args run, e.g. "accounts check".
func (r *runner) commandPath(args []string) string {
	var words []string
	cmds := r.commands()
	for cmds != nil {
		i := firstWord(args)
		if i < 0 {
			break
		}
		var next []*command
		for _, c := range cmds {
			if c.name == args[i] {
				words = append(words, c.name)
				next = c.sub
			}
		}
		if len(words) == 0 || next == nil {
			break
		}
		args = append(append([]string{}, args[:i]...), args[i+1:]...)
		cmds = next
	}
	if len(words) == 0 {
		return "(unknown)"
	}
	return strings.Join(words, " ")
}

// dataDirFlag finds --data-dir among args as the flag package reads it
// (-data-dir, --data-dir, with the value after = or as the next word;
// the last one counts).
func dataDirFlag(args []string) (string, bool) {
	dir, found := "", false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "data-dir" {
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				break
			}
			i++
			value = args[i]
		}
		dir, found = value, true
	}
	return dir, found
}

// absoluteDataDir rewrites a relative --data-dir as an absolute path: the
// owner runs the command in its own working folder.
func absoluteDataDir(args []string) []string {
	out := append([]string{}, args...)
	for i := 0; i < len(out); i++ {
		a := out[i]
		if a == "--" {
			break
		}
		prefix, value, hasValue := strings.Cut(a, "=")
		if name := strings.TrimLeft(prefix, "-"); !strings.HasPrefix(a, "-") || name != "data-dir" || len(prefix)-len(name) > 2 {
			continue
		}
		if !hasValue {
			if i+1 >= len(out) {
				break
			}
			i++
			if abs, err := filepath.Abs(out[i]); err == nil {
				out[i] = abs
			}
			continue
		}
		if abs, err := filepath.Abs(value); err == nil {
			out[i] = prefix + "=" + abs
		}
	}
	return out
}

// givenInput is standard input read up front by the command line (one
// line: a secret), handed to the command wherever it runs.
type givenInput struct {
	*bytes.Reader
	data []byte
}

func newGivenInput(data []byte) *givenInput {
	return &givenInput{Reader: bytes.NewReader(data), data: data}
}

// readLine reads one line of standard input up front, prompting on stderr
// when it is a terminal. The line keeps its newline, as the command reads
// it.
func (r *runner) readLine(prompt string) (io.Reader, error) {
	if r.io.Stdin == nil {
		return newGivenInput(nil), nil
	}
	if f, ok := r.io.Stdin.(*os.File); ok && isTerminal(f) {
		fmt.Fprint(r.io.Stderr, prompt)
		line, err := readHidden(f)
		fmt.Fprintln(r.io.Stderr)
		if err != nil {
			return nil, fmt.Errorf("read from the terminal: %w", err)
		}
		return newGivenInput(append(line, '\n')), nil
	}
	line, err := bufio.NewReader(r.io.Stdin).ReadBytes('\n')
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("read standard input: %w", err)
	}
	return newGivenInput(line), nil
}
