//! Thread objects, `thread/*` params and responses, thread notifications, token usage
//! (PROTOCOL.md §3.1, §3.2, §3.7, §4.1–§4.10).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::turn::Turn;

/// Flags on an active thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum ThreadActiveFlag {
    /// Waiting for an approval.
    WaitingOnApproval,
    /// Waiting for user input.
    WaitingOnUserInput,
}

/// A thread's runtime status (PROTOCOL.md §3.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
#[ts(export)]
pub enum ThreadStatus {
    /// Stored, not loaded.
    NotLoaded,
    /// Loaded, no turn running.
    Idle,
    /// The last turn failed; stays until the next turn starts.
    SystemError,
    /// A turn is running.
    Active {
        /// Always `[]` in the core.
        active_flags: Vec<ThreadActiveFlag>,
    },
}

/// One environment a loaded thread runs in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadEnvironment {
    /// `local` for the core.
    pub environment_id: String,
    /// The thread's working directory.
    pub cwd: String,
    /// Workspace roots; `[cwd]`.
    pub runtime_workspace_roots: Vec<String>,
}

/// A thread (PROTOCOL.md §3.1). Every key is always written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Thread {
    /// Lowercase hyphenated UUID.
    pub id: String,
    /// `null` when not loaded.
    pub environments: Option<Vec<ThreadEnvironment>>,
    /// Always `null`.
    #[ts(type = "unknown")]
    pub extra: Option<Value>,
    /// Equals `id`.
    pub session_id: String,
    /// The source thread of a fork.
    pub forked_from_id: Option<String>,
    /// Always `null`.
    pub attached_to_thread_id: Option<String>,
    /// Always `null`.
    pub parent_thread_id: Option<String>,
    /// Text of the first user message; `""` before the first turn.
    pub preview: String,
    /// Not persisted when true.
    pub ephemeral: bool,
    /// Always `null`.
    #[ts(type = "unknown")]
    pub section: Option<Value>,
    /// Always `null`.
    #[ts(type = "number | null")]
    pub section_entered_at: Option<i64>,
    /// Always `null`.
    pub project_id: Option<String>,
    /// `paginated`.
    pub history_mode: String,
    /// Provider id.
    pub model_provider: String,
    /// Current model.
    pub model: Option<String>,
    /// Current reasoning effort.
    pub reasoning_effort: Option<String>,
    /// Unix seconds.
    #[ts(type = "number")]
    pub created_at: i64,
    /// Unix seconds.
    #[ts(type = "number")]
    pub updated_at: i64,
    /// Unix seconds of the last activity.
    #[ts(type = "number | null")]
    pub recency_at: Option<i64>,
    /// Runtime status.
    pub status: ThreadStatus,
    /// No rollout file in the core: `null`.
    pub path: Option<String>,
    /// Absolute working directory.
    pub cwd: String,
    /// The core's version.
    pub cli_version: String,
    /// `clientInfo.name` of the creating connection.
    pub originator: Option<String>,
    /// A `SessionSource`; `"vscode"` unless the host overrides it.
    #[ts(type = "string | { [key: string]: unknown }")]
    pub source: Value,
    /// True when loaded, `null` otherwise.
    pub can_accept_direct_input: Option<bool>,
    /// Always `null`.
    #[ts(type = "unknown")]
    pub thread_source: Option<Value>,
    /// Always `null`.
    pub agent_nickname: Option<String>,
    /// Always `null`.
    pub agent_role: Option<String>,
    /// Always `null`.
    #[ts(type = "unknown")]
    pub git_info: Option<Value>,
    /// Set by `thread/name/set`.
    pub name: Option<String>,
    /// Always `null`.
    pub daybreak_enabled: Option<bool>,
    /// Filled only by resume, fork and `thread/read {includeTurns}`.
    pub turns: Vec<Turn>,
}

/// Params of `thread/start` (the subset the core reads).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadStartParams {
    /// Model for the thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub model: Option<String>,
    /// Provider id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub model_provider: Option<String>,
    /// Working directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub cwd: Option<String>,
    /// Sent to the model as the first developer message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub base_instructions: Option<String>,
    /// Sent to the model as a second developer message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub developer_instructions: Option<String>,
    /// Not persisted when true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub ephemeral: Option<bool>,
    /// Experimental: host tools the model may call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable, type = "Array<unknown>")]
    pub dynamic_tools: Option<Vec<Value>>,
    /// Caller-supplied thread id (PROTOCOL.md §5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub thread_id: Option<String>,
}

/// Sandbox policy echoed by thread responses; the core has no sandbox and reports read-only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SandboxPolicy {
    /// `readOnly`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `false`.
    pub network_access: bool,
}

