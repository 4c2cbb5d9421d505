package main

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"time"

	"parvis/internal/media"
	"parvis/internal/model"
	"parvis/internal/progress"
	"parvis/internal/store"
)

// A Parvis backup of a SQLite installation is one of:
//
//   - FILE.tar.gz or FILE.tgz (gzip, fastest level) or FILE.tar: a tar of
//     parvis.db (a consistent snapshot, checked), media/... (the uploaded
//     files, as laid out under DATA/media) and, last, backup.json (the
//     manifest: versions, sizes, the database's SHA-256). The manifest comes
//     last because its checksum is computed while the database is written,
//     and so that a truncated archive is noticed.
//   - any other name: the database file alone; the media directory is then
//     to be copied beside it (the command says how).
//
// On PostgreSQL, FILE is a pg_dump custom-format archive.

const backupUsage = `usage:
  parvis backup --to FILE [--data DIR] [--check full|quick|none]
  parvis backup --to FILE --database postgres://...
FILE ending in .tar.gz, .tgz or .tar holds the database and the media; any other
name gets the SQLite database alone. On PostgreSQL, FILE is a pg_dump archive.`

const restoreUsage = `usage:
  parvis restore --from FILE --data DIR [--force] [--check quick|full|none]
  parvis restore --from FILE.dump --database postgres://... [--force]`

// Names inside a backup archive.
const (
	manifestName  = "backup.json"
	archiveDBName = store.SQLiteFileName
	mediaPrefix   = "media/"
	// backupFormat names the archive format in its manifest.
	backupFormat        = "parvis-backup"
	backupFormatVersion = 1
)

// backupManifest is backup.json.
type backupManifest struct {
	Format        string    `json:"format"`
	Version       int       `json:"version"`
	CreatedAt     time.Time `json:"created_at"`
	ParvisVersion string    `json:"parvis_version"`
	Engine        string    `json:"engine"`
	SchemaVersion int       `json:"schema_version"`
	Check         string    `json:"check"`
	Database      struct {
		Name   string `json:"name"`
		Bytes  int64  `json:"bytes"`
		SHA256 string `json:"sha256"`
	} `json:"database"`
	Media struct {
		Files int   `json:"files"`
		Bytes int64 `json:"bytes"`
	} `json:"media"`
}

// archiveKind is the form of a backup file, from its name.
type archiveKind int

const (
	kindDatabase archiveKind = iota // the SQLite file alone
	kindTar
	kindTarGz
)

func kindOf(name string) archiveKind {
	lower := strings.ToLower(name)
	switch {
	case strings.HasSuffix(lower, ".tar.gz"), strings.HasSuffix(lower, ".tgz"):
		return kindTarGz
	case strings.HasSuffix(lower, ".tar"):
		return kindTar
	}
	return kindDatabase
}

func runBackup(ctx context.Context, args []string, io stdio) error {
	var f dbFlags
	fs := newFlags("backup", io)
	fs.Usage = func() { fmt.Fprintln(io.err, backupUsage); fs.PrintDefaults() }
	f.register(fs)
	to := fs.String("to", "", "the backup file to write (required); see above for the forms")
	checkName := fs.String("check", "full", "check of the SQLite copy: full (PRAGMA integrity_check), quick (quick_check) or none")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *to == "" {
		fmt.Fprintln(io.err, "--to is required")
		fs.Usage()
		return errUsage
	}
	if f.database != "" {
		return backupPostgres(ctx, f.database, f.data, *to, io)
	}
	level, err := store.ParseCheckLevel(*checkName)
	if err != nil {
		return err
	}
	return backupSQLite(ctx, f.data, *to, level, io)
}

