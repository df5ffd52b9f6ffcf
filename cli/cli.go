// Package cli is SocialOmm's command line: the same binary opens the window,
// runs the engine headless, and answers scripts.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/core/applog"
	"github.com/socialomm/desktop/core/instance"
)

// Version is SocialOmm's version; FyneApp.toml carries the same (a test
// keeps them equal).
const Version = "0.1.0"

// GUI starts the window on an open engine and returns when the app quits.
type GUI func(ctx context.Context, env Env) error

// Env is what a long-running front end (window or daemon) is handed.
type Env struct {
	Engine *core.Engine
	Lock   *instance.Lock
	Logger *slog.Logger
	// Background starts with no window (--background, as the autostart
	// entry does): engine and tray run, the window waits to be asked for.
	Background bool
	// Exit closes the store, releases the data folder and ends the process
	// with code, for a front end that cannot return normally (a window
	// told to stop by a signal).
	Exit func(code int)
}

// IO is where a command reads and writes.
type IO struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// Frontend is what the command line can show beyond text: the window, and
// a way to tell a person who started it from their desktop why it could
// not start. Either may be nil (tests, headless builds).
type Frontend struct {
	Window       GUI
	StartupError func(message string)
	// Networks are the networks offered; core.Networks() when empty.
	Networks core.Catalog
}

// Main runs the command line and returns the exit status.
func Main(args []string, front Frontend, io IO) int {
	r := &runner{io: io, gui: front.Window, startupError: front.StartupError, getenv: os.Getenv, networks: front.Networks}
	return r.main(context.Background(), args)
}

// main runs args and turns the outcome into an exit status, with its
// message on stderr: the same here and in an owner running the command for
// another process.
func (r *runner) main(ctx context.Context, args []string) int {
	r.args = args
	err := r.run(ctx, args)
	io := r.io
	if err == nil {
		return 0
	}
	var exit *exitError
	if errors.As(err, &exit) {
		if exit.msg != "" {
			fmt.Fprintln(io.Stderr, exit.msg)
		}
		return exit.code
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintln(io.Stderr, "socialomm: "+core.Explain(err))
	return 1
}

type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// usageError is a mistake in the command's words: exit status 2.
func usageError(format string, args ...any) error {
	return &exitError{code: 2, msg: "socialomm: " + fmt.Sprintf(format, args...) + "\nRun `socialomm --help` for the commands."}
}

type runner struct {
	io           IO
	gui          GUI
	startupError func(message string)
	dataDir      string
	// args are the whole command line, as forwarded to an owner.
	args []string
	// getenv reads the environment of the process that typed the command
	// (the owner's differs).
	getenv func(string) string
	// shared is set in the owner running a command for another process:
	// openEngine lends it the owner's engine.
	shared *sharedEngine
	// waited, when set (tests), hears each time the runner waits for
	// the data folder's holder.
	waited   func(instance.Holder)
	networks core.Catalog
}

type command struct {
	name    string
	summary string
	usage   string
	run     func(r *runner, ctx context.Context, args []string) error
	// sub lists subcommands; a command has either run or sub.
	sub []*command
	// local commands always run in the process that was started (they
	// need no engine, or are the owner); all others run in the folder's
	// owner when one runs.
	local bool
	// stdinLine says the command, with these words, reads one line of
	// stdin (a secret) that the command line reads up front, without
	// echo from a terminal, prompting with stdinPrompt.
	stdinLine   func(args []string) bool
	stdinPrompt func(args []string) string
}

func (r *runner) commands() []*command {
	return []*command{
		{name: "daemon", summary: "run the engine without a window until SIGINT/SIGTERM",
			usage: "socialomm daemon [--data-dir DIR]", run: (*runner).daemon, local: true},
		{name: "accounts", summary: "list and manage connected profiles", sub: accountCommands()},
		{name: "notify", summary: "send a test notification; list what waits", sub: notifyCommands()},
		{name: "alerts", summary: "webhooks that get alerts (Slack, Discord, signed JSON)", sub: alertsCommands()},
		{name: "posts", summary: "schedule posts and see how they went", sub: postsCommands()},
		{name: "groups", summary: "named groups of profiles to post to", sub: groupsCommands()},
		{name: "settings", summary: "read and change settings", sub: settingsCommands()},
		{name: "dev", summary: "tools for developers and benchmarks", sub: devCommands()},
		{name: "version", summary: "print the version", usage: "socialomm version", local: true,
			run: func(r *runner, _ context.Context, _ []string) error {
				fmt.Fprintln(r.io.Stdout, "SocialOmm "+Version)
				return nil
			}},
	}
}

const rootUsage = `SocialOmm keeps your social media profiles connected and your scheduled posts going out.

Usage:
  socialomm [--data-dir DIR]            open the window
  socialomm --background [--data-dir DIR]  start in the tray, window hidden
  socialomm COMMAND [ARGS] [--data-dir DIR]

Commands:
%s
Flags:
  --data-dir DIR   data folder (default: $SOCIALOMM_DATA_DIR, else %s)
  --version        print the version
  --help           help for any command, e.g. socialomm accounts list --help
`

func (r *runner) rootHelp() string {
	var b strings.Builder
	var walk func(prefix string, cmds []*command)
	walk = func(prefix string, cmds []*command) {
		for _, c := range cmds {
			if c.sub != nil {
				walk(prefix+c.name+" ", c.sub)
				continue
			}
			fmt.Fprintf(&b, "  %-28s %s\n", prefix+c.name, c.summary)
		}
	}
	walk("", r.commands())
	def := "the SocialOmm folder in your config folder"
	if d, err := core.DefaultDataDir(); err == nil && os.Getenv(core.DataDirEnv) == "" {
		def = d
	}
	return fmt.Sprintf(rootUsage, b.String(), def)
}

func (r *runner) run(ctx context.Context, args []string) error {
	if firstWord(args) >= 0 {
		// Flags before the command word (--data-dir) are parsed by the
		// command itself.
		return r.dispatch(ctx, "socialomm", r.commands(), args)
	}
	fs := r.flags("socialomm", func() { fmt.Fprint(r.io.Stdout, r.rootHelp()) })
	showVersion := fs.Bool("version", false, "print the version")
	background := fs.Bool("background", false, "start in the tray without showing the window")
	if _, err := parseInterspersed(fs, args, 0); err != nil {
		return err
	}
	if *showVersion {
		fmt.Fprintln(r.io.Stdout, "SocialOmm "+Version)
		return nil
	}
	return r.window(ctx, *background)
}

// dispatch finds the command named by the first word of args (skipping
// flags) and runs it with the remaining words.
func (r *runner) dispatch(ctx context.Context, path string, cmds []*command, args []string) error {
	i := firstWord(args)
	if i < 0 {
		return r.groupHelp(path, cmds, args)
	}
	name := args[i]
	rest := append(append([]string{}, args[:i]...), args[i+1:]...)
	for _, c := range cmds {
		if c.name != name {
			continue
		}
		if c.sub != nil {
			return r.dispatch(ctx, path+" "+c.name, c.sub, rest)
		}
		if c.local || r.shared != nil || wantsHelp(rest) {
			return c.run(r, ctx, rest)
		}
		return r.route(ctx, c, strings.TrimPrefix(path+" "+c.name, "socialomm "), rest)
	}
	return usageError("unknown command %q for %s", name, path)
}

func (r *runner) groupHelp(path string, cmds []*command, args []string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: %s COMMAND\n\nCommands:\n", path)
	for _, c := range cmds {
		fmt.Fprintf(&b, "  %-10s %s\n", c.name, c.summary)
	}
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fmt.Fprint(r.io.Stdout, b.String())
			return nil
		}
	}
	return &exitError{code: 2, msg: b.String()}
}

