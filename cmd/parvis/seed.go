package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"parvis/internal/progress"
	"parvis/internal/seed"
	"parvis/internal/social"
)

// seedPassword is every seeded user's password, so demos can log in as
// anyone (for example as "reader").
const seedPassword = "parvis-seed"

func runSeed(ctx context.Context, args []string, io stdio) error {
	var f dbFlags
	fs := newFlags("seed", io)
	f.register(fs)
	users := fs.Int("users", 1000, "number of people")
	posts := fs.Int("posts", 10000, "number of posts (including replies and boosts)")
	communities := fs.Int("communities", 10, "number of communities")
	seedValue := fs.Uint64("seed", 1, "random seed: the same seed gives the same data")
	weeks := fs.Int("weeks", 8, "weeks of history")
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := f.open(ctx, quietLogger())
	if err != nil {
		return err
	}
	defer db.Close()
	settings, err := db.Read().Settings(ctx)
	if err != nil {
		return err
	}
	hash, err := social.HashPassword(seedPassword)
	if err != nil {
		return err
	}
	stats, err := seed.Run(ctx, db, seed.Options{Users: *users, Posts: *posts, Communities: *communities,
		Seed: *seedValue, Weeks: *weeks, Domain: settings["domain"], PasswordHash: hash,
		Progress: barProgress{io.err}})
	if err != nil {
		return err
	}
	fmt.Fprintf(io.out, "seeded %s in %s: %d accounts, %d follows, %d posts, %d favourites, %d communities (%d members), %d hashtags\n",
		db.Engine(), stats.Elapsed.Round(time.Millisecond), stats.Accounts, stats.Follows, stats.Posts, stats.Favourites,
		stats.Communities, stats.Members, stats.Tags)
	fmt.Fprintf(io.out, "%d rows, %.0f rows/s; every seeded user's password is %q\n", stats.Rows,
		float64(stats.Rows)/stats.Elapsed.Seconds(), seedPassword)
	return nil
}

// barProgress shows seed stages as progress bars.
type barProgress struct{ w io.Writer }

func (p barProgress) Stage(name, unit string, total int64) seed.Stage {
	return progress.New(p.w, name, unit, total)
}
