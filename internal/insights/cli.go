package insights

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"parvis/internal/lang"
)

// The command-line front ends: each reads text from an io.Reader, streaming
// line by line so that memory grows with the distinct nodes and edges, not
// with the input, and writes its result to an io.Writer. cmd/parvis wires
// them to flags.

// MaxLineBytes is the longest input line accepted.
const MaxLineBytes = 1 << 20

// Bounds on the whole input, so that a huge file ends with a clear error
// rather than with the memory exhausted: edges of a graph (both directions
// counted with --undirected), posts of a thread, bytes of text for topics.
// Variables so that tests can lower them.
var (
	maxEdges       = 50_000_000
	maxThreadPosts = 10_000_000
	maxTopicsBytes = 64 << 20
)

// ErrTooLarge is returned, wrapped, when the input passes one of the bounds.
var ErrTooLarge = errors.New("input too large")

// ErrEmptyInput is returned, wrapped, when the input holds no data.
var ErrEmptyInput = errors.New("empty input")

// lines reads an input line by line, rejecting binary data and overlong
// lines with the line number.
type lines struct {
	sc *bufio.Scanner
	n  int
}

func newLines(r io.Reader) *lines {
	sc := bufio.NewScanner(r)
	// One byte more than the limit so that the newline of a line of
	// exactly MaxLineBytes fits.
	sc.Buffer(make([]byte, 0, 64*1024), MaxLineBytes+1)
	return &lines{sc: sc}
}

// next returns the next line, without its line ending, or io.EOF. Every
// checkEvery lines it returns ctx's error if ctx is done.
func (l *lines) next(ctx context.Context) ([]byte, error) {
	if !l.sc.Scan() {
		if err := l.sc.Err(); err != nil {
			if errors.Is(err, bufio.ErrTooLong) {
				return nil, fmt.Errorf("line %d: longer than %d bytes", l.n+1, MaxLineBytes)
			}
			return nil, fmt.Errorf("line %d: %w", l.n+1, err)
		}
		return nil, io.EOF
	}
	l.n++
	line := l.sc.Bytes()
	if len(line) > MaxLineBytes {
		return nil, fmt.Errorf("line %d: longer than %d bytes", l.n, MaxLineBytes)
	}
	if bytes.IndexByte(line, 0) >= 0 {
		return nil, fmt.Errorf("line %d: NUL byte: binary data is not accepted", l.n)
	}
	if !utf8.Valid(line) {
		return nil, fmt.Errorf("line %d: invalid UTF-8: binary data is not accepted", l.n)
	}
	if l.n%checkEvery == 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	return line, nil
}

// fields returns the whitespace-separated fields of a line, or nil for a
// blank line or a '#' comment.
func fields(line []byte) [][]byte {
	f := bytes.Fields(line)
	if len(f) == 0 || f[0][0] == '#' {
		return nil
	}
	return f
}

// checkEvery is how many lines pass between checks of the context.
const checkEvery = 1 << 14

// InfluenceOptions tunes RunInfluence.
type InfluenceOptions struct {
	// Undirected adds every edge in both directions.
	Undirected bool
	// Damping is PageRank's damping factor; 0 means 0.85.
	Damping float64
	// Format is "text" (the default: "node score" lines, best first) or
	// "json" (an array of {node, score, rank, percentile}).
	Format string
	// Top limits the output to the best nodes; 0 means all.
	Top int
}

