package social

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Live events between the nodes that share one PostgreSQL database travel
// as notifications (LISTEN/NOTIFY): the payload is the event's JSON, a few
// ids, well under PostgreSQL's 8000-byte limit.
//
// Publish sends its NOTIFY after the change's transaction has committed
// (the use cases call it from Tx.AfterCommit), in a statement of its own,
// rather than inside the transaction:
//
//   - PostgreSQL queues the notifications of a transaction at commit under
//     one lock for the whole server, held until the commit is durable, so
//     that they reach listeners in commit order. A NOTIFY inside every posting
//     transaction would make those commits wait for one another while they
//     still hold their row locks; on its own, the NOTIFY holds that lock for
//     a statement that writes nothing else.
//   - The use cases stay the same on both engines: the in-process broker
//     of SQLite is called at the same point.
//   - What it costs is small. A node that dies between the commit and the
//     NOTIFY loses that one event; the change itself is committed and every
//     timeline shows it, which is also what a listener sees after it has
//     been reconnecting. An event is never sent for a change that rolled
//     back.
//
// Each node receives every notification once on its listening connection,
// its own included, and hands it to its local subscribers: a node's own
// events are not delivered locally a second time at Publish.

const (
	// eventChannel is the notification channel of the public schema; other
	// schemas get their own (see channelFor).
	eventChannel = "parvis_events"
	// maxEventPayload keeps payloads under PostgreSQL's 8000-byte limit.
	maxEventPayload = 7900
	// publishTimeout bounds a NOTIFY: a slow database must not hold the
	// request that published forever.
	publishTimeout = 5 * time.Second
	// The listener retries a lost connection after minRelisten, doubling
	// the wait up to maxRelisten while the database stays unreachable.
	minRelisten = 100 * time.Millisecond
	maxRelisten = 5 * time.Second
)

// PGBroker is a Broker for several nodes on one PostgreSQL database. Each
// node delivers each event exactly once to its subscribers while its
// listening connection is up; events published while it is down (between
// a lost connection and the LISTEN on the next one) are lost to that node,
// never delivered twice.
type PGBroker struct {
	pool    *pgxpool.Pool
	channel string
	log     *slog.Logger
	local   *LocalBroker
}

// NewPGBroker returns a broker on pool's database. The channel depends on
// the connections' schema, so that instances (or tests) sharing a database
// in different schemas do not hear each other. Call Start to receive.
func NewPGBroker(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) (*PGBroker, error) {
	if pool == nil {
		return nil, errors.New("event broker: no PostgreSQL pool")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var schema string
	if err := pool.QueryRow(ctx, "SELECT COALESCE(current_schema(), '')").Scan(&schema); err != nil {
		return nil, fmt.Errorf("event broker: read the schema: %w", err)
	}
	return &PGBroker{pool: pool, channel: channelFor(schema), log: log, local: NewLocalBroker()}, nil
}

// channelFor names the channel of a schema. PostgreSQL channel names are
// identifiers of at most 63 bytes; a longer schema name is hashed.
func channelFor(schema string) string {
	if schema == "" || schema == "public" {
		return eventChannel
	}
	c := eventChannel + ":" + schema
	if len(c) <= 63 {
		return c
	}
	sum := sha256.Sum256([]byte(schema))
	return eventChannel + ":" + hex.EncodeToString(sum[:16])
}

// Channel returns the notification channel the broker uses.
func (b *PGBroker) Channel() string { return b.channel }

// Start opens the listening connection and returns once LISTEN is in
// place, so that every event published afterwards reaches this node. It
// then receives in the background, re-listening on a new connection when
// the connection is lost, until ctx ends.
func (b *PGBroker) Start(ctx context.Context) error {
	conn, err := b.listen(ctx)
	if err != nil {
		return fmt.Errorf("event broker: %w", err)
	}
	go b.receive(ctx, conn)
	return nil
}

// listen takes a connection out of the pool for good (a LISTEN is state of
// its session, which must not go back to other users of the pool) and
// listens on it.
func (b *PGBroker) listen(ctx context.Context) (*pgx.Conn, error) {
	pc, err := b.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect to listen: %w", err)
	}
	conn := pc.Hijack()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{b.channel}.Sanitize()); err != nil {
		closeConn(conn)
		return nil, fmt.Errorf("listen on %s: %w", b.channel, err)
	}
	return conn, nil
}

