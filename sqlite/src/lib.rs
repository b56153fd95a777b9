//! Durable thread and queue store on SQLite, for hosts with a file system (the Node addon, the
//! CLI): one file per store directory, WAL, schema migrations from `sqlite/migrations/`.
//!
//! One [`SqliteStore`] implements both core traits over one connection owned by its own thread
//! (`worker`), so its futures never block an executor. Several stores, in one process or many,
//! may open the same directory: SQLite's locks serialise their writes, and the queue's
//! read-then-write steps run in `BEGIN IMMEDIATE` transactions, so a claim has a single winner.
//! Ids are checked to be canonical UUIDs before they reach SQL.

mod error;
mod queue;
mod schema;
mod thread_list;
mod threads;
mod worker;

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use serde_json::Value;
use spindle_core::host::{BoxFut, boxed};
use spindle_core::protocol::turn::TurnError;
use spindle_core::store::queue_store::ClaimOutcome;
use spindle_core::store::thread_store::LoadedHistory;
use spindle_core::store::{
    HistoryRecord, QueueStore, QueuedTurnRow, StoreError, StoredThread, ThreadListQuery, ThreadStore,
};

use error::{Failure, check_id};
pub use schema::FILE_NAME;
use worker::Worker;

/// A store directory opened for threads and queued turns.
pub struct SqliteStore {
    worker: Worker,
    file: PathBuf,
}

impl SqliteStore {
    /// Opens the store in `dir`, creating the directory (mode 0700) and its file
    /// [`FILE_NAME`] (0600) when missing and applying the migrations the file lacks.
    pub async fn open(dir: impl Into<PathBuf>) -> Result<SqliteStore, StoreError> {
        let dir = dir.into();
        let file = dir.join(FILE_NAME);
        let worker = Worker::start(move || schema::open(&dir)).await?;
        Ok(SqliteStore { worker, file })
    }

    /// The database file.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// SQLite's `PRAGMA integrity_check`: `ok` when the file is sound, else the problems found.
    pub fn integrity_check(&self) -> BoxFut<'static, Result<String, StoreError>> {
        self.worker.run(|connection| schema::integrity_check(connection))
    }

    /// Runs `job` on the store's thread once `ids` passed their check.
    fn run<T: Send + 'static>(
        &self,
        ids: Result<(), StoreError>,
        job: impl FnOnce(&mut Connection) -> Result<T, Failure> + Send + 'static,
    ) -> BoxFut<'static, Result<T, StoreError>> {
        match ids {
            Ok(()) => self.worker.run(job),
            Err(error) => boxed(async move { Err(error) }),
        }
    }
}

fn thread_id(id: &str) -> Result<(), StoreError> {
    check_id("thread", id)
}

impl ThreadStore for SqliteStore {
    fn create(&self, thread: StoredThread) -> BoxFut<'_, Result<(), StoreError>> {
        self.run(thread_id(&thread.thread.id), move |connection| threads::create(connection, &thread))
    }

    fn append(&self, id: String, records: Vec<HistoryRecord>) -> BoxFut<'_, Result<(), StoreError>> {
        self.run(thread_id(&id), move |connection| threads::append(connection, &id, &records))
    }

    fn load(&self, id: String, tail: Option<u32>) -> BoxFut<'_, Result<Option<LoadedHistory>, StoreError>> {
        self.run(thread_id(&id), move |connection| threads::load(connection, &id, tail))
    }

    fn update(&self, thread: StoredThread) -> BoxFut<'_, Result<(), StoreError>> {
        self.run(thread_id(&thread.thread.id), move |connection| threads::update(connection, &thread))
    }

    fn list(&self, query: ThreadListQuery) -> BoxFut<'_, Result<Vec<StoredThread>, StoreError>> {
        self.run(Ok(()), move |connection| thread_list::list(connection, &query))
    }

    fn delete(&self, id: String) -> BoxFut<'_, Result<bool, StoreError>> {
        self.run(thread_id(&id), move |connection| threads::delete(connection, &id))
    }
}

