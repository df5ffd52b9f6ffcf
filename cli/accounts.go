package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
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
	in := core.SignIn{Progress: func(msg string) { fmt.Fprintln(r.io.Stderr, msg) }}
	if r.shared != nil {
		// The browser the person's own command would open.
		in.Open = oauth.SystemOpenerFor(r.shared.logger, r.getenv)
	}
	return in
}

// AppPasswordEnv carries a Bluesky app password to connect and update, so
// it never appears in a command line (ps, shell history).
const AppPasswordEnv = "SOCIALOMM_APP_PASSWORD"

// catalog is the networks the command line offers.
func (r *runner) catalog() core.Catalog {
	if len(r.networks.Entries()) > 0 {
		return r.networks
	}
	return core.Networks()
}

// connectHelp says what each network needs, for connect's --help.
func connectHelp(c core.Catalog) string {
	var b strings.Builder
	b.WriteString("Connects a profile and prints the account as JSON. Progress and questions go to stderr.\n" +
		"The sign-in page opens in your browser ($SOCIALOMM_BROWSER, else $BROWSER, else the desktop's default).\n\nNetworks:\n")
	pad := "\n                               "
	for _, n := range c.Entries() {
		if n.Keys == nil {
			help := n.ConnectHelp
			if help == "" {
				args := n.Name
				for _, f := range n.Form {
					if !f.Secret {
						args += " --" + f.Key + " " + f.Metavar
					}
				}
				help = fmt.Sprintf("  %-28s %s\n", args, n.Title)
			}
			b.WriteString(strings.ReplaceAll(help, "$SECRET_ENV", "$"+AppPasswordEnv))
			continue
		}
		k := n.Keys
		keys := k.IDKey
		switch {
		case k.NeedsSecret:
			keys += " and " + k.SecretKey
		default:
			keys += " (and " + k.SecretKey + " for a confidential app)"
		}
		fmt.Fprintf(&b, "  %-28s your own app keys in the settings %s,%smade at %s with %s registered as%sthe redirect URI; ",
			n.Name+n.ConnectArgs, keys, pad, k.PortalURL, k.DefaultRedirectURI, pad)
		if n.SignIn == core.SignInLoopback {
			b.WriteString("the browser sign-in comes back to SocialOmm by itself\n")
		} else {
			b.WriteString("after signing in, paste the address the browser ends on" + pad + "into standard input\n")
		}
		b.WriteString(n.ConnectHelp)
	}
	return strings.TrimRight(b.String(), "\n")
}

// formFlags are the flags the networks' sign-in forms ask, by key, in
// the catalog's order (secrets never come as arguments).
func formFlags(c core.Catalog) []core.FormField {
	var out []core.FormField
	seen := map[string]bool{}
	for _, n := range c.Entries() {
		for _, f := range n.Form {
			if !f.Secret && !seen[f.Key] {
				seen[f.Key] = true
				out = append(out, f)
			}
		}
	}
	return out
}

// choosers are the networks whose sign-in lets the person choose one of
// several profiles (--page).
func choosers(c core.Catalog) (names []string, usage string) {
	for _, n := range c.Entries() {
		if n.ChoiceUsage != "" {
			names = append(names, n.Name)
			usage = n.ChoiceUsage
		}
	}
	return names, usage
}

func (r *runner) accountsConnect(ctx context.Context, args []string) error {
	c := r.catalog()
	fs := r.leaf("socialomm accounts connect NETWORK [--instance SERVER | --handle HANDLE [--pds URL] | --page ID] [--data-dir DIR]",
		connectHelp(c))
	given := map[string]*string{}
	for _, f := range formFlags(c) {
		given[f.Key] = fs.String(f.Key, "", f.Usage)
	}
	chooserNames, pageUsage := choosers(c)
	page := fs.String("page", "", pageUsage)
	pos, err := parseInterspersed(fs, args, 1)
	if err != nil {
		return err
	}
	n, ok := c.Lookup(pos[0])
	if !ok {
		return usageError("cannot connect %q; networks: %s", pos[0], strings.Join(c.Names(), ", "))
	}
	for _, f := range n.Form {
		if !f.Optional && !f.Secret && *given[f.Key] == "" {
			return usageError("accounts connect %s needs --%s %s, e.g. --%s %s", n.Name, f.Key, f.Metavar, f.Key, f.Example)
		}
	}
	if *page != "" && n.ChoiceUsage == "" {
		return usageError("--page is for %s only", strings.Join(chooserNames, ", "))
	}
	e, _, closeAll, err := r.openEngine(ctx, slog.LevelWarn)
	if err != nil {
		return err
	}
	defer closeAll()
	var a account.Account
	if n.SignIn == core.SignInPaste {
		info, _ := keyedInfo(e, n.Name)
		a, err = r.connectPaste(ctx, e, info, *page)
	} else {
		values := map[string]string{}
		for _, f := range n.Form {
			if !f.Secret {
				values[f.Key] = *given[f.Key]
				continue
			}
			if values[f.Key], err = r.appPassword(); err != nil {
				return err
			}
		}
		a, err = e.Connect(ctx, n.Name, values, r.signIn())
	}
	if err != nil {
		return err
	}
	return writeJSON(r.io.Stdout, a)
}