func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = conn.Close(ctx)
}

// receive hands notifications to the local subscribers until ctx ends.
func (b *PGBroker) receive(ctx context.Context, conn *pgx.Conn) {
	defer func() {
		if conn != nil {
			closeConn(conn)
		}
	}()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err == nil {
			b.deliver(ctx, n.Payload)
			continue
		}
		closeConn(conn)
		conn = nil
		if ctx.Err() != nil {
			return
		}
		b.log.Warn("event listener lost its connection; events published until it is back are not shown live", "err", err)
		if conn = b.relisten(ctx); conn == nil {
			return
		}
		b.log.Info("event listener is back", "channel", b.channel)
	}
}

// relisten retries until a new connection listens, or returns nil when ctx
// ends.
func (b *PGBroker) relisten(ctx context.Context) *pgx.Conn {
	wait := minRelisten
	for {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		conn, err := b.listen(ctx)
		if err == nil {
			return conn
		}
		if ctx.Err() != nil {
			return nil
		}
		wait = min(2*wait, maxRelisten)
		b.log.Warn("event listener cannot reconnect yet", "retry_in", wait.String(), "err", err)
	}
}

func (b *PGBroker) deliver(ctx context.Context, payload string) {
	var e Event
	if err := json.Unmarshal([]byte(payload), &e); err != nil {
		b.log.Warn("malformed event notification", "channel", b.channel, "err", err)
		return
	}
	b.local.Publish(ctx, e)
}

// Publish sends e to every node's subscribers, this node's included (they
// receive it through the listening connection, like the others). Failures
// are logged: an event is a hint to refresh, and the change it announces
// is already committed.
func (b *PGBroker) Publish(ctx context.Context, e Event) {
	payload, err := encodeEvent(e)
	if err != nil {
		b.log.Warn("event not published", "kind", e.Kind, "post_id", e.PostID, "err", err)
		return
	}
	// The caller's cancellation (a finished request) must not drop an event
	// whose change has committed.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
	defer cancel()
	if _, err := b.pool.Exec(ctx, "SELECT pg_notify($1, $2)", b.channel, payload); err != nil {
		b.log.Warn("event not published", "kind", e.Kind, "post_id", e.PostID, "err", err)
	}
}

// Subscribe returns a channel of the events of every node and a function
// that ends the subscription. A slow subscriber loses events rather than
// holding up the others.
func (b *PGBroker) Subscribe() (<-chan Event, func()) { return b.local.Subscribe() }

// encodeEvent returns e's JSON within the payload limit. Only a post with
// hundreds of mentions or hashtags (possible with a raised length limit)
// can pass it; its lists are then shortened, which only narrows which
// hashtag streams and mentioned people see it live.
func encodeEvent(e Event) (string, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return "", fmt.Errorf("encode event: %w", err)
	}
	for len(b) > maxEventPayload && (len(e.Tags) > 0 || len(e.Mentions) > 0) {
		e.Tags = e.Tags[:len(e.Tags)/2]
		e.Mentions = e.Mentions[:len(e.Mentions)/2]
		if b, err = json.Marshal(e); err != nil {
			return "", fmt.Errorf("encode event: %w", err)
		}
	}
	if len(b) > maxEventPayload {
		return "", fmt.Errorf("encode event: %d bytes, more than the %d a notification carries", len(b), maxEventPayload)
	}
	return string(b), nil
}
