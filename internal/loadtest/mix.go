package loadtest

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Op is one kind of request the load test sends, through the Mastodon API.
type Op string

// The operations a mix can hold.
const (
	OpRead          Op = "read"          // GET /api/v1/timelines/home
	OpPost          Op = "post"          // POST /api/v1/statuses
	OpLike          Op = "like"          // POST /api/v1/statuses/{id}/favourite, a recently seen post
	OpPublic        Op = "public"        // GET /api/v1/timelines/public?local=true
	OpThread        Op = "thread"        // GET /api/v1/statuses/{id}/context, a recently seen post
	OpNotifications Op = "notifications" // GET /api/v1/notifications
	OpAccount       Op = "account"       // GET /api/v1/accounts/verify_credentials
)

// knownOps lists the operations in the order reports show them.
var knownOps = []Op{OpRead, OpPost, OpLike, OpPublic, OpThread, OpNotifications, OpAccount}

// DefaultMix is what "parvis bench" sends without --mix.
const DefaultMix = "read=80,post=10,like=10"

// Mix is a weighted choice of operations.
type Mix struct {
	ops     []Op
	weights []int // cumulative
	total   int
}

// ParseMix reads "read=80,post=10,like=10": operation=weight pairs, the
// weights relative (they need not add up to 100).
func ParseMix(s string) (Mix, error) {
	var m Mix
	seen := map[Op]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, w, ok := strings.Cut(part, "=")
		op := Op(strings.TrimSpace(name))
		if !ok || !knownOp(op) {
			return Mix{}, fmt.Errorf("bad mix entry %q: want op=weight with op one of %s", part, opNames())
		}
		if seen[op] {
			return Mix{}, fmt.Errorf("bad mix: %s given twice", op)
		}
		seen[op] = true
		n, err := strconv.Atoi(strings.TrimSpace(w))
		if err != nil || n < 0 || n > 1_000_000 {
			return Mix{}, fmt.Errorf("bad mix weight %q for %s: want a whole number from 0 to 1000000", w, op)
		}
		if n == 0 {
			continue
		}
		m.total += n
		m.ops = append(m.ops, op)
		m.weights = append(m.weights, m.total)
	}
	if m.total == 0 {
		return Mix{}, fmt.Errorf("bad mix %q: no operation has a weight", s)
	}
	return m, nil
}

// pick chooses an operation from r in [0, total).
func (m Mix) pick(r int) Op {
	i := sort.SearchInts(m.weights, r+1)
	return m.ops[i]
}

// String writes the mix back as it is parsed.
func (m Mix) String() string {
	var b strings.Builder
	prev := 0
	for i, op := range m.ops {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=%d", op, m.weights[i]-prev)
		prev = m.weights[i]
	}
	return b.String()
}

// Ops returns the operations with a weight.
func (m Mix) Ops() []Op { return append([]Op(nil), m.ops...) }

func knownOp(op Op) bool {
	for _, k := range knownOps {
		if k == op {
			return true
		}
	}
	return false
}

func opNames() string {
	names := make([]string, len(knownOps))
	for i, op := range knownOps {
		names[i] = string(op)
	}
	return strings.Join(names, ", ")
}
