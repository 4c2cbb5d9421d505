-- Whether the viewer boosted the posts of a page (store.ViewerFlagsFor):
-- one index probe per post, instead of walking every post the viewer ever
-- made (posts_account) to look at its reblog_of_id.
CREATE INDEX posts_account_reblog ON posts (account_id, reblog_of_id) WHERE reblog_of_id IS NOT NULL;
