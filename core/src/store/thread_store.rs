//! The thread store: thread records and their append-only history (ARCHITECTURE.md).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::StoreError;
use super::thread_list::ThreadListQuery;
use crate::host::{BoxFut, MaybeSend, MaybeSync};
use crate::protocol::thread::{Thread, ThreadTokenUsage};
use crate::protocol::turn::Turn;

/// Settings of a thread that the model request needs but the `Thread` object does not show.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadSettings {
    /// First developer message of every request.
    #[serde(default)]
    pub base_instructions: Option<String>,
    /// Second developer message.
    #[serde(default)]
    pub developer_instructions: Option<String>,
    /// Reasoning summary mode (`auto` by default).
    #[serde(default)]
    pub summary: Option<String>,
    /// Host tools from `thread/start.dynamicTools`.
    #[serde(default)]
    #[ts(type = "Array<unknown>")]
    pub dynamic_tools: Vec<Value>,
}

/// A stored thread: the `Thread` object (with `turns: []`, status `notLoaded`) and its settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct StoredThread {
    /// Metadata as clients see it.
    pub thread: Thread,
    /// Model-facing settings.
    pub settings: ThreadSettings,
    /// Archived threads list only with `archived: true`.
    #[serde(default)]
    pub archived: bool,
    /// The token usage snapshot after the last turn, re-sent when the thread is resumed.
    #[serde(default)]
    pub token_usage: Option<ThreadTokenUsage>,
}

/// One append-only history record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "camelCase")]
#[ts(export)]
pub enum HistoryRecord {
    /// A finished turn as clients see it, with every item (`itemsView: full`). It supersedes the
    /// turn's `turnStarted` records; the `modelItems` record written with it holds the whole turn.
    Turn {
        /// The turn.
        turn: Turn,
    },
    /// A turn that has started and not ended, as far as it is saved: written before `turn/started`
    /// and again after a steer adds input. A turn with no `turn` record after it was cut off by a
    /// stopped process and reads back as interrupted (see [`super::history`]).
    TurnStarted {
        /// The turn so far: `inProgress`, `startedAt`, its finished items (at least the user message).
        turn: Turn,
        /// Every model item the turn has added so far; the latest record of a turn replaces the
        /// earlier ones.
        #[ts(type = "Array<unknown>")]
        items: Vec<Value>,
    },
    /// Responses API items the model sees on later requests, replayed verbatim (PROTOCOL.md §8.3).
    ModelItems {
        /// Raw Responses input items.
        #[ts(type = "Array<unknown>")]
        items: Vec<Value>,
    },
    /// A compaction replaced the whole model history with these items (PROTOCOL.md §8.6).
    Compacted {
        /// The model history from here on.
        #[ts(type = "Array<unknown>")]
        items: Vec<Value>,
    },
}

/// A thread and its history, as loaded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct LoadedHistory {
    /// The thread record.
    pub stored: StoredThread,
    /// History records, oldest first.
    pub records: Vec<HistoryRecord>,
    /// True when `tail` cut older records off.
    pub truncated: bool,
}

/// Where threads live. Every method is async; implementations: memory (default), the JSON bridge
/// to JS adapters, and (later) SQLite and IndexedDB.
pub trait ThreadStore: MaybeSend + MaybeSync {
    /// Creates a thread record; fails if the id exists.
    fn create(&self, thread: StoredThread) -> BoxFut<'_, Result<(), StoreError>>;
    /// Appends history records to a thread, in order.
    fn append(&self, thread_id: String, records: Vec<HistoryRecord>) -> BoxFut<'_, Result<(), StoreError>>;
    /// Loads a thread; with `tail`, only its last `tail` records.
    fn load(&self, thread_id: String, tail: Option<u32>) -> BoxFut<'_, Result<Option<LoadedHistory>, StoreError>>;
    /// Replaces a thread's record (name, archived, preview, timestamps, settings).
    fn update(&self, thread: StoredThread) -> BoxFut<'_, Result<(), StoreError>>;
    /// The first `query.limit` threads that match `query`, in its order, after its anchor (see
    /// [`ThreadListQuery`] for the rules every store must apply before it counts the page).
    fn list(&self, query: ThreadListQuery) -> BoxFut<'_, Result<Vec<StoredThread>, StoreError>>;
    /// Deletes a thread and its history; `false` if it did not exist.
    fn delete(&self, thread_id: String) -> BoxFut<'_, Result<bool, StoreError>>;
}
