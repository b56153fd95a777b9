//! Every error of `thread/queue/*` (PROTOCOL.md §6.1 and Spindle's extension texts), with its
//! code and exact text, and proof that a refused request changes nothing a client could hear.

use std::sync::Arc;

use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use crate::support::hanging::HangingModel;
use crate::support::queue::{FailingQueueStore, add, busy_thread, changed, text, turn_params};
use crate::support::{Client, engine, engine_over, is, test_options};

const UNKNOWN: &str = "0190b3a2-0000-7000-8000-0000000000ee";
const OTHER: &str = "0190b3a2-0000-7000-8000-0000000000ff";
const BAD_ID: &str = "invalid thread id: invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `n` at 1";

/// Sends each `(method, params)` and expects a -32600 error with the message.
fn assert_rows(client: &Client, rows: Vec<(&str, Value, String)>) {
    for (method, params, message) in rows {
        let id = format!("{method} {params}");
        client.send(json!({"id": id, "method": method, "params": params}));
        assert_eq!(client.next(), json!({"error": {"code": -32600, "message": message}, "id": id}));
    }
    client.assert_silent(100);
}

#[test]
fn every_queue_error_row_has_its_code_and_text() {
    let engine = engine(None, None);
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({}));
    client.request("turn/start", json!({"threadId": thread_id, "input": [], "turnId": OTHER}));
    client.until(is("turn/completed"));
    let params = |value: Value| json!({"threadId": thread_id, "turnStartParams": value});
    let rows: Vec<(&str, Value, String)> = vec![
        ("thread/queue/add", json!({"threadId": "not-a-uuid", "turnStartParams": turn_params("not-a-uuid", "x")}), BAD_ID.into()),
        ("thread/queue/add", params(turn_params(UNKNOWN, "x")), "`threadId` must match `turnStartParams.threadId`".into()),
        ("thread/queue/add", params(turn_params("not-a-uuid", "x")), "`threadId` must match `turnStartParams.threadId`".into()),
        ("thread/queue/add", json!({"threadId": UNKNOWN, "turnStartParams": turn_params(UNKNOWN, "x")}), format!("thread not found: {UNKNOWN}")),
        ("thread/queue/add", params(json!({"threadId": thread_id})), "Invalid request: missing field `input`".into()),
        ("thread/queue/add", json!({"threadId": thread_id}), "Invalid request: missing field `turnStartParams`".into()),
        (
            "thread/queue/add",
            params(json!({"threadId": thread_id, "input": [{"type": "image", "url": "https://example.invalid/cat.png"}]})),
            "remote image URLs are not supported; use an inline data URL instead".into(),
        ),
        (
            "thread/queue/add",
            params(json!({"threadId": thread_id, "input": [], "turnId": "zzz"})),
            "invalid turn id: invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `z` at 1".into(),
        ),
        (
            "thread/queue/add",
            params(json!({"threadId": thread_id, "input": [], "turnId": OTHER.to_uppercase()})),
            format!("turn id already exists in thread {thread_id}: {OTHER}"),
        ),
        ("thread/queue/list", json!({"threadId": "not-a-uuid"}), BAD_ID.into()),
        ("thread/queue/list", json!({"threadId": UNKNOWN}), format!("thread not found: {UNKNOWN}")),
        ("thread/queue/list", json!({"threadId": thread_id, "cursor": "abc"}), "invalid cursor: abc".into()),
        ("thread/queue/list", json!({"threadId": thread_id, "cursor": "-1"}), "invalid cursor: -1".into()),
        ("thread/queue/delete", json!({"threadId": "not-a-uuid", "queuedTurnId": "q"}), BAD_ID.into()),
        ("thread/queue/delete", json!({"threadId": UNKNOWN, "queuedTurnId": "q"}), format!("thread not found: {UNKNOWN}")),
        ("thread/queue/reorder", json!({"threadId": "not-a-uuid", "queuedTurnIds": []}), BAD_ID.into()),
        ("thread/queue/reorder", json!({"threadId": UNKNOWN, "queuedTurnIds": []}), format!("thread not found: {UNKNOWN}")),
        (
            "thread/queue/reorder",
            json!({"threadId": thread_id, "queuedTurnIds": ["q"]}),
            "failed to reorder queued turns: queue reorder must include every visible queued turn exactly once".into(),
        ),
        (
            "thread/queue/update",
            json!({"threadId": thread_id, "queuedTurnId": "q", "turnStartParams": turn_params(&thread_id, "x")}),
            "queued turn not found: q".into(),
        ),
        (
            "thread/queue/update",
            json!({"threadId": thread_id, "queuedTurnId": "q", "turnStartParams": turn_params(UNKNOWN, "x")}),
            "`threadId` must match `turnStartParams.threadId`".into(),
        ),
        (
            "thread/queue/update",
            json!({"threadId": UNKNOWN, "queuedTurnId": "q", "turnStartParams": turn_params(UNKNOWN, "x")}),
            format!("thread not found: {UNKNOWN}"),
        ),
        ("thread/queue/start", json!({"threadId": "not-a-uuid"}), BAD_ID.into()),
        ("thread/queue/start", json!({"threadId": UNKNOWN}), format!("thread not found: {UNKNOWN}")),
        ("thread/queue/start", json!({"threadId": thread_id}), "no queued turn to start".into()),
        ("thread/queue/start", json!({"threadId": thread_id, "queuedTurnId": "q"}), "queued turn not found: q".into()),
    ];
    assert_rows(&client, rows);
    // An empty reorder of an empty queue is the one exact match: accepted, nothing changes.
    let empty = client.request("thread/queue/reorder", json!({"threadId": thread_id, "queuedTurnIds": []}));
    assert_eq!(empty["result"], json!({"queuedTurns": []}));
    assert_eq!(changed(&client), Vec::<String>::new());
}

