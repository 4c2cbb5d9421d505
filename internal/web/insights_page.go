package web

import (
	"encoding/csv"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"parvis/internal/insights"
	"parvis/internal/model"
)

// insightsData is what the dashboard templates show.
type insightsData struct {
	R *insights.Report
	// Query keeps the scope and the period in links ("community=x&since=...").
	Query     string
	ScopeArgs string // the scope alone, for the period picker's hidden fields
	Account   string
	Community string
	Since     string
	Until     string
	Presets   []insightsPreset
	Figures   []insightsFigure
	Charts    []insightsChart
	Tables    []insightsTable
	// Post is the post of the drill-down page.
	Post       *insights.PostFigures
	PostTables []insightsTable
}

// insightsPreset is a ready-made period.
type insightsPreset struct {
	Label   string
	URL     string
	Current bool
}

// insightsFigure is a headline figure.
type insightsFigure struct {
	Label, Value, Note string
}

// insightsChart is a chart and the table that holds its data.
type insightsChart struct {
	ID, Title string
	SVG       template.HTML
	Table     string // the id of its table
}

// insightsTable is a table of the dashboard, also exported as CSV.
type insightsTable struct {
	ID, Title string
	Headers   []string
	Rows      [][]insightsCell
	CSV       string
}

// insightsCell is a table cell, a link when URL is set.
type insightsCell struct {
	Text, URL string
}

// insightsReport reads the scope and the period of a dashboard request and
// computes its report.
func (h *Handler) insightsReport(r *http.Request, p *Page) (*insights.Report, *insightsData, error) {
	q := r.URL.Query()
	d := &insightsData{Account: strings.TrimSpace(q.Get("account")), Community: strings.TrimSpace(q.Get("community"))}
	now := h.svc.DB().Now()
	since, until := q.Get("since"), q.Get("until")
	if days, err := strconv.Atoi(q.Get("days")); err == nil && days > 0 && days <= 732 {
		until = now.Format(time.DateOnly)
		since = insights.Day(now).AddDate(0, 0, 1-days).Format(time.DateOnly)
	}
	if since == "" && until == "" {
		until = now.Format(time.DateOnly)
		since = insights.Day(now).AddDate(0, 0, -27).Format(time.DateOnly)
	}
	period, err := insights.ParsePeriod(since, until, now)
	if err != nil {
		return nil, d, model.Errorf(model.EINVALID, "give the period as two dates (YYYY-MM-DD), the first before the second, at most two years apart")
	}
	d.Since = period.Since.Format(time.DateOnly)
	d.Until = period.Until.Add(-time.Nanosecond).Format(time.DateOnly)
	scope := url.Values{}
	var rep *insights.Report
	switch {
	case d.Community != "":
		scope.Set("community", d.Community)
		c, _, err := h.svc.CommunityByName(r.Context(), p.Actor, d.Community)
		if err != nil {
			return nil, d, err
		}
		rep, err = h.svc.CommunityInsights(r.Context(), p.Actor, c.ID, period)
		if err != nil {
			return nil, d, err
		}
	default:
		id := p.Actor.Account.ID
		if d.Account != "" {
			scope.Set("account", d.Account)
			a, err := h.svc.LookupAccount(r.Context(), d.Account)
			if err != nil {
				return nil, d, err
			}
			id = a.ID
		}
		rep, err = h.svc.AccountInsights(r.Context(), p.Actor, id, period)
		if err != nil {
			return nil, d, err
		}
	}
	d.R = rep
	d.ScopeArgs = scope.Encode()
	full := url.Values{}
	for k, v := range scope {
		full[k] = v
	}
	full.Set("since", d.Since)
	full.Set("until", d.Until)
	d.Query = full.Encode()
	for _, days := range []int{7, 28, 90, 365} {
		v := url.Values{}
		for k, x := range scope {
			v[k] = x
		}
		v.Set("days", strconv.Itoa(days))
		d.Presets = append(d.Presets, insightsPreset{Label: p.T("insights.last_days", days), URL: "/insights?" + v.Encode(),
			Current: d.Until == now.Format(time.DateOnly) && d.Since == insights.Day(now).AddDate(0, 0, 1-days).Format(time.DateOnly)})
	}
	return rep, d, nil
}

