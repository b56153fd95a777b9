//! Queued turns in SQL: the `QueueStore` half of the store. Every read-then-write runs in one
//! `BEGIN IMMEDIATE` transaction, which takes SQLite's write lock first, so two connections (two
//! processes on one store) never both see the same head as claimable.

use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use serde_json::Value;
use spindle_core::protocol::turn::TurnError;
use spindle_core::store::StoreError;
use spindle_core::store::queue_store::{ClaimOutcome, QueuedTurnRow, QueuedTurnState};

use crate::error::{Failure, decode, encode};

const COLUMNS: &str = "queued_turn_id, thread_id, turn_start_params, queue_order, state, dispatch_turn_id, \
    failure, created_at_ms, updated_at_ms";
const VISIBLE: &str = "thread_id = ?1 AND state <> 'dispatching'";

/// Appends a pending row after the thread's highest slot (dispatching rows included).
pub(crate) fn append(
    connection: &mut Connection,
    queued_turn_id: String,
    thread_id: String,
    turn_start_params: Value,
    now_ms: i64,
) -> Result<QueuedTurnRow, Failure> {
    let params_json = encode(&turn_start_params)?;
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let taken = transaction
        .prepare_cached("SELECT 1 FROM queued_turns WHERE queued_turn_id = ?1")?
        .query_row([&queued_turn_id], |_| Ok(()))
        .optional()?;
    if taken.is_some() {
        return Err(StoreError::Adapter(format!("queued turn {queued_turn_id} already exists")).into());
    }
    let queue_order: i64 = transaction
        .prepare_cached("SELECT COALESCE(MAX(queue_order), 0) + 1 FROM queued_turns WHERE thread_id = ?1")?
        .query_row([&thread_id], |row| row.get(0))?;
    transaction
        .prepare_cached(
            "INSERT INTO queued_turns (queued_turn_id, thread_id, turn_start_params, queue_order, state, \
         created_at_ms, updated_at_ms) VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?5)",
        )?
        .execute(params![queued_turn_id, thread_id, params_json, queue_order, now_ms])?;
    transaction.commit()?;
    Ok(QueuedTurnRow {
        queued_turn_id,
        thread_id,
        turn_start_params,
        queue_order,
        state: QueuedTurnState::Pending,
        dispatch_turn_id: None,
        failure: None,
        created_at_ms: now_ms,
        updated_at_ms: now_ms,
    })
}

/// Visible rows in queue order, `limit` from `offset`, and whether more follow.
pub(crate) fn list_visible(
    connection: &Connection,
    thread_id: &str,
    offset: u32,
    limit: u32,
) -> Result<(Vec<QueuedTurnRow>, bool), Failure> {
    // One row past the page says whether more follow.
    let sql = format!("SELECT {COLUMNS} FROM queued_turns WHERE {VISIBLE} ORDER BY queue_order LIMIT ?2 OFFSET ?3");
    let mut rows = select_rows(connection, &sql, params![thread_id, i64::from(limit) + 1, i64::from(offset)])?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    Ok((rows, more))
}

/// Deletes a visible row.
pub(crate) fn delete(connection: &Connection, thread_id: &str, queued_turn_id: &str) -> Result<bool, Failure> {
    let sql = format!("DELETE FROM queued_turns WHERE {VISIBLE} AND queued_turn_id = ?2");
    Ok(connection.prepare_cached(&sql)?.execute([thread_id, queued_turn_id])? > 0)
}

/// Replaces the params of a visible row in place; a failed row becomes pending again.
pub(crate) fn update(
    connection: &Connection,
    thread_id: &str,
    queued_turn_id: &str,
    turn_start_params: &Value,
    now_ms: i64,
) -> Result<Option<QueuedTurnRow>, Failure> {
    // One statement, so no transaction is needed for the read to match the write.
    let sql = format!(
        "UPDATE queued_turns SET turn_start_params = ?3, state = 'pending', failure = NULL, updated_at_ms = ?4 \
         WHERE {VISIBLE} AND queued_turn_id = ?2 RETURNING {COLUMNS}"
    );
    let rows = select_rows(connection, &sql, params![thread_id, queued_turn_id, encode(turn_start_params)?, now_ms])?;
    Ok(rows.into_iter().next())
}

