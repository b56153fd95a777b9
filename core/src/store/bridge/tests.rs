//! The bridged store against a fake host call that answers from the memory stores, as a JS adapter would.

use std::sync::Mutex;

use futures::executor::block_on;
use pretty_assertions::assert_eq;

use super::*;
use crate::host::HostError;
use crate::protocol::thread_list::ThreadSortKey;
use crate::store::QueuedTurnState;
use crate::store::conformance::stored_thread;
use crate::store::memory::MemoryThreadStore;
use crate::store::memory_queue::MemoryQueueStore;
use crate::store::serve::answer_store_call;

/// A host callback that records each call and answers it from the memory stores, as a JS adapter would.
#[derive(Default)]
struct MemoryCall {
    threads: MemoryThreadStore,
    queue: MemoryQueueStore,
    calls: Mutex<Vec<(String, Value)>>,
}

impl MemoryCall {
    fn ops(&self) -> Vec<String> {
        self.calls.lock().expect("calls").iter().map(|(op, _)| op.clone()).collect()
    }
}

impl JsonStoreCall for MemoryCall {
    fn call(&self, op: &'static str, args: String) -> BoxFut<'_, Result<String, HostError>> {
        boxed(async move {
            let args: Value = serde_json::from_str(&args).expect("arguments are JSON");
            assert!(args.is_array(), "{op}: arguments must be a JSON array, got {args}");
            self.calls.lock().expect("calls").push((op.to_owned(), args.clone()));
            let answer = answer_store_call(&self.threads, &self.queue, op, &args.to_string()).await;
            answer.map_err(|error| HostError(error.to_string()))
        })
    }
}

fn bridged() -> (Arc<MemoryCall>, BridgedStore) {
    let call = Arc::new(MemoryCall::default());
    (call.clone(), BridgedStore::new(call))
}

/// `conformance::id("t1")`, the id of `stored_thread("t1", …)`.
const THREAD: &str = "00000000-0000-7000-8000-000000007431";

fn failure(message: &str) -> TurnError {
    TurnError { message: message.to_owned(), codex_error_info: None, additional_details: None, misalignment: None }
}

fn model_items(text: &str) -> HistoryRecord {
    HistoryRecord::ModelItems { items: vec![json!(text)] }
}

#[test]
fn bridged_thread_store_round_trips_every_operation() {
    let (call, store) = bridged();
    let stored = stored_thread("t1", 10, "hello");
    block_on(ThreadStore::create(&store, stored.clone())).expect("create");
    let duplicate = block_on(ThreadStore::create(&store, stored.clone()));
    assert_eq!(duplicate, Err(StoreError::Adapter(format!("thread {THREAD} already exists"))));
    let records = vec![model_items("a"), model_items("b"), model_items("c")];
    block_on(ThreadStore::append(&store, THREAD.into(), records.clone())).expect("append");

    let whole = block_on(store.load(THREAD.into(), None)).expect("load").expect("stored");
    assert_eq!(whole, LoadedHistory { stored: stored.clone(), records: records.clone(), truncated: false });
    let tail = block_on(store.load(THREAD.into(), Some(1))).expect("load").expect("stored");
    assert_eq!((tail.records, tail.truncated), (vec![model_items("c")], true));
    assert_eq!(block_on(store.load("unknown".into(), None)).expect("load"), None);

    let mut renamed = stored.clone();
    renamed.thread.name = Some("Renamed".into());
    block_on(store.update(renamed.clone())).expect("update");
    let query = ThreadListQuery { limit: 10, sort_key: ThreadSortKey::CreatedAt, ..Default::default() };
    assert_eq!(block_on(store.list(query)).expect("list"), vec![renamed]);

    assert!(block_on(ThreadStore::delete(&store, THREAD.into())).expect("delete"));
    assert!(!block_on(ThreadStore::delete(&store, THREAD.into())).expect("delete"));
    assert_eq!(
        call.ops(),
        ["create", "create", "append", "load", "load", "load", "update", "list", "delete", "delete"]
    );
}

#[test]
fn bridged_queue_store_round_trips_every_operation() {
    let (_, store) = bridged();
    let add = |id: &str, now: i64| {
        let params = json!({ "threadId": THREAD, "input": [{ "type": "text", "text": id }] });
        block_on(QueueStore::append(&store, id.into(), THREAD.into(), params, now)).expect("append")
    };
    let first = add("q1", 1);
    assert_eq!((first.queue_order, first.state, first.created_at_ms), (1, QueuedTurnState::Pending, 1));
    add("q2", 2);
    add("q3", 3);
    let ids = |rows: &[QueuedTurnRow]| rows.iter().map(|row| row.queued_turn_id.clone()).collect::<Vec<_>>();

    let (page, more) = block_on(store.list_visible(THREAD.into(), 0, 2)).expect("list");
    assert_eq!((ids(&page), more), (vec!["q1".to_owned(), "q2".to_owned()], true));

    let claimed = block_on(store.claim_head(THREAD.into(), 4)).expect("claim");
    let ClaimOutcome::Claimed { row } = claimed else { panic!("expected a claim, got {claimed:?}") };
    assert_eq!((row.queued_turn_id.as_str(), row.state), ("q1", QueuedTurnState::Dispatching));
    assert_eq!(block_on(store.claim_head(THREAD.into(), 5)).expect("claim"), ClaimOutcome::Busy);
    assert!(!block_on(QueueStore::delete(&store, THREAD.into(), "q1".into())).expect("delete"));

    assert!(block_on(store.set_dispatch_turn_id("q1".into(), "turn-1".into(), 6)).expect("set"));
    assert!(!block_on(store.remove_dispatched(THREAD.into(), "turn-2".into())).expect("remove"));
    assert!(block_on(store.remove_dispatched(THREAD.into(), "turn-1".into())).expect("remove"));

    assert!(block_on(store.mark_failed("q2".into(), failure("broken"), 7)).expect("mark"));
    assert_eq!(block_on(store.claim_head(THREAD.into(), 8)).expect("claim"), ClaimOutcome::Blocked);
    let refused = block_on(store.reorder(THREAD.into(), vec!["q3".into()], 9)).expect("reorder");
    assert_eq!(refused, None);
    let reordered = block_on(store.reorder(THREAD.into(), vec!["q3".into(), "q2".into()], 9)).expect("reorder");
    let reordered = reordered.expect("the exact visible set is accepted");
    assert_eq!(reordered.iter().map(|row| row.queue_order).collect::<Vec<_>>(), [2, 3]);
    assert_eq!(reordered[1].failure, Some(failure("broken")));

    assert!(matches!(block_on(store.claim_head(THREAD.into(), 10)).expect("claim"), ClaimOutcome::Claimed { .. }));
    let restarted = failure("queued turn dispatch was interrupted while app-server restarted");
    assert_eq!(block_on(store.recover_dispatching(THREAD.into(), restarted, 11)).expect("recover"), 1);
    assert!(block_on(QueueStore::delete(&store, THREAD.into(), "q2".into())).expect("delete"));
    block_on(store.delete_thread(THREAD.into())).expect("delete thread");
    assert_eq!(block_on(store.list_visible(THREAD.into(), 0, 10)).expect("list"), (Vec::new(), false));
    assert_eq!(block_on(store.claim_head(THREAD.into(), 12)).expect("claim"), ClaimOutcome::Empty);
}

#[test]
fn bridged_store_sends_each_queue_operation_by_name_with_a_json_argument_array() {
    let (call, store) = bridged();
    let params = json!({ "threadId": THREAD, "input": [] });
    block_on(QueueStore::append(&store, "q1".into(), THREAD.into(), params.clone(), 1)).expect("append");
    block_on(store.list_visible(THREAD.into(), 3, 4)).expect("list");
    block_on(store.reorder(THREAD.into(), vec!["q1".into()], 2)).expect("reorder");
    let edited = json!({ "threadId": THREAD, "input": [{ "type": "text", "text": "edited" }] });
    let updated = block_on(store.update_queued_turn(THREAD.into(), "q1".into(), edited.clone(), 2)).expect("update");
    assert_eq!(updated.map(|row| row.turn_start_params), Some(edited.clone()));
    block_on(store.claim_head(THREAD.into(), 3)).expect("claim");
    block_on(store.set_dispatch_turn_id("q1".into(), "turn-1".into(), 4)).expect("set");
    block_on(store.remove_dispatched(THREAD.into(), "turn-1".into())).expect("remove");
    block_on(store.mark_failed("q1".into(), failure("x"), 5)).expect("mark");
    block_on(store.recover_dispatching(THREAD.into(), failure("y"), 6)).expect("recover");
    block_on(QueueStore::delete(&store, THREAD.into(), "q1".into())).expect("delete");
    block_on(store.delete_thread(THREAD.into())).expect("delete thread");

    let error = |message: &str| json!({ "message": message, "codexErrorInfo": null, "additionalDetails": null, "misalignment": null });
    let expected = vec![
        ("appendQueuedTurn", json!(["q1", THREAD, params, 1])),
        ("listQueuedTurns", json!([THREAD, 3, 4])),
        ("reorderQueuedTurns", json!([THREAD, ["q1"], 2])),
        ("updateQueuedTurn", json!([THREAD, "q1", edited, 2])),
        ("claimQueueHead", json!([THREAD, 3])),
        ("setDispatchTurnId", json!(["q1", "turn-1", 4])),
        ("removeDispatchedTurn", json!([THREAD, "turn-1"])),
        ("markQueuedTurnFailed", json!(["q1", error("x"), 5])),
        ("recoverDispatchingTurns", json!([THREAD, error("y"), 6])),
        ("deleteQueuedTurn", json!([THREAD, "q1"])),
        ("deleteThreadQueue", json!([THREAD])),
    ];
    let calls = call.calls.lock().expect("calls").clone();
    let expected: Vec<(String, Value)> = expected.into_iter().map(|(op, args)| (op.to_owned(), args)).collect();
    assert_eq!(calls, expected);
}

#[test]
fn bridged_thread_delete_takes_the_queued_turns_along() {
    let (_, store) = bridged();
    block_on(ThreadStore::create(&store, stored_thread("t1", 1, "hi"))).expect("create");
    block_on(QueueStore::append(&store, "q1".into(), THREAD.into(), json!({}), 1)).expect("append");
    assert!(block_on(ThreadStore::delete(&store, THREAD.into())).expect("delete"));
    assert_eq!(block_on(store.claim_head(THREAD.into(), 2)).expect("claim"), ClaimOutcome::Empty);
}

/// A host callback that answers every operation with the same fixed result.
struct Fixed(Result<&'static str, &'static str>);

impl JsonStoreCall for Fixed {
    fn call(&self, _op: &'static str, _args: String) -> BoxFut<'_, Result<String, HostError>> {
        let answer = self.0.map(str::to_owned).map_err(|message| HostError(message.to_owned()));
        boxed(async move { answer })
    }
}

fn fixed(answer: Result<&'static str, &'static str>) -> BridgedStore {
    BridgedStore::new(Arc::new(Fixed(answer)))
}

#[test]
fn bridged_store_turns_a_failed_call_into_an_adapter_error_with_its_message() {
    let store = fixed(Err("quota exceeded"));
    let adapter = StoreError::Adapter("quota exceeded".into());
    assert_eq!(block_on(store.claim_head(THREAD.into(), 1)), Err(adapter.clone()));
    assert_eq!(block_on(store.delete_thread(THREAD.into())), Err(adapter.clone()));
    assert_eq!(block_on(ThreadStore::delete(&store, THREAD.into())), Err(adapter));
}

#[test]
fn bridged_store_names_the_operation_whose_answer_it_cannot_decode() {
    let store = fixed(Ok(r#"{"type":"stolen"}"#));
    match block_on(store.claim_head(THREAD.into(), 1)) {
        Err(StoreError::InvalidData(message)) => assert!(message.starts_with("claimQueueHead: "), "{message}"),
        other => panic!("expected invalid data, got {other:?}"),
    }
    match block_on(store.list_visible(THREAD.into(), 0, 1)) {
        Err(StoreError::InvalidData(message)) => assert!(message.starts_with("listQueuedTurns: "), "{message}"),
        other => panic!("expected invalid data, got {other:?}"),
    }
}

#[test]
fn bridged_store_reads_an_empty_answer_as_null() {
    let store = fixed(Ok(""));
    assert_eq!(block_on(store.delete_thread(THREAD.into())), Ok(()));
    assert_eq!(block_on(store.load(THREAD.into(), None)), Ok(None));
    assert_eq!(block_on(store.reorder(THREAD.into(), Vec::new(), 1)), Ok(None));
    // A boolean answer cannot be null.
    assert!(matches!(
        block_on(QueueStore::delete(&store, THREAD.into(), "q1".into())),
        Err(StoreError::InvalidData(_))
    ));
}
