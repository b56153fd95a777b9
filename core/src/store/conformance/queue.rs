//! Queue store cases: the seed's delivery rules (PROTOCOL.md §6.1), as the memory reference keeps them.

use std::sync::Arc;
#[cfg(not(target_arch = "wasm32"))]
use std::sync::Barrier;

use futures::executor::block_on;
use serde_json::json;

use super::{Stores, id, name_of};
use crate::protocol::turn::TurnError;
use crate::store::StoreError;
use crate::store::queue_store::{ClaimOutcome, QueueStore, QueuedTurnRow, QueuedTurnState};

const THREAD: &str = "ta";
const OTHER: &str = "tb";

fn failure(message: &str) -> TurnError {
    TurnError { message: message.to_string(), codex_error_info: None, additional_details: None, misalignment: None }
}

fn add(store: &dyn QueueStore, name: &str, thread: &str, now: i64) -> QueuedTurnRow {
    let params = json!({ "threadId": id(thread), "input": [{ "type": "text", "text": name }] });
    block_on(store.append(id(name), id(thread), params, now)).expect("append")
}

/// The visible rows' names, head first.
fn visible(store: &dyn QueueStore, thread: &str) -> Vec<String> {
    let (rows, more) = block_on(store.list_visible(id(thread), 0, 1000)).expect("list");
    assert!(!more);
    rows.iter().map(|row| name_of(&row.queued_turn_id)).collect()
}

fn list(store: &dyn QueueStore, thread: &str, offset: u32, limit: u32) -> (Vec<QueuedTurnRow>, bool) {
    block_on(store.list_visible(id(thread), offset, limit)).expect("list")
}

fn claim(store: &dyn QueueStore, thread: &str, now: i64) -> ClaimOutcome {
    block_on(store.claim_head(id(thread), now)).expect("claim")
}

fn claimed(outcome: ClaimOutcome) -> String {
    match outcome {
        ClaimOutcome::Claimed { row } => name_of(&row.queued_turn_id),
        other => panic!("expected a claim, got {other:?}"),
    }
}

fn delete(store: &dyn QueueStore, thread: &str, name: &str) -> bool {
    block_on(store.delete(id(thread), id(name))).expect("delete")
}

fn reorder(store: &dyn QueueStore, thread: &str, order: &[&str], now: i64) -> Option<Vec<QueuedTurnRow>> {
    block_on(store.reorder(id(thread), ids(order), now)).expect("reorder")
}

fn mark_failed(store: &dyn QueueStore, name: &str, message: &str, now: i64) -> bool {
    block_on(store.mark_failed(id(name), failure(message), now)).expect("mark failed")
}

fn set_turn(store: &dyn QueueStore, name: &str, turn: &str, now: i64) -> bool {
    block_on(store.set_dispatch_turn_id(id(name), id(turn), now)).expect("set dispatch turn id")
}

fn remove_dispatched(store: &dyn QueueStore, thread: &str, turn: &str) -> bool {
    block_on(store.remove_dispatched(id(thread), id(turn))).expect("remove dispatched")
}

fn ids(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| id(name)).collect()
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|name| name.to_string()).collect()
}

/// Three pending rows `q1..q3` on `THREAD`, created at 100, 101, 102.
fn three(stores: &Stores) -> &dyn QueueStore {
    let store = stores.queue.as_ref();
    for (i, name) in ["q1", "q2", "q3"].into_iter().enumerate() {
        add(store, name, THREAD, 100 + i as i64);
    }
    store
}

pub(super) fn append_creates_pending_row(stores: &Stores) {
    let params = json!({ "threadId": id(THREAD), "input": [], "model": "m", "extra": { "kept": true } });
    let row = block_on(stores.queue.append(id("q1"), id(THREAD), params.clone(), 42)).expect("append");
    assert_eq!(
        row,
        QueuedTurnRow {
            queued_turn_id: id("q1"),
            thread_id: id(THREAD),
            turn_start_params: params,
            queue_order: 1,
            state: QueuedTurnState::Pending,
            dispatch_turn_id: None,
            failure: None,
            created_at_ms: 42,
            updated_at_ms: 42,
        }
    );
    let (rows, _) = list(stores.queue.as_ref(), THREAD, 0, 10);
    assert_eq!(rows, [row]);
}

