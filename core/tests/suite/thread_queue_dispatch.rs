//! Queue dispatch when it cannot simply start the head (PROTOCOL.md §6.1): rows that fail and
//! block the queue, restart recovery on `thread/resume`, caller turn ids, and the Spindle
//! extension `thread/queue/start` that retries or jumps a row.

use std::sync::Arc;

use futures::executor::block_on;
use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use spindle_core::protocol::turn::TurnStartParams;
use spindle_core::store::QueueStore;
use spindle_core::store::memory::MemoryThreadStore;
use spindle_core::store::memory_queue::MemoryQueueStore;
use spindle_core::store::queue_store::ClaimOutcome;

use crate::support::queue::{add, changed, ids, listed, text, turn_params, user_texts};
use crate::support::{Client, engine_over, is, methods, test_options};

const RESTARTED: &str = "queued turn dispatch was interrupted while app-server restarted";

/// A thread on an engine over `queue`, and a client subscribed to it.
fn thread_over(queue: &Arc<MemoryQueueStore>) -> (Client, String) {
    let engine = engine_over(test_options(), None, None, Some(queue.clone()));
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({}));
    (client, thread_id)
}

/// Stores a row straight into the queue, as another process (or an older release) could have.
fn stored_row(queue: &MemoryQueueStore, id: &str, thread_id: &str, params: Value) {
    block_on(queue.append(id.to_owned(), thread_id.to_owned(), params, 1)).expect("append");
}

/// The `TurnError` a failed row carries, with every key.
fn failure(message: &str) -> Value {
    json!({"message": message, "codexErrorInfo": null, "additionalDetails": null, "misalignment": null})
}

/// A queue whose head is a stored row that cannot be read as `turn/start` params, blocking
/// `behind` (added through the API); returns the failure message and the ids of the rows behind.
fn blocked_by_unreadable_head(
    client: &mut Client,
    queue: &MemoryQueueStore,
    thread_id: &str,
    behind: &[&str],
) -> (String, Vec<String>) {
    let unreadable = json!({"threadId": thread_id, "input": "not a list"});
    let detail = serde_json::from_value::<TurnStartParams>(unreadable.clone()).unwrap_err();
    stored_row(queue, "unreadable", thread_id, unreadable);
    let mut ids_behind = Vec::new();
    for (n, text) in behind.iter().enumerate() {
        let id = add(client, thread_id, text);
        ids_behind.push(id.clone());
        let queued = changed(client);
        assert_eq!(queued.last(), Some(&id));
        if n == 0 {
            // The first add drains: the head is claimed, cannot be read, and fails in place.
            assert_eq!(changed(client), vec![id.clone()]);
            let failed = client.next();
            assert_eq!(ids(&failed["params"]), ["unreadable".to_owned(), id]);
            let message = format!("queued turn payload could not be read: {detail}");
            assert_eq!(
                failed["params"]["queuedTurns"][0]["status"],
                json!({"type": "failed", "error": failure(&message)})
            );
        }
    }
    client.assert_silent(150);
    (format!("queued turn payload could not be read: {detail}"), ids_behind)
}

#[test]
fn thread_queue_failed_head_blocks_until_it_is_fixed_by_update() {
    let queue = Arc::new(MemoryQueueStore::new());
    let (mut client, thread_id) = thread_over(&queue);
    let (message, _) = blocked_by_unreadable_head(&mut client, &queue, &thread_id, &["behind"]);
    let listed_now = listed(&mut client, &thread_id);
    assert_eq!(listed_now[0]["status"], json!({"type": "failed", "error": failure(&message)}));
    assert_eq!(listed_now[1]["status"], json!({"type": "pending"}));

    // Retrying the same payload fails the same way, answered and announced.
    let retried = client.request("thread/queue/start", json!({"threadId": thread_id, "queuedTurnId": "unreadable"}));
    assert_eq!(retried["error"], json!({"code": -32600, "message": message}));
    assert_eq!(changed(&client)[0], "unreadable");

    // Editing the failed row makes it pending; the queue drains again from it.
    let fixed = turn_params(&thread_id, "fixed");
    let answer = client.request(
        "thread/queue/update",
        json!({"threadId": thread_id, "queuedTurnId": "unreadable", "turnStartParams": fixed}),
    );
    assert_eq!(
        answer["result"]["queuedTurn"],
        json!({"id": "unreadable", "turnStartParams": fixed, "status": {"type": "pending"}})
    );
    assert_eq!(changed(&client)[0], "unreadable");
    let first = client.until(is("turn/completed"));
    assert_eq!(first[0]["params"]["queuedTurns"].as_array().map(Vec::len), Some(1));
    let second = client.until(is("turn/completed"));
    assert_eq!(user_texts(&[first, second].concat()), ["fixed", "behind"]);
}

