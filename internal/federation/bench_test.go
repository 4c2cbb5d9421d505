package federation_test

import (
	"bytes"
	"context"
	"crypto"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"parvis/internal/federation"
	"parvis/internal/federation/httpsign"
	"parvis/internal/outbound"
	"parvis/internal/perf"
	"parvis/internal/social"
)

// BenchmarkInbox measures the inbox: activities received, signatures
// verified (RSA-2048, for real), origin checked, recorded once and queued,
// from several connections at once. The activities are Mastodon's
// Create{Note} of the test data with fresh ids, signed before the timer
// starts.
func BenchmarkInbox(b *testing.B) {
	l := newLocalWith(b, federation.Config{InboxLimit: 1 << 40}, nil, false)
	l.user("bob")
	alice := l.mastodonAlice()
	raw := string(readTestdata(b, "mastodon/create_note.json"))
	reqs := make([]*http.Request, b.N+1)
	for i := range reqs {
		body := strings.ReplaceAll(raw, "113012345678901234", fmt.Sprintf("9%017d", i))
		reqs[i] = l.signedRequest(alice, "/inbox", []byte(body))
	}
	// The first delivery fetches and stores alice's key.
	if code := serve(l.handler, reqs[b.N]); code != http.StatusAccepted {
		b.Fatalf("got status %d, want 202", code)
	}
	var next atomic.Int64
	b.ResetTimer()
	start, cpu := time.Now(), cpuTime(b)
	// Many servers deliver at once, as they do to a busy instance.
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if code := serve(l.handler, reqs[next.Add(1)-1]); code != http.StatusAccepted {
				b.Errorf("got status %d, want 202", code)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "activities/s")
	b.ReportMetric(float64(b.N)/(cpuTime(b)-cpu).Seconds(), "activities/cpu-s")
	b.StopTimer()
	// The baseline, measured now on the same machine: RSA verifications
	// alone, from as many goroutines.
	b.ReportMetric(rsaRate(b, false), "rsa-verifies/s")
	if n := l.count("SELECT COUNT(*) FROM river_job WHERE kind = 'federation_process'"); n != b.N+1 {
		b.Fatalf("got %d activities queued, want %d", n, b.N+1)
	}
}

func serve(h http.Handler, r *http.Request) int {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec.Code
}

// BenchmarkDeliverToManyServers measures the delivery of one public post
// to 10,000 remote followers spread over 1,000 servers: the fan-out to one
// shared inbox per server, then 1,000 signed POSTs by the delivery
// workers. The servers are host names (s0000.test...) that one loopback
// HTTP server answers for; an operation ends when every server has
// received the post.
func BenchmarkDeliverToManyServers(b *testing.B) {
	const servers, perServer = 1000, 10
	var received atomic.Int64
	hosts := sync.Map{}
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.Header.Get("Signature") != "" {
			hosts.Store(r.Host, true)
			received.Add(1)
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	b.Cleanup(sink.Close)
	_, port, err := net.SplitHostPort(sink.Listener.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	client, err := outbound.New(outbound.Options{Domain: "parvis.example", AllowHTTP: true, Timeout: 10 * time.Second,
		Resolver: fakeResolver{}, Dialer: fakeDialer{addr: sink.Listener.Addr().String()}})
	if err != nil {
		b.Fatal(err)
	}
	l := newLocalWith(b, federation.Config{AllowHTTP: true}, client, true)
	ctx := context.Background()
	bob := l.user("bob")

	// 10,000 remote followers of bob.
	now := time.Now().UnixMilli()
	var accounts, follows [][]any
	for i := range servers * perServer {
		s := i / perServer
		host := fmt.Sprintf("s%04d.test:%s", s, port)
		id := int64(1<<40 + i)
		uri := fmt.Sprintf("http://%s/users/u%d", host, i)
		accounts = append(accounts, []any{id, fmt.Sprintf("u%d", i), host, uri, uri + "/inbox",
			"http://" + host + "/inbox", now, now})
		follows = append(follows, []any{id, bob.Account.ID, id, now})
	}
	if err := l.db.BulkInsert(ctx, "accounts", []string{"id", "username", "domain", "uri", "inbox", "shared_inbox",
		"created_at", "updated_at"}, accounts); err != nil {
		b.Fatal(err)
	}
	if err := l.db.BulkInsert(ctx, "follows", []string{"account_id", "target_id", "id", "created_at"}, follows); err != nil {
		b.Fatal(err)
	}

	post := func(i int) {
		b.Helper()
		want := received.Load() + servers
		if _, err := l.svc.Publish(ctx, bob, social.PostInput{Text: fmt.Sprintf("post %d to everyone", i),
			Visibility: "public"}); err != nil {
			b.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Minute)
		for received.Load() < want {
			if time.Now().After(deadline) {
				b.Fatalf("got %d deliveries, want %d", received.Load(), want)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	post(-1) // makes bob's key, warms the connections
	b.ResetTimer()
	start, cpu := time.Now(), cpuTime(b)
	for i := range b.N {
		post(i)
	}
	cpuUsed := cpuTime(b) - cpu
	elapsed := time.Since(start)
	b.ReportMetric(float64(b.N*servers)/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(float64(b.N*servers*perServer)/elapsed.Seconds(), "followers/s")
	// The receiving servers run in this process too: their share is small
	// (a handler that counts), but it is in the CPU time.
	b.ReportMetric(float64(b.N*servers)/cpuUsed.Seconds(), "deliveries/cpu-s")
	b.StopTimer()
	// The baseline, measured now on the same machine: RSA signatures alone
	// (each delivery signs once), from as many goroutines as the workers.
	b.ReportMetric(rsaRate(b, true), "rsa-signs/s")
	n := 0
	hosts.Range(func(any, any) bool { n++; return true })
	if n != servers {
		b.Fatalf("got deliveries to %d servers, want %d", n, servers)
	}
	if c := l.count("SELECT COUNT(*) FROM river_job WHERE kind = 'federation_deliver'"); c != 0 {
		b.Fatalf("got %d retries, want none", c)
	}
}

// rsaRate measures how many RSA-2048 signatures (or verifications) of a
// delivery-sized request this machine makes per second right now, from 8
// goroutines: the ceiling of the inbox and of delivery, to compare their
// figures with on a shared machine.
func rsaRate(b *testing.B, sign bool) float64 {
	b.Helper()
	key := testKeys()[5]
	clock := &testClock{}
	s, err := httpsign.NewSigner("https://parvis.example/users/bob#main-key", key, clock)
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(strings.Repeat("x", 2000))
	newReq := func() *http.Request {
		req := httptest.NewRequest(http.MethodPost, "https://s0001.test/inbox", bytes.NewReader(body))
		if err := s.Sign(req, body); err != nil {
			b.Fatal(err)
		}
		return req
	}
	signed := newReq()
	v := &httpsign.Verifier{Clock: clock, Resolve: func(context.Context, string) (crypto.PublicKey, string, error) {
		return key.Public(), "https://parvis.example/users/bob", nil
	}}
	const n = 800
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range 8 {
		wg.Go(func() {
			for next.Add(1) <= n {
				if sign {
					newReq()
				} else if _, err := v.Verify(context.Background(), signed, body); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return n / time.Since(start).Seconds()
}

// cpuTime is the CPU time this process has used so far: on a machine
// shared with other work, operations per CPU-second vary far less than
// operations per second.
func cpuTime(b *testing.B) time.Duration {
	b.Helper()
	return perf.CPUTime()
}