pub(super) fn append_numbers_after_highest_slot(stores: &Stores) {
    let store = three(stores);
    assert!(delete(store, THREAD, "q3"));
    // The freed slot 3 is reused because it is above every remaining row; gaps below are not filled.
    assert!(delete(store, THREAD, "q1"));
    assert_eq!(add(store, "q4", THREAD, 300).queue_order, 3);
    // Another thread counts from 1.
    assert_eq!(add(store, "o1", OTHER, 300).queue_order, 1);
}

pub(super) fn append_counts_dispatching_slot(stores: &Stores) {
    let store = stores.queue.as_ref();
    add(store, "q1", THREAD, 1);
    add(store, "q2", THREAD, 2);
    reorder(store, THREAD, &["q2", "q1"], 3).expect("accepted");
    // q1 now holds slot 2; with q2 gone and q1 claimed, the only row holding a slot is dispatching.
    assert!(delete(store, THREAD, "q2"));
    assert_eq!(claimed(claim(store, THREAD, 4)), "q1");
    assert_eq!(add(store, "q3", THREAD, 5).queue_order, 3);
}

pub(super) fn append_rejects_existing_id(stores: &Stores) {
    let store = three(stores);
    let again = block_on(store.append(id("q2"), id(OTHER), json!({}), 1));
    assert!(matches!(again, Err(StoreError::Adapter(_))), "{again:?}");
    assert_eq!(visible(store, OTHER), Vec::<String>::new());
}

pub(super) fn list_pages_visible_rows(stores: &Stores) {
    let store = three(stores);
    add(store, "q4", THREAD, 104);
    add(store, "o1", OTHER, 105);
    assert!(mark_failed(store, "q2", "broken", 106));
    assert_eq!(claimed(claim(store, THREAD, 107)), "q1");

    let (first, more) = list(store, THREAD, 0, 2);
    let first_names: Vec<String> = first.iter().map(|row| name_of(&row.queued_turn_id)).collect();
    assert_eq!(first_names, ["q2", "q3"]);
    assert_eq!(first[0].state, QueuedTurnState::Failed);
    assert!(more);

    let (second, more) = list(store, THREAD, 2, 2);
    let second_names: Vec<String> = second.iter().map(|row| name_of(&row.queued_turn_id)).collect();
    assert_eq!(second_names, ["q4"]);
    assert!(!more);

    let (past_end, more) = list(store, THREAD, 5, 2);
    assert!(past_end.is_empty() && !more);
}

pub(super) fn list_more_flag(stores: &Stores) {
    let store = three(stores);
    let (page, more) = list(store, THREAD, 0, 3);
    assert_eq!(page.len(), 3);
    assert!(!more);
    let (page, more) = list(store, THREAD, 1, 1);
    assert_eq!(name_of(&page[0].queued_turn_id), "q2");
    assert!(more);
    let (page, more) = list(store, THREAD, 0, 0);
    assert!(page.is_empty() && more);
}

pub(super) fn list_unknown_thread(stores: &Stores) {
    let (page, more) = list(stores.queue.as_ref(), "nobody", 0, 25);
    assert!(page.is_empty() && !more);
}

pub(super) fn delete_visible_row(stores: &Stores) {
    let store = three(stores);
    add(store, "o1", OTHER, 1);
    assert!(mark_failed(store, "q3", "broken", 2));
    assert!(delete(store, THREAD, "q2"));
    assert!(delete(store, THREAD, "q3"));
    assert_eq!(visible(store, THREAD), names(&["q1"]));
    // A second delete, an unknown id and another thread's row all answer false.
    assert!(!delete(store, THREAD, "q2"));
    assert!(!delete(store, THREAD, "nope"));
    assert!(!delete(store, THREAD, "o1"));
    assert_eq!(visible(store, OTHER), names(&["o1"]));
}