func wantsHelp(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if a == "-h" || a == "-help" || a == "--help" {
			return true
		}
	}
	return false
}

// firstWord is the index of the first argument that is not a flag or a
// flag's value (only --data-dir takes a value before the command).
func firstWord(args []string) int {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--data-dir" || a == "-data-dir" {
			i++
			continue
		}
		if strings.HasPrefix(a, "-") {
			continue
		}
		return i
	}
	return -1
}

// flags makes a flag set carrying the flags every command accepts.
func (r *runner) flags(name string, usage func()) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(r.io.Stderr)
	fs.StringVar(&r.dataDir, "data-dir", r.dataDir, "data folder")
	fs.Usage = usage
	return fs
}

// parseInterspersed parses flags wherever they stand among the positional
// arguments and returns the positionals; want < 0 accepts any number.
func parseInterspersed(fs *flag.FlagSet, args []string, want int) ([]string, error) {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fs.Usage()
			return nil, flag.ErrHelp
		}
	}
	// On a mistake the flag package names it; the full usage is for --help.
	fs.Usage = func() {}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, &exitError{code: 2, msg: "Run `socialomm " + fs.Name() + " --help` for its flags."}
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if want >= 0 && len(pos) != want {
		return nil, usageError("%s takes %d argument(s), got %d", fs.Name(), want, len(pos))
	}
	return pos, nil
}

