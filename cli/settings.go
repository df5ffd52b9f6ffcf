package cli

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"text/tabwriter"

	"github.com/socialomm/desktop/core/settings"
)

func settingsCommands() []*command {
	return []*command{
		{name: "get", summary: "print a setting's value", run: (*runner).settingsGet},
		{name: "set", summary: "change a setting (secrets go to the keyring)", run: (*runner).settingsSet},
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

func (r *runner) settingsSet(ctx context.Context, args []string) error {
	fs := r.leaf("socialomm settings set KEY VALUE [--data-dir DIR]", "Changes a setting. smtp.password goes to the keyring; an empty value clears it.\n\n"+settingsHelp())
	pos, err := parseInterspersed(fs, args, 2)
	if err != nil {
		return err
	}
	e, _, closeAll, err := r.openEngine(ctx, slog.LevelWarn)
	if err != nil {
		return err
	}
	defer closeAll()
	if err := e.Settings().Set(ctx, pos[0], pos[1]); err != nil {
		return err
	}
	v, _ := e.Settings().Get(ctx, pos[0])
	fmt.Fprintf(r.io.Stdout, "%s = %s\n", pos[0], v)
	return nil
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
