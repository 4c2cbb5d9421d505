package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

func runCmd(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, stdio{in: strings.NewReader(stdin), out: &out, err: &errb})
	return code, out.String(), errb.String()
}

func TestAnalyzeCommands(t *testing.T) {
	code, out, errs := runCmd(t, "# a triangle and a tail\n0 1\n1 2\n2 0\n2 3 2.5\n", "analyze", "influence", "--edges", "-")
	if code != 0 || !strings.HasPrefix(out, "2 ") {
		t.Fatalf("influence: exit %d, out %q, err %q", code, out, errs)
	}
	code, out, errs = runCmd(t, "a -\nb a\nc a\nd b\n", "analyze", "thread", "--edges", "-")
	var th struct {
		Size  int     `json:"size"`
		Depth int     `json:"depth"`
		SV    float64 `json:"structural_virality"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &th) != nil || th.Size != 4 || th.Depth != 2 {
		t.Fatalf("thread: exit %d, out %q, err %q", code, out, errs)
	}
	code, out, errs = runCmd(t, "Les pistes cyclables de Lyon. Les pistes cyclables s'allongent. Lyon et ses pistes cyclables.",
		"analyze", "topics", "--top", "3")
	if code != 0 || !strings.Contains(out, "pistes cyclables") {
		t.Fatalf("topics: exit %d, out %q, err %q", code, out, errs)
	}
	var edges strings.Builder
	for a := 0; a < 30; a++ {
		for o := 0; o < 30; o++ {
			edges.WriteString("fraud" + itoa(a) + " post" + itoa(o) + "\n")
		}
	}
	code, out, errs = runCmd(t, edges.String(), "analyze", "fraud", "--edges", "-")
	var block struct {
		Accounts []string `json:"accounts"`
		Objects  []string `json:"objects"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &block) != nil || len(block.Accounts) != 30 || len(block.Objects) != 30 {
		t.Fatalf("fraud: exit %d, out %q, err %q", code, out, errs)
	}
	// Bad input: a clear message and a failing exit code.
	for _, c := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"a b c d\n", []string{"analyze", "influence", "--edges", "-"}, "line 1"},
		{"a b notanumber\n", []string{"analyze", "influence", "--edges", "-"}, "line 1"},
		{"x\n", []string{"analyze", "fraud", "--edges", "-"}, "line 1"},
		{"\x00\x01\x02 binary\n", []string{"analyze", "thread", "--edges", "-"}, "line 1"},
		{"", []string{"analyze", "fraud"}, "--edges"},
		{"", []string{"analyze", "influence", "--edges", "/nonexistent/file"}, "no such file"},
	} {
		code, _, errs := runCmd(t, c.stdin, c.args...)
		if code == 0 || !strings.Contains(errs, c.want) {
			t.Errorf("%v on %q: exit %d, stderr %q; want a failure mentioning %q", c.args, c.stdin, code, errs, c.want)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
