//! `thread/compact/start`: the compaction turn and the history after it (PROTOCOL.md §4.11, §7.7,
//! §8.6, transcript 10).

use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use crate::support::{
    Client, Reply, ScriptModel, engine, eventually, is, message_added, message_reply, methods, text_delta,
};

fn text(text: &str) -> Value {
    json!([{"type": "text", "text": text, "text_elements": []}])
}

fn input_texts(body: &Value) -> Vec<String> {
    body["input"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            format!("{}:{}", item["role"].as_str().unwrap_or("?"), item["content"][0]["text"].as_str().unwrap_or(""))
        })
        .collect()
}

#[test]
fn compaction_runs_a_turn_that_replaces_the_history_with_user_messages_and_the_summary() {
    let model = ScriptModel::new(vec![
        Reply::ends(message_reply("msg_1", &["Handled."])),
        Reply::ends(message_reply("msg_summary", &["SUMMARY: user asked one thing; handled."])),
        Reply::ends(message_reply("msg_post_compact", &["Still here after compaction."])),
    ]);
    let engine = engine(Some(model.clone()), None);
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({"baseInstructions": "Be terse."}));
    client.request("turn/start", json!({"threadId": thread_id, "input": text("First request.")}));
    client.until(is("turn/completed"));

    assert_eq!(client.request("thread/compact/start", json!({"threadId": thread_id}))["result"], json!({}));
    let compaction = client.until(is("turn/completed"));
    assert_eq!(
        methods(&compaction),
        [
            "thread/status/changed",
            "turn/started",
            "item/started",
            "thread/tokenUsage/updated",
            "thread/tokenUsage/updated",
            "item/completed",
            "thread/status/changed",
            "turn/completed"
        ]
    );
    let item = &compaction[2]["params"]["item"];
    assert_eq!(item["type"], json!("contextCompaction"));
    assert_eq!(compaction[5]["params"]["item"]["id"], item["id"]);
    // The compaction response's usage counts; then `last` reports the estimated new context size.
    assert_eq!(compaction[3]["params"]["tokenUsage"]["total"]["totalTokens"], json!(30));
    let estimate = &compaction[4]["params"]["tokenUsage"];
    assert_eq!(estimate["total"]["totalTokens"], json!(30));
    assert!(estimate["last"]["totalTokens"].as_i64().unwrap() > 0);
    assert_eq!(estimate["last"]["inputTokens"], json!(0));
    let turn = &compaction[7]["params"]["turn"];
    assert_eq!(
        (turn["status"].clone(), turn["items"].clone(), turn["itemsView"].clone()),
        (json!("completed"), json!([]), json!("notLoaded"))
    );
    assert!(!compaction.iter().any(|m| m.to_string().contains("SUMMARY")), "the summary is not shown");

    client.request("turn/start", json!({"threadId": thread_id, "input": text("Are you still there?")}));
    client.until(is("turn/completed"));
    let bodies = model.bodies();
    assert_eq!(bodies.len(), 3);
    // The compaction request: the history plus the prompt (no id), no parallel tool calls.
    let prompt = bodies[1]["input"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((prompt["role"].clone(), prompt.get("id").cloned()), (json!("user"), None));
    assert_eq!(bodies[1]["parallel_tool_calls"], json!(false));
    assert_eq!(input_texts(&bodies[1])[..3], ["developer:Be terse.", "user:First request.", "assistant:Handled."]);
    // After it: instructions, the user's messages, the summary, the new input — no assistant output.
    let after = input_texts(&bodies[2]);
    assert_eq!(after.len(), 4, "{after:?}");
    assert_eq!(after[..2], ["developer:Be terse.", "user:First request."]);
    assert!(after[2].starts_with("user:") && after[2].ends_with("\nSUMMARY: user asked one thing; handled."));
    assert_eq!(after[3], "user:Are you still there?");
    assert_eq!(bodies[2]["parallel_tool_calls"], json!(true));

    let read = client.request("thread/read", json!({"threadId": thread_id, "includeTurns": true}));
    let turns = read["result"]["thread"]["turns"].as_array().unwrap();
    assert_eq!(turns.len(), 3);
    assert_eq!(turns[1]["items"][0]["type"], json!("contextCompaction"));
}

#[test]
fn compaction_interrupts_a_running_turn_first() {
    let model = ScriptModel::new(vec![
        Reply::hangs(vec![message_added("msg_slow"), text_delta("msg_slow", "working ")]),
        Reply::ends(message_reply("msg_summary", &["SUMMARY"])),
    ]);
    let engine = engine(Some(model.clone()), None);
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({}));
    let answer = client.request("turn/start", json!({"threadId": thread_id, "input": text("Long job.")}));
    let first_turn = answer["result"]["turn"]["id"].clone();
    client.until(is("item/agentMessage/delta"));
    assert_eq!(client.request("thread/compact/start", json!({"threadId": thread_id}))["result"], json!({}));
    let interrupted = client.until(is("turn/completed"));
    assert_eq!(interrupted.last().unwrap()["params"]["turn"]["id"], first_turn);
    assert_eq!(interrupted.last().unwrap()["params"]["turn"]["status"], json!("interrupted"));
    let compaction = client.until(is("turn/completed"));
    assert_eq!(compaction[1]["method"], json!("turn/started"));
    assert_eq!(compaction.last().unwrap()["params"]["turn"]["status"], json!("completed"));
    eventually("the abandoned request is cancelled", || model.cancelled.lock().unwrap().len() == 1);
}

#[test]
fn turns_and_a_second_compaction_wait_while_compacting_and_unknown_threads_are_refused() {
    let model = ScriptModel::new(vec![Reply::hangs(vec![])]);
    let engine = engine(Some(model.clone()), None);
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({}));
    client.request("thread/compact/start", json!({"threadId": thread_id}));
    let started = client.until(is("item/started"));
    let turn_id = started[1]["params"]["turn"]["id"].as_str().unwrap().to_owned();
    let compacting = format!("thread {thread_id} is compacting its history; start the turn after it completes");
    let refusals = [
        client.request("turn/start", json!({"threadId": thread_id, "input": text("x")})),
        client.request("turn/steer", json!({"threadId": thread_id, "input": text("x"), "expectedTurnId": turn_id})),
        client.request("thread/compact/start", json!({"threadId": thread_id})),
    ];
    for refusal in refusals {
        assert_eq!(refusal["error"], json!({"code": -32600, "message": compacting}));
    }
    let unknown = "0190b3a2-0000-7000-8000-00000000000c";
    assert_eq!(
        client.request("thread/compact/start", json!({"threadId": unknown}))["error"]["message"],
        json!(format!("thread not found: {unknown}"))
    );
    // An interrupt still stops the compaction, and the history stays as it was.
    client.request("turn/interrupt", json!({"threadId": thread_id, "turnId": turn_id}));
    let end = client.until(is("turn/completed"));
    assert_eq!(end.last().unwrap()["params"]["turn"]["status"], json!("interrupted"));
}
