package schedule

import (
	"testing"
	"time"
)

// TestQueuedAndPendingCountByState: each target state counts where it
// belongs, and only the account's own targets count.
func TestQueuedAndPendingCountByState(t *testing.T) {
	e := newEnv(t)
	at := t0.Add(time.Hour)
	states := []State{Scheduled, Held, Retrying, Failed, Unconfirmed, Published, Publishing}
	for i, st := range states {
		p := e.schedule("post", at.Add(time.Duration(i)*time.Minute), e.a1, e.a2)
		e.exec(`UPDATE post_targets SET state = ? WHERE post_id = ? AND account_id = ?`, st, p.ID, e.a1)
	}
	// e.a2's targets stay scheduled: none of them count for e.a1.
	tests := []struct {
		name        string
		account     int64
		queued      int
		pending     int
		nextPending time.Time
	}{
		{"every state", e.a1, 5, 3, at},
		{"all scheduled", e.a2, len(states), len(states), at},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			queued, err := e.s.QueuedTargets(e.ctx, tc.account)
			if err != nil || queued != tc.queued {
				t.Errorf("QueuedTargets = %d, %v; want %d", queued, err, tc.queued)
			}
			n, next, err := e.s.PendingFor(e.ctx, tc.account)
			if err != nil || n != tc.pending || next == nil || !next.Equal(tc.nextPending) {
				t.Errorf("PendingFor = %d, %v, %v; want %d, %v", n, next, err, tc.pending, tc.nextPending)
			}
		})
	}
	none, next, err := e.s.PendingFor(e.ctx, 999)
	if err != nil || none != 0 || next != nil {
		t.Errorf("PendingFor(no such account) = %d, %v, %v", none, next, err)
	}
}
