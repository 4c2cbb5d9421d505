-- Federation: what Parvis knows about remote actors beyond their account
-- row, the activities already received, the domains an admin blocked, the
-- state of delivery to each server, the ids of follow activities, and the
-- replies whose parent has not arrived yet.

-- One remote account per ActivityPub id; the username alone is not enough
-- (a Lemmy person and a Lemmy community may share a name on one host).
CREATE UNIQUE INDEX accounts_remote_uri ON accounts (uri) WHERE uri <> '';

CREATE TABLE federation_actors (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    key_id TEXT NOT NULL DEFAULT '',        -- the id of the actor's publicKey
    actor_type TEXT NOT NULL DEFAULT '',    -- Person, Group, Service, Application, Organization
    outbox TEXT NOT NULL DEFAULT '',
    following TEXT NOT NULL DEFAULT '',
    featured TEXT NOT NULL DEFAULT '',
    avatar_url TEXT NOT NULL DEFAULT '',    -- remote files are referenced, not copied
    header_url TEXT NOT NULL DEFAULT '',
    moved_to TEXT NOT NULL DEFAULT '',      -- the new actor's id after a Move
    also_known_as TEXT NOT NULL DEFAULT '[]',
    fetched_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX federation_actors_key ON federation_actors (key_id);

-- Activities already accepted by an inbox, by the SHA-256 of their id, so
-- that a retried delivery is not applied twice. Swept after two weeks.
CREATE TABLE federation_activities (
    id_hash TEXT PRIMARY KEY,
    received_at BIGINT NOT NULL
);
CREATE INDEX federation_activities_received ON federation_activities (received_at);

-- Domains an admin blocked: suspend refuses everything from and to the
-- domain (and its subdomains); silence accepts its posts but keeps them
-- off public timelines and makes its follows requests.
CREATE TABLE federation_domains (
    domain TEXT PRIMARY KEY,
    severity TEXT NOT NULL DEFAULT 'suspend',
    reason TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);

-- Delivery health of each remote server (host[:port]). A server that has
-- failed for a day is marked unreachable and retried less often; any
-- success, or any activity received from it, clears the mark.
CREATE TABLE federation_servers (
    host TEXT PRIMARY KEY,
    failures INTEGER NOT NULL DEFAULT 0,
    first_failure_at BIGINT NOT NULL DEFAULT 0,
    last_failure_at BIGINT NOT NULL DEFAULT 0,
    last_success_at BIGINT NOT NULL DEFAULT 0,
    unreachable_since BIGINT NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT ''
);

-- The id of the Follow activity behind each follow or request that
-- crosses servers, kept until it is undone: Undo and Accept must name it.
CREATE TABLE federation_follows (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uri TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, target_id)
);
CREATE INDEX federation_follows_uri ON federation_follows (uri);

-- Remote replies stored before their parent (which could not be fetched,
-- or was past the thread depth limit): linked when the parent arrives.
CREATE TABLE federation_orphans (
    post_id BIGINT PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    parent_uri TEXT NOT NULL
);
CREATE INDEX federation_orphans_parent ON federation_orphans (parent_uri);

CREATE INDEX favourites_uri ON favourites (uri) WHERE uri <> '';

-- One copy of each remote post, even when two activities bring the same
-- post at once (a community's two Announce forms, a boost and a reply).
CREATE UNIQUE INDEX posts_uri_once ON posts (uri) WHERE uri <> '';
