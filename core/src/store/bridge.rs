//! Thread store over a [`JsonStoreCall`]: how a JS storage adapter plugs in. Each operation is
//! one call `(op, argsJson) -> resultJson`, so both bindings bridge a single function and the
//! encoding of every operation lives here, once.

use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::StoreError;
use super::thread_list::ThreadListQuery;
use super::thread_store::{HistoryRecord, LoadedHistory, StoredThread, ThreadStore};
use crate::host::{BoxFut, JsonStoreCall, boxed};

/// A [`ThreadStore`] whose every operation is answered by the host adapter behind `call`.
///
/// Operations and their JSON: `create([StoredThread]) -> null`, `append([threadId, HistoryRecord[]])
/// -> null`, `load([threadId, tail|null]) -> LoadedHistory|null`, `update([StoredThread]) -> null`,
/// `list([ThreadListQuery]) -> StoredThread[]`, `delete([threadId]) -> boolean`.
pub struct BridgedThreadStore {
    call: Arc<dyn JsonStoreCall>,
}

impl BridgedThreadStore {
    /// Wraps the host's callback.
    pub fn new(call: Arc<dyn JsonStoreCall>) -> Self {
        Self { call }
    }

    fn invoke<'a, T: DeserializeOwned + 'a>(
        &'a self,
        op: &'static str,
        args: impl Serialize,
    ) -> BoxFut<'a, Result<T, StoreError>> {
        let args = serde_json::to_string(&args);
        boxed(async move {
            let args = args.map_err(|error| StoreError::InvalidData(error.to_string()))?;
            let text = self.call.call(op, args).await.map_err(|error| StoreError::Adapter(error.0))?;
            // An adapter that returns nothing (`undefined`) means `null`.
            let text = if text.trim().is_empty() { "null" } else { text.as_str() };
            serde_json::from_str(text).map_err(|error| StoreError::InvalidData(format!("{op}: {error}")))
        })
    }
}

impl ThreadStore for BridgedThreadStore {
    fn create(&self, thread: StoredThread) -> BoxFut<'_, Result<(), StoreError>> {
        self.invoke::<serde_json::Value>("create", json!([thread])).map_ok_unit()
    }

    fn append(&self, thread_id: String, records: Vec<HistoryRecord>) -> BoxFut<'_, Result<(), StoreError>> {
        self.invoke::<serde_json::Value>("append", json!([thread_id, records])).map_ok_unit()
    }

    fn load(&self, thread_id: String, tail: Option<u32>) -> BoxFut<'_, Result<Option<LoadedHistory>, StoreError>> {
        self.invoke("load", json!([thread_id, tail]))
    }

    fn update(&self, thread: StoredThread) -> BoxFut<'_, Result<(), StoreError>> {
        self.invoke::<serde_json::Value>("update", json!([thread])).map_ok_unit()
    }

    fn list(&self, query: ThreadListQuery) -> BoxFut<'_, Result<Vec<StoredThread>, StoreError>> {
        self.invoke("list", json!([query]))
    }

    fn delete(&self, thread_id: String) -> BoxFut<'_, Result<bool, StoreError>> {
        self.invoke("delete", json!([thread_id]))
    }
}

/// Drops the JSON result of operations that answer nothing.
trait MapOkUnit<'a> {
    fn map_ok_unit(self) -> BoxFut<'a, Result<(), StoreError>>;
}

impl<'a> MapOkUnit<'a> for BoxFut<'a, Result<serde_json::Value, StoreError>> {
    fn map_ok_unit(self) -> BoxFut<'a, Result<(), StoreError>> {
        boxed(async move { self.await.map(|_| ()) })
    }
}
