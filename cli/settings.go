package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"

	"github.com/socialomm/desktop/core/settings"
)

func settingsCommands() []*command {
	return []*command{
		{name: "get", summary: "print a setting's value", run: (*runner).settingsGet},
		{name: "set", summary: "change a setting (secrets go to the keyring)", run: (*runner).settingsSet,
			stdinLine: settingValueOnStdin, stdinPrompt: func(args []string) string {
				return "Value for " + positionals(args)[0] + " (not shown): "
			}},
		{name: "list", summary: "list every setting with its value", run: (*runner).settingsList},
	}
}

func settingsHelp() string {
	var b strings.Builder
	b.WriteString("Settings:\n")
	for _, d := range settings.All() {
		fmt.Fprintf(&b, "  %-24s %s (default %q)\n", d.Key, d.Help, d.Default)
	}
	return b.String()
}

func (r *runner) settingsGet(ctx context.Context, args []string) error {
	fs := r.leaf("socialomm settings get KEY [--data-dir DIR]", "Prints a setting's value (secrets show only whether they are set).\n\n"+settingsHelp())
	pos, err := parseInterspersed(fs, args, 1)
	if err != nil {
		return err
	}
	e, _, closeAll, err := r.openEngine(ctx, slog.LevelWarn)
	if err != nil {
		return err
	}
	defer closeAll()
	v, err := e.Settings().Get(ctx, pos[0])
	if err != nil {
		return err
	}
	fmt.Fprintln(r.io.Stdout, v)
	return nil
}

// settingValueOnStdin says whether settings set's words ask for the value
// on standard input: `settings set KEY -`, or KEY alone.
func settingValueOnStdin(args []string) bool {
	pos := positionals(args)
	return len(pos) == 1 || (len(pos) == 2 && pos[1] == "-")
}

// positionals are args' words that are not flags (only --data-dir takes a
// value of its own).
func positionals(args []string) []string {
	var pos []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--data-dir" || a == "-data-dir":
			i++
		case a == "-":
			pos = append(pos, a)
		case !strings.HasPrefix(a, "-"):
			pos = append(pos, a)
		}
	}
	return pos
}

const settingsSetHelp = `Changes a setting. Secrets (smtp.password, *.client_secret, *.app_secret) go to the
keyring and are read from standard input, never taken as an argument (the process
list and your shell history would show them): with VALUE - or no VALUE, the value
is the first line of standard input (typed without echo at a terminal, or piped in).
An empty value clears a secret.

`

func (r *runner) settingsSet(ctx context.Context, args []string) error {
	fs := r.leaf("socialomm settings set KEY [VALUE | -] [--data-dir DIR]", settingsSetHelp+settingsHelp())
	pos, err := parseInterspersed(fs, args, -1)
	if err != nil {
		return err
	}
	if len(pos) < 1 || len(pos) > 2 {
		return usageError("%s takes %d argument(s), got %d", fs.Name(), 2, len(pos))
	}
	key, value := pos[0], ""
	if len(pos) == 2 && pos[1] != "-" {
		value = pos[1]
		if d, ok := settings.Lookup(key); ok && d.Secret != "" && value != "" {
			return &exitError{code: 2, msg: fmt.Sprintf("socialomm: %s is a secret: given as an argument it would show in the process list and your shell history.\n"+
				"Nothing was changed. Give it on standard input instead: `socialomm settings set %s -`, then type it or pipe it in.", key, key)}
		}
	} else if value, err = r.valueFromStdin(); err != nil {
		return err
	}
	e, _, closeAll, err := r.openEngine(ctx, slog.LevelWarn)
	if err != nil {
		return err
	}
	defer closeAll()
	if err := e.Settings().Set(ctx, key, value); err != nil {
		return err
	}
	v, _ := e.Settings().Get(ctx, key)
	fmt.Fprintf(r.io.Stdout, "%s = %s\n", key, v)
	return nil
}

// valueFromStdin reads a setting's value: the first line of standard
// input, without its line end. No input at all changes nothing.
func (r *runner) valueFromStdin() (string, error) {
	if r.io.Stdin == nil {
		return "", usageError("no value on standard input; nothing was changed")
	}
	line, err := bufio.NewReader(r.io.Stdin).ReadString('\n')
	if line == "" {
		if err != nil && err != io.EOF {
			return "", fmt.Errorf("read the value from standard input: %w", err)
		}
		return "", usageError("no value on standard input; nothing was changed")
	}
	return strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"), nil
}

func (r *runner) settingsList(ctx context.Context, args []string) error {
	fs := r.leaf("socialomm settings list [--data-dir DIR]", "Lists every setting with its current value.")
	if _, err := parseInterspersed(fs, args, 0); err != nil {
		return err
	}
	e, _, closeAll, err := r.openEngine(ctx, slog.LevelWarn)
	if err != nil {
		return err
	}
	defer closeAll()
	tw := tabwriter.NewWriter(r.io.Stdout, 0, 4, 2, ' ', 0)
	for _, d := range settings.All() {
		v, err := e.Settings().Get(ctx, d.Key)
		if err != nil {
			v = "(" + err.Error() + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\n", d.Key, v)
	}
	return tw.Flush()
}
