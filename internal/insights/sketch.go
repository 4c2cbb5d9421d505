package insights

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
)

// Sketch counts distinct items approximately in little space: a
// HyperLogLog (Flajolet, Fusy, Gandouet and Meunier, 2007) with 2^12
// registers, whose standard error is 1.6%, kept exact (a sorted list of
// hashes) while it holds at most sparseLimit items. Reach over a period is
// the union of daily sketches, so sketches merge. The zero value is an
// empty sketch.
type Sketch struct {
	sparse []uint64 // sorted distinct hashes, while dense is nil
	dense  []uint8  // registers: the longest run of leading zeros + 1
}

const (
	sketchBits  = 12
	sketchRegs  = 1 << sketchBits
	sparseLimit = 512
)

// ErrBadSketch is returned, wrapped, by DecodeSketch for text that is not
// a sketch.
var ErrBadSketch = errors.New("malformed sketch")

// mix64 scrambles an item (an account id, or an anonymous key) into a
// well-spread 64-bit hash: the SplitMix64 finaliser.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// Add counts item.
func (s *Sketch) Add(item int64) {
	s.addHash(mix64(uint64(item)))
}

func (s *Sketch) addHash(h uint64) {
	if s.dense != nil {
		s.setRegister(h)
		return
	}
	i, found := slices.BinarySearch(s.sparse, h)
	if found {
		return
	}
	s.sparse = slices.Insert(s.sparse, i, h)
	if len(s.sparse) > sparseLimit {
		s.densify()
	}
}

func (s *Sketch) setRegister(h uint64) {
	idx := h >> (64 - sketchBits)
	rho := uint8(bits.LeadingZeros64(h<<sketchBits|1<<(sketchBits-1)) + 1)
	if rho > s.dense[idx] {
		s.dense[idx] = rho
	}
}

func (s *Sketch) densify() {
	s.dense = make([]uint8, sketchRegs)
	for _, h := range s.sparse {
		s.setRegister(h)
	}
	s.sparse = nil
}

// Merge adds every item of o to s.
func (s *Sketch) Merge(o *Sketch) {
	if o.dense != nil {
		if s.dense == nil {
			s.densify()
		}
		for i, r := range o.dense {
			s.dense[i] = max(s.dense[i], r)
		}
		return
	}
	for _, h := range o.sparse {
		s.addHash(h)
	}
}

// Count estimates the number of distinct items: exact up to 512 items,
// within a few percent beyond.
func (s *Sketch) Count() int64 {
	if s.dense == nil {
		return int64(len(s.sparse))
	}
	m := float64(sketchRegs)
	var sum float64
	zeros := 0
	for _, r := range s.dense {
		sum += math.Ldexp(1, -int(r))
		if r == 0 {
			zeros++
		}
	}
	alpha := 0.7213 / (1 + 1.079/m)
	est := alpha * m * m / sum
	if est <= 2.5*m && zeros > 0 {
		est = m * math.Log(m/float64(zeros)) // linear counting for small sets
	}
	return int64(math.Round(est))
}

// Encode returns the sketch as text, for storage.
func (s *Sketch) Encode() string {
	if s.dense != nil {
		return "d" + base64.RawStdEncoding.EncodeToString(s.dense)
	}
	buf := make([]byte, 0, len(s.sparse)*5+4)
	buf = binary.AppendUvarint(buf, uint64(len(s.sparse)))
	var prev uint64
	for _, h := range s.sparse {
		buf = binary.AppendUvarint(buf, h-prev)
		prev = h
	}
	return "s" + base64.RawStdEncoding.EncodeToString(buf)
}

// DecodeSketch reads a sketch written by Encode; "" is an empty sketch.
func DecodeSketch(text string) (*Sketch, error) {
	s := &Sketch{}
	if text == "" {
		return s, nil
	}
	raw, err := base64.RawStdEncoding.DecodeString(text[1:])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSketch, err)
	}
	switch text[0] {
	case 'd':
		if len(raw) != sketchRegs {
			return nil, fmt.Errorf("%w: %d registers, want %d", ErrBadSketch, len(raw), sketchRegs)
		}
		s.dense = raw
		return s, nil
	case 's':
		n, k := binary.Uvarint(raw)
		if k <= 0 || n > sparseLimit {
			return nil, fmt.Errorf("%w: bad length", ErrBadSketch)
		}
		raw = raw[k:]
		s.sparse = make([]uint64, 0, n)
		var prev uint64
		for range n {
			d, k := binary.Uvarint(raw)
			if k <= 0 || (len(s.sparse) > 0 && d == 0) {
				return nil, fmt.Errorf("%w: bad hash", ErrBadSketch)
			}
			raw = raw[k:]
			prev += d
			s.sparse = append(s.sparse, prev)
		}
		return s, nil
	}
	return nil, fmt.Errorf("%w: unknown form %q", ErrBadSketch, text[0])
}
