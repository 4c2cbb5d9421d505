package federation_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/tls"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"parvis/internal/federation"
	"parvis/internal/federation/ap"
	"parvis/internal/federation/httpsign"
	"parvis/internal/jobs"
	"parvis/internal/model"
	"parvis/internal/outbound"
	"parvis/internal/social"
	"parvis/internal/store"
	"parvis/internal/store/storetest"
)

// fakeWeb is the rest of the fediverse for one test: an https server that
// answers for any host name (mastodon.example, gts.example...), serving
// the documents the test put there and recording what is posted to it.
type fakeWeb struct {
	srv *httptest.Server

	mu        sync.Mutex
	docs      map[string][]byte // "host/path" -> body
	redirects map[string]string // "host/path" -> Location
	posted    []posted
	fetches   map[string]int
	failing   map[string]bool // hosts that answer 503 to deliveries
	// slow hosts take this long to answer a delivery; inflight and
	// peak count the deliveries each host is answering at once.
	slow     map[string]time.Duration
	inflight map[string]int
	peak     map[string]int
}

// posted is a request an instance delivered to the fake web.
type posted struct {
	URL    string
	Body   []byte
	Header http.Header
}

func newFakeWeb(t testing.TB) *fakeWeb {
	w := &fakeWeb{docs: map[string][]byte{}, redirects: map[string]string{}, fetches: map[string]int{},
		failing: map[string]bool{}, slow: map[string]time.Duration{}, inflight: map[string]int{}, peak: map[string]int{}}
	w.srv = httptest.NewTLSServer(http.HandlerFunc(w.serve))
	t.Cleanup(w.srv.Close)
	return w
}

func (w *fakeWeb) serve(rw http.ResponseWriter, r *http.Request) {
	key := r.Host + r.URL.Path
	if r.URL.RawQuery != "" {
		key += "?" + r.URL.RawQuery
	}
	if r.Method == http.MethodPost {
		body, _ := io.ReadAll(r.Body)
		w.mu.Lock()
		if w.failing[r.Host] {
			w.mu.Unlock()
			http.Error(rw, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		delay := w.slow[r.Host]
		w.inflight[r.Host]++
		w.peak[r.Host] = max(w.peak[r.Host], w.inflight[r.Host])
		w.mu.Unlock()
		time.Sleep(delay)
		w.mu.Lock()
		w.inflight[r.Host]--
		w.posted = append(w.posted, posted{URL: "https://" + r.Host + r.URL.Path, Body: body, Header: r.Header.Clone()})
		w.mu.Unlock()
		rw.WriteHeader(http.StatusAccepted)
		return
	}
	w.mu.Lock()
	w.fetches[key]++
	doc, ok := w.docs[key]
	loc, redirect := w.redirects[key]
	w.mu.Unlock()
	switch {
	case redirect:
		http.Redirect(rw, r, loc, http.StatusFound)
	case ok:
		rw.Header().Set("Content-Type", ap.MediaType)
		_, _ = rw.Write(doc)
	default:
		http.NotFound(rw, r)
	}
}

// put serves doc at uri (https://host/path).
func (w *fakeWeb) put(uri string, doc []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.docs[strings.TrimPrefix(uri, "https://")] = doc
}

// redirect answers uri with a redirect to location.
func (w *fakeWeb) redirect(uri, location string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.redirects[strings.TrimPrefix(uri, "https://")] = location
}

// failHost makes host answer 503 to every delivery.
func (w *fakeWeb) failHost(host string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.failing[host] = true
}

// heal makes a failing host answer deliveries again.
func (w *fakeWeb) heal(host string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.failing, host)
}

// slowDown makes host take d to answer each delivery.
func (w *fakeWeb) slowDown(host string, d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.slow[host] = d
}

// peakInFlight returns the most deliveries host answered at once.
func (w *fakeWeb) peakInFlight(host string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.peak[host]
}

// deliveries returns what was posted to the fake web so far.
func (w *fakeWeb) deliveries() []posted {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]posted(nil), w.posted...)
}

// fetched returns how often uri was fetched.
func (w *fakeWeb) fetched(uri string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.fetches[strings.TrimPrefix(uri, "https://")]
}

