//! What only a durable store must show: reopening keeps everything, migrations build a store
//! from an empty directory, two connections on one file (as two processes) claim with a single
//! winner, files are owner-only, and bad ids or bad stored data fail without a panic.

use std::sync::{Arc, Barrier};

use futures::executor::block_on;
use rusqlite::Connection;
use serde_json::json;
use spindle_core::store::conformance::{id, name_of, stored_thread};
use spindle_core::store::queue_store::ClaimOutcome;
use spindle_core::store::{HistoryRecord, QueueStore, StoreError, ThreadListQuery, ThreadStore};
use spindle_sqlite::{FILE_NAME, SqliteStore};

fn open(dir: &std::path::Path) -> SqliteStore {
    block_on(SqliteStore::open(dir)).expect("open")
}

fn items(text: &str) -> HistoryRecord {
    HistoryRecord::ModelItems { items: vec![json!(text)] }
}

#[test]
fn reopening_a_store_keeps_threads_history_and_queued_turns() {
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let store = open(dir.path());
        let mut stored = stored_thread("t1", 10, "hello");
        stored.thread.name = Some("Kept".into());
        block_on(ThreadStore::create(&store, stored)).expect("create");
        block_on(ThreadStore::append(&store, id("t1"), vec![items("a"), items("b")])).expect("append");
        block_on(QueueStore::append(&store, id("q1"), id("t1"), json!({ "input": [] }), 5)).expect("queue");
        block_on(QueueStore::append(&store, id("q2"), id("t1"), json!({ "input": [] }), 6)).expect("queue");
        assert!(matches!(block_on(store.claim_head(id("t1"), 7)).expect("claim"), ClaimOutcome::Claimed { .. }));
    }
    let store = open(dir.path());
    let loaded = block_on(store.load(id("t1"), None)).expect("load").expect("thread kept");
    assert_eq!(loaded.stored.thread.name.as_deref(), Some("Kept"));
    assert_eq!(loaded.records, vec![items("a"), items("b")]);
    let listed = block_on(store.list(ThreadListQuery { limit: 10, ..Default::default() })).expect("list");
    assert_eq!(listed.len(), 1);
    // The dispatching row survived too: it keeps the queue busy until recovered.
    assert_eq!(block_on(store.claim_head(id("t1"), 8)).expect("claim"), ClaimOutcome::Busy);
    let (visible, _) = block_on(store.list_visible(id("t1"), 0, 10)).expect("list queue");
    assert_eq!(visible.iter().map(|row| name_of(&row.queued_turn_id)).collect::<Vec<_>>(), ["q2"]);
}

