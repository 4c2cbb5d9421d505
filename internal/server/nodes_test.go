package server_test

import (
	"bufio"
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"parvis/internal/jobs"
	"parvis/internal/model"
	"parvis/internal/server"
	"parvis/internal/server/servertest"
	"parvis/internal/social"
	"parvis/internal/store"
	"parvis/internal/store/storetest"
)

// Two nodes share one PostgreSQL schema and one media directory, as
// several "parvis serve" behind a load balancer do. Node A is the real
// binary, so that it can be killed with SIGKILL; node B runs in this
// process, so that the test can subscribe to its broker and give it a short
// job-rescue delay (the rescue of a dead node's jobs is run by the leader,
// B, with B's settings).

// nodeDomain is the public name both nodes serve, as behind one balancer.
const nodeDomain = "parvis.localhost"

// nodeLogs keeps a node's logs to show when the test fails, and reports
// the address the node announces.
type nodeLogs struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	address chan string // receives the announced address once
}

func (l *nodeLogs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n, err := l.buf.Write(p)
	if l.address != nil {
		if m := listeningAt.FindSubmatch(l.buf.Bytes()); m != nil {
			l.address <- string(m[1])
			l.address = nil
		}
	}
	return n, err
}

func (l *nodeLogs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// showOnFailure logs a node's logs at the end of a failed test.
func showOnFailure(t *testing.T, name string, l *nodeLogs) {
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs of node %s:\n%s", name, l.String())
		}
	})
}

// nodeB wires the application in this process on the schema at dbURL.
func nodeB(t *testing.T, dbURL, mediaDir string) (*server.App, string) {
	app, url, _ := inProcessNode(t, "B", dbURL, server.AppConfig{MediaDir: mediaDir, RescueAfter: 3 * time.Second})
	return app, url
}

// inProcessNode wires one node in this process on the schema at dbURL,
// with cfg (its domain, scheme, job polling and logger are set here), and
// returns it with its base URL and its logs.
func inProcessNode(t *testing.T, name, dbURL string, cfg server.AppConfig) (*server.App, string, *nodeLogs) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	db, err := store.Open(ctx, store.Config{URL: dbURL})
	if err != nil {
		t.Fatalf("open node %s's database: %v", name, err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if err := jobs.Migrate(ctx, jobs.Config{DB: db.SQL(), Postgres: true, Listener: db.Pool()}); err != nil {
		t.Fatalf("migrate jobs: %v", err)
	}
	logs := &nodeLogs{}
	showOnFailure(t, name, logs)
	cfg.Domain, cfg.Scheme, cfg.JobPoll = nodeDomain, "http", 50*time.Millisecond
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	app, err := server.NewApp(ctx, db, cfg)
	if err != nil {
		t.Fatalf("wire node %s: %v", name, err)
	}
	if err := app.Start(ctx); err != nil {
		t.Fatalf("start node %s: %v", name, err)
	}
	srv := httptest.NewServer(app.Server.Handler())
	t.Cleanup(func() {
		srv.Close()
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		_ = app.Queue.Stop(sctx)
		cancel()
	})
	return app, srv.URL, logs
}

// buildParvis compiles the real binary.
func buildParvis(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "parvis")
	cmd := exec.Command("go", "build", "-o", bin, "parvis/cmd/parvis")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build parvis: %v\n%s", err, out)
	}
	return bin
}

var listeningAt = regexp.MustCompile(`msg="parvis is listening".* address=(\S+)`)

// nodeA starts "parvis serve" on the schema at dbURL and returns its base
// URL and its process.
func nodeA(t *testing.T, bin, dbURL, mediaDir string) (string, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--database", dbURL, "--data", t.TempDir(),
		"--media", mediaDir, "--domain", nodeDomain)
	found := make(chan string, 1)
	logs := &nodeLogs{address: found}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start node A: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	showOnFailure(t, "A", logs)
	select {
	case addr := <-found:
		return "http://" + addr, cmd
	case <-time.After(60 * time.Second):
		t.Fatalf("node A did not announce its address within 60 s")
	}
	return "", nil
}

