package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/schedule"
)

// postsAPI is what the posts commands need from the scheduler.
type postsAPI interface {
	Schedule(ctx context.Context, text string, at time.Time, accountIDs []int64) (schedule.Post, error)
	Posts(ctx context.Context, f schedule.Filter) ([]schedule.Post, error)
	Post(ctx context.Context, id int64) (schedule.Post, error)
	Retry(ctx context.Context, postID int64) (schedule.Post, error)
	Delete(ctx context.Context, id int64) error
}

// postsFor is the scheduler of an open engine. The commands only edit the
// queue; the engine that runs (the window or the daemon) publishes, and it
// looks at the database every second.
func postsFor(e *core.Engine) postsAPI { return e.Posts() }

func postsCommands() []*command {
	return []*command{
		{name: "schedule", summary: "schedule a post to one or more profiles", run: (*runner).postsSchedule},
		{name: "list", summary: "list posts with each profile's state", run: (*runner).postsList},
		{name: "retry", summary: "send a post's failed, unconfirmed or held copies again", run: (*runner).postsRetry},
		{name: "delete", summary: "delete a post from SocialOmm", run: (*runner).postsDelete},
		{name: "release", summary: "publish, keep or skip an account's held posts", run: (*runner).postsRelease},
	}
}

// accountIDs is a repeatable --account flag; "1,2" also works.
type accountIDs []int64

func (a *accountIDs) String() string {
	var parts []string
	for _, id := range *a {
		parts = append(parts, strconv.FormatInt(id, 10))
	}
	return strings.Join(parts, ",")
}

func (a *accountIDs) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		id, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("%q is not an account id; see `socialomm accounts list`", part)
		}
		*a = append(*a, id)
	}
	return nil
}

// parseAt reads --at: "now", RFC 3339, or a local date and time.
func parseAt(v string, now time.Time) (time.Time, error) {
	v = strings.TrimSpace(v)
	if strings.EqualFold(v, "now") {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, v, now.Location()); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usageError("--at %q is not a time; use now, RFC 3339 like %s, or a local time like %s",
		v, now.Add(time.Hour).Format(time.RFC3339), now.Add(time.Hour).Format("2006-01-02 15:04"))
}

const postsScheduleHelp = `Schedules TEXT to go out at --at on every --account, and prints the post as JSON
(id, text, at, and targets: one per account with its state).

--group NAME posts to every profile of a group (see ` + "`socialomm groups list`" + `); groups
and accounts together post once to each profile in any of them.

TEXT is every remaining word joined by single spaces; quote it to keep line
breaks or repeated spaces. A lone - reads the text from standard input (use it
for text that starts with a dash). --at is now, an RFC 3339 time
(2026-03-02T09:30:00+01:00), or a local time (2026-03-02 09:30).

Posts go out while SocialOmm runs: the window (also hidden in the tray) or
` + "`socialomm daemon`" + `. A profile that is disconnected when its post is due is held
until you reconnect it.`

func (r *runner) postsSchedule(ctx context.Context, args []string) error {
	fs := r.leaf("socialomm posts schedule --account ID [--account ID]... [--group NAME]... --at TIME TEXT... [--data-dir DIR]", postsScheduleHelp)
	var accts accountIDs
	var groups groupNames
	fs.Var(&accts, "account", "account `ID` to post to (repeat, or comma-separated, as socialomm accounts list shows)")
	fs.Var(&groups, "group", "post to every profile of the group `NAME` (repeatable; see socialomm groups list)")
	at := fs.String("at", "", "`TIME`: now, RFC 3339, or local 2006-01-02 15:04")
	pos, err := parseInterspersed(fs, args, -1)
	if err != nil {
		return err
	}
	if len(accts) == 0 && len(groups) == 0 {
		return usageError("posts schedule needs --account ID (see `socialomm accounts list`)")
	}
	if *at == "" {
		return usageError("posts schedule needs --at TIME: now, or a time like %s", time.Now().Add(time.Hour).Format(time.RFC3339))
	}
	when, err := parseAt(*at, time.Now())
	if err != nil {
		return err
	}
	text := strings.Join(pos, " ")
	if len(pos) == 1 && pos[0] == "-" {
		b, err := io.ReadAll(bufio.NewReader(r.io.Stdin))
		if err != nil {
			return fmt.Errorf("read the text from standard input: %w", err)
		}
		text = string(b)
	}
	if strings.TrimSpace(text) == "" {
		return usageError("posts schedule needs the TEXT to post")
	}
	e, _, closeAll, err := r.openEngine(ctx, slog.LevelWarn)
	if err != nil {
		return err
	}
	defer closeAll()
	if accts, err = withGroups(ctx, e, accts, groups); err != nil {
		return err
	}
	p, err := postsFor(e).Schedule(ctx, text, when, accts)
	if err != nil {
		return err
	}
	for _, id := range accts {
		if a, err := e.Account(ctx, id); err == nil && a.State == account.Disconnected {
			fmt.Fprintf(r.io.Stderr, "Note: %s is disconnected; its copy is held until you reconnect it (socialomm accounts update %d).\n", a.Handle, a.ID)
		}
	}
	return writeJSON(r.io.Stdout, p)
}

