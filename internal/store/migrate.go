package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// Migrations live in migrations/ as NNNN_name.sql, run in order, each in its
// own transaction, and are never edited once they have landed. Where the two
// engines need different SQL, a migration is split into NNNN_name.sqlite.sql
// and NNNN_name.postgres.sql; a plain .sql file runs on both.
//
// One rewrite keeps the shared files honest on both engines: on SQLite,
// "BIGINT PRIMARY KEY" becomes "INTEGER PRIMARY KEY", which makes the column
// the table's rowid (SQLite's fastest key) and still holds 64-bit values.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

func (db *DB) migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	byVersion := map[int]*migration{}
	for _, e := range entries {
		name := e.Name()
		base := strings.TrimSuffix(name, ".sql")
		switch {
		case strings.HasSuffix(base, ".sqlite"):
			if db.engine != SQLite {
				continue
			}
			base = strings.TrimSuffix(base, ".sqlite")
		case strings.HasSuffix(base, ".postgres"):
			if db.engine != Postgres {
				continue
			}
			base = strings.TrimSuffix(base, ".postgres")
		}
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and an underscore", name)
		}
		body, err := fs.ReadFile(migrationFS, "migrations/"+name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		text := string(body)
		if db.engine == SQLite {
			text = strings.ReplaceAll(text, "BIGINT PRIMARY KEY", "INTEGER PRIMARY KEY")
		}
		if m, dup := byVersion[v]; dup {
			// A shared file and an engine file may share a number: run both,
			// shared part first.
			m.sql += "\n" + text
			continue
		}
		byVersion[v] = &migration{version: v, name: base, sql: text}
	}
	out := make([]migration, 0, len(byVersion))
	for _, m := range byVersion {
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// Migrate applies the migrations not yet applied and returns how many ran.
// Several nodes may start at once on PostgreSQL: an advisory lock makes them
// take turns.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	ms, err := db.migrations()
	if err != nil {
		return 0, err
	}
	if db.engine == Postgres {
		conn, err := db.write.Conn(ctx)
		if err != nil {
			return 0, fmt.Errorf("migrate: %w", err)
		}
		defer conn.Close()
		// The key is arbitrary but fixed: "parvis" in ASCII.
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(112097114118105115)"); err != nil {
			return 0, fmt.Errorf("migrate: take lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(112097114118105115)")
	}
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at BIGINT NOT NULL)`); err != nil {
		return 0, fmt.Errorf("create schema_migrations: %w", err)
	}
	applied := map[int]bool{}
	rows, err := db.write.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return 0, fmt.Errorf("read schema_migrations: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return 0, fmt.Errorf("read schema_migrations: %w", err)
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("read schema_migrations: %w", err)
	}
	n := 0
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		err := db.Tx(ctx, func(tx *Tx) error {
			if _, err := tx.tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
				m.version, m.name, db.clock.Now().UnixMilli())
			return err
		})
		if err != nil {
			return n, fmt.Errorf("migration %04d_%s: %w", m.version, m.name, err)
		}
		db.log.Info("applied migration", "version", m.version, "name", m.name)
		n++
	}
	if err := db.claimNode(ctx); err != nil {
		return n, err
	}
	if db.rows != nil {
		if err := db.rows.locateColumns(ctx, db.write); err != nil {
			return n, err
		}
	}
	return n, nil
}

// claimNode takes the next node number from the database, so that every
// process sharing it makes distinct ids.
func (db *DB) claimNode(ctx context.Context) error {
	var v int64
	err := db.Tx(ctx, func(tx *Tx) error {
		if _, err := tx.tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES ('id_node', '0') ON CONFLICT (key) DO NOTHING"); err != nil {
			return err
		}
		return tx.tx.QueryRowContext(ctx, `UPDATE settings SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)
			WHERE key = 'id_node' RETURNING CAST(value AS INTEGER)`).Scan(&v)
	})
	if err != nil {
		return fmt.Errorf("claim a node number: %w", err)
	}
	db.ids.SetNode(v)
	db.node = v
	return nil
}

// Node is the node number this process claimed (0 before Migrate).
func (db *DB) Node() int64 { return db.node }

// SchemaVersion returns the highest applied migration, 0 for an empty database.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.read.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}
