package integrity

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"math"
)

// tokenTable interns byte-string tokens to dense indices. It is an
// open-addressing hash table whose slots hold the upper half of a token's
// hash beside its index, so that a probe touches the token's bytes only when
// the hashes agree; tokens live back to back in one byte arena. Compared
// with a map[string]int32 it allocates nothing per token and takes about
// half the cache misses per lookup, which is most of the cost of reading a
// large edge file.
type tokenTable struct {
	seed  maphash.Seed
	slots []uint64 // hash>>32<<32 | index+1; 0 is empty
	ends  []uint32 // token i is arena[ends[i-1]:ends[i]]
	arena []byte
	what  string
	// last is the index of the token looked up last, plus one: edge files
	// are often grouped by account, and a repeat costs one comparison.
	last int32
}

func newTokenTable(what string) *tokenTable {
	return &tokenTable{seed: maphash.MakeSeed(), slots: make([]uint64, 1024), what: what}
}

// index returns the index of tok, adding it if new.
func (t *tokenTable) index(tok []byte) (int32, error) {
	if t.last > 0 && bytes.Equal(t.bytes(t.last-1), tok) {
		return t.last - 1, nil
	}
	idx, err := t.lookup(tok)
	if err != nil {
		return 0, err
	}
	t.last = idx + 1
	return idx, nil
}

func (t *tokenTable) lookup(tok []byte) (int32, error) {
	h := maphash.Bytes(t.seed, tok)
	tag := h >> 32 << 32
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			return t.add(i, tag, tok)
		}
		if s&^0xffffffff == tag {
			idx := int32(uint32(s) - 1)
			if bytes.Equal(t.bytes(idx), tok) {
				return idx, nil
			}
		}
	}
}

func (t *tokenTable) add(slot, tag uint64, tok []byte) (int32, error) {
	n := len(t.ends)
	if n >= math.MaxInt32-1 || len(t.arena)+len(tok) > math.MaxUint32 {
		return 0, fmt.Errorf("integrity: too many distinct %s", t.what)
	}
	t.arena = append(t.arena, tok...)
	t.ends = append(t.ends, uint32(len(t.arena)))
	t.slots[slot] = tag | uint64(n+1)
	if 2*len(t.ends) > len(t.slots) {
		t.grow()
	}
	return int32(n), nil
}

// grow doubles the slots, rehashing from the arena.
func (t *tokenTable) grow() {
	slots := make([]uint64, 2*len(t.slots))
	mask := uint64(len(slots) - 1)
	for idx := range t.ends {
		h := maphash.Bytes(t.seed, t.bytes(int32(idx)))
		i := h & mask
		for slots[i] != 0 {
			i = (i + 1) & mask
		}
		slots[i] = h>>32<<32 | uint64(idx+1)
	}
	t.slots = slots
}

func (t *tokenTable) bytes(idx int32) []byte {
	start := uint32(0)
	if idx > 0 {
		start = t.ends[idx-1]
	}
	return t.arena[start:t.ends[idx]]
}

// len returns the number of distinct tokens.
func (t *tokenTable) len() int { return len(t.ends) }

// token returns token idx as a string.
func (t *tokenTable) token(idx int64) string { return string(t.bytes(int32(idx))) }
