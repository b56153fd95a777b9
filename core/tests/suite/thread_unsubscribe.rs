//! `thread/unsubscribe` and host-driven unloading (PROTOCOL.md §4.9, §7.9, transcript 08).

use std::sync::Arc;

use futures::executor::block_on;
use pretty_assertions::assert_eq;
use serde_json::json;
use spindle_core::store::memory::MemoryThreadStore;

use crate::support::hanging::{HANG, HangingModel};
use crate::support::{Client, engine, is};

#[test]
fn thread_unsubscribe_answers_unsubscribed_then_not_subscribed_and_keeps_the_thread_loaded() {
    let engine = engine(None, None);
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({}));
    assert_eq!(
        client.request("thread/unsubscribe", json!({"threadId": thread_id})),
        json!({"id": 3, "result": {"status": "unsubscribed"}})
    );
    assert_eq!(
        client.request("thread/unsubscribe", json!({"threadId": thread_id.to_uppercase()}))["result"],
        json!({"status": "notSubscribed"})
    );
    assert_eq!(client.request("thread/loaded/list", json!({}))["result"]["data"], json!([thread_id]));
    let read = client.request("thread/read", json!({"threadId": thread_id}));
    assert_eq!(read["result"]["thread"]["status"], json!({"type": "idle"}));
}

#[test]
fn thread_unsubscribe_of_a_thread_that_is_not_loaded() {
    let engine = engine(None, None);
    let mut client = Client::initialized(&engine);
    let id = "67e55044-10b1-426f-9247-bb680e5fe0c8";
    assert_eq!(client.request("thread/unsubscribe", json!({"threadId": id}))["result"], json!({"status": "notLoaded"}));
    assert_eq!(
        client.request("thread/unsubscribe", json!({"threadId": "nope"}))["error"]["message"],
        json!(
            "invalid thread id: invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `n` at 1"
        )
    );
}

#[test]
fn unloading_an_unsubscribed_thread_tells_every_initialized_connection() {
    let store = Arc::new(MemoryThreadStore::new());
    let engine = engine(None, Some(store));
    let mut owner = Client::initialized(&engine);
    let bystander = Client::initialized(&engine);
    let uninitialized = Client::connect(&engine);
    let thread_id = owner.start_thread(json!({}));
    owner.request("turn/start", json!({"threadId": thread_id, "input": [{"type": "text", "text": "hello"}]}));
    owner.until(is("turn/completed"));

    // Subscribed: not the host's to unload.
    assert_eq!(block_on(engine.unsubscribed_threads()), Vec::<String>::new());
    assert!(!block_on(engine.unload_thread(&thread_id)));
    owner.assert_silent(50);

    owner.request("thread/unsubscribe", json!({"threadId": thread_id}));
    assert_eq!(block_on(engine.unsubscribed_threads()), vec![thread_id.clone()]);
    assert!(block_on(engine.unload_thread(&thread_id.to_uppercase())));
    for client in [&owner, &bystander] {
        let status = client.next();
        assert_eq!(status["method"], json!("thread/status/changed"));
        assert_eq!(status["params"], json!({"threadId": thread_id, "status": {"type": "notLoaded"}}));
        let closed = client.next();
        assert_eq!(
            (closed["method"].clone(), closed["params"].clone()),
            (json!("thread/closed"), json!({"threadId": thread_id}))
        );
    }
    uninitialized.assert_silent(50);
    assert!(!block_on(engine.unload_thread(&thread_id)), "already unloaded");

    assert_eq!(owner.request("thread/loaded/list", json!({}))["result"]["data"], json!([]));
    assert_eq!(
        owner.request("turn/start", json!({"threadId": thread_id, "input": []}))["error"]["message"],
        json!(format!("thread not found: {thread_id}"))
    );
    assert_eq!(
        owner.request("thread/unsubscribe", json!({"threadId": thread_id}))["result"],
        json!({"status": "notLoaded"})
    );
    // A stored thread comes back with thread/resume.
    owner.send(json!({"id": "resume", "method": "thread/resume", "params": {"threadId": thread_id}}));
    let resumed = owner.until(|m| m["id"] == "resume");
    assert_eq!(resumed[0]["params"]["status"], json!({"type": "idle"}));
    assert_eq!(resumed[1]["result"]["thread"]["turns"].as_array().unwrap().len(), 1);
}

#[test]
fn unloading_waits_for_a_running_turn() {
    let engine = engine(Some(HangingModel::new()), None);
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({}));
    let input = json!([{"type": "text", "text": format!("{HANG} take your time")}]);
    let turn_id =
        client.request("turn/start", json!({"threadId": thread_id, "input": input}))["result"]["turn"]["id"].clone();
    client.until(|m| m["method"] == "item/completed");
    client.request("thread/unsubscribe", json!({"threadId": thread_id}));

    assert_eq!(block_on(engine.unsubscribed_threads()), Vec::<String>::new());
    assert!(!block_on(engine.unload_thread(&thread_id)));
    // Once the turn ends the thread qualifies.
    client.request("turn/interrupt", json!({"threadId": thread_id, "turnId": turn_id}));
    assert_eq!(block_on(engine.unsubscribed_threads()), vec![thread_id.clone()]);
    assert!(block_on(engine.unload_thread(&thread_id)));
}

#[test]
fn unload_ignores_unknown_and_malformed_ids() {
    let engine = engine(None, None);
    assert!(!block_on(engine.unload_thread("67e55044-10b1-426f-9247-bb680e5fe0c8")));
    assert!(!block_on(engine.unload_thread("not an id")));
}
