package api_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"parvis/internal/jobs"
	"parvis/internal/seed"
	"parvis/internal/server"
	"parvis/internal/social"
	"parvis/internal/store"
)

// The API benchmarks run the whole application over HTTP on a seeded
// database, as a Mastodon app would use it:
//
//	PARVIS_BENCH_DATA=/tmp/seed100k            SQLite data directory made by "parvis seed"
//	PARVIS_BENCH_DATABASE_URL=postgres://...   a seeded PostgreSQL database
//
// Without either they seed a small database (3,000 people) of their own.
// Each reports the round trip seen by the client (p50-ms, p99-ms), the
// time spent in the server's handler (srv-p50-ms, srv-p99-ms: from the
// request read to the response written, without the network and the
// client) and requests per second. The "trivial" case answers a constant
// from the same server, through the same client: the ceiling that HTTP and
// the benchmark harness leave.

// benchDB opens the benchmark's database. forWrites copies a SQLite seed
// first, so that writing benchmarks leave it as it was (a PostgreSQL seed
// is written to: the posts stay, which the read figures barely notice).
func benchDB(b *testing.B, forWrites bool) *store.DB {
	b.Helper()
	ctx := context.Background()
	dir := os.Getenv("PARVIS_BENCH_DATA")
	pgURL := os.Getenv("PARVIS_BENCH_DATABASE_URL")
	var cfg store.Config
	switch {
	case pgURL != "":
		cfg = store.Config{URL: pgURL}
	case dir != "" && forWrites:
		tmp := b.TempDir()
		for _, name := range []string{"parvis.db", "parvis.db-wal"} {
			if err := copyFile(filepath.Join(dir, name), filepath.Join(tmp, name)); err != nil && !os.IsNotExist(err) {
				b.Fatal(err)
			}
		}
		cfg = store.Config{SQLitePath: filepath.Join(tmp, "parvis.db")}
	case dir != "":
		cfg = store.Config{SQLitePath: filepath.Join(dir, "parvis.db")}
	default:
		cfg = store.Config{SQLitePath: filepath.Join(b.TempDir(), "parvis.db")}
	}
	db, err := store.Open(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	if err := jobs.Migrate(ctx, jobs.Config{DB: db.SQL(), Postgres: db.Engine() == store.Postgres, Listener: db.Pool()}); err != nil {
		b.Fatal(err)
	}
	if dir == "" && pgURL == "" {
		if _, err := seed.Run(ctx, db, seed.Options{Users: 3000, Posts: 30000, Communities: 5, Seed: 1,
			PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"}); err != nil {
			b.Fatal(err)
		}
	}
	return db
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	// Written to disk before the measurement starts: the kernel writing a
	// gigabyte back during the run stalled the benchmark's own I/O.
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// timings collects durations from several goroutines.
type timings struct {
	mu sync.Mutex
	d  []time.Duration
}

func (t *timings) add(d time.Duration) {
	t.mu.Lock()
	t.d = append(t.d, d)
	t.mu.Unlock()
}

func (t *timings) reset() {
	t.mu.Lock()
	t.d = t.d[:0]
	t.mu.Unlock()
}

// percentiles returns p50 and p99 in milliseconds.
func (t *timings) percentiles() (p50, p99 float64) {
	t.mu.Lock()
	s := slices.Clone(t.d)
	t.mu.Unlock()
	if len(s) == 0 {
		return 0, 0
	}
	slices.Sort(s)
	at := func(p float64) float64 {
		return float64(s[min(len(s)-1, int(p*float64(len(s))))].Microseconds()) / 1000
	}
	return at(0.50), at(0.99)
}

// benchServer is the application serving HTTP on a loopback port, with a
// trivial endpoint beside it and the handler times recorded.
type benchServer struct {
	url    string
	db     *store.DB
	app    *server.App
	server timings // time in the handler, per request
	client *http.Client
}

// trivialPath answers a constant: the ceiling of the server and client.
const trivialPath = "/bench/trivial"

// startBenchServer wires the application on db and serves it. With
// workers, the job workers run too (fan-out, as in production); without,
// nothing runs beside the requests, so the figures are theirs alone.
func startBenchServer(b *testing.B, db *store.DB, workers bool) *benchServer {
	return startBenchServerWith(b, db, workers, nil)
}

// startBenchServerWith is startBenchServer with rate limits of its own
// (nil: the defaults).
func startBenchServerWith(b *testing.B, db *store.DB, workers bool, limits *social.Limits) *benchServer {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	// The job workers poll as "parvis serve" does (the default interval).
	app, err := server.NewApp(ctx, db, server.AppConfig{Domain: ln.Addr().String(), Scheme: "http",
		MediaDir: b.TempDir(), Limits: limits})
	if err != nil {
		b.Fatal(err)
	}
	if workers {
		if err := app.Start(ctx); err != nil {
			b.Fatal(err)
		}
	} else {
		go app.Insights.Run(ctx)
	}
	bs := &benchServer{db: db, app: app,
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: time.Minute}}
	inner := app.Server.Handler()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		if r.URL.Path == trivialPath {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"ok":true}` + "\n"))
		} else {
			inner.ServeHTTP(w, r)
		}
		bs.server.add(time.Since(start))
	}))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	bs.url = srv.URL
	b.Cleanup(func() {
		srv.Close()
		sctx, scancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer scancel()
		if workers {
			_ = app.Queue.Stop(sctx)
		}
		cancel()
	})
	return bs
}

// token gives the account named username a token of a new app, straight
// in the database (seeded people have no usable password).
func (bs *benchServer) token(b *testing.B, username string) string {
	b.Helper()
	ctx := context.Background()
	a, err := bs.db.Read().AccountByUsername(ctx, username, "")
	if err != nil {
		b.Fatalf("account %s: %v", username, err)
	}
	u, err := bs.db.Read().UserByAccountID(ctx, a.ID)
	if err != nil {
		b.Fatalf("user %s: %v", username, err)
	}
	tok, client := rand.Text(), rand.Text()
	sum := sha256.Sum256([]byte(tok))
	now := time.Now()
	err = bs.db.Tx(ctx, func(tx *store.Tx) error {
		app := &store.OAuthApp{Name: "benchmark", RedirectURIs: []string{"urn:ietf:wg:oauth:2.0:oob"},
			Scopes: []string{"read", "write", "follow"}, ClientID: client, SecretHash: client, CreatedAt: now}
		if err := tx.InsertOAuthApp(ctx, app); err != nil {
			return err
		}
		return tx.InsertOAuthToken(ctx, store.OAuthToken{Hash: hex.EncodeToString(sum[:]), AppID: app.ID, UserID: u.ID,
			Scopes: app.Scopes, CreatedAt: now, LastUsedAt: now})
	})
	if err != nil {
		b.Fatal(err)
	}
	return tok
}

// do sends one request and checks its status; it returns the body.
func (bs *benchServer) do(b *testing.B, method, path, token string, form url.Values) []byte {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, bs.url+path, body)
	if err != nil {
		b.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := bs.client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("%s %s: got %d %.300s (%v)", method, path, resp.StatusCode, data, err)
	}
	return data
}

// measure runs request once per iteration, one at a time, and reports the
// client's and the server's p50/p99 and the requests per second.
func (bs *benchServer) measure(b *testing.B, request func()) {
	b.Helper()
	for range 20 { // warm the connection, caches and prepared statements
		request()
	}
	var client timings
	bs.server.reset()
	start := time.Now()
	for b.Loop() {
		t := time.Now()
		request()
		client.add(time.Since(t))
	}
	elapsed := time.Since(start)
	p50, p99 := client.percentiles()
	s50, s99 := bs.server.percentiles()
	b.ReportMetric(p50, "p50-ms")
	b.ReportMetric(p99, "p99-ms")
	b.ReportMetric(s50, "srv-p50-ms")
	b.ReportMetric(s99, "srv-p99-ms")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
}

// measureParallel runs request from 4 goroutines per core for the
// throughput under concurrency.
func (bs *benchServer) measureParallel(b *testing.B, request func()) {
	b.Helper()
	b.SetParallelism(4)
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			request()
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// statusCount decodes a page of statuses and returns its length.
func statusCount(b *testing.B, data []byte) int {
	var page []json.RawMessage
	if err := json.Unmarshal(data, &page); err != nil {
		b.Fatalf("decode page: %v", err)
	}
	return len(page)
}

// BenchmarkAPIReads measures pages of timelines through HTTP: the home
// timeline (limit=20) of the seed's "reader", who follows 1,000 accounts,
// the public timelines, and the trivial ceiling.
func BenchmarkAPIReads(b *testing.B) {
	bs := startBenchServer(b, benchDB(b, false), false)
	reader := bs.token(b, seed.ReaderUsername)
	home := func() {
		if n := statusCount(b, bs.do(b, "GET", "/api/v1/timelines/home?limit=20", reader, nil)); n != 20 {
			b.Fatalf("home: got %d statuses, want 20", n)
		}
	}
	public := func(query string) func() {
		return func() {
			if n := statusCount(b, bs.do(b, "GET", "/api/v1/timelines/public?limit=20"+query, "", nil)); n == 0 {
				b.Fatalf("public%s: empty", query)
			}
		}
	}
	trivial := func() { bs.do(b, "GET", trivialPath, "", nil) }
	b.Run("trivial", func(b *testing.B) { bs.measure(b, trivial) })
	b.Run("home", func(b *testing.B) { bs.measure(b, home) })
	b.Run("public", func(b *testing.B) { bs.measure(b, public("")) })
	b.Run("public-local", func(b *testing.B) { bs.measure(b, public("&local=true")) })
	b.Run("trivial-parallel", func(b *testing.B) { bs.measureParallel(b, trivial) })
	b.Run("home-parallel", func(b *testing.B) { bs.measureParallel(b, home) })
	b.Run("public-parallel", func(b *testing.B) { bs.measureParallel(b, public("")) })
}

// BenchmarkAPIPost measures posting (POST /api/v1/statuses) by the
// account with the fewest followers above 10,000: the answer comes once
// the post is stored, while the fan-out into the followers' home feeds
// runs in jobs, whose workers run meanwhile as in production. The server
// runs with the posting limit raised (300 an hour by default), so that a
// run can be long enough for a p99 that means something: -benchtime 2000x.
func BenchmarkAPIPost(b *testing.B) {
	db := benchDB(b, true)
	ctx := context.Background()
	var star string
	var followers int64
	err := db.SQL().QueryRowContext(ctx, `SELECT a.username, a.followers_count FROM accounts a
		JOIN users u ON u.account_id = a.id WHERE a.followers_count >= 10000 ORDER BY a.followers_count LIMIT 1`).
		Scan(&star, &followers)
	if err != nil {
		err = db.SQL().QueryRowContext(ctx, `SELECT a.username, a.followers_count FROM accounts a
			JOIN users u ON u.account_id = a.id ORDER BY a.followers_count DESC LIMIT 1`).Scan(&star, &followers)
	}
	if err != nil {
		b.Fatal(err)
	}
	// Every follower of the author reads their home feed: the fan-out
	// writes each post into all of them (10,000 rows and more a post), as
	// on a server where everyone is active, and runs beside the posting.
	if _, err := db.SQL().ExecContext(ctx, `UPDATE users SET last_active_at = $1, feed_valid = TRUE
		WHERE account_id IN (SELECT f.account_id FROM follows f JOIN accounts a ON a.id = f.target_id WHERE a.username = $2)`,
		time.Now().UnixMilli(), star); err != nil {
		b.Fatal(err)
	}
	limits := social.DefaultLimits()
	limits.Posts.Max = 1_000_000
	bs := startBenchServerWith(b, db, true, &limits)
	b.Cleanup(func() { logJobs(b, db) })
	tok := bs.token(b, star)
	trivial := func() { bs.do(b, "GET", trivialPath, "", nil) }
	b.Run("trivial", func(b *testing.B) { bs.measure(b, trivial) })
	b.Run("post", func(b *testing.B) {
		b.ReportMetric(float64(followers), "followers")
		n := 0
		bs.measure(b, func() {
			n++
			bs.do(b, "POST", "/api/v1/statuses", tok, url.Values{"status": {fmt.Sprintf(
				"Benchmark post %d #bench with a link https://example.org/x", n)}, "visibility": {"public"}})
		})
	})
}

// logJobs logs the jobs by kind and state: whether the fan-out kept up
// with the posts, and what else ran meanwhile.
func logJobs(b *testing.B, db *store.DB) {
	rows, err := db.SQL().Query("SELECT kind, state, COUNT(*) FROM river_job GROUP BY kind, state ORDER BY kind, state")
	if err != nil {
		b.Logf("jobs: %v", err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var kind, state string
		var n int
		if err := rows.Scan(&kind, &state, &n); err == nil {
			b.Logf("jobs: %s %s %d", kind, state, n)
		}
	}
}