pub(super) fn delete_refuses_dispatching(stores: &Stores) {
    let store = three(stores);
    assert_eq!(claimed(claim(store, THREAD, 1)), "q1");
    assert!(!delete(store, THREAD, "q1"));
    // Still there: it blocks further claims and can be removed once its turn starts.
    assert_eq!(claim(store, THREAD, 2), ClaimOutcome::Busy);
    assert!(set_turn(store, "q1", "turn1", 3));
    assert!(remove_dispatched(store, THREAD, "turn1"));
}

pub(super) fn reorder_reassigns_slots(stores: &Stores) {
    let store = three(stores);
    add(store, "q4", THREAD, 1);
    // q1 dispatching keeps slot 1; q2..q4 hold 2, 3, 4. Deleting q3 leaves slots 2 and 4.
    assert_eq!(claimed(claim(store, THREAD, 2)), "q1");
    assert!(delete(store, THREAD, "q3"));

    let rows = reorder(store, THREAD, &["q4", "q2"], 500).expect("accepted");
    let order: Vec<(String, i64, i64)> =
        rows.iter().map(|row| (name_of(&row.queued_turn_id), row.queue_order, row.updated_at_ms)).collect();
    assert_eq!(order, [("q4".to_string(), 2, 500), ("q2".to_string(), 4, 500)]);
    assert_eq!(visible(store, THREAD), names(&["q4", "q2"]));
    // The dispatching row kept its slot, so the next append still goes after everything.
    assert_eq!(add(store, "q5", THREAD, 3).queue_order, 5);
}

pub(super) fn reorder_unblocks_failed_head(stores: &Stores) {
    let store = three(stores);
    assert!(mark_failed(store, "q1", "broken", 1));
    assert_eq!(claim(store, THREAD, 2), ClaimOutcome::Blocked);
    reorder(store, THREAD, &["q2", "q3", "q1"], 3).expect("accepted");
    assert_eq!(claimed(claim(store, THREAD, 4)), "q2");
}

pub(super) fn reorder_refuses_inexact_sets(stores: &Stores) {
    let store = three(stores);
    add(store, "o1", OTHER, 1);
    add(store, "q4", THREAD, 1);
    assert_eq!(claimed(claim(store, THREAD, 2)), "q1");
    let before = list(store, THREAD, 0, 100);

    let refused: [&[&str]; 7] = [
        &["q4", "q3"],             // missing q2
        &["q4", "q3", "q2", "q2"], // duplicate
        &["q4", "q3", "q3"],       // duplicate hiding a missing id
        &["q4", "q3", "q2", "nope"],
        &["q4", "q3", "q2", "q1"], // q1 is dispatching
        &["q4", "q3", "o1"],       // another thread's row
        &[],
    ];
    for attempt in refused {
        assert_eq!(reorder(store, THREAD, attempt, 99), None, "{attempt:?}");
    }
    assert_eq!(list(store, THREAD, 0, 100), before);
}

pub(super) fn reorder_empty_queue(stores: &Stores) {
    let store = stores.queue.as_ref();
    assert_eq!(reorder(store, THREAD, &[], 1), Some(Vec::new()));
    assert_eq!(reorder(store, THREAD, &["q1"], 1), None);
}

fn update(store: &dyn QueueStore, thread: &str, name: &str, text: &str, now: i64) -> Option<QueuedTurnRow> {
    let params = json!({ "threadId": id(thread), "input": [{ "type": "text", "text": text }] });
    block_on(store.update_queued_turn(id(thread), id(name), params, now)).expect("update")
}

pub(super) fn update_replaces_params_in_place(stores: &Stores) {
    let store = three(stores);
    let row = update(store, THREAD, "q2", "edited", 500).expect("updated");
    assert_eq!(row.turn_start_params["input"][0]["text"], json!("edited"));
    assert_eq!(
        (row.queue_order, row.state, row.created_at_ms, row.updated_at_ms),
        (2, QueuedTurnState::Pending, 101, 500)
    );
    assert_eq!(visible(store, THREAD), names(&["q1", "q2", "q3"]));
    assert_eq!(list(store, THREAD, 1, 1).0, vec![row]);
}

