package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"parvis/internal/jobs"
	"parvis/internal/model"
	"parvis/internal/progress"
	"parvis/internal/social"
	"parvis/internal/store"
)

const exportUsage = `usage:
  parvis admin export --username U --to FILE.zip
      the account's archive: actor.json, outbox.json, media, likes, bookmarks, follows, blocks, mutes
  parvis admin import-follows --username U --file FILE.csv
      follow the accounts of a Mastodon or Parvis follows export (following_accounts.csv)`

// userService opens the database and a service able to read media, and
// returns the actor of the local user named username. The per-account
// follow limit is lifted: an administrator importing a list on someone's
// behalf is not a script following people.
func userService(ctx context.Context, f *dbFlags, mf *mediaFlags, username string) (*social.Service, *social.Actor, func(), error) {
	log := quietLogger()
	db, err := f.open(ctx, log)
	if err != nil {
		return nil, nil, nil, err
	}
	files, closeFiles, err := mf.openStore(ctx, f.data)
	if err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	closeAll := func() { closeFiles(); db.Close() }
	queue, err := jobs.New(jobsConfig(db, log))
	if err != nil {
		closeAll()
		return nil, nil, nil, err
	}
	secret, err := db.InstanceSecret(ctx)
	if err != nil {
		closeAll()
		return nil, nil, nil, err
	}
	settings, err := db.Read().Settings(ctx)
	if err != nil {
		closeAll()
		return nil, nil, nil, err
	}
	domain := settings["domain"]
	if domain == "" {
		domain = "localhost"
	}
	limits := social.DefaultLimits()
	limits.Follows = social.Limit{}
	svc := social.New(social.Config{Domain: domain, Scheme: schemeFor(domain), Secret: secret},
		social.Deps{DB: db, Queue: queue, Logger: log, Media: files, Limits: &limits})
	actor, err := localActor(ctx, db, username)
	if err != nil {
		closeAll()
		return nil, nil, nil, err
	}
	return svc, actor, closeAll, nil
}

// localActor returns the actor of the local user named username.
func localActor(ctx context.Context, db *store.DB, username string) (*social.Actor, error) {
	a, err := db.Read().AccountByUsername(ctx, username, "")
	if model.IsNotFound(err) {
		return nil, model.Errorf(model.ENOTFOUND, "there is no local user named %q", username)
	}
	if err != nil {
		return nil, err
	}
	u, err := db.Read().UserByAccountID(ctx, a.ID)
	if model.IsNotFound(err) {
		return nil, model.Errorf(model.ENOTFOUND, "%q is a community or remote account, not a user", username)
	}
	if err != nil {
		return nil, err
	}
	return &social.Actor{User: u, Account: a}, nil
}

func adminExport(ctx context.Context, args []string, io stdio) error {
	var f dbFlags
	var mf mediaFlags
	fs := newFlags("admin export", io)
	f.register(fs)
	mf.register(fs)
	username := fs.String("username", "", "the user whose account to export (required)")
	to := fs.String("to", "", "the zip file to write (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *username == "" || *to == "" {
		fmt.Fprintln(io.err, "--username and --to are required")
		fmt.Fprintln(io.err, exportUsage)
		return errUsage
	}
	start := time.Now()
	svc, actor, closeAll, err := userService(ctx, &f, &mf, *username)
	if err != nil {
		return err
	}
	defer closeAll()
	tmp := *to + ".partial"
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer os.Remove(tmp)
	defer out.Close()
	var bar *progress.Bar
	var told int64
	stats, err := svc.ExportArchive(ctx, actor, out, social.ArchiveOptions{Progress: func(done, total int64) {
		if bar == nil {
			bar = progress.New(io.err, "export", "posts", total)
		}
		bar.Add(done - told)
		told = done
	}})
	if err != nil {
		return err
	}
	bar.Done()
	if err := out.Sync(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := os.Rename(tmp, *to); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	fmt.Fprintf(io.out, "exported %s to %s in %s: %d posts, %d boosts, %d media files, %d favourites, %d bookmarks, "+
		"%d follows, %d blocks, %d mutes\n", *username, *to, time.Since(start).Round(time.Millisecond), stats.Posts, stats.Boosts,
		stats.Media, stats.Likes, stats.Bookmarks, stats.Following, stats.Blocks, stats.Mutes)
	if stats.MissingMedia > 0 {
		fmt.Fprintf(io.err, "warning: %d attachments had no file in %s and are not in the archive\n", stats.MissingMedia,
			mf.where(f.data))
	}
	return nil
}

func adminImportFollows(ctx context.Context, args []string, io stdio) error {
	var f dbFlags
	fs := newFlags("admin import-follows", io)
	f.register(fs)
	username := fs.String("username", "", "the user who follows (required)")
	file := fs.String("file", "", "the follows CSV file, or - for standard input (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *username == "" || *file == "" {
		fmt.Fprintln(io.err, "--username and --file are required")
		fmt.Fprintln(io.err, exportUsage)
		return errUsage
	}
	in := io.in
	if *file != "-" {
		fh, err := os.Open(*file)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		defer fh.Close()
		in = fh
	}
	svc, actor, closeAll, err := userService(ctx, &f, &mediaFlags{}, *username)
	if err != nil {
		return err
	}
	defer closeAll()
	var bar *progress.Bar
	var told int64
	rep, err := svc.ImportFollowsWith(ctx, actor, in, social.ImportOptions{Progress: func(done, total int64) {
		if bar == nil {
			bar = progress.New(io.err, "import", "lines", total)
		}
		bar.Add(done - told)
		told = done
	}})
	if rep != nil {
		bar.Done()
		for _, l := range rep.Lines {
			if l.Status == social.ImportFollowed || (l.Status == social.ImportRequested && l.Message == "") {
				continue
			}
			fmt.Fprintf(io.out, "line %d: %s: %s", l.Line, l.Address, l.Status)
			if l.Message != "" {
				fmt.Fprintf(io.out, " (%s)", l.Message)
			}
			fmt.Fprintln(io.out)
		}
		fmt.Fprintf(io.out, "%s: %s\n", *username, rep.Summary())
	}
	return err
}
