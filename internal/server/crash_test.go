package server_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"parvis/internal/jobs"
	"parvis/internal/model"
	"parvis/internal/server"
	"parvis/internal/social"
	"parvis/internal/store"
	"parvis/internal/store/storetest"
)

// The crash test runs a writer in a child process (this test binary, run
// again as TestSQLiteCrashWriter) and kills it with SIGKILL at random
// moments. The writer prints each acknowledged id only once the use case
// has returned, that is once its transaction has committed; whatever it
// printed must be in the database after the kill.
const (
	crashEnvDB     = "PARVIS_CRASH_DB"
	crashEnvWriter = "PARVIS_CRASH_WRITER"
	crashEnvLiker  = "PARVIS_CRASH_LIKER"
	crashRounds    = 20
	// crashPerRound bounds what one writer does: under the per-account
	// rate limits, and the writer is killed long before anyway.
	crashPerRound = 250
)

// crashAck is one line of the writer: "ready", "post ID" or "like ID".
type crashAck struct {
	kind string
	id   int64
}

func TestSQLiteSurvivesKillNine(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a writer process 20 times (about 30 s); skipped with -short")
	}
	if storetest.Engine() != store.SQLite {
		t.Skip("SQLite crash safety is tested in the SQLite run")
	}
	path := filepath.Join(t.TempDir(), "parvis.db")
	writers, likers := crashWorld(t, path)
	posts := map[int64]bool{}
	likes := map[[2]int64]bool{}
	for round := range crashRounds {
		// Most kills land while the writer writes; one round in five kills
		// it at a random point of its start (opening, recovering the WAL,
		// checking migrations).
		duringStart := round%5 == 4
		acks := runAndKill(t, path, writers[round], likers[round], duringStart)
		for _, a := range acks {
			switch a.kind {
			case "post":
				posts[a.id] = true
			case "like":
				likes[[2]int64{likers[round], a.id}] = true
			}
		}
		checkCrashedDB(t, round, path, posts, likes)
	}
	t.Logf("%d rounds: %d acknowledged posts and %d acknowledged likes all survived SIGKILL", crashRounds, len(posts), len(likes))
	if len(posts) == 0 || len(likes) == 0 {
		t.Fatalf("the writer acknowledged %d posts and %d likes in %d rounds, want some of each", len(posts), len(likes), crashRounds)
	}
}

// crashWorld creates the database with one writer and one liker per round
// (each stays under its hourly rate limits) and a reader who follows every
// writer, so that each post has a fan-out to do.
func crashWorld(t *testing.T, path string) (writers, likers []int64) {
	t.Helper()
	ctx := context.Background()
	db := openCrashDB(t, path)
	defer db.Close()
	create := func(tx *store.Tx, name string) (int64, error) {
		a := &model.Account{Username: name}
		if err := tx.CreateAccount(ctx, a); err != nil {
			return 0, err
		}
		_, err := tx.CreateUser(ctx, a.ID, store.NewUser{Email: name + "@example.org", PasswordHash: "x", Role: model.RoleUser, Approved: true})
		return a.ID, err
	}
	err := db.Tx(ctx, func(tx *store.Tx) error {
		reader, err := create(tx, "reader")
		if err != nil {
			return err
		}
		for i := range crashRounds {
			w, err := create(tx, fmt.Sprintf("writer%d", i))
			if err != nil {
				return err
			}
			l, err := create(tx, fmt.Sprintf("liker%d", i))
			if err != nil {
				return err
			}
			if _, err := tx.InsertFollow(ctx, store.Follow{AccountID: reader, TargetID: w, CreatedAt: db.Now()}); err != nil {
				return err
			}
			writers, likers = append(writers, w), append(likers, l)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("create accounts: %v", err)
	}
	// The reader's home feed is kept: each post is written into it (its
	// author's audience is small enough to be written with the post).
	if _, err := db.SQL().ExecContext(ctx, "UPDATE users SET feed_valid = TRUE, last_active_at = $1", db.Now().UnixMilli()); err != nil {
		t.Fatal(err)
	}
	return writers, likers
}

// openCrashDB opens (recovering it if needed) and migrates the database,
// as "parvis serve" does at start.
func openCrashDB(tb testing.TB, path string) *store.DB {
	tb.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{SQLitePath: path})
	if err != nil {
		tb.Fatalf("open %s: %v", path, err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		tb.Fatalf("migrate: %v", err)
	}
	if err := jobs.Migrate(ctx, jobs.Config{DB: db.SQL()}); err != nil {
		db.Close()
		tb.Fatalf("migrate jobs: %v", err)
	}
	return db
}

// runAndKill starts the writer, kills it with SIGKILL and returns what it
// acknowledged.
func runAndKill(t *testing.T, path string, writer, liker int64, duringStart bool) []crashAck {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSQLiteCrashWriter$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnvDB+"="+path,
		crashEnvWriter+"="+strconv.FormatInt(writer, 10), crashEnvLiker+"="+strconv.FormatInt(liker, 10))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	// The writer's own failures come as test output on stdout, or on
	// stderr.
	var output, stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start writer: %v", err)
	}
	lines := make(chan crashAck, 1024)
	var acks []crashAck
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			kind, id, _ := strings.Cut(sc.Text(), " ")
			n, err := strconv.ParseInt(id, 10, 64)
			if err != nil {
				output.WriteString(sc.Text() + "\n")
				continue
			}
			select {
			case lines <- crashAck{kind, n}:
			default:
			}
			acks = append(acks, crashAck{kind, n})
		}
	}()
	if duringStart {
		time.Sleep(time.Duration(rand.N(150)) * time.Millisecond)
	} else {
		timeout := time.After(60 * time.Second)
	wait:
		for {
			select {
			case a := <-lines:
				if a.kind == "ready" {
					break wait
				}
			case <-done:
				_ = cmd.Wait()
				t.Fatalf("the writer ended before it was ready; its output:\n%s%s", output.String(), stderr.String())
			case <-timeout:
				_ = cmd.Process.Kill()
				<-done
				_ = cmd.Wait()
				t.Fatalf("the writer was not ready within 60 s; its output:\n%s%s", output.String(), stderr.String())
			}
		}
		time.Sleep(time.Duration(20+rand.N(400)) * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill writer: %v", err)
	}
	// Read to the end before Wait closes the pipe: the lines written before
	// the kill are all there.
	<-done
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("the writer ended by itself (%v) before it was killed; its output:\n%s%s", err, output.String(), stderr.String())
	}
	return acks
}

