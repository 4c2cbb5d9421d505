package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// The statement cache must give the same answers as fresh statements: the
// same query nested inside its own rows, arguments of every type, errors,
// and more distinct queries than the cache holds.
func TestStatementCache(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, Config{SQLitePath: filepath.Join(t.TempDir(), "cache.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.write.ExecContext(ctx, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB)"); err != nil {
		t.Fatal(err)
	}
	err = db.Tx(ctx, func(tx *Tx) error {
		for i := 1; i <= 5; i++ {
			if _, err := tx.q.ExecContext(ctx, "INSERT INTO t (id, name, score, data) VALUES ($1, $2, $3, $4)",
				i, fmt.Sprint("n", i), float64(i)/2, []byte{byte(i)}); err != nil {
				return err
			}
		}
		// The same query while its own rows are open, in the one write
		// connection: the nested run must not disturb the outer one.
		const q = "SELECT id, name FROM t WHERE id >= $1 ORDER BY id"
		rows, err := tx.q.QueryContext(ctx, q, 1)
		if err != nil {
			return err
		}
		defer rows.Close()
		var outer []int
		for rows.Next() {
			var id int
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				return err
			}
			outer = append(outer, id)
			var inner int
			if err := tx.q.QueryRowContext(ctx, "SELECT COUNT(*) FROM ("+q+")", id).Scan(&inner); err != nil {
				return err
			}
			n := 0
			nested, err := tx.q.QueryContext(ctx, q, id)
			if err != nil {
				return err
			}
			for nested.Next() {
				n++
			}
			nested.Close()
			if n != 6-id || inner != 6-id {
				t.Errorf("nested query from %d: %d and %d rows, want %d", id, n, inner, 6-id)
			}
		}
		if fmt.Sprint(outer) != "[1 2 3 4 5]" {
			t.Errorf("outer rows: %v", outer)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	// More distinct texts than one connection keeps: every answer right.
	for i := range stmtCacheSize + 50 {
		var n int
		want := 5 - i%5
		if err := db.Read().q.QueryRowContext(ctx, fmt.Sprintf("SELECT COUNT(*) FROM t WHERE id > $1 AND %d = %d", i, i), i%5).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Fatalf("query %d: got %d, want %d", i, n, want)
		}
	}
	// A cached statement that failed (a constraint) works again after.
	for range 2 {
		err := db.Tx(ctx, func(tx *Tx) error {
			_, err := tx.q.ExecContext(ctx, "INSERT INTO t (id, name) VALUES ($1, $2)", 1, "dup")
			return err
		})
		if err == nil {
			t.Fatal("duplicate id inserted")
		}
	}
	var name string
	var score float64
	var data []byte
	if err := db.Read().q.QueryRowContext(ctx, "SELECT name, score, data FROM t WHERE id = $1", 4).Scan(&name, &score, &data); err != nil {
		t.Fatal(err)
	}
	if name != "n4" || score != 2 || len(data) != 1 || data[0] != 4 {
		t.Errorf("row 4: %q %v %v", name, score, data)
	}
	// A syntax error is reported, not cached.
	if _, err := db.Read().q.QueryContext(ctx, "SELEC 1"); err == nil {
		t.Error("syntax error not reported")
	}
}

// inList pads to a power of two with the last id.
func TestInListPads(t *testing.T) {
	for _, c := range []struct {
		ids  []int64
		want string
		args int
	}{
		{[]int64{7}, "($1)", 1},
		{[]int64{7, 8, 9}, "($1,$2,$3,$4)", 4},
		{[]int64{1, 2, 3, 4, 5, 6, 7, 8}, "($1,$2,$3,$4,$5,$6,$7,$8)", 8},
	} {
		q, args := inList("(%s)", c.ids)
		if q != c.want || len(args) != c.args || args[len(args)-1] != c.ids[len(c.ids)-1] {
			t.Errorf("inList(%v) = %s %v", c.ids, q, args)
		}
	}
}
