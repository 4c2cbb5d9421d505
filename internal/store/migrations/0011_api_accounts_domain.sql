-- Remote accounts by domain. Local accounts have an empty domain, so a
-- range "domain > ''" on this index visits the remote ones only: posting
-- asks whether the author has remote followers (HasRemoteFollowers) and,
-- for an author with many local followers, answers from the side of the
-- few remote accounts instead of looking every follower up.
CREATE INDEX accounts_domain_id ON accounts (domain, id);
