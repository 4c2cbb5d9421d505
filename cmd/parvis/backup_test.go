package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"parvis/internal/media"
	"parvis/internal/store"
	"parvis/internal/store/storetest"
)

// runParvis runs a command in process and returns its exit code and output.
func runParvis(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, stdio{in: strings.NewReader(""), out: &out, err: &errb})
	return code, out.String(), errb.String()
}

// The whole story on SQLite, with the real binary: a seeded instance is
// backed up while the server runs and another process keeps writing; the
// backup is restored into a new data directory; a server started on it
// serves the data and the media, and the follow counters still match the
// follows (the snapshot is one instant, not a smear of writes).
func TestBackupAndRestoreWhileWriting(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	if storetest.Engine() != store.SQLite {
		t.Skip("SQLite backups; TestBackupRestorePostgres covers PostgreSQL")
	}
	ctx := context.Background()
	bin := buildBinary(t)
	dataA := t.TempDir()
	if code, _, errs := runParvis(t, "seed", "--data", dataA, "--users", "300", "--posts", "3000"); code != 0 {
		t.Fatalf("seed: exit %d: %s", code, errs)
	}
	files, err := media.NewDirStore(filepath.Join(dataA, "media"), "/media")
	if err != nil {
		t.Fatal(err)
	}
	picture := bytes.Repeat([]byte("not really a png "), 1000)
	if err := files.Put(ctx, "attachments/4242.original.png", bytes.NewReader(picture)); err != nil {
		t.Fatal(err)
	}
	files.Close()
	_, _, logsA := startServer(t, bin, "--data", dataA)

	// A second writer beside the server: follows between seeded accounts,
	// each moving two counters in its transaction.
	db, err := store.Open(ctx, store.Config{DataDir: dataA})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ids []int64
	rows, err := db.ReadSQL().QueryContext(ctx, "SELECT id FROM accounts ORDER BY id LIMIT 200")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	var writes atomic.Int64
	stop := make(chan struct{})
	writerDone := make(chan error, 1)
	go func() {
		for n := 0; ; n++ {
			select {
			case <-stop:
				writerDone <- nil
				return
			default:
			}
			a, b := ids[n%len(ids)], ids[(7*n+3)%len(ids)]
			if a == b {
				continue
			}
			err := db.Tx(ctx, func(tx *store.Tx) error {
				_, err := tx.InsertFollow(ctx, store.Follow{AccountID: a, TargetID: b, ShowReblogs: true, CreatedAt: time.Now()})
				return err
			})
			if err != nil {
				writerDone <- err
				return
			}
			writes.Add(1)
		}
	}()
	for writes.Load() < 10 {
		time.Sleep(time.Millisecond)
	}
	backup := filepath.Join(t.TempDir(), "parvis.tar.gz")
	before := writes.Load()
	out, err := exec.Command(bin, "backup", "--data", dataA, "--to", backup).CombinedOutput()
	during := writes.Load() - before
	close(stop)
	if werr := <-writerDone; werr != nil {
		t.Fatalf("writer: %v", werr)
	}
	if err != nil {
		t.Fatalf("backup: %v\n%s\nserver logs:\n%s", err, out, logsA)
	}
	t.Logf("%d writes committed while the backup ran", during)
	if during == 0 {
		t.Fatalf("no write happened during the backup; the test proves nothing")
	}
	if !strings.Contains(string(out), "full check of the copy: ok") || !strings.Contains(string(out), "1 media files") {
		t.Fatalf("backup output:\n%s", out)
	}
	if st, err := os.Stat(backup); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("the backup file: %v, mode %v; want it readable by its owner only", err, st.Mode())
	}

	dataB := filepath.Join(t.TempDir(), "restored")
	if out, err := exec.Command(bin, "restore", "--from", backup, "--data", dataB).CombinedOutput(); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	// A second restore into the same directory is refused.
	if code, _, errs := runParvis(t, "restore", "--from", backup, "--data", dataB); code != 1 || !strings.Contains(errs, "not empty") {
		t.Fatalf("restore into a used directory: exit %d, %q; want 1 and a refusal", code, errs)
	}

	restored, err := sql.Open("sqlite", "file:"+filepath.Join(dataB, store.SQLiteFileName)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	var users, posts, badCounters int
	var username string
	err = restored.QueryRow(`SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM posts),
		(SELECT count(*) FROM accounts a WHERE a.following_count <> (SELECT count(*) FROM follows f WHERE f.account_id = a.id)
			OR a.followers_count <> (SELECT count(*) FROM follows f WHERE f.target_id = a.id)),
		(SELECT a.username FROM accounts a JOIN users u ON u.account_id = a.id ORDER BY a.statuses_count DESC LIMIT 1)`).
		Scan(&users, &posts, &badCounters, &username)
	if err != nil {
		t.Fatal(err)
	}
	if users < 300 || posts < 3000 || badCounters != 0 {
		t.Fatalf("restored: %d users, %d posts, %d accounts with wrong counters; want 300, 3000 and 0", users, posts, badCounters)
	}
	restored.Close()

	base, _, logsB := startServer(t, bin, "--data", dataB)
	c := newClient(t, base)
	if st, _ := c.get("/healthz"); st != http.StatusOK {
		t.Fatalf("healthz on the restored server: %d", st)
	}
	if st, _ := c.post("/login", "/login", url.Values{"login": {username}, "password": {seedPassword}}); st != http.StatusSeeOther {
		t.Fatalf("log in as %s on the restored server: got %d; logs:\n%s", username, st, logsB)
	}
	if st, _ := c.get("/settings"); st != http.StatusOK {
		t.Fatalf("settings of %s on the restored server: got %d", username, st)
	}
	if st, _ := c.get("/media/attachments/4242.original.png"); st != http.StatusOK || c.last != string(picture) {
		t.Fatalf("the media file on the restored server: got %d and %d bytes, want 200 and %d bytes", st, len(c.last), len(picture))
	}
}

