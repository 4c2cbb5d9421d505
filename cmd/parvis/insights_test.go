package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestInsightsCommand(t *testing.T) {
	ctx := context.Background()
	flags := testDatabaseFlags(t)
	call := func(args ...string) (int, string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		code := run(ctx, append(args, flags...), stdio{in: strings.NewReader("the password of ann\n"), out: &out, err: &errb})
		return code, out.String(), errb.String()
	}
	if code, _, e := call("admin", "user", "create", "--username", "ann", "--password-file", "-"); code != 0 {
		t.Fatalf("create ann: %d %s", code, e)
	}
	code, out, e := call("insights", "--account", "ann", "--since", "2025-03-01", "--until", "2025-03-07", "--format", "json")
	if code != 0 {
		t.Fatalf("insights json: %d %s", code, e)
	}
	var r struct {
		Scope struct {
			Acct string `json:"acct"`
		} `json:"scope"`
		Impressions *int64 `json:"impressions"`
		Growth      struct {
			Followers []struct {
				Date string `json:"date"`
			} `json:"followers"`
		} `json:"growth"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("the output is not JSON: %v\n%s", err, out)
	}
	if r.Scope.Acct != "ann" || r.Impressions == nil || len(r.Growth.Followers) != 7 {
		t.Errorf("got %+v, want ann's report over 7 days", r)
	}
	code, out, e = call("insights", "--account", "ann")
	if code != 0 || !strings.Contains(out, "impressions") || !strings.Contains(out, "account ann") {
		t.Errorf("insights text: %d %s %s", code, out, e)
	}
	for _, job := range []string{"rollup", "influence", "sweep"} {
		if code, _, e := call("insights", job); code != 0 {
			t.Errorf("insights %s: %d %s", job, code, e)
		}
	}
	if code, out, e := call("insights", "retention", "--raw-days", "10"); code != 0 || !strings.Contains(out, "raw events: 10 days") {
		t.Errorf("retention: %d %s %s", code, out, e)
	}
	bad := [][]string{
		{"insights"},
		{"insights", "--account", "ann", "--community", "x"},
		{"insights", "--account", "ann", "--format", "xml"},
		{"insights", "nonsense"},
	}
	for _, args := range bad {
		if code, _, _ := call(args...); code != 2 {
			t.Errorf("%v: got exit %d, want 2", args, code)
		}
	}
	if code, _, e := call("insights", "--account", "nobody"); code != 1 || !strings.Contains(e, "not found") {
		t.Errorf("unknown account: %d %s", code, e)
	}
	if code, _, e := call("insights", "--account", "ann", "--since", "2025-03-07", "--until", "2025-03-01"); code != 1 ||
		!strings.Contains(e, "before") {
		t.Errorf("reversed period: %d %s", code, e)
	}
}
