package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"parvis/internal/insights"
	"parvis/internal/social"
)

const insightsUsage = `usage:
  parvis insights --account NAME [--since DATE] [--until DATE] [--format text|json]
  parvis insights --community NAME [--since DATE] [--until DATE] [--format text|json]
  parvis insights rollup       roll the recorded events up now
  parvis insights influence    rank everyone's influence now
  parvis insights sweep        delete what is past its retention
  parvis insights retention [--raw-days N] [--hourly-days N]
DATE is YYYY-MM-DD (until included) or an RFC 3339 time; the period is the
28 days to now by default.`

// runInsights prints an account's or a community's insights, or runs the
// insights jobs at once.
func runInsights(ctx context.Context, args []string, io stdio) error {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "rollup", "influence", "sweep", "retention":
			return insightsJob(ctx, args[0], args[1:], io)
		}
		fmt.Fprintln(io.err, insightsUsage)
		return errUsage
	}
	var f dbFlags
	fs := newFlags("insights", io)
	f.register(fs)
	account := fs.String("account", "", "the account: NAME or NAME@DOMAIN")
	community := fs.String("community", "", "the community's handle")
	since := fs.String("since", "", "start of the period (YYYY-MM-DD or RFC 3339)")
	until := fs.String("until", "", "end of the period (YYYY-MM-DD, included, or RFC 3339)")
	format := fs.String("format", "text", "text or json")
	fs.Usage = func() { fmt.Fprintln(io.err, insightsUsage); fs.PrintDefaults() }
	if err := parse(fs, args); err != nil {
		return err
	}
	if (*account == "") == (*community == "") {
		fmt.Fprintln(io.err, "give --account or --community\n"+insightsUsage)
		return errUsage
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(io.err, "unknown format %q (want text or json)\n", *format)
		return errUsage
	}
	svc, db, err := cliService(ctx, &f)
	if err != nil {
		return err
	}
	defer db.Close()
	p, err := insights.ParsePeriod(*since, *until, db.Now())
	if err != nil {
		return err
	}
	actor := social.SystemActor()
	var r *insights.Report
	if *account != "" {
		a, err := svc.LookupAccount(ctx, *account)
		if err != nil {
			return fmt.Errorf("account %s: %w", *account, err)
		}
		r, err = svc.AccountInsights(ctx, actor, a.ID, p)
		if err != nil {
			return err
		}
	} else {
		c, _, err := svc.CommunityByName(ctx, actor, *community)
		if err != nil {
			return fmt.Errorf("community %s: %w", *community, err)
		}
		r, err = svc.CommunityInsights(ctx, actor, c.ID, p)
		if err != nil {
			return err
		}
	}
	if *format == "json" {
		enc := json.NewEncoder(io.out)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	return writeInsightsText(io.out, r)
}