// checkCrashedDB opens the database as a restarted server would and checks
// that it is sound and holds every acknowledged write, whole.
func checkCrashedDB(t *testing.T, round int, path string, posts map[int64]bool, likes map[[2]int64]bool) {
	t.Helper()
	db := openCrashDB(t, path)
	defer db.Close()
	q := db.SQL()
	var integrity string
	if err := q.QueryRow("PRAGMA integrity_check").Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("round %d: integrity_check: got %q (%v), want ok", round, integrity, err)
	}
	if n := crashCount(t, q, "SELECT count(*) FROM pragma_foreign_key_check"); n != 0 {
		t.Fatalf("round %d: foreign_key_check: got %d broken references, want 0", round, n)
	}
	stored := map[int64]bool{}
	for _, id := range crashIDs(t, q, "SELECT id FROM posts") {
		stored[id] = true
	}
	for id := range posts {
		if !stored[id] {
			t.Fatalf("round %d: acknowledged post %d is missing after the crash", round, id)
		}
	}
	liked := map[[2]int64]bool{}
	rows, err := q.Query("SELECT account_id, post_id FROM favourites")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k [2]int64
		if err := rows.Scan(&k[0], &k[1]); err != nil {
			t.Fatal(err)
		}
		liked[k] = true
	}
	rows.Close()
	for k := range likes {
		if !liked[k] {
			t.Fatalf("round %d: acknowledged like of post %d by %d is missing after the crash", round, k[1], k[0])
		}
	}
	// A use case is written whole or not at all: the counters, the
	// author's feed and the follower's (or the fan-out job naming the
	// post) went in with it.
	for _, c := range []struct{ what, query string }{
		{"posts whose like count disagrees with their likes",
			`SELECT count(*) FROM posts p WHERE p.favourites_count + p.discounted_favourites <>
				(SELECT count(*) FROM favourites f WHERE f.post_id = p.id)`},
		{"accounts whose post count disagrees with their posts",
			`SELECT count(*) FROM accounts a WHERE a.statuses_count <> (SELECT count(*) FROM posts p WHERE p.account_id = a.id)`},
		{"posts missing from their author's feed",
			`SELECT count(*) FROM posts p WHERE NOT EXISTS
				(SELECT 1 FROM home_feed h WHERE h.account_id = p.account_id AND h.post_id = p.id)`},
		{"posts missing from the kept home feed of a follower, with no fan-out job naming them",
			`SELECT count(*) FROM posts p JOIN follows f ON f.target_id = p.account_id
				JOIN users u ON u.account_id = f.account_id AND u.feed_valid = TRUE
				WHERE NOT EXISTS (SELECT 1 FROM home_feed h WHERE h.account_id = f.account_id AND h.post_id = p.id)
				AND NOT EXISTS (SELECT 1 FROM river_job j, json_each(j.args, '$.post_ids') e WHERE j.kind = 'fan_out' AND e.value = p.id)`},
		{"followers whose kept feed got none of the posts (the check above would prove nothing)",
			`SELECT count(*) FROM users u WHERE u.feed_valid = TRUE AND EXISTS (SELECT 1 FROM follows f WHERE f.account_id = u.account_id)
				AND EXISTS (SELECT 1 FROM posts) AND NOT EXISTS (SELECT 1 FROM home_feed h JOIN posts p ON p.id = h.post_id
				WHERE h.account_id = u.account_id AND p.account_id <> u.account_id)`},
	} {
		if n := crashCount(t, q, c.query); n != 0 {
			t.Fatalf("round %d: %s: got %d, want 0", round, c.what, n)
		}
	}
}

