package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"text/tabwriter"

	"github.com/socialomm/desktop/core/account"
)

func accountCommands() []*command {
	return []*command{
		{name: "list", summary: "list connected profiles", usage: "socialomm accounts list [--json]", run: (*runner).accountsList},
	}
}

func (r *runner) accountsList(ctx context.Context, args []string) error {
	fs := r.leaf("socialomm accounts list [--json] [--data-dir DIR]",
		"Lists every connected profile with its state and expiry.\nWith --json, prints a JSON array of objects with id, network, handle, display_name,\nstate, reason, expires_at (RFC 3339 or null), last_checked_at and last_error.")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseInterspersed(fs, args, 0); err != nil {
		return err
	}
	e, _, closeAll, err := r.openEngine(ctx, slog.LevelWarn)
	if err != nil {
		return err
	}
	defer closeAll()
	list, err := e.Accounts(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(r.io.Stdout, list)
	}
	if len(list) == 0 {
		fmt.Fprintln(r.io.Stdout, "No profiles connected yet. Connect one with `socialomm accounts connect mastodon --instance mastodon.social` or in the window.")
		return nil
	}
	tw := tabwriter.NewWriter(r.io.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNETWORK\tHANDLE\tSTATE\tEXPIRES")
	for _, a := range list {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", a.ID, a.Network, a.Handle, stateWords(a), expiryWords(a))
	}
	return tw.Flush()
}

func stateWords(a account.Account) string {
	if a.Reason != "" {
		return fmt.Sprintf("%s (%s)", a.State, a.Reason)
	}
	return string(a.State)
}

func expiryWords(a account.Account) string {
	if a.ExpiresAt == nil {
		return "never"
	}
	return a.ExpiresAt.Local().Format("2 Jan 2006 15:04")
}

func writeJSON(w interface{ Write([]byte) (int, error) }, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