pub(super) fn update_makes_failed_row_pending(stores: &Stores) {
    let store = three(stores);
    assert!(mark_failed(store, "q1", "broken", 1));
    assert_eq!(claim(store, THREAD, 2), ClaimOutcome::Blocked);
    let row = update(store, THREAD, "q1", "fixed", 3).expect("updated");
    assert_eq!((row.state, row.failure), (QueuedTurnState::Pending, None));
    assert_eq!(claimed(claim(store, THREAD, 4)), "q1");
}

pub(super) fn update_refuses_unknown_dispatching_and_foreign_rows(stores: &Stores) {
    let store = three(stores);
    add(store, "o1", OTHER, 1);
    assert_eq!(claimed(claim(store, THREAD, 2)), "q1");
    let before = list(store, THREAD, 0, 100);
    assert_eq!(update(store, THREAD, "q1", "x", 3), None, "a dispatching row");
    assert_eq!(update(store, THREAD, "nope", "x", 3), None, "an unknown row");
    assert_eq!(update(store, THREAD, "o1", "x", 3), None, "another thread's row");
    assert_eq!(update(store, "nobody", "q2", "x", 3), None, "a row named under another thread");
    assert_eq!(list(store, THREAD, 0, 100), before);
    // The dispatching row still completes normally.
    assert!(set_turn(store, "q1", "turn1", 4));
    assert!(remove_dispatched(store, THREAD, "turn1"));
}

pub(super) fn claim_flips_head(stores: &Stores) {
    let store = three(stores);
    match claim(store, THREAD, 777) {
        ClaimOutcome::Claimed { row } => {
            assert_eq!(name_of(&row.queued_turn_id), "q1");
            assert_eq!(row.state, QueuedTurnState::Dispatching);
            assert_eq!(row.updated_at_ms, 777);
            assert_eq!(row.created_at_ms, 100);
        }
        other => panic!("expected a claim, got {other:?}"),
    }
    // The claimed row is no longer visible.
    assert_eq!(visible(store, THREAD), names(&["q2", "q3"]));
}

pub(super) fn claim_busy(stores: &Stores) {
    let store = three(stores);
    assert_eq!(claimed(claim(store, THREAD, 1)), "q1");
    assert_eq!(claim(store, THREAD, 2), ClaimOutcome::Busy);
    // Even a failed head reports busy first: the dispatch in flight decides what happens next.
    assert!(mark_failed(store, "q2", "broken", 3));
    assert_eq!(claim(store, THREAD, 4), ClaimOutcome::Busy);
}

pub(super) fn claim_empty(stores: &Stores) {
    let store = stores.queue.as_ref();
    assert_eq!(claim(store, THREAD, 1), ClaimOutcome::Empty);
    add(store, "o1", OTHER, 1);
    assert_eq!(claim(store, THREAD, 1), ClaimOutcome::Empty);
}

pub(super) fn claim_blocked_by_failed_head(stores: &Stores) {
    let store = three(stores);
    assert!(mark_failed(store, "q1", "broken", 1));
    assert_eq!(claim(store, THREAD, 2), ClaimOutcome::Blocked);
    assert_eq!(visible(store, THREAD), names(&["q1", "q2", "q3"]));
    // Deleting the failed head unblocks the queue.
    assert!(delete(store, THREAD, "q1"));
    assert_eq!(claimed(claim(store, THREAD, 3)), "q2");
}

