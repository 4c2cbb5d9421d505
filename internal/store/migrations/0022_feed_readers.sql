-- The people whose home feed is kept (store.ActiveFollowers from the
-- readers' side): when they are fewer than an author's followers, the
-- fan-out's audience is read by walking them and checking each follows the
-- author, instead of checking each of the author's followers.
CREATE INDEX users_feed_readers ON users (last_active_at, account_id) WHERE feed_valid = TRUE;
