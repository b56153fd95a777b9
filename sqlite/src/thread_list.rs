//! `thread/list` in SQL: the reference rules of `spindle_core::store::thread_list` as one
//! statement, so a page is filtered before it is counted and walks an index in page order.

use std::fmt::Write as _;

use rusqlite::functions::FunctionFlags;
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, params_from_iter};
use serde_json::Value;
use spindle_core::protocol::thread_list::{ThreadSortKey, ThreadSourceKind};
use spindle_core::store::thread_list::{ThreadListQuery, source_kind};
use spindle_core::store::thread_store::StoredThread;

use crate::error::{Failure, decode};

/// The `source_kind` column of a thread: its kind's JSON name (`vscode`, `subAgentReview`…).
pub(crate) fn source_kind_name(source: &Value) -> String {
    kind_name(source_kind(source))
}

/// The serde name of `kind`, so the column and the filter spell kinds as the wire does.
fn kind_name(kind: ThreadSourceKind) -> String {
    match serde_json::to_value(kind) {
        Ok(Value::String(name)) => name,
        _ => "unknown".to_owned(),
    }
}

/// `spindle_contains(text, lowercase_term)`: whether `text` contains the term ignoring case, with
/// Rust's Unicode lowercasing as the reference rules use (SQLite's `LIKE` folds ASCII only and
/// reads `%` and `_` as wildcards). A NULL text (a thread without a name) contains nothing.
pub(crate) fn register_functions(connection: &Connection) -> rusqlite::Result<()> {
    connection.create_scalar_function(
        "spindle_contains",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |context| {
            let text = context.get_raw(0).as_str_or_null()?;
            let term = context.get_raw(1).as_str()?;
            Ok(text.is_some_and(|text| text.to_lowercase().contains(term)))
        },
    )
}

/// The first `query.limit` threads matching `query`, in its order, after its anchor.
pub(crate) fn list(connection: &Connection, query: &ThreadListQuery) -> Result<Vec<StoredThread>, Failure> {
    let (sql, args) = statement(query);
    let mut statement = connection.prepare_cached(&sql)?;
    let texts = statement.query_map(params_from_iter(args), |row| row.get::<_, String>(0))?;
    texts.map(|text| decode("thread", &text?)).collect()
}

/// The `SELECT` for `query` and its arguments.
fn statement(query: &ThreadListQuery) -> (String, Vec<SqlValue>) {
    let column = match query.sort_key {
        ThreadSortKey::CreatedAt => "created_at",
        ThreadSortKey::UpdatedAt => "updated_at",
        ThreadSortKey::RecencyAt => "recency_at",
    };
    // `preview <> ''` exactly as the partial indexes say it, so SQLite can use them.
    let mut sql = String::from("SELECT stored FROM threads WHERE preview <> '' AND archived = ?");
    let mut args = vec![SqlValue::Integer(i64::from(query.archived))];
    any_of(&mut sql, &mut args, "cwd", query.cwds.iter().cloned());
    any_of(&mut sql, &mut args, "model_provider", query.model_providers.iter().cloned());
    any_of(&mut sql, &mut args, "source_kind", query.source_kinds.iter().map(|kind| kind_name(*kind)));
    if let Some(term) = query.search_term.as_deref().filter(|term| !term.is_empty()) {
        sql.push_str(" AND (spindle_contains(preview, ?) OR spindle_contains(name, ?))");
        let term = term.to_lowercase();
        args.push(SqlValue::Text(term.clone()));
        args.push(SqlValue::Text(term));
    }
    let (after, direction) = if query.ascending { (">", "ASC") } else { ("<", "DESC") };
    if let Some(anchor) = &query.anchor {
        args.push(SqlValue::Integer(anchor.sort_value));
        match &anchor.thread_id {
            Some(thread_id) => {
                let _ = write!(sql, " AND ({column}, id) {after} (?, ?)");
                args.push(SqlValue::Text(thread_id.clone()));
            }
            // Without an id the anchor's own second is included.
            None => {
                let _ = write!(sql, " AND {column} {after}= ?");
            }
        }
    }
    let _ = write!(sql, " ORDER BY {column} {direction}, id {direction} LIMIT ?");
    args.push(SqlValue::Integer(i64::from(query.limit)));
    (sql, args)
}

/// Adds `AND column IN (…)` unless `values` is empty (an empty filter means any).
fn any_of(sql: &mut String, args: &mut Vec<SqlValue>, column: &str, values: impl Iterator<Item = String>) {
    let before = args.len();
    args.extend(values.map(SqlValue::Text));
    let count = args.len() - before;
    if count > 0 {
        let _ = write!(sql, " AND {column} IN ({})", vec!["?"; count].join(", "));
    }
}

#[cfg(test)]
mod tests {
    use spindle_core::store::ThreadListAnchor;

    use super::*;

    /// What SQLite plans for `query`, one line per step.
    fn plan(connection: &Connection, query: &ThreadListQuery) -> String {
        let (sql, args) = statement(query);
        let mut explain = connection.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).expect("explain");
        let steps = explain.query_map(params_from_iter(args), |row| row.get::<_, String>(3)).expect("plan");
        steps.collect::<Result<Vec<_>, _>>().expect("steps").join("\n")
    }

    #[test]
    fn every_page_walks_its_sort_index_without_sorting() {
        let dir = tempfile::tempdir().expect("temp dir");
        let connection = crate::schema::open(dir.path()).unwrap_or_else(|_| panic!("open"));
        for (sort_key, index) in [
            (ThreadSortKey::CreatedAt, "threads_by_created_at"),
            (ThreadSortKey::UpdatedAt, "threads_by_updated_at"),
            (ThreadSortKey::RecencyAt, "threads_by_recency_at"),
        ] {
            for ascending in [false, true] {
                for thread_id in [None, Some("67e55044-10b1-426f-9247-bb680e5fe0c8".to_owned())] {
                    let query = ThreadListQuery {
                        anchor: Some(ThreadListAnchor { sort_value: 5, thread_id }),
                        limit: 25,
                        sort_key,
                        ascending,
                        search_term: Some("x".into()),
                        cwds: vec!["/w".into()],
                        ..Default::default()
                    };
                    let plan = plan(&connection, &query);
                    assert!(plan.contains(&format!("USING INDEX {index}")), "{query:?}: {plan}");
                    assert!(!plan.contains("TEMP B-TREE"), "{query:?}: {plan}");
                }
            }
        }
    }
}
