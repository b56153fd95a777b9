//! One conformance suite for every thread and queue store, written once against the traits: the
//! in-memory reference runs it in core's tests, other stores in theirs through
//! [`store_conformance_tests!`](crate::store_conformance_tests) (feature `conformance`).
//!
//! [`audit`] checks the same invariants on a store that has seen arbitrary traffic.
//!
//! Every id is a UUID, as durable stores require; tests name them with short words ([`id`]) and
//! read them back with [`name_of`], so assertions stay readable.

pub mod audit;
mod queue;
mod threads;

use std::any::Any;
use std::fmt::Write as _;
use std::sync::Arc;

use serde_json::json;

use super::queue_store::QueueStore;
use super::thread_store::{StoredThread, ThreadStore};

/// A fresh, empty pair of stores for one case. `keep` holds what must live as long as the stores
/// (a temporary directory); it is dropped with them.
pub struct Stores {
    /// The thread store under test.
    pub threads: Arc<dyn ThreadStore>,
    /// The queue store under test; may share its storage with `threads`.
    pub queue: Arc<dyn QueueStore>,
    /// Anything to drop after the case.
    pub keep: Box<dyn Any>,
}

type Case = fn(&Stores);

/// Every case, by name. A case missing here is dead code, so the compiler notices.
const CASES: &[(&str, Case)] = &[
    ("thread_create_then_load_returns_the_record_without_history", threads::create_then_load),
    ("thread_create_refuses_an_existing_id", threads::create_refuses_an_existing_id),
    ("thread_unknown_ids_load_as_none_and_refuse_writes", threads::unknown_ids),
    ("thread_append_keeps_order_and_load_reads_a_bounded_tail", threads::append_and_tail),
    ("thread_update_replaces_the_record", threads::update_replaces_the_record),
    ("thread_delete_removes_the_thread_and_its_history", threads::delete_removes_history),
    ("thread_list_skips_threads_without_preview", threads::list_skips_threads_without_preview),
    ("thread_list_filters_archived_threads_either_way", threads::list_archived_filter),
    ("thread_list_sorts_by_each_key_with_the_id_breaking_ties", threads::list_sort_order),
    ("thread_list_applies_every_filter", threads::list_filters),
    ("thread_list_anchors_with_and_without_an_id", threads::list_anchors),
    ("thread_list_pagination_is_stable_under_inserts", threads::list_pagination_stable_under_inserts),
    ("thread_list_matches_the_reference_rules", threads::list_matches_reference_rules),
    ("queue_append_creates_a_pending_row_with_the_params_verbatim", queue::append_creates_pending_row),
    ("queue_append_numbers_each_thread_after_its_highest_slot", queue::append_numbers_after_highest_slot),
    ("queue_append_counts_a_dispatching_row_holding_the_highest_slot", queue::append_counts_dispatching_slot),
    ("queue_append_rejects_an_id_already_stored", queue::append_rejects_existing_id),
    ("queue_list_pages_pending_and_failed_rows_in_queue_order", queue::list_pages_visible_rows),
    ("queue_list_says_more_follow_only_when_a_visible_row_is_left", queue::list_more_flag),
    ("queue_list_of_an_unknown_thread_is_empty", queue::list_unknown_thread),
    ("queue_delete_removes_a_visible_row_of_that_thread_only", queue::delete_visible_row),
    ("queue_delete_refuses_a_dispatching_row", queue::delete_refuses_dispatching),
    ("queue_reorder_reassigns_the_existing_slots", queue::reorder_reassigns_slots),
    ("queue_reorder_moves_a_failed_head_away_so_the_queue_unblocks", queue::reorder_unblocks_failed_head),
    ("queue_reorder_refuses_anything_but_the_exact_visible_set", queue::reorder_refuses_inexact_sets),
    ("queue_reorder_of_an_empty_queue_accepts_only_an_empty_list", queue::reorder_empty_queue),
    ("queue_update_replaces_the_params_in_place", queue::update_replaces_params_in_place),
    ("queue_update_makes_a_failed_row_pending_and_unblocks_the_queue", queue::update_makes_failed_row_pending),
    (
        "queue_update_refuses_unknown_dispatching_and_foreign_rows",
        queue::update_refuses_unknown_dispatching_and_foreign_rows,
    ),
    ("queue_claim_flips_the_first_pending_row_to_dispatching", queue::claim_flips_head),
    ("queue_claim_refuses_while_a_row_is_dispatching", queue::claim_busy),
    ("queue_claim_of_a_thread_without_visible_rows_is_empty", queue::claim_empty),
    ("queue_claim_is_blocked_by_a_failed_head", queue::claim_blocked_by_failed_head),
    ("queue_claim_lets_exactly_one_of_many_concurrent_callers_win", queue::claim_single_winner),
    ("queue_a_row_added_during_a_dispatch_waits_its_turn", queue::row_added_during_dispatch_waits),
    ("queue_set_dispatch_turn_id_only_touches_a_dispatching_row", queue::set_dispatch_turn_id_only_dispatching),
    ("queue_remove_dispatched_removes_only_the_row_of_that_turn", queue::remove_dispatched_own_turn_only),
    ("queue_remove_dispatched_ignores_a_failed_row_that_had_that_turn", queue::remove_dispatched_ignores_failed),
    ("queue_mark_failed_records_the_failure_and_clears_the_turn", queue::mark_failed_records_failure),
    ("queue_recover_dispatching_fails_the_thread_s_dispatching_rows", queue::recover_dispatching),
    ("queue_delete_thread_removes_every_row_of_the_thread_only", queue::delete_thread_rows),
];

