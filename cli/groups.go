package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/socialomm/desktop/core"
	"github.com/socialomm/desktop/core/group"
)

func groupsCommands() []*command {
	return []*command{
		{name: "list", summary: "list groups with their profiles", run: (*runner).groupsList},
		{name: "create", summary: "name a group of profiles", run: (*runner).groupsCreate},
		{name: "delete", summary: "delete a group (its profiles stay)", run: (*runner).groupsDelete},
	}
}

// groupNames is a repeatable --group flag.
type groupNames []string

func (g *groupNames) String() string { return strings.Join(*g, ",") }

func (g *groupNames) Set(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("give the group's name (see `socialomm groups list`)")
	}
	*g = append(*g, v)
	return nil
}

// withGroups adds the profiles of the named groups to ids, each profile
// once, in the order first named. An unknown group is a usage mistake.
func withGroups(ctx context.Context, e *core.Engine, ids []int64, names []string) ([]int64, error) {
	out := slices.Clone(ids)
	for _, name := range names {
		g, err := e.Group(ctx, name)
		if errors.Is(err, group.ErrNotFound) {
			return nil, usageError("there is no group called %q; see `socialomm groups list`", strings.TrimSpace(name))
		}
		if err != nil {
			return nil, err
		}
		if len(g.AccountIDs) == 0 {
			return nil, fmt.Errorf("the group %q has no profiles left (they were removed from SocialOmm)", g.Name)
		}
		out = append(out, g.AccountIDs...)
	}
	seen := map[int64]bool{}
	return slices.DeleteFunc(out, func(id int64) bool {
		dup := seen[id]
		seen[id] = true
		return dup
	}), nil
}

func (r *runner) groupsList(ctx context.Context, args []string) error {
	fs := r.leaf("socialomm groups list [--json] [--data-dir DIR]",
		"Lists the groups of profiles by name, with their account ids.\n"+
			"With --json, prints a JSON array of groups (id, name, account_ids, created_at).")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseInterspersed(fs, args, 0); err != nil {
		return err
	}
	e, _, closeAll, err := r.openEngine(ctx, slog.LevelWarn)
	if err != nil {
		return err
	}
	defer closeAll()
	list, err := e.Groups(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		if list == nil {
			list = []group.Group{}
		}
		return writeJSON(r.io.Stdout, list)
	}
	if len(list) == 0 {
		fmt.Fprintln(r.io.Stdout, "No groups. Make one with `socialomm groups create NAME --accounts 1,2,3` or in Compose.")
		return nil
	}
	tw := tabwriter.NewWriter(r.io.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tPROFILES\tACCOUNT IDS")
	for _, g := range list {
		ids := make([]string, len(g.AccountIDs))
		for i, id := range g.AccountIDs {
			ids[i] = strconv.FormatInt(id, 10)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\n", g.Name, len(g.AccountIDs), strings.Join(ids, ","))
	}
	return tw.Flush()
}

func (r *runner) groupsCreate(ctx context.Context, args []string) error {
	fs := r.leaf("socialomm groups create NAME --accounts ID[,ID]... [--data-dir DIR]",
		"Names a group of profiles (quote a NAME with spaces) and prints it as JSON.\n"+
			"Post to it with `socialomm posts schedule --group NAME`.")
	var accts accountIDs
	fs.Var(&accts, "accounts", "the account `IDs` in the group (comma-separated or repeated, as socialomm accounts list shows)")
	pos, err := parseInterspersed(fs, args, 1)
	if err != nil {
		return err
	}
	if len(accts) == 0 {
		return usageError("groups create needs --accounts ID,ID (see `socialomm accounts list`)")
	}
	e, _, closeAll, err := r.openEngine(ctx, slog.LevelWarn)
	if err != nil {
		return err
	}
	defer closeAll()
	g, err := e.CreateGroup(ctx, pos[0], accts)
	if err != nil {
		return err
	}
	return writeJSON(r.io.Stdout, g)
}

func (r *runner) groupsDelete(ctx context.Context, args []string) error {
	fs := r.leaf("socialomm groups delete NAME [--data-dir DIR]",
		"Deletes the group. Its profiles and their posts stay.")
	pos, err := parseInterspersed(fs, args, 1)
	if err != nil {
		return err
	}
	e, _, closeAll, err := r.openEngine(ctx, slog.LevelWarn)
	if err != nil {
		return err
	}
	defer closeAll()
	g, err := e.Group(ctx, pos[0])
	if errors.Is(err, group.ErrNotFound) {
		return usageError("there is no group called %q; see `socialomm groups list`", strings.TrimSpace(pos[0]))
	}
	if err != nil {
		return err
	}
	if err := e.DeleteGroup(ctx, g.ID); err != nil {
		return err
	}
	fmt.Fprintf(r.io.Stdout, "Deleted the group %q.\n", g.Name)
	return nil
}
