package main

import (
	"context"
	"fmt"
)

func runMigrate(ctx context.Context, args []string, io stdio) error {
	var f dbFlags
	fs := newFlags("migrate", io)
	f.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := f.open(ctx, quietLogger())
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(io.out, "database (%s) is at schema version %d\n", db.Engine(), v)
	return nil
}