// backupSQLite snapshots the database, checks the copy, and writes it (with
// the media, in an archive) to `to`. The file appears only once complete: a
// previous backup of the same name stays until then.
func backupSQLite(ctx context.Context, dataDir, to string, level store.CheckLevel, io stdio) error {
	start := time.Now()
	src := filepath.Join(dataDir, store.SQLiteFileName)
	if !store.IsSQLiteFile(src) {
		return model.Errorf(model.ENOTFOUND, "no Parvis database at %s: is --data right?", src)
	}
	mediaDir := filepath.Join(dataDir, "media")
	kind := kindOf(to)
	if kind != kindDatabase {
		if inside, err := isWithin(mediaDir, to); err != nil {
			return err
		} else if inside {
			return model.Errorf(model.EINVALID, "the backup file %s is inside the media directory it backs up; write it elsewhere", to)
		}
	}
	work, err := os.MkdirTemp(filepath.Dir(to), ".parvis-backup-")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(work)
	snap := filepath.Join(work, store.SQLiteFileName)

	bar := newByteBar(io.err, "snapshot")
	size, err := store.SnapshotSQLite(ctx, src, snap, store.SnapshotOptions{Progress: bar.set})
	if err != nil {
		return err
	}
	bar.finish()
	info, err := store.InspectSQLite(ctx, snap)
	if err != nil {
		return err
	}
	if level != store.CheckNone {
		checkStart := time.Now()
		fmt.Fprintf(io.err, "checking the copy (%s check)\n", level)
		cbar := newByteBar(io.err, "check")
		if err := store.CheckSQLite(ctx, snap, level, cbar.set); err != nil {
			return err
		}
		cbar.finish()
		fmt.Fprintf(io.err, "%s check of the copy: ok (%s)\n", level, time.Since(checkStart).Round(100*time.Millisecond))
	}

	if kind == kindDatabase {
		if err := publish(snap, to); err != nil {
			return err
		}
		fmt.Fprintf(io.out, "backed up the database (%s, schema version %d) to %s in %s\n", humanBytes(size),
			info.SchemaVersion, to, time.Since(start).Round(100*time.Millisecond))
		fmt.Fprintf(io.out, "media files are not in this file: copy %s beside it, for example\n  rsync -a %s/ %s/\n"+
			"(or back up to a .tar.gz file, which holds both)\n", mediaDir, mediaDir, to+".media")
		return nil
	}

	files, mediaBytes, err := listMedia(mediaDir)
	if err != nil {
		return err
	}
	m := backupManifest{Format: backupFormat, Version: backupFormatVersion, CreatedAt: time.Now().UTC(),
		ParvisVersion: version, Engine: string(store.SQLite), SchemaVersion: info.SchemaVersion, Check: string(level)}
	m.Database.Name, m.Database.Bytes = archiveDBName, size
	m.Media.Files, m.Media.Bytes = len(files), mediaBytes

	tmp := filepath.Join(work, "archive")
	if err := writeArchive(ctx, tmp, kind, snap, mediaDir, files, &m, io); err != nil {
		return err
	}
	if err := publish(tmp, to); err != nil {
		return err
	}
	fmt.Fprintf(io.out, "backed up the database (%s, schema version %d) and %d media files (%s) to %s in %s\n",
		humanBytes(size), info.SchemaVersion, len(files), humanBytes(mediaBytes), to, time.Since(start).Round(100*time.Millisecond))
	return nil
}

// publish moves a finished file to its place, readable by its owner only:
// a backup holds password hashes, private keys and the instance secret.
func publish(tmp, to string) error {
	if err := os.Chmod(tmp, 0o600); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp, to); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// isWithin reports whether path lies inside dir.
func isWithin(dir, path string) (bool, error) {
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return false, err
	}
	absPath, err := filepath.Abs(path)
	if err != nil {
		return false, err
	}
	rel, err := filepath.Rel(absDir, absPath)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)), nil
}

// mediaFile is one file under the media directory.
type mediaFile struct {
	rel  string // slash-separated, relative to the media directory
	size int64
}

// listMedia lists the media directory's regular files. Names starting with
// a dot are the store's temporary files, never keys, and are left out; so
// are links, which the store never makes.
func listMedia(dir string) ([]mediaFile, int64, error) {
	var files []mediaFile
	var total int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == dir {
				return fs.SkipAll
			}
			return err
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		st, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		files = append(files, mediaFile{rel: filepath.ToSlash(rel), size: st.Size()})
		total += st.Size()
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("backup: list media: %w", err)
	}
	return files, total, nil
}