func crashCount(t *testing.T, q *sql.DB, query string) int64 {
	t.Helper()
	var n int64
	if err := q.QueryRow(query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func crashIDs(t *testing.T, q *sql.DB, query string) []int64 {
	t.Helper()
	rows, err := q.Query(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSQLiteCrashWriter is the writer process of TestSQLiteSurvivesKillNine:
// the whole application (job workers included) on the database, one
// account publishing and another liking, as fast as they can, until the
// parent kills it.
func TestSQLiteCrashWriter(t *testing.T) {
	path := os.Getenv(crashEnvDB)
	if path == "" {
		t.Skip("the writer process of TestSQLiteSurvivesKillNine; it runs only when that test starts it")
	}
	ctx := context.Background()
	db := openCrashDB(t, path)
	app, err := server.NewApp(ctx, db, server.AppConfig{Domain: "crash.localhost", Scheme: "http",
		MediaDir: filepath.Join(filepath.Dir(path), "media"), JobPoll: 20 * time.Millisecond})
	if err != nil {
		t.Fatalf("wire app: %v", err)
	}
	if err := app.Start(ctx); err != nil {
		t.Fatalf("start jobs: %v", err)
	}
	svc := app.Service
	writer, liker := crashActor(t, db, crashEnvWriter), crashActor(t, db, crashEnvLiker)
	// Likes go to posts of earlier rounds too, so they touch old pages.
	targets := crashIDs(t, db.SQL(), "SELECT id FROM posts ORDER BY id DESC LIMIT 200")
	var mu sync.Mutex
	// Each line is one write(2) on the unbuffered stdout: a line printed
	// before the kill reaches the parent whole.
	ack := func(kind string, id int64) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(os.Stdout, "%s %d\n", kind, id)
	}
	ack("ready", 0)
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range crashPerRound {
			p, err := svc.Publish(ctx, writer, social.PostInput{Text: fmt.Sprintf("Post %d of %s before the crash #crash", i, writer.Account.Username)})
			if err != nil {
				crashWriterFailed("publish", err)
			}
			ack("post", p.ID)
			mu.Lock()
			targets = append(targets, p.ID)
			mu.Unlock()
		}
	})
	wg.Go(func() {
		for range crashPerRound {
			mu.Lock()
			n := len(targets)
			var id int64
			if n > 0 {
				id = targets[rand.N(n)]
			}
			mu.Unlock()
			if id == 0 {
				time.Sleep(time.Millisecond)
				continue
			}
			if err := svc.Favourite(ctx, liker, id); err != nil {
				crashWriterFailed("favourite", err)
			}
			ack("like", id)
		}
	})
	wg.Wait()
	// Done before the kill: wait for it, as a server would.
	time.Sleep(time.Minute)
}

// crashWriterFailed ends the writer at once: the parent then finds it
// ended before being killed and shows this message.
func crashWriterFailed(what string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
	os.Exit(2)
}

func crashActor(t *testing.T, db *store.DB, env string) *social.Actor {
	t.Helper()
	id, err := strconv.ParseInt(os.Getenv(env), 10, 64)
	if err != nil {
		t.Fatalf("%s: %v", env, err)
	}
	ctx := context.Background()
	u, err := db.Read().UserByAccountID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	a, err := db.Read().AccountByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return &social.Actor{User: u, Account: a}
}
