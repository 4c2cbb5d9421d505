package e2e_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"parvis/internal/federation"
	"parvis/internal/jobs"
	"parvis/internal/model"
	"parvis/internal/server"
	"parvis/internal/social"
	"parvis/internal/store"
	"parvis/internal/store/storetest"
)

// node is one Parvis instance a cross-server test talks to: over HTTP like
// a browser, and through its database to check what arrived.
type node struct {
	t      *testing.T
	url    string // http://host:port
	domain string // host:port
	db     *store.DB
	svc    *social.Service
	// logs holds the instance's log when it runs as a process.
	logs *lockedBuffer
}

// startInProcess runs a whole Parvis app on a loopback address of host
// (127.0.0.1, 127.0.0.2...), federating over plain http with private
// addresses allowed, as --federation-allow-private --federation-http do.
func startInProcess(t *testing.T, host string) *node {
	t.Helper()
	db := storetest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	if err := jobs.Migrate(ctx, jobs.Config{DB: db.SQL(), Postgres: db.Engine() == store.Postgres, Listener: db.Pool()}); err != nil {
		t.Fatalf("migrate jobs: %v", err)
	}
	ln, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	domain := ln.Addr().String()
	app, err := server.NewApp(ctx, db, server.AppConfig{Domain: domain, Scheme: "http", JobPoll: 20 * time.Millisecond,
		MediaDir: t.TempDir(), Logger: testLogger(t),
		Federation: federation.Config{AllowPrivate: true, AllowHTTP: true, Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatalf("wire app: %v", err)
	}
	if err := app.Start(ctx); err != nil {
		t.Fatalf("start: %v", err)
	}
	srv := httptest.NewUnstartedServer(app.Server.Handler())
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		_ = app.Queue.Stop(sctx)
		cancel()
	})
	return &node{t: t, url: "http://" + domain, domain: domain, db: db, svc: app.Service}
}

// buildParvis compiles the real binary once per test binary run.
func buildParvis(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "parvis")
	cmd := exec.Command("go", "build", "-o", bin, "parvis/cmd/parvis")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("build parvis: %v", err)
	}
	return bin
}

// startProcess runs "parvis serve" on host with a fresh database, federating
// over plain http with private addresses allowed.
func startProcess(t *testing.T, bin, host string) *node {
	t.Helper()
	cfg := storetest.Config(t)
	// The command a person testing federation on one machine runs:
	// "--domain 127.0.0.2:8082" alone makes the instance listen there.
	ln, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	args := []string{"serve", "--domain", addr, "--federation-allow-private", "--federation-http", "--log-level", "info"}
	if cfg.URL != "" {
		args = append(args, "--database", cfg.URL, "--data", t.TempDir())
	} else {
		args = append(args, "--data", filepath.Dir(cfg.SQLitePath))
	}
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start parvis serve: %v", err)
	}
	logs := &lockedBuffer{}
	found := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`url=(http://\S+?)/? `)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			logs.WriteString(line + "\n")
			if m := re.FindStringSubmatch(line + " "); m != nil {
				select {
				case found <- strings.TrimSuffix(m[1], "/"):
				default:
				}
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("logs of %s:\n%s", host, logs.String())
		}
	})
	var u string
	select {
	case u = <-found:
	case <-time.After(60 * time.Second):
		t.Fatalf("parvis serve did not announce its URL; logs:\n%s", logs.String())
	}
	ctx := context.Background()
	cfg.Logger = slog.New(slog.DiscardHandler)
	db, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open the instance's database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	queue, err := jobs.New(jobs.Config{DB: db.SQL(), Postgres: db.Engine() == store.Postgres})
	if err != nil {
		t.Fatal(err)
	}
	domain := strings.TrimPrefix(u, "http://")
	svc := social.New(social.Config{Domain: domain, Scheme: "http"}, social.Deps{DB: db, Queue: queue})
	return &node{t: t, url: u, domain: domain, db: db, svc: svc, logs: logs}
}