/// Result of `thread/start`; permission-related keys carry 0.169's constants (PROTOCOL.md §4.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadStartResponse {
    /// The new thread.
    pub thread: Thread,
    /// Its model.
    pub model: String,
    /// Its provider.
    pub model_provider: String,
    /// `null`.
    pub service_tier: Option<String>,
    /// `[]`.
    pub disabled_plugin_ids: Vec<String>,
    /// Its working directory.
    pub cwd: String,
    /// `[cwd]`.
    pub runtime_workspace_roots: Vec<String>,
    /// `[]`.
    pub instruction_sources: Vec<String>,
    /// `never`.
    pub approval_policy: String,
    /// `user`.
    pub approvals_reviewer: String,
    /// Read-only, no network.
    pub sandbox: SandboxPolicy,
    /// `null`.
    #[ts(type = "unknown")]
    pub active_permission_profile: Option<Value>,
    /// Its reasoning effort.
    pub reasoning_effort: Option<String>,
    /// `explicitRequestOnly`.
    pub multi_agent_mode: String,
}

impl ThreadStartResponse {
    /// The response for `thread`, with the permission-related constants 0.169 reports.
    pub fn for_thread(thread: Thread) -> ThreadStartResponse {
        ThreadStartResponse {
            model: thread.model.clone().unwrap_or_default(),
            model_provider: thread.model_provider.clone(),
            service_tier: None,
            disabled_plugin_ids: Vec::new(),
            cwd: thread.cwd.clone(),
            runtime_workspace_roots: vec![thread.cwd.clone()],
            instruction_sources: Vec::new(),
            approval_policy: "never".into(),
            approvals_reviewer: "user".into(),
            sandbox: SandboxPolicy { kind: "readOnly".into(), network_access: false },
            active_permission_profile: None,
            reasoning_effort: thread.reasoning_effort.clone(),
            multi_agent_mode: "explicitRequestOnly".into(),
            thread,
        }
    }
}

/// Params of `thread/resume` (the subset the core reads).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadResumeParams {
    /// The thread.
    pub thread_id: String,
    /// Leave `thread.turns` empty.
    #[serde(default)]
    pub exclude_turns: bool,
    /// Model override that sticks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub model: Option<String>,
    /// Working directory override.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub cwd: Option<String>,
    /// Experimental; not supported by the core.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable, type = "unknown")]
    pub history: Option<Value>,
    /// Experimental; not supported by the core.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub path: Option<String>,
}

/// Result of `thread/resume`: the start response's keys plus the resume-only ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadResumeResponse {
    /// The same keys as `thread/start`'s response.
    #[serde(flatten)]
    pub session: ThreadStartResponse,
    /// `{"mode":"default","settings":{…}}` as 0.169 reports it.
    #[ts(type = "unknown")]
    pub collaboration_mode: Value,
    /// Always `null`.
    #[ts(type = "unknown")]
    pub initial_turns_page: Option<Value>,
    /// Cursor for `thread/turns/list`; `null` until that method pages turns (TODO(#3)).
    pub turns_backwards_cursor: Option<String>,
    /// Cursor for `thread/items/list`; `null` (not supported).
    pub items_backwards_cursor: Option<String>,
}

/// Params of `thread/fork` (the subset the core reads; PROTOCOL.md §4.3, §5).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadForkParams {
    /// The source thread, loaded or only stored.
    pub thread_id: String,
    /// Caller-supplied id of the new thread (PROTOCOL.md §5). `threadId` already names the source
    /// here, so the seed's id for the new thread takes this name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub new_thread_id: Option<String>,
    /// Not persisted when true; needs `excludeTurns: true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub ephemeral: Option<bool>,
    /// Leave `thread.turns` empty in the response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub exclude_turns: Option<bool>,
    /// Fork through this finished turn, inclusive; later turns are left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub last_turn_id: Option<String>,
    /// Experimental: fork before this turn, leaving it and later turns out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub before_turn_id: Option<String>,
    /// Model of the new thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub model: Option<String>,
    /// Provider id of the new thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub model_provider: Option<String>,
    /// Working directory of the new thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub cwd: Option<String>,
    /// Replaces the source's base instructions in the new thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub base_instructions: Option<String>,
    /// Replaces the source's developer instructions in the new thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub developer_instructions: Option<String>,
    /// Experimental; not supported by the core.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub path: Option<String>,
}

/// Result of `thread/fork`: the `thread/start` response keys, for the new thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ThreadForkResponse {
    /// The same keys as `thread/start`'s response.
    #[serde(flatten)]
    pub session: ThreadStartResponse,
}

