-- Core: instance settings, accounts, local users, sessions, rate limits.
-- Every time column holds Unix milliseconds (UTC); 0 means "never".

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Accounts are everyone who can publish: local people, remote people, and
-- communities (is_group). Local people also have a row in users.
CREATE TABLE accounts (
    id BIGINT PRIMARY KEY,
    username TEXT NOT NULL,
    domain TEXT NOT NULL DEFAULT '',
    display_name TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    note_html TEXT NOT NULL DEFAULT '',
    avatar_path TEXT NOT NULL DEFAULT '',
    header_path TEXT NOT NULL DEFAULT '',
    locked BOOLEAN NOT NULL DEFAULT FALSE,
    bot BOOLEAN NOT NULL DEFAULT FALSE,
    is_group BOOLEAN NOT NULL DEFAULT FALSE,
    discoverable BOOLEAN NOT NULL DEFAULT TRUE,
    uri TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    inbox TEXT NOT NULL DEFAULT '',
    shared_inbox TEXT NOT NULL DEFAULT '',
    followers_url TEXT NOT NULL DEFAULT '',
    public_key TEXT NOT NULL DEFAULT '',
    fields TEXT NOT NULL DEFAULT '[]',
    followers_count BIGINT NOT NULL DEFAULT 0,
    following_count BIGINT NOT NULL DEFAULT 0,
    statuses_count BIGINT NOT NULL DEFAULT 0,
    last_status_at BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    suspended_at BIGINT NOT NULL DEFAULT 0,
    fetched_at BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX accounts_username_domain ON accounts (lower(username), domain);
CREATE INDEX accounts_uri ON accounts (uri) WHERE uri <> '';

-- Private keys stay out of the accounts table so that no account query can
-- leak them by accident.
CREATE TABLE account_keys (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    private_key TEXT NOT NULL
);

CREATE TABLE users (
    id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL UNIQUE REFERENCES accounts (id) ON DELETE CASCADE,
    email TEXT,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'user',
    approved BOOLEAN NOT NULL DEFAULT TRUE,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    locale TEXT NOT NULL DEFAULT '',
    signup_note TEXT NOT NULL DEFAULT '',
    -- Salted hashes of the sign-up network and client, compared by the
    -- integrity scans; raw addresses are never stored.
    signup_network TEXT NOT NULL DEFAULT '',
    signup_client TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    last_login_at BIGINT NOT NULL DEFAULT 0,
    password_changed_at BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX users_email ON users (lower(email)) WHERE email IS NOT NULL;
CREATE INDEX users_role ON users (role);

-- Web sessions. id is the SHA-256 of the cookie's secret, so a leaked
-- database cannot be replayed as cookies.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    user_agent TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX password_resets_user ON password_resets (user_id);

-- Fixed-window counters shared by every node (login attempts, sign-ups,
-- favourites...). Old windows are swept by a periodic job.
CREATE TABLE rate_limits (
    key TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (key, window_start)
);