func TestTwoNodesOnPostgreSQL(t *testing.T) {
	base := os.Getenv(storetest.EnvURL)
	if base == "" {
		t.Skipf("%s is not set: several nodes need a shared PostgreSQL", storetest.EnvURL)
	}
	if testing.Short() {
		t.Skip("builds parvis and kills a node under load (up to a minute); skipped with -short")
	}
	ctx := context.Background()
	dbURL := storetest.FreshSchema(t, base)
	mediaDir := t.TempDir()
	appB, urlB := nodeB(t, dbURL, mediaDir)
	urlA, procA := nodeA(t, buildParvis(t), dbURL, mediaDir)
	a, b := &servertest.Env{URL: urlA}, &servertest.Env{URL: urlB}
	read := appB.DB.Read()

	a.CreateAdmin(t, "admin", "correct horse battery")
	poster := a.SignUp(t, "poster", "poster's long password")
	readers := []*servertest.Browser{b.SignUp(t, "reader1", "reader's long password"), a.SignUp(t, "reader2", "reader's long password")}
	posterAcc, err := read.AccountByUsername(ctx, "poster", "")
	if err != nil {
		t.Fatal(err)
	}
	posterID := model.FormatID(posterAcc.ID)
	for _, r := range readers {
		if got := r.Post("/@poster", "/accounts/"+posterID+"/follow", nil); got.Status != http.StatusSeeOther {
			t.Fatalf("follow: got status %d, want 303", got.Status)
		}
	}
	// An audience too large to be written with each post: the poster's
	// posts go through fan-out jobs, which node B must finish.
	servertest.AddFollowers(t, appB.DB, posterAcc.ID, social.InlineFanOut+10)

	t.Run("a session opened on one node works on the other", func(t *testing.T) {
		onB := b.Browser(t)
		onB.HTTP = poster.HTTP // the same cookies
		if got := onB.Get("/compose"); got.Status != http.StatusOK {
			t.Fatalf("compose page on node B with node A's session: got status %d, want 200", got.Status)
		}
	})

	t.Run("rate limits count the attempts of both nodes", func(t *testing.T) {
		// Ten failed logins against one account are allowed, then it is
		// locked: five go to each node.
		for i := range 11 {
			env := a
			if i%2 == 1 {
				env = b
			}
			got := env.Browser(t).Post("/login", "/login", url.Values{"login": {"poster"}, "password": {"wrong password " + strconv.Itoa(i)}})
			want := http.StatusUnauthorized
			if i == 10 {
				want = http.StatusTooManyRequests
			}
			if got.Status != want {
				t.Fatalf("login attempt %d: got status %d, want %d", i+1, got.Status, want)
			}
		}
	})

	events := collectEvents(t, appB.Service.Events())
	sse := openStream(t, urlB+"/api/v1/streaming/public/local")

	t.Run("a post made on node A reaches node B's broker and stream", func(t *testing.T) {
		text := "Hello from node A to the subscribers of node B"
		if got := poster.Post("/compose", "/compose", url.Values{"text": {text}, "visibility": {"public"}}); got.Status != http.StatusSeeOther {
			t.Fatalf("publish on node A: got status %d, want 303: %s", got.Status, got.Body)
		}
		id := postIDByText(t, appB, posterAcc.ID, text)
		waitFor(t, 10*time.Second, "the post's event on node B's broker", func() bool { return events.count(id) > 0 })
		select {
		case data := <-sse:
			if !strings.Contains(data, text) {
				t.Fatalf("node B's stream sent %q, want the post", data)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("node B's stream sent nothing in 10 s")
		}
	})

	t.Run("media uploaded on node A is served by node B", func(t *testing.T) {
		resp := postMultipart(t, poster, urlA, url.Values{"text": {"A picture"}, "visibility": {"public"}}, "media_1", "dot.png", tinyPNG(t))
		if resp.Status != http.StatusSeeOther {
			t.Fatalf("publish with an image on node A: got status %d, want 303: %s", resp.Status, resp.Body)
		}
		var path string
		if err := appB.DB.SQL().QueryRow("SELECT path FROM media_attachments WHERE account_id = $1", posterAcc.ID).Scan(&path); err != nil {
			t.Fatal(err)
		}
		got, err := http.Get(urlB + "/media/" + path)
		if err != nil {
			t.Fatal(err)
		}
		got.Body.Close()
		if got.StatusCode != http.StatusOK || !strings.HasPrefix(got.Header.Get("Content-Type"), "image/") {
			t.Fatalf("GET /media/%s on node B: got %d %q, want 200 and an image", path, got.StatusCode, got.Header.Get("Content-Type"))
		}
	})

	t.Run("node A killed under load loses no acknowledged post and B finishes its jobs", func(t *testing.T) {
		acked := loadAndKill(t, poster, urlA, procA)
		t.Logf("node A acknowledged %d posts before SIGKILL", len(acked))
		// The jobs A was running when it died stay "running" until B's
		// rescuer takes them back; those it had queued wait for B. A
		// commit A sent just before dying may still be in PostgreSQL's
		// socket buffer (its job completions were then counted as
		// abandoned, and found completed by A): let the server read it.
		time.Sleep(time.Second)
		idB := appB.Queue.Client().ID()
		var onA []int64
		rows, err := appB.DB.SQL().Query(`SELECT id FROM river_job WHERE state = 'running'
			AND attempted_by[array_length(attempted_by, 1)] <> $1`, idB)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			onA = append(onA, id)
		}
		rows.Close()
		var queued int
		if err := appB.DB.SQL().QueryRow("SELECT count(*) FROM river_job WHERE state = 'available'").Scan(&queued); err != nil {
			t.Fatal(err)
		}
		stored := map[string]int64{}
		rows, err = appB.DB.SQL().Query("SELECT text, id FROM posts WHERE account_id = $1", posterAcc.ID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var text string
			var id int64
			if err := rows.Scan(&text, &id); err != nil {
				t.Fatal(err)
			}
			stored[text] = id
		}
		rows.Close()
		for _, text := range acked {
			if stored[text] == 0 {
				t.Fatalf("node A acknowledged %q, which is not in the database", text)
			}
		}
		// Each acknowledged post was announced before its response, so
		// node B's broker gets it, once.
		waitFor(t, 10*time.Second, "the events of the acknowledged posts on node B's broker", func() bool {
			for _, text := range acked {
				if events.count(stored[text]) == 0 {
					return false
				}
			}
			return true
		})
		for _, text := range acked {
			if n := events.count(stored[text]); n != 1 {
				t.Errorf("post %q reached node B's broker %d times, want once", text, n)
			}
		}
		// Each post's fan-out job went in with it and names it (with the
		// other posts of its batch).
		var jobless int
		err = appB.DB.SQL().QueryRow(`SELECT count(*) FROM posts p WHERE NOT EXISTS (SELECT 1 FROM river_job j
			WHERE j.kind = 'fan_out' AND j.args->'post_ids' @> to_jsonb(p.id))`).Scan(&jobless)
		if err != nil {
			t.Fatal(err)
		}
		if jobless != 0 {
			t.Fatalf("%d posts have no fan-out job naming them, want 0", jobless)
		}
		start := time.Now()
		waitFor(t, 2*time.Minute, "the fan-out jobs to finish on node B", func() bool {
			var left int
			err := appB.DB.SQL().QueryRow(`SELECT count(*) FROM river_job
				WHERE kind = 'fan_out' AND state NOT IN ('completed', 'discarded', 'cancelled')`).Scan(&left)
			return err == nil && left == 0
		})
		t.Logf("at the kill, node A was running %d jobs and %d were queued; node B finished every fan-out %.1f s later",
			len(onA), queued, time.Since(start).Seconds())
		for _, id := range onA {
			var state, last string
			err := appB.DB.SQL().QueryRow("SELECT state, attempted_by[array_length(attempted_by, 1)] FROM river_job WHERE id = $1",
				id).Scan(&state, &last)
			if err != nil {
				t.Fatal(err)
			}
			if state != "completed" || last != idB {
				t.Errorf("job %d, running on node A at its death: got state %s run by %s, want completed by node B (%s)",
					id, state, last, idB)
			}
		}
		var failed int
		if err := appB.DB.SQL().QueryRow("SELECT count(*) FROM river_job WHERE kind = 'fan_out' AND state <> 'completed'").Scan(&failed); err != nil {
			t.Fatal(err)
		}
		if failed != 0 {
			t.Fatalf("%d fan-out jobs were discarded or cancelled, want 0", failed)
		}
		for _, name := range []string{"reader1", "reader2"} {
			acc, err := read.AccountByUsername(ctx, name, "")
			if err != nil {
				t.Fatal(err)
			}
			var missing int
			err = appB.DB.SQL().QueryRow(`SELECT count(*) FROM posts p WHERE p.account_id = $1 AND NOT EXISTS
				(SELECT 1 FROM home_feed h WHERE h.account_id = $2 AND h.post_id = p.id)`, posterAcc.ID, acc.ID).Scan(&missing)
			if err != nil {
				t.Fatal(err)
			}
			if missing != 0 {
				t.Fatalf("%s's home feed misses %d of poster's posts, want none", name, missing)
			}
		}
		// Node B still serves, alone.
		onB := b.Browser(t)
		onB.HTTP = poster.HTTP
		if r := onB.Get("/"); r.Status != http.StatusOK {
			t.Fatalf("home page on node B after A's death: got %d, want 200", r.Status)
		}
	})
}

