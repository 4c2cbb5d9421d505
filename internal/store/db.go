// Package store keeps Parvis's data in SQLite or PostgreSQL with hand-written
// SQL: one schema, embedded migrations, a file per entity. Reads go through
// DB.Read; every change runs in one transaction through DB.Tx, so a use case
// is written whole or not at all.
package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite" // the pure-Go SQLite driver

	"parvis/internal/model"
)

// Engine names the database behind a DB.
type Engine string

// The two supported engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Config says which database to open.
type Config struct {
	// URL is a postgres:// (or postgresql://) URL, or "" for SQLite.
	URL string
	// DataDir holds the SQLite file (parvis.db) when URL is "".
	DataDir string
	// SQLitePath overrides the SQLite file's path (tests use a temp file).
	SQLitePath string
	// Clock gives the time to stamp rows; nil means the system clock.
	Clock model.Clock
	// Logger receives slow-start and migration messages; nil discards them.
	Logger *slog.Logger
}

// DB is an open database.
type DB struct {
	engine Engine
	// write runs every transaction. On SQLite it has one connection, because
	// SQLite has one writer at a time: queueing in Go is cheaper and fairer
	// than SQLITE_BUSY retries.
	write *sql.DB
	// read serves reads outside transactions: several connections, which WAL
	// lets run beside the writer. On PostgreSQL it is the same pool as write.
	read  *sql.DB
	pool  *pgxpool.Pool // PostgreSQL only: for COPY and LISTEN
	path  string        // SQLite file
	ids   *model.IDGen
	node  int64 // claimed by Migrate
	clock model.Clock
	log   *slog.Logger
	gate  *writeGate // requests before background work (writegate.go)
	// checkpoints copies the WAL into the database beside the writer
	// (SQLite).
	checkpoints *checkpointer
	// rows keeps the rows every page reads again (SQLite; rowcache.go).
	rows *rowCache
	// batches lets requests share write transactions (SQLite; batch.go).
	batches *batcher
}

// Open opens (creating if needed) the database described by cfg. It does not
// migrate: call Migrate.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	db := &DB{ids: model.NewIDGen(), clock: cfg.Clock, log: cfg.Logger}
	if db.clock == nil {
		db.clock = model.SystemClock{}
	}
	if db.log == nil {
		db.log = slog.New(slog.DiscardHandler)
	}
	if strings.HasPrefix(cfg.URL, "postgres://") || strings.HasPrefix(cfg.URL, "postgresql://") {
		return db, db.openPostgres(ctx, cfg.URL)
	}
	if cfg.URL != "" {
		return nil, model.Errorf(model.EINVALID, "unsupported database URL (want postgres://... or nothing for SQLite)")
	}
	path := cfg.SQLitePath
	if path == "" {
		dir := cfg.DataDir
		if dir == "" {
			dir = "parvis-data"
		}
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
		path = filepath.Join(dir, "parvis.db")
	}
	return db, db.openSQLite(ctx, path)
}

func (db *DB) openSQLite(ctx context.Context, path string) error {
	db.engine = SQLite
	db.path = path
	// synchronous=NORMAL is durable across process crashes in WAL mode (only
	// an OS crash or power loss can lose the last transactions).
	common := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-32000)&_pragma=temp_store(MEMORY)"
	// SQLite URI filenames are percent-decoded: escape what would end the
	// path early.
	uri := "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	// The writer never checkpoints (wal_autocheckpoint(0)): the commit that
	// crossed the threshold used to copy the WAL into the database and sync
	// it, so one request in a thousand waited tens of milliseconds. The
	// checkpointer's own connection does it instead (checkpoint.go).
	db.rows = newRowCache()
	db.batches = &batcher{}
	// journal_size_limit: a WAL restarted (checkpoint.go) is cut back to
	// its bound if it had grown past it.
	w, err := openCachedWriter(uri+"?"+common+"&_txlock=immediate&_pragma=wal_autocheckpoint(0)&_pragma=journal_size_limit(67108864)", db.rows)
	if err != nil {
		return fmt.Errorf("open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return fmt.Errorf("open sqlite %s: %w", path, err)
	}
	r, err := openCached(uri + "?" + common + "&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return fmt.Errorf("open sqlite: %w", err)
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(0)
	r.SetConnMaxLifetime(0)
	db.write, db.read = w, r
	db.gate = newWriteGate()
	ck, err := openCached(uri + "?" + common)
	if err != nil {
		w.Close()
		r.Close()
		return fmt.Errorf("open sqlite: %w", err)
	}
	db.checkpoints = startCheckpointer(ck, db.log, checkpointEvery, db.checkExternalWrites)
	return nil
}

// openCached opens a SQLite pool whose connections keep their prepared
// statements (see stmtcache.go).
func openCached(dsn string) (*sql.DB, error) { return openCachedWriter(dsn, nil) }

// openCachedWriter opens the writer's pool: its changes invalidate rows.
func openCachedWriter(dsn string, rows *rowCache) (*sql.DB, error) {
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(stmtCacheConnector{Connector: c, rows: rows}), nil
}

// checkExternalWrites empties the row cache if another process wrote the
// SQLite file since the writer last looked (the checkpointer asks every
// second).
func (db *DB) checkExternalWrites(ctx context.Context) error {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		if c, ok := dc.(*cachingConn); ok && c.rows != nil {
			c.checkExternal(ctx)
		}
		return nil
	})
}

