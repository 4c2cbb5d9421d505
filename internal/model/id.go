package model

import (
	"crypto/rand"
	"encoding/binary"
	"strconv"
	"sync"
	"time"
)

// IDs are 64-bit integers sortable by creation time, as Mastodon's are: the
// upper 48 bits hold milliseconds since the Unix epoch, then 5 bits name the
// node (process) that made the id and 11 bits count within the millisecond.
// Nodes sharing a database get distinct node numbers from it (store.DB does
// this when it migrates), so their ids never collide; up to 2,048 ids per
// millisecond per node, beyond which the generator borrows the next
// millisecond. The Mastodon API paginates by id, and timelines sort by id,
// which is why ids must follow time.
const (
	idSequenceBits = 16
	idNodeBits     = 5
	idCountBits    = idSequenceBits - idNodeBits
	idCountMax     = 1<<idCountBits - 1
)

// IDGen generates time-sortable ids. Its zero value is not usable; create one
// with NewIDGen.
type IDGen struct {
	mu     sync.Mutex
	lastMS int64
	count  uint16
	node   uint16
}

// NewIDGen returns a generator with a random node number, until SetNode
// gives it one the database handed out.
func NewIDGen() *IDGen {
	var b [2]byte
	_, _ = rand.Read(b[:])
	return &IDGen{node: binary.BigEndian.Uint16(b[:]) % (1 << idNodeBits)}
}

// SetNode sets the node number (taken modulo 32).
func (g *IDGen) SetNode(n int64) {
	g.mu.Lock()
	g.node = uint16(n % (1 << idNodeBits))
	g.mu.Unlock()
}

// New returns a fresh id for something created at t. Ids from one generator
// are strictly increasing as long as t does not go backwards by more than the
// sequence can absorb.
func (g *IDGen) New(t time.Time) int64 {
	ms := t.UnixMilli()
	g.mu.Lock()
	defer g.mu.Unlock()
	if ms <= g.lastMS {
		// Same millisecond (or a clock step back): stay monotonic.
		if g.count == idCountMax {
			g.lastMS++
			g.count = 0
		} else {
			g.count++
		}
		ms = g.lastMS
	} else {
		g.lastMS = ms
		g.count = 0
	}
	return ms<<idSequenceBits | int64(g.node)<<idCountBits | int64(g.count)
}

// IDAt returns the smallest id that a row created at t can have. Handy to
// turn a time into a pagination bound.
func IDAt(t time.Time) int64 { return t.UnixMilli() << idSequenceBits }

// IDTime returns the creation time encoded in id.
func IDTime(id int64) time.Time { return time.UnixMilli(id >> idSequenceBits).UTC() }

// ParseID parses an id as the API and the web pages receive it (a decimal
// string). Malformed ids are EINVALID errors with a clear message.
func ParseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, Errorf(EINVALID, "malformed id %q", truncate(s, 40))
	}
	return id, nil
}

// FormatID renders an id as the API sends it.
func FormatID(id int64) string { return strconv.FormatInt(id, 10) }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// ExactIDs hands out ids whose time part is exactly the time asked, for
// bulk loads that create rows out of time order (the seed). An IDGen stays
// monotonic instead, so a row dated before one already made would get a
// later id. ExactIDs remembers how many ids each millisecond gave out.
type ExactIDs struct {
	node int64
	used map[int64]uint16
}

// NewExactIDs returns a generator for node (taken modulo 32).
func NewExactIDs(node int64) *ExactIDs {
	return &ExactIDs{node: node % (1 << idNodeBits), used: map[int64]uint16{}}
}

// New returns a fresh id for something created at t; only when a
// millisecond has given out all its ids does it move to the next one.
func (g *ExactIDs) New(t time.Time) int64 {
	ms := t.UnixMilli()
	for g.used[ms] > idCountMax {
		ms++
	}
	c := g.used[ms]
	g.used[ms] = c + 1
	return ms<<idSequenceBits | g.node<<idCountBits | int64(c)
}