#[test]
fn an_empty_directory_is_migrated_to_the_current_schema_once() {
    let parent = tempfile::tempdir().expect("temp dir");
    let dir = parent.path().join("nested").join("store");
    drop(open(&dir));
    drop(open(&dir));
    let connection = Connection::open(dir.join(FILE_NAME)).expect("raw open");
    let version: i64 = connection.query_row("PRAGMA user_version", [], |row| row.get(0)).expect("version");
    assert_eq!(version, 2);
    let mode: String = connection.query_row("PRAGMA journal_mode", [], |row| row.get(0)).expect("mode");
    assert_eq!(mode, "wal");
    let mut tables: Vec<String> = connection
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .expect("prepare")
        .query_map([], |row| row.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("names");
    tables.sort();
    assert_eq!(tables, ["history", "queued_turns", "threads"]);
}

#[test]
fn a_version_1_store_keeps_its_threads_when_threads_becomes_a_rowid_table() {
    let dir = tempfile::tempdir().expect("temp dir");
    {
        // A store as the first Spindle with SQLite left it: schema 1, one thread with history.
        let connection = Connection::open(dir.path().join(FILE_NAME)).expect("raw open");
        connection.execute_batch(include_str!("../migrations/0001_init.sql")).expect("schema 1");
        connection.pragma_update(None, "user_version", 1).expect("version 1");
        let stored = stored_thread("t1", 10, "hello");
        connection
            .execute(
                "INSERT INTO threads (id, stored, created_at, updated_at, recency_at, archived, cwd, model_provider,                  source_kind, preview, name) VALUES (?1, ?2, 10, 10, 10, 0, ?3, ?4, 'vscode', 'hello', NULL)",
                rusqlite::params![
                    id("t1"),
                    serde_json::to_string(&stored).expect("encode"),
                    stored.thread.cwd,
                    stored.thread.model_provider
                ],
            )
            .expect("thread");
        connection
            .execute(
                "INSERT INTO history (thread_id, seq, record) VALUES (?1, 1, ?2)",
                rusqlite::params![id("t1"), serde_json::to_string(&items("a")).expect("encode")],
            )
            .expect("history");
    }
    let store = open(dir.path());
    let loaded = block_on(store.load(id("t1"), None)).expect("load").expect("thread kept");
    assert_eq!(loaded.records, vec![items("a")]);
    let listed = block_on(store.list(ThreadListQuery { limit: 10, ..Default::default() })).expect("list");
    assert_eq!(listed.iter().map(|stored| name_of(&stored.thread.id)).collect::<Vec<_>>(), ["t1"]);
    let connection = Connection::open(dir.path().join(FILE_NAME)).expect("raw open");
    let schema: String = connection
        .query_row("SELECT sql FROM sqlite_schema WHERE name = 'threads'", [], |row| row.get(0))
        .expect("threads table");
    assert!(!schema.contains("WITHOUT ROWID"), "{schema}");
    let indexes: i64 = connection
        .query_row("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name LIKE 'threads_by_%'", [], |row| {
            row.get(0)
        })
        .expect("indexes");
    assert_eq!(indexes, 3);
}

#[test]
fn a_store_from_a_newer_spindle_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    drop(open(dir.path()));
    Connection::open(dir.path().join(FILE_NAME))
        .expect("raw open")
        .pragma_update(None, "user_version", 99)
        .expect("bump");
    let refused = block_on(SqliteStore::open(dir.path()));
    assert!(
        matches!(&refused, Err(StoreError::Adapter(message)) if message.contains("version 99")),
        "{:?}",
        refused.err()
    );
}

#[test]
fn two_connections_on_one_file_claim_the_head_with_a_single_winner() {
    const CALLERS_PER_STORE: usize = 4;
    let dir = tempfile::tempdir().expect("temp dir");
    let stores = [Arc::new(open(dir.path())), Arc::new(open(dir.path()))];
    for round in 0..20 {
        let head = format!("r{round}");
        block_on(QueueStore::append(stores[round % 2].as_ref(), id(&head), id("t1"), json!({}), 1)).expect("append");
        let barrier = Arc::new(Barrier::new(2 * CALLERS_PER_STORE));
        let callers: Vec<_> = stores
            .iter()
            .flat_map(|store| std::iter::repeat_n(store, CALLERS_PER_STORE))
            .map(|store| {
                let (store, barrier) = (Arc::clone(store), Arc::clone(&barrier));
                std::thread::spawn(move || {
                    barrier.wait();
                    block_on(store.claim_head(id("t1"), 2)).expect("claim")
                })
            })
            .collect();
        let outcomes: Vec<ClaimOutcome> = callers.into_iter().map(|caller| caller.join().expect("caller")).collect();
        let winners: Vec<String> = outcomes
            .iter()
            .filter_map(|outcome| match outcome {
                ClaimOutcome::Claimed { row } => Some(name_of(&row.queued_turn_id)),
                _ => None,
            })
            .collect();
        assert_eq!(winners, [head.as_str()], "round {round}: {outcomes:?}");
        let turn = id(&format!("u{round}"));
        assert!(block_on(stores[0].set_dispatch_turn_id(id(&head), turn.clone(), 3)).expect("set"));
        assert!(block_on(stores[1].remove_dispatched(id("t1"), turn)).expect("remove"));
    }
}

