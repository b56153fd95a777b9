//! `turn/steer` and start-or-steer on a busy thread (PROTOCOL.md §4.14, §4.15, §7.8, transcript 10).

use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use crate::support::{
    Client, Reply, ScriptModel, engine, eventually, is, message_added, message_reply, methods, text_delta,
};

fn text(text: &str) -> Value {
    json!([{"type": "text", "text": text, "text_elements": []}])
}

/// A thread whose first turn streams "working " and then hangs; returns (client, thread, turn).
fn busy_thread(model: &std::sync::Arc<ScriptModel>) -> (Client, String, String) {
    let engine = engine(Some(model.clone()), None);
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({"baseInstructions": "Be terse."}));
    let answer = client.request("turn/start", json!({"threadId": thread_id, "input": text("First request.")}));
    let turn_id = answer["result"]["turn"]["id"].as_str().unwrap().to_owned();
    client.until(|m| m["method"] == "item/agentMessage/delta");
    (client, thread_id, turn_id)
}

fn slow_then(reply: Vec<Value>) -> std::sync::Arc<ScriptModel> {
    ScriptModel::new(vec![
        Reply::hangs(vec![message_added("msg_slow1"), text_delta("msg_slow1", "working ")]),
        Reply::ends(reply),
    ])
}

#[test]
fn steer_abandons_the_partial_answer_and_asks_again_with_the_new_input() {
    let model = slow_then(message_reply("msg_after_steer", &["Handled both requests."]));
    let (mut client, thread_id, turn_id) = busy_thread(&model);
    let answer = client.request(
        "turn/steer",
        json!({"threadId": thread_id, "input": text("Also handle this."), "expectedTurnId": turn_id}),
    );
    assert_eq!(answer["result"], json!({"turnId": turn_id}));
    let rest = client.until(is("turn/completed"));
    assert_eq!(
        methods(&rest),
        [
            "item/started",
            "item/completed",
            "item/started",
            "item/agentMessage/delta",
            "item/completed",
            "thread/tokenUsage/updated",
            "thread/status/changed",
            "turn/completed"
        ]
    );
    assert_eq!(rest[0]["params"]["item"]["type"], json!("userMessage"));
    assert_eq!(rest[0]["params"]["turnId"], json!(turn_id));
    assert_eq!(rest[1]["params"]["item"]["content"], text("Also handle this."));
    let turn = &rest[7]["params"]["turn"];
    assert_eq!(turn["id"], json!(turn_id));
    let ids: Vec<&Value> = turn["items"].as_array().unwrap().iter().map(|item| &item["id"]).collect();
    assert_eq!(ids, [&json!("msg_after_steer")], "the abandoned message never completes");

    // The first request was cancelled; the second carries both inputs and none of the partial answer.
    eventually("the abandoned request is cancelled", || model.cancelled.lock().unwrap().len() == 1);
    let bodies = model.bodies();
    let second: Vec<&Value> = bodies[1]["input"].as_array().unwrap().iter().collect();
    let texts: Vec<&Value> = second.iter().map(|item| &item["content"][0]["text"]).collect();
    assert_eq!(texts, [&json!("Be terse."), &json!("First request."), &json!("Also handle this.")]);
    assert!(!bodies[1].to_string().contains("working"));

    // The abandoned answer stays out of the history of the next turn too.
    client.request("turn/start", json!({"threadId": thread_id, "input": text("Next.")}));
    client.until(is("turn/completed"));
    let third = model.bodies()[2]["input"].to_string();
    assert!(third.contains("Handled both requests.") && !third.contains("working"), "{third}");
}

#[test]
fn steer_errors_use_the_upstream_texts() {
    let model = slow_then(message_reply("msg_b", &["ok"]));
    let (mut client, thread_id, turn_id) = busy_thread(&model);
    let other = "0190b3a2-0000-7000-8000-000000000009";
    let steer = |client: &mut Client, input: Value, expected: &str| {
        client.request("turn/steer", json!({"threadId": thread_id, "input": input, "expectedTurnId": expected}))
    };
    assert_eq!(
        steer(&mut client, text("wrong id"), other)["error"],
        json!({"code": -32600, "message": format!("expected active turn id `{other}` but found `{turn_id}`")})
    );
    assert_eq!(steer(&mut client, json!([]), &turn_id)["error"]["message"], json!("input must not be empty"));
    let unknown = "0190b3a2-0000-7000-8000-00000000000a";
    assert_eq!(
        client.request("turn/steer", json!({"threadId": unknown, "input": text("x"), "expectedTurnId": turn_id}))["error"]
            ["message"],
        json!(format!("thread not found: {unknown}"))
    );
    // None of the rejected steers touched the turn: it is still waiting on its first request.
    client.assert_silent(100);
    assert_eq!(model.bodies().len(), 1);

    client.request("turn/interrupt", json!({"threadId": thread_id, "turnId": turn_id}));
    client.until(is("turn/completed"));
    assert_eq!(
        steer(&mut client, text("too late"), &turn_id)["error"],
        json!({"code": -32600, "message": "no active turn to steer"})
    );
}

#[test]
fn turn_start_on_a_busy_thread_steers_into_the_active_turn() {
    let model = slow_then(message_reply("msg_after_start", &["Handled the extra input."]));
    let (mut client, thread_id, turn_id) = busy_thread(&model);
    let answer = client.request(
        "turn/start",
        json!({"threadId": thread_id, "input": text("Extra input while busy."), "clientUserMessageId": "client-msg-2"}),
    );
    let turn = &answer["result"]["turn"];
    assert_eq!(
        (turn["id"].clone(), turn["status"].clone(), turn["startedAt"].clone(), turn["items"].clone()),
        (json!(turn_id), json!("inProgress"), Value::Null, json!([]))
    );
    let rest = client.until(is("turn/completed"));
    assert!(!methods(&rest).contains(&"turn/started".to_owned()), "no second turn/started: {rest:?}");
    assert_eq!(rest[0]["params"]["item"]["clientId"], json!("client-msg-2"));
    assert_eq!(rest.last().unwrap()["params"]["turn"]["items"][0]["text"], json!("Handled the extra input."));
    assert_eq!(model.bodies().len(), 2);
}

#[test]
fn turn_start_with_a_caller_turn_id_on_a_busy_thread_is_refused_without_side_effects() {
    let model = slow_then(message_reply("msg_b", &["ok"]));
    let (mut client, thread_id, turn_id) = busy_thread(&model);
    let mine = "0190b3a2-0000-7000-8000-00000000000b";
    let answer = client.request("turn/start", json!({"threadId": thread_id, "input": text("x"), "turnId": mine}));
    assert_eq!(
        answer["error"]["message"],
        json!(format!("cannot start turn `{mine}`: thread {thread_id} already has an active turn `{turn_id}`"))
    );
    client.assert_silent(100);
    assert_eq!(model.bodies().len(), 1);
}
