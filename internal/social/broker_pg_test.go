package social

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"parvis/internal/store"
	"parvis/internal/store/storetest"
)

func TestChannelFor(t *testing.T) {
	long := strings.Repeat("s", 80)
	for _, c := range []struct{ schema, want string }{
		{"", "parvis_events"},
		{"public", "parvis_events"},
		{"test_0a1b2c3d4e5f", "parvis_events:test_0a1b2c3d4e5f"},
	} {
		if got := channelFor(c.schema); got != c.want {
			t.Errorf("channelFor(%q): got %q, want %q", c.schema, got, c.want)
		}
	}
	got := channelFor(long)
	if len(got) > 63 || !strings.HasPrefix(got, "parvis_events:") {
		t.Errorf("channelFor(80 bytes): got %q (%d bytes), want a hashed name of at most 63 bytes", got, len(got))
	}
	if channelFor(long) == channelFor(long+"x") {
		t.Errorf("two long schemas share the channel %q", got)
	}
}

func TestEncodeEventFitsANotification(t *testing.T) {
	many := func(n int) ([]string, []int64) {
		tags, mentions := make([]string, n), make([]int64, n)
		for i := range n {
			tags[i], mentions[i] = fmt.Sprintf("tag%d", i), int64(1e17)+int64(i)
		}
		return tags, mentions
	}
	small, smallM := many(3)
	huge, hugeM := many(2000)
	for _, c := range []struct {
		name     string
		e        Event
		keepAll  bool
		wantTags int
	}{
		{"ordinary post", Event{Kind: EventPost, PostID: 1, AuthorID: 2, Tags: small, Mentions: smallM}, true, 3},
		{"hundreds of tags and mentions", Event{Kind: EventPost, PostID: 1, AuthorID: 2, Tags: huge, Mentions: hugeM}, false, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			payload, err := encodeEvent(c.e)
			if err != nil {
				t.Fatalf("encodeEvent: %v", err)
			}
			if len(payload) > maxEventPayload {
				t.Fatalf("payload: got %d bytes, want at most %d", len(payload), maxEventPayload)
			}
			var back Event
			if err := json.Unmarshal([]byte(payload), &back); err != nil {
				t.Fatal(err)
			}
			if back.PostID != c.e.PostID || back.AuthorID != c.e.AuthorID || back.Kind != c.e.Kind {
				t.Fatalf("decoded: got %+v, want the ids of %+v", back, c.e)
			}
			if c.keepAll && len(back.Tags) != c.wantTags {
				t.Fatalf("tags: got %d, want %d", len(back.Tags), c.wantTags)
			}
			if !c.keepAll && (len(back.Tags) == 0 || len(back.Tags) >= len(c.e.Tags)) {
				t.Fatalf("tags: got %d of %d, want a shortened, non-empty list", len(back.Tags), len(c.e.Tags))
			}
		})
	}
}

