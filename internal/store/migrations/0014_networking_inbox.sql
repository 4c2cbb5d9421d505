-- The reply inbox, read oldest first: a partial index of what still
-- awaits an answer holds the whole page order (created_at, post_id) and the
-- snooze, so a page of a 10,000-item inbox and its count read the index
-- alone. (Response figures read an account's items through the primary key.)
DROP INDEX IF EXISTS inbox_awaiting;
CREATE INDEX IF NOT EXISTS inbox_waiting ON inbox_items (account_id, created_at, post_id, snoozed_until)
    WHERE answered_at = 0 AND done_at = 0;