// tarEntry is a file of a hand-made archive.
type tarEntry struct {
	name string
	body []byte
	typ  byte
}

// makeArchive writes a gzipped tar of entries, with a manifest that
// describes db unless the entries hold their own.
func makeArchive(t *testing.T, path string, entries []tarEntry) {
	t.Helper()
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		hdr := &tar.Header{Name: e.name, Typeflag: typ, Mode: 0o600, Size: int64(len(e.body))}
		if typ == tar.TypeSymlink {
			hdr.Linkname, hdr.Size = "/etc/passwd", 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if typ == tar.TypeReg {
			tw.Write(e.body)
		}
	}
	tw.Close()
	gz.Close()
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func manifestFor(t *testing.T, db []byte, mediaFiles int) []byte {
	t.Helper()
	sum := sha256.Sum256(db)
	m := backupManifest{Format: backupFormat, Version: backupFormatVersion, Engine: "sqlite"}
	m.Database.Name, m.Database.Bytes, m.Database.SHA256 = archiveDBName, int64(len(db)), hex.EncodeToString(sum[:])
	m.Media.Files = mediaFiles
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A restore refuses archives that are damaged, truncated, or hold what a
// backup never holds, and then leaves the data directory as it found it.
func TestRestoreRefusesBadArchives(t *testing.T) {
	if storetest.Engine() != store.SQLite {
		t.Skip("SQLite backups")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if code, _, errs := runParvis(t, "migrate", "--data", data); code != 0 {
		t.Fatalf("migrate: %s", errs)
	}
	good := filepath.Join(dir, "good.tar.gz")
	if code, _, errs := runParvis(t, "backup", "--data", data, "--to", good, "--check", "quick"); code != 0 {
		t.Fatalf("backup: %s", errs)
	}
	db, err := os.ReadFile(filepath.Join(data, store.SQLiteFileName))
	if err != nil {
		t.Fatal(err)
	}
	// The live file may hold less than the snapshot (its last writes sit
	// in the WAL): take the database from the good archive instead.
	if code, _, errs := runParvis(t, "restore", "--from", good, "--data", filepath.Join(dir, "fromgood")); code != 0 {
		t.Fatalf("restore the good archive: %s", errs)
	}
	if db, err = os.ReadFile(filepath.Join(dir, "fromgood", store.SQLiteFileName)); err != nil {
		t.Fatal(err)
	}
	whole, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	dbEntry := tarEntry{name: archiveDBName, body: db}

	tests := []struct {
		name    string
		entries []tarEntry
		raw     []byte // the file as it is, instead of entries
		want    string
	}{
		{"truncated", nil, whole[:len(whole)*2/3], "truncated"},
		{"not a backup", nil, []byte("hello, this is a text file and nothing else"), "not a Parvis backup"},
		{"no manifest", []tarEntry{dbEntry}, nil, "truncated"},
		{"checksum", []tarEntry{{name: archiveDBName, body: append(bytes.Clone(db[:len(db)-1]), db[len(db)-1]^1)},
			{name: manifestName, body: manifestFor(t, db, 0)}}, nil, "checksum"},
		{"escape", []tarEntry{dbEntry, {name: "media/../../evil.txt", body: []byte("x")}, {name: manifestName, body: manifestFor(t, db, 1)}},
			nil, "unsafe media name"},
		{"hidden", []tarEntry{dbEntry, {name: "media/attachments/.secret", body: []byte("x")}, {name: manifestName, body: manifestFor(t, db, 1)}},
			nil, "unsafe media name"},
		{"link", []tarEntry{dbEntry, {name: "media/attachments/x.png", typ: tar.TypeSymlink}, {name: manifestName, body: manifestFor(t, db, 1)}},
			nil, "not a regular file"},
		{"stranger", []tarEntry{dbEntry, {name: "etc/cron.d/evil", body: []byte("x")}, {name: manifestName, body: manifestFor(t, db, 0)}},
			nil, "no place in a Parvis backup"},
		{"after manifest", []tarEntry{dbEntry, {name: manifestName, body: manifestFor(t, db, 0)}, {name: "media/a/b.png", body: []byte("x")}},
			nil, "after its manifest"},
		{"two databases", []tarEntry{dbEntry, dbEntry, {name: manifestName, body: manifestFor(t, db, 0)}}, nil, "two databases"},
		{"postgres dump", nil, []byte("PGDMP\x01\x0e\x00 and more"), "PostgreSQL dump"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			archive := filepath.Join(t.TempDir(), "bad.tar.gz")
			if tt.raw != nil {
				os.WriteFile(archive, tt.raw, 0o600)
			} else {
				makeArchive(t, archive, tt.entries)
			}
			target := filepath.Join(t.TempDir(), "target")
			code, _, errs := runParvis(t, "restore", "--from", archive, "--data", target)
			if code != 1 || !strings.Contains(errs, tt.want) {
				t.Fatalf("got exit %d and %q, want 1 and an error saying %q", code, errs, tt.want)
			}
			if entries, _ := os.ReadDir(target); len(entries) != 0 {
				t.Fatalf("the failed restore left %v behind", entries)
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(filepath.Dir(target)), "evil.txt")); err == nil {
				t.Fatalf("a file escaped the data directory")
			}
		})
	}

	// --force moves the current content aside, and a failed forced restore
	// puts it back.
	target := filepath.Join(dir, "forced")
	if code, _, errs := runParvis(t, "restore", "--from", good, "--data", target); code != 0 {
		t.Fatalf("restore: %s", errs)
	}
	os.WriteFile(filepath.Join(target, "notes.txt"), []byte("mine"), 0o600)
	bad := filepath.Join(dir, "truncated.tar.gz")
	os.WriteFile(bad, whole[:len(whole)/2], 0o600)
	if code, _, errs := runParvis(t, "restore", "--from", bad, "--data", target, "--force"); code != 1 || !strings.Contains(errs, "back in place") {
		t.Fatalf("forced restore of a bad archive: exit %d, %q", code, errs)
	}
	entries, _ := os.ReadDir(target)
	if got := fmt.Sprint(names(entries)); got != "[media notes.txt parvis.db]" {
		t.Fatalf("after a failed forced restore the directory holds %s, want what it held", got)
	}
	code, outs, errs := runParvis(t, "restore", "--from", good, "--data", target, "--force")
	if code != 0 || !strings.Contains(outs, "pre-restore-") {
		t.Fatalf("forced restore: exit %d: %s %s", code, outs, errs)
	}
	entries, _ = os.ReadDir(target)
	if len(entries) != 4 { // media, notes.txt, parvis.db, pre-restore-...
		t.Fatalf("after a forced restore the directory holds %v", names(entries))
	}
}

func names(entries []os.DirEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// The database-only form, and the checks of the flags.
func TestBackupDatabaseOnlyAndUsage(t *testing.T) {
	if storetest.Engine() != store.SQLite {
		t.Skip("SQLite backups")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if code, _, errs := runParvis(t, "migrate", "--data", data); code != 0 {
		t.Fatalf("migrate: %s", errs)
	}
	file := filepath.Join(dir, "parvis-backup.db")
	code, out, errs := runParvis(t, "backup", "--data", data, "--to", file)
	if code != 0 || !strings.Contains(out, "media files are not in this file") {
		t.Fatalf("backup to a .db file: exit %d: %s %s", code, out, errs)
	}
	if !store.IsSQLiteFile(file) {
		t.Fatalf("%s is not a SQLite database", file)
	}
	code, out, errs = runParvis(t, "restore", "--from", file, "--data", filepath.Join(dir, "restored"))
	if code != 0 || !strings.Contains(out, "holds no media") {
		t.Fatalf("restore a .db file: exit %d: %s %s", code, out, errs)
	}
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"backup"}, 2, "--to is required"},
		{[]string{"backup", "--data", data, "--to", file + "2", "--check", "deep"}, 1, "unknown check"},
		{[]string{"backup", "--data", filepath.Join(dir, "nothing"), "--to", file + "3"}, 1, "no Parvis database"},
		{[]string{"backup", "--data", data, "--to", filepath.Join(data, "media", "b.tar")}, 1, "inside the media directory"},
		{[]string{"restore", "--data", data}, 2, "--from is required"},
		{[]string{"restore", "--from", filepath.Join(dir, "missing.tar.gz"), "--data", filepath.Join(dir, "x")}, 1, "no such file"},
	} {
		code, _, errs := runParvis(t, tt.args...)
		if code != tt.code || !strings.Contains(errs, tt.want) {
			t.Errorf("parvis %v: got exit %d and %q, want %d and %q", tt.args, code, errs, tt.code, tt.want)
		}
	}
}

