package store

import (
	"context"
	"sync"
	"testing"
	"time"
)

// While background work holds the writer, a request that arrives after a
// second background transaction still commits before it; background work
// runs again once no request waits.
func TestWriteGateServesRequestsFirst(t *testing.T) {
	g := newWriteGate()
	bg := Background(context.Background())
	leave1, err := g.enter(bg)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var order []string
	var wg sync.WaitGroup
	run := func(name string, ctx context.Context) {
		defer wg.Done()
		leave, err := g.enter(ctx)
		if err != nil {
			t.Error(err)
			return
		}
		mu.Lock()
		order = append(order, name)
		mu.Unlock()
		time.Sleep(5 * time.Millisecond)
		leave()
	}
	wg.Add(1)
	go run("background", bg)
	time.Sleep(20 * time.Millisecond) // the second background job waits for the first
	// A request enters at once (database/sql then queues it for the
	// connection); the waiting background job now also waits for it.
	leaveReq, err := g.enter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	leave1()
	time.Sleep(20 * time.Millisecond)
	mu.Lock()
	if len(order) != 0 {
		t.Errorf("background work entered while a request was in: %v", order)
	}
	mu.Unlock()
	leaveReq()
	wg.Wait()
	if len(order) != 1 || order[0] != "background" {
		t.Errorf("order: %v", order)
	}
}

// Background work is not starved: it enters after maxBackgroundWait even
// while requests keep coming.
func TestWriteGateBoundsBackgroundWait(t *testing.T) {
	g := newWriteGate()
	leaveReq, err := g.enter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer leaveReq()
	start := time.Now()
	leave, err := g.enter(Background(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	leave()
	if waited := time.Since(start); waited < maxBackgroundWait {
		t.Errorf("background entered after %v, before the %v bound, with a request in", waited, maxBackgroundWait)
	}
	// A canceled background context gives up and frees its turn.
	ctx, cancel := context.WithCancel(Background(context.Background()))
	cancel()
	if _, err := g.enter(ctx); err == nil {
		t.Error("canceled background context entered")
	}
	leave, err = g.enter(Background(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	leave()
}
