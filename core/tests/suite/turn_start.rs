//! `turn/start` and a plain turn with the scripted model (PROTOCOL.md §4.14, §7.1).

use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use spindle_core::model::scripted::scripted_reply;

use crate::support::{Client, Reply, ScriptModel, engine, eventually, is, message_reply, methods};

fn started_thread(client: &mut Client) -> String {
    let answer = client.request("thread/start", json!({"model": "mock-model", "baseInstructions": "Be terse."}));
    client.next();
    answer["result"]["thread"]["id"].as_str().unwrap().to_owned()
}

#[test]
fn turn_start_runs_a_plain_turn_in_the_upstream_order() {
    let engine = engine(None, None);
    let mut client = Client::initialized(&engine);
    let thread_id = started_thread(&mut client);
    let input = json!([{"type": "text", "text": "Say hello.", "text_elements": []}]);
    let answer = client.request("turn/start", json!({"threadId": thread_id, "input": input}));
    let turn = &answer["result"]["turn"];
    assert_eq!(turn["status"], json!("inProgress"));
    assert_eq!(turn["startedAt"], Value::Null);
    assert_eq!(turn["itemsView"], json!("notLoaded"));
    let messages = client.until(is("turn/completed"));
    let reply = scripted_reply(Some("Say hello."));
    let deltas = messages.iter().filter(|m| m["method"] == "item/agentMessage/delta").count();
    let mut expected = vec!["thread/status/changed", "turn/started", "item/started", "item/completed", "item/started"];
    expected.extend(std::iter::repeat_n("item/agentMessage/delta", deltas));
    expected.extend(["item/completed", "thread/tokenUsage/updated", "thread/status/changed", "turn/completed"]);
    assert_eq!(methods(&messages), expected);
    assert!(deltas > 1);
    let text: String = messages
        .iter()
        .filter(|m| m["method"] == "item/agentMessage/delta")
        .map(|m| m["params"]["delta"].as_str().unwrap())
        .collect();
    assert_eq!(text, reply);
    assert_eq!(messages[2]["params"]["item"]["content"], input);
    assert_eq!(messages[2]["params"]["item"]["type"], json!("userMessage"));
    let completed = &messages.last().unwrap()["params"]["turn"];
    assert_eq!(completed["status"], json!("completed"));
    assert_eq!(completed["itemsView"], json!("summary"));
    assert_eq!(completed["items"][0]["text"], json!(reply));
    assert_eq!(completed["id"], turn["id"]);
    let status = &messages[messages.len() - 2]["params"]["status"];
    assert_eq!(status, &json!({"type": "idle"}));

    // The finished turn is readable with its full items, and the preview is the first message.
    let read = client.request("thread/read", json!({"threadId": thread_id, "includeTurns": true}));
    let thread = &read["result"]["thread"];
    assert_eq!(thread["preview"], json!("Say hello."));
    assert_eq!(thread["turns"][0]["itemsView"], json!("full"));
    assert_eq!(thread["turns"][0]["items"].as_array().unwrap().len(), 2);
}

#[test]
fn turn_start_on_an_unknown_thread_says_thread_not_found() {
    let engine = engine(None, None);
    let mut client = Client::initialized(&engine);
    let id = "67e55044-10b1-426f-9247-bb680e5fe0c8";
    assert_eq!(
        client.request("turn/start", json!({"threadId": id, "input": []}))["error"],
        json!({"code": -32600, "message": format!("thread not found: {id}")})
    );
}

#[test]
fn turn_start_with_empty_input_runs_a_turn_without_a_user_message() {
    let engine = engine(None, None);
    let mut client = Client::initialized(&engine);
    let thread_id = started_thread(&mut client);
    client.request("turn/start", json!({"threadId": thread_id, "input": []}));
    let messages = client.until(is("turn/completed"));
    assert!(!messages.iter().any(|m| m["params"]["item"]["type"] == "userMessage"));
    assert_eq!(messages.last().unwrap()["params"]["turn"]["status"], json!("completed"));
}

