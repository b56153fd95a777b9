//! `turn/interrupt` (PROTOCOL.md §4.16, §7.4, transcript 04).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use spindle_core::host::{BoxFut, HostError, ModelRequest, ModelResponseHead, ModelTransport, boxed};

use crate::support::{Client, engine, is, methods};

/// The first request streams "one two " and then hangs until cancelled; later ones answer "done".
#[derive(Default)]
struct SlowModel {
    bodies: Mutex<Vec<Value>>,
    sent: Mutex<BTreeMap<u64, usize>>,
    cancelled: Mutex<Vec<u64>>,
}

fn frame(event: Value) -> Vec<u8> {
    format!("event: {}\ndata: {event}\n\n", event["type"].as_str().unwrap_or("")).into_bytes()
}

impl SlowModel {
    fn chunks(first: bool) -> Vec<Vec<u8>> {
        let id = if first { "msg_slow" } else { "msg_done" };
        let added = json!({"type": "response.output_item.added", "item": {"type": "message", "id": id, "content": []}});
        let delta = |text: &str| json!({"type": "response.output_text.delta", "item_id": id, "delta": text});
        if first {
            return vec![frame(added), frame(delta("one ")), frame(delta("two "))];
        }
        let done = json!({"type": "response.output_item.done",
            "item": {"type": "message", "id": id, "content": [{"type": "output_text", "text": "done"}]}});
        vec![
            frame(added),
            frame(delta("done")),
            frame(done),
            frame(json!({"type": "response.completed", "response": {}})),
        ]
    }
}

impl ModelTransport for SlowModel {
    fn post(&self, request: ModelRequest) -> BoxFut<'_, Result<ModelResponseHead, HostError>> {
        self.bodies.lock().unwrap().push(serde_json::from_str(&request.body).unwrap());
        self.sent.lock().unwrap().insert(request.id, 0);
        boxed(async { Ok(ModelResponseHead { status: 200, headers: BTreeMap::new() }) })
    }

    fn read(&self, id: u64) -> BoxFut<'_, Result<Option<Vec<u8>>, HostError>> {
        let first = self.sent.lock().unwrap().keys().next() == Some(&id);
        let index = {
            let mut sent = self.sent.lock().unwrap();
            let index = sent.get(&id).copied().unwrap_or(usize::MAX);
            sent.insert(id, index.saturating_add(1));
            index
        };
        let chunk = Self::chunks(first).get(index).cloned();
        boxed(async move {
            match chunk {
                Some(chunk) => Ok(Some(chunk)),
                None if first => futures::future::pending().await,
                None => Ok(None),
            }
        })
    }

    fn cancel(&self, id: u64) {
        self.cancelled.lock().unwrap().push(id);
    }
}

#[test]
fn turn_interrupt_stops_the_stream_and_completes_the_turn_as_interrupted() {
    let model = Arc::new(SlowModel::default());
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
    assert_eq!(*model.cancelled.lock().unwrap(), vec![model.sent.lock().unwrap().keys().next().copied().unwrap()]);
    assert_eq!(
        client.request("turn/interrupt", json!({"threadId": thread_id, "turnId": turn_id}))["error"]["message"],
        json!("no active turn to interrupt")
    );

    // The next request replays the user message and the abort marker, never the partial answer.
    client.request("turn/start", json!({"threadId": thread_id, "input": [{"type": "text", "text": "Why stop?"}]}));
    let next = client.until(is("turn/completed"));
    assert_eq!(next.last().unwrap()["params"]["turn"]["status"], json!("completed"));
    let bodies = model.bodies.lock().unwrap();
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
