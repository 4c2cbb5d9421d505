package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// BulkInsert writes many rows into table as fast as the engine allows:
// COPY on PostgreSQL, and on SQLite multi-row INSERTs inside one transaction
// (each statement as large as SQLite's variable limit permits). It is for
// seeding and imports: rows must be complete and valid, and nothing else
// (counters, jobs) is maintained.
func (db *DB) BulkInsert(ctx context.Context, table string, columns []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if db.engine == Postgres {
		_, err := db.pool.CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows))
		if err != nil {
			return fmt.Errorf("copy into %s: %w", table, err)
		}
		return nil
	}
	perStmt := max(1, 32000/len(columns))
	perStmt = min(perStmt, 500)
	return db.Tx(ctx, func(tx *Tx) error {
		stmts := map[int]string{}
		for start := 0; start < len(rows); start += perStmt {
			end := min(start+perStmt, len(rows))
			n := end - start
			q, ok := stmts[n]
			if !ok {
				q = multiInsert(table, columns, n, "?")
				stmts[n] = q
			}
			args := make([]any, 0, n*len(columns))
			for _, r := range rows[start:end] {
				if len(r) != len(columns) {
					return fmt.Errorf("bulk insert into %s: row has %d values, want %d", table, len(r), len(columns))
				}
				args = append(args, r...)
			}
			if _, err := tx.tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("bulk insert into %s: %w", table, err)
			}
		}
		return nil
	})
}

// multiInsert writes a multi-row INSERT. SQLite gets "?" placeholders: it
// resolves "$n" names through a linear list, which makes a statement with
// thousands of them quadratic.
func multiInsert(table string, columns []string, rows int, placeholder string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", table, strings.Join(columns, ", "))
	k := 1
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for j := range columns {
			if j > 0 {
				b.WriteByte(',')
			}
			if placeholder == "?" {
				b.WriteByte('?')
			} else {
				fmt.Fprintf(&b, "$%d", k)
			}
			k++
		}
		b.WriteByte(')')
	}
	return b.String()
}
