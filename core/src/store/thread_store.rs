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
    /// A finished turn as clients see it, with every item (`itemsView: full`).
    Turn {
        /// The turn.
        turn: Turn,
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

impl LoadedHistory {
    /// The finished turns, oldest first, with every item.
    pub fn turns(&self) -> Vec<Turn> {
        self.records
            .iter()
            .filter_map(|record| match record {
                HistoryRecord::Turn { turn } => Some(turn.clone()),
                HistoryRecord::ModelItems { .. } | HistoryRecord::Compacted { .. } => None,
            })
            .collect()
    }

    /// The model-visible history, replayed verbatim on the next request.
    pub fn model_items(&self) -> Vec<Value> {
        model_history(self.records.iter().filter(|record| !matches!(record, HistoryRecord::Turn { .. })).cloned())
    }

    /// The thread record, its finished turns and its model history, taken apart without copying
    /// them: what loading a thread into an actor needs (`thread/resume`).
    pub fn into_parts(self) -> (StoredThread, Vec<Turn>, Vec<Value>) {
        let mut turns = Vec::new();
        let history = model_history(self.records.into_iter().filter_map(|record| match record {
            HistoryRecord::Turn { turn } => {
                turns.push(turn);
                None
            }
            other => Some(other),
        }));
        (self.stored, turns, history)
    }
}

/// The model history that `records` leave: appended items, restarted by each compaction.
fn model_history(records: impl IntoIterator<Item = HistoryRecord>) -> Vec<Value> {
    let mut history = Vec::new();
    for record in records {
        match record {
            HistoryRecord::ModelItems { items } => history.extend(items),
            HistoryRecord::Compacted { items } => history = items,
            HistoryRecord::Turn { .. } => {}
        }
    }
    history
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::turn::{TurnItemsView, TurnStatus};
    use serde_json::json;

    #[test]
    fn a_compaction_record_replaces_the_model_history_before_it() {
        let records = vec![
            HistoryRecord::ModelItems { items: vec![json!("a"), json!("b")] },
            HistoryRecord::Compacted { items: vec![json!("summary")] },
            HistoryRecord::ModelItems { items: vec![json!("c")] },
        ];
        assert_eq!(model_history(records), vec![json!("summary"), json!("c")]);
    }

    #[test]
    fn taken_apart_a_history_keeps_its_turns_in_order_and_the_model_history_of_model_items() {
        let turn = |id: &str| Turn {
            id: id.into(),
            root_turn_id: None,
            items: Vec::new(),
            items_view: TurnItemsView::Full,
            status: TurnStatus::Completed,
            error: None,
            started_at: None,
            completed_at: None,
            duration_ms: None,
        };
        let stored = crate::store::conformance::stored_thread("t", 1, "hello");
        let loaded = LoadedHistory {
            stored,
            records: vec![
                HistoryRecord::ModelItems { items: vec![json!("a")] },
                HistoryRecord::Turn { turn: turn("u1") },
                HistoryRecord::Compacted { items: vec![json!("summary")] },
                HistoryRecord::ModelItems { items: vec![json!("b")] },
                HistoryRecord::Turn { turn: turn("u2") },
            ],
            truncated: false,
        };
        let (turns, items) = (loaded.turns(), loaded.model_items());
        let (_, parts_turns, parts_items) = loaded.into_parts();
        assert_eq!(parts_turns, turns);
        assert_eq!(parts_items, items);
        assert_eq!(parts_turns.iter().map(|turn| turn.id.as_str()).collect::<Vec<_>>(), ["u1", "u2"]);
        assert_eq!(parts_items, vec![json!("summary"), json!("b")]);
    }
}
