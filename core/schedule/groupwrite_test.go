package schedule

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// Outcomes stored at the same time share one transaction: while one
// write waits for the database, the others gather and are then committed
// together, each still getting its own row back. A refused statement
// sends its group back to one write each, so only that outcome fails.
func TestOutcomesStoredTogetherShareOneCommit(t *testing.T) {
	e := newEnv(t)
	var ids []int64
	for i := range 5 {
		p := e.schedule("together", t0.Add(time.Duration(i+1)*time.Minute), e.a1)
		ids = append(ids, e.target(p.ID, e.a1).ID)
	}
	e.exec(`UPDATE post_targets SET state = 'publishing'`)

	// Another connection holds the write lock, so the first write (the
	// leader) waits inside its statement while the other four queue.
	holder, err := e.st.DB().Conn(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if _, err := holder.ExecContext(e.ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	commitsBefore := e.s.writes.commitsForTest()
	var wg sync.WaitGroup
	stored := make([]Target, len(ids))
	errs := make([]error, len(ids))
	write := func(i int) {
		defer wg.Done()
		stored[i], _, errs[i] = e.s.write(e.ctx, Target{ID: ids[i]}, `state = 'published', remote_id = ?`, []any{"r" + string(rune('a'+i))})
	}
	wg.Add(1)
	go write(0)
	// Leading, with its own write taken: it is in its statement.
	waitUntil(t, "the first write to lead", func() bool { return e.s.writes.isLeading() && e.s.writes.waiting() == 0 })
	for i := 1; i < len(ids); i++ {
		wg.Add(1)
		go write(i)
	}
	waitUntil(t, "four writes to wait behind it", func() bool { return e.s.writes.waiting() == len(ids)-1 })
	if _, err := holder.ExecContext(e.ctx, `COMMIT`); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i, id := range ids {
		if errs[i] != nil || stored[i].ID != id || stored[i].State != Published || stored[i].RemoteID != "r"+string(rune('a'+i)) {
			t.Fatalf("write %d: %+v, %v", i, stored[i], errs[i])
		}
	}
	if got := e.s.writes.commitsForTest() - commitsBefore; got != 2 {
		t.Errorf("%d commits for 5 outcomes (the leader's, then the four that waited), want 2", got)
	}
}

// waitUntil polls cond, yielding, for up to ten seconds.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		runtime.Gosched()
	}
}
