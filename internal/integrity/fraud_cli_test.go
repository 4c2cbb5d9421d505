package integrity

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
)

// blockFile returns an edge list with background noise and a dense block of
// accounts f1..f60 × objects p1..p40, in the text format RunFraud reads.
func blockFile(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("# account object time\n\n")
	for _, e := range plantedGraph(t, 5, 30000, 0) {
		fmt.Fprintf(&b, "u%d\tpost%d\t%d\n", e.Account, e.Object, t0)
	}
	for a := 1; a <= 60; a++ {
		for o := 1; o <= 40; o++ {
			fmt.Fprintf(&b, "f%d p%d\n", a, o)
		}
	}
	return b.String()
}

func TestRunFraudJSON(t *testing.T) {
	in := blockFile(t)
	test := DefaultBlockTest()
	test.MinSurplus = 10
	var out bytes.Buffer
	if err := RunFraud(context.Background(), strings.NewReader(in), &out, FraudOptions{Format: "json", Test: test}); err != nil {
		t.Fatal(err)
	}
	var one fraudBlock
	if err := json.Unmarshal(out.Bytes(), &one); err != nil {
		t.Fatalf("K=1: got %q, want one JSON block: %v", out.String(), err)
	}
	if len(one.Accounts) != 60 || len(one.Objects) != 40 || !one.Suspicious || one.Score <= 0 {
		t.Errorf("K=1: got %d accounts, %d objects, suspicious %v, score %v; want 60, 40, true, > 0",
			len(one.Accounts), len(one.Objects), one.Suspicious, one.Score)
	}
	if one.Accounts[0] != "f1" || one.Accounts[1] != "f2" || one.Accounts[59] != "f60" {
		t.Errorf("K=1: got accounts %v…, want f1 f2 … f60 in natural order", one.Accounts[:3])
	}
	out.Reset()
	if err := RunFraud(context.Background(), strings.NewReader(in), &out, FraudOptions{Format: "json", Blocks: 3, Test: test}); err != nil {
		t.Fatal(err)
	}
	var many struct {
		Blocks []fraudBlock `json:"blocks"`
	}
	if err := json.Unmarshal(out.Bytes(), &many); err != nil {
		t.Fatalf("K=3: got %q, want {\"blocks\": [...]}: %v", out.String(), err)
	}
	if len(many.Blocks) != 3 || !many.Blocks[0].Suspicious || many.Blocks[1].Suspicious {
		t.Errorf("K=3: got %d blocks, want 3 with only the first suspicious", len(many.Blocks))
	}
}

func TestRunFraudText(t *testing.T) {
	in := "a x\na x\nb x\na y 1700000000\nb y\nq q\n"
	var out bytes.Buffer
	if err := RunFraud(context.Background(), strings.NewReader(in), &out, FraudOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"read 6 edge lines: 5 distinct edges", "1 repeats collapsed", "1 self-loops", "block 1: not suspicious"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("got %q, want it to contain %q", out.String(), want)
		}
	}
	out.Reset()
	if err := RunFraud(context.Background(), strings.NewReader(in), &out, FraudOptions{DropSelfLoops: true}); err != nil {
		t.Fatal(err)
	}
	if want := "4 distinct edges between 2 accounts and 2 objects"; !strings.Contains(out.String(), want) {
		t.Errorf("dropping self-loops: got %q, want it to contain %q", out.String(), want)
	}
}

