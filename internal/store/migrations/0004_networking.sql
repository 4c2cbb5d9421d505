-- Social networking: communities and their moderation, connections,
-- introductions, direct conversations, the reply inbox, suggestions.

ALTER TABLE communities ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE community_members ADD COLUMN muted_until BIGINT NOT NULL DEFAULT 0;
-- A post a moderator removed: hidden everywhere but from its author and the
-- moderators (who keep it for the log).
ALTER TABLE posts ADD COLUMN removed_at BIGINT NOT NULL DEFAULT 0;

CREATE TABLE community_bans (
    community_id BIGINT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    banned_by BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    reason TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    PRIMARY KEY (community_id, account_id)
);

CREATE TABLE community_invites (
    community_id BIGINT NOT NULL REFERENCES communities (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    invited_by BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (community_id, account_id)
);

-- Reports, by anyone, about posts or accounts, to a community's moderators
-- (community_id set) or to the server's.
CREATE TABLE reports (
    id BIGINT PRIMARY KEY,
    reporter_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    post_id BIGINT REFERENCES posts (id) ON DELETE SET NULL,
    community_id BIGINT REFERENCES communities (id) ON DELETE CASCADE,
    category TEXT NOT NULL DEFAULT 'other',  -- spam, violation, other
    comment TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'open',     -- open, resolved, dismissed
    resolved_by BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    resolved_at BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX reports_community ON reports (community_id, status, id);

-- What moderators did, for the moderators to read.
CREATE TABLE moderation_log (
    id BIGINT PRIMARY KEY,
    community_id BIGINT REFERENCES communities (id) ON DELETE CASCADE,
    actor_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    target_account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    post_id BIGINT,
    reason TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX moderation_log_community ON moderation_log (community_id, id);

-- Connections are mutual: one row per pair, smaller id first.
CREATE TABLE connections (
    account_a BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    account_b BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    introduction_id BIGINT,                  -- set when an introduction made it
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_a, account_b),
    CHECK (account_a < account_b)
);
CREATE INDEX connections_b ON connections (account_b, account_a);

CREATE TABLE connection_requests (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id BIGINT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, target_id)
);
CREATE INDEX connection_requests_target ON connection_requests (target_id, id);

CREATE TABLE introductions (
    id BIGINT PRIMARY KEY,
    introducer_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    account_a BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    account_b BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    note TEXT NOT NULL DEFAULT '',
    a_answer TEXT NOT NULL DEFAULT '',       -- '', accepted, declined
    b_answer TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'pending',  -- pending, connected, declined
    created_at BIGINT NOT NULL,
    decided_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX introductions_a ON introductions (account_a, id);
CREATE INDEX introductions_b ON introductions (account_b, id);
CREATE INDEX introductions_introducer ON introductions (introducer_id, id);

-- Direct conversations as each participant sees them (Mastodon's
-- /api/v1/conversations): one row per participant and thread.
CREATE TABLE conversations (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    thread_id BIGINT NOT NULL,
    participants TEXT NOT NULL DEFAULT '[]', -- JSON: the other participants' ids
    last_post_id BIGINT NOT NULL,
    unread BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (account_id, thread_id)
);
CREATE INDEX conversations_last ON conversations (account_id, last_post_id);

-- The reply inbox: what a person (or a community's moderators) should
-- answer. kind: mention, direct, question, community.
CREATE TABLE inbox_items (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    from_account_id BIGINT NOT NULL,
    community_id BIGINT,
    thread_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,              -- when the post arrived
    answered_at BIGINT NOT NULL DEFAULT 0,   -- first reply (by the person, or anyone for community items)
    answer_post_id BIGINT,
    done_at BIGINT NOT NULL DEFAULT 0,       -- marked done without a reply
    snoozed_until BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, post_id)
);
CREATE INDEX inbox_awaiting ON inbox_items (account_id, answered_at, done_at, created_at);
CREATE INDEX inbox_thread ON inbox_items (thread_id, answered_at);
CREATE INDEX inbox_community ON inbox_items (community_id, created_at) WHERE community_id IS NOT NULL;

CREATE TABLE suggestion_dismissals (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, target_id)
);