#[test]
fn thread_queue_failed_head_is_unblocked_by_delete_or_reorder() {
    let queue = Arc::new(MemoryQueueStore::new());
    let (mut client, thread_id) = thread_over(&queue);
    let (_, behind) = blocked_by_unreadable_head(&mut client, &queue, &thread_id, &["a", "b"]);
    let (a, b) = (behind[0].clone(), behind[1].clone());

    // Moved behind `a`, the failed row no longer blocks `a`, which runs; then it blocks `b`.
    let reorder = json!({"threadId": thread_id, "queuedTurnIds": [a, "unreadable", b]});
    client.request("thread/queue/reorder", reorder);
    assert_eq!(changed(&client), [a.clone(), "unreadable".into(), b.clone()]);
    assert_eq!(changed(&client), ["unreadable".to_owned(), b.clone()]);
    assert_eq!(user_texts(&client.until(is("turn/completed"))), ["a"]);
    client.assert_silent(150);

    let deleted = client.request("thread/queue/delete", json!({"threadId": thread_id, "queuedTurnId": "unreadable"}));
    assert_eq!(deleted["result"], json!({"deleted": true}));
    assert_eq!(changed(&client), vec![b.clone()]);
    assert_eq!(changed(&client), Vec::<String>::new());
    assert_eq!(user_texts(&client.until(is("turn/completed"))), ["b"]);
}

#[test]
fn thread_queue_start_runs_a_chosen_row_now_past_a_failed_head() {
    let queue = Arc::new(MemoryQueueStore::new());
    let (mut client, thread_id) = thread_over(&queue);
    let (_, behind) = blocked_by_unreadable_head(&mut client, &queue, &thread_id, &["a", "b"]);
    let (a, b) = (behind[0].clone(), behind[1].clone());

    client.send(
        json!({"id": "start-b", "method": "thread/queue/start", "params": {"threadId": thread_id, "queuedTurnId": b}}),
    );
    let messages = client.until(is("turn/completed"));
    assert_eq!(methods(&messages)[..4], ["response", "thread/queue/changed", "thread/status/changed", "turn/started"]);
    let answered = &messages[0]["result"]["turn"];
    assert_eq!((answered["status"].clone(), answered["startedAt"].clone()), (json!("inProgress"), Value::Null));
    assert_eq!(messages[3]["params"]["turn"]["id"], answered["id"]);
    assert_eq!(ids(&messages[1]["params"]), ["unreadable".to_owned(), a.clone()]);
    assert_eq!(user_texts(&messages), ["b"]);
    // The failed head still blocks what stays behind it.
    client.assert_silent(150);
    assert_eq!(ids(&listed(&mut client, &thread_id)), ["unreadable".to_owned(), a]);
}

#[test]
fn thread_resume_surfaces_a_dispatch_cut_by_a_restart_as_a_failed_blocking_head() {
    let threads = Arc::new(MemoryThreadStore::new());
    let queue = Arc::new(MemoryQueueStore::new());
    let first = engine_over(test_options(), None, Some(threads.clone()), Some(queue.clone()));
    let mut writer = Client::initialized(&first);
    let thread_id = writer.start_thread(json!({}));
    // The process had claimed the head and named its turn when it stopped.
    stored_row(&queue, "interrupted", &thread_id, turn_params(&thread_id, "interrupted"));
    stored_row(&queue, "behind", &thread_id, turn_params(&thread_id, "behind"));
    let ClaimOutcome::Claimed { row } = block_on(queue.claim_head(thread_id.clone(), 2)).expect("claim") else {
        panic!("the head should be claimable");
    };
    assert!(
        block_on(queue.set_dispatch_turn_id(row.queued_turn_id, "0190b3a2-0000-7000-8000-00000000dead".into(), 3))
            .unwrap()
    );

    let second = engine_over(test_options(), None, Some(threads), Some(queue.clone()));
    let mut client = Client::initialized(&second);
    client.send(json!({"id": "resume", "method": "thread/resume", "params": {"threadId": thread_id}}));
    let resumed = client.until(is("thread/queue/changed"));
    assert_eq!(methods(&resumed), ["thread/status/changed", "response", "thread/queue/changed"]);
    let queue_now = &resumed[2]["params"]["queuedTurns"];
    assert_eq!(ids(queue_now), ["interrupted", "behind"]);
    assert_eq!(queue_now[0]["status"], json!({"type": "failed", "error": failure(RESTARTED)}));
    assert_eq!(queue_now[1]["status"], json!({"type": "pending"}));
    // The failed head blocks the queue.
    client.assert_silent(200);

    // `thread/queue/start` without an id retries the head; the queue then drains behind it.
    let answer = client.request("thread/queue/start", json!({"threadId": thread_id}));
    let turn_id = answer["result"]["turn"]["id"].clone();
    assert_eq!(changed(&client), ["behind"]);
    let retried = client.until(is("turn/completed"));
    assert_eq!(retried[1]["params"]["turn"]["id"], turn_id);
    assert_eq!(changed(&client), Vec::<String>::new());
    let drained = client.until(is("turn/completed"));
    assert_eq!(user_texts(&[retried, drained].concat()), ["interrupted", "behind"]);
    // Nothing is left dispatching or visible.
    assert_eq!(block_on(queue.claim_head(thread_id, 9)).expect("claim"), ClaimOutcome::Empty);
}