// leaf builds a command's flag set with its usage text.
func (r *runner) leaf(usage, summary string) *flag.FlagSet {
	var fs *flag.FlagSet
	words := strings.Fields(usage)
	name := strings.Join(words[1:], " ")
	if i := strings.IndexAny(name, "[-ABCDEFGHIJKLMNOPQRSTUVWXYZ"); i > 0 {
		name = strings.TrimSpace(name[:i])
	}
	fs = r.flags(name, func() {
		fmt.Fprintf(r.io.Stdout, "Usage: %s\n\n%s\n\nFlags:\n", usage, summary)
		fs.SetOutput(r.io.Stdout)
		fs.PrintDefaults()
	})
	return fs
}

func (r *runner) resolvedDataDir() (string, error) {
	if r.dataDir != "" {
		return r.dataDir, nil
	}
	return core.DefaultDataDir()
}

// openEngine opens the store for a short command (which holds the
// folder's lock), or lends the owner's engine to a command it runs for
// another process.
func (r *runner) openEngine(ctx context.Context, stderrLevel slog.Level) (*core.Engine, *slog.Logger, func(), error) {
	if r.shared != nil {
		return r.shared.engine, r.shared.logger, func() {}, nil
	}
	dir, err := r.resolvedDataDir()
	if err != nil {
		return nil, nil, nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, nil, fmt.Errorf("create data folder: %w", err)
	}
	logger, logFile, err := applog.Open(dir, stderrLevel)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("open the log in %s: %w", dir, err)
	}
	e, err := core.Open(ctx, core.Options{DataDir: dir, Logger: logger, Networks: r.networks})
	if err != nil {
		logFile.Close()
		return nil, nil, nil, err
	}
	return e, logger, func() { e.Close(); logFile.Close() }, nil
}

// longRunning takes the data folder's lock, opens the engine and calls fn.
// A second start on the same folder never runs a second engine.
// A short command holding the folder is waited for.
func (r *runner) longRunning(ctx context.Context, kind instance.Kind, fn func(Env) error) error {
	dir, err := r.resolvedDataDir()
	if err != nil {
		return err
	}
	var lock *instance.Lock
	w := r.newWaiter()
	for {
		lock, err = instance.Acquire(dir, instance.Holder{Kind: kind}, nil)
		var held *instance.HeldError
		if !errors.As(err, &held) {
			break
		}
		if held.Known && held.Holder.Kind.Owner() {
			if kind == instance.Window && instance.AskToShow(ctx, dir) {
				fmt.Fprintln(r.io.Stderr, "SocialOmm is already running on this data folder; its window was brought forward.")
				return nil
			}
			return &exitError{code: 1, msg: "socialomm: " + err.Error() + ". Quit it first, or use another --data-dir."}
		}
		if err := w.wait(ctx, held); err != nil {
			return err
		}
	}
	if err != nil {
		return err
	}
	defer lock.Release()
	e, logger, closeAll, err := r.openEngine(ctx, slog.LevelInfo)
	if err != nil {
		return err
	}
	defer closeAll()
	// Commands from other processes run on this engine once the front end
	// listens (Serve); they end before the engine closes.
	lock.HandleCommands(r.serveCommands(&sharedEngine{engine: e, logger: logger}))
	defer lock.StopServing()
	exit := func(code int) {
		lock.StopServing()
		closeAll()
		lock.Release()
		os.Exit(code)
	}
	return fn(Env{Engine: e, Lock: lock, Logger: logger, Exit: exit})
}

func (r *runner) window(ctx context.Context, background bool) error {
	if r.gui == nil {
		return errors.New("this build has no window; use `socialomm daemon`")
	}
	// SIGINT/SIGTERM quit the window the same way its Quit does, so the
	// engine stops cleanly and the data folder is released.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	started := false
	err := r.longRunning(ctx, instance.Window, func(env Env) error {
		started = true
		env.Background = background
		return r.gui(ctx, env)
	})
	if err != nil && !started && r.startupError != nil {
		msg := core.Explain(err)
		var exit *exitError
		if errors.As(err, &exit) {
			msg = strings.TrimPrefix(exit.msg, "socialomm: ")
		}
		r.startupError(msg)
	}
	return err
}

func (r *runner) daemon(ctx context.Context, args []string) error {
	fs := r.leaf("socialomm daemon [--data-dir DIR]",
		"Runs the engine (scheduler, connection checks, notification outbox) with no window\nuntil SIGINT or SIGTERM, then stops cleanly.")
	if _, err := parseInterspersed(fs, args, 0); err != nil {
		return err
	}
	return r.longRunning(ctx, instance.Daemon, func(env Env) error {
		ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		env.Lock.Serve(func() {})
		fmt.Fprintln(r.io.Stderr, "SocialOmm engine running on "+env.Engine.DataDir()+"; press Ctrl+C to stop.")
		err := env.Engine.Run(ctx)
		fmt.Fprintln(r.io.Stderr, "SocialOmm engine stopped.")
		return err
	})
}
