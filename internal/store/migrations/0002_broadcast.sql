-- Broadcast: posts, the follow graph, reactions, hashtags, communities.

CREATE TABLE posts (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uri TEXT NOT NULL DEFAULT '',          -- ActivityPub id; '' for local posts (derived from id)
    url TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',         -- the source as typed, for local posts
    content TEXT NOT NULL DEFAULT '',      -- sanitised HTML
    spoiler_text TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT '',
    visibility TEXT NOT NULL DEFAULT 'public', -- public, unlisted, private, direct
    sensitive BOOLEAN NOT NULL DEFAULT FALSE,
    local BOOLEAN NOT NULL DEFAULT TRUE,
    -- No foreign key on the parent: a reply outlives a deleted parent, as in Mastodon.
    in_reply_to_id BIGINT,
    in_reply_to_account_id BIGINT,
    thread_id BIGINT NOT NULL,             -- the id of the thread's root
    reblog_of_id BIGINT REFERENCES posts (id) ON DELETE CASCADE,
    community_id BIGINT,
    application_id BIGINT,
    replies_count BIGINT NOT NULL DEFAULT 0,
    reblogs_count BIGINT NOT NULL DEFAULT 0,
    favourites_count BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    edited_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX posts_account ON posts (account_id, id);
CREATE INDEX posts_thread ON posts (thread_id, id);
CREATE INDEX posts_reply ON posts (in_reply_to_id) WHERE in_reply_to_id IS NOT NULL;
CREATE INDEX posts_reblog ON posts (reblog_of_id) WHERE reblog_of_id IS NOT NULL;
CREATE INDEX posts_community ON posts (community_id, id) WHERE community_id IS NOT NULL;
CREATE INDEX posts_public ON posts (id) WHERE visibility = 'public' AND reblog_of_id IS NULL;
CREATE INDEX posts_public_local ON posts (id) WHERE visibility = 'public' AND reblog_of_id IS NULL AND local = TRUE;
CREATE INDEX posts_uri ON posts (uri) WHERE uri <> '';

CREATE TABLE follows (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id BIGINT NOT NULL,                    -- time-sortable, for pagination of followers/following
    show_reblogs BOOLEAN NOT NULL DEFAULT TRUE,
    notify BOOLEAN NOT NULL DEFAULT FALSE,
    uri TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, target_id)
);
CREATE INDEX follows_target ON follows (target_id, id);
CREATE INDEX follows_account_id ON follows (account_id, id);

CREATE TABLE follow_requests (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    uri TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, target_id)
);
CREATE INDEX follow_requests_target ON follow_requests (target_id, id);

CREATE TABLE blocks (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    uri TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, target_id)
);
CREATE INDEX blocks_target ON blocks (target_id);

CREATE TABLE mutes (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    notifications BOOLEAN NOT NULL DEFAULT TRUE,
    expires_at BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, target_id)
);

CREATE TABLE favourites (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    uri TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX favourites_account_post ON favourites (account_id, post_id);
CREATE INDEX favourites_post ON favourites (post_id, id);

CREATE TABLE bookmarks (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX bookmarks_account_post ON bookmarks (account_id, post_id);

CREATE TABLE pins (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, post_id)
);

CREATE TABLE tags (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,                    -- as first written
    name_lower TEXT NOT NULL UNIQUE,       -- Unicode-lowercased in Go, for lookups
    created_at BIGINT NOT NULL
);

CREATE TABLE post_tags (
    tag_id BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    PRIMARY KEY (tag_id, post_id)
);
CREATE INDEX post_tags_post ON post_tags (post_id);

CREATE TABLE mentions (
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (post_id, account_id)
);
CREATE INDEX mentions_account ON mentions (account_id, post_id);

-- A community is an interest group with its own group account (accounts.is_group).
CREATE TABLE communities (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL UNIQUE REFERENCES accounts (id) ON DELETE CASCADE,
    membership TEXT NOT NULL DEFAULT 'open', -- open, approval, private
    topics TEXT NOT NULL DEFAULT '',
    rules TEXT NOT NULL DEFAULT '[]',
    created_by BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    members_count BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE community_members (
    community_id BIGINT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role TEXT NOT NULL DEFAULT 'member',   -- owner, moderator, member
    id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (community_id, account_id)
);
CREATE INDEX community_members_account ON community_members (account_id);
