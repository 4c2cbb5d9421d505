-- Insights: what happened around each account and community (impressions,
-- profile views, clicks on tracked links, website visits, network changes),
-- kept raw for a configurable time and rolled up by hour and by day.
-- Flagged engagement is never copied here: reports read engagement from the
-- core tables and leave engagement_flags out there.

-- Raw events, append-only. The id is time-sortable (milliseconds << 16 |
-- sequence) and is the event's time: on SQLite it is the rowid, so the
-- roll-ups and the retention sweep scan id ranges without another index.
CREATE TABLE insight_events (
    id BIGINT PRIMARY KEY,
    kind SMALLINT NOT NULL,                -- see store.InsightKind
    account_id BIGINT NOT NULL,            -- whose figure: author, profile, link owner, site owner, followed account
    post_id BIGINT NOT NULL DEFAULT 0,
    community_id BIGINT NOT NULL DEFAULT 0,-- communities.id of the post, for the community's figures
    ref_id BIGINT NOT NULL DEFAULT 0,      -- the tracked link or the website
    actor BIGINT NOT NULL DEFAULT 0,       -- an account id (> 0), or an anonymous daily key (< 0)
    source SMALLINT NOT NULL DEFAULT 0,    -- where a visit came from (store.VisitSource)
    detail TEXT NOT NULL DEFAULT ''        -- a visit's referring host, or the code of the tracked link it came through
);

-- Counts per scope (a person's or a community's account), kind, hour or day,
-- post, link or site, source and detail. Queries name the kinds they read,
-- so the key leads with them. Impressions and profile views are counted
-- once per viewer and day (see insight_seen).
CREATE TABLE insight_hourly (
    account_id BIGINT NOT NULL,
    bucket BIGINT NOT NULL,                -- start of the hour
    kind SMALLINT NOT NULL,
    post_id BIGINT NOT NULL DEFAULT 0,
    ref_id BIGINT NOT NULL DEFAULT 0,
    source SMALLINT NOT NULL DEFAULT 0,
    detail TEXT NOT NULL DEFAULT '',
    n BIGINT NOT NULL,
    PRIMARY KEY (account_id, kind, bucket, post_id, ref_id, source, detail)
);

CREATE TABLE insight_daily (
    account_id BIGINT NOT NULL,
    bucket BIGINT NOT NULL,                -- start of the day (UTC)
    kind SMALLINT NOT NULL,
    post_id BIGINT NOT NULL DEFAULT 0,
    ref_id BIGINT NOT NULL DEFAULT 0,
    source SMALLINT NOT NULL DEFAULT 0,
    detail TEXT NOT NULL DEFAULT '',
    n BIGINT NOT NULL,
    PRIMARY KEY (account_id, kind, bucket, post_id, ref_id, source, detail)
);

-- Who saw what today: the hourly roll-up inserts each (viewer, post) pair
-- once a day and counts only the pairs it inserted, so that a viewer counts
-- once per post and day across hours and nodes. batch names the roll-up run
-- that inserted the row. Rows older than two days are swept.
CREATE TABLE insight_seen (
    day BIGINT NOT NULL,
    kind SMALLINT NOT NULL,
    account_id BIGINT NOT NULL,
    post_id BIGINT NOT NULL,
    actor BIGINT NOT NULL,
    community_id BIGINT NOT NULL DEFAULT 0,
    bucket BIGINT NOT NULL,
    batch BIGINT NOT NULL,
    PRIMARY KEY (day, kind, account_id, post_id, actor)
);
CREATE INDEX insight_seen_batch ON insight_seen (batch);

-- Reach: a HyperLogLog sketch of the distinct viewers of a scope's posts
-- per day (base64), merged over a period.
CREATE TABLE insight_reach (
    account_id BIGINT NOT NULL,
    day BIGINT NOT NULL,
    sketch TEXT NOT NULL,
    PRIMARY KEY (account_id, day)
);

-- Where the roll-ups stopped (the last event id rolled up by hour, the last
-- day rolled up by day).
CREATE TABLE insight_state (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Tracked links: https://DOMAIN/l/CODE redirects to url. A link goes with
-- its post.
CREATE TABLE insight_links (
    id BIGINT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,             -- the link's place among the post's links
    url TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX insight_links_post ON insight_links (post_id);

-- Websites whose visits an account counts with the beacon. The key is the
-- public data-site value; hits are accepted only from origin.
CREATE TABLE insight_sites (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    site_key TEXT NOT NULL UNIQUE,
    origin TEXT NOT NULL,                  -- scheme://host[:port]
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX insight_sites_account_origin ON insight_sites (account_id, origin);

-- An account's insights settings; no row means the defaults.
CREATE TABLE insight_settings (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    track_links BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at BIGINT NOT NULL
);

-- Influence: PageRank over the engagement graph and over the follow graph,
-- computed for everyone by a periodic job.
CREATE TABLE insight_influence (
    graph TEXT NOT NULL,                   -- engagement, follow
    account_id BIGINT NOT NULL,
    pagerank DOUBLE PRECISION NOT NULL,
    rank BIGINT NOT NULL,                  -- 1 is the highest
    percentile DOUBLE PRECISION NOT NULL,  -- share of the others ranked lower, 0-100
    nodes BIGINT NOT NULL,                 -- accounts in the graph
    computed_at BIGINT NOT NULL,
    PRIMARY KEY (graph, account_id)
);
