package web_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"parvis/internal/jobs"
	"parvis/internal/model"
	"parvis/internal/seed"
	"parvis/internal/server"
	"parvis/internal/social"
	"parvis/internal/store"
)

// BenchmarkSeededPages measures the server time of each main page (the
// handler, from request to response written, without the network) for the
// seeded "reader" account, on a database made by "parvis seed":
//
//	PARVIS_BENCH_DATA=/tmp/seed100k go test -run '^$' -bench SeededPages -benchtime 200x ./internal/web/
//
// (PARVIS_BENCH_DATABASE_URL for a seeded PostgreSQL database). Without
// either it seeds a small database (3,000 people) of its own. Each page
// reports p50-ms and p95-ms; "trivial" is a handler that answers a
// constant, the floor of the measurement. Pages write a little (session
// last seen, insights impressions), so a SQLite seed grows slightly.
func BenchmarkSeededPages(b *testing.B) {
	ctx := context.Background()
	dir, pgURL := os.Getenv("PARVIS_BENCH_DATA"), os.Getenv("PARVIS_BENCH_DATABASE_URL")
	cfg := store.Config{SQLitePath: filepath.Join(b.TempDir(), "parvis.db")}
	switch {
	case pgURL != "":
		cfg = store.Config{URL: pgURL}
	case dir != "":
		cfg = store.Config{SQLitePath: filepath.Join(dir, "parvis.db")}
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
	hash, err := social.HashPassword("parvis-seed")
	if err != nil {
		b.Fatal(err)
	}
	if dir == "" && pgURL == "" {
		if _, err := seed.Run(ctx, db, seed.Options{Users: 3000, Posts: 30000, Communities: 5, Seed: 1, PasswordHash: hash}); err != nil {
			b.Fatal(err)
		}
	}
	app, err := server.NewApp(ctx, db, server.AppConfig{Domain: "bench.example", Scheme: "http", MediaDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	actx, cancel := context.WithCancel(ctx)
	b.Cleanup(cancel)
	go app.Insights.Run(actx)
	handler := app.Server.Handler()

	get := func(path string, cookie string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Accept-Language", "en")
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: "parvis_session", Value: cookie})
		}
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, req)
		return w
	}
	post := func(page, action string, form url.Values) *httptest.ResponseRecorder {
		got := get(page, "")
		csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(got.Body.String())
		if csrf == nil {
			b.Fatalf("no CSRF token on %s", page)
		}
		form.Set("csrf", csrf[1])
		req := httptest.NewRequest(http.MethodPost, action, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, c := range got.Result().Cookies() {
			req.AddCookie(c)
		}
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, req)
		return w
	}
	// A seeded database has no admin: the first run makes one (or the
	// front page sends everyone to it).
	if need, err := app.Service.NeedsFirstAdmin(ctx); err != nil {
		b.Fatal(err)
	} else if need {
		pw := "parvis-seed-admin"
		if w := post("/setup", "/setup", url.Values{"username": {"benchadmin"}, "password": {pw}, "password_confirm": {pw},
			"registrations": {"open"}}); w.Code != http.StatusSeeOther {
			b.Fatalf("first run: got %d", w.Code)
		}
	}
	// Log in as the reader through the form.
	w := post("/login", "/login", url.Values{"login": {seed.ReaderUsername}, "password": {"parvis-seed"}})
	var session string
	for _, c := range w.Result().Cookies() {
		if c.Name == "parvis_session" {
			session = c.Value
		}
	}
	if session == "" {
		b.Fatalf("log in as %s: got %d, no session (the seed's password must be parvis-seed): %.300s", seed.ReaderUsername, w.Code, w.Body.String())
	}

	// What to show: the busiest thread among the reader's followees'
	// recent posts, the first tag, the first community.
	one := func(query string, dest ...any) {
		if err := db.SQL().QueryRowContext(ctx, query).Scan(dest...); err != nil && err != sql.ErrNoRows {
			b.Fatalf("%s: %v", query, err)
		}
	}
	var threadID int64
	var author, tag, community string
	one(`SELECT p.id, a.username FROM posts p JOIN accounts a ON a.id = p.account_id
		WHERE p.in_reply_to_id IS NULL AND p.replies_count > 2 AND a.domain = '' ORDER BY p.id DESC LIMIT 1`, &threadID, &author)
	one(`SELECT name_lower FROM tags ORDER BY id LIMIT 1`, &tag)
	one(`SELECT a.username FROM communities c JOIN accounts a ON a.id = c.account_id ORDER BY c.id LIMIT 1`, &community)
	pages := []struct{ name, path string }{
		{"home", "/"}, {"local", "/public/local"}, {"public", "/public"}, {"hashtag", "/tags/" + tag},
		{"profile", "/@" + author}, {"thread", "/@" + author + "/" + model.FormatID(threadID)}, {"community", "/c/" + community},
		{"inbox", "/replies"}, {"notifications", "/notifications"}, {"search", "/search?q=" + tag}, {"insights", "/insights"},
	}
	b.Run("trivial", func(b *testing.B) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) })
		measure(b, func() int {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
			return w.Code
		})
	})
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			if w := get(p.path, session); w.Code != http.StatusOK {
				b.Fatalf("%s: got %d", p.path, w.Code)
			}
			measure(b, func() int { return get(p.path, session).Code })
		})
	}
}

// measure runs f b.N times and reports the median and 95th percentile.
func measure(b *testing.B, f func() int) {
	b.Helper()
	var d []time.Duration
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		if code := f(); code != http.StatusOK {
			b.Fatalf("got %d", code)
		}
		d = append(d, time.Since(start))
	}
	slices.Sort(d)
	at := func(p float64) float64 {
		return float64(d[min(len(d)-1, int(p*float64(len(d))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.95), "p95-ms")
}
