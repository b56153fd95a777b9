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

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Barrier};

    use futures::executor::block_on;
    use pretty_assertions::assert_eq;
    use serde_json::json;

    use super::*;

    const THREAD: &str = "thread-a";
    const OTHER: &str = "thread-b";

    fn failure(message: &str) -> TurnError {
        TurnError { message: message.to_string(), codex_error_info: None, additional_details: None, misalignment: None }
    }

    fn add(store: &MemoryQueueStore, id: &str, thread: &str, now: i64) -> QueuedTurnRow {
        let params = json!({ "threadId": thread, "input": [{ "type": "text", "text": id }] });
        block_on(store.append(id.to_string(), thread.to_string(), params, now)).expect("append")
    }

    fn visible_ids(store: &MemoryQueueStore, thread: &str) -> Vec<String> {
        let (rows, more) = block_on(store.list_visible(thread.to_string(), 0, 1000)).expect("list");
        assert!(!more);
        rows.into_iter().map(|row| row.queued_turn_id).collect()
    }

    fn claim(store: &MemoryQueueStore, thread: &str, now: i64) -> ClaimOutcome {
        block_on(store.claim_head(thread.to_string(), now)).expect("claim")
    }

    fn claimed_id(outcome: ClaimOutcome) -> String {
        match outcome {
            ClaimOutcome::Claimed { row } => row.queued_turn_id,
            other => panic!("expected a claim, got {other:?}"),
        }
    }

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|id| id.to_string()).collect()
    }

    /// Three pending rows `q1..q3` on `THREAD`.
    fn store_with_three() -> MemoryQueueStore {
        let store = MemoryQueueStore::new();
        for (i, id) in ["q1", "q2", "q3"].into_iter().enumerate() {
            add(&store, id, THREAD, 100 + i as i64);
        }
        store
    }

    #[test]
    fn append_creates_a_pending_row_with_the_params_verbatim() {
        let store = MemoryQueueStore::new();
        let params = json!({ "threadId": THREAD, "input": [], "model": "m", "extra": { "kept": true } });
        let row = block_on(store.append("q1".into(), THREAD.into(), params.clone(), 42)).expect("append");
        assert_eq!(
            row,
            QueuedTurnRow {
                queued_turn_id: "q1".into(),
                thread_id: THREAD.into(),
                turn_start_params: params,
                queue_order: 1,
                state: QueuedTurnState::Pending,
                dispatch_turn_id: None,
                failure: None,
                created_at_ms: 42,
                updated_at_ms: 42,
            }
        );
    }

    #[test]
    fn append_numbers_each_thread_after_its_highest_slot() {
        let store = store_with_three();
        assert!(block_on(store.delete(THREAD.into(), "q3".into())).expect("delete"));
        // The freed slot 3 is reused because it is above every remaining row; gaps below are not filled.
        assert!(block_on(store.delete(THREAD.into(), "q1".into())).expect("delete"));
        assert_eq!(add(&store, "q4", THREAD, 300).queue_order, 3);
        // Another thread counts from 1.
        assert_eq!(add(&store, "o1", OTHER, 300).queue_order, 1);
    }

    #[test]
    fn append_counts_a_dispatching_row_that_holds_the_highest_slot() {
        let store = MemoryQueueStore::new();
        add(&store, "q1", THREAD, 1);
        add(&store, "q2", THREAD, 2);
        block_on(store.reorder(THREAD.into(), ids(&["q2", "q1"]), 3)).expect("reorder").expect("accepted");
        // q1 now holds slot 2; with q2 gone and q1 claimed, the only row holding a slot is dispatching.
        assert!(block_on(store.delete(THREAD.into(), "q2".into())).expect("delete"));
        assert_eq!(claimed_id(claim(&store, THREAD, 4)), "q1");
        assert_eq!(add(&store, "q3", THREAD, 5).queue_order, 3);
    }

    #[test]
    fn append_rejects_an_id_already_stored() {
        let store = store_with_three();
        let again = block_on(store.append("q2".into(), OTHER.into(), json!({}), 1));
        assert!(matches!(again, Err(StoreError::Adapter(_))), "{again:?}");
        assert_eq!(visible_ids(&store, OTHER), Vec::<String>::new());
    }

    #[test]
    fn list_visible_pages_pending_and_failed_rows_in_queue_order() {
        let store = store_with_three();
        add(&store, "q4", THREAD, 104);
        add(&store, "o1", OTHER, 105);
        assert!(block_on(store.mark_failed("q2".into(), failure("broken"), 106)).expect("mark"));
        assert_eq!(claimed_id(claim(&store, THREAD, 107)), "q1");

        let (first, more) = block_on(store.list_visible(THREAD.into(), 0, 2)).expect("list");
        let first_ids: Vec<&str> = first.iter().map(|row| row.queued_turn_id.as_str()).collect();
        assert_eq!(first_ids, ["q2", "q3"]);
        assert_eq!(first[0].state, QueuedTurnState::Failed);
        assert!(more);

        let (second, more) = block_on(store.list_visible(THREAD.into(), 2, 2)).expect("list");
        let second_ids: Vec<&str> = second.iter().map(|row| row.queued_turn_id.as_str()).collect();
        assert_eq!(second_ids, ["q4"]);
        assert!(!more);

        let (past_end, more) = block_on(store.list_visible(THREAD.into(), 5, 2)).expect("list");
        assert!(past_end.is_empty() && !more);
    }

    #[test]
    fn list_visible_says_more_follow_only_when_a_visible_row_is_left() {
        let store = store_with_three();
        let (page, more) = block_on(store.list_visible(THREAD.into(), 0, 3)).expect("list");
        assert_eq!(page.len(), 3);
        assert!(!more);
        let (page, more) = block_on(store.list_visible(THREAD.into(), 1, 1)).expect("list");
        assert_eq!(page[0].queued_turn_id, "q2");
        assert!(more);
    }

    #[test]
    fn list_visible_of_an_unknown_thread_is_empty() {
        let store = MemoryQueueStore::new();
        let (page, more) = block_on(store.list_visible("nobody".into(), 0, 25)).expect("list");
        assert!(page.is_empty() && !more);
    }

    #[test]
    fn delete_removes_a_pending_or_failed_row_of_that_thread_only() {
        let store = store_with_three();
        add(&store, "o1", OTHER, 1);
        assert!(block_on(store.mark_failed("q3".into(), failure("broken"), 2)).expect("mark"));
        assert!(block_on(store.delete(THREAD.into(), "q2".into())).expect("delete"));
        assert!(block_on(store.delete(THREAD.into(), "q3".into())).expect("delete"));
        assert_eq!(visible_ids(&store, THREAD), ids(&["q1"]));
        // A second delete, an unknown id and another thread's row all answer false.
        assert!(!block_on(store.delete(THREAD.into(), "q2".into())).expect("delete"));
        assert!(!block_on(store.delete(THREAD.into(), "nope".into())).expect("delete"));
        assert!(!block_on(store.delete(THREAD.into(), "o1".into())).expect("delete"));
        assert_eq!(visible_ids(&store, OTHER), ids(&["o1"]));
    }

    #[test]
    fn delete_refuses_a_dispatching_row() {
        let store = store_with_three();
        assert_eq!(claimed_id(claim(&store, THREAD, 1)), "q1");
        assert!(!block_on(store.delete(THREAD.into(), "q1".into())).expect("delete"));
        // Still there: it blocks further claims and can be removed once its turn starts.
        assert_eq!(claim(&store, THREAD, 2), ClaimOutcome::Busy);
        assert!(block_on(store.set_dispatch_turn_id("q1".into(), "turn-1".into(), 3)).expect("set"));
        assert!(block_on(store.remove_dispatched(THREAD.into(), "turn-1".into())).expect("remove"));
    }

    #[test]
    fn reorder_reassigns_the_existing_slots_and_returns_the_new_order() {
        let store = store_with_three();
        add(&store, "q4", THREAD, 1);
        // q1 dispatching keeps slot 1; q2..q4 hold 2, 3, 4. Deleting q3 leaves slots 2 and 4.
        assert_eq!(claimed_id(claim(&store, THREAD, 2)), "q1");
        assert!(block_on(store.delete(THREAD.into(), "q3".into())).expect("delete"));

        let rows = block_on(store.reorder(THREAD.into(), ids(&["q4", "q2"]), 500)).expect("reorder").expect("accepted");
        let order: Vec<(&str, i64, i64)> =
            rows.iter().map(|row| (row.queued_turn_id.as_str(), row.queue_order, row.updated_at_ms)).collect();
        assert_eq!(order, [("q4", 2, 500), ("q2", 4, 500)]);
        assert_eq!(visible_ids(&store, THREAD), ids(&["q4", "q2"]));
        // The dispatching row kept its slot, so the next append still goes after everything.
        assert_eq!(add(&store, "q5", THREAD, 3).queue_order, 5);
    }

    #[test]
    fn reorder_moves_a_failed_head_away_so_the_queue_unblocks() {
        let store = store_with_three();
        assert!(block_on(store.mark_failed("q1".into(), failure("broken"), 1)).expect("mark"));
        assert_eq!(claim(&store, THREAD, 2), ClaimOutcome::Blocked);
        block_on(store.reorder(THREAD.into(), ids(&["q2", "q3", "q1"]), 3)).expect("reorder").expect("accepted");
        assert_eq!(claimed_id(claim(&store, THREAD, 4)), "q2");
    }

    #[test]
    fn reorder_refuses_anything_but_the_exact_visible_set_and_changes_nothing() {
        let store = store_with_three();
        add(&store, "o1", OTHER, 1);
        add(&store, "q4", THREAD, 1);
        assert_eq!(claimed_id(claim(&store, THREAD, 2)), "q1");
        let before = block_on(store.list_visible(THREAD.into(), 0, 100)).expect("list");

        let refused = [
            ids(&["q4", "q3"]),             // missing q2
            ids(&["q4", "q3", "q2", "q2"]), // duplicate
            ids(&["q4", "q3", "q3"]),       // duplicate hiding a missing id
            ids(&["q4", "q3", "q2", "nope"]),
            ids(&["q4", "q3", "q2", "q1"]), // q1 is dispatching
            ids(&["q4", "q3", "o1"]),       // another thread's row
            ids(&[]),
        ];
        for attempt in refused {
            let outcome = block_on(store.reorder(THREAD.into(), attempt.clone(), 99)).expect("reorder");
            assert_eq!(outcome, None, "{attempt:?}");
        }
        assert_eq!(block_on(store.list_visible(THREAD.into(), 0, 100)).expect("list"), before);
    }

    #[test]
    fn reorder_of_an_empty_queue_accepts_only_an_empty_list() {
        let store = MemoryQueueStore::new();
        assert_eq!(block_on(store.reorder(THREAD.into(), Vec::new(), 1)).expect("reorder"), Some(Vec::new()));
        assert_eq!(block_on(store.reorder(THREAD.into(), ids(&["q1"]), 1)).expect("reorder"), None);
    }

    fn update(store: &MemoryQueueStore, thread: &str, id: &str, text: &str, now: i64) -> Option<QueuedTurnRow> {
        let params = json!({ "threadId": thread, "input": [{ "type": "text", "text": text }] });
        block_on(store.update_queued_turn(thread.into(), id.into(), params, now)).expect("update")
    }

    #[test]
    fn update_queued_turn_replaces_the_params_in_place() {
        let store = store_with_three();
        let row = update(&store, THREAD, "q2", "edited", 500).expect("updated");
        assert_eq!(row.turn_start_params["input"][0]["text"], json!("edited"));
        assert_eq!(
            (row.queue_order, row.state, row.created_at_ms, row.updated_at_ms),
            (2, QueuedTurnState::Pending, 101, 500)
        );
        assert_eq!(visible_ids(&store, THREAD), ids(&["q1", "q2", "q3"]));
        let (rows, _) = block_on(store.list_visible(THREAD.into(), 1, 1)).expect("list");
        assert_eq!(rows, vec![row]);
    }

    #[test]
    fn update_queued_turn_makes_a_failed_row_pending_and_unblocks_the_queue() {
        let store = store_with_three();
        assert!(block_on(store.mark_failed("q1".into(), failure("broken"), 1)).expect("mark"));
        assert_eq!(claim(&store, THREAD, 2), ClaimOutcome::Blocked);
        let row = update(&store, THREAD, "q1", "fixed", 3).expect("updated");
        assert_eq!((row.state, row.failure), (QueuedTurnState::Pending, None));
        assert_eq!(claimed_id(claim(&store, THREAD, 4)), "q1");
    }

    #[test]
    fn update_queued_turn_refuses_unknown_dispatching_and_foreign_rows_and_changes_nothing() {
        let store = store_with_three();
        add(&store, "o1", OTHER, 1);
        assert_eq!(claimed_id(claim(&store, THREAD, 2)), "q1");
        let before = block_on(store.list_visible(THREAD.into(), 0, 100)).expect("list");
        assert_eq!(update(&store, THREAD, "q1", "x", 3), None);
        assert_eq!(update(&store, THREAD, "nope", "x", 3), None);
        assert_eq!(update(&store, THREAD, "o1", "x", 3), None);
        assert_eq!(update(&store, "nobody", "q2", "x", 3), None);
        assert_eq!(block_on(store.list_visible(THREAD.into(), 0, 100)).expect("list"), before);
        // The dispatching row still completes normally.
        assert!(block_on(store.set_dispatch_turn_id("q1".into(), "turn-1".into(), 4)).expect("set"));
        assert!(block_on(store.remove_dispatched(THREAD.into(), "turn-1".into())).expect("remove"));
    }

    #[test]
    fn claim_head_flips_the_first_pending_row_to_dispatching() {
        let store = store_with_three();
        match claim(&store, THREAD, 777) {
            ClaimOutcome::Claimed { row } => {
                assert_eq!(row.queued_turn_id, "q1");
                assert_eq!(row.state, QueuedTurnState::Dispatching);
                assert_eq!(row.updated_at_ms, 777);
                assert_eq!(row.created_at_ms, 100);
            }
            other => panic!("expected a claim, got {other:?}"),
        }
        // The claimed row is no longer visible.
        assert_eq!(visible_ids(&store, THREAD), ids(&["q2", "q3"]));
    }

    #[test]
    fn claim_head_refuses_while_a_row_is_dispatching() {
        let store = store_with_three();
        assert_eq!(claimed_id(claim(&store, THREAD, 1)), "q1");
        assert_eq!(claim(&store, THREAD, 2), ClaimOutcome::Busy);
        // Even a failed head reports busy first: the dispatch in flight decides what happens next.
        assert!(block_on(store.mark_failed("q2".into(), failure("broken"), 3)).expect("mark"));
        assert_eq!(claim(&store, THREAD, 4), ClaimOutcome::Busy);
    }

    #[test]
    fn claim_head_of_a_thread_without_visible_rows_is_empty() {
        let store = MemoryQueueStore::new();
        assert_eq!(claim(&store, THREAD, 1), ClaimOutcome::Empty);
        add(&store, "o1", OTHER, 1);
        assert_eq!(claim(&store, THREAD, 1), ClaimOutcome::Empty);
    }

    #[test]
    fn claim_head_is_blocked_by_a_failed_head_even_with_pending_rows_behind_it() {
        let store = store_with_three();
        assert!(block_on(store.mark_failed("q1".into(), failure("broken"), 1)).expect("mark"));
        assert_eq!(claim(&store, THREAD, 2), ClaimOutcome::Blocked);
        assert_eq!(visible_ids(&store, THREAD), ids(&["q1", "q2", "q3"]));
        // Deleting the failed head unblocks the queue.
        assert!(block_on(store.delete(THREAD.into(), "q1".into())).expect("delete"));
        assert_eq!(claimed_id(claim(&store, THREAD, 3)), "q2");
    }

    #[test]
    fn claim_head_lets_exactly_one_of_many_concurrent_callers_win() {
        const CALLERS: usize = 8;
        for round in 0..20 {
            let store = Arc::new(MemoryQueueStore::new());
            add(&store, "only", THREAD, round);
            let barrier = Arc::new(Barrier::new(CALLERS));
            let callers: Vec<_> = (0..CALLERS)
                .map(|_| {
                    let store = Arc::clone(&store);
                    let barrier = Arc::clone(&barrier);
                    std::thread::spawn(move || {
                        barrier.wait();
                        block_on(store.claim_head(THREAD.into(), 1)).expect("claim")
                    })
                })
                .collect();
            let outcomes: Vec<ClaimOutcome> =
                callers.into_iter().map(|caller| caller.join().expect("caller thread")).collect();
            let winners = outcomes.iter().filter(|outcome| matches!(outcome, ClaimOutcome::Claimed { .. })).count();
            let busy = outcomes.iter().filter(|outcome| **outcome == ClaimOutcome::Busy).count();
            assert_eq!((winners, busy), (1, CALLERS - 1), "round {round}: {outcomes:?}");
        }
    }

    #[test]
    fn set_dispatch_turn_id_only_touches_a_dispatching_row() {
        let store = store_with_three();
        assert!(!block_on(store.set_dispatch_turn_id("q2".into(), "turn-x".into(), 1)).expect("set"));
        assert!(!block_on(store.set_dispatch_turn_id("nope".into(), "turn-x".into(), 1)).expect("set"));
        assert_eq!(claimed_id(claim(&store, THREAD, 2)), "q1");
        assert!(block_on(store.set_dispatch_turn_id("q1".into(), "turn-1".into(), 3)).expect("set"));
        // The pending row was left alone: removing by its would-be turn id finds nothing.
        let (rows, _) = block_on(store.list_visible(THREAD.into(), 0, 10)).expect("list");
        assert!(rows.iter().all(|row| row.dispatch_turn_id.is_none()));
        assert!(!block_on(store.remove_dispatched(THREAD.into(), "turn-x".into())).expect("remove"));
        assert!(block_on(store.remove_dispatched(THREAD.into(), "turn-1".into())).expect("remove"));
    }

    #[test]
    fn remove_dispatched_removes_only_the_dispatching_row_of_that_turn() {
        let store = store_with_three();
        add(&store, "o1", OTHER, 1);
        assert_eq!(claimed_id(claim(&store, THREAD, 2)), "q1");
        assert_eq!(claimed_id(claim(&store, OTHER, 2)), "o1");
        assert!(block_on(store.set_dispatch_turn_id("q1".into(), "turn-1".into(), 3)).expect("set"));
        assert!(block_on(store.set_dispatch_turn_id("o1".into(), "turn-o".into(), 3)).expect("set"));

        // Wrong thread, wrong turn: nothing goes.
        assert!(!block_on(store.remove_dispatched(THREAD.into(), "turn-o".into())).expect("remove"));
        assert!(!block_on(store.remove_dispatched(THREAD.into(), "turn-2".into())).expect("remove"));
        assert_eq!(claim(&store, THREAD, 4), ClaimOutcome::Busy);

        assert!(block_on(store.remove_dispatched(THREAD.into(), "turn-1".into())).expect("remove"));
        assert!(!block_on(store.remove_dispatched(THREAD.into(), "turn-1".into())).expect("remove"));
        assert_eq!(visible_ids(&store, THREAD), ids(&["q2", "q3"]));
        assert_eq!(claimed_id(claim(&store, THREAD, 5)), "q2");
        assert_eq!(claim(&store, OTHER, 5), ClaimOutcome::Busy);
    }

    #[test]
    fn remove_dispatched_ignores_a_failed_row_that_once_had_that_turn() {
        let store = store_with_three();
        assert_eq!(claimed_id(claim(&store, THREAD, 1)), "q1");
        assert!(block_on(store.set_dispatch_turn_id("q1".into(), "turn-1".into(), 2)).expect("set"));
        assert!(block_on(store.mark_failed("q1".into(), failure("could not start"), 3)).expect("mark"));
        assert!(!block_on(store.remove_dispatched(THREAD.into(), "turn-1".into())).expect("remove"));
        assert_eq!(visible_ids(&store, THREAD), ids(&["q1", "q2", "q3"]));
    }

    #[test]
    fn mark_failed_records_the_failure_and_clears_the_dispatch_turn() {
        let store = store_with_three();
        assert_eq!(claimed_id(claim(&store, THREAD, 1)), "q1");
        assert!(block_on(store.set_dispatch_turn_id("q1".into(), "turn-1".into(), 2)).expect("set"));
        assert!(block_on(store.mark_failed("q1".into(), failure("queued turn could not start: x"), 9)).expect("mark"));
        let (rows, _) = block_on(store.list_visible(THREAD.into(), 0, 1)).expect("list");
        let head = &rows[0];
        assert_eq!(head.queued_turn_id, "q1");
        assert_eq!(head.state, QueuedTurnState::Failed);
        assert_eq!(head.failure, Some(failure("queued turn could not start: x")));
        assert_eq!(head.dispatch_turn_id, None);
        assert_eq!(head.updated_at_ms, 9);
        assert!(!block_on(store.mark_failed("nope".into(), failure("x"), 10)).expect("mark"));
    }

    #[test]
    fn recover_dispatching_fails_every_dispatching_row_of_the_thread_only() {
        let store = store_with_three();
        add(&store, "o1", OTHER, 1);
        assert_eq!(claimed_id(claim(&store, THREAD, 2)), "q1");
        assert_eq!(claimed_id(claim(&store, OTHER, 2)), "o1");
        assert!(block_on(store.set_dispatch_turn_id("q1".into(), "turn-1".into(), 3)).expect("set"));

        let restarted = failure("queued turn dispatch was interrupted while app-server restarted");
        assert_eq!(block_on(store.recover_dispatching(THREAD.into(), restarted.clone(), 50)).expect("recover"), 1);
        let (rows, _) = block_on(store.list_visible(THREAD.into(), 0, 10)).expect("list");
        assert_eq!(rows[0].queued_turn_id, "q1");
        assert_eq!(rows[0].state, QueuedTurnState::Failed);
        assert_eq!(rows[0].failure, Some(restarted.clone()));
        assert_eq!(rows[0].dispatch_turn_id, None);
        assert_eq!(rows[0].updated_at_ms, 50);
        assert_eq!(rows[1].state, QueuedTurnState::Pending);
        assert_eq!(claim(&store, THREAD, 51), ClaimOutcome::Blocked);
        // The other thread's dispatch is untouched, and a second pass finds nothing.
        assert_eq!(claim(&store, OTHER, 51), ClaimOutcome::Busy);
        assert_eq!(block_on(store.recover_dispatching(THREAD.into(), restarted, 52)).expect("recover"), 0);
    }

    #[test]
    fn delete_thread_removes_every_row_of_the_thread_only() {
        let store = store_with_three();
        add(&store, "o1", OTHER, 1);
        assert_eq!(claimed_id(claim(&store, THREAD, 2)), "q1");
        assert!(block_on(store.mark_failed("q2".into(), failure("broken"), 3)).expect("mark"));
        block_on(store.delete_thread(THREAD.into())).expect("delete thread");
        assert_eq!(visible_ids(&store, THREAD), Vec::<String>::new());
        assert_eq!(claim(&store, THREAD, 4), ClaimOutcome::Empty);
        // The dispatching row went too: its id is unknown now.
        assert!(!block_on(store.mark_failed("q1".into(), failure("x"), 5)).expect("mark"));
        assert_eq!(add(&store, "q9", THREAD, 6).queue_order, 1);
        assert_eq!(visible_ids(&store, OTHER), ids(&["o1"]));
    }
}
