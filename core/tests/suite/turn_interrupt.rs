//! `turn/interrupt` (PROTOCOL.md §4.16, §7.4, transcript 04).

use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use crate::support::{
    Client, Reply, ScriptModel, engine, eventually, is, message_added, message_reply, methods, text_delta,
};

#[test]
fn turn_interrupt_stops_the_stream_and_completes_the_turn_as_interrupted() {
    // The first request streams "one two " and then hangs until cancelled; the next answers "done".
    let model = ScriptModel::new(vec![
        Reply::hangs(vec![message_added("msg_slow"), text_delta("msg_slow", "one "), text_delta("msg_slow", "two ")]),
        Reply::ends(message_reply("msg_done", &["done"])),
    ]);
    let engine = engine(Some(model.clone()), None);
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({}));
    assert_eq!(
        client.request("turn/interrupt", json!({"threadId": thread_id, "turnId": "nope"}))["error"],
        json!({"code": -32600, "message": "no active turn to interrupt"})
    );
    let input = json!([{"type": "text", "text": "Count slowly.", "text_elements": []}]);
    let turn_id = client.request("turn/start", json!({"threadId": thread_id, "input": input}))["result"]["turn"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let streamed = client.until(|m| m["method"] == "item/agentMessage/delta" && m["params"]["delta"] == "two ");
    assert_eq!(streamed.last().unwrap()["params"]["itemId"], json!("msg_slow"));

    let other = "0190b3a2-0000-7000-8000-000000000009";
    assert_eq!(
        client.request("turn/interrupt", json!({"threadId": thread_id, "turnId": other}))["error"]["message"],
        json!(format!("expected active turn id {other} but found {turn_id}"))
    );
    assert_eq!(
        client.request("turn/interrupt", json!({"threadId": thread_id, "turnId": turn_id}))["result"],
        json!({})
    );
    let after = client.until(is("turn/completed"));
    assert_eq!(methods(&after), ["thread/status/changed", "turn/completed"]);
    assert_eq!(after[0]["params"]["status"], json!({"type": "idle"}));
    let turn = &after[1]["params"]["turn"];
    assert_eq!(
        (turn["status"].clone(), turn["items"].clone(), turn["itemsView"].clone(), turn["error"].clone()),
        (json!("interrupted"), json!([]), json!("notLoaded"), Value::Null)
    );
    // The runner aborts the HTTP request as soon as it sees the turn is gone.
    eventually("the first request is cancelled", || model.cancelled.lock().unwrap().len() == 1);
    assert_eq!(
        client.request("turn/interrupt", json!({"threadId": thread_id, "turnId": turn_id}))["error"]["message"],
        json!("no active turn to interrupt")
    );

    // The next request replays the user message and the abort marker, never the partial answer.
    client.request("turn/start", json!({"threadId": thread_id, "input": [{"type": "text", "text": "Why stop?"}]}));
    let next = client.until(is("turn/completed"));
    assert_eq!(next.last().unwrap()["params"]["turn"]["status"], json!("completed"));
    let bodies = model.bodies();
    let replay = bodies[1]["input"].to_string();
    assert!(replay.contains("Count slowly.") && replay.contains("<turn_aborted>") && replay.contains("Why stop?"));
    assert!(!replay.contains("one two"), "{replay}");
}

#[test]
fn turn_interrupt_on_an_unknown_thread_says_thread_not_found() {
    let engine = engine(None, None);
    let mut client = Client::initialized(&engine);
    let id = "67e55044-10b1-426f-9247-bb680e5fe0c8";
    assert_eq!(
        client.request("turn/interrupt", json!({"threadId": id, "turnId": id}))["error"]["message"],
        json!(format!("thread not found: {id}"))
    );
}