#[test]
fn thread_queue_refuses_ephemeral_threads_on_every_method() {
    let engine = engine(None, None);
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({"ephemeral": true}));
    let message = format!("ephemeral thread does not support queued turns: {thread_id}");
    let rows = vec![
        (
            "thread/queue/add",
            json!({"threadId": thread_id, "turnStartParams": turn_params(&thread_id, "x")}),
            message.clone(),
        ),
        ("thread/queue/list", json!({"threadId": thread_id}), message.clone()),
        ("thread/queue/delete", json!({"threadId": thread_id, "queuedTurnId": "q"}), message.clone()),
        ("thread/queue/reorder", json!({"threadId": thread_id, "queuedTurnIds": []}), message.clone()),
        (
            "thread/queue/update",
            json!({"threadId": thread_id, "queuedTurnId": "q", "turnStartParams": turn_params(&thread_id, "x")}),
            message.clone(),
        ),
        ("thread/queue/start", json!({"threadId": thread_id}), message),
    ];
    assert_rows(&client, rows);
}

#[test]
fn thread_queue_methods_require_the_experimental_api() {
    let engine = engine(None, None);
    let mut client = Client::connect(&engine);
    client.request("initialize", json!({"clientInfo": {"name": "plain", "title": null, "version": "1"}}));
    let rows = ["add", "list", "delete", "reorder", "update", "start"]
        .into_iter()
        .map(|name| {
            let method = format!("thread/queue/{name}");
            let message = format!("{method} requires experimentalApi capability");
            (method, message)
        })
        .collect::<Vec<_>>();
    let rows =
        rows.iter().map(|(method, message)| (method.as_str(), json!({"threadId": UNKNOWN}), message.clone())).collect();
    assert_rows(&client, rows);
}

#[test]
fn thread_queue_add_refuses_input_over_the_turn_start_limit_as_turn_start_does() {
    let engine = engine(None, None);
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({}));
    let long = "x".repeat((1 << 20) + 1);
    let expected = json!({"code": -32602, "message": "Input exceeds the maximum length of 1048576 characters.",
        "data": {"input_error_code": "input_too_large", "max_chars": 1_048_576, "actual_chars": 1_048_577}});
    let queued = client
        .request("thread/queue/add", json!({"threadId": thread_id, "turnStartParams": turn_params(&thread_id, &long)}));
    assert_eq!(queued["error"], expected);
    let direct = client.request("turn/start", json!({"threadId": thread_id, "input": text(&long)}));
    assert_eq!(direct["error"], expected);
    client.assert_silent(100);
}

