package main

import (
	"context"
	"fmt"
	"time"

	"parvis/internal/progress"
	"parvis/internal/social"
)

const integrityUsage = `usage:
  parvis integrity scan [--since DURATION] [--lookback DURATION]
      judge the engagement of the last DURATION (default: since the last scan) and flag manipulation
  parvis integrity findings [--status pending|confirmed|cleared]`

func runIntegrity(ctx context.Context, args []string, io stdio) error {
	if len(args) == 0 {
		fmt.Fprintln(io.err, integrityUsage)
		return errUsage
	}
	switch args[0] {
	case "scan":
		return integrityScan(ctx, args[1:], io)
	case "findings":
		return integrityFindings(ctx, args[1:], io)
	}
	fmt.Fprintln(io.err, integrityUsage)
	return errUsage
}

func integrityScan(ctx context.Context, args []string, io stdio) error {
	var f dbFlags
	fs := newFlags("integrity scan", io)
	f.register(fs)
	since := fs.Duration("since", 0, "judge the engagement of this last period (0: since the last scan)")
	lookback := fs.Duration("lookback", 7*24*time.Hour, "context before the judged period")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *since < 0 || *lookback < 0 {
		return fmt.Errorf("durations can't be negative")
	}
	svc, db, err := cliService(ctx, &f)
	if err != nil {
		return err
	}
	defer db.Close()
	o := social.ScanOptions{Lookback: *lookback}
	if *since > 0 {
		o.Since = db.Now().Add(-*since)
	}
	// One bar per stage, with its rate and time left.
	bars := map[string]*progress.Bar{}
	last := map[string]int64{}
	units := map[string]string{"read": "engagements", "detect": "passes", "flag": "findings"}
	o.Progress = func(stage string, done, total int64) {
		bar := bars[stage]
		if bar == nil {
			for _, earlier := range bars { // a new stage ends the others
				earlier.Done()
			}
			bar = progress.New(io.err, "integrity "+stage, units[stage], total)
			bars[stage] = bar
		}
		bar.Add(done - last[stage])
		last[stage] = done
		if total > 0 && done >= total {
			bar.Done()
		}
	}
	rep, err := svc.IntegrityScan(ctx, o)
	for _, bar := range bars {
		bar.Done()
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(io.out, "scanned %d engagements (new since %s) in %s: %d findings, %d engagements flagged\n",
		rep.Engagements, rep.From.Format(time.RFC3339), rep.Elapsed.Round(time.Millisecond), rep.Findings, rep.Flagged)
	return nil
}

func integrityFindings(ctx context.Context, args []string, io stdio) error {
	var f dbFlags
	fs := newFlags("integrity findings", io)
	f.register(fs)
	status := fs.String("status", "pending", "pending, confirmed, cleared, or empty for all")
	if err := parse(fs, args); err != nil {
		return err
	}
	svc, db, err := cliService(ctx, &f)
	if err != nil {
		return err
	}
	defer db.Close()
	list, err := svc.Findings(ctx, social.SystemActor(), *status)
	if err != nil {
		return err
	}
	for _, x := range list {
		fmt.Fprintf(io.out, "%d\t%s\t%s\tscore %.2f\t%d flagged\t%s\n", x.ID, x.Status, x.Signal, x.Score, x.Flags, x.Reason)
	}
	return nil
}
