-- Broadcast, continued: media, edits, cards, notifications, home feeds,
-- OAuth for the Mastodon API, idempotent posting.

ALTER TABLE users ADD COLUMN last_active_at BIGINT NOT NULL DEFAULT 0;
-- The home feed is complete from feed_valid onwards; false while it is
-- being rebuilt for someone who comes back after a long absence.
ALTER TABLE users ADD COLUMN feed_valid BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX users_active ON users (last_active_at);

ALTER TABLE posts ADD COLUMN card_id BIGINT;
ALTER TABLE posts ADD COLUMN idempotency_key TEXT NOT NULL DEFAULT '';

CREATE TABLE media_attachments (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    post_id BIGINT REFERENCES posts (id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0,
    type TEXT NOT NULL,                    -- image, gifv, video, audio, unknown
    mime TEXT NOT NULL DEFAULT '',
    path TEXT NOT NULL DEFAULT '',         -- in the media store; '' for remote media not cached
    thumb_path TEXT NOT NULL DEFAULT '',
    remote_url TEXT NOT NULL DEFAULT '',
    size BIGINT NOT NULL DEFAULT 0,
    width INTEGER NOT NULL DEFAULT 0,
    height INTEGER NOT NULL DEFAULT 0,
    thumb_width INTEGER NOT NULL DEFAULT 0,
    thumb_height INTEGER NOT NULL DEFAULT 0,
    blurhash TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',  -- alt text
    focus_x REAL NOT NULL DEFAULT 0,
    focus_y REAL NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX media_post ON media_attachments (post_id, position) WHERE post_id IS NOT NULL;
CREATE INDEX media_account ON media_attachments (account_id, id);

-- Earlier versions of edited posts, for the edit history.
CREATE TABLE post_edits (
    id BIGINT PRIMARY KEY,
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    content TEXT NOT NULL,
    spoiler_text TEXT NOT NULL,
    sensitive BOOLEAN NOT NULL,
    media TEXT NOT NULL DEFAULT '[]',      -- JSON: the attachments as they were
    created_at BIGINT NOT NULL
);
CREATE INDEX post_edits_post ON post_edits (post_id, id);

CREATE TABLE preview_cards (
    id BIGINT PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    type TEXT NOT NULL DEFAULT 'link',
    author_name TEXT NOT NULL DEFAULT '',
    author_url TEXT NOT NULL DEFAULT '',
    provider_name TEXT NOT NULL DEFAULT '',
    provider_url TEXT NOT NULL DEFAULT '',
    html TEXT NOT NULL DEFAULT '',
    width INTEGER NOT NULL DEFAULT 0,
    height INTEGER NOT NULL DEFAULT 0,
    image_url TEXT NOT NULL DEFAULT '',
    embed_url TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT '',
    blurhash TEXT NOT NULL DEFAULT '',
    published_at BIGINT NOT NULL DEFAULT 0,
    fetched_at BIGINT NOT NULL,
    error TEXT NOT NULL DEFAULT ''         -- why the last fetch failed, '' when it worked
);

CREATE TABLE notifications (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    from_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    type TEXT NOT NULL,                    -- mention, reply, follow, follow_request, favourite, reblog, status, update
    post_id BIGINT REFERENCES posts (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE INDEX notifications_account ON notifications (account_id, id);
CREATE UNIQUE INDEX notifications_once ON notifications (account_id, from_account_id, type, COALESCE(post_id, 0));

CREATE TABLE markers (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    timeline TEXT NOT NULL,                -- home, notifications
    last_read_id BIGINT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, timeline)
);

-- OAuth 2 for the Mastodon API. Secrets and tokens are stored as SHA-256.
CREATE TABLE oauth_apps (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    website TEXT NOT NULL DEFAULT '',
    redirect_uris TEXT NOT NULL,           -- newline-separated
    scopes TEXT NOT NULL,
    client_id TEXT NOT NULL UNIQUE,
    client_secret_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE oauth_codes (
    code_hash TEXT PRIMARY KEY,
    app_id BIGINT NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    redirect_uri TEXT NOT NULL,
    scopes TEXT NOT NULL,
    code_challenge TEXT NOT NULL DEFAULT '',
    challenge_method TEXT NOT NULL DEFAULT '',
    expires_at BIGINT NOT NULL
);

CREATE TABLE oauth_tokens (
    token_hash TEXT PRIMARY KEY,
    app_id BIGINT NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE, -- NULL for client_credentials
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL DEFAULT 0,
    revoked_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX oauth_tokens_user ON oauth_tokens (user_id);

CREATE UNIQUE INDEX posts_idempotency ON posts (account_id, idempotency_key) WHERE idempotency_key <> '';
CREATE INDEX posts_tagged ON post_tags (post_id, tag_id);
CREATE INDEX posts_in_reply_to_account ON posts (in_reply_to_account_id) WHERE in_reply_to_account_id IS NOT NULL;
