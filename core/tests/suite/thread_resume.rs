//! `thread/resume` (PROTOCOL.md §4.2, transcript 08).

use std::sync::Arc;

use pretty_assertions::assert_eq;
use serde_json::json;
use spindle_core::store::memory::MemoryThreadStore;

use crate::support::{Client, RecordingModel, engine, is, methods};

#[test]
fn thread_resume_loads_a_stored_thread_that_keeps_working() {
    let store = Arc::new(MemoryThreadStore::new());
    let first = engine(None, Some(store.clone()));
    let mut writer = Client::initialized(&first);
    let started = writer.request("thread/start", json!({"baseInstructions": "Be terse."}));
    let thread_id = started["result"]["thread"]["id"].as_str().unwrap().to_owned();
    writer.next();
    writer.request("turn/start", json!({"threadId": thread_id, "input": [{"type": "text", "text": "first question"}]}));
    let first_turn = writer.until(is("turn/completed"));
    let usage = first_turn.iter().find(|m| m["method"] == "thread/tokenUsage/updated").unwrap()["params"].clone();

    // A second engine over the same store (a restart) resumes the thread.
    let model = RecordingModel::new();
    let second = engine(Some(model.clone()), Some(store));
    let mut client = Client::initialized(&second);
    client.send(json!({"id": "r", "method": "thread/resume", "params": {"threadId": thread_id.to_uppercase()}}));
    let status = client.next();
    assert_eq!(status["params"], json!({"threadId": thread_id, "status": {"type": "idle"}}));
    let resumed = client.next();
    assert_eq!(resumed["id"], json!("r"));
    let thread = &resumed["result"]["thread"];
    assert_eq!((thread["id"].clone(), thread["preview"].clone()), (json!(thread_id), json!("first question")));
    assert_eq!(thread["status"], json!({"type": "idle"}));
    assert_eq!(thread["turns"][0]["itemsView"], json!("full"));
    assert_eq!(thread["turns"][0]["items"][0]["type"], json!("userMessage"));
    assert_eq!(resumed["result"]["collaborationMode"]["mode"], json!("default"));
    // Then the stored usage snapshot, attributed to the last turn, as 0.169 sends it.
    let replayed = client.next();
    assert_eq!((replayed["method"].clone(), replayed["params"].clone()), (json!("thread/tokenUsage/updated"), usage));

    client
        .request("turn/start", json!({"threadId": thread_id, "input": [{"type": "text", "text": "second question"}]}));
    let turn = client.until(is("turn/completed"));
    assert_eq!(turn.last().unwrap()["params"]["turn"]["status"], json!("completed"));
    let bodies = model.bodies.lock().unwrap();
    let roles: Vec<&str> = bodies[0]["input"].as_array().unwrap().iter().map(|i| i["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["developer", "user", "assistant", "user"]);
    assert_eq!(bodies[0]["input"][0]["content"][0]["text"], json!("Be terse."));
}

#[test]
fn thread_resume_of_a_loaded_thread_only_answers_and_subscribes() {
    let engine = engine(None, None);
    let mut owner = Client::initialized(&engine);
    let thread_id = owner.start_thread(json!({}));
    let mut other = Client::initialized(&engine);
    let resumed = other.request("thread/resume", json!({"threadId": thread_id, "excludeTurns": true}));
    assert_eq!(resumed["result"]["thread"]["turns"], json!([]));
    // The second connection now sees the thread's notifications too.
    owner.request("turn/start", json!({"threadId": thread_id, "input": []}));
    let seen = other.until(is("turn/completed"));
    assert_eq!(methods(&seen)[0], "thread/status/changed");
}

#[test]
fn thread_resume_of_an_unknown_thread_finds_no_rollout() {
    let engine = engine(None, None);
    let mut client = Client::initialized(&engine);
    let id = "67e55044-10b1-426f-9247-bb680e5fe0c8";
    assert_eq!(
        client.request("thread/resume", json!({"threadId": id}))["error"]["message"],
        json!(format!("no rollout found for thread id {id}"))
    );
    // With the experimental capability `path` passes the gate; the thread is still unknown.
    assert_eq!(
        client.request("thread/resume", json!({"threadId": id, "path": "/x"}))["error"]["message"],
        json!(format!("no rollout found for thread id {id}"))
    );
    let mut stable = Client::connect(&engine);
    stable.request("initialize", json!({"clientInfo": {"name": "stable", "version": "1"}}));
    assert_eq!(
        stable.request("thread/resume", json!({"threadId": id, "path": "/x"}))["error"]["message"],
        json!("thread/resume.path requires experimentalApi capability")
    );
}