/// Gives the visible rows the order of `queued_turn_ids`, reusing their slots; `None` (and no
/// change) unless the ids are exactly the visible set.
pub(crate) fn reorder(
    connection: &mut Connection,
    thread_id: &str,
    queued_turn_ids: &[String],
    now_ms: i64,
) -> Result<Option<Vec<QueuedTurnRow>>, Failure> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let visible: Vec<(String, i64)> = {
        let sql = format!("SELECT queued_turn_id, queue_order FROM queued_turns WHERE {VISIBLE} ORDER BY queue_order");
        let mut select = transaction.prepare_cached(&sql)?;
        let rows = select.query_map([thread_id], |row| Ok((row.get(0)?, row.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut requested: Vec<&str> = queued_turn_ids.iter().map(String::as_str).collect();
    requested.sort_unstable();
    let mut current: Vec<&str> = visible.iter().map(|(id, _)| id.as_str()).collect();
    current.sort_unstable();
    // Sorted equality: every visible id once, nothing else (a duplicate changes the sorted list).
    if requested != current {
        return Ok(None);
    }
    // `queue_order` is unique per thread, so the slots are first moved out of the way (orders
    // are ≥ 1, their negatives are free), then handed out in the new order.
    let flip = format!("UPDATE queued_turns SET queue_order = -queue_order WHERE {VISIBLE}");
    transaction.prepare_cached(&flip)?.execute([thread_id])?;
    {
        let mut place = transaction
            .prepare_cached("UPDATE queued_turns SET queue_order = ?2, updated_at_ms = ?3 WHERE queued_turn_id = ?1")?;
        for (queued_turn_id, (_, slot)) in queued_turn_ids.iter().zip(&visible) {
            place.execute(params![queued_turn_id, slot, now_ms])?;
        }
    }
    let sql = format!("SELECT {COLUMNS} FROM queued_turns WHERE {VISIBLE} ORDER BY queue_order");
    let rows = select_rows(&transaction, &sql, [thread_id])?;
    transaction.commit()?;
    Ok(Some(rows))
}

/// Claims the head for dispatch: one atomic step under the write lock.
pub(crate) fn claim_head(connection: &mut Connection, thread_id: &str, now_ms: i64) -> Result<ClaimOutcome, Failure> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let dispatching = transaction
        .prepare_cached("SELECT 1 FROM queued_turns WHERE thread_id = ?1 AND state = 'dispatching' LIMIT 1")?
        .query_row([thread_id], |_| Ok(()))
        .optional()?;
    if dispatching.is_some() {
        return Ok(ClaimOutcome::Busy);
    }
    let sql = format!("SELECT {COLUMNS} FROM queued_turns WHERE {VISIBLE} ORDER BY queue_order LIMIT 1");
    let Some(mut head) = select_rows(&transaction, &sql, [thread_id])?.into_iter().next() else {
        return Ok(ClaimOutcome::Empty);
    };
    if head.state == QueuedTurnState::Failed {
        return Ok(ClaimOutcome::Blocked);
    }
    transaction
        .prepare_cached("UPDATE queued_turns SET state = 'dispatching', updated_at_ms = ?2 WHERE queued_turn_id = ?1")?
        .execute(params![head.queued_turn_id, now_ms])?;
    transaction.commit()?;
    head.state = QueuedTurnState::Dispatching;
    head.updated_at_ms = now_ms;
    Ok(ClaimOutcome::Claimed { row: head })
}

/// Records the turn started from a dispatching row.
pub(crate) fn set_dispatch_turn_id(
    connection: &Connection,
    queued_turn_id: &str,
    turn_id: &str,
    now_ms: i64,
) -> Result<bool, Failure> {
    let changed = connection
        .prepare_cached(
            "UPDATE queued_turns SET dispatch_turn_id = ?2, updated_at_ms = ?3 \
             WHERE queued_turn_id = ?1 AND state = 'dispatching'",
        )?
        .execute(params![queued_turn_id, turn_id, now_ms])?;
    Ok(changed > 0)
}

/// Removes the dispatching row of `turn_id`, never another.
pub(crate) fn remove_dispatched(connection: &Connection, thread_id: &str, turn_id: &str) -> Result<bool, Failure> {
    let changed = connection
        .prepare_cached(
            "DELETE FROM queued_turns WHERE thread_id = ?1 AND state = 'dispatching' AND dispatch_turn_id = ?2",
        )?
        .execute([thread_id, turn_id])?;
    Ok(changed > 0)
}

/// Marks a row failed.
pub(crate) fn mark_failed(
    connection: &Connection,
    queued_turn_id: &str,
    failure: &TurnError,
    now_ms: i64,
) -> Result<bool, Failure> {
    let changed = connection
        .prepare_cached(
            "UPDATE queued_turns SET state = 'failed', failure = ?2, dispatch_turn_id = NULL, updated_at_ms = ?3 \
             WHERE queued_turn_id = ?1",
        )?
        .execute(params![queued_turn_id, encode(failure)?, now_ms])?;
    Ok(changed > 0)
}

/// Every dispatching row of the thread becomes failed; answers how many.
pub(crate) fn recover_dispatching(
    connection: &Connection,
    thread_id: &str,
    failure: &TurnError,
    now_ms: i64,
) -> Result<u32, Failure> {
    let changed = connection
        .prepare_cached(
            "UPDATE queued_turns SET state = 'failed', failure = ?2, dispatch_turn_id = NULL, updated_at_ms = ?3 \
             WHERE thread_id = ?1 AND state = 'dispatching'",
        )?
        .execute(params![thread_id, encode(failure)?, now_ms])?;
    Ok(u32::try_from(changed).unwrap_or(u32::MAX))
}

/// Deletes every row of the thread.
pub(crate) fn delete_thread(connection: &Connection, thread_id: &str) -> Result<(), Failure> {
    connection.prepare_cached("DELETE FROM queued_turns WHERE thread_id = ?1")?.execute([thread_id])?;
    Ok(())
}

fn select_rows(connection: &Connection, sql: &str, args: impl rusqlite::Params) -> Result<Vec<QueuedTurnRow>, Failure> {
    let mut select = connection.prepare_cached(sql)?;
    let mut rows = select.query(args)?;
    let mut decoded = Vec::new();
    while let Some(row) = rows.next()? {
        decoded.push(decode_row(row)?);
    }
    Ok(decoded)
}

fn decode_row(row: &Row<'_>) -> Result<QueuedTurnRow, Failure> {
    let state: String = row.get(4)?;
    let state = match state.as_str() {
        "pending" => QueuedTurnState::Pending,
        "dispatching" => QueuedTurnState::Dispatching,
        "failed" => QueuedTurnState::Failed,
        other => return Err(StoreError::InvalidData(format!("stored queued turn state {other:?}")).into()),
    };
    let params: String = row.get(2)?;
    let failure: Option<String> = row.get(6)?;
    Ok(QueuedTurnRow {
        queued_turn_id: row.get(0)?,
        thread_id: row.get(1)?,
        turn_start_params: decode("queued turn params", &params)?,
        queue_order: row.get(3)?,
        state,
        dispatch_turn_id: row.get(5)?,
        failure: failure.map(|failure| decode("queued turn failure", &failure)).transpose()?,
        created_at_ms: row.get(7)?,
        updated_at_ms: row.get(8)?,
    })
}