// client returns an SSRF-safe client that reaches the fake web for every
// name: names resolve to a public address (or, for *.internal, a private
// one), and the dialer connects to the fake server instead. The address
// rules of outbound apply as in production.
func (w *fakeWeb) client(t testing.TB) *outbound.Client {
	addr := w.srv.Listener.Addr().String()
	c, err := outbound.New(outbound.Options{Domain: "parvis.example", Timeout: 5 * time.Second,
		MaxBodyBytes: ap.MaxBodyBytes, Resolver: fakeResolver{}, Dialer: fakeDialer{addr: addr},
		TLSConfig: &tls.Config{InsecureSkipVerify: true}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type fakeResolver struct{}

func (fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if strings.HasSuffix(host, ".internal") {
		return []netip.Addr{netip.MustParseAddr("10.1.2.3")}, nil
	}
	return []netip.Addr{netip.MustParseAddr("93.184.216.34")}, nil
}

type fakeDialer struct{ addr string }

func (d fakeDialer) DialContext(ctx context.Context, network, _ string) (net.Conn, error) {
	var nd net.Dialer
	return nd.DialContext(ctx, network, d.addr)
}

// local is a Parvis instance under test at https://parvis.example, whose
// outbound requests reach a fake web; requests to it are served in
// process.
type local struct {
	t       testing.TB
	db      *store.DB
	svc     *social.Service
	fed     *federation.Federation
	handler http.Handler
	web     *fakeWeb
	logs    *lockedBuffer
	clock   *testClock
	queue   *jobs.Queue
	// stop stops the instance's job queue, as a node shutting down does.
	stop func()
}

// testClock is the system clock, or a fixed time when set.
type testClock struct {
	mu    sync.Mutex
	fixed time.Time
}

// set fixes the time (the zero time goes back to the system clock).
func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fixed = t
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.fixed.IsZero() {
		return c.fixed
	}
	return time.Now().UTC()
}

// newLocal starts an instance with its job workers.
func newLocal(t testing.TB, cfg federation.Config) *local {
	t.Helper()
	return newLocalWith(t, cfg, nil, true)
}

// newLocalWith starts an instance whose outbound requests go through
// client (nil: the fake web's), with or without its job workers.
func newLocalWith(t testing.TB, cfg federation.Config, client *outbound.Client, work bool) *local {
	t.Helper()
	clock := &testClock{}
	db := storetest.NewWith(t, storetest.Options{Clock: clock})
	jc := jobs.Config{DB: db.SQL(), Postgres: db.Engine() == store.Postgres, Listener: db.Pool()}
	if err := jobs.Migrate(context.Background(), jc); err != nil {
		t.Fatalf("migrate jobs: %v", err)
	}
	return newLocalOn(t, db, clock, newFakeWeb(t), cfg, client, work)
}

// newLocalOn starts an instance on a database that may already hold one:
// a second node sharing it, or the same instance after a restart.
func newLocalOn(t testing.TB, db *store.DB, clock *testClock, web *fakeWeb, cfg federation.Config,
	client *outbound.Client, work bool) *local {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	jc := jobs.Config{DB: db.SQL(), Postgres: db.Engine() == store.Postgres, Listener: db.Pool()}
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logWriter{logs}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	queue := jobs.NewQueue()
	svc := social.New(social.Config{Domain: "parvis.example", Scheme: "https", Secret: []byte("test secret")},
		social.Deps{DB: db, Queue: queue, Logger: log})
	if client == nil {
		client = web.client(t)
	}
	fed, err := federation.New(cfg, federation.Deps{Service: svc, Queue: queue, Logger: log, Client: client})
	if err != nil {
		t.Fatal(err)
	}
	workers := river.NewWorkers()
	svc.RegisterWorkers(workers)
	fed.RegisterWorkers(workers)
	jc.PollInterval, jc.Logger = 20*time.Millisecond, log
	if work {
		jc.Workers = workers
	}
	if err := queue.Open(jc); err != nil {
		t.Fatal(err)
	}
	if err := queue.Start(ctx); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer scancel()
			_ = queue.Stop(sctx)
			cancel()
		})
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("instance log:\n%s", logs.String())
		}
	})
	return &local{t: t, db: db, svc: svc, fed: fed, handler: fed.Handler(), web: web, logs: logs, clock: clock, queue: queue, stop: stop}
}

type logWriter struct{ b *lockedBuffer }

func (w logWriter) Write(p []byte) (int, error) {
	w.b.WriteString(string(p))
	return len(p), nil
}

