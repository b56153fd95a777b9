//! The queue store: one row per queued turn, with the seed's delivery rules (PROTOCOL.md §6.1).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::StoreError;
use crate::host::{BoxFut, MaybeSend, MaybeSync};
use crate::protocol::turn::TurnError;

/// Where a queued turn stands. `Dispatching` is internal: never listed, deleted or reordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum QueuedTurnState {
    /// Waiting its turn.
    Pending,
    /// Claimed; a turn is being started from it.
    Dispatching,
    /// Could not start; blocks the queue while it is the head.
    Failed,
}

/// One stored queued turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct QueuedTurnRow {
    /// UUIDv7, lowercase hyphenated.
    pub queued_turn_id: String,
    /// The thread it belongs to.
    pub thread_id: String,
    /// The client's `turnStartParams`, verbatim.
    #[ts(type = "unknown")]
    pub turn_start_params: Value,
    /// Position; unique per thread, ascending = FIFO.
    #[ts(type = "number")]
    pub queue_order: i64,
    /// Where it stands.
    pub state: QueuedTurnState,
    /// The turn started from it, once dispatched.
    pub dispatch_turn_id: Option<String>,
    /// Why it failed.
    pub failure: Option<TurnError>,
    /// Unix ms.
    #[ts(type = "number")]
    pub created_at_ms: i64,
    /// Unix ms.
    #[ts(type = "number")]
    pub updated_at_ms: i64,
}

/// A page of visible queued turns, as the store bridge's `listQueuedTurns` answers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct QueuedTurnPage {
    /// Visible rows (pending + failed) in queue order.
    pub rows: Vec<QueuedTurnRow>,
    /// Whether visible rows follow this page.
    pub more: bool,
}

/// What `claim_head` found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "camelCase")]
#[ts(export)]
pub enum ClaimOutcome {
    /// The head was pending and is now dispatching; this caller won it.
    Claimed {
        /// The claimed row, state `dispatching`.
        row: QueuedTurnRow,
    },
    /// No visible rows.
    Empty,
    /// A row of the thread is already dispatching.
    Busy,
    /// The head is failed: FIFO is blocked until it is deleted or reordered away.
    Blocked,
}

/// Where queued turns live. Implementations must make `claim_head` atomic: one winner.
pub trait QueueStore: MaybeSend + MaybeSync {
    /// Appends a pending row with `queueOrder = max + 1` and returns it.
    fn append(
        &self,
        queued_turn_id: String,
        thread_id: String,
        turn_start_params: Value,
        now_ms: i64,
    ) -> BoxFut<'_, Result<QueuedTurnRow, StoreError>>;
    /// Visible rows (pending + failed) in queue order, `limit` from `offset`, and whether more follow.
    fn list_visible(
        &self,
        thread_id: String,
        offset: u32,
        limit: u32,
    ) -> BoxFut<'_, Result<(Vec<QueuedTurnRow>, bool), StoreError>>;
    /// Deletes a visible row; `false` for unknown or dispatching ids.
    fn delete(&self, thread_id: String, queued_turn_id: String) -> BoxFut<'_, Result<bool, StoreError>>;
    /// Reorders the visible rows, reusing their order slots. `None` unless `queued_turn_ids` is
    /// exactly the visible set, each once.
    fn reorder(
        &self,
        thread_id: String,
        queued_turn_ids: Vec<String>,
        now_ms: i64,
    ) -> BoxFut<'_, Result<Option<Vec<QueuedTurnRow>>, StoreError>>;
    /// Replaces the `turnStartParams` of a visible row in place (`thread/queue/update`, a Spindle
    /// extension): a failed row becomes pending again and loses its failure; the position stays.
    /// `None` for unknown or dispatching ids, or a row of another thread.
    fn update_queued_turn(
        &self,
        thread_id: String,
        queued_turn_id: String,
        turn_start_params: Value,
        now_ms: i64,
    ) -> BoxFut<'_, Result<Option<QueuedTurnRow>, StoreError>>;
    /// Atomically claims the head for dispatch.
    fn claim_head(&self, thread_id: String, now_ms: i64) -> BoxFut<'_, Result<ClaimOutcome, StoreError>>;
    /// Records the turn started from a dispatching row.
    fn set_dispatch_turn_id(
        &self,
        queued_turn_id: String,
        turn_id: String,
        now_ms: i64,
    ) -> BoxFut<'_, Result<bool, StoreError>>;
    /// Removes the dispatching row whose turn `turn_id` has started; never another row.
    fn remove_dispatched(&self, thread_id: String, turn_id: String) -> BoxFut<'_, Result<bool, StoreError>>;
    /// Marks a row failed with `failure`.
    fn mark_failed(
        &self,
        queued_turn_id: String,
        failure: TurnError,
        now_ms: i64,
    ) -> BoxFut<'_, Result<bool, StoreError>>;
    /// After a restart: every dispatching row of the thread becomes failed with `failure`.
    fn recover_dispatching(
        &self,
        thread_id: String,
        failure: TurnError,
        now_ms: i64,
    ) -> BoxFut<'_, Result<u32, StoreError>>;
    /// Deletes every row of a thread (rows die with their thread).
    fn delete_thread(&self, thread_id: String) -> BoxFut<'_, Result<(), StoreError>>;
}
