package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"reflect"

	"modernc.org/sqlite"
)

// SQLite spends about a third of a timeline request parsing SQL: the
// driver prepares every statement afresh. stmtCacheConnector wraps the
// driver's connector so that each connection keeps its prepared statements
// by query text and reuses them; queries with id lists keep a bounded
// number of texts because inList pads the lists to powers of two.
// (PostgreSQL needs none of this: pgx caches prepared statements itself.)

// stmtCacheSize bounds the statements one connection keeps.
const stmtCacheSize = 512

type stmtCacheConnector struct {
	driver.Connector
	// rows is the row cache the writer's changes invalidate (rowcache.go);
	// nil on the read pools.
	rows *rowCache
}

func (c stmtCacheConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	inner, ok := conn.(sqliteConn)
	if !ok {
		return conn, nil // a driver without the optional interfaces: no cache
	}
	cc := &cachingConn{sqliteConn: inner, stmts: map[string]*cachedStmt{}}
	if c.rows != nil {
		h, ok := conn.(sqlite.HookRegisterer)
		if !ok {
			_ = conn.Close()
			return nil, errors.New("the SQLite driver offers no pre-update hook")
		}
		h.RegisterPreUpdateHook(c.rows.record)
		cc.rows = c.rows
		// A new connection cannot know what changed before it: start empty.
		c.rows.emptyAll()
		cc.checkExternal(ctx)
	}
	return cc, nil
}

// sqliteConn is what every connection of the SQLite driver implements.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// cachedStmt is one prepared statement; busy while rows read from it.
type cachedStmt struct {
	stmt interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	}
	busy bool
}

// cachingConn is a connection with its statement cache. database/sql uses
// a connection from one goroutine at a time, so the cache needs no lock.
type cachingConn struct {
	sqliteConn
	stmts map[string]*cachedStmt
	// On the writer: the row cache, whether a transaction is open, and the
	// last PRAGMA data_version read (it changes when another process
	// commits).
	rows        *rowCache
	inTx        bool
	dataVersion int64
}

// BeginTx opens a transaction; on the writer, its end invalidates what it
// changed in the row cache.
func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	t, err := c.sqliteConn.BeginTx(ctx, opts)
	if err != nil || c.rows == nil {
		return t, err
	}
	c.inTx = true
	return &endingTx{Tx: t, c: c}, nil
}

// endingTx tells its connection when it has ended.
type endingTx struct {
	driver.Tx
	c *cachingConn
}

func (t *endingTx) Commit() error {
	err := t.Tx.Commit()
	t.c.ended(err == nil)
	return err
}

func (t *endingTx) Rollback() error {
	err := t.Tx.Rollback()
	t.c.ended(false)
	return err
}

// ended runs once a write has become visible (or was given up): the row
// cache drops what changed.
func (c *cachingConn) ended(committed bool) {
	c.inTx = false
	c.rows.applyPending(committed)
}

// checkExternal empties the row cache when another connection (another
// process: this one writes only here) committed since the last look.
func (c *cachingConn) checkExternal(ctx context.Context) {
	v := int64(-1)
	if s := c.stmt(ctx, "PRAGMA data_version"); s != nil && !s.busy {
		if rows, err := s.stmt.QueryContext(ctx, nil); err == nil {
			dest := make([]driver.Value, 1)
			if rows.Next(dest) == nil {
				if n, ok := dest[0].(int64); ok {
					v = n
				}
			}
			_ = rows.Close()
		}
	}
	if v != c.dataVersion || v < 0 {
		c.rows.emptyAll()
	}
	c.dataVersion = v
}

// Unwrap returns the driver's connection (for its backup API).
func (c *cachingConn) Unwrap() driver.Conn { return c.sqliteConn }

// stmt returns the cached statement for query, preparing it on first use;
// nil when it cannot be prepared (the uncached path then reports the error).
func (c *cachingConn) stmt(ctx context.Context, query string) *cachedStmt {
	if s, ok := c.stmts[query]; ok {
		return s
	}
	ds, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	st, ok := ds.(interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	})
	if !ok {
		_ = ds.Close()
		return nil
	}
	if len(c.stmts) >= stmtCacheSize {
		for q, s := range c.stmts { // evict one idle statement
			if !s.busy {
				_ = s.stmt.Close()
				delete(c.stmts, q)
				break
			}
		}
	}
	s := &cachedStmt{stmt: st}
	c.stmts[query] = s
	return s
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if c.rows != nil && !c.inTx {
		// A statement outside a transaction commits itself (its keys are
		// dropped, not read again).
		defer c.ended(false)
	}
	if s := c.stmt(ctx, query); s != nil && !s.busy {
		return s.stmt.ExecContext(ctx, args)
	}
	return c.sqliteConn.ExecContext(ctx, query, args)
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := c.query(ctx, query, args)
	if err != nil || c.rows == nil || c.inTx {
		return rows, err
	}
	// A statement outside a transaction (INSERT ... RETURNING) commits
	// itself once read.
	return &endingRows{cachedRows: cachedRows{Rows: rows}, c: c}, nil
}

func (c *cachingConn) query(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s := c.stmt(ctx, query)
	if s == nil || s.busy { // not cacheable, or already reading (a nested query)
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	rows, err := s.stmt.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	s.busy = true
	return &cachedRows{Rows: rows, s: s}, nil
}

// endingRows ends an autocommitted statement of the writer when closed.
type endingRows struct {
	cachedRows
	c *cachingConn
}

func (r *endingRows) Close() error {
	err := r.Rows.Close()
	r.c.ended(false)
	return err
}

func (c *cachingConn) Close() error {
	var errs []error
	for q, s := range c.stmts {
		errs = append(errs, s.stmt.Close())
		delete(c.stmts, q)
	}
	errs = append(errs, c.sqliteConn.Close())
	return errors.Join(errs...)
}

// cachedRows frees its statement for the next query when closed, and
// passes on the column type information of the driver's rows.
type cachedRows struct {
	driver.Rows
	s *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	if r.s != nil {
		r.s.busy = false
	}
	return err
}

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *cachedRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}
