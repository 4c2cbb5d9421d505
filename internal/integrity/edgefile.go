package integrity

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// maxLineBytes is the longest line an edge file may hold; anything longer is
// not an edge list.
const maxLineBytes = 1 << 20

// maxUnixTime rejects times that are not unix seconds: 10^11 seconds is the
// year 5138, while 10^11 milliseconds is only 1973, so a larger value almost
// surely is milliseconds.
const maxUnixTime = 100_000_000_000

// minCompaction is the number of buffered edge keys below which the parser
// does not bother to deduplicate.
const minCompaction = 1 << 20

// edgeFile is a parsed edge list: account and object tokens interned to
// dense indices, and the distinct edges as keys (see edgeKey).
type edgeFile struct {
	accounts, objects *tokenTable
	keys              []uint64
	lines             int // edge lines read, repeats included
	selfLoops         int // edge lines whose account and object tokens are equal
	dropSelfLoops     bool
	timed             int // edge lines that carried a time
}

// parseEdges reads an edge list: one engagement per line, "account object
// [unix_time]", fields separated by ASCII spaces or tabs. Blank lines and
// lines whose first field starts with '#' are skipped, and a field starting
// with '#' ends the line, so comments may follow an edge. Tokens are
// arbitrary strings of valid UTF-8; accounts and objects are separate id
// spaces. A time must be whole unix seconds between 0 and 10^11.
//
// Repeated edges collapse into one. Memory stays proportional to the
// distinct edges: keys are buffered and, whenever the buffer doubles past the
// last count of distinct keys, sorted and deduplicated in place. When
// dropSelfLoops is set, lines whose account and object tokens are equal are
// counted and skipped.
func parseEdges(ctx context.Context, r io.Reader, dropSelfLoops bool) (*edgeFile, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), maxLineBytes)
	ef := &edgeFile{dropSelfLoops: dropSelfLoops, accounts: newTokenTable("accounts"), objects: newTokenTable("objects")}
	compactAt := minCompaction
	var fields [4][]byte
	lineNo := 0
	for sc.Scan() {
		lineNo++
		if lineNo&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("integrity: reading edges: %w", err)
			}
		}
		line := sc.Bytes()
		n, err := splitFields(line, &fields)
		if err != nil {
			return nil, fmt.Errorf("integrity: line %d: %w", lineNo, err)
		}
		if n == 0 {
			continue
		}
		if n == 1 || n > 3 {
			return nil, fmt.Errorf("integrity: line %d: want \"account object [unix_time]\", got %d fields", lineNo, n)
		}
		if n == 3 {
			if _, err := parseUnixTime(fields[2]); err != nil {
				return nil, fmt.Errorf("integrity: line %d: %w", lineNo, err)
			}
			ef.timed++
		}
		ef.lines++
		if bytes.Equal(fields[0], fields[1]) {
			ef.selfLoops++
			if dropSelfLoops {
				continue
			}
		}
		a, err := ef.accounts.index(fields[0])
		if err != nil {
			return nil, err
		}
		o, err := ef.objects.index(fields[1])
		if err != nil {
			return nil, err
		}
		ef.keys = append(ef.keys, edgeKey(a, o))
		if len(ef.keys) >= compactAt {
			ef.keys = sortUniqueKeys(ef.keys)
			compactAt = max(2*len(ef.keys), minCompaction)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("integrity: line %d: longer than %d bytes: %w", lineNo+1, maxLineBytes, err)
		}
		return nil, fmt.Errorf("integrity: reading edges: %w", err)
	}
	if len(ef.keys) == 0 {
		return nil, errors.New("integrity: no edges in input")
	}
	ef.keys = sortUniqueKeys(ef.keys)
	return ef, nil
}

// splitFields splits line at ASCII spaces and tabs into fields, up to four
// (one more than a valid line has, to detect extra fields), and stops at a
// field starting with '#'. It rejects lines that are not text.
func splitFields(line []byte, fields *[4][]byte) (int, error) {
	if bytes.IndexByte(line, 0) >= 0 || !utf8.Valid(line) {
		return 0, errors.New("binary data, not a text edge list")
	}
	n := 0
	i := 0
	for i < len(line) {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i == len(line) || line[i] == '#' {
			break
		}
		start := i
		for i < len(line) && !isSpace(line[i]) {
			i++
		}
		if n == len(fields) {
			return n + 1, nil
		}
		fields[n] = line[start:i]
		n++
	}
	return n, nil
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\r' || b == '\v' || b == '\f' }

// parseUnixTime parses whole unix seconds without allocating.
func parseUnixTime(b []byte) (int64, error) {
	if len(b) == 0 || len(b) > 19 {
		return 0, fmt.Errorf("bad time %q: want whole unix seconds", b)
	}
	var t int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("bad time %q: want whole unix seconds", b)
		}
		t = t*10 + int64(c-'0')
	}
	if t > maxUnixTime {
		return 0, fmt.Errorf("bad time %q: beyond year 5000, milliseconds instead of seconds?", b)
	}
	return t, nil
}

// selfLoopsDropped returns how many self-loop lines were skipped.
func (ef *edgeFile) selfLoopsDropped() int {
	if ef.dropSelfLoops {
		return ef.selfLoops
	}
	return 0
}

// graph builds the Graph of the file, whose account and object ids are the
// token indices.
func (ef *edgeFile) graph() *Graph {
	return buildGraph(indexIDs(ef.accounts.len()), indexIDs(ef.objects.len()), ef.keys)
}

func indexIDs(n int) []int64 {
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i)
	}
	return ids
}

// ReadEdgeList reads an edge list in the format RunFraud accepts and returns
// it as edges whose account and object ids are 1 + the order of first
// appearance of their tokens; times are dropped. The harness reads wiki-Vote
// with it.
func ReadEdgeList(ctx context.Context, r io.Reader) ([]Edge, error) {
	ef, err := parseEdges(ctx, r, false)
	if err != nil {
		return nil, err
	}
	edges := make([]Edge, len(ef.keys))
	for i, k := range ef.keys {
		edges[i] = Edge{Account: int64(keyRow(k)) + 1, Object: int64(keyCol(k)) + 1, Kind: Vote}
	}
	return edges, nil
}