#[test]
fn thread_resume_of_a_loaded_thread_resends_a_waiting_queue() {
    let queue = Arc::new(MemoryQueueStore::new());
    let (mut client, thread_id) = thread_over(&queue);
    blocked_by_unreadable_head(&mut client, &queue, &thread_id, &["behind"]);
    client.send(
        json!({"id": "again", "method": "thread/resume", "params": {"threadId": thread_id, "excludeTurns": true}}),
    );
    let resumed = client.until(is("thread/queue/changed"));
    assert_eq!(methods(&resumed), ["response", "thread/queue/changed"]);
    assert_eq!(ids(&resumed[1]["params"])[0], "unreadable");
    client.assert_silent(150);
}

#[test]
fn thread_queue_honours_a_caller_turn_id_and_fails_a_row_whose_id_was_taken_meanwhile() {
    let queue = Arc::new(MemoryQueueStore::new());
    let (mut client, thread_id) = thread_over(&queue);
    let spelled = "0190B3A2-0000-7000-8000-0000000000AA";
    let params = json!({"threadId": thread_id, "input": text("with my id"), "turnId": spelled});
    client.request("thread/queue/add", json!({"threadId": thread_id, "turnStartParams": params}));
    let turn = client.until(is("turn/completed"));
    let started = turn.iter().find(|m| m["method"] == "turn/started").unwrap();
    assert_eq!(started["params"]["turn"]["id"], json!(spelled.to_lowercase()));

    // The turn's end lets the queue look for more; a list request runs after that look.
    assert_eq!(listed(&mut client, &thread_id), json!([]));
    // Behind a failed head, a queued turn keeps its caller id while a direct turn takes it.
    stored_row(&queue, "unreadable", &thread_id, json!({"threadId": thread_id, "input": "not a list"}));
    let taken = "0190b3a2-0000-7000-8000-0000000000bb";
    let params = json!({"threadId": thread_id, "input": text("too late"), "turnId": taken});
    let answer = client.request("thread/queue/add", json!({"threadId": thread_id, "turnStartParams": params}));
    let queued = answer["result"]["queuedTurn"]["id"].as_str().unwrap().to_owned();
    assert_eq!(changed(&client), ["unreadable".to_owned(), queued.clone()]);
    assert_eq!(changed(&client), vec![queued.clone()]);
    assert_eq!(changed(&client), ["unreadable".to_owned(), queued.clone()]);
    client.request("turn/start", json!({"threadId": thread_id, "input": text("direct"), "turnId": taken}));
    client.until(is("turn/completed"));
    client.assert_silent(100);

    client.request("thread/queue/delete", json!({"threadId": thread_id, "queuedTurnId": "unreadable"}));
    assert_eq!(changed(&client), vec![queued.clone()]);
    assert_eq!(changed(&client), Vec::<String>::new());
    let failed = client.next();
    let message = format!("queued turn could not start: turn id already exists in thread {thread_id}: {taken}");
    assert_eq!(failed["params"]["queuedTurns"][0]["status"], json!({"type": "failed", "error": failure(&message)}));
    client.assert_silent(150);
}