#[test]
fn thread_queue_refuses_a_caller_turn_id_another_queued_turn_carries() {
    let engine = engine(Some(HangingModel::new()), None);
    let mut client = Client::initialized(&engine);
    let (thread_id, active_turn) = busy_thread(&mut client);
    let with_id = |turn_id: &str| json!({"threadId": thread_id, "turnStartParams": {"threadId": thread_id, "input": [], "turnId": turn_id}});
    let first = client.request("thread/queue/add", with_id(OTHER));
    let first_id = first["result"]["queuedTurn"]["id"].as_str().unwrap().to_owned();
    changed(&client);
    let plain = add(&mut client, &thread_id, "plain");
    changed(&client);
    let update = |queued: &str, turn_id: &str| json!({"threadId": thread_id, "queuedTurnId": queued, "turnStartParams": {"threadId": thread_id, "input": [], "turnId": turn_id}});
    let rows = vec![
        (
            "thread/queue/add",
            with_id(&OTHER.to_uppercase()),
            format!("turn id already exists in thread {thread_id}: {OTHER}"),
        ),
        (
            "thread/queue/add",
            with_id(&active_turn),
            format!("turn id already exists in thread {thread_id}: {active_turn}"),
        ),
        (
            "thread/queue/update",
            update(&plain, OTHER),
            format!("turn id already exists in thread {thread_id}: {OTHER}"),
        ),
        (
            "thread/queue/start",
            json!({"threadId": thread_id}),
            format!(
                "cannot start queued turn `{first_id}`: thread {thread_id} already has an active turn `{active_turn}`"
            ),
        ),
    ];
    assert_rows(&client, rows);
    // A row may keep its own caller id when it is edited.
    let kept = client.request("thread/queue/update", update(&first_id, OTHER));
    assert_eq!(kept["result"]["queuedTurn"]["status"], json!({"type": "pending"}));
}

#[test]
fn queue_store_failures_are_internal_errors_naming_the_operation_and_turns_still_run() {
    let engine = engine_over(test_options(), None, None, Some(Arc::new(FailingQueueStore)));
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({}));
    let down = FailingQueueStore::MESSAGE;
    let rows = [
        (
            "thread/queue/add",
            json!({"threadId": thread_id, "turnStartParams": turn_params(&thread_id, "x")}),
            "add queued turn",
        ),
        ("thread/queue/list", json!({"threadId": thread_id}), "read queued turns"),
        ("thread/queue/delete", json!({"threadId": thread_id, "queuedTurnId": "q"}), "delete queued turn"),
        ("thread/queue/reorder", json!({"threadId": thread_id, "queuedTurnIds": []}), "reorder queued turns"),
        (
            "thread/queue/update",
            json!({"threadId": thread_id, "queuedTurnId": "q", "turnStartParams": turn_params(&thread_id, "x")}),
            "update queued turn",
        ),
        ("thread/queue/start", json!({"threadId": thread_id}), "read queued turns"),
    ];
    for (method, params, operation) in rows {
        let answer = client.request(method, params);
        assert_eq!(
            answer["error"],
            json!({"code": -32603, "message": format!("failed to {operation}: {down}")}),
            "{method}"
        );
    }
    client.assert_silent(100);
    // The thread does not depend on its queue: turns start, end and the thread resumes.
    client.request("turn/start", json!({"threadId": thread_id, "input": text("still works")}));
    let turn = client.until(is("turn/completed"));
    assert_eq!(turn.last().unwrap()["params"]["turn"]["status"], json!("completed"));
    let resumed = client.request("thread/resume", json!({"threadId": thread_id, "excludeTurns": true}));
    assert!(resumed.get("result").is_some(), "{resumed}");
}
