//! `thread/start` and `thread/read` (PROTOCOL.md §4.1, §4.4, §5).

use std::sync::Arc;

use pretty_assertions::assert_eq;
use serde_json::json;
use spindle_core::host::{BoxFut, HostError, JsonStoreCall, boxed};
use spindle_core::store::bridge::BridgedStore;

use crate::support::{Client, engine};

#[test]
fn thread_start_answers_then_announces_the_thread() {
    let engine = engine(None, None);
    let mut client = Client::initialized(&engine);
    let answer = client.request("thread/start", json!({"model": "mock-model", "baseInstructions": "Be terse."}));
    let thread = answer["result"]["thread"].clone();
    assert_eq!(thread["status"], json!({"type": "idle"}));
    assert_eq!(thread["sessionId"], thread["id"]);
    assert_eq!(thread["preview"], json!(""));
    assert_eq!(thread["originator"], json!("tests"));
    assert_eq!(answer["result"]["sandbox"], json!({"type": "readOnly", "networkAccess": false}));
    let started = client.next();
    assert_eq!(started["method"], json!("thread/started"));
    assert_eq!(started["params"]["thread"], thread);
    assert!(started["emittedAtMs"].is_i64());
}

#[test]
fn thread_start_canonicalises_and_rejects_duplicate_caller_ids() {
    let engine = engine(None, None);
    let mut client = Client::initialized(&engine);
    let answer = client.request("thread/start", json!({"threadId": "67E55044-10B1-426F-9247-BB680E5FE0C8"}));
    assert_eq!(answer["result"]["thread"]["id"], json!("67e55044-10b1-426f-9247-bb680e5fe0c8"));
    client.next();
    assert_eq!(
        client.request("thread/start", json!({"threadId": "67e5504410b1426f9247bb680e5fe0c8"}))["error"],
        json!({"code": -32600, "message": "thread id already exists: 67e55044-10b1-426f-9247-bb680e5fe0c8"})
    );
    assert_eq!(
        client.request("thread/start", json!({"threadId": "nope"}))["error"]["message"],
        json!(
            "invalid thread id: invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `n` at 1"
        )
    );
}

#[test]
fn thread_read_of_an_unknown_thread_says_not_loaded() {
    let engine = engine(None, None);
    let mut client = Client::initialized(&engine);
    let id = "67e55044-10b1-426f-9247-bb680e5fe0c8";
    assert_eq!(
        client.request("thread/read", json!({"threadId": id}))["error"],
        json!({"code": -32600, "message": format!("thread not loaded: {id}")})
    );
}

struct FailingStore;

impl JsonStoreCall for FailingStore {
    fn call(&self, op: &'static str, _args: String) -> BoxFut<'_, Result<String, HostError>> {
        boxed(async move { Err(HostError::new(format!("disk on fire during {op}"))) })
    }
}

#[test]
fn thread_start_reports_a_failing_store_as_an_internal_error() {
    let store = Arc::new(BridgedStore::new(Arc::new(FailingStore)));
    let engine = engine(None, Some(store));
    let mut client = Client::initialized(&engine);
    assert_eq!(
        client.request("thread/start", json!({})),
        json!({"error": {"code": -32603, "message": "failed to create thread: disk on fire during create"}, "id": 2})
    );
    // The connection keeps working after the adapter failed.
    assert_eq!(client.request("thread/loaded/list", json!({}))["result"], json!({"data": [], "nextCursor": null}));
}
