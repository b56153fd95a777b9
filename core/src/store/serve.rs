//! The serving side of the store call protocol: one `(op, argsJson)` call answered by native
//! stores, so JS (a conformance kit, a host tool) can drive a store that lives in Rust. The
//! mirror of `bridge`, which makes such calls to a JS adapter; the op table is the same.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::StoreError;
use super::queue_store::QueueStore;
use super::thread_list::ThreadListQuery;
use super::thread_store::{HistoryRecord, StoredThread, ThreadStore};
use crate::protocol::turn::TurnError;

/// One page of `listQueuedTurns`.
#[derive(Serialize)]
struct QueuedTurnPage<T> {
    rows: T,
    more: bool,
}

/// Answers one store call: `args_json` is the JSON array of `op`'s arguments, the answer its JSON
/// result (`null` for nothing). Thread ops go to `threads`, queue ops to `queue`; `delete` removes
/// the thread's queued turns too, since the rows die with their thread.
///
/// An unknown `op` fails with `unknown store operation: <op>`; arguments that do not fit the op
/// fail with [`StoreError::InvalidData`]; the stores' own errors pass through.
pub async fn answer_store_call(
    threads: &dyn ThreadStore,
    queue: &dyn QueueStore,
    op: &str,
    args_json: &str,
) -> Result<String, StoreError> {
    let args = || -> Result<Value, StoreError> {
        serde_json::from_str(args_json).map_err(|error| StoreError::InvalidData(format!("{op}: {error}")))
    };
    match op {
        "create" => {
            let (thread,): (StoredThread,) = parse(op, args()?)?;
            answer(threads.create(thread).await?)
        }
        "append" => {
            let (thread_id, records): (String, Vec<HistoryRecord>) = parse(op, args()?)?;
            answer(threads.append(thread_id, records).await?)
        }
        "load" => {
            let (thread_id, tail): (String, Option<u32>) = parse(op, args()?)?;
            answer(threads.load(thread_id, tail).await?)
        }
        "update" => {
            let (thread,): (StoredThread,) = parse(op, args()?)?;
            answer(threads.update(thread).await?)
        }
        "list" => {
            let (query,): (ThreadListQuery,) = parse(op, args()?)?;
            answer(threads.list(query).await?)
        }
        "delete" => {
            let (thread_id,): (String,) = parse(op, args()?)?;
            queue.delete_thread(thread_id.clone()).await?;
            answer(threads.delete(thread_id).await?)
        }
        "appendQueuedTurn" => {
            let (queued_turn_id, thread_id, params, now_ms): (String, String, Value, i64) = parse(op, args()?)?;
            answer(queue.append(queued_turn_id, thread_id, params, now_ms).await?)
        }
        "listQueuedTurns" => {
            let (thread_id, offset, limit): (String, u32, u32) = parse(op, args()?)?;
            let (rows, more) = queue.list_visible(thread_id, offset, limit).await?;
            answer(QueuedTurnPage { rows, more })
        }
        "deleteQueuedTurn" => {
            let (thread_id, queued_turn_id): (String, String) = parse(op, args()?)?;
            answer(queue.delete(thread_id, queued_turn_id).await?)
        }
        "reorderQueuedTurns" => {
            let (thread_id, queued_turn_ids, now_ms): (String, Vec<String>, i64) = parse(op, args()?)?;
            answer(queue.reorder(thread_id, queued_turn_ids, now_ms).await?)
        }
        "updateQueuedTurn" => {
            let (thread_id, queued_turn_id, params, now_ms): (String, String, Value, i64) = parse(op, args()?)?;
            answer(queue.update_queued_turn(thread_id, queued_turn_id, params, now_ms).await?)
        }
        "claimQueueHead" => {
            let (thread_id, now_ms): (String, i64) = parse(op, args()?)?;
            answer(queue.claim_head(thread_id, now_ms).await?)
        }
        "setDispatchTurnId" => {
            let (queued_turn_id, turn_id, now_ms): (String, String, i64) = parse(op, args()?)?;
            answer(queue.set_dispatch_turn_id(queued_turn_id, turn_id, now_ms).await?)
        }
        "removeDispatchedTurn" => {
            let (thread_id, turn_id): (String, String) = parse(op, args()?)?;
            answer(queue.remove_dispatched(thread_id, turn_id).await?)
        }
        "markQueuedTurnFailed" => {
            let (queued_turn_id, failure, now_ms): (String, TurnError, i64) = parse(op, args()?)?;
            answer(queue.mark_failed(queued_turn_id, failure, now_ms).await?)
        }
        "recoverDispatchingTurns" => {
            let (thread_id, failure, now_ms): (String, TurnError, i64) = parse(op, args()?)?;
            answer(queue.recover_dispatching(thread_id, failure, now_ms).await?)
        }
        "deleteThreadQueue" => {
            let (thread_id,): (String,) = parse(op, args()?)?;
            answer(queue.delete_thread(thread_id).await?)
        }
        _ => Err(StoreError::Adapter(format!("unknown store operation: {op}"))),
    }
}

