package ap

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Default decoding limits. Real documents are far inside them: a Mastodon
// Create{Note} with four attachments, a poll and a dozen mentions is under
// 20 KiB and nests 6 levels deep (an outbox page of Announce{Create{Page}}
// about 9); the longest arrays are addressing lists and collection pages,
// which Mastodon, GoToSocial and Lemmy cut at a few dozen entries.
const (
	// MaxBodyBytes is the largest document accepted: 1 MiB, the size
	// Mastodon caps fetched JSON at.
	MaxBodyBytes = 1 << 20
	// MaxDepth is the deepest nesting of JSON objects and arrays accepted.
	MaxDepth = 16
	// MaxArrayLen is the longest JSON array accepted.
	MaxArrayLen = 1000
)

// Errors of Decode and ReadBody, wrapped with details.
var (
	// ErrTooLarge means the document is longer than the size limit.
	ErrTooLarge = errors.New("ap: document too large")
	// ErrTooDeep means the document nests deeper than the depth limit.
	ErrTooDeep = errors.New("ap: document nested too deeply")
	// ErrTooManyItems means an array is longer than the array limit.
	ErrTooManyItems = errors.New("ap: array too long")
	// ErrInvalid means the document is not JSON, not a JSON object, has no
	// type, or has a property of the wrong shape.
	ErrInvalid = errors.New("ap: invalid document")
)

// Limits bound what Decode accepts. A zero field means the default
// constant (MaxBodyBytes, MaxDepth, MaxArrayLen).
type Limits struct {
	MaxBytes    int
	MaxDepth    int
	MaxArrayLen int
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = MaxBodyBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = MaxDepth
	}
	if l.MaxArrayLen <= 0 {
		l.MaxArrayLen = MaxArrayLen
	}
	return l
}

// Decode parses an ActivityPub document with the default limits.
func Decode(data []byte) (*Object, error) {
	return Limits{}.Decode(data)
}

// Decode parses an ActivityPub document: a JSON object with a type. The
// size, depth and array limits are checked in one pass before decoding,
// so a hostile document costs no more than a scan.
func (l Limits) Decode(data []byte) (*Object, error) {
	l = l.withDefaults()
	if len(data) > l.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(data), l.MaxBytes)
	}
	if err := checkShape(data, l.MaxDepth, l.MaxArrayLen); err != nil {
		return nil, err
	}
	if firstByte(data) != '{' {
		return nil, fmt.Errorf("%w: not a JSON object", ErrInvalid)
	}
	o := new(Object)
	if err := json.Unmarshal(data, o); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if o.Type == "" {
		return nil, fmt.Errorf("%w: object %q has no type", ErrInvalid, o.ID)
	}
	return o, nil
}

// ReadBody reads a request or response body of at most MaxBodyBytes.
// Inbox handlers read the body with it before verifying its signature and
// digest, then Decode it.
func ReadBody(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("ap: read body: %w", err)
	}
	if len(b) > MaxBodyBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxBodyBytes)
	}
	return b, nil
}

// checkShape scans data once and fails when objects and arrays nest deeper
// than maxDepth or an array has more than maxLen elements. It does not
// validate the JSON (json.Unmarshal does), but never reads out of bounds
// on any input.
func checkShape(data []byte, maxDepth, maxLen int) error {
	// open holds, for each open container, its element count so far when
	// it is an array, or -1 when it is an object.
	open := make([]int, 0, maxDepth)
	// elementNext is true right after '[' or a ',' inside an array, where
	// the next non-space byte starts an element (or closes an empty array).
	elementNext := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			continue
		}
		if elementNext {
			elementNext = false
			if c != ']' && len(open) > 0 {
				top := len(open) - 1
				open[top]++
				if open[top] > maxLen {
					return fmt.Errorf("%w: more than %d elements at byte %d", ErrTooManyItems, maxLen, i)
				}
			}
		}
		switch c {
		case '"':
			for i++; i < len(data) && data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
		case '[', '{':
			if len(open) == maxDepth {
				return fmt.Errorf("%w: more than %d levels at byte %d", ErrTooDeep, maxDepth, i)
			}
			if c == '[' {
				open = append(open, 0)
				elementNext = true
			} else {
				open = append(open, -1)
			}
		case ']', '}':
			if len(open) > 0 {
				open = open[:len(open)-1]
			}
		case ',':
			if len(open) > 0 && open[len(open)-1] >= 0 {
				elementNext = true
			}
		}
	}
	return nil
}
