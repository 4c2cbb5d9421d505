CREATE TABLE home_feed (
    account_id BIGINT NOT NULL,
    post_id BIGINT NOT NULL,
    author_id BIGINT NOT NULL,
    reblog_of_id BIGINT,
    PRIMARY KEY (account_id, post_id)
);
CREATE INDEX home_feed_author ON home_feed (author_id);

-- The 'simple' configuration (no stemming) matches SQLite's unicode61 and
-- treats French and English alike; unaccent is not assumed to be installed.
ALTER TABLE posts ADD COLUMN search tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', spoiler_text || ' ' || text)) STORED;
CREATE INDEX posts_search ON posts USING GIN (search) WHERE reblog_of_id IS NULL;
ALTER TABLE accounts ADD COLUMN search tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', username || ' ' || display_name)) STORED;
CREATE INDEX accounts_search ON accounts USING GIN (search);
