package insights

import "time"

// Report is what Parvis tells an account's owner (or a community's
// moderators) about a period: docs/INSIGHTS.md defines every figure. It is
// the JSON of /api/parvis/v1/insights and of "parvis insights".
type Report struct {
	Scope Scope     `json:"scope"`
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
	// AsOf is how far the roll-ups went: events after it are not counted yet.
	AsOf time.Time `json:"as_of"`

	Impressions  int64 `json:"impressions"`
	Reach        int64 `json:"reach"`
	ProfileViews int64 `json:"profile_views"`
	// Posts counts the posts published in the period.
	Posts      int        `json:"posts"`
	Engagement Engagement `json:"engagement"`
	// EngagementRateByImpressions is the engagement received in the period
	// divided by the impressions in it; EngagementRateByFollowers divides it
	// by the followers at the end of the period. Both are fractions.
	EngagementRateByImpressions float64 `json:"engagement_rate_by_impressions"`
	EngagementRateByFollowers   float64 `json:"engagement_rate_by_followers"`
	// ConversationRate, AmplificationRate and ApplauseRate are the replies,
	// boosts and favourites per post published in the period.
	ConversationRate  float64   `json:"conversation_rate"`
	AmplificationRate float64   `json:"amplification_rate"`
	ApplauseRate      float64   `json:"applause_rate"`
	Per1000Followers  PerFollow `json:"per_1000_followers"`

	Influence     InfluenceFigures    `json:"influence"`
	Conversations ConversationSummary `json:"conversations"`
	Topics        []Topic             `json:"topics"`
	Rising        []RisingTopic       `json:"rising_topics"`
	Hashtags      []TagCount          `json:"hashtags"`
	Growth        Growth              `json:"growth"`
	Website       Website             `json:"website"`
	Links         []LinkFigures       `json:"links"`
	Fans          FanSummary          `json:"fans"`
	Response      Response            `json:"response"`
	Discounted    Discounted          `json:"discounted"`
	Daily         []DayFigures        `json:"daily"`
	PostFigures   []PostFigures       `json:"post_figures"`
}

// Scope names whose report it is.
type Scope struct {
	Kind string `json:"kind"` // account or community
	ID   string `json:"id"`   // the account's id, or the community's
	Acct string `json:"acct"`
	Name string `json:"name"`
}

// Engagement counts what the scope's posts received in the period from
// others, flagged engagement left out.
type Engagement struct {
	Replies    int64 `json:"replies"`
	Reblogs    int64 `json:"reblogs"`
	Favourites int64 `json:"favourites"`
	Total      int64 `json:"total"`
}

// PerFollow gives the conversation, amplification and applause rates per
// post and per 1,000 followers.
type PerFollow struct {
	Conversation  float64 `json:"conversation"`
	Amplification float64 `json:"amplification"`
	Applause      float64 `json:"applause"`
}

// InfluenceFigures is an account's PageRank over the engagement graph (the
// top-level fields) and over the follow graph.
type InfluenceFigures struct {
	PageRank   float64   `json:"pagerank"`
	Rank       int64     `json:"rank"` // 0 when not ranked (no engagement yet)
	Percentile float64   `json:"percentile"`
	Accounts   int64     `json:"accounts"` // accounts ranked
	ComputedAt time.Time `json:"computed_at"`
	Follow     Standings `json:"follow"`
}

// Standings is an account's place in one graph.
type Standings struct {
	PageRank   float64 `json:"pagerank"`
	Rank       int64   `json:"rank"`
	Percentile float64 `json:"percentile"`
	Accounts   int64   `json:"accounts"`
}

// TagCount is a hashtag and how many of the period's posts carry it.
type TagCount struct {
	Tag   string `json:"tag"`
	Posts int    `json:"posts"`
}

// Growth is how the network grew: sizes at the end of each day.
type Growth struct {
	Followers           []Point `json:"followers"`
	Connections         []Point `json:"connections"`
	Members             []Point `json:"members,omitempty"`
	NewFollowers        int64   `json:"new_followers"`
	LostFollowers       int64   `json:"lost_followers"`
	FollowersGrowthRate float64 `json:"followers_growth_rate"`
	ConnectionsGrowth   float64 `json:"connections_growth_rate"`
	MembersGrowthRate   float64 `json:"members_growth_rate"`
	Joins               int64   `json:"joins"`
	Leaves              int64   `json:"leaves"`
}

