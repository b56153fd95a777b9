//! In-memory queue store: the default, and the reference for the seed's queue rules (PROTOCOL.md §6.1).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use serde_json::Value;

use super::StoreError;
use super::queue_store::{ClaimOutcome, QueueStore, QueuedTurnRow, QueuedTurnState};
use crate::host::{BoxFut, boxed};
use crate::protocol::turn::TurnError;

/// Queued turns kept per thread; lost when the engine goes.
#[derive(Default)]
pub struct MemoryQueueStore {
    // A std mutex is right here: it is never held across an await, and wasm has one thread.
    // Holding it for a whole operation is also what makes `claim_head` atomic.
    threads: Mutex<HashMap<String, Vec<QueuedTurnRow>>>,
}

impl MemoryQueueStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every stored row, dispatching ones included, for audits ([`audit_rows`](super::conformance::audit::audit_rows)).
    #[cfg(any(test, feature = "conformance"))]
    pub fn rows(&self) -> Vec<QueuedTurnRow> {
        self.with(|threads| threads.values().flatten().cloned().collect())
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, Vec<QueuedTurnRow>>) -> T) -> T {
        // A poisoned lock only means another caller panicked mid-update; the map is still usable.
        let mut guard = self.threads.lock().unwrap_or_else(|poison| poison.into_inner());
        f(&mut guard)
    }

    fn with_row<T>(&self, queued_turn_id: &str, f: impl FnOnce(&mut QueuedTurnRow) -> T) -> Option<T> {
        self.with(|threads| {
            threads
                .values_mut()
                .flat_map(|rows| rows.iter_mut())
                .find(|row| row.queued_turn_id == queued_turn_id)
                .map(f)
        })
    }
}

fn is_visible(row: &QueuedTurnRow) -> bool {
    row.state != QueuedTurnState::Dispatching
}

/// The thread's visible rows, head first.
fn visible_mut(rows: &mut [QueuedTurnRow]) -> Vec<&mut QueuedTurnRow> {
    let mut visible: Vec<&mut QueuedTurnRow> = rows.iter_mut().filter(|row| is_visible(row)).collect();
    visible.sort_by_key(|row| row.queue_order);
    visible
}

