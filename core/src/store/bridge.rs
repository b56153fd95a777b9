//! Thread store and queue store over a [`JsonStoreCall`]: how a JS storage adapter plugs in. Each
//! operation is one call `(op, argsJson) -> resultJson`, so both bindings bridge a single function
//! and the encoding of every operation lives here, once.

use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::StoreError;
use super::queue_store::{ClaimOutcome, QueueStore, QueuedTurnPage, QueuedTurnRow};
use super::thread_list::ThreadListQuery;
use super::thread_store::{HistoryRecord, LoadedHistory, StoredThread, ThreadStore};
use crate::host::{BoxFut, JsonStoreCall, boxed};
use crate::protocol::turn::TurnError;

/// A [`ThreadStore`] and [`QueueStore`] whose every operation is answered by the host adapter
/// behind `call`; one adapter serves both, so a host hands the engine the same object twice.
///
/// Thread operations: `create([StoredThread]) -> null`, `append([threadId, HistoryRecord[]]) -> null`,
/// `load([threadId, tail|null]) -> LoadedHistory|null`, `update([StoredThread]) -> null`,
/// `list([ThreadListQuery]) -> StoredThread[]`, `delete([threadId]) -> boolean` (the adapter also
/// deletes the thread's queued turns).
///
/// Queue operations: `appendQueuedTurn([queuedTurnId, threadId, turnStartParams, nowMs]) -> QueuedTurnRow`,
/// `listQueuedTurns([threadId, offset, limit]) -> QueuedTurnPage`, `deleteQueuedTurn([threadId,
/// queuedTurnId]) -> boolean`, `reorderQueuedTurns([threadId, queuedTurnIds, nowMs]) -> QueuedTurnRow[]|null`,
/// `updateQueuedTurn([threadId, queuedTurnId, turnStartParams, nowMs]) -> QueuedTurnRow|null`,
/// `claimQueueHead([threadId, nowMs]) -> ClaimOutcome`, `setDispatchTurnId([queuedTurnId, turnId, nowMs])
/// -> boolean`, `removeDispatchedTurn([threadId, turnId]) -> boolean`, `markQueuedTurnFailed([queuedTurnId,
/// TurnError, nowMs]) -> boolean`, `recoverDispatchingTurns([threadId, TurnError, nowMs]) -> number`,
/// `deleteThreadQueue([threadId]) -> null`.
pub struct BridgedStore {
    call: Arc<dyn JsonStoreCall>,
}

impl BridgedStore {
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

    /// An operation that answers nothing: whatever JSON comes back is ignored.
    fn invoke_unit(&self, op: &'static str, args: impl Serialize) -> BoxFut<'_, Result<(), StoreError>> {
        let answer = self.invoke::<Value>(op, args);
        boxed(async move { answer.await.map(|_| ()) })
    }
}

impl ThreadStore for BridgedStore {
    fn create(&self, thread: StoredThread) -> BoxFut<'_, Result<(), StoreError>> {
        self.invoke_unit("create", json!([thread]))
    }

    fn append(&self, thread_id: String, records: Vec<HistoryRecord>) -> BoxFut<'_, Result<(), StoreError>> {
        self.invoke_unit("append", json!([thread_id, records]))
    }

    fn load(&self, thread_id: String, tail: Option<u32>) -> BoxFut<'_, Result<Option<LoadedHistory>, StoreError>> {
        self.invoke("load", json!([thread_id, tail]))
    }

    fn update(&self, thread: StoredThread) -> BoxFut<'_, Result<(), StoreError>> {
        self.invoke_unit("update", json!([thread]))
    }

    fn list(&self, query: ThreadListQuery) -> BoxFut<'_, Result<Vec<StoredThread>, StoreError>> {
        self.invoke("list", json!([query]))
    }

    fn delete(&self, thread_id: String) -> BoxFut<'_, Result<bool, StoreError>> {
        self.invoke("delete", json!([thread_id]))
    }
}

impl QueueStore for BridgedStore {
    fn append(
        &self,
        queued_turn_id: String,
        thread_id: String,
        turn_start_params: Value,
        now_ms: i64,
    ) -> BoxFut<'_, Result<QueuedTurnRow, StoreError>> {
        self.invoke("appendQueuedTurn", json!([queued_turn_id, thread_id, turn_start_params, now_ms]))
    }

    fn list_visible(
        &self,
        thread_id: String,
        offset: u32,
        limit: u32,
    ) -> BoxFut<'_, Result<(Vec<QueuedTurnRow>, bool), StoreError>> {
        let page = self.invoke::<QueuedTurnPage>("listQueuedTurns", json!([thread_id, offset, limit]));
        boxed(async move { page.await.map(|page| (page.rows, page.more)) })
    }

    fn delete(&self, thread_id: String, queued_turn_id: String) -> BoxFut<'_, Result<bool, StoreError>> {
        self.invoke("deleteQueuedTurn", json!([thread_id, queued_turn_id]))
    }

    fn reorder(
        &self,
        thread_id: String,
        queued_turn_ids: Vec<String>,
        now_ms: i64,
    ) -> BoxFut<'_, Result<Option<Vec<QueuedTurnRow>>, StoreError>> {
        self.invoke("reorderQueuedTurns", json!([thread_id, queued_turn_ids, now_ms]))
    }

    fn update_queued_turn(
        &self,
        thread_id: String,
        queued_turn_id: String,
        turn_start_params: Value,
        now_ms: i64,
    ) -> BoxFut<'_, Result<Option<QueuedTurnRow>, StoreError>> {
        self.invoke("updateQueuedTurn", json!([thread_id, queued_turn_id, turn_start_params, now_ms]))
    }

    fn claim_head(&self, thread_id: String, now_ms: i64) -> BoxFut<'_, Result<ClaimOutcome, StoreError>> {
        self.invoke("claimQueueHead", json!([thread_id, now_ms]))
    }

    fn set_dispatch_turn_id(
        &self,
        queued_turn_id: String,
        turn_id: String,
        now_ms: i64,
    ) -> BoxFut<'_, Result<bool, StoreError>> {
        self.invoke("setDispatchTurnId", json!([queued_turn_id, turn_id, now_ms]))
    }

    fn remove_dispatched(&self, thread_id: String, turn_id: String) -> BoxFut<'_, Result<bool, StoreError>> {
        self.invoke("removeDispatchedTurn", json!([thread_id, turn_id]))
    }

    fn mark_failed(
        &self,
        queued_turn_id: String,
        failure: TurnError,
        now_ms: i64,
    ) -> BoxFut<'_, Result<bool, StoreError>> {
        self.invoke("markQueuedTurnFailed", json!([queued_turn_id, failure, now_ms]))
    }

    fn recover_dispatching(
        &self,
        thread_id: String,
        failure: TurnError,
        now_ms: i64,
    ) -> BoxFut<'_, Result<u32, StoreError>> {
        self.invoke("recoverDispatchingTurns", json!([thread_id, failure, now_ms]))
    }

    fn delete_thread(&self, thread_id: String) -> BoxFut<'_, Result<(), StoreError>> {
        self.invoke_unit("deleteThreadQueue", json!([thread_id]))
    }
}

#[cfg(test)]
mod tests;
