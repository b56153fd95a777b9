//! Paged reads: `thread/list` and `thread/turns/list` params and responses (PROTOCOL.md §4.5, §4.12).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::thread::Thread;
use super::turn::{Turn, TurnItemsView};

/// Sort keys of `thread/list`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ThreadSortKey {
    /// By `createdAt`.
    #[default]
    CreatedAt,
    /// By `updatedAt`.
    UpdatedAt,
    /// By `recencyAt` (`updatedAt` when it has none).
    RecencyAt,
}

/// Page order of `thread/list` and `thread/turns/list`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SortDirection {
    /// Oldest first.
    Asc,
    /// Newest first: the default of both methods.
    #[default]
    Desc,
}

/// Where a thread came from, as `thread/list.sourceKinds` names it (a `SessionSource` reduced to its
/// kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum ThreadSourceKind {
    /// `"cli"`.
    Cli,
    /// `"vscode"`, what 0.169 reports for app-server clients.
    Vscode,
    /// `"exec"`.
    Exec,
    /// `"appServer"`.
    AppServer,
    /// `{"subAgent":"review"}`.
    SubAgentReview,
    /// `{"subAgent":"compact"}`.
    SubAgentCompact,
    /// `{"subAgent":{"thread_spawn":…}}`.
    SubAgentThreadSpawn,
    /// Any other sub-agent source.
    SubAgentOther,
    /// `"unknown"`, `{"custom":…}` and anything unrecognised.
    Unknown,
}

/// `thread/list.cwd`: one path or several.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(untagged)]
#[ts(export)]
pub enum ThreadListCwdFilter {
    /// One working directory.
    One(String),
    /// Any of these working directories.
    Many(Vec<String>),
}

/// Params of `thread/list` (the subset the core reads; other filters are ignored).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadListParams {
    /// Opaque cursor from a previous page (`nextCursor`, or `backwardsCursor` with the other direction).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub cursor: Option<String>,
    /// Page size; 25 when absent, clamped to 1..=100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub limit: Option<u32>,
    /// Sort key; `created_at` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub sort_key: Option<ThreadSortKey>,
    /// Sort direction; `desc` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub sort_direction: Option<SortDirection>,
    /// True: only archived threads; false or null: only non-archived ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub archived: Option<bool>,
    /// Only threads whose `cwd` is exactly one of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub cwd: Option<ThreadListCwdFilter>,
    /// Only threads of these providers; empty means every provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub model_providers: Option<Vec<String>>,
    /// Only threads of these source kinds; absent or empty means the interactive ones (`cli`, `vscode`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub source_kinds: Option<Vec<ThreadSourceKind>>,
    /// Only threads whose name or preview contains this text (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub search_term: Option<String>,
}

/// Result of `thread/list`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadListResponse {
    /// Threads with at least one turn, `turns: []`, status as loaded in this engine.
    pub data: Vec<Thread>,
    /// Unread bookkeeping by thread id; always `{}` in the core.
    #[ts(type = "{ [threadId: string]: unknown } | null")]
    pub read_states: Option<BTreeMap<String, Value>>,
    /// Cursor of the next page; `null` on the last one.
    pub next_cursor: Option<String>,
    /// Cursor that, with the other `sortDirection`, lists back from this page's first thread
    /// (included); `null` for an empty page.
    pub backwards_cursor: Option<String>,
}

/// Params of `thread/turns/list`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadTurnsListParams {
    /// The thread, loaded or only stored.
    pub thread_id: String,
    /// Opaque cursor from a previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub cursor: Option<String>,
    /// Page size; 25 when absent, clamped to 1..=100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub limit: Option<u32>,
    /// `desc` (newest turn first) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub sort_direction: Option<SortDirection>,
    /// How much of each turn's items to return; `summary` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional = nullable)]
    pub items_view: Option<TurnItemsView>,
}

/// Result of `thread/turns/list`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadTurnsListResponse {
    /// The page's turns, in the requested order.
    pub data: Vec<Turn>,
    /// Cursor of the next page; `null` on the last one.
    pub next_cursor: Option<String>,
    /// Cursor that, with the other `sortDirection`, lists back from this page's first turn
    /// (included); `null` for an empty page.
    pub backwards_cursor: Option<String>,
}
