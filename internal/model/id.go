package model

import (
	"crypto/rand"
	"encoding/binary"
	"strconv"
	"sync"
	"time"
)

// IDs are 64-bit integers sortable by creation time, as Mastodon's are: the
// upper 48 bits hold milliseconds since the Unix epoch and the lower 16 bits a
// per-process sequence that starts at a random value, so two nodes creating
// rows in the same millisecond rarely collide (and a collision is a unique-key
// error, never a silent overwrite). The Mastodon API paginates by id, and
// timelines sort by id, which is why ids must follow time.
const idSequenceBits = 16

// IDGen generates time-sortable ids. Its zero value is not usable; create one
// with NewIDGen.
type IDGen struct {
	mu     sync.Mutex
	lastMS int64
	seq    uint16
}

// NewIDGen returns a generator whose sequence starts at a random point.
func NewIDGen() *IDGen {
	var b [2]byte
	_, _ = rand.Read(b[:])
	return &IDGen{seq: binary.BigEndian.Uint16(b[:])}
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
		g.seq++
		if g.seq == 0 {
			g.lastMS++
		}
		ms = g.lastMS
	} else {
		g.lastMS = ms
		g.seq++
	}
	return ms<<idSequenceBits | int64(g.seq)
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