// insightsDashboard shows an account's (or a community's) insights.
func (h *Handler) insightsDashboard(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "insights.title")
	rep, d, err := h.insightsReport(r, p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.Title = p.T("insights.title_of", rep.Scope.Acct)
	d.Figures = insightsFigures(p, rep)
	d.Tables = insightsTables(p, rep, d)
	d.Charts = insightsCharts(p, rep)
	p.Data = d
	h.render(w, r, http.StatusOK, "insights", p)
}

// insightsPost shows one post's figures over the period.
func (h *Handler) insightsPost(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "insights.post_title")
	rep, d, err := h.insightsReport(r, p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	for i := range rep.PostFigures {
		if rep.PostFigures[i].ID == id {
			d.Post = &rep.PostFigures[i]
		}
	}
	if d.Post == nil {
		h.fail(w, r, model.Errorf(model.ENOTFOUND, "the post was not published in this period"))
		return
	}
	d.PostTables = insightsPostTables(p, rep, d.Post)
	p.Data = d
	h.render(w, r, http.StatusOK, "insights_post", p)
}

// insightsExport sends one of the dashboard's tables as CSV.
func (h *Handler) insightsExport(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "insights.title")
	rep, d, err := h.insightsReport(r, p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	name := strings.TrimSuffix(r.PathValue("table"), ".csv")
	var table *insightsTable
	tables := insightsTables(p, rep, d)
	for _, post := range rep.PostFigures {
		if name == "post-"+post.ID || name == "post-links-"+post.ID {
			tables = insightsPostTables(p, rep, &post)
		}
	}
	for i := range tables {
		if tables[i].ID == name {
			table = &tables[i]
		}
	}
	if table == nil {
		h.notFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="insights-%s-%s-%s-%s.csv"`,
		fileSafe(rep.Scope.Acct), table.ID, d.Since, d.Until))
	cw := csv.NewWriter(w)
	_ = cw.Write(table.Headers)
	for _, row := range table.Rows {
		rec := make([]string, len(row))
		for i, c := range row {
			rec[i] = csvSafe(c.Text)
		}
		_ = cw.Write(rec)
	}
	cw.Flush()
}

// csvSafe keeps a spreadsheet from running a cell as a formula: text that
// starts like one gets a leading apostrophe. Numbers pass unchanged.
func csvSafe(s string) string {
	if s == "" {
		return s
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// fileSafe keeps letters, digits, dots and dashes for a file name.
func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
}

func figPct(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) + "%" }

func figNum(n int64) string { return strconv.FormatInt(n, 10) }

func figDec(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }

func cells(ss ...string) []insightsCell {
	out := make([]insightsCell, len(ss))
	for i, s := range ss {
		out[i] = insightsCell{Text: s}
	}
	return out
}

// sourceKeys name the sources of visits in the catalogs.
var sourceKeys = map[insights.Source]string{
	insights.SourceLink:     "insights.source_link",
	insights.SourcePost:     "insights.source_post",
	insights.SourceParvis:   "insights.source_parvis",
	insights.SourceCampaign: "insights.source_campaign",
	insights.SourceReferral: "insights.source_referral",
	insights.SourceDirect:   "insights.source_direct",
	insights.SourceInternal: "insights.source_internal",
}

// insightsFigures are the dashboard's headline figures.
func insightsFigures(p *Page, r *insights.Report) []insightsFigure {
	followers := "0"
	if n := len(r.Growth.Followers); n > 0 {
		followers = formatNumber(r.Growth.Followers[n-1].Value)
	}
	median := "–"
	if r.Response.Answered > 0 {
		median = (time.Duration(r.Response.MedianFirstReplySec) * time.Second).String()
	}
	rank := p.T("insights.not_ranked")
	if r.Influence.Rank > 0 {
		rank = p.T("insights.rank_of", r.Influence.Rank, r.Influence.Accounts)
	}
	return []insightsFigure{
		{p.T("insights.impressions"), figNum(r.Impressions), p.T("insights.reach_note", r.Reach)},
		{p.T("insights.profile_views"), figNum(r.ProfileViews), ""},
		{p.T("insights.engagement"), figNum(r.Engagement.Total), p.T("insights.engagement_note", r.Engagement.Replies,
			r.Engagement.Reblogs, r.Engagement.Favourites)},
		{p.T("insights.rate_impressions"), figPct(r.EngagementRateByImpressions), p.T("insights.rate_followers_note",
			figPct(r.EngagementRateByFollowers))},
		{p.T("insights.conversation_rate"), figDec(r.ConversationRate), p.T("insights.per_1000", figDec(r.Per1000Followers.Conversation))},
		{p.T("insights.amplification_rate"), figDec(r.AmplificationRate), p.T("insights.per_1000", figDec(r.Per1000Followers.Amplification))},
		{p.T("insights.applause_rate"), figDec(r.ApplauseRate), p.T("insights.per_1000", figDec(r.Per1000Followers.Applause))},
		{p.T("insights.influence"), rank, p.T("insights.influence_note", strconv.FormatFloat(r.Influence.Percentile, 'f', 1, 64),
			strconv.FormatFloat(r.Influence.PageRank, 'g', 4, 64))},
		{p.T("insights.followers"), followers, p.T("insights.growth_note", figPct(r.Growth.FollowersGrowthRate),
			r.Growth.NewFollowers, r.Growth.LostFollowers)},
		{p.T("insights.visits_social"), figNum(r.Website.VisitsFromSocial), p.T("insights.visits_note", r.Website.Visits,
			figDec(r.Website.VisitsPer1000))},
		{p.T("insights.conversations"), figNum(int64(r.Conversations.Conversations)), p.T("insights.conversations_note",
			r.Conversations.MaxDepth, figDec(r.Conversations.MeanStructuralVirality))},
		{p.T("insights.fans"), figNum(int64(r.Fans.Count)), p.T("insights.fans_note", r.Fans.New, r.Fans.Lost)},
		{p.T("insights.response"), median, p.T("insights.response_note", figPct(r.Response.ResponseRate), r.Response.Items)},
		{p.T("insights.discounted"), figNum(r.Discounted.Total), p.T("insights.discounted_note", r.Discounted.Favourites,
			r.Discounted.Reblogs, r.Discounted.Replies)},
	}
}

// insightsCharts draws the dashboard's charts; each names the table that
// holds its figures.
func insightsCharts(p *Page, r *insights.Report) []insightsChart {
	var impressions, visits, social []insights.Point
	for _, d := range r.Daily {
		impressions = append(impressions, insights.Point{Date: d.Date, Value: float64(d.Impressions)})
		visits = append(visits, insights.Point{Date: d.Date, Value: float64(d.Visits)})
		social = append(social, insights.Point{Date: d.Date, Value: float64(d.VisitsFromSocial)})
	}
	network := []chartSeries{{Name: p.T("insights.followers"), Points: r.Growth.Followers}}
	if len(r.Growth.Members) > 0 {
		network = append(network, chartSeries{Name: p.T("insights.members"), Points: r.Growth.Members})
	} else {
		network = append(network, chartSeries{Name: p.T("insights.connections"), Points: r.Growth.Connections})
	}
	return []insightsChart{
		{ID: "chart-impressions", Title: p.T("insights.chart_impressions"), Table: "daily",
			SVG: lineChart("chart-impressions", p.T("insights.chart_impressions"), describeSeries(p, impressions),
				[]chartSeries{{Name: p.T("insights.impressions"), Points: impressions}})},
		{ID: "chart-growth", Title: p.T("insights.chart_growth"), Table: "growth",
			SVG: lineChart("chart-growth", p.T("insights.chart_growth"), describeSeries(p, r.Growth.Followers), network)},
		{ID: "chart-visits", Title: p.T("insights.chart_visits"), Table: "daily",
			SVG: lineChart("chart-visits", p.T("insights.chart_visits"), describeSeries(p, social),
				[]chartSeries{{Name: p.T("insights.visits"), Points: visits}, {Name: p.T("insights.visits_social"), Points: social}})},
		{ID: "chart-fans", Title: p.T("insights.chart_fans"), Table: "fan-series",
			SVG: lineChart("chart-fans", p.T("insights.chart_fans"), describeSeries(p, r.Fans.Series),
				[]chartSeries{{Name: p.T("insights.fans"), Points: r.Fans.Series}})},
		{ID: "chart-sizes", Title: p.T("insights.chart_sizes"), Table: "sizes",
			SVG: barChart("chart-sizes", p.T("insights.chart_sizes"), describeBars(p, r.Conversations.SizeDistribution),
				r.Conversations.SizeDistribution)},
		{ID: "chart-depths", Title: p.T("insights.chart_depths"), Table: "depths",
			SVG: barChart("chart-depths", p.T("insights.chart_depths"), describeBars(p, r.Conversations.DepthDistribution),
				r.Conversations.DepthDistribution)},
	}
}

// describeBars says what a distribution shows.
func describeBars(p *Page, bars []insights.Bucket) string {
	var parts []string
	for _, b := range bars {
		parts = append(parts, b.Label+": "+strconv.Itoa(b.Count))
	}
	return p.T("insights.bars_desc", strings.Join(parts, ", "))
}

// insightsTables are every table of the dashboard, as shown and exported.
func insightsTables(p *Page, r *insights.Report, d *insightsData) []insightsTable {
	csvURL := func(id string) string { return "/insights/export/" + id + ".csv?" + d.Query }
	tables := []insightsTable{}
	add := func(id, titleKey string, headers []string, rows [][]insightsCell) {
		tables = append(tables, insightsTable{ID: id, Title: p.T(titleKey), Headers: headers, Rows: rows, CSV: csvURL(id)})
	}
	var rows [][]insightsCell
	for _, x := range r.Daily {
		rows = append(rows, cells(x.Date, figNum(x.Impressions), figNum(x.ProfileViews), figNum(x.Engagements), figNum(x.Clicks),
			figNum(x.Visits), figNum(x.VisitsFromSocial), figNum(x.Followers), figNum(x.NewFollowers), figNum(x.LostFollowers)))
	}
	add("daily", "insights.table_daily", []string{p.T("insights.date"), p.T("insights.impressions"), p.T("insights.profile_views"),
		p.T("insights.engagement"), p.T("insights.clicks"), p.T("insights.visits"), p.T("insights.visits_social"),
		p.T("insights.followers"), p.T("insights.new"), p.T("insights.lost")}, rows)

	rows = nil
	for _, x := range r.PostFigures {
		excerpt := x.Excerpt
		if excerpt == "" {
			excerpt = x.ID
		}
		rows = append(rows, []insightsCell{{Text: x.At.Format(time.DateTime)},
			{Text: excerpt, URL: "/insights/posts/" + x.ID + "?" + d.Query}, {Text: figNum(x.Impressions)}, {Text: figNum(x.Replies)},
			{Text: figNum(x.Reblogs)}, {Text: figNum(x.Favourites)}, {Text: figNum(x.Clicks)}, {Text: figNum(x.Visits)},
			{Text: figPct(x.Engagement)}, {Text: strconv.Itoa(x.Thread.Size)}, {Text: strconv.Itoa(x.Thread.Depth)},
			{Text: figDec(x.Thread.StructuralVirality)}})
	}
	add("posts", "insights.table_posts", []string{p.T("insights.date"), p.T("insights.post"), p.T("insights.impressions"),
		p.T("insights.replies"), p.T("insights.reblogs"), p.T("insights.favourites"), p.T("insights.clicks"),
		p.T("insights.visits"), p.T("insights.rate_impressions"), p.T("insights.thread_size"), p.T("insights.depth"),
		p.T("insights.virality")}, rows)

	rows = nil
	for _, x := range r.Links {
		rows = append(rows, []insightsCell{{Text: x.URL}, {Text: x.PostID, URL: "/insights/posts/" + x.PostID + "?" + d.Query},
			{Text: figNum(x.Clicks)}, {Text: figNum(x.Filtered)}, {Text: figNum(x.Visits)}})
	}
	add("links", "insights.table_links", []string{p.T("insights.link"), p.T("insights.post"), p.T("insights.clicks"),
		p.T("insights.filtered"), p.T("insights.visits")}, rows)

	rows = nil
	for _, x := range r.Topics {
		rows = append(rows, cells(x.Phrase, x.Lang, strconv.FormatFloat(x.Score, 'f', 4, 64)))
	}
	add("topics", "insights.table_topics", []string{p.T("insights.phrase"), p.T("insights.language"), p.T("insights.score")}, rows)

	rows = nil
	for _, x := range r.Rising {
		isNew := ""
		if x.New {
			isNew = p.T("insights.yes")
		}
		rows = append(rows, cells(x.Phrase, x.Lang, figPct(x.Share), figPct(x.PreviousShare), figDec(x.Lift), isNew))
	}
	add("rising", "insights.table_rising", []string{p.T("insights.phrase"), p.T("insights.language"), p.T("insights.share"),
		p.T("insights.previous_share"), p.T("insights.lift"), p.T("insights.new_topic")}, rows)

	rows = nil
	for _, x := range r.Hashtags {
		rows = append(rows, []insightsCell{{Text: "#" + x.Tag, URL: "/tags/" + url.PathEscape(x.Tag)}, {Text: strconv.Itoa(x.Posts)}})
	}
	add("hashtags", "insights.table_hashtags", []string{p.T("insights.hashtag"), p.T("insights.posts")}, rows)

	rows = nil
	for _, src := range insights.Sources() {
		rows = append(rows, cells(p.T(sourceKeys[src]), figNum(r.Website.BySource[src.String()])))
	}
	add("sources", "insights.table_sources", []string{p.T("insights.source"), p.T("insights.visits")}, rows)

	rows = nil
	for _, x := range r.Website.Referrers {
		rows = append(rows, cells(x.Host, figNum(x.Visits)))
	}
	add("referrers", "insights.table_referrers", []string{p.T("insights.host"), p.T("insights.visits")}, rows)

	rows = nil
	for _, x := range r.Website.AfterPosts {
		complete := p.T("insights.yes")
		if !x.Complete {
			complete = p.T("insights.no")
		}
		rows = append(rows, []insightsCell{{Text: x.PostID, URL: "/insights/posts/" + x.PostID + "?" + d.Query},
			{Text: x.At.Format(time.DateTime)}, {Text: figNum(x.After)}, {Text: figNum(x.Baseline)}, {Text: figNum(x.After - x.Baseline)},
			{Text: complete}})
	}
	add("after-posts", "insights.table_after_posts", []string{p.T("insights.post"), p.T("insights.date"), p.T("insights.after"),
		p.T("insights.baseline"), p.T("insights.lift"), p.T("insights.complete")}, rows)

	rows = nil
	for i, x := range r.Growth.Followers {
		row := cells(x.Date, formatNumber(x.Value))
		if i < len(r.Growth.Connections) {
			row = append(row, insightsCell{Text: formatNumber(r.Growth.Connections[i].Value)})
		}
		if i < len(r.Growth.Members) {
			row = append(row, insightsCell{Text: formatNumber(r.Growth.Members[i].Value)})
		}
		rows = append(rows, row)
	}
	growthHeaders := []string{p.T("insights.date"), p.T("insights.followers"), p.T("insights.connections")}
	if len(r.Growth.Members) > 0 {
		growthHeaders = append(growthHeaders, p.T("insights.members"))
	}
	add("growth", "insights.table_growth", growthHeaders, rows)

	rows = nil
	for _, x := range r.Fans.Top {
		rows = append(rows, []insightsCell{{Text: "@" + x.Acct, URL: "/@" + x.Acct}, {Text: strconv.Itoa(x.Engagements)},
			{Text: strconv.Itoa(x.Days)}})
	}
	add("fans", "insights.table_fans", []string{p.T("insights.account"), p.T("insights.engagement"), p.T("insights.days")}, rows)

	rows = nil
	for _, x := range r.Fans.Series {
		rows = append(rows, cells(x.Date, formatNumber(x.Value)))
	}
	add("fan-series", "insights.table_fan_series", []string{p.T("insights.date"), p.T("insights.fans")}, rows)

	for _, dist := range []struct {
		id, title string
		bars      []insights.Bucket
	}{{"sizes", "insights.chart_sizes", r.Conversations.SizeDistribution},
		{"depths", "insights.chart_depths", r.Conversations.DepthDistribution}} {
		rows = nil
		for _, b := range dist.bars {
			rows = append(rows, cells(b.Label, strconv.Itoa(b.Count)))
		}
		add(dist.id, dist.title, []string{p.T("insights.bucket"), p.T("insights.threads")}, rows)
	}
	return tables
}

// insightsPostTables are the drill-down's tables for one post.
func insightsPostTables(p *Page, r *insights.Report, f *insights.PostFigures) []insightsTable {
	rows := [][]insightsCell{
		cells(p.T("insights.impressions"), figNum(f.Impressions)),
		cells(p.T("insights.replies"), figNum(f.Replies)),
		cells(p.T("insights.reblogs"), figNum(f.Reblogs)),
		cells(p.T("insights.favourites"), figNum(f.Favourites)),
		cells(p.T("insights.rate_impressions"), figPct(f.Engagement)),
		cells(p.T("insights.clicks"), figNum(f.Clicks)),
		cells(p.T("insights.visits"), figNum(f.Visits)),
	}
	if f.Thread.Size > 0 { // a post that starts a thread
		rows = append(rows,
			cells(p.T("insights.thread_size"), strconv.Itoa(f.Thread.Size)),
			cells(p.T("insights.depth"), strconv.Itoa(f.Thread.Depth)),
			cells(p.T("insights.breadth"), strconv.Itoa(f.Thread.MaxBreadth)),
			cells(p.T("insights.virality"), figDec(f.Thread.StructuralVirality)),
			cells(p.T("insights.participants"), strconv.Itoa(f.Thread.Participants)))
	}
	for _, v := range r.Website.AfterPosts {
		if v.PostID == f.ID {
			rows = append(rows, cells(p.T("insights.after"), figNum(v.After)), cells(p.T("insights.baseline"), figNum(v.Baseline)))
		}
	}
	tables := []insightsTable{{ID: "post-" + f.ID, Title: p.T("insights.post_title"),
		Headers: []string{p.T("insights.figure"), p.T("insights.value")}, Rows: rows}}
	var links [][]insightsCell
	for _, l := range r.Links {
		if l.PostID == f.ID {
			links = append(links, cells(l.URL, figNum(l.Clicks), figNum(l.Filtered), figNum(l.Visits)))
		}
	}
	if len(links) > 0 {
		tables = append(tables, insightsTable{ID: "post-links-" + f.ID, Title: p.T("insights.table_links"),
			Headers: []string{p.T("insights.link"), p.T("insights.clicks"), p.T("insights.filtered"), p.T("insights.visits")},
			Rows:    links})
	}
	return tables
}

// siteView is a registered website on the settings page.
type siteView struct {
	ID, Origin, Snippet string
}

// insightsSettingsData is what the settings page shows.
type insightsSettingsData struct {
	Sites      []siteView
	TrackLinks bool
	Domain     string
}

// insightsSettings shows the websites and the link-tracking switch.
func (h *Handler) insightsSettings(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "insights.settings_title")
	h.renderInsightsSettings(w, r, p, http.StatusOK)
}

func (h *Handler) renderInsightsSettings(w http.ResponseWriter, r *http.Request, p *Page, status int) {
	sites, err := h.svc.Sites(r.Context(), p.Actor)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	on, err := h.svc.LinkTracking(r.Context(), p.Actor)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := &insightsSettingsData{TrackLinks: on, Domain: h.svc.BaseURL()}
	for _, s := range sites {
		d.Sites = append(d.Sites, siteView{ID: model.FormatID(s.ID), Origin: s.Origin, Snippet: h.svc.BeaconSnippet(s)})
	}
	p.Data = d
	h.render(w, r, status, "insights_settings", p)
}

func (h *Handler) insightsAddSite(w http.ResponseWriter, r *http.Request) {
	p := h.page(r, "insights.settings_title")
	if _, err := h.svc.RegisterSite(r.Context(), p.Actor, r.PostFormValue("url")); err != nil {
		p.Form["url"] = r.PostFormValue("url")
		p.Error = h.tr.Error(p.Lang, err)
		h.renderInsightsSettings(w, r, p, model.HTTPStatus(err))
		return
	}
	h.redirectFlash(w, r, "/insights/settings", "insights.flash_site_added")
}

func (h *Handler) insightsDeleteSite(w http.ResponseWriter, r *http.Request) {
	id, err := model.ParseID(r.PathValue("id"))
	if err == nil {
		err = h.svc.DeleteSite(r.Context(), reqCtx(r).actor, id)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirectFlash(w, r, "/insights/settings", "insights.flash_site_removed")
}

func (h *Handler) insightsTracking(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.SetLinkTracking(r.Context(), reqCtx(r).actor, r.PostFormValue("track_links") == "on"); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirectFlash(w, r, "/insights/settings", "insights.flash_tracking_saved")
}
