//! `thread/name/set` (PROTOCOL.md §4.10, transcript 07).

use std::sync::Arc;

use pretty_assertions::assert_eq;
use serde_json::json;
use spindle_core::store::memory::MemoryThreadStore;

use crate::support::{Client, engine};

#[test]
fn thread_name_set_trims_persists_and_announces_the_name() {
    let engine = engine(None, None);
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({}));
    assert_eq!(
        client.request("thread/name/set", json!({"threadId": thread_id, "name": "  padded  "}))["result"],
        json!({})
    );
    let updated = client.next();
    assert_eq!(updated["method"], json!("thread/name/updated"));
    assert_eq!(updated["params"], json!({"threadId": thread_id, "threadName": "padded"}));
    let read = client.request("thread/read", json!({"threadId": thread_id}));
    assert_eq!(read["result"]["thread"]["name"], json!("padded"));
}

#[test]
fn thread_name_set_refuses_a_blank_name_and_an_unknown_thread() {
    let engine = engine(None, None);
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({}));
    assert_eq!(
        client.request("thread/name/set", json!({"threadId": thread_id, "name": " \t "}))["error"],
        json!({"code": -32600, "message": "thread name must not be empty"})
    );
    let unknown = "67e55044-10b1-426f-9247-bb680e5fe0c8";
    assert_eq!(
        client.request("thread/name/set", json!({"threadId": unknown, "name": "x"}))["error"]["message"],
        json!(format!("thread not found: {unknown}"))
    );
}

#[test]
fn thread_name_set_renames_a_thread_that_is_only_stored() {
    let store = Arc::new(MemoryThreadStore::new());
    let first = engine(None, Some(store.clone()));
    let mut writer = Client::initialized(&first);
    let thread_id = writer.request("thread/start", json!({}))["result"]["thread"]["id"].as_str().unwrap().to_owned();

    // A second engine over the same store has the thread stored but not loaded.
    let second = engine(None, Some(store));
    let mut client = Client::initialized(&second);
    assert_eq!(
        client.request("thread/name/set", json!({"threadId": thread_id, "name": "Renamed"}))["result"],
        json!({})
    );
    assert_eq!(client.next()["params"], json!({"threadId": thread_id, "threadName": "Renamed"}));
    let read = client.request("thread/read", json!({"threadId": thread_id}))["result"]["thread"].clone();
    assert_eq!((read["name"].clone(), read["status"].clone()), (json!("Renamed"), json!({"type": "notLoaded"})));
}