// writeArchive writes the tar (gzipped for kindTarGz) of the snapshot, the
// media files and the manifest to path, synced.
func writeArchive(ctx context.Context, path string, kind archiveKind, snap, mediaDir string, files []mediaFile,
	m *backupManifest, std stdio) error {
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer out.Close()
	buf := bufio.NewWriterSize(out, 1<<20)
	var w io.Writer = buf
	var gz *gzip.Writer
	if kind == kindTarGz {
		// The fastest level: database pages and images gain little from
		// more effort, and a backup should not take minutes of CPU.
		gz, _ = gzip.NewWriterLevel(buf, gzip.BestSpeed)
		w = gz
	}
	tw := tar.NewWriter(w)
	bar := newByteBar(std.err, "archive")
	bar.total(m.Database.Bytes + m.Media.Bytes)
	var done int64
	counted := func(r io.Reader) io.Reader {
		return readFunc(func(p []byte) (int, error) {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
			n, err := r.Read(p)
			done += int64(n)
			bar.set(done, 0)
			return n, err
		})
	}

	db, err := os.Open(snap)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer db.Close()
	sum := sha256.New()
	now := time.Now()
	if err := tw.WriteHeader(&tar.Header{Name: archiveDBName, Mode: 0o600, Size: m.Database.Bytes, ModTime: now}); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := io.Copy(tw, io.TeeReader(counted(db), sum)); err != nil {
		return fmt.Errorf("backup: write the database: %w", err)
	}
	m.Database.SHA256 = hex.EncodeToString(sum.Sum(nil))

	for _, f := range files {
		if err := addMediaFile(tw, mediaDir, f, counted); err != nil {
			return err
		}
	}
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := tw.WriteHeader(&tar.Header{Name: manifestName, Mode: 0o600, Size: int64(len(manifest)), ModTime: now}); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := tw.Write(manifest); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if gz != nil {
		if err := gz.Close(); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
	}
	if err := buf.Flush(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := out.Sync(); err != nil {
		return fmt.Errorf("backup: sync: %w", err)
	}
	bar.finish()
	return out.Close()
}

// addMediaFile copies one media file into the archive. A file deleted since
// it was listed (a post removed meanwhile) is left out: the snapshot, taken
// before, may still name it, as after any deletion whose files were not
// yet cleaned up.
func addMediaFile(tw *tar.Writer, dir string, f mediaFile, counted func(io.Reader) io.Reader) error {
	src, err := os.Open(filepath.Join(dir, filepath.FromSlash(f.rel)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	// Media files are written once and renamed into place, so the size
	// seen now is the file's size; a copy never reads a half-written one.
	if err := tw.WriteHeader(&tar.Header{Name: mediaPrefix + f.rel, Mode: 0o644, Size: st.Size(), ModTime: st.ModTime()}); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := io.CopyN(tw, counted(src), st.Size()); err != nil {
		return fmt.Errorf("backup: copy media %s: %w", f.rel, err)
	}
	return nil
}

type readFunc func([]byte) (int, error)

func (f readFunc) Read(p []byte) (int, error) { return f(p) }

// byteBar shows bytes on a progress bar, in mebibytes.
type byteBar struct {
	w     io.Writer
	label string
	bar   *progress.Bar
	shown int64 // MiB already added to bar
	max   int64 // total bytes, when known before the first report
	whole int64 // the bar's total in MiB
}

func newByteBar(w io.Writer, label string) *byteBar { return &byteBar{w: w, label: label} }

// total sets the total before the first report.
func (b *byteBar) total(n int64) { b.max = n }

// set reports done bytes of total (0: the total given to total, or unknown).
func (b *byteBar) set(done, total int64) {
	if b.bar == nil {
		if total == 0 {
			total = b.max
		}
		b.whole = (total + 1<<20 - 1) >> 20
		b.bar = progress.New(b.w, b.label, "MiB", b.whole)
	}
	if mb := done >> 20; mb > b.shown {
		b.bar.Add(mb - b.shown)
		b.shown = mb
	}
}

// finish completes the bar: the last partial mebibyte counts as done.
func (b *byteBar) finish() {
	if b.bar == nil {
		return
	}
	if b.whole > b.shown {
		b.bar.Add(b.whole - b.shown)
		b.shown = b.whole
	}
	b.bar.Done()
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

func runRestore(ctx context.Context, args []string, io stdio) error {
	var f dbFlags
	fs := newFlags("restore", io)
	fs.Usage = func() { fmt.Fprintln(io.err, restoreUsage); fs.PrintDefaults() }
	f.register(fs)
	from := fs.String("from", "", "the backup file to restore (required)")
	force := fs.Bool("force", false, "restore into a data directory (or PostgreSQL database) that is not empty; "+
		"on SQLite its database and media are first moved aside into a pre-restore-... directory")
	checkName := fs.String("check", "quick", "check of the restored SQLite database: quick, full or none")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *from == "" {
		fmt.Fprintln(io.err, "--from is required")
		fs.Usage()
		return errUsage
	}
	if f.database != "" {
		return restorePostgres(ctx, f.database, *from, *force, io)
	}
	level, err := store.ParseCheckLevel(*checkName)
	if err != nil {
		return err
	}
	return restoreSQLite(ctx, *from, f.data, *force, level, io)
}

// restoreSQLite restores a backup into a data directory and migrates it to
// this build's schema. On failure the directory is left as it was.
func restoreSQLite(ctx context.Context, from, dataDir string, force bool, level store.CheckLevel, io stdio) (err error) {
	start := time.Now()
	if strings.ContainsAny(dataDir, "?#") {
		// store.Open passes the path in a SQLite URI, where these start
		// the query and the fragment: the server could not open it.
		return model.Errorf(model.EINVALID, "the data directory's path contains '?' or '#', which parvis cannot open; choose another")
	}
	in, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer in.Close()
	kind, err := sniffBackup(in)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return fmt.Errorf("restore: create data directory: %w", err)
	}
	aside, err := clearDataDir(dataDir, force)
	if err != nil {
		return err
	}
	dbPath := filepath.Join(dataDir, store.SQLiteFileName)
	incoming := filepath.Join(dataDir, ".parvis.db.restoring")
	mediaDir := filepath.Join(dataDir, "media")
	defer func() {
		if err == nil {
			return
		}
		os.Remove(incoming)
		os.RemoveAll(mediaDir)
		if aside != "" {
			undoMoveAside(dataDir, aside)
			fmt.Fprintf(io.err, "the restore failed: the data directory's previous content is back in place\n")
		}
	}()

	var m *backupManifest
	if kind == kindDatabase {
		err = copyDatabase(ctx, in, incoming, io)
	} else {
		m, err = extractArchive(ctx, in, kind, incoming, mediaDir, io)
	}
	if err != nil {
		return err
	}
	info, err := store.InspectSQLite(ctx, incoming)
	if err != nil {
		return err
	}
	latest, err := store.LatestSchemaVersion(store.SQLite)
	if err != nil {
		return err
	}
	if info.SchemaVersion > latest {
		return model.Errorf(model.EINVALID, "the backup is at schema version %d, newer than this parvis knows (%d): "+
			"restore it with the version of parvis that wrote it, or a newer one", info.SchemaVersion, latest)
	}
	if level != store.CheckNone {
		fmt.Fprintf(io.err, "checking the restored database (%s check)\n", level)
		cbar := newByteBar(io.err, "check")
		if err := store.CheckSQLite(ctx, incoming, level, cbar.set); err != nil {
			return err
		}
		cbar.finish()
	}
	if err := os.Rename(incoming, dbPath); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	// Open and migrate as the server would: the restored schema moves
	// forward to this build's, and the job queue's tables with it.
	db, err := (&dbFlags{data: dataDir}).open(ctx, quietLogger())
	if err != nil {
		os.Rename(dbPath, incoming)
		return fmt.Errorf("restore: migrate the restored database: %w", err)
	}
	now, err := db.SchemaVersion(ctx)
	db.Close()
	if err != nil {
		return err
	}
	what := "the database"
	if m != nil {
		what = fmt.Sprintf("the database and %d media files (backup of %s, parvis %s)", m.Media.Files,
			m.CreatedAt.Format(time.RFC3339), m.ParvisVersion)
	}
	fmt.Fprintf(io.out, "restored %s into %s in %s; schema version %d", what, dataDir,
		time.Since(start).Round(100*time.Millisecond), info.SchemaVersion)
	if now != info.SchemaVersion {
		fmt.Fprintf(io.out, ", migrated to %d", now)
	}
	fmt.Fprintln(io.out)
	if aside != "" {
		fmt.Fprintf(io.out, "the previous database and media are in %s; delete it once the restore is verified\n", aside)
	}
	if kind == kindDatabase {
		fmt.Fprintf(io.out, "this backup holds no media: copy the media files saved beside it into %s\n", mediaDir)
	}
	return nil
}

// sniffBackup tells what a backup file is from its first bytes, and leaves
// r at its start.
func sniffBackup(r io.ReadSeeker) (archiveKind, error) {
	head := make([]byte, 512)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return 0, fmt.Errorf("restore: %w", err)
	}
	head = head[:n]
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return 0, fmt.Errorf("restore: %w", err)
	}
	switch {
	case strings.HasPrefix(string(head), "SQLite format 3\x00"):
		return kindDatabase, nil
	case len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b:
		return kindTarGz, nil
	case len(head) >= 262 && string(head[257:262]) == "ustar":
		return kindTar, nil
	case strings.HasPrefix(string(head), "PGDMP"):
		return 0, model.Errorf(model.EINVALID, "this is a PostgreSQL dump: restore it with --database postgres://...")
	}
	return 0, model.Errorf(model.EINVALID, "this file is not a Parvis backup (neither a backup archive nor a SQLite database)")
}

// dataFiles are what a restore replaces in a data directory.
var dataFiles = [...]string{store.SQLiteFileName, store.SQLiteFileName + "-wal", store.SQLiteFileName + "-shm",
	store.SQLiteFileName + "-journal", "media"}

// clearDataDir makes sure the data directory holds no database and no
// media. A directory that does is refused, unless force, in which case
// they are moved into a new pre-restore-TIME directory inside it, whose
// path is returned.
func clearDataDir(dir string, force bool) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("restore: %w", err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) == 0 {
		return "", nil
	}
	if !force {
		if len(names) > 5 {
			names = append(names[:5], "…")
		}
		return "", model.Errorf(model.ECONFLICT, "%s is not empty (%s): restore into an empty directory, "+
			"or pass --force to move its database and media aside first (stop the server before)", dir, strings.Join(names, ", "))
	}
	aside := filepath.Join(dir, "pre-restore-"+time.Now().Format("20060102-150405"))
	if err := os.Mkdir(aside, 0o750); err != nil {
		return "", fmt.Errorf("restore: %w", err)
	}
	for _, name := range dataFiles {
		err := os.Rename(filepath.Join(dir, name), filepath.Join(aside, name))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			undoMoveAside(dir, aside)
			return "", fmt.Errorf("restore: move %s aside: %w", name, err)
		}
	}
	return aside, nil
}

