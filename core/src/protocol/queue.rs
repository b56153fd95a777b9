//! Queued turns, the experimental `thread/queue/*` params and responses, and the
//! `thread/queue/changed` notification (PROTOCOL.md §6.1, the seed design). `thread/queue/update`
//! and `thread/queue/start` are Spindle extensions, shaped after the seed's objects.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::turn::{Turn, TurnError, TurnStartParams};

/// Where a visible queued turn stands (PROTOCOL.md §6.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "camelCase")]
#[ts(export)]
pub enum QueuedTurnStatus {
    /// Waiting its turn.
    Pending,
    /// Could not start; while it is the head, nothing behind it runs.
    Failed {
        /// Why it could not start.
        error: TurnError,
    },
}

/// A turn waiting in a thread's queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct QueuedTurn {
    /// UUIDv7, lowercase hyphenated.
    pub id: String,
    /// The `turn/start` params the client queued, verbatim.
    #[ts(as = "TurnStartParams")]
    pub turn_start_params: Value,
    /// Pending or failed.
    pub status: QueuedTurnStatus,
}

/// Params of `thread/queue/add`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadQueueAddParams {
    /// The loaded thread to queue on.
    pub thread_id: String,
    /// What `turn/start` will get when the turn is dispatched; its `threadId` must name the same thread.
    #[ts(as = "TurnStartParams")]
    pub turn_start_params: Value,
}

/// Result of `thread/queue/add`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadQueueAddResponse {
    /// The row as stored, pending.
    pub queued_turn: QueuedTurn,
}

/// Params of `thread/queue/list`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadQueueListParams {
    /// The loaded thread.
    pub thread_id: String,
    /// A decimal offset from a previous page's `nextCursor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub cursor: Option<String>,
    /// Page size; 25 when absent, clamped to 1..=100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub limit: Option<u32>,
}

/// Result of `thread/queue/list`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadQueueListResponse {
    /// Visible queued turns (pending and failed), head first.
    pub data: Vec<QueuedTurn>,
    /// Cursor of the next page; `null` on the last one.
    pub next_cursor: Option<String>,
}

/// Params of `thread/queue/delete`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadQueueDeleteParams {
    /// The loaded thread.
    pub thread_id: String,
    /// The queued turn to remove.
    pub queued_turn_id: String,
}

/// Result of `thread/queue/delete`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadQueueDeleteResponse {
    /// `false` for an unknown id or a turn already being started.
    pub deleted: bool,
}

/// Params of `thread/queue/reorder`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadQueueReorderParams {
    /// The loaded thread.
    pub thread_id: String,
    /// Every visible queued turn, exactly once, in the new order.
    pub queued_turn_ids: Vec<String>,
}

/// Result of `thread/queue/reorder`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadQueueReorderResponse {
    /// The visible queue in its new order.
    pub queued_turns: Vec<QueuedTurn>,
}

/// Params of `thread/queue/update` (Spindle extension): replace a visible row's `turn/start`
/// params in place; a failed row becomes pending again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadQueueUpdateParams {
    /// The loaded thread.
    pub thread_id: String,
    /// The queued turn to edit.
    pub queued_turn_id: String,
    /// The new params; checked as `thread/queue/add` checks them.
    #[ts(as = "TurnStartParams")]
    pub turn_start_params: Value,
}

/// Result of `thread/queue/update`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadQueueUpdateResponse {
    /// The row as stored now, pending.
    pub queued_turn: QueuedTurn,
}

/// Params of `thread/queue/start` (Spindle extension): start a queued turn now on an idle thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadQueueStartParams {
    /// The loaded thread.
    pub thread_id: String,
    /// The queued turn to start, pending or failed; the head when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub queued_turn_id: Option<String>,
}

/// Result of `thread/queue/start`, as `turn/start` answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadQueueStartResponse {
    /// The turn started from the queued turn: in progress, not started yet.
    pub turn: Turn,
}

/// `thread/queue/changed` params: the whole visible queue after a change (the seed's payload,
/// not 0.169's bare `{threadId}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadQueueChangedNotification {
    /// The thread.
    pub thread_id: String,
    /// Every visible queued turn, head first.
    pub queued_turns: Vec<QueuedTurn>,
}