// keyedInfo is what a network that takes the person's own app keys needs.
func keyedInfo(e *core.Engine, name string) (core.NetworkInfo, bool) {
	for _, n := range e.KeyedNetworks() {
		if n.Name == name {
			return n, true
		}
	}
	return core.NetworkInfo{}, false
}

// connectPaste connects a network whose sign-in ends on an https address:
// the sign-in page opens in the browser, and the person pastes the address
// it ends on. Where the person manages several profiles (Facebook Pages),
// --page picks one.
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
	if len(res.Pages) == 0 {
		return res.Account, nil
	}
	if pageID == "" {
		if len(res.Pages) != 1 {
			var b strings.Builder
			fmt.Fprintf(&b, "socialomm: %s manages %d %s; choose one with --page ID and connect again:\n", res.User, len(res.Pages), p.Title)
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
	return e.ConnectChoice(ctx, p, pageID)
}

// askPaste says where to sign in (opening the page in the browser when
// open is set; the URL is printed too, for when no browser opens) and
// reads the address the browser ended on from the first line of standard
// input.
func (r *runner) askPaste(ctx context.Context, p *core.PasteSignIn, open bool) (string, error) {
	r.sayPasteSteps(ctx, p, open, "copy that whole address, paste it here and press Enter:")
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

// sayPasteSteps tells where to sign in and what to paste, ending with ask.
func (r *runner) sayPasteSteps(ctx context.Context, p *core.PasteSignIn, open bool, ask string) {
	fmt.Fprintf(r.io.Stderr, "Sign in to %s on this page (it opens in your browser):\n  %s\n", p.Title, p.URL)
	fmt.Fprintf(r.io.Stderr, "When the browser shows an address starting with %s (a page that does not load),\n%s\n", p.RedirectURI, ask)
	if open {
		if err := oauth.SystemOpenerFor(nil, r.getenv)(ctx, p.URL); err != nil {
			fmt.Fprintf(r.io.Stderr, "(Could not open the browser: %v. Open the page above yourself.)\n", err)
		}
	}
}

// appPassword reads an app password from the environment or the first line
// of standard input.
func (r *runner) appPassword() (string, error) {
	if v := r.getenv(AppPasswordEnv); v != "" {
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

func parseID(s string) (int64, error) { return positiveID(s, "an account id", "accounts list") }

// positiveID reads an id typed on the command line; a mistake names what
// was expected and the command that lists them.
func positiveID(s, what, list string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, usageError("%q is not %s; see `socialomm %s`", s, what, list)
	}
	return id, nil
}

func (r *runner) accountsUpdate(ctx context.Context, args []string) error {
	fs := r.leaf("socialomm accounts update ID|--all-needed [--data-dir DIR]",
		"Reconnects an account through the network's sign-in page (Bluesky: with a new app password from\n"+
			"$"+AppPasswordEnv+" or standard input; Facebook Pages, Instagram and Threads: paste the address\n"+
			"the browser ends on into standard input, as for connect). You must sign in as the same profile\n"+
			"(Facebook: someone who manages the same Page); otherwise nothing changes and it exits non-zero."+
			updateAllHelp)
	allNeeded := fs.Bool("all-needed", false, "update every profile that is disconnected or expiring, one after another")
	pos, err := parseInterspersed(fs, args, -1)
	if err != nil {
		return err
	}
	if *allNeeded == (len(pos) == 1) || len(pos) > 1 {
		return usageError("accounts update takes one account ID or --all-needed")
	}
	if *allNeeded {
		return r.accountsUpdateAll(ctx)
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
	if current, err := e.Account(ctx, id); err == nil {
		if n, _ := e.Networks().Lookup(current.Network); n.SignIn == core.SignInAppPassword {
			if in.AppPassword, err = r.appPassword(); err != nil {
				return err
			}
		}
	}
	// Networks whose sign-in ends on an https address: the engine opens
	// the sign-in page; the person pastes the address it ends on.
	in.Paste = func(ctx context.Context, p *core.PasteSignIn) (string, error) { return r.askPaste(ctx, p, false) }
	a, err := e.Update(ctx, id, in)
	if err != nil {
		return err
	}
	// With schedule.release_held = ask the posts that waited stay held:
	// nobody is asked here, so say how to let them go.
	if held, err := e.HeldPosts(ctx, a.ID); err == nil && len(held) > 0 {
		fmt.Fprintf(r.io.Stderr, "%d post(s) waited while this profile was disconnected and are still held; choose what happens to them with "+
			"`socialomm posts release --account %d --mode now|keep|skip-older-than AGE`.\n", len(held), a.ID)
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