func (r *runner) postsList(ctx context.Context, args []string) error {
	fs := r.leaf("socialomm posts list [--json] [--account ID] [--state STATE] [--data-dir DIR]",
		"Lists posts by time with each profile's state: scheduled, publishing, published (with the link),\n"+
			"held, failed (with the network's words), retrying or unconfirmed.\n"+
			"With --json, prints a JSON array of posts (id, text, at, created_at, updated_at, targets);\n"+
			"each target has id, account_id, state, hold_reason, remote_id, url, error, attempts,\n"+
			"due_at and next_attempt_at (RFC 3339, UTC).")
	asJSON := fs.Bool("json", false, "print JSON")
	acct := fs.Int64("account", 0, "only posts to this account id")
	state := fs.String("state", "", "only posts with a target in this state")
	if _, err := parseInterspersed(fs, args, 0); err != nil {
		return err
	}
	f := schedule.Filter{AccountID: *acct}
	if *state != "" {
		f.States = []schedule.State{schedule.State(strings.ToLower(*state))}
	}
	e, _, closeAll, err := r.openEngine(ctx, slog.LevelWarn)
	if err != nil {
		return err
	}
	defer closeAll()
	list, err := postsFor(e).Posts(ctx, f)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(r.io.Stdout, list)
	}
	if len(list) == 0 {
		fmt.Fprintln(r.io.Stdout, "No posts. Schedule one with `socialomm posts schedule --account ID --at now Hello`.")
		return nil
	}
	handles := map[int64]string{}
	if accts, err := e.Accounts(ctx); err == nil {
		for _, a := range accts {
			handles[a.ID] = a.Handle
		}
	}
	tw := tabwriter.NewWriter(r.io.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTIME\tTEXT\tPROFILE\tSTATE")
	for _, p := range list {
		for i, t := range p.Targets {
			id, when, text := "", "", ""
			if i == 0 {
				id, when, text = strconv.FormatInt(p.ID, 10), p.At.Local().Format("2 Jan 2006 15:04"), shorten(p.Text, 40)
			}
			who := handles[t.AccountID]
			if who == "" {
				who = "account " + strconv.FormatInt(t.AccountID, 10)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", id, when, text, who, targetWords(t))
		}
	}
	return tw.Flush()
}

func targetWords(t schedule.Target) string {
	switch t.State {
	case schedule.Published:
		return "published " + t.URL
	case schedule.Held:
		if t.HoldReason == schedule.HoldMissed {
			return "held (missed while closed)"
		}
		return "held (account disconnected)"
	case schedule.Failed, schedule.Unconfirmed, schedule.Skipped:
		return string(t.State) + ": " + shorten(t.Error, 80)
	case schedule.Retrying:
		return "retrying at " + t.NextAttemptAt.Local().Format("15:04:05")
	}
	return string(t.State)
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func parsePostID(s string) (int64, error) { return positiveID(s, "a post id", "posts list") }

func (r *runner) postsRetry(ctx context.Context, args []string) error {
	fs := r.leaf("socialomm posts retry ID [--data-dir DIR]",
		"Sends the post's failed, unconfirmed and held copies again now and prints the post as JSON.\n"+
			"An unconfirmed copy may already be on the network: look at the profile first.\n"+
			"A copy held for a disconnected profile is held again until you reconnect it.")
	pos, err := parseInterspersed(fs, args, 1)
	if err != nil {
		return err
	}
	id, err := parsePostID(pos[0])
	if err != nil {
		return err
	}
	e, _, closeAll, err := r.openEngine(ctx, slog.LevelWarn)
	if err != nil {
		return err
	}
	defer closeAll()
	p, err := postsFor(e).Retry(ctx, id)
	if err != nil {
		return err
	}
	return writeJSON(r.io.Stdout, p)
}

func (r *runner) postsDelete(ctx context.Context, args []string) error {
	fs := r.leaf("socialomm posts delete ID [--data-dir DIR]",
		"Deletes a post and its copies that have not gone out from SocialOmm.\n"+
			"Copies already published stay on the networks.")
	pos, err := parseInterspersed(fs, args, 1)
	if err != nil {
		return err
	}
	id, err := parsePostID(pos[0])
	if err != nil {
		return err
	}
	e, _, closeAll, err := r.openEngine(ctx, slog.LevelWarn)
	if err != nil {
		return err
	}
	defer closeAll()
	api := postsFor(e)
	p, err := api.Post(ctx, id)
	if err != nil {
		return err
	}
	if err := api.Delete(ctx, id); err != nil {
		return err
	}
	published := 0
	for _, t := range p.Targets {
		if t.State == schedule.Published || t.State == schedule.Unconfirmed {
			published++
		}
	}
	msg := fmt.Sprintf("Deleted post %d.", id)
	switch {
	case published == 1:
		msg += " Its copy already published (or possibly published) stays on the network."
	case published > 1:
		msg += fmt.Sprintf(" Its %d copies already published (or possibly published) stay on the networks.", published)
	}
	fmt.Fprintln(r.io.Stdout, msg)
	return nil
}
