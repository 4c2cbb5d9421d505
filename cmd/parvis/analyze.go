package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"parvis/internal/insights"
	"parvis/internal/integrity"
)

const analyzeUsage = `usage:
  parvis analyze influence --edges FILE [--undirected] [--damping D] [--top N] [--format text|json]
  parvis analyze thread --edges FILE
  parvis analyze topics [--lang fr|en|auto] [--top N] [FILE]
  parvis analyze fraud --edges FILE [--blocks K] [--format text|json] [--unweighted] [--drop-self-loops]
  parvis analyze harness [--wiki-vote FILE] [--extra]
FILE may be - for standard input.`

// runAnalyze runs the analysts' tools on their own data files: no
// database involved.
func runAnalyze(ctx context.Context, args []string, io stdio) error {
	if len(args) == 0 {
		fmt.Fprintln(io.err, analyzeUsage)
		return errUsage
	}
	switch args[0] {
	case "influence":
		return analyzeInfluence(ctx, args[1:], io)
	case "thread":
		return analyzeThread(ctx, args[1:], io)
	case "topics":
		return analyzeTopics(ctx, args[1:], io)
	case "fraud":
		return analyzeFraud(ctx, args[1:], io)
	case "harness":
		return analyzeHarness(ctx, args[1:], io)
	}
	fmt.Fprintln(io.err, analyzeUsage)
	return errUsage
}

// openInput opens a named file, or standard input for "-".
func openInput(name string, stdin io.Reader) (io.ReadCloser, error) {
	if name == "-" {
		return io.NopCloser(stdin), nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	return f, nil
}

func requireEdges(edges string, io stdio) error {
	if edges == "" {
		fmt.Fprintln(io.err, "--edges FILE is required\n"+analyzeUsage)
		return errUsage
	}
	return nil
}

func analyzeInfluence(ctx context.Context, args []string, io stdio) error {
	fs := newFlags("analyze influence", io)
	edges := fs.String("edges", "", "edge list: lines \"source target [weight]\", # comments")
	var opt insights.InfluenceOptions
	fs.BoolVar(&opt.Undirected, "undirected", false, "treat each edge as going both ways")
	fs.Float64Var(&opt.Damping, "damping", 0.85, "PageRank damping factor, in (0, 1)")
	fs.IntVar(&opt.Top, "top", 0, "print only the best N nodes (0: all)")
	fs.StringVar(&opt.Format, "format", "text", "text or json")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := requireEdges(*edges, io); err != nil {
		return err
	}
	in, err := openInput(*edges, io.in)
	if err != nil {
		return err
	}
	defer in.Close()
	return insights.RunInfluence(ctx, in, io.out, opt)
}

func analyzeThread(ctx context.Context, args []string, io stdio) error {
	fs := newFlags("analyze thread", io)
	edges := fs.String("edges", "", "reply tree: lines \"id parent\", the root's parent is -")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := requireEdges(*edges, io); err != nil {
		return err
	}
	in, err := openInput(*edges, io.in)
	if err != nil {
		return err
	}
	defer in.Close()
	return insights.RunThread(ctx, in, io.out)
}

func analyzeTopics(ctx context.Context, args []string, io stdio) error {
	fs := newFlags("analyze topics", io)
	var opt insights.TopicsOptions
	fs.StringVar(&opt.Lang, "lang", "auto", "fr, en or auto")
	fs.IntVar(&opt.Top, "top", 10, "number of keyphrases")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	name := "-"
	switch fs.NArg() {
	case 0:
	case 1:
		name = fs.Arg(0)
	default:
		fmt.Fprintln(io.err, "at most one FILE\n"+analyzeUsage)
		return errUsage
	}
	in, err := openInput(name, io.in)
	if err != nil {
		return err
	}
	defer in.Close()
	return insights.RunTopics(ctx, in, io.out, opt)
}

func analyzeFraud(ctx context.Context, args []string, io stdio) error {
	fs := newFlags("analyze fraud", io)
	edges := fs.String("edges", "", "engagement list: lines \"account object [unix_time]\", # comments")
	var opt integrity.FraudOptions
	fs.StringVar(&opt.Format, "format", "json", "json or text")
	fs.IntVar(&opt.Blocks, "blocks", 1, "number of blocks to report, peeled in turn")
	unweighted := fs.Bool("unweighted", false, "plain average-degree peeling instead of FRAUDAR's column weights")
	fs.BoolVar(&opt.DropSelfLoops, "drop-self-loops", false, "skip lines whose account and object are the same token")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := requireEdges(*edges, io); err != nil {
		return err
	}
	if *unweighted {
		opt.Weighting = integrity.Unweighted
	}
	in, err := openInput(*edges, io.in)
	if err != nil {
		return err
	}
	defer in.Close()
	return integrity.RunFraud(ctx, in, io.out, opt)
}

func analyzeHarness(ctx context.Context, args []string, io stdio) error {
	fs := newFlags("analyze harness", io)
	opt := integrity.DefaultHarnessOptions()
	fs.StringVar(&opt.WikiVotePath, "wiki-vote", opt.WikiVotePath, "the wiki-Vote edge list (empty: synthetic backgrounds only)")
	fs.BoolVar(&opt.Extra, "extra", false, "also report smaller and sparser blocks")
	if err := parse(fs, args); err != nil {
		return err
	}
	_, err := integrity.RunHarness(ctx, io.out, opt)
	return err
}