// undoMoveAside puts back what clearDataDir moved.
func undoMoveAside(dir, aside string) {
	for _, name := range dataFiles {
		os.Rename(filepath.Join(aside, name), filepath.Join(dir, name))
	}
	os.Remove(aside)
}

// copyDatabase copies a bare database backup to dest.
func copyDatabase(ctx context.Context, in *os.File, dest string, std stdio) error {
	st, err := in.Stat()
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	out, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer out.Close()
	bar := newByteBar(std.err, "restore")
	bar.total(st.Size())
	var done int64
	r := readFunc(func(p []byte) (int, error) {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		n, err := in.Read(p)
		done += int64(n)
		bar.set(done, 0)
		return n, err
	})
	if _, err := io.Copy(out, r); err != nil {
		return fmt.Errorf("restore: copy the database: %w", err)
	}
	if err := out.Sync(); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	bar.finish()
	return out.Close()
}

// maxManifestBytes bounds backup.json, which is a few hundred bytes.
const maxManifestBytes = 1 << 20

// extractArchive reads a backup archive: the database to dbDest, the media
// files under mediaDir, and the manifest, which must come last and match
// what came before it. Anything else in the archive is refused, and no
// name can reach outside mediaDir.
func extractArchive(ctx context.Context, in *os.File, kind archiveKind, dbDest, mediaDir string, std stdio) (*backupManifest, error) {
	st, err := in.Stat()
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	bar := newByteBar(std.err, "restore")
	bar.total(st.Size())
	var read int64
	var r io.Reader = readFunc(func(p []byte) (int, error) {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		n, err := in.Read(p)
		read += int64(n)
		bar.set(read, 0)
		return n, err
	})
	r = bufio.NewReaderSize(r, 1<<20)
	if kind == kindTarGz {
		gz, err := gzip.NewReader(r)
		if err != nil {
			return nil, model.Errorf(model.EINVALID, "the backup is not a valid gzip file: %v", err)
		}
		defer gz.Close()
		r = gz
	}
	if err := os.MkdirAll(mediaDir, 0o755); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	root, err := os.OpenRoot(mediaDir)
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	defer root.Close()

	tr := tar.NewReader(r)
	var (
		m          *backupManifest
		dbSum      string
		dbBytes    int64
		mediaFiles int
		mediaBytes int64
	)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, model.Errorf(model.EINVALID, "the backup archive is damaged or truncated: %v", err)
		}
		if m != nil {
			return nil, model.Errorf(model.EINVALID, "the backup archive has %q after its manifest", hdr.Name)
		}
		name := hdr.Name
		switch {
		case hdr.Typeflag == tar.TypeDir && (name == "media/" || strings.HasPrefix(name, mediaPrefix)):
			continue
		case hdr.Typeflag != tar.TypeReg:
			return nil, model.Errorf(model.EINVALID, "the backup archive holds %q, which is not a regular file", name)
		case name == archiveDBName:
			if dbSum != "" {
				return nil, model.Errorf(model.EINVALID, "the backup archive holds two databases")
			}
			dbSum, dbBytes, err = writeFile(dbDest, tr)
			if err != nil {
				return nil, err
			}
		case strings.HasPrefix(name, mediaPrefix):
			key := strings.TrimPrefix(name, mediaPrefix)
			if err := media.ValidateKey(key); err != nil {
				return nil, model.Errorf(model.EINVALID, "the backup archive holds an unsafe media name %q", name)
			}
			if err := extractMedia(root, key, tr); err != nil {
				return nil, err
			}
			mediaFiles++
			mediaBytes += hdr.Size
		case name == manifestName:
			m = &backupManifest{}
			b, err := io.ReadAll(io.LimitReader(tr, maxManifestBytes))
			if err != nil {
				return nil, model.Errorf(model.EINVALID, "the backup archive is damaged: %v", err)
			}
			if err := json.Unmarshal(b, m); err != nil || m.Format != backupFormat {
				return nil, model.Errorf(model.EINVALID, "the backup's manifest is not a Parvis backup manifest")
			}
		default:
			return nil, model.Errorf(model.EINVALID, "the backup archive holds %q, which has no place in a Parvis backup", name)
		}
	}
	switch {
	case m == nil:
		return nil, model.Errorf(model.EINVALID, "the backup archive ends before its manifest: it is truncated")
	case m.Version > backupFormatVersion:
		return nil, model.Errorf(model.EINVALID, "the backup is in format version %d, newer than this parvis reads (%d)",
			m.Version, backupFormatVersion)
	case dbSum == "":
		return nil, model.Errorf(model.EINVALID, "the backup archive holds no database")
	case dbSum != m.Database.SHA256 || dbBytes != m.Database.Bytes:
		return nil, model.Errorf(model.EINVALID, "the database in the backup does not match its checksum: the archive is damaged")
	case mediaFiles > m.Media.Files:
		return nil, model.Errorf(model.EINVALID, "the backup holds %d media files, more than its manifest lists (%d)",
			mediaFiles, m.Media.Files)
	}
	if mediaFiles < m.Media.Files {
		// Files deleted between the listing and their copy are left out
		// on purpose (see addMediaFile).
		fmt.Fprintf(std.err, "note: %d media files listed in the manifest were deleted while the backup ran\n",
			m.Media.Files-mediaFiles)
	}
	bar.finish()
	return m, nil
}

