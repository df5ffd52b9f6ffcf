package cli

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// seeded makes a data folder with n seeded profiles (ids 1..n).
func seeded(t *testing.T, n int) string {
	t.Helper()
	dir := setup(t)
	if r := run(t, "dev", "seed", "--accounts", fmt.Sprint(n), "--posts", "0", "--no-secrets", "--data-dir", dir); r.code != 0 {
		t.Fatalf("seed: %+v", r)
	}
	return dir
}

// scheduledTo is the account ids of the post `posts schedule` printed.
func scheduledTo(t *testing.T, r result) []int64 {
	t.Helper()
	var p struct {
		Targets []struct {
			AccountID int64 `json:"account_id"`
		} `json:"targets"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &p) != nil {
		t.Fatalf("schedule: %+v", r)
	}
	var ids []int64
	for _, tg := range p.Targets {
		ids = append(ids, tg.AccountID)
	}
	slices.Sort(ids)
	return ids
}

func TestPostsScheduleToAGroup(t *testing.T) {
	seeded(t, 5)
	if r := run(t, "groups", "create", "Acme client", "--accounts", "2,4"); r.code != 0 || !strings.Contains(r.stdout, `"name": "Acme client"`) {
		t.Fatalf("create: %+v", r)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"group alone", []string{"--group", "acme client"}, "[2 4]"},
		{"group and accounts: each profile once", []string{"--account", "4,5", "--group", "Acme client"}, "[2 4 5]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"posts", "schedule", "--at", "now"}, tc.args...)
			got := scheduledTo(t, run(t, append(args, "Hello")...))
			if fmt.Sprint(got) != tc.want {
				t.Fatalf("posted to %v, want %s", got, tc.want)
			}
		})
	}
}

func TestGroupMistakesSayWhatIsWrong(t *testing.T) {
	seeded(t, 3)
	if r := run(t, "groups", "create", "taken", "--accounts", "1"); r.code != 0 {
		t.Fatalf("create: %+v", r)
	}
	for _, tc := range []struct {
		args  []string
		code  int
		words string
	}{
		{[]string{"posts", "schedule", "--group", "nobody", "--at", "now", "Hi"}, 2, `there is no group called "nobody"`},
		{[]string{"posts", "schedule", "--group", "nobody", "--account", "1", "--at", "now", "Hi"}, 2, `there is no group called "nobody"`},
		{[]string{"groups", "delete", "nobody"}, 2, `there is no group called "nobody"`},
		{[]string{"groups", "create", "x"}, 2, "needs --accounts"},
		{[]string{"groups", "create", "TAKEN", "--accounts", "2"}, 1, "already exists"},
		{[]string{"groups", "create", "ghost", "--accounts", "1,99"}, 1, "account 99"},
	} {
		r := run(t, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.words) || r.stdout != "" {
			t.Errorf("%v: %+v", tc.args, r)
		}
	}
	// Nothing was posted by the refused schedules.
	if r := run(t, "posts", "list", "--json"); strings.TrimSpace(r.stdout) != "[]" {
		t.Fatalf("posts after refusals: %+v", r)
	}
}

func TestGroupsListAndDelete(t *testing.T) {
	seeded(t, 3)
	if r := run(t, "groups", "list"); !strings.Contains(r.stdout, "No groups.") {
		t.Fatalf("empty list: %+v", r)
	}
	run(t, "groups", "create", "b", "--accounts", "3")
	run(t, "groups", "create", "A", "--accounts", "1,2")
	r := run(t, "groups", "list")
	if r.code != 0 || r.stdout != "NAME  PROFILES  ACCOUNT IDS\nA     2         1,2\nb     1         3\n" {
		t.Fatalf("list: %q", r.stdout)
	}
	if r := run(t, "groups", "delete", "a"); r.code != 0 || r.stdout != "Deleted the group \"A\".\n" {
		t.Fatalf("delete: %+v", r)
	}
	var list []map[string]any
	r = run(t, "groups", "list", "--json")
	if json.Unmarshal([]byte(r.stdout), &list) != nil || len(list) != 1 || list[0]["name"] != "b" {
		t.Fatalf("json after delete: %+v", r)
	}
}
