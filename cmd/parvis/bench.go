package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"parvis/internal/loadtest"
)

const benchUsage = `parvis bench drives a running server through the Mastodon API with many
accounts and prints requests/s and latency percentiles per operation, next to
the ceiling of a trivial endpoint measured just before.

Accounts: with --tokens FILE that exists, its access tokens (one a line) are
used. Otherwise bench opens the server's database (--data or --database, as
given to "parvis serve"), takes --users local accounts at random (creating
bench_* accounts when there are fewer), issues each a token of an app named
"parvis bench", and, with --tokens FILE, saves them there for the next run.

It sends traffic to loopback addresses only, unless --allow-remote is given.
Operations for --mix: read (home timeline), post, like (a post seen recently),
public (local timeline), thread (a post's context), notifications, account.

Flags:`

func runBench(ctx context.Context, args []string, io stdio) error {
	var db dbFlags
	fs := newFlags("bench", io)
	db.register(fs)
	target := fs.String("target", "http://127.0.0.1:8080", "base URL of the server to load; several nodes separated by commas")
	users := fs.Int("users", 100, "accounts to act as")
	duration := fs.Duration("duration", 30*time.Second, "how long to measure (at most 1h)")
	warmup := fs.Duration("warmup", 5*time.Second, "load sent before measuring, not counted")
	mixFlag := fs.String("mix", loadtest.DefaultMix, "operations and their weights")
	concurrency := fs.Int("concurrency", 32, "requests in flight at once")
	rate := fs.Float64("rate", 0, "requests/s to send (open loop); 0 sends as fast as answers come (closed loop)")
	maxRequests := fs.Int64("max-requests", 10_000_000, "stop after this many requests")
	ceiling := fs.Duration("ceiling", 5*time.Second, "how long to measure the trivial endpoint first; 0 skips it")
	allowRemote := fs.Bool("allow-remote", false, "allow a target that is not on this machine (only a server you run)")
	tokensFile := fs.String("tokens", "", "file of access tokens, one a line: read when it exists, else written")
	seed := fs.Uint64("seed", uint64(time.Now().UnixNano()), "random seed of the operation sequence")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), benchUsage)
		fs.PrintDefaults()
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	mix, err := loadtest.ParseMix(*mixFlag)
	if err != nil {
		return err
	}
	if *users <= 0 || *users > 1_000_000 {
		return errors.New("--users must be from 1 to 1000000")
	}
	if *maxRequests <= 0 || *maxRequests > loadtest.MaxRequests {
		return fmt.Errorf("--max-requests must be from 1 to %d", loadtest.MaxRequests)
	}
	// Refuse a remote target before touching any database.
	for _, t := range strings.Split(*target, ",") {
		if _, err := loadtest.CheckTarget(ctx, strings.TrimSpace(t), *allowRemote); err != nil {
			return err
		}
	}
	tokens, err := benchTokens(ctx, &db, *tokensFile, *users, io)
	if err != nil {
		return err
	}
	fmt.Fprintf(io.err, "bench: measuring the ceiling for %s, then %s of warm-up and %s of load\n", *ceiling, *warmup, *duration)
	rep, err := loadtest.Run(ctx, loadtest.Config{Target: *target, Tokens: tokens, Mix: mix, Duration: *duration,
		Warmup: *warmup, Concurrency: *concurrency, Rate: *rate, MaxRequests: *maxRequests, Ceiling: *ceiling,
		AllowRemote: *allowRemote, Seed: *seed})
	if err != nil {
		return err
	}
	rep.Print(io.out)
	return nil
}

// benchTokens reads the tokens file, or obtains tokens on the database
// (and saves them when a file was named).
func benchTokens(ctx context.Context, db *dbFlags, file string, users int, io stdio) ([]string, error) {
	if file != "" {
		data, err := os.ReadFile(file)
		switch {
		case err == nil:
			var tokens []string
			sc := bufio.NewScanner(strings.NewReader(string(data)))
			for sc.Scan() {
				if t := strings.TrimSpace(sc.Text()); t != "" && !strings.HasPrefix(t, "#") {
					tokens = append(tokens, t)
				}
			}
			if len(tokens) == 0 {
				return nil, fmt.Errorf("%s holds no tokens", file)
			}
			if len(tokens) > users {
				tokens = tokens[:users]
			} else if len(tokens) < users {
				fmt.Fprintf(io.err, "bench: %s holds %d tokens; acting as %d accounts\n", file, len(tokens), len(tokens))
			}
			return tokens, nil
		case !errors.Is(err, fs.ErrNotExist):
			return nil, err
		}
	}
	svc, store, err := cliService(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("open the server's database to obtain accounts (or give --tokens FILE): %w", err)
	}
	defer store.Close()
	tokens, err := loadtest.Accounts(ctx, svc, store, users, io.err)
	if err != nil {
		return nil, err
	}
	if file != "" {
		body := "# access tokens of parvis bench accounts, one a line; revoke them by deleting the app \"parvis bench\"\n" +
			strings.Join(tokens, "\n") + "\n"
		if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
			return nil, fmt.Errorf("save tokens: %w", err)
		}
		fmt.Fprintf(io.err, "bench: %d tokens saved in %s\n", len(tokens), file)
	}
	return tokens, nil
}