/// Reads `op`'s argument array as the tuple of its parameters.
fn parse<T: DeserializeOwned>(op: &str, args: Value) -> Result<T, StoreError> {
    serde_json::from_value(args).map_err(|error| StoreError::InvalidData(format!("{op} arguments: {error}")))
}

/// Encodes a result; `()` becomes `null`.
fn answer(result: impl Serialize) -> Result<String, StoreError> {
    serde_json::to_string(&result).map_err(|error| StoreError::InvalidData(error.to_string()))
}

#[cfg(test)]
mod tests {
    use futures::executor::block_on;
    use serde_json::json;

    use super::*;
    use crate::store::conformance::{id, stored_thread};
    use crate::store::memory::MemoryThreadStore;
    use crate::store::memory_queue::MemoryQueueStore;

    struct Served {
        threads: MemoryThreadStore,
        queue: MemoryQueueStore,
    }

    impl Served {
        fn new() -> Self {
            Served { threads: MemoryThreadStore::new(), queue: MemoryQueueStore::new() }
        }

        fn call(&self, op: &str, args: Value) -> Result<Value, StoreError> {
            let text = block_on(answer_store_call(&self.threads, &self.queue, op, &args.to_string()))?;
            Ok(serde_json::from_str(&text).expect("answers are JSON"))
        }

        fn ok(&self, op: &str, args: Value) -> Value {
            self.call(op, args).unwrap_or_else(|error| panic!("{op}: {error}"))
        }
    }

    fn failure() -> Value {
        json!({ "message": "broken", "codexErrorInfo": null, "additionalDetails": null, "misalignment": null })
    }

    #[test]
    fn thread_ops_answer_with_the_trait_results_as_json() {
        let served = Served::new();
        let stored = stored_thread("t1", 10, "hello");
        assert_eq!(served.ok("create", json!([stored])), Value::Null);
        let record = json!({ "type": "modelItems", "items": ["a"] });
        assert_eq!(served.ok("append", json!([id("t1"), [record.clone(), record.clone()]])), Value::Null);
        let loaded = served.ok("load", json!([id("t1"), 1]));
        assert_eq!(loaded["records"], json!([record]));
        assert_eq!(loaded["truncated"], json!(true));
        assert_eq!(loaded["stored"]["thread"]["id"], json!(id("t1")));
        assert_eq!(served.ok("load", json!([id("t2"), null])), Value::Null);

        let mut renamed = stored.clone();
        renamed.thread.name = Some("Renamed".into());
        assert_eq!(served.ok("update", json!([renamed])), Value::Null);
        let query = json!({ "anchor": null, "limit": 5, "archived": false, "sortKey": "created_at", "ascending": false,
            "cwds": [], "modelProviders": [], "sourceKinds": [], "searchTerm": "renamed" });
        let page = served.ok("list", json!([query]));
        assert_eq!(page.as_array().map(Vec::len), Some(1));
        assert_eq!(page[0]["thread"]["name"], json!("Renamed"));
        assert_eq!(served.ok("delete", json!([id("t1")])), json!(true));
        assert_eq!(served.ok("delete", json!([id("t1")])), json!(false));
    }

