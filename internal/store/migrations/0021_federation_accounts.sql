-- Federation of account changes: local accounts deleted (the row stays, so
-- the username is never given again, and its key signs the Delete) or
-- moved to another account, the aliases a local account declares
-- (alsoKnownAs), and the delivery slots per remote server shared by every
-- node on the database.

ALTER TABLE accounts ADD COLUMN deleted_at BIGINT NOT NULL DEFAULT 0;
-- The account this one moved to (local or remote), 0 when none.
ALTER TABLE accounts ADD COLUMN moved_to_id BIGINT NOT NULL DEFAULT 0;

-- Other accounts (their ActivityPub ids) a local account says it also is:
-- published as alsoKnownAs, which a Move towards it needs.
CREATE TABLE account_aliases (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    uri TEXT NOT NULL,
    acct TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, uri)
);

-- One row per delivery in flight to a server: slot 0..limit-1 on a host,
-- held by a node until released or until expires_at (a node that died).
CREATE TABLE federation_leases (
    host TEXT NOT NULL,
    slot INTEGER NOT NULL,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (host, slot)
);