// writeFile copies r to a new file at path, synced, and returns its SHA-256
// and size.
func writeFile(path string, r io.Reader) (string, int64, error) {
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return "", 0, fmt.Errorf("restore: %w", err)
	}
	defer out.Close()
	sum := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, sum), r)
	if err != nil {
		return "", 0, model.Errorf(model.EINVALID, "the backup archive is damaged or truncated: %v", err)
	}
	if err := out.Sync(); err != nil {
		return "", 0, fmt.Errorf("restore: %w", err)
	}
	return hex.EncodeToString(sum.Sum(nil)), n, out.Close()
}

// extractMedia writes one media file through root, which no name can
// leave.
func extractMedia(root *os.Root, key string, r io.Reader) error {
	if dir := path.Dir(key); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
	}
	f, err := root.OpenFile(key, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return model.Errorf(model.EINVALID, "the backup archive holds media/%s twice", key)
	}
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	if _, err := io.Copy(f, r); err != nil {
		return model.Errorf(model.EINVALID, "the backup archive is damaged or truncated: %v", err)
	}
	return f.Close()
}

// pgCommand is a pg_dump or pg_restore invocation: its arguments, and the
// environment that carries the password, kept out of the command line
// (where any user of the machine could read it).
type pgCommand struct {
	name     string
	args     []string
	password string
}

