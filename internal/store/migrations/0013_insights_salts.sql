-- The random salt of the anonymous visitors' keys, one per UTC day, shared
-- by every node on this database so that a visitor has the same key on
-- all of them. A salt is deleted once its day is over (the first node to
-- need the next day's salt deletes the older ones); addresses are never
-- stored anywhere.
CREATE TABLE insight_salts (
    day BIGINT PRIMARY KEY,                -- start of the day (UTC)
    salt TEXT NOT NULL,                    -- 32 random bytes, hex
    created_at BIGINT NOT NULL
);