// user creates a local person and returns their actor.
func (l *local) user(name string) *social.Actor {
	l.t.Helper()
	ctx := context.Background()
	var actor *social.Actor
	err := l.db.Tx(ctx, func(tx *store.Tx) error {
		a := &model.Account{Username: name}
		if err := tx.CreateAccount(ctx, a); err != nil {
			return err
		}
		u, err := tx.CreateUser(ctx, a.ID, store.NewUser{PasswordHash: "x", Role: model.RoleUser, Approved: true})
		if err != nil {
			return err
		}
		actor = &social.Actor{User: u, Account: a}
		return nil
	})
	if err != nil {
		l.t.Fatalf("create user %s: %v", name, err)
	}
	return actor
}

// remote is a remote actor served by the fake web, with its key.
type remote struct {
	uri, keyID string
	key        *rsa.PrivateKey
}

// addActor serves an actor document (raw JSON, whose publicKey is replaced
// by a key made for the test) at its id, and returns the actor.
func (l *local) addActor(raw []byte, key *rsa.PrivateKey) *remote {
	l.t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		l.t.Fatal(err)
	}
	pemText, err := httpsign.PublicKeyPEM(key)
	if err != nil {
		l.t.Fatal(err)
	}
	pk := doc["publicKey"].(map[string]any)
	pk["publicKeyPem"] = pemText
	body, _ := json.Marshal(doc)
	id := doc["id"].(string)
	l.web.put(id, body)
	return &remote{uri: id, keyID: pk["id"].(string), key: key}
}

// personDoc returns a minimal actor document.
func personDoc(id, name string) []byte {
	host := strings.SplitN(strings.TrimPrefix(id, "https://"), "/", 2)[0]
	b, _ := json.Marshal(map[string]any{"@context": []string{ap.ActivityStreamsContext, ap.SecurityContext},
		"id": id, "type": "Person", "preferredUsername": name, "inbox": id + "/inbox",
		"followers": id + "/followers", "endpoints": map[string]string{"sharedInbox": "https://" + host + "/inbox"},
		"publicKey": map[string]string{"id": id + "#main-key", "owner": id}})
	return b
}

// deliver signs body as r and posts it to the instance's path; it returns
// the response's status.
func (l *local) deliver(r *remote, path string, body []byte) int {
	l.t.Helper()
	req := l.signedRequest(r, path, body)
	rec := httptest.NewRecorder()
	l.handler.ServeHTTP(rec, req)
	return rec.Code
}

// signedRequest builds a POST of body to path, signed with r's key.
func (l *local) signedRequest(r *remote, path string, body []byte) *http.Request {
	l.t.Helper()
	req := httptest.NewRequest(http.MethodPost, "https://parvis.example"+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", ap.MediaType)
	s, err := httpsign.NewSigner(r.keyID, r.key, l.clock)
	if err != nil {
		l.t.Fatal(err)
	}
	if err := s.Sign(req, body); err != nil {
		l.t.Fatal(err)
	}
	return req
}

// settle waits until no federation or fan-out job is left to run.
func (l *local) settle() {
	l.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		err := l.db.ReadSQL().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM river_job
			WHERE state IN ('available', 'running', 'pending') OR (state IN ('retryable', 'scheduled')
			AND scheduled_at < $1)`, time.Now().Add(2*time.Second)).Scan(&n)
		if err != nil {
			l.t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			l.t.Fatalf("jobs did not settle: %d left", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// count runs a COUNT query.
func (l *local) count(query string, args ...any) int {
	l.t.Helper()
	var c int
	if err := l.db.ReadSQL().QueryRowContext(context.Background(), query, args...).Scan(&c); err != nil {
		l.t.Fatalf("%s: %v", query, err)
	}
	return c
}

// rows counts what the instance has stored from the network: remote
// posts, favourites, follows and requests, blocks, reports, and queued
// inbound activities.
func (l *local) stored() int {
	l.t.Helper()
	return l.count(`SELECT (SELECT COUNT(*) FROM posts WHERE local = FALSE) + (SELECT COUNT(*) FROM favourites)
		+ (SELECT COUNT(*) FROM follows) + (SELECT COUNT(*) FROM follow_requests) + (SELECT COUNT(*) FROM blocks)
		+ (SELECT COUNT(*) FROM reports) + (SELECT COUNT(*) FROM federation_activities)
		+ (SELECT COUNT(*) FROM river_job WHERE kind = 'federation_process')`)
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