#[test]
fn turn_start_honours_a_caller_turn_id_and_rejects_its_reuse() {
    let engine = engine(None, None);
    let mut client = Client::initialized(&engine);
    let thread_id = started_thread(&mut client);
    let turn_id = "0190B3A2-0000-7000-8000-000000000001";
    let answer = client.request("turn/start", json!({"threadId": thread_id, "input": [], "turnId": turn_id}));
    assert_eq!(answer["result"]["turn"]["id"], json!(turn_id.to_lowercase()));
    client.until(is("turn/completed"));
    assert_eq!(
        client.request("turn/start", json!({"threadId": thread_id, "input": [], "turnId": turn_id}))["error"]["message"],
        json!(format!("turn id already exists in thread {thread_id}: {}", turn_id.to_lowercase()))
    );
}

#[test]
fn turn_start_overrides_stick_for_later_turns_and_a_restart_but_the_output_schema_does_not() {
    let store = std::sync::Arc::new(spindle_core::store::memory::MemoryThreadStore::new());
    let model = crate::support::RecordingModel::new();
    let first = engine(Some(model.clone()), Some(store.clone()));
    let mut client = Client::initialized(&first);
    let thread_id = started_thread(&mut client);
    let schema = json!({"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]});
    client.request(
        "turn/start",
        json!({"threadId": thread_id, "input": [{"type": "text", "text": "one"}], "model": "other-model",
               "effort": "high", "summary": "detailed", "cwd": "/elsewhere", "outputSchema": schema}),
    );
    client.until(is("turn/completed"));
    client.request("turn/start", json!({"threadId": thread_id, "input": [{"type": "text", "text": "two"}]}));
    client.until(is("turn/completed"));

    let bodies = model.bodies.lock().unwrap().clone();
    for body in &bodies {
        assert_eq!(body["model"], json!("other-model"));
        assert_eq!(body["reasoning"], json!({"effort": "high", "summary": "detailed"}));
    }
    assert_eq!(
        bodies[0]["text"]["format"],
        json!({"type": "json_schema", "strict": true, "schema": schema, "name": "codex_output_schema"})
    );
    assert_eq!(bodies[1].get("text"), None, "outputSchema applies to its own turn only");
    let read = client.request("thread/read", json!({"threadId": thread_id}));
    let thread = &read["result"]["thread"];
    assert_eq!(
        (thread["model"].clone(), thread["reasoningEffort"].clone(), thread["cwd"].clone()),
        (json!("other-model"), json!("high"), json!("/elsewhere"))
    );

    // A restarted engine over the same store resumes with the overrides still in force.
    let second_model = crate::support::RecordingModel::new();
    let second = engine(Some(second_model.clone()), Some(store));
    let mut resumed = Client::initialized(&second);
    resumed.send(json!({"id": "r", "method": "thread/resume", "params": {"threadId": thread_id}}));
    let answer = resumed.until(|m| m["id"] == "r").pop().unwrap();
    assert_eq!(answer["result"]["model"], json!("other-model"));
    assert_eq!(resumed.next()["method"], json!("thread/tokenUsage/updated"));
    resumed.request("turn/start", json!({"threadId": thread_id, "input": [{"type": "text", "text": "three"}]}));
    resumed.until(is("turn/completed"));
    let body = second_model.bodies.lock().unwrap()[0].clone();
    assert_eq!(body["model"], json!("other-model"));
    assert_eq!(body["reasoning"], json!({"effort": "high", "summary": "detailed"}));
}

#[test]
fn a_completed_response_is_read_to_its_end_and_one_that_goes_on_is_cancelled() {
    let model = ScriptModel::new(vec![
        Reply::raw(message_reply("msg_1", &["one"]), ": a comment after the last event\n\n"),
        Reply::hangs(message_reply("msg_2", &["two"])),
    ]);
    let engine = engine(Some(model.clone()), None);
    let mut client = Client::initialized(&engine);
    let thread_id = started_thread(&mut client);
    let input = json!([{"type": "text", "text": "Go.", "text_elements": []}]);
    client.request("turn/start", json!({"threadId": thread_id, "input": input}));
    client.until(is("turn/completed"));
    // The host sees the first body to its end, as it would a stream nobody abandoned.
    eventually("the first body is read to its end", || model.unread_chunks() == 0);
    assert_eq!(*model.cancelled.lock().unwrap(), Vec::<u64>::new());

    client.request("turn/start", json!({"threadId": thread_id, "input": input}));
    let messages = client.until(is("turn/completed"));
    assert_eq!(messages.last().unwrap()["params"]["turn"]["status"], json!("completed"));
    // A body still open after `response.completed` is released once the turn is over.
    eventually("the open body is cancelled", || model.cancelled.lock().unwrap().len() == 1);
}
