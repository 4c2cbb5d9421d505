-- Integrity: findings of the manipulation detectors, and the engagements
-- they flag. A flagged engagement (pending review or confirmed) counts
-- nowhere but for the person who made it; a cleared flag restores it.

CREATE TABLE integrity_findings (
    id BIGINT PRIMARY KEY,
    signal TEXT NOT NULL,                  -- dense_block, lockstep, serial, ring, burst
    score DOUBLE PRECISION NOT NULL,
    reason TEXT NOT NULL,
    evidence TEXT NOT NULL DEFAULT '{}',   -- JSON: accounts, posts, authors, window
    status TEXT NOT NULL DEFAULT 'pending',-- pending, confirmed, cleared
    decided_by BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    decided_at BIGINT NOT NULL DEFAULT 0,
    window_from BIGINT NOT NULL,
    window_to BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX integrity_findings_status ON integrity_findings (status, id);

CREATE TABLE engagement_flags (
    kind TEXT NOT NULL,                    -- favourite, reblog, reply
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    author_id BIGINT NOT NULL,             -- the engaged post's author
    finding_id BIGINT NOT NULL REFERENCES integrity_findings (id) ON DELETE CASCADE,
    engaged_at BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',-- follows its finding; cleared flags stop discounting
    PRIMARY KEY (kind, account_id, post_id)
);
CREATE INDEX engagement_flags_post ON engagement_flags (post_id);
CREATE INDEX engagement_flags_author ON engagement_flags (author_id, engaged_at);
CREATE INDEX engagement_flags_finding ON engagement_flags (finding_id);

-- What the scans have looked at, so an incremental scan starts where the
-- last one stopped.
CREATE TABLE integrity_cursor (
    name TEXT PRIMARY KEY,
    position BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Posts keep their honest counts (flagged engagement excluded) in the usual
-- counters; these say how much was taken out.
ALTER TABLE posts ADD COLUMN discounted_favourites BIGINT NOT NULL DEFAULT 0;
ALTER TABLE posts ADD COLUMN discounted_reblogs BIGINT NOT NULL DEFAULT 0;
