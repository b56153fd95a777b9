//! One store refusal at a time, each where it used to hurt: the answer it gets, and that the
//! thread and its queue come through it (the scenario in `store_faults.rs` mixes them at random).

use std::sync::Arc;

use futures::executor::block_on;
use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use spindle_core::store::conformance::audit::{audit_rows, audit_thread};
use spindle_core::store::{QueuedTurnState, ThreadStore};

use crate::support::flaky::{FlakyStores, GatedThreadStore, flaky_engine};
use crate::support::hanging::{HANG, HangingModel};
use crate::support::queue::{add, busy_thread, changed, ids, interrupt, text, user_texts};
use crate::support::{Client, engine, eventually, is};

fn injected(operation: &str, op: &str) -> Value {
    json!({"code": -32603, "message": format!("failed to {operation}: injected store fault ({op})")})
}

/// Sends a request whose answer may follow notifications; reads through the answer.
fn ask(client: &Client, id: &str, method: &str, params: Value) -> Vec<Value> {
    client.send(json!({"id": id, "method": method, "params": params}));
    client.until(|message| message["id"] == id)
}

/// `method` on a loaded thread, with the store refusing `op`: the error names `operation`, the
/// thread stays loaded and runs a turn, and the same request then succeeds. Returns the stores.
fn refused_then_retried(method: &str, op: &'static str, operation: &str) -> (FlakyStores, String) {
    let (engine, stores) = flaky_engine(None, 1, 0.0);
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({}));
    stores.faults.fail_next(op, 1);
    let refused = client.request(method, json!({"threadId": thread_id}));
    assert_eq!(refused["error"], injected(operation, op));
    client.assert_silent(100);
    let loaded = client.request("thread/loaded/list", json!({}));
    assert_eq!(loaded["result"]["data"], json!([thread_id]));
    client.request("turn/start", json!({"threadId": thread_id, "input": text("still here")}));
    let turn = client.until(is("turn/completed"));
    assert_eq!(turn.last().unwrap()["params"]["turn"]["status"], "completed");
    let retried = ask(&client, "again", method, json!({"threadId": thread_id}));
    assert_eq!(retried.last().unwrap()["result"], json!({}), "{retried:?}");
    (stores, thread_id)
}

#[test]
fn thread_archive_the_store_refuses_leaves_the_thread_loaded_and_working() {
    let (stores, thread_id) = refused_then_retried("thread/archive", "threads.update", "archive thread");
    assert!(block_on(stores.threads.load(thread_id, Some(0))).unwrap().unwrap().stored.archived);
}

#[test]
fn thread_delete_the_store_refuses_leaves_the_thread_loaded_and_working() {
    let (stores, thread_id) = refused_then_retried("thread/delete", "threads.delete", "delete thread");
    assert_eq!(block_on(stores.threads.load(thread_id, Some(0))), Ok(None));
}

#[test]
fn a_turn_whose_record_update_the_store_refuses_still_completes_and_is_stored_once() {
    let (engine, stores) = flaky_engine(None, 2, 0.0);
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({}));
    // The first message's preview write and the turn's end write of the record are refused.
    stores.faults.fail_next("threads.update", 2);
    client.request("turn/start", json!({"threadId": thread_id, "input": text("hello")}));
    let turn = client.until(is("turn/completed"));
    assert_eq!(turn.last().unwrap()["params"]["turn"]["status"], "completed");
    let stored = block_on(audit_thread(stores.threads.as_ref(), &thread_id)).unwrap().unwrap();
    assert_eq!(stored.turns().len(), 1);
    // Only the record lags; the next write stores it whole.
    assert_eq!(stored.stored.thread.preview, "");
    client.request("turn/start", json!({"threadId": thread_id, "input": text("again")}));
    client.until(is("turn/completed"));
    let stored = block_on(audit_thread(stores.threads.as_ref(), &thread_id)).unwrap().unwrap();
    assert_eq!(stored.turns().len(), 2);
    assert_eq!(stored.stored.thread.preview, "hello");
}

#[test]
fn a_dispatched_row_the_store_refuses_to_remove_never_returns_and_the_queue_moves_on() {
    let (engine, stores) = flaky_engine(Some(HangingModel::new()), 3, 0.0);
    let mut client = Client::initialized(&engine);
    let (thread_id, busy) = busy_thread(&mut client);
    let first = add(&mut client, &thread_id, &format!("{HANG} first"));
    changed(&client);
    let second = add(&mut client, &thread_id, "second");
    assert_eq!(changed(&client), [first.clone(), second.clone()]);
    // The removal after `first` starts is refused, and so is its retry when the thread is resumed.
    stores.faults.fail_next("queue.remove_dispatched", 2);
    let mut heard = interrupt(&mut client, &thread_id, &busy);
    heard.extend(client.until(|m| m["method"] == "item/completed" && m["params"]["item"]["type"] == "userMessage"));
    assert_eq!(user_texts(&heard), [format!("{HANG} first")]);

    let mut other = Client::initialized(&engine);
    other.request("thread/resume", json!({"threadId": thread_id, "excludeTurns": true}));
    // Not a restart's leftover: `first` is not surfaced as failed.
    assert_eq!(changed(&other), [second.as_str()]);
    let dispatching = |rows: Vec<_>| {
        rows.into_iter()
            .filter(|row: &spindle_core::store::QueuedTurnRow| row.state == QueuedTurnState::Dispatching)
            .map(|row| row.queued_turn_id)
            .collect::<Vec<_>>()
    };
    assert_eq!(dispatching(stores.queue.rows()), [first.as_str()]);

    // Archiving drops the running turn; the next actor of the thread settles the removal.
    let archived = ask(&client, "archive", "thread/archive", json!({"threadId": thread_id}));
    assert_eq!(archived.last().unwrap()["result"], json!({}), "{archived:?}");
    ask(&client, "unarchive", "thread/unarchive", json!({"threadId": thread_id}));
    ask(&client, "resume", "thread/resume", json!({"threadId": thread_id, "excludeTurns": true}));
    let resumed = client.until(is("turn/completed"));
    let queues: Vec<Vec<String>> =
        resumed.iter().filter(|m| m["method"] == "thread/queue/changed").map(|m| ids(&m["params"])).collect();
    assert_eq!(queues, [vec![second.clone()], vec![]]);
    assert_eq!(user_texts(&resumed), ["second"]);
    let rows = stores.queue.rows();
    assert_eq!(audit_rows(&rows), Ok(()));
    assert!(rows.is_empty(), "{rows:?}");
}

