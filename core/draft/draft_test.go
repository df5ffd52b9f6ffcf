package draft

import (
	"context"
	"testing"
	"time"

	"github.com/socialomm/desktop/core/store"
)

func TestDraftSurvivesReopeningTheStore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d, err := New(st).Load(ctx); err != nil || !d.Empty() {
		t.Fatalf("fresh store: %+v %v", d, err)
	}
	at := time.Date(2027, 3, 1, 9, 30, 0, 0, time.FixedZone("CET", 3600))
	if err := New(st).Save(ctx, Draft{Text: "Hello 👩‍👩‍👧", AccountIDs: []int64{3, 1, 3}, At: &at}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	st, err = store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d, err := New(st).Load(ctx)
	if err != nil || d.Text != "Hello 👩‍👩‍👧" || len(d.AccountIDs) != 2 || d.AccountIDs[0] != 1 || d.At == nil || !d.At.Equal(at) {
		t.Fatalf("after reopening: %+v %v", d, err)
	}
	// Saving an empty draft forgets it.
	if err := New(st).Save(ctx, Draft{}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := st.Setting(ctx, Key); ok {
		t.Fatal("an empty draft is still stored")
	}
}

func TestUnreadableDraftIsEmptyWithAnError(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SetSetting(ctx, Key, "{not json"); err != nil {
		t.Fatal(err)
	}
	if d, err := New(st).Load(ctx); err == nil || !d.Empty() {
		t.Fatalf("%+v %v", d, err)
	}
}