pub(super) fn claim_single_winner(stores: &Stores) {
    const CALLERS: usize = 8;
    for round in 0..10 {
        let head = format!("r{round}");
        add(stores.queue.as_ref(), &head, THREAD, round);
        let outcomes = concurrent_claims(&stores.queue, CALLERS);
        let winners: Vec<String> = outcomes
            .iter()
            .filter_map(|outcome| match outcome {
                ClaimOutcome::Claimed { row } => Some(name_of(&row.queued_turn_id)),
                _ => None,
            })
            .collect();
        let busy = outcomes.iter().filter(|outcome| **outcome == ClaimOutcome::Busy).count();
        assert_eq!((winners, busy), (vec![head.clone()], CALLERS - 1), "round {round}: {outcomes:?}");
        // Clear the dispatch so the next round starts idle.
        assert!(set_turn(stores.queue.as_ref(), &head, &format!("t{round}"), 2));
        assert!(remove_dispatched(stores.queue.as_ref(), THREAD, &format!("t{round}")));
    }
}

/// `callers` claims of `THREAD` at once, each from its own OS thread.
#[cfg(not(target_arch = "wasm32"))]
fn concurrent_claims(queue: &Arc<dyn QueueStore>, callers: usize) -> Vec<ClaimOutcome> {
    let barrier = Arc::new(Barrier::new(callers));
    let callers: Vec<_> = (0..callers)
        .map(|_| {
            let store = Arc::clone(queue);
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                block_on(store.claim_head(id(THREAD), 1)).expect("claim")
            })
        })
        .collect();
    callers.into_iter().map(|caller| caller.join().expect("caller")).collect()
}

/// `callers` claims of `THREAD` at once, interleaved on the one thread a browser has.
#[cfg(target_arch = "wasm32")]
fn concurrent_claims(queue: &Arc<dyn QueueStore>, callers: usize) -> Vec<ClaimOutcome> {
    let claims = (0..callers).map(|_| queue.claim_head(id(THREAD), 1));
    block_on(futures::future::join_all(claims)).into_iter().map(|outcome| outcome.expect("claim")).collect()
}

pub(super) fn row_added_during_dispatch_waits(stores: &Stores) {
    let store = stores.queue.as_ref();
    add(store, "q1", THREAD, 1);
    assert_eq!(claimed(claim(store, THREAD, 2)), "q1");
    let late = add(store, "q2", THREAD, 3);
    assert_eq!((late.queue_order, late.state), (2, QueuedTurnState::Pending));
    // It waits while q1 dispatches, and is the head once q1's turn has started.
    assert_eq!(claim(store, THREAD, 4), ClaimOutcome::Busy);
    assert_eq!(visible(store, THREAD), names(&["q2"]));
    assert!(set_turn(store, "q1", "turn1", 5));
    assert!(remove_dispatched(store, THREAD, "turn1"));
    assert_eq!(claimed(claim(store, THREAD, 6)), "q2");
}

pub(super) fn set_dispatch_turn_id_only_dispatching(stores: &Stores) {
    let store = three(stores);
    assert!(!set_turn(store, "q2", "turnx", 1));
    assert!(!set_turn(store, "nope", "turnx", 1));
    assert_eq!(claimed(claim(store, THREAD, 2)), "q1");
    assert!(set_turn(store, "q1", "turn1", 3));
    // The pending row was left alone: removing by its would-be turn id finds nothing.
    let (rows, _) = list(store, THREAD, 0, 10);
    assert!(rows.iter().all(|row| row.dispatch_turn_id.is_none()));
    assert!(!remove_dispatched(store, THREAD, "turnx"));
    assert!(remove_dispatched(store, THREAD, "turn1"));
}

pub(super) fn remove_dispatched_own_turn_only(stores: &Stores) {
    let store = three(stores);
    add(store, "o1", OTHER, 1);
    assert_eq!(claimed(claim(store, THREAD, 2)), "q1");
    assert_eq!(claimed(claim(store, OTHER, 2)), "o1");
    assert!(set_turn(store, "q1", "turn1", 3));
    assert!(set_turn(store, "o1", "turno", 3));

    // Wrong thread, wrong turn: nothing goes.
    assert!(!remove_dispatched(store, THREAD, "turno"));
    assert!(!remove_dispatched(store, THREAD, "turn2"));
    assert_eq!(claim(store, THREAD, 4), ClaimOutcome::Busy);

    assert!(remove_dispatched(store, THREAD, "turn1"));
    assert!(!remove_dispatched(store, THREAD, "turn1"));
    assert_eq!(visible(store, THREAD), names(&["q2", "q3"]));
    assert_eq!(claimed(claim(store, THREAD, 5)), "q2");
    assert_eq!(claim(store, OTHER, 5), ClaimOutcome::Busy);
}