impl QueueStore for MemoryQueueStore {
    fn append(
        &self,
        queued_turn_id: String,
        thread_id: String,
        turn_start_params: Value,
        now_ms: i64,
    ) -> BoxFut<'_, Result<QueuedTurnRow, StoreError>> {
        let result = self.with(|threads| {
            if threads.values().flatten().any(|row| row.queued_turn_id == queued_turn_id) {
                return Err(StoreError::Adapter(format!("queued turn {queued_turn_id} already exists")));
            }
            let rows = threads.entry(thread_id.clone()).or_default();
            // Dispatching rows count too, so a new row never reuses the slot of one still starting.
            let queue_order = rows.iter().map(|row| row.queue_order).max().unwrap_or(0) + 1;
            let row = QueuedTurnRow {
                queued_turn_id,
                thread_id,
                turn_start_params,
                queue_order,
                state: QueuedTurnState::Pending,
                dispatch_turn_id: None,
                failure: None,
                created_at_ms: now_ms,
                updated_at_ms: now_ms,
            };
            rows.push(row.clone());
            Ok(row)
        });
        boxed(async move { result })
    }

    fn list_visible(
        &self,
        thread_id: String,
        offset: u32,
        limit: u32,
    ) -> BoxFut<'_, Result<(Vec<QueuedTurnRow>, bool), StoreError>> {
        let page = self.with(|threads| {
            let Some(rows) = threads.get_mut(&thread_id) else {
                return (Vec::new(), false);
            };
            let visible = visible_mut(rows);
            let offset = offset as usize;
            let page: Vec<QueuedTurnRow> =
                visible.iter().skip(offset).take(limit as usize).map(|row| (**row).clone()).collect();
            let more = offset.saturating_add(page.len()) < visible.len();
            (page, more)
        });
        boxed(async move { Ok(page) })
    }

    fn delete(&self, thread_id: String, queued_turn_id: String) -> BoxFut<'_, Result<bool, StoreError>> {
        let deleted = self.with(|threads| {
            let Some(rows) = threads.get_mut(&thread_id) else {
                return false;
            };
            let before = rows.len();
            rows.retain(|row| !(row.queued_turn_id == queued_turn_id && is_visible(row)));
            rows.len() < before
        });
        boxed(async move { Ok(deleted) })
    }

    fn reorder(
        &self,
        thread_id: String,
        queued_turn_ids: Vec<String>,
        now_ms: i64,
    ) -> BoxFut<'_, Result<Option<Vec<QueuedTurnRow>>, StoreError>> {
        let reordered = self.with(|threads| {
            let mut empty = Vec::new();
            let rows = threads.get_mut(&thread_id).unwrap_or(&mut empty);
            let mut visible = visible_mut(rows);
            let requested: HashSet<&str> = queued_turn_ids.iter().map(String::as_str).collect();
            let exact = requested.len() == queued_turn_ids.len()
                && requested.len() == visible.len()
                && visible.iter().all(|row| requested.contains(row.queued_turn_id.as_str()));
            if !exact {
                return None;
            }
            // The slots stay the thread's own; only who holds which one changes.
            let slots: Vec<i64> = visible.iter().map(|row| row.queue_order).collect();
            let mut reordered = Vec::with_capacity(visible.len());
            for (id, slot) in queued_turn_ids.iter().zip(slots) {
                let row = visible.iter_mut().find(|row| &row.queued_turn_id == id)?;
                row.queue_order = slot;
                row.updated_at_ms = now_ms;
                reordered.push((**row).clone());
            }
            Some(reordered)
        });
        boxed(async move { Ok(reordered) })
    }

    fn update_queued_turn(
        &self,
        thread_id: String,
        queued_turn_id: String,
        turn_start_params: Value,
        now_ms: i64,
    ) -> BoxFut<'_, Result<Option<QueuedTurnRow>, StoreError>> {
        let updated = self.with(|threads| {
            let row = threads
                .get_mut(&thread_id)?
                .iter_mut()
                .find(|row| row.queued_turn_id == queued_turn_id && is_visible(row))?;
            row.turn_start_params = turn_start_params;
            row.state = QueuedTurnState::Pending;
            row.failure = None;
            row.updated_at_ms = now_ms;
            Some(row.clone())
        });
        boxed(async move { Ok(updated) })
    }

    fn claim_head(&self, thread_id: String, now_ms: i64) -> BoxFut<'_, Result<ClaimOutcome, StoreError>> {
        let outcome = self.with(|threads| {
            let Some(rows) = threads.get_mut(&thread_id) else {
                return ClaimOutcome::Empty;
            };
            if rows.iter().any(|row| row.state == QueuedTurnState::Dispatching) {
                return ClaimOutcome::Busy;
            }
            let Some(head) = visible_mut(rows).into_iter().next() else {
                return ClaimOutcome::Empty;
            };
            if head.state == QueuedTurnState::Failed {
                return ClaimOutcome::Blocked;
            }
            head.state = QueuedTurnState::Dispatching;
            head.updated_at_ms = now_ms;
            ClaimOutcome::Claimed { row: head.clone() }
        });
        boxed(async move { Ok(outcome) })
    }

    fn set_dispatch_turn_id(
        &self,
        queued_turn_id: String,
        turn_id: String,
        now_ms: i64,
    ) -> BoxFut<'_, Result<bool, StoreError>> {
        let set = self
            .with_row(&queued_turn_id, |row| {
                if row.state != QueuedTurnState::Dispatching {
                    return false;
                }
                row.dispatch_turn_id = Some(turn_id);
                row.updated_at_ms = now_ms;
                true
            })
            .unwrap_or(false);
        boxed(async move { Ok(set) })
    }

    fn remove_dispatched(&self, thread_id: String, turn_id: String) -> BoxFut<'_, Result<bool, StoreError>> {
        let removed = self.with(|threads| {
            let Some(rows) = threads.get_mut(&thread_id) else {
                return false;
            };
            let before = rows.len();
            rows.retain(|row| {
                !(row.state == QueuedTurnState::Dispatching
                    && row.dispatch_turn_id.as_deref() == Some(turn_id.as_str()))
            });
            rows.len() < before
        });
        boxed(async move { Ok(removed) })
    }

    fn mark_failed(
        &self,
        queued_turn_id: String,
        failure: TurnError,
        now_ms: i64,
    ) -> BoxFut<'_, Result<bool, StoreError>> {
        let marked = self
            .with_row(&queued_turn_id, |row| {
                row.state = QueuedTurnState::Failed;
                row.failure = Some(failure);
                row.dispatch_turn_id = None;
                row.updated_at_ms = now_ms;
            })
            .is_some();
        boxed(async move { Ok(marked) })
    }

    fn recover_dispatching(
        &self,
        thread_id: String,
        failure: TurnError,
        now_ms: i64,
    ) -> BoxFut<'_, Result<u32, StoreError>> {
        let recovered = self.with(|threads| {
            let mut count = 0u32;
            for row in threads.get_mut(&thread_id).into_iter().flatten() {
                if row.state == QueuedTurnState::Dispatching {
                    row.state = QueuedTurnState::Failed;
                    row.failure = Some(failure.clone());
                    row.dispatch_turn_id = None;
                    row.updated_at_ms = now_ms;
                    count += 1;
                }
            }
            count
        });
        boxed(async move { Ok(recovered) })
    }

    fn delete_thread(&self, thread_id: String) -> BoxFut<'_, Result<(), StoreError>> {
        self.with(|threads| threads.remove(&thread_id));
        boxed(async move { Ok(()) })
    }
}
