package group_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/group"
	"github.com/socialomm/desktop/core/store"
)

var ctx = context.Background()

// open makes a store with n profiles (ids 1..n) and its group store.
func open(t *testing.T, n int) (*store.Store, *group.Store) {
	t.Helper()
	now := func() time.Time { return time.Unix(1_800_000_000, 0) }
	st, err := store.Open(ctx, t.TempDir(), store.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for i := 1; i <= n; i++ {
		_, err := st.SaveAccount(ctx, account.Account{Network: "mastodon", Instance: "https://x.example",
			RemoteID: fmt.Sprint(i), Handle: fmt.Sprintf("@p%d@x.example", i), State: account.Connected})
		if err != nil {
			t.Fatal(err)
		}
	}
	return st, group.New(st.DB(), now)
}

func TestCreateListAndFindByName(t *testing.T) {
	_, gs := open(t, 3)
	g, err := gs.Create(ctx, "  Acme client ", []int64{3, 1, 3})
	if err != nil {
		t.Fatal(err)
	}
	if g.Name != "Acme client" || fmt.Sprint(g.AccountIDs) != "[1 3]" {
		t.Fatalf("created %+v", g)
	}
	if _, err := gs.Create(ctx, "beta", []int64{2}); err != nil {
		t.Fatal(err)
	}
	list, err := gs.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "Acme client" || fmt.Sprint(list[0].AccountIDs) != "[1 3]" ||
		list[1].Name != "beta" || fmt.Sprint(list[1].AccountIDs) != "[2]" {
		t.Fatalf("list %+v", list)
	}
	found, err := gs.ByName(ctx, "ACME CLIENT")
	if err != nil || found.ID != g.ID {
		t.Fatalf("by name: %+v %v", found, err)
	}
	if _, err := gs.ByName(ctx, "nobody"); !errors.Is(err, group.ErrNotFound) {
		t.Fatalf("unknown name: %v", err)
	}
}

func TestCreateRefusesBadInputAndKeepsNothing(t *testing.T) {
	for _, tc := range []struct {
		name string
		ids  []int64
		want error
	}{
		{"", []int64{1}, group.ErrBadName},
		{"two\nlines", []int64{1}, group.ErrBadName},
		{string(make([]rune, group.MaxName+1)), []int64{1}, group.ErrBadName},
		{"empty", nil, group.ErrNoProfiles},
		{"ghost", []int64{1, 99}, group.ErrUnknownProfile},
		{"TAKEN", []int64{1}, group.ErrExists},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, gs := open(t, 2)
			if _, err := gs.Create(ctx, "taken", []int64{2}); err != nil {
				t.Fatal(err)
			}
			_, err := gs.Create(ctx, tc.name, tc.ids)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if list, _ := gs.List(ctx); len(list) != 1 {
				t.Fatalf("a refused group was kept: %+v", list)
			}
		})
	}
}

func TestRenameAndDelete(t *testing.T) {
	_, gs := open(t, 2)
	a, _ := gs.Create(ctx, "a", []int64{1})
	b, _ := gs.Create(ctx, "b", []int64{2})
	if err := gs.Rename(ctx, a.ID, "B"); !errors.Is(err, group.ErrExists) {
		t.Fatalf("rename onto another's name: %v", err)
	}
	if err := gs.Rename(ctx, a.ID, "Acme"); err != nil {
		t.Fatal(err)
	}
	if err := gs.Rename(ctx, 999, "x"); !errors.Is(err, group.ErrNotFound) {
		t.Fatalf("rename of a missing group: %v", err)
	}
	if err := gs.Delete(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if err := gs.Delete(ctx, b.ID); !errors.Is(err, group.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	list, _ := gs.List(ctx)
	if len(list) != 1 || list[0].Name != "Acme" || fmt.Sprint(list[0].AccountIDs) != "[1]" {
		t.Fatalf("after rename and delete: %+v", list)
	}
}

func TestARemovedProfileLeavesItsGroups(t *testing.T) {
	st, gs := open(t, 3)
	if _, err := gs.Create(ctx, "client", []int64{1, 2}); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteAccount(ctx, 2); err != nil {
		t.Fatal(err)
	}
	g, err := gs.ByName(ctx, "client")
	if err != nil || fmt.Sprint(g.AccountIDs) != "[1]" {
		t.Fatalf("after removing profile 2: %+v %v", g, err)
	}
}