#[cfg(unix)]
#[test]
fn store_files_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;

    let parent = tempfile::tempdir().expect("temp dir");
    let dir = parent.path().join("store");
    let store = open(&dir);
    block_on(ThreadStore::create(&store, stored_thread("t1", 1, "hi"))).expect("create");
    let mode = |name: &str| {
        let path = if name.is_empty() { dir.clone() } else { dir.join(name) };
        std::fs::metadata(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display())).permissions().mode()
            & 0o777
    };
    assert_eq!(mode(""), 0o700);
    assert_eq!(mode(FILE_NAME), 0o600);
    // WAL mode keeps both beside the database while a connection is open.
    assert_eq!(mode(&format!("{FILE_NAME}-wal")), 0o600);
    assert_eq!(mode(&format!("{FILE_NAME}-shm")), 0o600);
}

#[test]
fn ids_that_are_not_canonical_uuids_are_refused_before_any_sql() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    let bad = "../../etc/passwd".to_string();
    let refused = |result: Result<(), StoreError>| {
        assert!(matches!(&result, Err(StoreError::Adapter(message)) if message.starts_with("invalid ")), "{result:?}");
    };
    block_on(ThreadStore::create(&store, stored_thread("t1", 1, "hi"))).expect("create");
    let mut stored = stored_thread("t2", 1, "hi");
    stored.thread.id = bad.clone();
    refused(block_on(ThreadStore::create(&store, stored)));
    refused(block_on(store.load(bad.clone(), None)).map(drop));
    refused(block_on(ThreadStore::append(&store, "67E55044-10B1-426F-9247-BB680E5FE0C8".into(), Vec::new())));
    refused(block_on(QueueStore::append(&store, bad.clone(), id("t1"), json!({}), 1)).map(drop));
    refused(block_on(store.reorder(id("t1"), vec![id("q1"), bad.clone()], 1)).map(drop));
    refused(block_on(store.set_dispatch_turn_id(id("q1"), bad.clone(), 1)).map(drop));
    refused(block_on(store.remove_dispatched(bad, id("u1"))).map(drop));
}

#[test]
fn deleting_a_thread_deletes_its_queued_turns_in_the_same_transaction() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    block_on(ThreadStore::create(&store, stored_thread("t1", 1, "hi"))).expect("create");
    block_on(QueueStore::append(&store, id("q1"), id("t1"), json!({}), 1)).expect("queue");
    block_on(QueueStore::append(&store, id("o1"), id("t2"), json!({}), 1)).expect("queue");
    assert!(block_on(ThreadStore::delete(&store, id("t1"))).expect("delete"));
    assert_eq!(block_on(store.list_visible(id("t1"), 0, 10)).expect("list").0, Vec::new());
    assert_eq!(block_on(store.list_visible(id("t2"), 0, 10)).expect("list").0.len(), 1);
}

#[test]
fn stored_data_that_does_not_decode_is_invalid_data_not_a_panic() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    block_on(ThreadStore::create(&store, stored_thread("t1", 1, "hi"))).expect("create");
    block_on(ThreadStore::append(&store, id("t1"), vec![items("a")])).expect("append");
    block_on(QueueStore::append(&store, id("q1"), id("t1"), json!({}), 1)).expect("queue");
    let raw = Connection::open(dir.path().join(FILE_NAME)).expect("raw open");
    raw.execute("UPDATE history SET record = '{\"type\":\"nope\"}'", []).expect("corrupt history");
    raw.execute("UPDATE queued_turns SET turn_start_params = 'not json'", []).expect("corrupt queue");
    let loaded = block_on(store.load(id("t1"), None));
    assert!(matches!(loaded, Err(StoreError::InvalidData(_))), "{loaded:?}");
    let listed = block_on(store.list_visible(id("t1"), 0, 10));
    assert!(matches!(listed, Err(StoreError::InvalidData(_))), "{listed:?}");
    raw.execute("UPDATE threads SET stored = '[]'", []).expect("corrupt thread");
    let page = block_on(store.list(ThreadListQuery { limit: 10, ..Default::default() }));
    assert!(matches!(page, Err(StoreError::InvalidData(_))), "{page:?}");
}

#[test]
fn integrity_check_of_a_sound_store_is_ok() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    block_on(ThreadStore::create(&store, stored_thread("t1", 1, "hi"))).expect("create");
    assert_eq!(block_on(store.integrity_check()).expect("check"), "ok");
}