    #[test]
    fn queue_ops_walk_a_row_from_append_to_dispatch() {
        let served = Served::new();
        let (thread, q1, q2, turn) = (id("t1"), id("q1"), id("q2"), id("turn1"));
        let params = json!({ "threadId": thread, "input": [] });
        let row = served.ok("appendQueuedTurn", json!([q1, thread, params, 5]));
        assert_eq!(row["queueOrder"], json!(1));
        assert_eq!(row["state"], json!("pending"));
        assert_eq!(row["turnStartParams"], params);
        served.ok("appendQueuedTurn", json!([q2, thread, params, 6]));

        let page = served.ok("listQueuedTurns", json!([thread, 0, 1]));
        assert_eq!(page["more"], json!(true));
        assert_eq!(page["rows"][0]["queuedTurnId"], json!(q1));
        let reordered = served.ok("reorderQueuedTurns", json!([thread, [q2, q1], 7]));
        assert_eq!(reordered[0]["queuedTurnId"], json!(q2));
        assert_eq!(served.ok("reorderQueuedTurns", json!([thread, [q2], 7])), Value::Null);

        let claim = served.ok("claimQueueHead", json!([thread, 8]));
        assert_eq!(claim["type"], json!("claimed"));
        assert_eq!(claim["row"]["queuedTurnId"], json!(q2));
        assert_eq!(served.ok("claimQueueHead", json!([thread, 8])), json!({ "type": "busy" }));
        assert_eq!(served.ok("setDispatchTurnId", json!([q2, turn, 9])), json!(true));
        assert_eq!(served.ok("removeDispatchedTurn", json!([thread, turn])), json!(true));
        assert_eq!(served.ok("deleteQueuedTurn", json!([thread, q2])), json!(false));

        served.ok("claimQueueHead", json!([thread, 10]));
        assert_eq!(served.ok("recoverDispatchingTurns", json!([thread, failure(), 11])), json!(1));
        assert_eq!(served.ok("claimQueueHead", json!([thread, 12])), json!({ "type": "blocked" }));
        assert_eq!(served.ok("markQueuedTurnFailed", json!([q1, failure(), 13])), json!(true));
        let failed = served.ok("listQueuedTurns", json!([thread, 0, 10]));
        assert_eq!(failed["rows"][0]["failure"], failure());
        assert_eq!(served.ok("deleteThreadQueue", json!([thread])), Value::Null);
        assert_eq!(served.ok("claimQueueHead", json!([thread, 14])), json!({ "type": "empty" }));
    }

    #[test]
    fn deleting_a_thread_deletes_its_queued_turns() {
        let served = Served::new();
        let thread = id("t1");
        served.ok("create", json!([stored_thread("t1", 1, "hi")]));
        served.ok("appendQueuedTurn", json!([id("q1"), thread, {}, 1]));
        assert_eq!(served.ok("delete", json!([thread])), json!(true));
        assert_eq!(served.ok("listQueuedTurns", json!([thread, 0, 10])), json!({ "rows": [], "more": false }));
    }

    #[test]
    fn an_unknown_op_is_refused_by_name() {
        let error = Served::new().call("truncate", json!([])).expect_err("unknown op");
        assert_eq!(error, StoreError::Adapter("unknown store operation: truncate".into()));
    }

    #[test]
    fn arguments_that_do_not_fit_the_op_are_invalid_data() {
        let served = Served::new();
        for (op, args) in [
            ("load", json!({ "threadId": "x" })),
            ("load", json!([1, null])),
            ("create", json!([{ "thread": "not a thread" }])),
            ("claimQueueHead", json!([id("t1")])),
            ("listQueuedTurns", json!([id("t1"), -1, 10])),
        ] {
            let error = served.call(op, args.clone()).expect_err("refused");
            assert!(matches!(error, StoreError::InvalidData(_)), "{op} {args}: {error:?}");
        }
        let text = block_on(answer_store_call(&served.threads, &served.queue, "delete", "not json"));
        assert!(matches!(text, Err(StoreError::InvalidData(_))), "{text:?}");
    }

    #[test]
    fn store_errors_pass_through() {
        let served = Served::new();
        let error = served.call("append", json!([id("nope"), []])).expect_err("unknown thread");
        assert!(matches!(error, StoreError::Adapter(message) if message.contains("does not exist")));
    }
}
