package integrity

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// FraudOptions configures RunFraud.
type FraudOptions struct {
	// Format is "text" (the default when empty) or "json".
	Format string
	// Blocks is how many blocks to peel in turn; zero means 1.
	Blocks int
	// Weighting is ColumnWeighted (FRAUDAR, the default) or Unweighted.
	Weighting Weighting
	// NoRefine reports FRAUDAR's blocks as peeled, without looking inside
	// them for the part that is dense beyond its degrees (see DenseBlocks).
	NoRefine bool
	// Test judges each block; the zero value means DefaultBlockTest.
	Test BlockTest
	// DropSelfLoops skips lines whose account and object are the same
	// token. By default they are kept: accounts and objects are separate
	// id spaces, so "42 42" may well be account 42 engaging post 42; in a
	// graph of accounts engaging accounts (voter × votee) it is a
	// self-vote, which says nothing about coordination, and this option
	// drops it.
	DropSelfLoops bool
}

// fraudBlock is a Block with the input's tokens in place of ids.
type fraudBlock struct {
	Accounts   []string `json:"accounts"`
	Objects    []string `json:"objects"`
	Score      float64  `json:"score"`
	Edges      int      `json:"edges"`
	Density    float64  `json:"density"`
	Expected   float64  `json:"expected"`
	Lift       float64  `json:"lift"`
	Surplus    float64  `json:"surplus"`
	Threshold  float64  `json:"threshold"`
	Suspicious bool     `json:"suspicious"`
	Reason     string   `json:"reason"`
}

// RunFraud is the logic of "parvis analyze fraud --edges FILE [--format
// json] [--blocks K]". It reads an edge list from in, one engagement per
// line, "account object [unix_time]" (see the parsing rules below), peels the
// K densest blocks with FRAUDAR, refines and judges each with the BlockTest,
// and writes them to out.
//
// Input: fields are separated by spaces or tabs; blank lines and lines whose
// first field starts with '#' are skipped, and a field starting with '#'
// ends a line. Tokens are arbitrary UTF-8 strings, accounts and objects in
// separate id spaces. A time, when present, must be whole unix seconds
// (0 to 10^11); it is checked but not used, since dense blocks ignore time.
// Repeated edges collapse into one. Errors name the line: a line with one
// field or more than three, a bad time, bytes that are not UTF-8 text (a
// binary file), a line over 1 MiB. Input without any edge is an error.
// Memory is proportional to the distinct tokens and edges, not the lines
// (see parseEdges), so a file of ten million lines with repeats is fine.
//
// Output: in JSON, with K = 1 the single block as an object
// {"accounts": [...], "objects": [...], "score": N, ...}; with K > 1
// {"blocks": [...]} holding such objects in the order found, so that a
// consumer asking for one block gets the block itself and one asking for
// several gets a stable wrapper. Every block is reported, with "suspicious"
// telling whether it passed the test and "reason" why; score is FRAUDAR's
// g(S), the weighted edges per node, and accounts and objects are sorted
// naturally ("u2" before "u10"). The text format says the
// same in lines for people.
func RunFraud(ctx context.Context, in io.Reader, out io.Writer, opt FraudOptions) error {
	format := cmp.Or(opt.Format, "text")
	if format != "text" && format != "json" {
		return fmt.Errorf("integrity: unknown format %q, want text or json", opt.Format)
	}
	if opt.Blocks < 0 {
		return fmt.Errorf("integrity: blocks must be positive, got %d", opt.Blocks)
	}
	k := max(opt.Blocks, 1)
	test := opt.Test
	if test == (BlockTest{}) {
		test = DefaultBlockTest()
	}
	ef, err := parseEdges(ctx, in, opt.DropSelfLoops)
	if err != nil {
		return err
	}
	g := ef.graph()
	blocks, err := DenseBlocks(ctx, g, BlockOptions{Blocks: k, Weighting: opt.Weighting, Refine: !opt.NoRefine, Test: test})
	if err != nil {
		return err
	}
	named := make([]fraudBlock, len(blocks))
	for i, b := range blocks {
		named[i] = fraudBlock{
			Accounts: tokens(ef.accounts, b.Accounts), Objects: tokens(ef.objects, b.Objects),
			Score: b.Score, Edges: b.Edges, Density: b.Density, Expected: b.Expected, Lift: b.Lift,
			Surplus: b.Surplus, Threshold: b.Threshold, Suspicious: b.Suspicious, Reason: b.Reason,
		}
	}
	w := bufio.NewWriter(out)
	if format == "json" {
		enc := json.NewEncoder(w)
		if k == 1 {
			if len(named) == 0 {
				named = append(named, fraudBlock{Accounts: []string{}, Objects: []string{}, Reason: "no block"})
			}
			err = enc.Encode(named[0])
		} else {
			err = enc.Encode(struct {
				Blocks []fraudBlock `json:"blocks"`
			}{named})
		}
	} else {
		err = writeFraudText(w, ef, g, named)
	}
	if err != nil {
		return fmt.Errorf("integrity: writing result: %w", err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("integrity: writing result: %w", err)
	}
	return nil
}

func writeFraudText(w io.Writer, ef *edgeFile, g *Graph, blocks []fraudBlock) error {
	if _, err := fmt.Fprintf(w, "read %d edge lines: %d distinct edges between %d accounts and %d objects (%d repeats collapsed, %d self-loops, %d timed)\n",
		ef.lines, g.NumEdges(), g.NumAccounts(), g.NumObjects(), ef.lines-ef.selfLoopsDropped()-g.NumEdges(), ef.selfLoops, ef.timed); err != nil {
		return err
	}
	for i, b := range blocks {
		verdict := "not suspicious"
		if b.Suspicious {
			verdict = "SUSPICIOUS"
		}
		if _, err := fmt.Fprintf(w, "\nblock %d: %s, score %.3f\n  %s\n  accounts (%d): %s\n  objects (%d): %s\n",
			i+1, verdict, b.Score, b.Reason, len(b.Accounts), strings.Join(b.Accounts, " "), len(b.Objects), strings.Join(b.Objects, " ")); err != nil {
			return err
		}
	}
	return nil
}

// tokens maps token indices back to tokens, sorted.
func tokens(names *tokenTable, ids []int64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = names.token(id)
	}
	slices.SortFunc(out, compareTokens)
	return out
}

// compareTokens orders tokens naturally: runs of digits compare as numbers
// and the rest bytewise, so that "u2" comes before "u10" and "9" before
// "10". Ties (such as "01" and "1") fall back to bytewise order.
func compareTokens(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if isDigit(a[i]) && isDigit(b[j]) {
			si, sj := i, j
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			x := strings.TrimLeft(a[si:i], "0")
			y := strings.TrimLeft(b[sj:j], "0")
			if c := cmp.Or(cmp.Compare(len(x), len(y)), strings.Compare(x, y)); c != 0 {
				return c
			}
			continue
		}
		if a[i] != b[j] {
			return cmp.Compare(a[i], b[j])
		}
		i++
		j++
	}
	return cmp.Or(cmp.Compare(len(a)-i, len(b)-j), strings.Compare(a, b))
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
