package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/oauth"
)

func accountCommands() []*command {
	return []*command{
		{name: "list", summary: "list connected profiles", run: (*runner).accountsList},
		{name: "connect", summary: "connect a profile through the network's sign-in page", run: (*runner).accountsConnect},
		{name: "update", summary: "reconnect a profile through its sign-in page", run: (*runner).accountsUpdate},
		{name: "check", summary: "check profiles' access now", run: (*runner).accountsCheck},
		{name: "remove", summary: "remove a profile and revoke SocialOmm's access", run: (*runner).accountsRemove},
		{name: "calendar", summary: "write an iCalendar file of when connections end", run: (*runner).accountsCalendar},
	}
}

func (r *runner) accountsCalendar(ctx context.Context, args []string) error {
	fs := r.leaf("socialomm accounts calendar [--output FILE] [--data-dir DIR]",
		"Writes an iCalendar (RFC 5545) file to standard output, or to FILE (replaced whole, never half\n"+
			"written): one all-day event per profile on the day its connection ends, with an alarm on each\n"+
			"warning day (notify.warn_days) and how to renew it. Each profile keeps its event's UID, so\n"+
			"importing the file again updates the events instead of adding copies. Profiles that never\n"+
			"expire have no event. To keep such a file up to date, set calendar.folder.")
	output := fs.String("output", "", "write the calendar to this file instead of standard output")
	if _, err := parseInterspersed(fs, args, 0); err != nil {
		return err
	}
	e, _, closeAll, err := r.openEngine(ctx, slog.LevelWarn)
	if err != nil {
		return err
	}
	defer closeAll()
	if *output == "" {
		_, err := e.WriteCalendar(ctx, r.io.Stdout)
		return err
	}
	n, err := e.WriteCalendarFile(ctx, *output)
	if err != nil {
		return err
	}
	fmt.Fprintf(r.io.Stderr, "Wrote %d event(s) to %s.\n", n, *output)
	return nil
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

// AppPasswordEnv carries a Bluesky app password to connect and update, so
// it never appears in a command line (ps, shell history).
const AppPasswordEnv = "SOCIALOMM_APP_PASSWORD"

// connectHelp says what each network needs, for connect's --help.
func connectHelp() string {
	var b strings.Builder
	b.WriteString("Connects a profile and prints the account as JSON. Progress and questions go to stderr.\n" +
		"The sign-in page opens in your browser ($SOCIALOMM_BROWSER, else $BROWSER, else the desktop's default).\n\nNetworks:\n" +
		"  mastodon --instance SERVER   any Mastodon-compatible server (mastodon.social, https://…, @you@server)\n" +
		"  bluesky --handle HANDLE      with an app password read from $" + AppPasswordEnv + ", else the first\n" +
		"                               line of standard input (never an argument); --pds URL skips resolving\n" +
		"                               the handle to its server\n")
	for _, n := range core.KeyedNetworks() {
		keys := n.IDKey
		switch {
		case n.NeedsSecret:
			keys += " and " + n.SecretKey
		default:
			keys += " (and " + n.SecretKey + " for a confidential app)"
		}
		name := n.Name
		if n.Name == "facebook" {
			name += " [--page ID]"
		}
		pad := "\n                               "
		fmt.Fprintf(&b, "  %-28s your own app keys in the settings %s,%smade at %s with %s registered as%sthe redirect URI; ",
			name, keys, pad, n.PortalURL, n.DefaultRedirectURI, pad)
		if n.Loopback {
			b.WriteString("the browser sign-in comes back to SocialOmm by itself\n")
		} else {
			b.WriteString("after signing in, paste the address the browser ends on" + pad + "into standard input\n")
		}
		if n.Name == "facebook" {
			b.WriteString("                               --page ID picks the Page; a single Page is picked by itself, several are listed\n")
		}
		if n.Name == "instagram" {
			b.WriteString("                               Instagram takes no text-only posts: posting needs an image, which SocialOmm\n" +
				"                               cannot attach yet\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

func (r *runner) accountsConnect(ctx context.Context, args []string) error {
	fs := r.leaf("socialomm accounts connect NETWORK [--instance SERVER | --handle HANDLE [--pds URL] | --page ID] [--data-dir DIR]",
		connectHelp())
	instance := fs.String("instance", "", "the Mastodon server, e.g. mastodon.social")
	handle := fs.String("handle", "", "the Bluesky handle, e.g. ana.bsky.social")
	pds := fs.String("pds", "", "the Bluesky server (PDS) URL, if not resolved from the handle")
	page := fs.String("page", "", "the id of the Facebook Page to connect")
	pos, err := parseInterspersed(fs, args, 1)
	if err != nil {
		return err
	}
	info, keyed := core.KeyedNetwork(pos[0])
	switch {
	case pos[0] == "mastodon":
		if *instance == "" {
			return usageError("accounts connect mastodon needs --instance SERVER, e.g. --instance mastodon.social")
		}
	case pos[0] == "bluesky":
		if *handle == "" {
			return usageError("accounts connect bluesky needs --handle HANDLE, e.g. --handle ana.bsky.social")
		}
	case keyed:
	default:
		return usageError("cannot connect %q; networks: mastodon, bluesky, x, linkedin, facebook, instagram, threads", pos[0])
	}
	if *page != "" && pos[0] != "facebook" {
		return usageError("--page is for facebook only")
	}
	e, _, closeAll, err := r.openEngine(ctx, slog.LevelWarn)
	if err != nil {
		return err
	}
	defer closeAll()
	var a account.Account
	switch {
	case pos[0] == "mastodon":
		a, err = e.ConnectMastodon(ctx, *instance, r.signIn())
	case pos[0] == "bluesky":
		password, perr := r.appPassword()
		if perr != nil {
			return perr
		}
		a, err = e.ConnectBluesky(ctx, *handle, password, *pds, r.signIn())
	case info.Loopback:
		a, err = e.ConnectOAuth(ctx, info.Name, r.signIn())
	default:
		a, err = r.connectPaste(ctx, e, info, *page)
	}
	if err != nil {
		return err
	}
	return writeJSON(r.io.Stdout, a)
}

// connectPaste connects Facebook Pages, Instagram or Threads: the sign-in
// page opens in the browser, and the person pastes the address it ends on.
func (r *runner) connectPaste(ctx context.Context, e *core.Engine, info core.NetworkInfo, pageID string) (account.Account, error) {
	if info.Note != "" {
		fmt.Fprintln(r.io.Stderr, "Note: "+info.Note)
	}
	p, err := e.StartPaste(ctx, info.Name)
	if err != nil {
		return account.Account{}, err
	}
	pasted, err := r.askPaste(ctx, p, true)
	if err != nil {
		return account.Account{}, err
	}
	res, err := e.FinishPaste(ctx, p, pasted)
	if err != nil {
		return account.Account{}, err
	}
	if info.Name != "facebook" {
		return res.Account, nil
	}
	if pageID == "" {
		if len(res.Pages) != 1 {
			var b strings.Builder
			fmt.Fprintf(&b, "socialomm: %s manages %d Facebook Pages; choose one with --page ID and connect again:\n", res.User, len(res.Pages))
			for _, pg := range res.Pages {
				note := ""
				if !pg.CanPost {
					note = "  (your role does not allow posting)"
				}
				fmt.Fprintf(&b, "  %-20s %s%s\n", pg.ID, pg.Name, note)
			}
			return account.Account{}, &exitError{code: 2, msg: strings.TrimRight(b.String(), "\n")}
		}
		pageID = res.Pages[0].ID
	}
	return e.ConnectFacebookPage(ctx, p, pageID)
}

// askPaste says where to sign in (opening the page in the browser when
// open is set; the URL is printed too, for when no browser opens) and
// reads the address the browser ended on from the first line of standard
// input.
func (r *runner) askPaste(ctx context.Context, p *core.PasteSignIn, open bool) (string, error) {
	fmt.Fprintf(r.io.Stderr, "Sign in to %s on this page (it opens in your browser):\n  %s\n", p.Title, p.URL)
	fmt.Fprintf(r.io.Stderr, "When the browser shows an address starting with %s (a page that does not load),\n"+
		"copy that whole address, paste it here and press Enter:\n", p.RedirectURI)
	if open {
		if err := oauth.SystemOpener(nil)(ctx, p.URL); err != nil {
			fmt.Fprintf(r.io.Stderr, "(Could not open the browser: %v. Open the page above yourself.)\n", err)
		}
	}
	if r.io.Stdin == nil {
		return "", usageError("paste the address the browser ends on into standard input")
	}
	line, err := bufio.NewReader(r.io.Stdin).ReadString('\n')
	line = strings.TrimSpace(line)
	if line == "" {
		if err != nil && err != io.EOF {
			return "", fmt.Errorf("read the address: %w", err)
		}
		return "", usageError("no address was pasted; nothing was changed")
	}
	return line, nil
}

// appPassword reads an app password from the environment or the first line
// of standard input.
func (r *runner) appPassword() (string, error) {
	if v := os.Getenv(AppPasswordEnv); v != "" {
		return v, nil
	}
	if r.io.Stdin == nil {
		return "", usageError("give the app password in $%s or on standard input", AppPasswordEnv)
	}
	line, err := bufio.NewReader(r.io.Stdin).ReadString('\n')
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		if err != nil && err != io.EOF {
			return "", fmt.Errorf("read the app password: %w", err)
		}
		return "", usageError("give the app password in $%s or on standard input", AppPasswordEnv)
	}
	return line, nil
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
		"Reconnects an account through the network's sign-in page (Bluesky: with a new app password from\n"+
			"$"+AppPasswordEnv+" or standard input; Facebook Pages, Instagram and Threads: paste the address\n"+
			"the browser ends on into standard input, as for connect). You must sign in as the same profile\n"+
			"(Facebook: someone who manages the same Page); otherwise nothing changes and it exits non-zero.")
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
	in := r.signIn()
	if current, err := e.Account(ctx, id); err == nil && current.Network == "bluesky" {
		if in.AppPassword, err = r.appPassword(); err != nil {
			return err
		}
	}
	// Facebook Pages, Instagram and Threads: the engine opens the sign-in
	// page; the person pastes the address it ends on.
	in.Paste = func(ctx context.Context, p *core.PasteSignIn) (string, error) { return r.askPaste(ctx, p, false) }
	a, err := e.Update(ctx, id, in)
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