/// The names of every case, in suite order.
pub fn case_names() -> Vec<&'static str> {
    CASES.iter().map(|(name, _)| *name).collect()
}

/// Runs case `name` on fresh stores from `make`.
///
/// # Panics
/// When the case fails (that is the test failing), or when no case has that name.
pub fn run(name: &str, make: &dyn Fn() -> Stores) {
    let Some((_, case)) = CASES.iter().find(|(case, _)| *case == name) else {
        panic!("no store conformance case named {name}");
    };
    let stores = make();
    case(&stores);
}

/// The UUID a test calls `name` (up to six ASCII bytes, spelled into the last group).
pub fn id(name: &str) -> String {
    assert!(name.len() <= 6, "test id names are at most 6 bytes: {name}");
    let mut hex = String::with_capacity(12);
    for byte in name.bytes() {
        let _ = write!(hex, "{byte:02x}");
    }
    format!("00000000-0000-7000-8000-{hex:0>12}")
}

/// The name [`id`] spelled into a UUID; ids from elsewhere come back as they are.
pub fn name_of(id: &str) -> String {
    let Some(hex) = id.strip_prefix("00000000-0000-7000-8000-") else { return id.to_owned() };
    let bytes: Vec<u8> = (0..hex.len() / 2)
        .filter_map(|i| hex.get(2 * i..2 * i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok()))
        .filter(|byte| *byte != 0)
        .collect();
    String::from_utf8(bytes).unwrap_or_else(|_| id.to_owned())
}

/// A stored thread named `name` created at `created_at` (also its `updatedAt`), listable when
/// `preview` is not empty; source `vscode`, cwd `/w`, provider `p`.
pub fn stored_thread(name: &str, created_at: i64, preview: &str) -> StoredThread {
    let id = id(name);
    let thread = json!({
        "id": id, "environments": null, "extra": null, "sessionId": id, "forkedFromId": null,
        "attachedToThreadId": null, "parentThreadId": null, "preview": preview, "ephemeral": false,
        "section": null, "sectionEnteredAt": null, "projectId": null, "historyMode": "paginated",
        "modelProvider": "p", "model": "m", "reasoningEffort": null, "createdAt": created_at,
        "updatedAt": created_at, "recencyAt": null, "status": {"type": "notLoaded"}, "path": null,
        "cwd": "/w", "cliVersion": "0", "originator": null, "source": "vscode", "canAcceptDirectInput": null,
        "threadSource": null, "agentNickname": null, "agentRole": null, "gitInfo": null, "name": null,
        "daybreakEnabled": null, "turns": []
    });
    match serde_json::from_value(json!({"thread": thread, "settings": {}})) {
        Ok(stored) => stored,
        Err(error) => panic!("the test thread no longer matches StoredThread: {error}"),
    }
}

