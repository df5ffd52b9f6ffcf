package devseed

import (
	"context"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/account"
	"github.com/socialomm/desktop/core/secret"
	"github.com/socialomm/desktop/core/store"
	"github.com/zalando/go-keyring"
)

func TestSeedWritesAMixedRealisticSet(t *testing.T) {
	t.Setenv("SOCIALOMM_KEYRING", "mock")
	keyring.MockInit()
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	res, err := Seed(ctx, st, Options{Accounts: 300, Posts: 2000, Now: now, Secrets: secret.NewKeyring(), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Accounts != 300 || res.Posts != 2000 || res.Targets < 2000 {
		t.Fatalf("result %+v", res)
	}
	list, _ := st.Accounts(ctx)
	states, nets := map[account.State]int{}, map[string]int{}
	never := 0
	for _, a := range list {
		states[a.State]++
		nets[a.Network]++
		if a.ExpiresAt == nil {
			never++
		}
	}
	if states[account.Connected] == 0 || states[account.Expiring] == 0 || states[account.Disconnected] == 0 || len(nets) < 6 || never == 0 {
		t.Fatalf("not mixed: states %v networks %v never-expiring %d", states, nets, never)
	}
	var kinds int
	st.DB().QueryRow(`SELECT count(DISTINCT state) FROM post_targets`).Scan(&kinds)
	if kinds < 7 {
		t.Fatalf("only %d target states", kinds)
	}
	// Sends in flight and pending retries are minutes old, and few.
	var inFlight, stale int
	st.DB().QueryRow(`SELECT count(*) FROM post_targets WHERE state = 'publishing'`).Scan(&inFlight)
	st.DB().QueryRow(`SELECT count(*) FROM post_targets WHERE state IN ('publishing', 'retrying') AND due_at < ?`,
		now.Add(-time.Hour).Unix()).Scan(&stale)
	if inFlight == 0 || inFlight > interruptedSends || stale != 0 {
		t.Fatalf("%d targets publishing (want 1 to %d), %d publishing or retrying over an hour old", inFlight, interruptedSends, stale)
	}
	key := list[0].Network + " " + list[0].Instance + " " + list[0].RemoteID
	if item, err := secret.NewKeyring().Get(ctx, secret.Credentials, key); err != nil || item == "" {
		t.Fatalf("seeded token not in the keyring: %v", err)
	}
}