impl QueueStore for SqliteStore {
    fn append(
        &self,
        queued_turn_id: String,
        id: String,
        turn_start_params: Value,
        now_ms: i64,
    ) -> BoxFut<'_, Result<QueuedTurnRow, StoreError>> {
        let ids = thread_id(&id).and_then(|()| check_id("queued turn", &queued_turn_id));
        self.run(ids, move |connection| queue::append(connection, queued_turn_id, id, turn_start_params, now_ms))
    }

    fn list_visible(
        &self,
        id: String,
        offset: u32,
        limit: u32,
    ) -> BoxFut<'_, Result<(Vec<QueuedTurnRow>, bool), StoreError>> {
        self.run(thread_id(&id), move |connection| queue::list_visible(connection, &id, offset, limit))
    }

    fn delete(&self, id: String, queued_turn_id: String) -> BoxFut<'_, Result<bool, StoreError>> {
        let ids = thread_id(&id).and_then(|()| check_id("queued turn", &queued_turn_id));
        self.run(ids, move |connection| queue::delete(connection, &id, &queued_turn_id))
    }

    fn reorder(
        &self,
        id: String,
        queued_turn_ids: Vec<String>,
        now_ms: i64,
    ) -> BoxFut<'_, Result<Option<Vec<QueuedTurnRow>>, StoreError>> {
        let ids = queued_turn_ids.iter().try_fold((), |(), queued| check_id("queued turn", queued));
        let ids = thread_id(&id).and(ids);
        self.run(ids, move |connection| queue::reorder(connection, &id, &queued_turn_ids, now_ms))
    }

    fn update_queued_turn(
        &self,
        id: String,
        queued_turn_id: String,
        turn_start_params: Value,
        now_ms: i64,
    ) -> BoxFut<'_, Result<Option<QueuedTurnRow>, StoreError>> {
        let ids = thread_id(&id).and_then(|()| check_id("queued turn", &queued_turn_id));
        self.run(ids, move |connection| queue::update(connection, &id, &queued_turn_id, &turn_start_params, now_ms))
    }

    fn claim_head(&self, id: String, now_ms: i64) -> BoxFut<'_, Result<ClaimOutcome, StoreError>> {
        self.run(thread_id(&id), move |connection| queue::claim_head(connection, &id, now_ms))
    }

    fn set_dispatch_turn_id(
        &self,
        queued_turn_id: String,
        turn_id: String,
        now_ms: i64,
    ) -> BoxFut<'_, Result<bool, StoreError>> {
        let ids = check_id("queued turn", &queued_turn_id).and_then(|()| check_id("turn", &turn_id));
        self.run(ids, move |connection| queue::set_dispatch_turn_id(connection, &queued_turn_id, &turn_id, now_ms))
    }

    fn remove_dispatched(&self, id: String, turn_id: String) -> BoxFut<'_, Result<bool, StoreError>> {
        let ids = thread_id(&id).and_then(|()| check_id("turn", &turn_id));
        self.run(ids, move |connection| queue::remove_dispatched(connection, &id, &turn_id))
    }

    fn mark_failed(
        &self,
        queued_turn_id: String,
        failure: TurnError,
        now_ms: i64,
    ) -> BoxFut<'_, Result<bool, StoreError>> {
        self.run(check_id("queued turn", &queued_turn_id), move |connection| {
            queue::mark_failed(connection, &queued_turn_id, &failure, now_ms)
        })
    }

    fn recover_dispatching(&self, id: String, failure: TurnError, now_ms: i64) -> BoxFut<'_, Result<u32, StoreError>> {
        self.run(thread_id(&id), move |connection| queue::recover_dispatching(connection, &id, &failure, now_ms))
    }

    fn delete_thread(&self, id: String) -> BoxFut<'_, Result<(), StoreError>> {
        self.run(thread_id(&id), move |connection| queue::delete_thread(connection, &id))
    }
}
