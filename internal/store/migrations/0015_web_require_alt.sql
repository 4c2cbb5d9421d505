-- The web UI: a person may ask to be stopped from posting an image
-- without a description (alt text), for those who cannot see it.
ALTER TABLE users ADD COLUMN require_alt BOOLEAN NOT NULL DEFAULT FALSE;