#[test]
fn a_dispatch_failure_the_store_refuses_to_record_is_recorded_before_the_queue_moves() {
    let (engine, stores) = flaky_engine(None, 4, 0.0);
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({}));
    stores.faults.fail_next("queue.set_dispatch_turn_id", 1);
    stores.faults.fail_next("queue.mark_failed", 1);
    let first = add(&mut client, &thread_id, "first");
    assert_eq!(changed(&client), [first.as_str()]);
    // Claimed, could not start, and could not be marked failed: it stays out of sight, busy.
    assert_eq!(changed(&client), Vec::<String>::new());
    assert_eq!(changed(&client), Vec::<String>::new());
    client.assert_silent(100);

    let second = add(&mut client, &thread_id, "second");
    assert_eq!(changed(&client), [second.as_str()]);
    // The next drain records the failure first; the failed head then blocks `second`.
    let message = client.next();
    assert_eq!(message["method"], "thread/queue/changed", "{message}");
    assert_eq!(ids(&message["params"]), [first.clone(), second.clone()]);
    assert_eq!(
        message["params"]["queuedTurns"][0]["status"]["error"]["message"],
        "queued turn could not start: failed to record queued turn dispatch: injected store fault (queue.set_dispatch_turn_id)"
    );
    client.assert_silent(100);

    let started = ask(&client, "start", "thread/queue/start", json!({"threadId": thread_id}));
    assert!(started.last().unwrap().get("result").is_some(), "{started:?}");
    let mut heard = client.until(is("turn/completed"));
    heard.extend(client.until(is("turn/completed")));
    assert_eq!(user_texts(&heard), ["first", "second"]);
    assert!(stores.queue.rows().is_empty());
}

#[test]
fn requests_that_reach_a_thread_as_it_stops_are_answered() {
    let store = Arc::new(GatedThreadStore::default());
    let engine = engine(None, Some(store.clone()));
    let mut owner = Client::initialized(&engine);
    let thread_id = owner.start_thread(json!({}));
    let mut other = Client::initialized(&engine);
    other.request("thread/resume", json!({"threadId": thread_id, "excludeTurns": true}));

    // The archive holds the thread's actor at the store while `other`'s requests queue behind it.
    let open = store.shut();
    owner.send(json!({"id": "archive", "method": "thread/archive", "params": {"threadId": thread_id}}));
    eventually("the archive reaches the store", || store.holding());
    let requests = [
        ("turn/start", json!({"threadId": thread_id, "input": text("late")})),
        ("thread/name/set", json!({"threadId": thread_id, "name": "late name"})),
        ("thread/unsubscribe", json!({"threadId": thread_id})),
        ("thread/queue/add", json!({"threadId": thread_id, "turnStartParams": {"threadId": thread_id, "input": []}})),
    ];
    for (method, params) in &requests {
        other.send(json!({"id": method, "method": method, "params": params}));
    }
    // Answered without the thread's actor, so the requests before it were all handed over.
    let listed = ask(&other, "loaded", "thread/loaded/list", json!({}));
    assert_eq!(listed.last().unwrap()["result"]["data"], json!([thread_id]));
    let _ = open.send(());
    owner.until(is("thread/archived"));

    let mut answers = std::collections::BTreeMap::new();
    while answers.len() < requests.len() {
        let message = other.next();
        if let Some(id) = message["id"].as_str() {
            assert!(answers.insert(id.to_owned(), message.clone()).is_none(), "answered twice: {message}");
        }
    }
    let not_found = json!({"code": -32600, "message": format!("thread not found: {thread_id}")});
    assert_eq!(answers["turn/start"]["error"], not_found);
    assert_eq!(answers["thread/queue/add"]["error"], not_found);
    assert_eq!(answers["thread/name/set"]["result"], json!({}));
    assert_eq!(answers["thread/unsubscribe"]["result"], json!({"status": "notLoaded"}));
    let stored = block_on(store.inner.load(thread_id, Some(0))).unwrap().unwrap().stored;
    assert!(stored.archived);
    assert_eq!(stored.thread.name.as_deref(), Some("late name"));
}