/// One `#[test]` per conformance case, run on the stores `$make` (a `fn() -> Stores` expression)
/// builds, plus a test that the list below names every case.
#[macro_export]
macro_rules! store_conformance_tests {
    ($make:expr) => {
        $crate::store_conformance_tests!(@cases $make;
            thread_create_then_load_returns_the_record_without_history,
            thread_create_refuses_an_existing_id,
            thread_unknown_ids_load_as_none_and_refuse_writes,
            thread_append_keeps_order_and_load_reads_a_bounded_tail,
            thread_update_replaces_the_record,
            thread_delete_removes_the_thread_and_its_history,
            thread_list_skips_threads_without_preview,
            thread_list_filters_archived_threads_either_way,
            thread_list_sorts_by_each_key_with_the_id_breaking_ties,
            thread_list_applies_every_filter,
            thread_list_anchors_with_and_without_an_id,
            thread_list_pagination_is_stable_under_inserts,
            thread_list_matches_the_reference_rules,
            queue_append_creates_a_pending_row_with_the_params_verbatim,
            queue_append_numbers_each_thread_after_its_highest_slot,
            queue_append_counts_a_dispatching_row_holding_the_highest_slot,
            queue_append_rejects_an_id_already_stored,
            queue_list_pages_pending_and_failed_rows_in_queue_order,
            queue_list_says_more_follow_only_when_a_visible_row_is_left,
            queue_list_of_an_unknown_thread_is_empty,
            queue_delete_removes_a_visible_row_of_that_thread_only,
            queue_delete_refuses_a_dispatching_row,
            queue_reorder_reassigns_the_existing_slots,
            queue_reorder_moves_a_failed_head_away_so_the_queue_unblocks,
            queue_reorder_refuses_anything_but_the_exact_visible_set,
            queue_reorder_of_an_empty_queue_accepts_only_an_empty_list,
            queue_update_replaces_the_params_in_place,
            queue_update_makes_a_failed_row_pending_and_unblocks_the_queue,
            queue_update_refuses_unknown_dispatching_and_foreign_rows,
            queue_claim_flips_the_first_pending_row_to_dispatching,
            queue_claim_refuses_while_a_row_is_dispatching,
            queue_claim_of_a_thread_without_visible_rows_is_empty,
            queue_claim_is_blocked_by_a_failed_head,
            queue_claim_lets_exactly_one_of_many_concurrent_callers_win,
            queue_a_row_added_during_a_dispatch_waits_its_turn,
            queue_set_dispatch_turn_id_only_touches_a_dispatching_row,
            queue_remove_dispatched_removes_only_the_row_of_that_turn,
            queue_remove_dispatched_ignores_a_failed_row_that_had_that_turn,
            queue_mark_failed_records_the_failure_and_clears_the_turn,
            queue_recover_dispatching_fails_the_thread_s_dispatching_rows,
            queue_delete_thread_removes_every_row_of_the_thread_only,
        );
    };
    (@cases $make:expr; $($case:ident),+ $(,)?) => {
        $(
            #[test]
            fn $case() {
                $crate::store::conformance::run(stringify!($case), &$make);
            }
        )+

        #[test]
        fn conformance_suite_lists_every_case() {
            assert_eq!($crate::store::conformance::case_names(), [$(stringify!($case)),+]);
        }
    };
}

#[cfg(test)]
mod memory {
    use std::sync::Arc;

    use super::Stores;
    use crate::store::memory::MemoryThreadStore;
    use crate::store::memory_queue::MemoryQueueStore;

    fn memory() -> Stores {
        Stores {
            threads: Arc::new(MemoryThreadStore::new()),
            queue: Arc::new(MemoryQueueStore::new()),
            keep: Box::new(()),
        }
    }

    crate::store_conformance_tests!(memory);
}
