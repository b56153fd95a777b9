//! Thread records and their append-only history in SQL: the `ThreadStore` half of the store.

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use spindle_core::store::StoreError;
use spindle_core::store::thread_store::{HistoryRecord, LoadedHistory, StoredThread};

use crate::error::{Failure, decode, encode};
use crate::thread_list::source_kind_name;

const INSERT: &str = "INSERT INTO threads (id, stored, created_at, updated_at, recency_at, archived, cwd, \
    model_provider, source_kind, preview, name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
    ON CONFLICT (id) DO NOTHING";
const UPDATE: &str = "UPDATE threads SET stored = ?2, created_at = ?3, updated_at = ?4, recency_at = ?5, \
    archived = ?6, cwd = ?7, model_provider = ?8, source_kind = ?9, preview = ?10, name = ?11 WHERE id = ?1";

/// Creates a thread record; fails if the id exists.
pub(crate) fn create(connection: &Connection, stored: &StoredThread) -> Result<(), Failure> {
    if write(connection, INSERT, stored)? == 0 {
        return Err(StoreError::Adapter(format!("thread {} already exists", stored.thread.id)).into());
    }
    Ok(())
}

/// Replaces a thread's record; fails if there is none.
pub(crate) fn update(connection: &Connection, stored: &StoredThread) -> Result<(), Failure> {
    if write(connection, UPDATE, stored)? == 0 {
        return Err(does_not_exist(&stored.thread.id));
    }
    Ok(())
}

/// Runs `sql` (`INSERT` or `UPDATE`) with the record and the list columns derived from it.
fn write(connection: &Connection, sql: &str, stored: &StoredThread) -> Result<usize, Failure> {
    let thread = &stored.thread;
    let record = encode(stored)?;
    let changed = connection.prepare_cached(sql)?.execute(params![
        thread.id,
        record,
        thread.created_at,
        thread.updated_at,
        thread.recency_at.unwrap_or(thread.updated_at),
        stored.archived,
        thread.cwd,
        thread.model_provider,
        source_kind_name(&thread.source),
        thread.preview,
        thread.name,
    ])?;
    Ok(changed)
}

/// Appends records after the thread's last one, all or none.
pub(crate) fn append(connection: &mut Connection, thread_id: &str, records: &[HistoryRecord]) -> Result<(), Failure> {
    let encoded = records.iter().map(encode).collect::<Result<Vec<_>, _>>()?;
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if !exists(&transaction, thread_id)? {
        return Err(does_not_exist(thread_id));
    }
    let last: i64 = transaction
        .prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM history WHERE thread_id = ?1")?
        .query_row([thread_id], |row| row.get(0))?;
    {
        let mut insert =
            transaction.prepare_cached("INSERT INTO history (thread_id, seq, record) VALUES (?1, ?2, ?3)")?;
        for (seq, record) in (last + 1..).zip(&encoded) {
            insert.execute(params![thread_id, seq, record])?;
        }
    }
    transaction.commit()?;
    Ok(())
}

/// The thread and its history, or only the last `tail` records, read from one snapshot.
pub(crate) fn load(
    connection: &mut Connection,
    thread_id: &str,
    tail: Option<u32>,
) -> Result<Option<LoadedHistory>, Failure> {
    let transaction = connection.transaction()?;
    let stored: Option<String> = transaction
        .prepare_cached("SELECT stored FROM threads WHERE id = ?1")?
        .query_row([thread_id], |row| row.get(0))
        .optional()?;
    let Some(stored) = stored else { return Ok(None) };
    // Newest first, one past the tail: that extra record is how we know older ones were cut.
    let limit = tail.map_or(-1, |tail| i64::from(tail) + 1);
    let mut texts = {
        let mut select =
            transaction.prepare_cached("SELECT record FROM history WHERE thread_id = ?1 ORDER BY seq DESC LIMIT ?2")?;
        let rows = select.query_map(params![thread_id, limit], |row| row.get::<_, String>(0))?;
        rows.collect::<Result<Vec<String>, _>>()?
    };
    transaction.commit()?;
    let keep = tail.map_or(texts.len(), |tail| (tail as usize).min(texts.len()));
    let truncated = texts.len() > keep;
    texts.truncate(keep);
    let records = texts.iter().rev().map(|text| decode("history record", text)).collect::<Result<_, _>>()?;
    Ok(Some(LoadedHistory { stored: decode("thread", &stored)?, records, truncated }))
}

/// Deletes the thread, its history and its queued turns in one transaction; `false` if unknown.
pub(crate) fn delete(connection: &mut Connection, thread_id: &str) -> Result<bool, Failure> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    transaction.prepare_cached("DELETE FROM history WHERE thread_id = ?1")?.execute([thread_id])?;
    transaction.prepare_cached("DELETE FROM queued_turns WHERE thread_id = ?1")?.execute([thread_id])?;
    let deleted = transaction.prepare_cached("DELETE FROM threads WHERE id = ?1")?.execute([thread_id])? > 0;
    transaction.commit()?;
    Ok(deleted)
}

fn exists(transaction: &Transaction<'_>, thread_id: &str) -> Result<bool, Failure> {
    let found = transaction
        .prepare_cached("SELECT 1 FROM threads WHERE id = ?1")?
        .query_row([thread_id], |_| Ok(()))
        .optional()?;
    Ok(found.is_some())
}

fn does_not_exist(thread_id: &str) -> Failure {
    StoreError::Adapter(format!("thread {thread_id} does not exist")).into()
}