// insightsJob runs one of the insights jobs now, as the server does on its
// schedule.
func insightsJob(ctx context.Context, name string, args []string, io stdio) error {
	var f dbFlags
	fs := newFlags("insights "+name, io)
	f.register(fs)
	rawDays := fs.Int("raw-days", 0, "keep raw events this many days (retention only; 0 keeps the setting)")
	hourlyDays := fs.Int("hourly-days", 0, "keep hourly counts this many days (retention only; 0 keeps the setting)")
	if err := parse(fs, args); err != nil {
		return err
	}
	svc, db, err := cliService(ctx, &f)
	if err != nil {
		return err
	}
	defer db.Close()
	switch name {
	case "rollup":
		r, err := svc.RollupInsights(ctx, db.Now().Add(-time.Minute))
		if err != nil {
			return err
		}
		fmt.Fprintf(io.out, "rolled up %d events, %d days\n", r.Events, r.Days)
	case "influence":
		r, err := svc.ComputeInfluence(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(io.out, "engagement graph: %d accounts, %d links; follow graph: %d accounts, %d links; %s\n",
			r.EngagementAccounts, r.EngagementLinks, r.FollowAccounts, r.FollowLinks, r.Took.Round(time.Millisecond))
	case "sweep":
		r, err := svc.SweepInsights(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(io.out, "deleted %d raw events, %d hourly counts, %d sightings\n", r.Events, r.Hourly, r.Seen)
	case "retention":
		if *rawDays != 0 || *hourlyDays != 0 {
			if err := svc.SetInsightsRetention(ctx, social.SystemActor(), *rawDays, *hourlyDays); err != nil {
				return err
			}
		}
		raw, hourly, err := svc.InsightsRetention(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(io.out, "raw events: %d days; hourly counts: %d days; daily counts: kept\n",
			int(raw/(24*time.Hour)), int(hourly/(24*time.Hour)))
	}
	return nil
}

// writeInsightsText prints the main figures of a report for people.
func writeInsightsText(out io.Writer, r *insights.Report) error {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	line := func(label string, format string, args ...any) {
		fmt.Fprintf(tw, "%s\t"+format+"\n", append([]any{label}, args...)...)
	}
	pct := func(f float64) string { return fmt.Sprintf("%.2f%%", 100*f) }
	fmt.Fprintf(tw, "%s %s (%s)\t%s – %s\n", r.Scope.Kind, r.Scope.Acct, r.Scope.Name,
		r.Since.Format(time.DateOnly), r.Until.Add(-time.Nanosecond).Format(time.DateOnly))
	line("figures up to", "%s", r.AsOf.Format(time.RFC3339))
	line("posts", "%d", r.Posts)
	line("impressions", "%d", r.Impressions)
	line("reach", "%d", r.Reach)
	line("profile views", "%d", r.ProfileViews)
	line("engagement", "%d (%d replies, %d boosts, %d favourites)", r.Engagement.Total, r.Engagement.Replies,
		r.Engagement.Reblogs, r.Engagement.Favourites)
	line("engagement rate", "%s of impressions, %s of followers", pct(r.EngagementRateByImpressions),
		pct(r.EngagementRateByFollowers))
	line("per post", "conversation %.2f, amplification %.2f, applause %.2f", r.ConversationRate, r.AmplificationRate,
		r.ApplauseRate)
	line("per post, per 1,000 followers", "conversation %.2f, amplification %.2f, applause %.2f",
		r.Per1000Followers.Conversation, r.Per1000Followers.Amplification, r.Per1000Followers.Applause)
	if r.Influence.Rank > 0 {
		line("influence", "PageRank %.6f, rank %d of %d (percentile %.1f)", r.Influence.PageRank, r.Influence.Rank,
			r.Influence.Accounts, r.Influence.Percentile)
	} else {
		line("influence", "not ranked yet")
	}
	c := r.Conversations
	line("conversations", "%d threads, %d with replies; max depth %d, max breadth %d, mean structural virality %.2f",
		c.Threads, c.Conversations, c.MaxDepth, c.MaxBreadth, c.MeanStructuralVirality)
	if len(r.Growth.Followers) > 0 {
		g := r.Growth.Followers
		line("followers", "%.0f → %.0f (%+.1f%%; %d new, %d lost)", g[0].Value, g[len(g)-1].Value,
			100*r.Growth.FollowersGrowthRate, r.Growth.NewFollowers, r.Growth.LostFollowers)
	}
	w := r.Website
	line("website", "%d visits (%d from social, %s), %d visitors, %d pageviews, %.1f social visits per 1,000 followers",
		w.Visits, w.VisitsFromSocial, pct(w.SocialShare), w.Visitors, w.Pageviews, w.VisitsPer1000)
	line("fans", "%d (%d new, %d lost) among %d people who engaged", r.Fans.Count, r.Fans.New, r.Fans.Lost, r.Fans.Engagers)
	line("response", "%d to answer, %s answered, median first reply %s", r.Response.Items, pct(r.Response.ResponseRate),
		time.Duration(r.Response.MedianFirstReplySec*float64(time.Second)).Round(time.Second))
	line("discounted (flagged)", "%d favourites, %d boosts, %d replies", r.Discounted.Favourites, r.Discounted.Reblogs,
		r.Discounted.Replies)
	var topics []string
	for _, t := range r.Topics {
		topics = append(topics, t.Phrase)
	}
	line("topics", "%s", strings.Join(topics, ", "))
	var rising []string
	for _, t := range r.Rising {
		rising = append(rising, t.Phrase)
	}
	line("rising", "%s", strings.Join(rising, ", "))
	return tw.Flush()
}