// Website is what the beacon counted on the scope's registered sites.
type Website struct {
	Sites     []string `json:"sites"`
	Pageviews int64    `json:"pageviews"`
	Visits    int64    `json:"visits"`
	Visitors  int64    `json:"visitors"`
	// VisitsFromSocial counts the visits from this server: tracked links,
	// UTM tags naming it, or its pages as referrer.
	VisitsFromSocial int64            `json:"visits_from_social"`
	SocialShare      float64          `json:"social_share"`
	VisitsPer1000    float64          `json:"visits_from_social_per_1000_followers"`
	BySource         map[string]int64 `json:"by_source"`
	Referrers        []Referrer       `json:"referrers"`
	FilteredHits     int64            `json:"filtered_hits"`
	// AfterPosts compares, for each post, the visits in the Window after it
	// with the same window just before it.
	Window     string      `json:"window"`
	AfterPosts []PostVisit `json:"after_posts"`
	// MeanLift is the mean of after − baseline over the posts measured.
	MeanLift float64 `json:"mean_lift"`
}

// Referrer is another site that sent visits.
type Referrer struct {
	Host   string `json:"host"`
	Visits int64  `json:"visits"`
}

// PostVisit compares the visits after a post with those before it.
type PostVisit struct {
	PostID   string    `json:"post_id"`
	At       time.Time `json:"at"`
	After    int64     `json:"after"`
	Baseline int64     `json:"baseline"`
	// Complete is false when part of either window is not known (in the
	// future, or older than the hourly roll-ups kept).
	Complete bool `json:"complete"`
}

// LinkFigures is one tracked link's clicks.
type LinkFigures struct {
	Code     string `json:"code"`
	URL      string `json:"url"`
	PostID   string `json:"post_id"`
	Clicks   int64  `json:"clicks"`
	Filtered int64  `json:"filtered"` // fetches by bots and prefetches, not clicks
	Visits   int64  `json:"visits"`   // visits to a registered site that came through it
}

// Response sums up the reply inbox: how often and how fast people were
// answered.
type Response struct {
	Items               int     `json:"items"`
	Answered            int     `json:"answered"`
	ResponseRate        float64 `json:"response_rate"`
	MedianFirstReplySec float64 `json:"median_first_reply_seconds"`
	P90FirstReplySec    float64 `json:"p90_first_reply_seconds"`
	AnsweredWithin1h    float64 `json:"answered_within_1h"`
	AnsweredWithin24h   float64 `json:"answered_within_24h"`
}

// Discounted counts the flagged engagement left out of every figure.
type Discounted struct {
	Favourites int64 `json:"favourites"`
	Reblogs    int64 `json:"reblogs"`
	Replies    int64 `json:"replies"`
	Total      int64 `json:"total"`
}

// DayFigures are one day's counts.
type DayFigures struct {
	Date             string `json:"date"`
	Impressions      int64  `json:"impressions"`
	ProfileViews     int64  `json:"profile_views"`
	Engagements      int64  `json:"engagements"`
	Clicks           int64  `json:"clicks"`
	Visits           int64  `json:"visits"`
	VisitsFromSocial int64  `json:"visits_from_social"`
	Followers        int64  `json:"followers"`
	NewFollowers     int64  `json:"new_followers"`
	LostFollowers    int64  `json:"lost_followers"`
}

// PostFigures are one post's figures over the period, for the drill-down.
type PostFigures struct {
	ID          string      `json:"id"`
	URL         string      `json:"url"`
	At          time.Time   `json:"at"`
	Excerpt     string      `json:"excerpt"`
	Impressions int64       `json:"impressions"`
	Replies     int64       `json:"replies"`
	Reblogs     int64       `json:"reblogs"`
	Favourites  int64       `json:"favourites"`
	Clicks      int64       `json:"clicks"`
	Visits      int64       `json:"visits"`
	Engagement  float64     `json:"engagement_rate_by_impressions"`
	Thread      ThreadStats `json:"thread"`
}
