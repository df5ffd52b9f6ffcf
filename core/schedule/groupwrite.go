package schedule

import (
	"context"
	"database/sql"
	"sync"
)

// writeGroup commits the outcomes that publishers store at the same time
// in one transaction. Each outcome is still stored before its write
// returns, with the flush synchronous=FULL asks of every commit, but the
// publishers working at once (Options.Concurrency of them) share one flush
// instead of queueing for one each: a flush costs a millisecond or more
// on a disk, which one transaction per outcome paid per post.
//
// The first writer to find nobody writing leads: it commits what has
// gathered, then what gathered meanwhile, until nothing waits; the others
// wait for their own result. No timer, no goroutine of its own: a lone
// write is committed at once, as before.
type writeGroup struct {
	mu      sync.Mutex
	pending []*groupedWrite
	leading bool
	commits int // transactions committed, for tests
}

func (g *writeGroup) commitsForTest() int { g.mu.Lock(); defer g.mu.Unlock(); return g.commits }
func (g *writeGroup) isLeading() bool     { g.mu.Lock(); defer g.mu.Unlock(); return g.leading }
func (g *writeGroup) waiting() int        { g.mu.Lock(); defer g.mu.Unlock(); return len(g.pending) }

// committed counts n transactions.
func (g *writeGroup) committed(n int) { g.mu.Lock(); g.commits += n; g.mu.Unlock() }

// groupedWrite is one outcome's statement (an UPDATE … RETURNING the
// target) and, once done is closed, its rows or its error.
type groupedWrite struct {
	query string
	args  []any
	list  []Target
	err   error
	done  chan struct{}
}

// writeGrouped runs query with the other writes waiting now, in one
// transaction, and returns its own rows.
func (s *Scheduler) writeGrouped(ctx context.Context, query string, args []any) ([]Target, error) {
	w := &groupedWrite{query: query, args: args, done: make(chan struct{})}
	g := &s.writes
	g.mu.Lock()
	g.pending = append(g.pending, w)
	lead := !g.leading
	g.leading = true
	g.mu.Unlock()
	if lead {
		s.leadWrites(context.WithoutCancel(ctx))
	}
	<-w.done
	return w.list, w.err
}

// leadWrites commits what waits, batch after batch, until nothing does.
func (s *Scheduler) leadWrites(ctx context.Context) {
	g := &s.writes
	for {
		g.mu.Lock()
		batch := g.pending
		g.pending = nil
		if len(batch) == 0 {
			g.leading = false
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		if len(batch) == 1 || !s.commitTogether(ctx, batch) {
			// Alone, or the shared transaction failed (one statement
			// refused, a full disk): each write on its own, so each gets
			// its own outcome exactly as without grouping.
			for _, w := range batch {
				w.list, w.err = queryTargets(ctx, s.db, w.query, w.args)
			}
			g.committed(len(batch))
		} else {
			g.committed(1)
		}
		for _, w := range batch {
			close(w.done)
		}
	}
}

// commitTogether runs the batch in one transaction; false (and nothing
// written) when any of it failed.
func (s *Scheduler) commitTogether(ctx context.Context, batch []*groupedWrite) bool {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false
	}
	lists := make([][]Target, len(batch))
	for i, w := range batch {
		if lists[i], err = queryTargets(ctx, tx, w.query, w.args); err != nil {
			tx.Rollback()
			return false
		}
	}
	if err := tx.Commit(); err != nil {
		return false
	}
	for i, w := range batch {
		w.list = lists[i]
	}
	return true
}

// querier is what queryTargets runs on: the database or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func queryTargets(ctx context.Context, q querier, query string, args []any) ([]Target, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return scanTargets(rows)
}