// lockedBuffer is a bytes.Buffer safe for a writer and a reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) WriteString(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.WriteString(s)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// browser is a person using an instance's web pages.
type browser struct {
	t    *testing.T
	n    *node
	http *http.Client
	last string
}

func (n *node) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: n.t, n: n, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// get fetches a page and returns its status and body.
func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.n.url+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Accept-Language", "en")
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	b.last = string(body)
	return resp.StatusCode, b.last
}

// post submits a form found on page to action, and returns the status.
func (b *browser) post(page, action string, v url.Values) int {
	b.t.Helper()
	status, body := b.tryPost(page, action, v)
	if status >= 400 {
		b.t.Fatalf("POST %s: status %d: %.500s", action, status, body)
	}
	return status
}

// tryPost is post for a form expected to fail: it returns the status and
// the page.
func (b *browser) tryPost(page, action string, v url.Values) (int, string) {
	b.t.Helper()
	b.get(page)
	m := csrfField.FindStringSubmatch(b.last)
	if m == nil {
		b.t.Fatalf("no form token on %s", page)
	}
	if v == nil {
		v = url.Values{}
	}
	v.Set("csrf", m[1])
	req, err := http.NewRequest(http.MethodPost, b.n.url+action, strings.NewReader(v.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Language", "en")
	req.Header.Set("Origin", b.n.url)
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatalf("POST %s: %v", action, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// setup runs the first-run page and returns the admin's browser.
func (n *node) setup(username string) *browser {
	n.t.Helper()
	b := n.browser()
	b.post("/setup", "/setup", url.Values{"username": {username}, "password": {"correct horse battery"},
		"password_confirm": {"correct horse battery"}, "registrations": {"open"}, "email": {username + "@example.org"}})
	return b
}

// signUp signs someone up and returns their browser, logged in.
func (n *node) signUp(username string) *browser {
	n.t.Helper()
	b := n.browser()
	b.post("/signup", "/signup", url.Values{"username": {username}, "password": {"correct horse battery"},
		"password_confirm": {"correct horse battery"}, "email": {username + "@example.org"}})
	return b
}

var followForm = regexp.MustCompile(`formaction="/accounts/(\d+)/(?:follow|unfollow)"`)

// find looks a remote account up through the search page (by its profile
// URL) and returns its id on this instance.
func (b *browser) find(other *node, username string) int64 {
	b.t.Helper()
	return b.search(other, other.url+"/@"+username, username)
}

// findByAddress looks a remote account up by its address,
// @username@domain, which its server resolves through WebFinger.
func (b *browser) findByAddress(other *node, username string) int64 {
	b.t.Helper()
	return b.search(other, "@"+username+"@"+other.domain, username)
}

// search searches for query and returns the id here of username on other.
func (b *browser) search(other *node, query, username string) int64 {
	b.t.Helper()
	b.get("/search?q=" + url.QueryEscape(query))
	_, page := b.get("/@" + username + "@" + other.domain)
	m := followForm.FindStringSubmatch(page)
	if m == nil {
		b.t.Fatalf("no follow button on the page of %s@%s: %.800s", username, other.domain, page)
	}
	id, err := model.ParseID(m[1])
	if err != nil {
		b.t.Fatal(err)
	}
	return id
}

var articleRE = regexp.MustCompile(`(?s)<article class="post[^"]*"[^>]*id="p-(\d+)">(.*?)</article>`)
var shownRE = regexp.MustCompile(`formaction="/posts/(\d+)/(?:favourite|unfavourite)"`)

// postOnPage returns the id of the post (the boosted one, for a boost)
// whose article on page contains text, or 0.
func postOnPage(page, text string) int64 {
	for _, m := range articleRE.FindAllStringSubmatch(page, -1) {
		if !strings.Contains(m[2], text) {
			continue
		}
		if s := shownRE.FindStringSubmatch(m[2]); s != nil {
			id, _ := model.ParseID(s[1])
			return id
		}
		id, _ := model.ParseID(m[1])
		return id
	}
	return 0
}

// eventually polls cond until it holds, for at most 30 seconds; on
// timeout it shows the federation jobs of nodes.
func eventually(t *testing.T, what string, cond func() bool, nodes ...*node) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			for _, n := range nodes {
				t.Logf("jobs of %s:\n%s", n.domain, n.jobs())
			}
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// jobs lists the node's federation jobs, for failure messages.
func (n *node) jobs() string {
	rows, err := n.db.ReadSQL().QueryContext(context.Background(),
		"SELECT kind, state, attempt, COALESCE(CAST(errors AS TEXT), '') || CAST(args AS TEXT) FROM river_job WHERE kind LIKE 'federation%' OR kind = 'fan_out' ORDER BY id")
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var kind, state string
		var attempt int
		var errs *string
		if err := rows.Scan(&kind, &state, &attempt, &errs); err != nil {
			return err.Error()
		}
		e := ""
		if errs != nil {
			e = *errs
		}
		b.WriteString(kind + " " + state + " " + strconv.Itoa(attempt) + " " + e + "\n")
	}
	return b.String()
}

// activityType fetches path as an ActivityPub client does (the
// JSON-LD media type with the ActivityStreams profile) and returns the
// document's type, or "" with the status when it is not one.
func (n *node) activityType(path string) string {
	n.t.Helper()
	req, err := http.NewRequest(http.MethodGet, n.url+path, nil)
	if err != nil {
		n.t.Fatal(err)
	}
	req.Header.Set("Accept", `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		n.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	var doc struct {
		Type string `json:"type"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || resp.StatusCode != http.StatusOK {
		return fmt.Sprintf("status %d (%v)", resp.StatusCode, err)
	}
	return doc.Type
}

// count runs a COUNT query on the node's database.
func (n *node) count(query string, args ...any) int {
	n.t.Helper()
	var c int
	if err := n.db.ReadSQL().QueryRowContext(context.Background(), query, args...).Scan(&c); err != nil {
		n.t.Fatalf("%s: %v", query, err)
	}
	return c
}

// accountID returns the id of username@domain ("" for local) here.
func (n *node) accountID(username, domain string) int64 {
	n.t.Helper()
	a, err := n.db.Read().AccountByUsername(context.Background(), username, domain)
	if err != nil {
		n.t.Fatalf("account %s@%s: %v", username, domain, err)
	}
	return a.ID
}

// testLogger sends the app's warnings to the test log, and goes quiet once
// the test ends.
func testLogger(tb testing.TB) *slog.Logger {
	h := &tbHandler{tb: tb, done: &atomic.Bool{}}
	tb.Cleanup(func() { h.done.Store(true) })
	return slog.New(h)
}

type tbHandler struct {
	tb    testing.TB
	done  *atomic.Bool
	attrs []slog.Attr
}

// Enabled shows warnings, or every level down to debug when
// PARVIS_TEST_LOG=debug.
func (h *tbHandler) Enabled(_ context.Context, l slog.Level) bool {
	if os.Getenv("PARVIS_TEST_LOG") == "debug" {
		return true
	}
	return l >= slog.LevelWarn
}

func (h *tbHandler) Handle(_ context.Context, r slog.Record) error {
	if h.done.Load() {
		return nil
	}
	var b strings.Builder
	b.WriteString(r.Level.String() + " " + r.Message)
	for _, a := range h.attrs {
		b.WriteString(" " + a.String())
	}
	r.Attrs(func(a slog.Attr) bool {
		b.WriteString(" " + a.String())
		return true
	})
	h.tb.Log(b.String())
	return nil
}

func (h *tbHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &tbHandler{tb: h.tb, done: h.done, attrs: append(append([]slog.Attr{}, h.attrs...), as...)}
}

func (h *tbHandler) WithGroup(string) slog.Handler { return h }
