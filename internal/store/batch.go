package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// SQLite commits one transaction at a time, and each commit costs more
// than a like's own statements. Under load the write transactions of
// requests queued behind one another, each beginning and committing on its
// own. A batch lets the requests that arrive while one transaction is
// open share it: each runs in a savepoint of its own, so a request that
// fails undoes only its changes, and one commit makes them all durable.
// Nobody is answered before that commit. A request that arrives alone
// commits alone, as before.
//
// Members take turns (a baton passed in the order they came), so their
// statements never interleave; the last one, or the one that finds the
// batch full or old, commits. Background work (jobs) keeps transactions
// of its own.

const (
	// maxBatch bounds the requests sharing one transaction, and
	// maxBatchAge how long one stays open to newcomers: the first member
	// waits for everyone after it. 8 and 32 gave the same throughput under
	// parvis bench; 8 keeps that wait shorter.
	maxBatch    = 8
	maxBatchAge = 4 * time.Millisecond
)

type batcher struct {
	mu   sync.Mutex
	open *batch // accepting members; nil when none
}

type batch struct {
	tx      *sql.Tx
	started time.Time // when its transaction began; zero while it waits for the writer
	members int
	waiting []chan *batch // the next members, in order; each receives the baton
	// failed is set when the transaction can no longer commit (a savepoint
	// could not be undone, or it never began): later members do not run,
	// and everyone is told.
	failed error
	// gathered is what the members that succeeded gathered (Tx.Gather),
	// written before the commit.
	gathered []gathered
	done     chan struct{}
	err      error // the commit's outcome, once done is closed
}

// run runs fn as a member of a batch; it returns once fn's changes are
// committed (or undone).
func (bt *batcher) run(ctx context.Context, db *DB, fn func(tx *Tx) error) (*Tx, error) {
	b, err := bt.join(ctx, db)
	if err != nil {
		return nil, err
	}
	tx := &Tx{Q: Q{q: b.tx, db: db}, tx: b.tx}
	fnErr, panicked := b.member(ctx, tx, fn)
	bt.pass(ctx, db, b)
	if panicked != nil {
		panic(panicked)
	}
	if fnErr != nil {
		return nil, fnErr
	}
	<-b.done
	if b.err != nil {
		return nil, b.err
	}
	return tx, nil
}

// join returns the batch once it is the caller's turn in it.
func (bt *batcher) join(ctx context.Context, db *DB) (*batch, error) {
	bt.mu.Lock()
	if b := bt.open; b != nil && b.members < maxBatch && (b.started.IsZero() || time.Since(b.started) < maxBatchAge) {
		turn := make(chan *batch, 1)
		b.waiting = append(b.waiting, turn)
		b.members++
		bt.mu.Unlock()
		select {
		case got := <-turn:
			return got, nil
		case <-ctx.Done():
			bt.mu.Lock()
			for i, w := range b.waiting {
				if w == turn {
					b.waiting = append(b.waiting[:i], b.waiting[i+1:]...)
					bt.mu.Unlock()
					return nil, fmt.Errorf("begin transaction: %w", ctx.Err())
				}
			}
			bt.mu.Unlock()
			// The baton is on its way: pass it on.
			bt.pass(ctx, db, <-turn)
			return nil, fmt.Errorf("begin transaction: %w", ctx.Err())
		}
	}
	b := &batch{members: 1, done: make(chan struct{})} // started once it began
	bt.open = b
	bt.mu.Unlock()
	// The transaction outlives this request's context: database/sql rolls
	// a transaction back when the context it began with ends.
	tx, err := db.write.BeginTx(context.WithoutCancel(ctx), nil)
	if err != nil {
		b.failed = fmt.Errorf("begin transaction: %w", err)
	}
	// Its age counts from now: while it waited for the previous batch to
	// commit, everyone who came joined it.
	bt.mu.Lock()
	b.tx, b.started = tx, time.Now()
	bt.mu.Unlock()
	return b, nil
}

// member runs fn inside a savepoint of the batch's transaction.
func (b *batch) member(ctx context.Context, tx *Tx, fn func(tx *Tx) error) (err error, panicked any) {
	if b.failed != nil {
		return b.failed, nil
	}
	if err := ctx.Err(); err != nil { // the request ended while it waited
		return fmt.Errorf("begin transaction: %w", err), nil
	}
	// Savepoint statements must not fail because this request ended.
	sp := context.WithoutCancel(ctx)
	if _, err := b.tx.ExecContext(sp, "SAVEPOINT member"); err != nil {
		b.failed = fmt.Errorf("begin transaction: %w", err)
		return b.failed, nil
	}
	undo := func() {
		if _, err := b.tx.ExecContext(sp, "ROLLBACK TO member"); err != nil {
			b.failed = fmt.Errorf("undo a failed change: %w", err)
			return
		}
		if _, err := b.tx.ExecContext(sp, "RELEASE member"); err != nil {
			b.failed = fmt.Errorf("undo a failed change: %w", err)
		}
	}
	defer func() {
		if p := recover(); p != nil {
			undo()
			panicked = p
		}
	}()
	if err := fn(tx); err != nil {
		undo()
		return err, nil
	}
	if _, err := b.tx.ExecContext(sp, "RELEASE member"); err != nil {
		b.failed = fmt.Errorf("commit: %w", err)
		return b.failed, nil
	}
	for _, e := range tx.gathered {
		b.gathered = addGathered(b.gathered, e.g, e.ids...)
	}
	return nil, nil
}

// pass hands the baton to the next member, or ends the batch.
func (bt *batcher) pass(ctx context.Context, db *DB, b *batch) {
	bt.mu.Lock()
	if len(b.waiting) > 0 {
		next := b.waiting[0]
		b.waiting = b.waiting[1:]
		bt.mu.Unlock()
		next <- b
		return
	}
	if bt.open == b {
		bt.open = nil
	}
	bt.mu.Unlock()
	if b.tx != nil && b.failed == nil && len(b.gathered) > 0 {
		tx := &Tx{Q: Q{q: b.tx, db: db}, tx: b.tx}
		if err := flushGathered(context.WithoutCancel(ctx), tx, b.gathered); err != nil {
			b.failed = err
		}
	}
	switch {
	case b.tx == nil:
		b.err = b.failed
	case b.failed != nil:
		_ = b.tx.Rollback()
		b.err = b.failed
	default:
		if err := b.tx.Commit(); err != nil {
			b.err = fmt.Errorf("commit: %w", err)
		} else {
			db.refreshRows(ctx)
		}
	}
	close(b.done)
}