// eventCounter counts the post events a broker delivers.
type eventCounter struct {
	mu    sync.Mutex
	posts map[int64]int
}

func (c *eventCounter) count(id int64) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.posts[id]
}

// collectEvents subscribes to broker and counts its post events until the
// test ends; reading at once keeps the subscription from dropping any.
func collectEvents(t *testing.T, broker social.Broker) *eventCounter {
	t.Helper()
	ch, cancel := broker.Subscribe()
	done := make(chan struct{})
	stopped := make(chan struct{})
	t.Cleanup(func() {
		close(done)
		<-stopped
		cancel()
	})
	c := &eventCounter{posts: map[int64]int{}}
	go func() {
		defer close(stopped)
		for {
			select {
			case e := <-ch:
				if e.Kind == social.EventPost {
					c.mu.Lock()
					c.posts[e.PostID]++
					c.mu.Unlock()
				}
			case <-done:
				return
			}
		}
	}()
	return c
}

// openStream opens a server-sent event stream and returns the data of its
// "update" events; it returns once the server has subscribed.
func openStream(t *testing.T, streamURL string) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, streamURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("open stream: %v", err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("open stream: got status %d, want 200", resp.StatusCode)
	}
	r := bufio.NewReader(resp.Body)
	// The server writes a first comment line once it has subscribed.
	if _, err := r.ReadString('\n'); err != nil {
		t.Fatalf("read stream: %v", err)
	}
	updates := make(chan string, 1024)
	go func() {
		event := ""
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && event == "update":
				select {
				case updates <- strings.TrimPrefix(line, "data: "):
				default:
				}
			}
		}
	}()
	return updates
}