/// Whether `thread/unsubscribe` removed a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum ThreadUnsubscribeStatus {
    /// The connection was subscribed and no longer is.
    Unsubscribed,
    /// The thread is loaded but the connection was not subscribed.
    NotSubscribed,
    /// The thread is not loaded.
    NotLoaded,
}

/// Result of `thread/unsubscribe` (PROTOCOL.md §4.9).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ThreadUnsubscribeResponse {
    /// What happened.
    pub status: ThreadUnsubscribeStatus,
}

/// Params of `thread/read`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadReadParams {
    /// The thread.
    pub thread_id: String,
    /// Fill `thread.turns` with full items.
    #[serde(default)]
    pub include_turns: bool,
}

/// Result of `thread/read`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadReadResponse {
    /// The thread.
    pub thread: Thread,
    /// Unread bookkeeping; always `null` in the core.
    #[ts(type = "unknown")]
    pub read_state: Option<Value>,
}

/// Params of `thread/loaded/list`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadLoadedListParams {
    /// Opaque cursor from a previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub cursor: Option<String>,
    /// Page size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub limit: Option<u32>,
}

/// Result of `thread/loaded/list`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadLoadedListResponse {
    /// Loaded thread ids.
    pub data: Vec<String>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

/// Params of `thread/name/set`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadNameSetParams {
    /// The thread, loaded or only stored.
    pub thread_id: String,
    /// The new name; trimmed, and empty after trimming is refused.
    pub name: String,
}

/// Result of `thread/name/set`: `{}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ThreadNameSetResponse {}

/// `thread/name/updated` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadNameUpdatedNotification {
    /// The thread.
    pub thread_id: String,
    /// The new name; absent when cleared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub thread_name: Option<String>,
}

/// Params of `thread/archive`, `thread/unarchive`, `thread/delete` and `thread/unsubscribe`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadIdParams {
    /// The thread.
    pub thread_id: String,
}

/// Result of `thread/archive` and `thread/delete`: `{}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct EmptyResponse {}

/// Result of `thread/unarchive`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ThreadUnarchiveResponse {
    /// The thread, `notLoaded`: resume it to use it.
    pub thread: Thread,
}

/// `thread/archived`, `thread/unarchived`, `thread/deleted` and `thread/closed` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadIdNotification {
    /// The thread.
    pub thread_id: String,
}

/// `thread/started` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ThreadStartedNotification {
    /// The new thread.
    pub thread: Thread,
}

/// `thread/status/changed` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadStatusChangedNotification {
    /// The thread.
    pub thread_id: String,
    /// Its new status.
    pub status: ThreadStatus,
}

/// Token counts of one response or of a whole thread (PROTOCOL.md §3.7).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TokenUsageBreakdown {
    /// `total_tokens`.
    #[ts(type = "number")]
    pub total_tokens: i64,
    /// `input_tokens`.
    #[ts(type = "number")]
    pub input_tokens: i64,
    /// `input_tokens_details.cached_tokens`.
    #[ts(type = "number")]
    pub cached_input_tokens: i64,
    /// Always 0.
    #[ts(type = "number")]
    pub cache_write_input_tokens: i64,
    /// `output_tokens`.
    #[ts(type = "number")]
    pub output_tokens: i64,
    /// `output_tokens_details.reasoning_tokens`.
    #[ts(type = "number")]
    pub reasoning_output_tokens: i64,
}

impl TokenUsageBreakdown {
    /// Field-wise sum, saturating so a hostile usage block cannot overflow.
    pub fn plus(self, other: TokenUsageBreakdown) -> TokenUsageBreakdown {
        TokenUsageBreakdown {
            total_tokens: self.total_tokens.saturating_add(other.total_tokens),
            input_tokens: self.input_tokens.saturating_add(other.input_tokens),
            cached_input_tokens: self.cached_input_tokens.saturating_add(other.cached_input_tokens),
            cache_write_input_tokens: self.cache_write_input_tokens.saturating_add(other.cache_write_input_tokens),
            output_tokens: self.output_tokens.saturating_add(other.output_tokens),
            reasoning_output_tokens: self.reasoning_output_tokens.saturating_add(other.reasoning_output_tokens),
        }
    }
}

/// A thread's token usage: running total and the last response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadTokenUsage {
    /// Sum over the thread.
    pub total: TokenUsageBreakdown,
    /// The most recent model response.
    pub last: TokenUsageBreakdown,
    /// From model metadata.
    #[ts(type = "number | null")]
    pub model_context_window: Option<i64>,
}

/// `thread/tokenUsage/updated` params.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadTokenUsageUpdatedNotification {
    /// The thread.
    pub thread_id: String,
    /// The turn whose response reported usage.
    pub turn_id: String,
    /// The snapshot.
    pub token_usage: ThreadTokenUsage,
}