// On PostgreSQL, backup runs pg_dump and restore pg_restore, then
// migrates. The test schema is dumped, dropped, and restored.
func TestBackupRestorePostgres(t *testing.T) {
	if storetest.Engine() != store.Postgres {
		t.Skip("set PARVIS_TEST_DATABASE_URL to run on PostgreSQL")
	}
	if _, err := exec.LookPath("pg_dump"); err != nil {
		t.Skip("pg_dump is not on the PATH")
	}
	ctx := context.Background()
	dbURL := storetest.Config(t).URL
	data := t.TempDir()
	if code, _, errs := runParvis(t, "seed", "--database", dbURL, "--data", data, "--users", "100", "--posts", "500"); code != 0 {
		t.Fatalf("seed: %s", errs)
	}
	dump := filepath.Join(t.TempDir(), "parvis.dump")
	code, out, errs := runParvis(t, "backup", "--database", dbURL, "--data", data, "--to", dump)
	if code != 0 || !strings.Contains(out, "pg_dump custom format") || strings.Contains(errs, "search_path") {
		t.Fatalf("backup: exit %d: %s %s", code, out, errs)
	}
	if code, _, errs := runParvis(t, "restore", "--database", dbURL, "--from", dump); code != 1 || !strings.Contains(errs, "already holds") {
		t.Fatalf("restore over the live schema: exit %d: %s", code, errs)
	}
	u, _ := url.Parse(dbURL)
	schema := u.Query().Get("search_path")
	admin, err := sql.Open("pgx", os.Getenv(storetest.EnvURL))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
		t.Fatal(err)
	}
	code, out, errs = runParvis(t, "restore", "--database", dbURL, "--from", dump)
	if code != 0 || !strings.Contains(out, "schema version") {
		t.Fatalf("restore: exit %d: %s %s", code, out, errs)
	}
	var posts int
	if err := admin.QueryRowContext(ctx, "SELECT count(*) FROM "+schema+".posts").Scan(&posts); err != nil || posts != 500 {
		t.Fatalf("restored posts: got %d (%v), want 500", posts, err)
	}
	if code, _, errs := runParvis(t, "restore", "--database", dbURL, "--from", dump, "--force"); code != 0 {
		t.Fatalf("forced restore: exit %d: %s", code, errs)
	}
	if testing.Short() {
		return
	}
	// A server on the restored database lets a seeded user in.
	var username string
	if err := admin.QueryRowContext(ctx, "SELECT a.username FROM "+schema+".accounts a JOIN "+schema+
		".users u ON u.account_id = a.id ORDER BY a.id LIMIT 1").Scan(&username); err != nil {
		t.Fatal(err)
	}
	base, _, logs := startServer(t, buildBinary(t), "--database", dbURL, "--data", t.TempDir())
	c := newClient(t, base)
	if st, _ := c.post("/login", "/login", url.Values{"login": {username}, "password": {seedPassword}}); st != http.StatusSeeOther {
		t.Fatalf("log in as %s on the restored database: got %d; logs:\n%s", username, st, logs)
	}
}