func (db *DB) openPostgres(ctx context.Context, url string) error {
	db.engine = Postgres
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return model.Errorf(model.EINVALID, "bad PostgreSQL URL: %v", err)
	}
	if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	cfg.AfterConnect = exactJSON
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("open postgres: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return fmt.Errorf("connect to postgres: %w", err)
	}
	db.pool = pool
	db.write = stdlib.OpenDBFromPool(pool)
	db.read = db.write
	db.gate = newWriteGate()
	return nil
}

// exactJSON makes pgx decode JSON numbers as json.Number instead of
// float64. The job queue's arguments pass through a JSON decode into
// interface values on their way in, and ids are 64-bit: as float64 they
// would lose their last digits (117687623973381289 became
// 117687623973381300), and a job would name another row.
func exactJSON(_ context.Context, c *pgx.Conn) error {
	unmarshal := func(data []byte, v any) error {
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		return d.Decode(v)
	}
	jsonb := &pgtype.Type{Name: "jsonb", OID: pgtype.JSONBOID, Codec: &pgtype.JSONBCodec{Marshal: json.Marshal, Unmarshal: unmarshal}}
	c.TypeMap().RegisterType(jsonb)
	c.TypeMap().RegisterType(&pgtype.Type{Name: "_jsonb", OID: pgtype.JSONBArrayOID, Codec: &pgtype.ArrayCodec{ElementType: jsonb}})
	jsonT := &pgtype.Type{Name: "json", OID: pgtype.JSONOID, Codec: &pgtype.JSONCodec{Marshal: json.Marshal, Unmarshal: unmarshal}}
	c.TypeMap().RegisterType(jsonT)
	return nil
}

// Close closes every connection.
func (db *DB) Close() error {
	var errs []error
	if db.checkpoints != nil {
		errs = append(errs, db.checkpoints.stop())
	}
	if db.read != nil && db.read != db.write {
		errs = append(errs, db.read.Close())
	}
	if db.write != nil {
		errs = append(errs, db.write.Close())
	}
	if db.pool != nil {
		db.pool.Close()
	}
	return errors.Join(errs...)
}

// Engine says which database this is.
func (db *DB) Engine() Engine { return db.engine }

// SQL returns the pool that transactions use, for the job queue, which
// must insert its jobs in the same transactions as the data they concern.
func (db *DB) SQL() *sql.DB { return db.write }

// ReadSQL returns the read pool (the same as SQL on PostgreSQL).
func (db *DB) ReadSQL() *sql.DB { return db.read }

// Pool returns the PostgreSQL pool, or nil on SQLite.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Path returns the SQLite file's path ("" on PostgreSQL).
func (db *DB) Path() string { return db.path }

// Now returns the store's clock reading.
func (db *DB) Now() time.Time { return db.clock.Now() }

// Clock returns the store's clock.
func (db *DB) Clock() model.Clock { return db.clock }

// NewID returns a fresh time-sortable id for a row created at t.
func (db *DB) NewID(t time.Time) int64 { return db.ids.New(t) }

// Ping checks that the database answers, for /healthz.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Q runs read queries, either on the read pool or inside a transaction.
type Q struct {
	q  querier
	db *DB
	// rc is the row cache (SQLite, reads outside write transactions) and
	// start the generation this reader began at (rowcache.go).
	rc    *rowCache
	start uint64
}

// Read returns a Q on the read pool.
func (db *DB) Read() Q { return Q{q: db.read, db: db, rc: db.rows, start: db.rows.begin()} }