func TestRunFraudBadInput(t *testing.T) {
	long := "a " + strings.Repeat("x", maxLineBytes+10) + "\n"
	tests := []struct {
		name string
		in   string
		opt  FraudOptions
		want string
	}{
		{"empty", "", FraudOptions{}, "no edges"},
		{"only comments", "# nothing\n\n   \n", FraudOptions{}, "no edges"},
		{"one field", "a b\nlonely\n", FraudOptions{}, "line 2: want \"account object [unix_time]\", got 1 fields"},
		{"four fields", "a b 1 2\n", FraudOptions{}, "line 1: want"},
		{"bad time", "a b 1\na b yesterday\n", FraudOptions{}, "line 2: bad time \"yesterday\""},
		{"negative time", "a b -5\n", FraudOptions{}, "line 1: bad time"},
		{"milliseconds", "a b 1700000000000\n", FraudOptions{}, "milliseconds"},
		{"binary", "a b\n\x00\x01\x02\xff\n", FraudOptions{}, "line 2: binary data"},
		{"invalid utf-8", "a \xc3\x28\n", FraudOptions{}, "line 1: binary data"},
		{"long line", "a b\n" + long, FraudOptions{}, "line 2: longer than 1048576 bytes"},
		{"bad format", "a b\n", FraudOptions{Format: "xml"}, "unknown format"},
		{"bad blocks", "a b\n", FraudOptions{Blocks: -1}, "blocks must be positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := RunFraud(context.Background(), strings.NewReader(tc.in), io.Discard, tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestRunFraudCommentsAndSpacing(t *testing.T) {
	in := "  a\tb   # trailing comment\r\n#c d\n\ta c 17\n"
	ef, err := parseEdges(context.Background(), strings.NewReader(in), false)
	if err != nil {
		t.Fatal(err)
	}
	if ef.lines != 2 || len(ef.keys) != 2 || ef.timed != 1 {
		t.Errorf("got %d lines, %d edges, %d timed; want 2, 2, 1", ef.lines, len(ef.keys), ef.timed)
	}
}

// repeatReader yields n lines cycling over a few distinct edges, without
// holding them in memory.
type repeatReader struct {
	n, distinct, i int
	buf            []byte
}

func (r *repeatReader) Read(p []byte) (int, error) {
	for len(r.buf) < len(p) && r.i < r.n {
		r.buf = fmt.Appendf(r.buf, "acct%d obj%d %d\n", r.i%r.distinct, (r.i/r.distinct)%7, t0+r.i)
		r.i++
	}
	if len(r.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// TestParseManyRepeatedLines streams three million lines of 7,000 distinct
// edges, enough to trigger the parser's compaction several times.
func TestParseManyRepeatedLines(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the 3M-line parse in short mode")
	}
	ef, err := parseEdges(context.Background(), &repeatReader{n: 3_000_000, distinct: 1000}, false)
	if err != nil {
		t.Fatal(err)
	}
	if ef.lines != 3_000_000 || len(ef.keys) != 7000 || ef.accounts.len() != 1000 || ef.objects.len() != 7 {
		t.Errorf("got %d lines, %d edges, %d accounts, %d objects; want 3000000, 7000, 1000, 7",
			ef.lines, len(ef.keys), ef.accounts.len(), ef.objects.len())
	}
	if cap(ef.keys) > 4*minCompaction {
		t.Errorf("got key buffer capacity %d, want it bounded by compaction (≤ %d)", cap(ef.keys), 4*minCompaction)
	}
}

func TestCompareTokens(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"u2", "u10", -1},
		{"9", "10", -1},
		{"10", "9", 1},
		{"abc", "abd", -1},
		{"a", "a1", -1},
		{"01", "1", -1},
		{"x", "x", 0},
		{"7", "a", -1},
	}
	for _, tc := range tests {
		if got := compareTokens(tc.a, tc.b); got != tc.want {
			t.Errorf("compareTokens(%q, %q): got %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestTokenTable(t *testing.T) {
	tt := newTokenTable("tokens")
	const n = 50000
	for round := range 2 {
		for i := range n {
			tok := fmt.Appendf(nil, "tok-%d", i)
			idx, err := tt.index(tok)
			if err != nil {
				t.Fatal(err)
			}
			if idx != int32(i) {
				t.Fatalf("round %d: got index %d for %s, want %d", round, idx, tok, i)
			}
		}
	}
	if tt.len() != n || tt.token(123) != "tok-123" {
		t.Errorf("got %d tokens, token 123 %q; want %d, tok-123", tt.len(), tt.token(123), n)
	}
	if idx, _ := tt.index([]byte("")); tt.token(int64(idx)) != "" || idx != n {
		t.Errorf("empty token: got index %d, want %d", idx, n)
	}
}
