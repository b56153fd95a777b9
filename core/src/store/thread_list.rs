//! The query behind `thread/list` (PROTOCOL.md §4.5): which stored threads match, in which order, and
//! where a page starts. The functions here are the reference rules; a store written in JS applies
//! the same ones itself, before it counts the page, so no page comes back short.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::thread_store::StoredThread;
use crate::protocol::thread_list::{ThreadSortKey, ThreadSourceKind};

/// Where a page starts, decoded by the engine from the client's cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadListAnchor {
    /// A value of the query's sort key (Unix seconds).
    #[ts(type = "number")]
    pub sort_value: i64,
    /// With an id, the page starts strictly after `(sortValue, threadId)` in page order. Without
    /// one, it starts at the first thread whose sort value is `sortValue` or later in page order
    /// (so threads that share the anchor's second are listed again, never skipped).
    pub thread_id: Option<String>,
}

/// A page request over stored threads. A thread is in the page when it has a non-empty `preview`,
/// matches every filter below and lies after the anchor; threads are ordered by `(sort value,
/// thread id)`, ascending or both descending; the page is the first `limit` of them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ThreadListQuery {
    /// Where the page starts; `null` for the first page.
    pub anchor: Option<ThreadListAnchor>,
    /// Most threads to return.
    pub limit: u32,
    /// True: only archived threads; false: only non-archived ones.
    pub archived: bool,
    /// Sort by the thread's `createdAt`, `updatedAt`, or `recencyAt` (its `updatedAt` when null).
    pub sort_key: ThreadSortKey,
    /// Ascending instead of descending order.
    pub ascending: bool,
    /// Only threads whose `cwd` equals one of these; empty: any.
    pub cwds: Vec<String>,
    /// Only threads whose `modelProvider` is one of these; empty: any.
    pub model_providers: Vec<String>,
    /// Only threads whose source kind is one of these; empty: any. The kind of a `source` string
    /// `cli`, `vscode`, `exec` or `appServer` is that string; `{"subAgent":"review"}` is
    /// `subAgentReview`, `{"subAgent":"compact"}` `subAgentCompact`, `{"subAgent":{"thread_spawn":…}}`
    /// `subAgentThreadSpawn`, any other `subAgent` `subAgentOther`; anything else is `unknown`.
    pub source_kinds: Vec<ThreadSourceKind>,
    /// Only threads whose name or preview contains this, ignoring case; `null` or empty: any.
    pub search_term: Option<String>,
}

impl ThreadListQuery {
    /// Whether `stored` passes every filter. A thread with an empty preview never does: it has had no
    /// user message yet, and 0.169 lists a thread only from its first one (PROTOCOL.md §4.1).
    pub fn matches(&self, stored: &StoredThread) -> bool {
        let thread = &stored.thread;
        !thread.preview.is_empty()
            && stored.archived == self.archived
            && (self.cwds.is_empty() || self.cwds.contains(&thread.cwd))
            && (self.model_providers.is_empty() || self.model_providers.contains(&thread.model_provider))
            && (self.source_kinds.is_empty() || self.source_kinds.contains(&source_kind(&thread.source)))
            && self.search_term.as_deref().is_none_or(|term| {
                let term = term.to_lowercase();
                let contains = |text: &str| text.to_lowercase().contains(&term);
                contains(&thread.preview) || thread.name.as_deref().is_some_and(contains)
            })
    }

    /// The value `stored` sorts by.
    pub fn sort_value(&self, stored: &StoredThread) -> i64 {
        let thread = &stored.thread;
        match self.sort_key {
            ThreadSortKey::CreatedAt => thread.created_at,
            ThreadSortKey::UpdatedAt => thread.updated_at,
            ThreadSortKey::RecencyAt => thread.recency_at.unwrap_or(thread.updated_at),
        }
    }

    /// Page order of two threads.
    pub fn order(&self, a: &StoredThread, b: &StoredThread) -> Ordering {
        let order = self.sort_value(a).cmp(&self.sort_value(b)).then_with(|| a.thread.id.cmp(&b.thread.id));
        if self.ascending { order } else { order.reverse() }
    }

    /// Whether `stored` lies after the anchor (always, without one).
    pub fn after_anchor(&self, stored: &StoredThread) -> bool {
        let Some(anchor) = &self.anchor else { return true };
        let value = self.sort_value(stored);
        let order = match &anchor.thread_id {
            Some(thread_id) => value.cmp(&anchor.sort_value).then_with(|| stored.thread.id.cmp(thread_id)),
            // Without an id the anchor's own second is included.
            None if value == anchor.sort_value => return true,
            None => value.cmp(&anchor.sort_value),
        };
        if self.ascending { order == Ordering::Greater } else { order == Ordering::Less }
    }
}