// Snapshot runs fn with reads that share one view of the database. On
// SQLite that is one read transaction on the read pool, so the dozen
// queries of a timeline page take the WAL read lock once instead of a dozen
// times; on PostgreSQL fn reads from the pool as Read does.
func (db *DB) Snapshot(ctx context.Context, fn func(q Q) error) error {
	if db.engine != SQLite {
		return fn(db.Read())
	}
	start := db.rows.begin() // before the snapshot is taken
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer tx.Rollback() // a read transaction has nothing to commit
	return fn(Q{q: tx, db: db, rc: db.rows, start: start})
}

// Tx is a write transaction. It offers every read of Q plus the writes.
type Tx struct {
	Q
	tx          *sql.Tx
	afterCommit []func()
	gathered    []gathered
}

// A Gather collects ids from the changes sharing a transaction (one
// request's, or a batch of requests', see batch.go) and writes them once,
// just before the commit: a batch of new posts queues one fan-out job
// naming them all, not a job each (River's insert, fetch and completion
// of a job cost as much of the one writer as the post itself). The ids of
// a request whose change was undone are not written.
type Gather struct {
	// Flush writes ids in tx; an error rolls the transaction back.
	Flush func(ctx context.Context, tx *Tx, ids []int64) error
}

type gathered struct {
	g   *Gather
	ids []int64
}

// Gather adds id to what g writes before this transaction commits.
func (tx *Tx) Gather(g *Gather, id int64) {
	tx.gathered = addGathered(tx.gathered, g, id)
}

func addGathered(all []gathered, g *Gather, ids ...int64) []gathered {
	for i := range all {
		if all[i].g == g {
			all[i].ids = append(all[i].ids, ids...)
			return all
		}
	}
	return append(all, gathered{g: g, ids: ids})
}

// flushGathered writes what the transaction's changes gathered.
func flushGathered(ctx context.Context, tx *Tx, all []gathered) error {
	for _, e := range all {
		if err := e.g.Flush(ctx, tx, e.ids); err != nil {
			return err
		}
	}
	return nil
}

// SQL returns the underlying transaction, so that jobs can be queued in it.
func (tx *Tx) SQL() *sql.Tx { return tx.tx }

// AfterCommit registers fn to run once the transaction has committed (to
// publish live events only for changes that really happened).
func (tx *Tx) AfterCommit(fn func()) { tx.afterCommit = append(tx.afterCommit, fn) }

// Tx runs fn in one write transaction: committed when fn returns nil, rolled
// back otherwise (and on panic).
func (db *DB) Tx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	tx, err := db.run(ctx, fn)
	if err != nil {
		return err
	}
	for _, f := range tx.afterCommit {
		f()
	}
	return nil
}

// run runs fn in a transaction, holding the write gate (SQLite) from
// before the begin until after the commit or rollback.
func (db *DB) run(ctx context.Context, fn func(tx *Tx) error) (*Tx, error) {
	if db.gate != nil {
		leave, err := db.gate.enter(ctx)
		if err != nil {
			return nil, fmt.Errorf("begin transaction: %w", err)
		}
		defer leave()
	}
	if db.batches != nil && !IsBackground(ctx) {
		return db.batches.run(ctx, db, fn)
	}
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin transaction: %w", err)
	}
	tx := &Tx{Q: Q{q: sqlTx, db: db}, tx: sqlTx}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return nil, err
	}
	if err := flushGathered(ctx, tx, tx.gathered); err != nil {
		_ = sqlTx.Rollback()
		return nil, err
	}
	if err := sqlTx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	db.refreshRows(ctx)
	return tx, nil
}

// refreshRows reads again, on the writer connection, the cached rows the
// last commits changed that readers want next (rowCache.refresh).
func (db *DB) refreshRows(ctx context.Context) {
	if db.rows != nil {
		db.rows.refresh(context.WithoutCancel(ctx), Q{q: db.write, db: db, rc: db.rows, start: db.rows.begin()})
	}
}

// ms converts a time to the stored form: Unix milliseconds, 0 for the zero
// time. Every time column holds Unix milliseconds (UTC), the same on both
// engines, so range queries and roll-ups are plain integer arithmetic.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMS converts a stored time back; 0 is the zero time.
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// notFound turns sql.ErrNoRows into an ENOTFOUND error naming the thing.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return model.Errorf(model.ENOTFOUND, "%s not found", what)
	}
	return fmt.Errorf("load %s: %w", what, err)
}