// pgConnection turns a Parvis PostgreSQL URL into what libpq tools take:
// a URL without password, the password, and the schema to limit the dump
// to. pgx reads search_path and pool_ settings from the URL; libpq refuses
// them, so they are taken out.
func pgConnection(raw string) (conn, password, schema string, err error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", "", "", model.Errorf(model.EINVALID, "bad PostgreSQL URL (want postgres://...)")
	}
	if u.User != nil {
		password, _ = u.User.Password()
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	if sp := q.Get("search_path"); sp != "" {
		schema = strings.TrimSpace(strings.Split(sp, ",")[0])
	}
	for k := range q {
		switch {
		case k == "search_path", strings.HasPrefix(k, "pool_"), k == "statement_cache_capacity",
			k == "description_cache_capacity", k == "default_query_exec_mode":
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return u.String(), password, schema, nil
}

// String shows the command as a user would type it, with the password
// left out.
func (c pgCommand) String() string {
	quoted := make([]string, 0, len(c.args)+1)
	quoted = append(quoted, c.name)
	for _, a := range c.args {
		if strings.ContainsAny(a, " '\"&?;$|<>()*") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		quoted = append(quoted, a)
	}
	s := strings.Join(quoted, " ")
	if c.password != "" {
		s = "PGPASSWORD=... " + s
	}
	return s
}

// run runs the command, its output on io.err.
func (c pgCommand) run(ctx context.Context, io stdio) error {
	cmd := exec.CommandContext(ctx, c.name, c.args...)
	cmd.Stdout, cmd.Stderr = io.err, io.err
	cmd.Env = os.Environ()
	if c.password != "" {
		cmd.Env = append(cmd.Env, "PGPASSWORD="+c.password)
	}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s failed: %w", c.name, err)
	}
	return nil
}

// backupPostgres runs pg_dump in its custom format, which pg_restore reads
// table by table and in parallel. Without pg_dump on the PATH, it prints
// the command to run where the PostgreSQL client tools are.
func backupPostgres(ctx context.Context, rawURL, dataDir, to string, io stdio) error {
	conn, password, schema, err := pgConnection(rawURL)
	if err != nil {
		return err
	}
	dumpTo := func(file string) pgCommand {
		args := []string{"--format=custom", "--file=" + file}
		if schema != "" {
			args = append(args, "--schema="+schema)
		}
		return pgCommand{name: "pg_dump", args: append(args, "--dbname="+conn), password: password}
	}
	dump := dumpTo(to)
	mediaDir := filepath.Join(dataDir, "media")
	restore := pgCommand{name: "pg_restore", args: []string{"--no-owner", "--no-privileges", "--exit-on-error",
		"--dbname=postgres://USER@HOST/NEW_DATABASE", to}}
	if _, err := exec.LookPath("pg_dump"); err != nil {
		fmt.Fprintf(io.err, "On PostgreSQL, back up with pg_dump (PostgreSQL client tools, the server's major version or newer):\n  %s\n"+
			"and copy the media directory of every node (%s), for example with rsync.\n", dump, mediaDir)
		return model.Errorf(model.ENOTFOUND, "pg_dump is not on the PATH: install the PostgreSQL client tools, or run the command above where they are")
	}
	start := time.Now()
	fmt.Fprintf(io.err, "running: %s\n", dump)
	tmp := to + ".partial"
	stop := watchSize(ctx, tmp, newByteBar(io.err, "pg_dump"))
	err = dumpTo(tmp).run(ctx, io)
	stop()
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if err := publish(tmp, to); err != nil {
		return err
	}
	st, err := os.Stat(to)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(io.out, "backed up the PostgreSQL database to %s (%s, pg_dump custom format) in %s\n", to,
		humanBytes(st.Size()), time.Since(start).Round(100*time.Millisecond))
	fmt.Fprintf(io.out, "media files are not in this file: copy %s too, for example\n  rsync -a %s/ %s/\n",
		mediaDir, mediaDir, to+".media")
	fmt.Fprintf(io.out, "to restore: parvis restore --from %s --database postgres://... (or: %s)\n", to, restore)
	return nil
}

// watchSize reports a growing file's size on a bar until stopped.
func watchSize(ctx context.Context, path string, bar *byteBar) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if st, err := os.Stat(path); err == nil {
					bar.set(st.Size(), 0)
				}
			}
		}
	}()
	return func() {
		cancel()
		<-done
		bar.finish()
	}
}

