package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"text/tabwriter"

	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/core/account"
)

func accountCommands() []*command {
	return []*command{
		{name: "list", summary: "list connected profiles", run: (*runner).accountsList},
		{name: "connect", summary: "connect a profile through the network's sign-in page", run: (*runner).accountsConnect},
		{name: "update", summary: "reconnect a profile through its sign-in page", run: (*runner).accountsUpdate},
		{name: "check", summary: "check profiles' access now", run: (*runner).accountsCheck},
		{name: "remove", summary: "remove a profile and revoke SocialOmm's access", run: (*runner).accountsRemove},
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

// signIn reports the browser flow's progress on stderr, so stdout stays
// the account's JSON.
func (r *runner) signIn() core.SignIn {
	return core.SignIn{Progress: func(msg string) { fmt.Fprintln(r.io.Stderr, msg) }}
}

func (r *runner) accountsConnect(ctx context.Context, args []string) error {
	fs := r.leaf("socialomm accounts connect NETWORK --instance SERVER [--data-dir DIR]",
		"Connects a profile through the network's own sign-in page in your browser\n"+
			"($SOCIALOMM_BROWSER, else $BROWSER, else the desktop's default) and prints the account as JSON.\n"+
			"Networks: mastodon (any Mastodon-compatible server: mastodon.social, https://…, @you@server).")
	instance := fs.String("instance", "", "the server, e.g. mastodon.social")
	pos, err := parseInterspersed(fs, args, 1)
	if err != nil {
		return err
	}
	if pos[0] != "mastodon" {
		return usageError("cannot connect %q yet; networks: mastodon", pos[0])
	}
	if *instance == "" {
		return usageError("accounts connect mastodon needs --instance SERVER, e.g. --instance mastodon.social")
	}
	e, _, closeAll, err := r.openEngine(ctx, slog.LevelWarn)
	if err != nil {
		return err
	}
	defer closeAll()
	a, err := e.ConnectMastodon(ctx, *instance, r.signIn())
	if err != nil {
		return err
	}
	return writeJSON(r.io.Stdout, a)
}

func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, usageError("%q is not an account id; see `socialomm accounts list`", s)
	}
	return id, nil
}

func (r *runner) accountsUpdate(ctx context.Context, args []string) error {
	fs := r.leaf("socialomm accounts update ID [--data-dir DIR]",
		"Reconnects an account through the network's sign-in page. You must sign in as the same\n"+
			"profile; signing in as another one changes nothing and exits non-zero.")
	pos, err := parseInterspersed(fs, args, 1)
	if err != nil {
		return err
	}
	id, err := parseID(pos[0])
	if err != nil {
		return err
	}
	e, _, closeAll, err := r.openEngine(ctx, slog.LevelWarn)
	if err != nil {
		return err
	}
	defer closeAll()
	a, err := e.Update(ctx, id, r.signIn())
	if err != nil {
		return err
	}
	return writeJSON(r.io.Stdout, a)
}

func (r *runner) accountsCheck(ctx context.Context, args []string) error {
	fs := r.leaf("socialomm accounts check ID|--all [--json] [--data-dir DIR]",
		"Checks access now and prints each account's new state and reason.")
	all := fs.Bool("all", false, "check every account")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseInterspersed(fs, args, -1)
	if err != nil {
		return err
	}
	if *all == (len(pos) == 1) || len(pos) > 1 {
		return usageError("accounts check takes one account ID or --all")
	}
	e, _, closeAll, err := r.openEngine(ctx, slog.LevelWarn)
	if err != nil {
		return err
	}
	defer closeAll()
	var ids []int64
	if *all {
		list, err := e.Accounts(ctx)
		if err != nil {
			return err
		}
		for _, a := range list {
			ids = append(ids, a.ID)
		}
	} else {
		id, err := parseID(pos[0])
		if err != nil {
			return err
		}
		ids = []int64{id}
	}
	results := []account.Account{}
	for _, id := range ids {
		a, err := e.Check(ctx, id)
		if err != nil {
			return err
		}
		results = append(results, a)
	}
	if *asJSON {
		return writeJSON(r.io.Stdout, results)
	}
	for _, a := range results {
		line := fmt.Sprintf("%d %s: %s", a.ID, a.Handle, stateWords(a))
		if a.LastError != "" {
			line += " — " + a.LastError
		}
		fmt.Fprintln(r.io.Stdout, line)
	}
	return nil
}

func (r *runner) accountsRemove(ctx context.Context, args []string) error {
	fs := r.leaf("socialomm accounts remove ID --yes [--data-dir DIR]",
		"Removes an account: revokes SocialOmm's access at the network where it can, deletes its\n"+
			"sign-in from the keyring, and drops its queued posts (posts to other profiles still go out).")
	yes := fs.Bool("yes", false, "confirm the removal")
	pos, err := parseInterspersed(fs, args, 1)
	if err != nil {
		return err
	}
	id, err := parseID(pos[0])
	if err != nil {
		return err
	}
	if !*yes {
		return usageError("removing an account cannot be undone; add --yes to confirm")
	}
	e, _, closeAll, err := r.openEngine(ctx, slog.LevelWarn)
	if err != nil {
		return err
	}
	defer closeAll()
	report, err := e.Remove(ctx, id)
	if err != nil {
		return err
	}
	if report.RevokeNote != "" {
		fmt.Fprintln(r.io.Stderr, report.RevokeNote)
	}
	return writeJSON(r.io.Stdout, report)
}