/// The kind of a thread's `source` (a `SessionSource`): its string, or the sub-agent variant;
/// `{"custom":…}` and anything unrecognised are `unknown`.
pub fn source_kind(source: &Value) -> ThreadSourceKind {
    match source {
        Value::String(kind) => match kind.as_str() {
            "cli" => ThreadSourceKind::Cli,
            "vscode" => ThreadSourceKind::Vscode,
            "exec" => ThreadSourceKind::Exec,
            "appServer" => ThreadSourceKind::AppServer,
            _ => ThreadSourceKind::Unknown,
        },
        Value::Object(object) => match object.get("subAgent") {
            Some(Value::String(kind)) if kind == "review" => ThreadSourceKind::SubAgentReview,
            Some(Value::String(kind)) if kind == "compact" => ThreadSourceKind::SubAgentCompact,
            Some(Value::Object(spawn)) if spawn.contains_key("thread_spawn") => ThreadSourceKind::SubAgentThreadSpawn,
            Some(_) => ThreadSourceKind::SubAgentOther,
            None => ThreadSourceKind::Unknown,
        },
        _ => ThreadSourceKind::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::store::conformance::{id, name_of, stored_thread};

    /// A thread named "Named", listable with a preview.
    fn stored(id: &str, created_at: i64, preview: &str) -> StoredThread {
        let mut stored = stored_thread(id, created_at, preview);
        stored.thread.name = Some("Named".into());
        stored
    }

    #[test]
    fn thread_list_query_never_matches_a_thread_without_preview() {
        let query = ThreadListQuery::default();
        assert!(query.matches(&stored("a", 1, "hello")));
        assert!(!query.matches(&stored("a", 1, "")));
    }

    #[test]
    fn thread_list_query_search_looks_at_name_and_preview_ignoring_case() {
        let search = |term: &str| ThreadListQuery { search_term: Some(term.into()), ..Default::default() };
        assert!(search("HELL").matches(&stored("a", 1, "hello")));
        assert!(search("named").matches(&stored("a", 1, "hello")));
        assert!(search("").matches(&stored("a", 1, "hello")));
        assert!(!search("bye").matches(&stored("a", 1, "hello")));
    }

    #[test]
    fn thread_list_anchor_with_an_id_is_exclusive_and_without_one_includes_its_second() {
        let (a, b, c) = (stored("a", 5, "x"), stored("b", 5, "x"), stored("c", 6, "x"));
        let after = |thread_id: Option<&str>, ascending: bool| ThreadListQuery {
            anchor: Some(ThreadListAnchor { sort_value: 5, thread_id: thread_id.map(id) }),
            ascending,
            ..Default::default()
        };
        let passing = |query: &ThreadListQuery| {
            [&a, &b, &c]
                .into_iter()
                .filter(|s| query.after_anchor(s))
                .map(|s| name_of(&s.thread.id))
                .collect::<Vec<_>>()
        };
        assert_eq!(passing(&after(Some("a"), true)), ["b", "c"]);
        assert_eq!(passing(&after(Some("b"), false)), ["a"]);
        assert_eq!(passing(&after(None, true)), ["a", "b", "c"]);
        assert_eq!(passing(&after(None, false)), ["a", "b"]);
    }

    #[test]
    fn source_kind_reduces_a_session_source_to_its_kind() {
        assert_eq!(source_kind(&json!("vscode")), ThreadSourceKind::Vscode);
        assert_eq!(source_kind(&json!("appServer")), ThreadSourceKind::AppServer);
        assert_eq!(source_kind(&json!({"custom": "x"})), ThreadSourceKind::Unknown);
        assert_eq!(source_kind(&json!({"subAgent": "review"})), ThreadSourceKind::SubAgentReview);
        assert_eq!(
            source_kind(&json!({"subAgent": {"thread_spawn": {"depth": 1}}})),
            ThreadSourceKind::SubAgentThreadSpawn
        );
        assert_eq!(source_kind(&json!({"subAgent": {"other": "x"}})), ThreadSourceKind::SubAgentOther);
        assert_eq!(source_kind(&json!(7)), ThreadSourceKind::Unknown);
    }
}