// restorePostgres runs pg_restore into a database that holds no Parvis
// schema yet (or, with force, replaces the one it holds), then migrates.
func restorePostgres(ctx context.Context, rawURL, from string, force bool, io stdio) error {
	conn, password, _, err := pgConnection(rawURL)
	if err != nil {
		return err
	}
	if _, err := os.Stat(from); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	args := []string{"--no-owner", "--no-privileges", "--exit-on-error"}
	if force {
		args = append(args, "--clean", "--if-exists")
	}
	args = append(args, "--dbname="+conn, from)
	cmd := pgCommand{name: "pg_restore", args: args, password: password}
	if _, err := exec.LookPath("pg_restore"); err != nil {
		fmt.Fprintf(io.err, "On PostgreSQL, restore with pg_restore into an empty database, then migrate:\n  %s\n  parvis migrate --database ...\n", cmd)
		return model.Errorf(model.ENOTFOUND, "pg_restore is not on the PATH: install the PostgreSQL client tools, or run the commands above where they are")
	}
	db, err := store.Open(ctx, store.Config{URL: rawURL, Logger: quietLogger()})
	if err != nil {
		return err
	}
	var exists bool
	err = db.SQL().QueryRowContext(ctx, "SELECT to_regclass('schema_migrations') IS NOT NULL").Scan(&exists)
	db.Close()
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if exists && !force {
		return model.Errorf(model.ECONFLICT, "the database already holds a Parvis schema: restore into an empty database, "+
			"or pass --force to drop and replace what the backup holds (stop every server first)")
	}
	start := time.Now()
	fmt.Fprintf(io.err, "running: %s\n", cmd)
	if err := cmd.run(ctx, io); err != nil {
		return err
	}
	db, err = (&dbFlags{database: rawURL}).open(ctx, quietLogger())
	if err != nil {
		return fmt.Errorf("restore: migrate the restored database: %w", err)
	}
	defer db.Close()
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(io.out, "restored %s into PostgreSQL in %s; schema version %d\n", from,
		time.Since(start).Round(100*time.Millisecond), v)
	fmt.Fprintln(io.out, "copy the media files saved with the backup into the media directory of every node")
	return nil
}
