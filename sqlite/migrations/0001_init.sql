-- Schema version 1: threads, their append-only history, and queued turns (PROTOCOL.md §6.1).
-- Applied once per store file, inside one transaction, by sqlite/src/schema.rs (`user_version`).

-- One row per thread: the StoredThread JSON as the engine wrote it, plus the columns
-- thread/list filters and sorts on, derived from that JSON on every write.
CREATE TABLE threads (
    id TEXT PRIMARY KEY NOT NULL,
    stored TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    -- recencyAt, or updatedAt when the thread has none: the `recency_at` sort value.
    recency_at INTEGER NOT NULL,
    archived INTEGER NOT NULL CHECK (archived IN (0, 1)),
    cwd TEXT NOT NULL,
    model_provider TEXT NOT NULL,
    -- The ThreadSourceKind of the thread's `source`, as its JSON string (`vscode`, `subAgentReview`…).
    source_kind TEXT NOT NULL,
    preview TEXT NOT NULL,
    name TEXT
) WITHOUT ROWID;

-- A page walks one of these in order: threads without a preview are never listed, so they are
-- left out of the indexes too; (…, id) makes the order total, as the anchor needs.
CREATE INDEX threads_by_created_at ON threads (archived, created_at, id) WHERE preview <> '';
CREATE INDEX threads_by_updated_at ON threads (archived, updated_at, id) WHERE preview <> '';
CREATE INDEX threads_by_recency_at ON threads (archived, recency_at, id) WHERE preview <> '';

-- Append-only history: `seq` counts from 1 per thread, so a tail read walks the key backwards.
CREATE TABLE history (
    thread_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (thread_id, seq)
) WITHOUT ROWID;

-- Queued turns, after the seed's table. No foreign key to threads: as in the memory reference,
-- a queue may be written for a thread id the thread store does not hold; deleting a thread
-- deletes its rows in the same transaction instead.
CREATE TABLE queued_turns (
    queued_turn_id TEXT PRIMARY KEY NOT NULL,
    thread_id TEXT NOT NULL,
    turn_start_params TEXT NOT NULL,
    queue_order INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'dispatching', 'failed')),
    dispatch_turn_id TEXT,
    failure TEXT,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    UNIQUE (thread_id, queue_order)
);