// RunInfluence reads a graph as lines "source target [weight]" (fields
// separated by white space, weight 1 when absent; blank lines and lines
// starting with '#' skipped), ranks its nodes by PageRank and writes them,
// best first.
func RunInfluence(ctx context.Context, in io.Reader, out io.Writer, opt InfluenceOptions) error {
	switch opt.Format {
	case "", "text", "json":
	default:
		return fmt.Errorf("unknown format %q (want text or json)", opt.Format)
	}
	if opt.Top < 0 {
		return fmt.Errorf("top %d is negative", opt.Top)
	}
	ids := make(map[string]int32)
	var names []string
	node := func(name []byte) (int32, error) {
		if id, ok := ids[string(name)]; ok {
			return id, nil
		}
		if len(names) == math.MaxInt32 {
			return 0, errors.New("too many nodes")
		}
		id := int32(len(names))
		s := string(name)
		ids[s] = id
		names = append(names, s)
		return id, nil
	}
	var edges []Edge
	weighted := false
	l := newLines(in)
	for {
		line, err := l.next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		f := fields(line)
		if f == nil {
			continue
		}
		if len(f) != 2 && len(f) != 3 {
			return fmt.Errorf("line %d: got %d fields, want \"source target [weight]\"", l.n, len(f))
		}
		w := 1.0
		if len(f) == 3 {
			w, err = strconv.ParseFloat(string(f[2]), 64)
			if err != nil || math.IsNaN(w) || math.IsInf(w, 0) {
				return fmt.Errorf("line %d: weight %q is not a number", l.n, f[2])
			}
			if w < 0 {
				return fmt.Errorf("line %d: weight %v is negative", l.n, w)
			}
			weighted = true
		}
		u, err := node(f[0])
		if err != nil {
			return fmt.Errorf("line %d: %w", l.n, err)
		}
		v, err := node(f[1])
		if err != nil {
			return fmt.Errorf("line %d: %w", l.n, err)
		}
		need := 1
		if opt.Undirected && u != v {
			need = 2
		}
		if len(edges)+need > maxEdges {
			return fmt.Errorf("line %d: %w: more than %d edges", l.n, ErrTooLarge, maxEdges)
		}
		edges = append(edges, Edge{From: u, To: v, Weight: w})
		if opt.Undirected && u != v {
			edges = append(edges, Edge{From: v, To: u, Weight: w})
		}
	}
	if len(edges) == 0 {
		return fmt.Errorf("%w: no edges", ErrEmptyInput)
	}
	g, err := NewGraph(len(names), edges, weighted)
	if err != nil {
		return err
	}
	edges = nil
	scores, err := PageRank(g, PageRankOptions{Damping: opt.Damping})
	if err != nil {
		return err
	}
	order := Ranking(scores)
	if opt.Top > 0 && len(order) > opt.Top {
		order = order[:opt.Top]
	}
	bw := bufio.NewWriter(out)
	if opt.Format == "json" {
		err = writeInfluenceJSON(bw, names, scores, order)
	} else {
		for _, v := range order {
			bw.WriteString(names[v])
			bw.WriteByte(' ')
			bw.WriteString(strconv.FormatFloat(scores[v], 'g', 6, 64))
			bw.WriteByte('\n')
		}
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

func writeInfluenceJSON(w *bufio.Writer, names []string, scores []float64, order []int) error {
	ranks := Ranks(scores)
	pct := Percentiles(scores)
	type row struct {
		Node       string  `json:"node"`
		Score      float64 `json:"score"`
		Rank       int     `json:"rank"`
		Percentile float64 `json:"percentile"`
	}
	w.WriteString("[")
	for i, v := range order {
		if i > 0 {
			w.WriteString(",")
		}
		b, err := json.Marshal(row{names[v], scores[v], ranks[v], pct[v]})
		if err != nil {
			return err
		}
		w.WriteString("\n")
		w.Write(b)
	}
	w.WriteString("\n]\n")
	return nil
}

// RunThread reads a reply tree as lines "id parent [author]", the root's
// parent written "-" (blank lines and '#' comments skipped), and writes its
// structure as JSON: size, depth (the root is at depth 0), max_breadth and
// structural_virality, with participants and root_author_replied when
// authors are given.
func RunThread(ctx context.Context, in io.Reader, out io.Writer) error {
	var posts []ThreadNode
	withAuthors := false
	l := newLines(in)
	for {
		line, err := l.next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		f := fields(line)
		if f == nil {
			continue
		}
		if len(f) != 2 && len(f) != 3 {
			return fmt.Errorf("line %d: got %d fields, want \"id parent [author]\" (parent - for the root)", l.n, len(f))
		}
		p := ThreadNode{ID: string(f[0]), Parent: string(f[1])}
		if p.ID == "-" {
			return fmt.Errorf("line %d: \"-\" is not a valid id", l.n)
		}
		if p.Parent == "-" {
			p.Parent = ""
		}
		if len(f) == 3 {
			p.Author = string(f[2])
			withAuthors = true
		}
		if len(posts) >= maxThreadPosts {
			return fmt.Errorf("line %d: %w: more than %d posts", l.n, ErrTooLarge, maxThreadPosts)
		}
		posts = append(posts, p)
	}
	if len(posts) == 0 {
		return fmt.Errorf("%w: no posts", ErrEmptyInput)
	}
	st, err := Thread(posts)
	if err != nil {
		return err
	}
	type result struct {
		Size               int     `json:"size"`
		Depth              int     `json:"depth"`
		MaxBreadth         int     `json:"max_breadth"`
		StructuralVirality float64 `json:"structural_virality"`
		Participants       *int    `json:"participants,omitempty"`
		RootAuthorReplied  *bool   `json:"root_author_replied,omitempty"`
	}
	r := result{Size: st.Size, Depth: st.Depth, MaxBreadth: st.MaxBreadth, StructuralVirality: st.StructuralVirality}
	if withAuthors {
		r.Participants, r.RootAuthorReplied = &st.Participants, &st.RootAuthorReplied
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = out.Write(append(b, '\n'))
	return err
}

// TopicsOptions tunes RunTopics.
type TopicsOptions struct {
	// Lang is "fr", "en", or "auto" (or "") to detect it.
	Lang string
	// Top is the number of keyphrases; 0 means 10.
	Top int
}

// RunTopics reads a text (an article, or posts taken together as one
// document) and writes its keyphrases, best first, one per line.
func RunTopics(ctx context.Context, in io.Reader, out io.Writer, opt TopicsOptions) error {
	switch opt.Lang {
	case "", "auto", lang.French, lang.English:
	default:
		return fmt.Errorf("unknown language %q (want fr, en or auto)", opt.Lang)
	}
	if opt.Top < 0 {
		return fmt.Errorf("top %d is negative", opt.Top)
	}
	var text strings.Builder
	l := newLines(in)
	for {
		line, err := l.next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if text.Len()+len(line)+1 > maxTopicsBytes {
			return fmt.Errorf("line %d: %w: more than %d bytes of text", l.n, ErrTooLarge, maxTopicsBytes)
		}
		text.Write(line)
		text.WriteByte('\n')
	}
	if strings.TrimSpace(text.String()) == "" {
		return fmt.Errorf("%w: no text", ErrEmptyInput)
	}
	code := opt.Lang
	if code == "auto" {
		code = ""
	}
	phrases := Keyphrases([]string{text.String()}, KeyphraseOptions{Lang: code, Top: opt.Top})
	bw := bufio.NewWriter(out)
	for _, p := range phrases {
		bw.WriteString(p.Phrase)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