pub(super) fn remove_dispatched_ignores_failed(stores: &Stores) {
    let store = three(stores);
    assert_eq!(claimed(claim(store, THREAD, 1)), "q1");
    assert!(set_turn(store, "q1", "turn1", 2));
    assert!(mark_failed(store, "q1", "could not start", 3));
    assert!(!remove_dispatched(store, THREAD, "turn1"));
    assert_eq!(visible(store, THREAD), names(&["q1", "q2", "q3"]));
}

pub(super) fn mark_failed_records_failure(stores: &Stores) {
    let store = three(stores);
    assert_eq!(claimed(claim(store, THREAD, 1)), "q1");
    assert!(set_turn(store, "q1", "turn1", 2));
    assert!(mark_failed(store, "q1", "queued turn could not start: x", 9));
    let (rows, _) = list(store, THREAD, 0, 1);
    let head = &rows[0];
    assert_eq!(name_of(&head.queued_turn_id), "q1");
    assert_eq!(head.state, QueuedTurnState::Failed);
    assert_eq!(head.failure, Some(failure("queued turn could not start: x")));
    assert_eq!(head.dispatch_turn_id, None);
    assert_eq!(head.updated_at_ms, 9);
    assert!(!mark_failed(store, "nope", "x", 10));
}

pub(super) fn recover_dispatching(stores: &Stores) {
    let store = three(stores);
    add(store, "o1", OTHER, 1);
    assert_eq!(claimed(claim(store, THREAD, 2)), "q1");
    assert_eq!(claimed(claim(store, OTHER, 2)), "o1");
    assert!(set_turn(store, "q1", "turn1", 3));

    let restarted = failure("queued turn dispatch was interrupted while app-server restarted");
    assert_eq!(block_on(store.recover_dispatching(id(THREAD), restarted.clone(), 50)).expect("recover"), 1);
    let (rows, _) = list(store, THREAD, 0, 10);
    assert_eq!(name_of(&rows[0].queued_turn_id), "q1");
    assert_eq!(rows[0].state, QueuedTurnState::Failed);
    assert_eq!(rows[0].failure, Some(restarted.clone()));
    assert_eq!(rows[0].dispatch_turn_id, None);
    assert_eq!(rows[0].updated_at_ms, 50);
    assert_eq!(rows[1].state, QueuedTurnState::Pending);
    // The abandoned dispatch now blocks FIFO.
    assert_eq!(claim(store, THREAD, 51), ClaimOutcome::Blocked);
    // The other thread's dispatch is untouched, and a second pass finds nothing.
    assert_eq!(claim(store, OTHER, 51), ClaimOutcome::Busy);
    assert_eq!(block_on(store.recover_dispatching(id(THREAD), restarted, 52)).expect("recover"), 0);
}

pub(super) fn delete_thread_rows(stores: &Stores) {
    let store = three(stores);
    add(store, "o1", OTHER, 1);
    assert_eq!(claimed(claim(store, THREAD, 2)), "q1");
    assert!(mark_failed(store, "q2", "broken", 3));
    block_on(store.delete_thread(id(THREAD))).expect("delete thread");
    assert_eq!(visible(store, THREAD), Vec::<String>::new());
    assert_eq!(claim(store, THREAD, 4), ClaimOutcome::Empty);
    // The dispatching row went too: its id is unknown now.
    assert!(!mark_failed(store, "q1", "x", 5));
    assert_eq!(add(store, "q9", THREAD, 6).queue_order, 1);
    assert_eq!(visible(store, OTHER), names(&["o1"]));
}
