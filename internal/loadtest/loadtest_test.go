package loadtest_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"parvis/internal/loadtest"
	"parvis/internal/server/servertest"
)

func TestParseMix(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		{in: "read=80,post=10,like=10", want: "read=80,post=10,like=10"},
		{in: " read = 3 , public=1 ", want: "read=3,public=1"},
		{in: "read=1,post=0", want: "read=1"},
		{in: "thread=2,notifications=1,account=1", want: "thread=2,notifications=1,account=1"},
		{in: "", err: "no operation"},
		{in: "read=0", err: "no operation"},
		{in: "dance=5", err: "bad mix entry"},
		{in: "read", err: "bad mix entry"},
		{in: "read=-1", err: "bad mix weight"},
		{in: "read=x", err: "bad mix weight"},
		{in: "read=1,read=2", err: "twice"},
	} {
		m, err := loadtest.ParseMix(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseMix(%q) = %v, want error containing %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || m.String() != tc.want {
			t.Errorf("ParseMix(%q) = %q, %v; want %q", tc.in, m.String(), err, tc.want)
		}
	}
}

func TestCheckTarget(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		url    string
		remote bool
		ok     bool
	}{
		{"http://127.0.0.1:8080", false, true},
		{"http://127.9.9.9:8080/", false, true},
		{"http://[::1]:8080", false, true},
		{"http://localhost:8080", false, true},
		{"https://127.0.0.1", false, true},
		{"http://10.0.0.1:8080", false, false},
		{"http://192.168.1.1", false, false},
		{"http://[::ffff:10.0.0.1]", false, false},
		{"http://8.8.8.8", false, false},
		{"http://8.8.8.8", true, true},
		{"ftp://127.0.0.1", false, false},
		{"127.0.0.1:8080", false, false},
		{"http://user:pw@127.0.0.1", false, false},
		{"http://127.0.0.1/?x=1", false, false},
	} {
		_, err := loadtest.CheckTarget(ctx, tc.url, tc.remote)
		if (err == nil) != tc.ok {
			t.Errorf("CheckTarget(%q, remote=%v) = %v, want ok=%v", tc.url, tc.remote, err, tc.ok)
		}
	}
}

// A short run against a whole server: accounts are made on its database,
// every operation of a mix gets answers, and the report adds up.
func TestRunAgainstServer(t *testing.T) {
	env := servertest.New(t, servertest.Options{})
	ctx := context.Background()
	var log bytes.Buffer
	tokens, err := loadtest.Accounts(ctx, env.App.Service, env.App.DB, 6, &log)
	if err != nil {
		t.Fatal(err)
	}
	if len(tokens) != 6 || !strings.Contains(log.String(), "creating 6 more") {
		t.Fatalf("got %d tokens; log %q", len(tokens), log.String())
	}
	// A second call samples the accounts now there.
	log.Reset()
	again, err := loadtest.Accounts(ctx, env.App.Service, env.App.DB, 4, &log)
	if err != nil || len(again) != 4 || !strings.Contains(log.String(), "4 existing") {
		t.Fatalf("second call: %d tokens, %v, log %q", len(again), err, log.String())
	}
	// The tokens are real: the API knows who they act for.
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/api/v1/accounts/verify_credentials", nil)
	req.Header.Set("Authorization", "Bearer "+tokens[0])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("verify_credentials with a bench token: %d", resp.StatusCode)
	}

	// A post to start from, as any server has.
	req, _ = http.NewRequest(http.MethodPost, env.URL+"/api/v1/statuses", strings.NewReader("status=first"))
	req.Header.Set("Authorization", "Bearer "+tokens[1])
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	mix, err := loadtest.ParseMix("read=4,post=2,like=2,public=1,thread=2,notifications=1,account=1")
	if err != nil {
		t.Fatal(err)
	}
	// The same server twice stands for two nodes: workers spread over both.
	rep, err := loadtest.Run(ctx, loadtest.Config{Target: env.URL + "," + env.URL + "/", Tokens: tokens, Mix: mix,
		Duration: 3 * time.Second, Warmup: 200 * time.Millisecond, Ceiling: 300 * time.Millisecond,
		Concurrency: 4, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Ceiling == nil || rep.Ceiling.OK == 0 || rep.Ceiling.ErrorCount() != 0 {
		t.Errorf("ceiling: %+v", rep.Ceiling)
	}
	if len(rep.Ops) != 7 {
		t.Fatalf("ops: %+v", rep.Ops)
	}
	var sum int64
	for _, s := range rep.Ops {
		if s.OK == 0 {
			t.Errorf("%s: no successful request (errors %v)", s.Op, s.Errors)
		}
		// Likes may race a post's fan-out, never anything else.
		if s.ErrorCount() > 0 {
			t.Errorf("%s: errors %v", s.Op, s.Errors)
		}
		if s.OK > 0 && (s.P50 <= 0 || s.P50 > s.P90 || s.P90 > s.P99 || s.P99 > s.Max) {
			t.Errorf("%s: percentiles out of order: %+v", s.Op, s)
		}
		sum += s.OK
	}
	if sum != rep.Total.OK || rep.Total.PerSec <= 0 {
		t.Errorf("total %+v does not add up to %d", rep.Total, sum)
	}
	var out bytes.Buffer
	rep.Print(&out)
	for _, want := range []string{"read", "post", "like", "total", "ceiling", "p99"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	t.Logf("\n%s", out.String())

	// The posts made are there for everyone.
	resp, err = http.Get(env.URL + "/api/v1/timelines/public?local=true")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), "sent by parvis bench") {
		t.Errorf("the local timeline has no bench post: %.300s", body)
	}
}
