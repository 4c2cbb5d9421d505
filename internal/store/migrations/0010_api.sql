-- The Mastodon client API: the posting defaults that apps read and change
-- through update_credentials (source[privacy], source[sensitive],
-- source[language]) and that apply when a post does not say otherwise.
ALTER TABLE users ADD COLUMN post_privacy TEXT NOT NULL DEFAULT 'public';
ALTER TABLE users ADD COLUMN post_sensitive BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN post_language TEXT NOT NULL DEFAULT '';