func postIDByText(t *testing.T, app *server.App, accountID int64, text string) int64 {
	t.Helper()
	var id int64
	if err := app.DB.SQL().QueryRow("SELECT id FROM posts WHERE account_id = $1 AND text = $2", accountID, text).Scan(&id); err != nil {
		t.Fatalf("find post %q: %v", text, err)
	}
	return id
}

// waitFor polls cond until it holds or limit passes.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// loadAndKill posts through node A's compose form from two goroutines,
// kills A with SIGKILL once it has acknowledged at least 30 posts, and
// returns the texts of the posts it acknowledged (answered 303).
func loadAndKill(t *testing.T, poster *servertest.Browser, urlA string, procA *exec.Cmd) []string {
	t.Helper()
	poster.Get("/compose")
	csrf := poster.CSRF()
	var mu sync.Mutex
	var acked []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			// Under the limit of 300 posts an hour, with the posts above.
			for i := range 120 {
				select {
				case <-stop:
					return
				default:
				}
				text := "Load " + strconv.Itoa(w) + "-" + strconv.Itoa(i) + " through node A"
				resp, err := poster.HTTP.PostForm(urlA+"/compose", url.Values{"csrf": {csrf}, "text": {text}, "visibility": {"public"}})
				if err != nil {
					return // node A is gone
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusSeeOther {
					mu.Lock()
					acked = append(acked, text)
					mu.Unlock()
				}
			}
		})
	}
	waitFor(t, time.Minute, "node A to acknowledge 30 posts", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(acked) >= 30
	})
	time.Sleep(time.Duration(rand.N(200)) * time.Millisecond)
	if err := procA.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill node A: %v", err)
	}
	_ = procA.Wait()
	close(stop)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	return append([]string(nil), acked...)
}

// postMultipart submits the compose form with one file, as a browser does.
func postMultipart(t *testing.T, br *servertest.Browser, baseURL string, fields url.Values, field, name string, data []byte) servertest.Response {
	t.Helper()
	br.Get("/compose")
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", br.CSRF())
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	w, err := mw.CreateFormFile(field, name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(data)
	_ = mw.Close()
	req, err := http.NewRequest(http.MethodPost, baseURL+"/compose", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return br.Do(req)
}

func tinyPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range 64 {
		img.Set(i%8, i/8, color.RGBA{uint8(i * 4), 90, 200, 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
