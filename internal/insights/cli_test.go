package insights

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
)

type nodeScore struct {
	name  string
	score float64
}

func TestRunInfluence(t *testing.T) {
	// Expected scores come from solving the PageRank equations exactly.
	tests := []struct {
		name string
		in   string
		opt  InfluenceOptions
		want []nodeScore
	}{
		{"chain into a sink", "# comment\na b\n\nb c\n", InfluenceOptions{}, []nodeScore{{"c", 0.4744122}, {"b", 0.3411710}, {"a", 0.1844168}}},
		{"undirected star", "hub x\nhub y\nhub z\n", InfluenceOptions{Undirected: true, Top: 1}, []nodeScore{{"hub", 0.4797297}}},
		{"weights and tabs", "a\tb\t3\na c 1\nb a\nc a\n", InfluenceOptions{}, []nodeScore{{"a", 0.4864865}, {"b", 0.3601351}, {"c", 0.1533784}}},
		{"unicode names", "é ü\nü é\n", InfluenceOptions{Damping: 0.5}, []nodeScore{{"é", 0.5}, {"ü", 0.5}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := RunInfluence(context.Background(), strings.NewReader(tt.in), &out, tt.opt); err != nil {
				t.Fatal(err)
			}
			var got []nodeScore
			for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
				f := strings.Fields(line)
				if len(f) != 2 {
					t.Fatalf("line %q: got %d fields, want 2", line, len(f))
				}
				v, err := strconv.ParseFloat(f[1], 64)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, nodeScore{f[0], v})
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i].name != tt.want[i].name || math.Abs(got[i].score-tt.want[i].score) > 1e-5 {
					t.Errorf("line %d: got %v, want %v", i+1, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestRunInfluenceJSON(t *testing.T) {
	var out bytes.Buffer
	err := RunInfluence(context.Background(), strings.NewReader("a b\nb a\nc a\n"), &out, InfluenceOptions{Format: "json"})
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Node       string  `json:"node"`
		Score      float64 `json:"score"`
		Rank       int     `json:"rank"`
		Percentile float64 `json:"percentile"`
	}
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out.String())
	}
	if len(rows) != 3 || rows[0].Node != "a" || rows[0].Rank != 1 || rows[0].Percentile != 100 || rows[2].Node != "c" {
		t.Errorf("got %+v, want a first with rank 1 and percentile 100, c last", rows)
	}
}

func TestRunInfluenceErrors(t *testing.T) {
	long := strings.Repeat("x", MaxLineBytes+1)
	tests := []struct {
		name, in string
		opt      InfluenceOptions
		want     string
	}{
		{"empty", "", InfluenceOptions{}, "empty input"},
		{"only comments", "# nothing\n\n", InfluenceOptions{}, "empty input"},
		{"one field", "a b\nlonely\n", InfluenceOptions{}, "line 2: got 1 fields"},
		{"four fields", "a b 1 2\n", InfluenceOptions{}, "line 1: got 4 fields"},
		{"bad weight", "a b 1\nb c heavy\n", InfluenceOptions{}, `line 2: weight "heavy" is not a number`},
		{"nan weight", "a b NaN\n", InfluenceOptions{}, "line 1: weight"},
		{"infinite weight", "a b +Inf\n", InfluenceOptions{}, "line 1: weight"},
		{"negative weight", "a b -2\n", InfluenceOptions{}, "line 1: weight -2 is negative"},
		{"nul byte", "a b\nc\x00 d\n", InfluenceOptions{}, "line 2: NUL byte"},
		{"invalid utf-8", "a b\n\xff\xfe c\n", InfluenceOptions{}, "line 2: invalid UTF-8"},
		{"long line", "a b\n" + long + " y\n", InfluenceOptions{}, "line 2: longer than"},
		{"bad format", "a b\n", InfluenceOptions{Format: "xml"}, "unknown format"},
		{"bad damping", "a b\n", InfluenceOptions{Damping: 1.5}, "damping"},
		{"negative top", "a b\n", InfluenceOptions{Top: -1}, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := RunInfluence(context.Background(), strings.NewReader(tt.in), io.Discard, tt.opt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestRunInfluenceLineAtLimit(t *testing.T) {
	name := strings.Repeat("n", MaxLineBytes-2)
	var out bytes.Buffer
	if err := RunInfluence(context.Background(), strings.NewReader(name+" m"), &out, InfluenceOptions{}); err != nil {
		t.Fatalf("line of exactly %d bytes: got %v, want no error", MaxLineBytes, err)
	}
}

func TestRunInfluenceCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := strings.Repeat("a b\n", 2*checkEvery)
	err := RunInfluence(ctx, strings.NewReader(in), io.Discard, InfluenceOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestRunThread(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"star", "r -\na r\nb r\nc r\n", `{"size":4,"depth":1,"max_breadth":3,"structural_virality":1.5}` + "\n"},
		{"chain with authors", "# thread\n1 - ann\n2 1 bob\n3 2 ann\n", `{"size":3,"depth":2,"max_breadth":1,"structural_virality":1.3333333333333333,"participants":2,"root_author_replied":true}` + "\n"},
		{"lone root", "r -\n", `{"size":1,"depth":0,"max_breadth":1,"structural_virality":0}` + "\n"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		if err := RunThread(context.Background(), strings.NewReader(tt.in), &out); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if out.String() != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, out.String(), tt.want)
		}
	}
}

func TestRunThreadErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "empty input"},
		{"one field", "r -\nx\n", "line 2: got 1 fields"},
		{"no root", "a b\nb a\n", "no root"},
		{"two roots", "a -\nb -\n", "several roots"},
		{"unknown parent", "a -\nb z\n", "unknown post"},
		{"cycle", "a -\nb c\nc b\n", "cycle"},
		{"dash id", "- -\n", "not a valid id"},
		{"binary", "a -\n\x00\n", "line 2: NUL byte"},
		{"duplicate", "a -\na a\n", "listed twice"},
	}
	for _, tt := range tests {
		err := RunThread(context.Background(), strings.NewReader(tt.in), io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

func TestRunTopics(t *testing.T) {
	in := `La fusée Falcon 9 de SpaceX a décollé de Cap Canaveral avec la capsule Dragon.
La capsule Dragon doit s'arrimer à la station spatiale internationale.
C'est la première fois qu'une capsule privée rejoint la station spatiale.`
	var out bytes.Buffer
	if err := RunTopics(context.Background(), strings.NewReader(in), &out, TopicsOptions{Lang: "auto", Top: 3}); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(got) != 3 {
		t.Fatalf("got %d lines %q, want 3", len(got), got)
	}
	if !strings.Contains(out.String(), "capsule dragon") {
		t.Errorf("got %q, want it to hold \"capsule dragon\"", got)
	}
	for _, tt := range []struct {
		name, in string
		opt      TopicsOptions
		want     string
	}{
		{"empty", "", TopicsOptions{}, "empty input"},
		{"blank", " \n\t\n", TopicsOptions{}, "empty input"},
		{"bad lang", "du texte", TopicsOptions{Lang: "de"}, "unknown language"},
		{"negative top", "du texte", TopicsOptions{Top: -2}, "negative"},
		{"binary", "texte\n\xff\n", TopicsOptions{}, "line 2: invalid UTF-8"},
	} {
		err := RunTopics(context.Background(), strings.NewReader(tt.in), io.Discard, tt.opt)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

// FuzzRunInfluence checks that no input makes the front ends panic.
func FuzzRunInfluence(f *testing.F) {
	for _, s := range []string{"a b\n", "a b 2.5\nb c\n", "# x\n\n", "a\x00b", "r -\nx r\n", "\xff", "a b -1", "a a\na a 0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		ctx := context.Background()
		_ = RunInfluence(ctx, strings.NewReader(in), io.Discard, InfluenceOptions{Undirected: len(in)%2 == 0})
		_ = RunThread(ctx, strings.NewReader(in), io.Discard)
		_ = RunTopics(ctx, strings.NewReader(in), io.Discard, TopicsOptions{})
	})
}

// TestRunTooLarge checks that inputs past the bounds end with a clear
// error naming the line, not with the memory exhausted (the bounds are
// lowered here; they are tens of millions of edges or posts and 64 MiB of
// text).
func TestRunTooLarge(t *testing.T) {
	defer func(e, p, b int) { maxEdges, maxThreadPosts, maxTopicsBytes = e, p, b }(maxEdges, maxThreadPosts, maxTopicsBytes)
	maxEdges, maxThreadPosts, maxTopicsBytes = 3, 3, 100
	ctx := context.Background()
	err := RunInfluence(ctx, strings.NewReader("a b\nb c\nc a\n"), io.Discard, InfluenceOptions{})
	if err != nil {
		t.Errorf("influence at the bound: %v", err)
	}
	err = RunInfluence(ctx, strings.NewReader("a b\nb c\nc a\na c\n"), io.Discard, InfluenceOptions{})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "line 4") || !strings.Contains(err.Error(), "more than 3 edges") {
		t.Errorf("influence past the bound: got %v", err)
	}
	err = RunInfluence(ctx, strings.NewReader("a b\nb c\n"), io.Discard, InfluenceOptions{Undirected: true})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("undirected influence past the bound: got %v", err)
	}
	err = RunThread(ctx, strings.NewReader("a -\nb a\nc a\nd a\n"), io.Discard)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "line 4") {
		t.Errorf("thread past the bound: got %v", err)
	}
	err = RunTopics(ctx, strings.NewReader(strings.Repeat("des pistes cyclables à Lyon\n", 10)), io.Discard, TopicsOptions{})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "more than 100 bytes") {
		t.Errorf("topics past the bound: got %v", err)
	}
}
