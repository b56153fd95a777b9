//! `NativeStore`: a thread and queue store that lives in Rust (memory, or SQLite in a directory),
//! handed to an `Engine` as is, and reachable from JS through the store call protocol.

use std::sync::Arc;

use napi_derive::napi;
use spindle_core::store::memory::MemoryThreadStore;
use spindle_core::store::memory_queue::MemoryQueueStore;
use spindle_core::store::serve::answer_store_call;
use spindle_core::store::{QueueStore, ThreadStore};
use spindle_sqlite::SqliteStore;

use crate::to_napi_error;

/// A store the engine uses directly, with no JS in between: both its thread store and its queue
/// store. `call` answers the store call protocol, so JS can drive the same store.
#[napi]
pub struct NativeStore {
    threads: Arc<dyn ThreadStore>,
    queue: Arc<dyn QueueStore>,
    sqlite: Option<Arc<SqliteStore>>,
}

#[napi]
impl NativeStore {
    /// Threads and queued turns in memory, gone with the store.
    #[napi(factory)]
    pub fn memory() -> NativeStore {
        NativeStore {
            threads: Arc::new(MemoryThreadStore::new()),
            queue: Arc::new(MemoryQueueStore::new()),
            sqlite: None,
        }
    }

    /// Opens the durable SQLite store in `dir` (`<dir>/spindle.sqlite`), creating the directory
    /// and the file owner-only when missing. Several stores, in this or other processes, may open
    /// one directory at once.
    #[napi]
    pub async fn open_sqlite(dir: String) -> napi::Result<NativeStore> {
        let store = Arc::new(SqliteStore::open(dir).await.map_err(to_napi_error)?);
        Ok(NativeStore { threads: store.clone(), queue: store.clone(), sqlite: Some(store) })
    }

    /// Answers one store call: `op` as in the store call protocol, `argsJson` the JSON array of
    /// its arguments; resolves with the JSON result, rejects with the store's error.
    #[napi]
    pub async fn call(&self, op: String, args_json: String) -> napi::Result<String> {
        answer_store_call(self.threads.as_ref(), self.queue.as_ref(), &op, &args_json).await.map_err(to_napi_error)
    }

    /// SQLite's integrity check: `ok` when the file is sound (always `ok` in memory).
    #[napi]
    pub async fn integrity_check(&self) -> napi::Result<String> {
        match &self.sqlite {
            Some(store) => store.integrity_check().await.map_err(to_napi_error),
            None => Ok("ok".to_owned()),
        }
    }
}

impl NativeStore {
    /// The engine's two stores.
    pub(crate) fn stores(&self) -> (Arc<dyn ThreadStore>, Arc<dyn QueueStore>) {
        (self.threads.clone(), self.queue.clone())
    }
}
