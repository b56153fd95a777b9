-- Schema version 2: `threads` becomes an ordinary rowid table. A thread's record is over a
-- kilobyte, more than a WITHOUT ROWID row keeps on its own page, so every thread a page of
-- thread/list read cost one more read of an overflow page, outside SQLite's page cache.
-- Columns, the id key and the list indexes are as in version 1.
CREATE TABLE threads_v2 (
    id TEXT PRIMARY KEY NOT NULL,
    stored TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    recency_at INTEGER NOT NULL,
    archived INTEGER NOT NULL CHECK (archived IN (0, 1)),
    cwd TEXT NOT NULL,
    model_provider TEXT NOT NULL,
    source_kind TEXT NOT NULL,
    preview TEXT NOT NULL,
    name TEXT
);
INSERT INTO threads_v2 (id, stored, created_at, updated_at, recency_at, archived, cwd, model_provider, source_kind, preview, name)
    SELECT id, stored, created_at, updated_at, recency_at, archived, cwd, model_provider, source_kind, preview, name FROM threads;
DROP TABLE threads;
ALTER TABLE threads_v2 RENAME TO threads;

CREATE INDEX threads_by_created_at ON threads (archived, created_at, id) WHERE preview <> '';
CREATE INDEX threads_by_updated_at ON threads (archived, updated_at, id) WHERE preview <> '';
CREATE INDEX threads_by_recency_at ON threads (archived, recency_at, id) WHERE preview <> '';
