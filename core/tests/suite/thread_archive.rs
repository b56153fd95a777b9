//! `thread/archive`, `thread/unarchive`, `thread/delete` (PROTOCOL.md §4.7, §4.8, transcript 07).

use pretty_assertions::assert_eq;
use serde_json::json;

use crate::support::{Client, engine, is, methods};

fn thread_with_a_turn(client: &mut Client) -> String {
    let thread_id = client.start_thread(json!({}));
    client.request("turn/start", json!({"threadId": thread_id, "input": [{"type": "text", "text": "hi"}]}));
    client.until(is("turn/completed"));
    thread_id
}

#[test]
fn thread_archive_unloads_and_unarchive_brings_the_thread_back_unloaded() {
    let engine = engine(None, None);
    let mut client = Client::initialized(&engine);
    let thread_id = thread_with_a_turn(&mut client);

    client.send(json!({"id": "a", "method": "thread/archive", "params": {"threadId": thread_id}}));
    let archived = client.until(is("thread/archived"));
    assert_eq!(methods(&archived), ["thread/status/changed", "response", "thread/archived"]);
    assert_eq!(archived[0]["params"]["status"], json!({"type": "notLoaded"}));
    assert_eq!(archived[1], json!({"id": "a", "result": {}}));
    assert_eq!(archived[2]["params"], json!({"threadId": thread_id}));

    assert_eq!(client.request("thread/loaded/list", json!({}))["result"]["data"], json!([]));
    assert_eq!(
        client.request("thread/archive", json!({"threadId": thread_id}))["error"]["message"],
        json!(format!("no rollout found for thread id {thread_id}"))
    );
    assert_eq!(
        client.request("turn/start", json!({"threadId": thread_id, "input": []}))["error"]["message"],
        json!(format!("thread not found: {thread_id}"))
    );

    let unarchived = client.request("thread/unarchive", json!({"threadId": thread_id}));
    let thread = &unarchived["result"]["thread"];
    assert_eq!((thread["status"].clone(), thread["preview"].clone()), (json!({"type": "notLoaded"}), json!("hi")));
    assert_eq!(client.next()["method"], json!("thread/unarchived"));
    assert_eq!(
        client.request("thread/unarchive", json!({"threadId": thread_id}))["error"]["message"],
        json!(format!("no archived rollout found for thread id {thread_id}"))
    );
}

#[test]
fn thread_delete_removes_the_thread_for_good() {
    let engine = engine(None, None);
    let mut client = Client::initialized(&engine);
    let thread_id = thread_with_a_turn(&mut client);
    client.send(json!({"id": "d", "method": "thread/delete", "params": {"threadId": thread_id}}));
    let deleted = client.until(is("thread/deleted"));
    assert_eq!(methods(&deleted), ["thread/status/changed", "response", "thread/deleted"]);
    assert_eq!(
        client.request("thread/read", json!({"threadId": thread_id}))["error"]["message"],
        json!(format!("thread not loaded: {thread_id}"))
    );
    assert_eq!(
        client.request("thread/delete", json!({"threadId": thread_id}))["error"]["message"],
        json!(format!("no rollout found for thread id {thread_id}"))
    );
}

#[test]
fn thread_archive_refuses_an_ephemeral_thread() {
    let engine = engine(None, None);
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({"ephemeral": true}));
    assert_eq!(
        client.request("thread/archive", json!({"threadId": thread_id}))["error"]["message"],
        json!(format!("no rollout found for thread id {thread_id}"))
    );
    assert_eq!(client.request("thread/loaded/list", json!({}))["result"]["data"], json!([thread_id]));
}
