package store_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"parvis/internal/store"
	"parvis/internal/store/storetest"
)

// TestDeliveryLeasesAcrossNodes opens two handles on one database (two
// nodes) and checks that together they never hold more than the limit of
// slots on one server, that a released slot is taken again, and that a
// dead node's slot expires.
func TestDeliveryLeasesAcrossNodes(t *testing.T) {
	ctx := context.Background()
	cfg := storetest.Config(t)
	a, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	const limit = 3
	now := time.Now()
	later := now.Add(time.Minute)
	var held []int
	for i, db := range []*store.DB{a, b, a, b} {
		slot, err := db.AcquireLease(ctx, "remote.example", "node"+string(rune('A'+i%2)), limit, now, later)
		if err != nil {
			t.Fatal(err)
		}
		if i < limit && slot < 0 {
			t.Fatalf("acquisition %d refused with %d of %d slots taken", i, i, limit)
		}
		if i == limit && slot >= 0 {
			t.Fatalf("a fourth slot was given (slot %d) beyond the limit of %d", slot, limit)
		}
		if slot >= 0 {
			held = append(held, slot)
		}
	}
	// Another server has its own slots.
	if slot, err := b.AcquireLease(ctx, "other.example", "nodeB", limit, now, later); err != nil || slot < 0 {
		t.Fatalf("other server: slot %d, %v", slot, err)
	}
	// A release by the wrong holder changes nothing; by the right one frees it.
	if err := b.ReleaseLease(ctx, "remote.example", held[0], "nodeB"); err != nil {
		t.Fatal(err)
	}
	if slot, _ := b.AcquireLease(ctx, "remote.example", "nodeB", limit, now, later); slot >= 0 {
		t.Fatal("a slot released by a node that did not hold it was given again")
	}
	if err := a.ReleaseLease(ctx, "remote.example", held[0], "nodeA"); err != nil {
		t.Fatal(err)
	}
	if slot, _ := b.AcquireLease(ctx, "remote.example", "nodeB", limit, now, later); slot != held[0] {
		t.Fatalf("after release: got slot %d, want %d", slot, held[0])
	}
	// Every slot is held; once the leases expire (their node died), a
	// third node takes one.
	if slot, _ := a.AcquireLease(ctx, "remote.example", "nodeC", limit, now, later); slot >= 0 {
		t.Fatal("slot given while all are held")
	}
	if slot, _ := a.AcquireLease(ctx, "remote.example", "nodeC", limit, later.Add(time.Second), later.Add(time.Minute)); slot < 0 {
		t.Fatal("an expired lease was not taken over")
	}

	// Concurrency: 16 goroutines on the two handles acquire and release
	// in a loop; the number held at once never exceeds the limit.
	var inFlight, peak atomic.Int32
	var wg sync.WaitGroup
	for g := range 16 {
		db := a
		if g%2 == 1 {
			db = b
		}
		holder := "worker" + string(rune('a'+g))
		wg.Go(func() {
			for range 10 {
				slot, err := db.AcquireLease(ctx, "busy.example", holder, limit, time.Now(), time.Now().Add(time.Minute))
				if err != nil {
					t.Error(err)
					return
				}
				if slot < 0 {
					time.Sleep(time.Millisecond)
					continue
				}
				n := inFlight.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				time.Sleep(time.Millisecond)
				inFlight.Add(-1)
				if err := db.ReleaseLease(ctx, "busy.example", slot, holder); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if p := peak.Load(); p > limit || p == 0 {
		t.Fatalf("peak of %d deliveries in flight, limit %d", p, limit)
	}
}
