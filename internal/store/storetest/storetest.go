// Package storetest gives each test a fresh, migrated database: a SQLite file
// in the test's temporary directory, or, when PARVIS_TEST_DATABASE_URL is
// set, a fresh schema in that PostgreSQL database, dropped at the end. The
// same tests thus run on both engines.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx" for the schema set-up

	"parvis/internal/model"
	"parvis/internal/store"
)

// EnvURL names the variable that switches tests to PostgreSQL.
const EnvURL = "PARVIS_TEST_DATABASE_URL"

// Options tune New.
type Options struct {
	Clock model.Clock // nil: the system clock
}

// New returns a fresh migrated database, closed (and dropped) when the test
// ends.
func New(tb testing.TB) *store.DB {
	tb.Helper()
	return NewWith(tb, Options{})
}

// NewWith is New with options.
func NewWith(tb testing.TB, opt Options) *store.DB {
	tb.Helper()
	ctx := context.Background()
	cfg := Config(tb)
	cfg.Clock = opt.Clock
	db, err := store.Open(ctx, cfg)
	if err != nil {
		tb.Fatalf("open test database: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		tb.Fatalf("migrate test database: %v", err)
	}
	return db
}

// Config returns the configuration of a fresh empty database (not yet
// opened), for tests that open it themselves or hand it to a subprocess.
func Config(tb testing.TB) store.Config {
	tb.Helper()
	if base := os.Getenv(EnvURL); base != "" {
		return store.Config{URL: FreshSchema(tb, base)}
	}
	return store.Config{SQLitePath: filepath.Join(tb.TempDir(), "parvis.db")}
}

// Engine returns the engine the tests run on.
func Engine() store.Engine {
	if os.Getenv(EnvURL) != "" {
		return store.Postgres
	}
	return store.SQLite
}

// FreshSchema creates an empty schema in the PostgreSQL database at base and
// returns a URL whose connections use it; the schema is dropped when the test
// ends.
func FreshSchema(tb testing.TB, base string) string {
	tb.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "test_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("open %s: %v", EnvURL, err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		tb.Fatalf("create test schema: %v", err)
	}
	tb.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			tb.Logf("drop test schema %s: %v", schema, err)
		}
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("parse %s: %v", EnvURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
