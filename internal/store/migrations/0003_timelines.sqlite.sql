-- Home feeds, clustered by reader: a timeline page is one range scan.
CREATE TABLE home_feed (
    account_id INTEGER NOT NULL,
    post_id INTEGER NOT NULL,
    author_id INTEGER NOT NULL,
    reblog_of_id INTEGER,
    PRIMARY KEY (account_id, post_id)
) WITHOUT ROWID;
CREATE INDEX home_feed_author ON home_feed (author_id);

-- Full-text search without a second copy of the text (contentless), with
-- deletes allowed. unicode61 folds case and diacritics, which suits French
-- and English alike.
CREATE VIRTUAL TABLE posts_fts USING fts5(body, content='', contentless_delete=1,
    tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts WHEN NEW.reblog_of_id IS NULL BEGIN
    INSERT INTO posts_fts (rowid, body) VALUES (NEW.id, NEW.spoiler_text || ' ' || NEW.text);
END;
CREATE TRIGGER posts_fts_update AFTER UPDATE OF text, spoiler_text ON posts WHEN NEW.reblog_of_id IS NULL BEGIN
    DELETE FROM posts_fts WHERE rowid = OLD.id;
    INSERT INTO posts_fts (rowid, body) VALUES (NEW.id, NEW.spoiler_text || ' ' || NEW.text);
END;
CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts WHEN OLD.reblog_of_id IS NULL BEGIN
    DELETE FROM posts_fts WHERE rowid = OLD.id;
END;

CREATE VIRTUAL TABLE accounts_fts USING fts5(username, display_name, content='accounts', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER accounts_fts_insert AFTER INSERT ON accounts BEGIN
    INSERT INTO accounts_fts (rowid, username, display_name) VALUES (NEW.id, NEW.username, NEW.display_name);
END;
CREATE TRIGGER accounts_fts_update AFTER UPDATE OF username, display_name ON accounts BEGIN
    INSERT INTO accounts_fts (accounts_fts, rowid, username, display_name) VALUES ('delete', OLD.id, OLD.username, OLD.display_name);
    INSERT INTO accounts_fts (rowid, username, display_name) VALUES (NEW.id, NEW.username, NEW.display_name);
END;
CREATE TRIGGER accounts_fts_delete AFTER DELETE ON accounts BEGIN
    INSERT INTO accounts_fts (accounts_fts, rowid, username, display_name) VALUES ('delete', OLD.id, OLD.username, OLD.display_name);
END;
INSERT INTO posts_fts (rowid, body) SELECT id, spoiler_text || ' ' || text FROM posts WHERE reblog_of_id IS NULL;
INSERT INTO accounts_fts (accounts_fts) VALUES ('rebuild');