// pgNodes opens n pools on one fresh schema, as n nodes would, each with a
// started broker. It skips without PostgreSQL.
func pgNodes(t testing.TB, n int) []*PGBroker {
	t.Helper()
	base := os.Getenv(storetest.EnvURL)
	if base == "" {
		t.Skipf("%s is not set: the PostgreSQL broker needs PostgreSQL", storetest.EnvURL)
	}
	url := storetest.FreshSchema(t, base)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	var brokers []*PGBroker
	for range n {
		db, err := store.Open(ctx, store.Config{URL: url})
		if err != nil {
			t.Fatalf("open node: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		b, err := NewPGBroker(ctx, db.Pool(), nil)
		if err != nil {
			t.Fatalf("NewPGBroker: %v", err)
		}
		if err := b.Start(ctx); err != nil {
			t.Fatalf("Start: %v", err)
		}
		// Cleanups run last in, first out: the listeners stop before the
		// pools close.
		t.Cleanup(cancel)
		brokers = append(brokers, b)
	}
	return brokers
}

// collect counts the post ids received on events until want distinct ones
// have come (or 15 s have passed), then for quiet more, to catch any
// duplicate.
func collect(events <-chan Event, want int, quiet time.Duration) map[int64]int {
	got := map[int64]int{}
	deadline := time.After(15 * time.Second)
	for len(got) < want {
		select {
		case e := <-events:
			got[e.PostID]++
		case <-deadline:
			return got
		}
	}
	for {
		select {
		case e := <-events:
			got[e.PostID]++
		case <-time.After(quiet):
			return got
		}
	}
}

func TestPGBrokerDeliversEveryEventOnceToEveryNode(t *testing.T) {
	nodes := pgNodes(t, 3)
	ctx := context.Background()
	var subs []<-chan Event
	for _, b := range nodes {
		ch, cancel := b.Subscribe()
		t.Cleanup(cancel)
		subs = append(subs, ch)
	}
	const perNode = 40
	for i := range perNode {
		for n, b := range nodes {
			b.Publish(ctx, Event{Kind: EventPost, PostID: int64(1000*n + i), Tags: []string{"x"}})
		}
	}
	for n, ch := range subs {
		got := collect(ch, perNode*len(nodes), 300*time.Millisecond)
		if len(got) != perNode*len(nodes) {
			t.Errorf("node %d: got %d distinct events, want %d", n, len(got), perNode*len(nodes))
		}
		for id, k := range got {
			if k != 1 {
				t.Errorf("node %d: event %d delivered %d times, want once", n, id, k)
			}
		}
	}
}

func TestPGBrokerSchemasDoNotHearEachOther(t *testing.T) {
	a, b := pgNodes(t, 1)[0], pgNodes(t, 1)[0]
	if a.Channel() == b.Channel() {
		t.Fatalf("two schemas share the channel %q", a.Channel())
	}
	ch, cancel := b.Subscribe()
	defer cancel()
	a.Publish(context.Background(), Event{Kind: EventPost, PostID: 7})
	if got := collect(ch, 0, 500*time.Millisecond); len(got) != 0 {
		t.Fatalf("the other schema's node got %v, want nothing", got)
	}
}

func TestPGBrokerListensAgainAfterLosingItsConnection(t *testing.T) {
	nodes := pgNodes(t, 2)
	publisher, listener := nodes[0], nodes[1]
	ctx := context.Background()
	ch, cancel := listener.Subscribe()
	defer cancel()
	// Ending the listening sessions (both nodes') takes the connections
	// away, as a database restart or a network cut would; the publisher
	// publishes through its pool, which is untouched.
	var terminated int
	err := publisher.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE query = $1`, `LISTEN "`+listener.Channel()+`"`).Scan(&terminated)
	if err != nil {
		t.Fatal(err)
	}
	if terminated != 2 {
		t.Fatalf("terminated %d listening sessions, want 2", terminated)
	}
	// Events published while it reconnects may be lost; once it is back,
	// they arrive again.
	deadline := time.Now().Add(15 * time.Second)
	for id := int64(1); time.Now().Before(deadline); id++ {
		publisher.Publish(ctx, Event{Kind: EventPost, PostID: id})
		select {
		case e := <-ch:
			if e.PostID > id {
				t.Fatalf("got event %d before it was published", e.PostID)
			}
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatal("the node received no event in 15 s after losing its listening connection")
}

// BenchmarkPGBrokerAcrossNodes measures one event from Publish on one node
// to its delivery to a subscriber of another, one at a time: the latency a
// streaming client on another node sees, on top of the commit.
func BenchmarkPGBrokerAcrossNodes(b *testing.B) {
	nodes := pgNodes(b, 2)
	ch, cancel := nodes[1].Subscribe()
	defer cancel()
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		nodes[0].Publish(ctx, Event{Kind: EventPost, PostID: int64(i) + 1, AuthorID: 1, Visibility: "public", Local: true})
		if e := <-ch; e.PostID != int64(i)+1 {
			b.Fatalf("got event %d, want %d", e.PostID, i+1)
		}
	}
}
