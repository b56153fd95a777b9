//! Turn objects, `turn/*` params and responses, and turn notifications (PROTOCOL.md §3.3, §4.14).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::item::{ThreadItem, UserInput};

/// Lifecycle state of a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum TurnStatus {
    /// Finished normally.
    Completed,
    /// Stopped by `turn/interrupt`.
    Interrupted,
    /// Ended by a model or transport failure.
    Failed,
    /// Still running.
    InProgress,
}

/// How much of `Turn.items` is filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum TurnItemsView {
    /// `items` is intentionally empty.
    NotLoaded,
    /// Only display items (agent messages on `turn/completed`).
    Summary,
    /// Every persisted item in order.
    Full,
}

/// Why a turn failed (PROTOCOL.md §3.4). Every key is always written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TurnError {
    /// Human-readable text, as 0.169 words it.
    pub message: String,
    /// A `CodexErrorInfo`: a string such as `"other"` or a single-key object.
    #[ts(type = "string | { [key: string]: unknown } | null")]
    pub codex_error_info: Option<Value>,
    /// Extra detail, e.g. the cause of a retried stream cut.
    pub additional_details: Option<String>,
    /// Unused by the core; always `null`.
    #[ts(type = "unknown")]
    pub misalignment: Option<Value>,
}

/// A turn (PROTOCOL.md §3.3). Every key is always written, `null` when empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Turn {
    /// Lowercase hyphenated UUID.
    pub id: String,
    /// Equals `id` for ordinary turns.
    pub root_turn_id: Option<String>,
    /// Items, as `items_view` says.
    pub items: Vec<ThreadItem>,
    /// How much of `items` is present.
    pub items_view: TurnItemsView,
    /// Lifecycle state.
    pub status: TurnStatus,
    /// Set when `status` is `failed`.
    pub error: Option<TurnError>,
    /// Unix seconds; `null` in the `turn/start` response.
    #[ts(type = "number | null")]
    pub started_at: Option<i64>,
    /// Unix seconds.
    #[ts(type = "number | null")]
    pub completed_at: Option<i64>,
    /// Set on completion.
    #[ts(type = "number | null")]
    pub duration_ms: Option<i64>,
}

/// Params of `turn/start` (the subset the core reads; unknown fields are ignored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TurnStartParams {
    /// The thread to run in.
    pub thread_id: String,
    /// The user's input; `[]` runs a turn with no user message.
    pub input: Vec<UserInput>,
    /// Echoed as the user message item's `clientId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub client_user_message_id: Option<String>,
    /// Model override that sticks for later turns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub model: Option<String>,
    /// Reasoning effort override that sticks for later turns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub effort: Option<String>,
    /// Reasoning summary override that sticks for later turns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub summary: Option<String>,
    /// JSON Schema for this turn's final answer only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable, type = "unknown")]
    pub output_schema: Option<Value>,
    /// Working directory override.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub cwd: Option<String>,
    /// Caller-supplied turn id (PROTOCOL.md §5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub turn_id: Option<String>,
}

/// Result of `turn/start`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TurnStartResponse {
    /// The new (or, on a busy thread, the active) turn.
    pub turn: Turn,
}

/// Params of `turn/interrupt`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TurnInterruptParams {
    /// The thread.
    pub thread_id: String,
    /// The turn the client believes is active.
    pub turn_id: String,
}

/// Result of `turn/interrupt`: `{}`, sent once the turn has stopped.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TurnInterruptResponse {}

/// Params of `turn/steer` (PROTOCOL.md §4.15).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TurnSteerParams {
    /// The thread.
    pub thread_id: String,
    /// Input added to the active turn.
    pub input: Vec<UserInput>,
    /// The turn the client believes is active; the steer fails when another one is.
    pub expected_turn_id: String,
    /// Echoed as the user message item's `clientId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub client_user_message_id: Option<String>,
}

/// Result of `turn/steer`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TurnSteerResponse {
    /// The active turn the input went into.
    pub turn_id: String,
}

/// `turn/started` and `turn/completed` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TurnNotification {
    /// The thread.
    pub thread_id: String,
    /// The turn as it stands.
    pub turn: Turn,
}

/// `error` notification params: a turn failed or a retry is coming (PROTOCOL.md §7.6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ErrorNotification {
    /// What went wrong.
    pub error: TurnError,
    /// True when the core retries by itself.
    pub will_retry: bool,
    /// The thread.
    pub thread_id: String,
    /// The turn.
    pub turn_id: String,
}
