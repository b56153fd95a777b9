//! Provider retries (PROTOCOL.md §7.6, transcript 06b): silent request retries, announced stream
//! retries, their budgets, and 429 that is never retried.

use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use crate::support::{
    Client, Reply, ScriptModel, engine_with, is, message_added, message_reply, methods, test_options, text_delta,
};

fn run(request_retries: u32, stream_retries: u32, replies: Vec<Reply>) -> (std::sync::Arc<ScriptModel>, Vec<Value>) {
    let model = ScriptModel::new(replies);
    let options = spindle_core::EngineOptions {
        request_max_retries: request_retries,
        stream_max_retries: stream_retries,
        ..test_options()
    };
    let engine = engine_with(options, Some(model.clone()), None);
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({}));
    client.request("turn/start", json!({"threadId": thread_id, "input": [{"type": "text", "text": "go"}]}));
    let messages = client.until(is("turn/completed"));
    (model, messages)
}

fn cut_stream() -> Reply {
    Reply::ends(vec![message_added("msg_cut"), text_delta("msg_cut", "partial ")])
}

#[test]
fn a_failed_request_is_retried_silently_within_its_budget() {
    let (model, messages) = run(
        2,
        0,
        vec![Reply::status(500, "{\"error\":\"boom\"}"), Reply::ends(message_reply("msg_rr", &["ok after retry"]))],
    );
    assert_eq!(model.bodies().len(), 2);
    assert!(!methods(&messages).contains(&"error".to_owned()));
    let turn = &messages.last().unwrap()["params"]["turn"];
    assert_eq!(
        (turn["status"].clone(), turn["items"][0]["text"].clone()),
        (json!("completed"), json!("ok after retry"))
    );
}

#[test]
fn a_broken_stream_is_announced_abandoned_and_retried() {
    let (model, messages) =
        run(0, 2, vec![cut_stream(), Reply::ends(message_reply("msg_sr", &["ok after stream retry"]))]);
    let error = messages.iter().find(|m| m["method"] == "error").unwrap();
    assert_eq!(
        error["params"]["error"],
        json!({"message": "Reconnecting... 1/2", "codexErrorInfo": {"responseStreamDisconnected": {"httpStatusCode": null}},
               "additionalDetails": "stream disconnected before completion: stream closed before response.completed",
               "misalignment": null})
    );
    assert_eq!(error["params"]["willRetry"], json!(true));
    let completed: Vec<&Value> =
        messages.iter().filter(|m| m["method"] == "item/completed").map(|m| &m["params"]["item"]["id"]).collect();
    assert!(!completed.contains(&&json!("msg_cut")), "the cut message never completes");
    let turn = &messages.last().unwrap()["params"]["turn"];
    assert_eq!(turn["status"], json!("completed"));
    let bodies = model.bodies();
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0]["input"], bodies[1]["input"], "the retry asks the same thing again");
}

#[test]
fn spent_budgets_fail_the_turn_with_the_last_error() {
    let (model, messages) = run(1, 0, vec![Reply::status(503, "busy"), Reply::status(500, "still busy")]);
    assert_eq!(model.bodies().len(), 2);
    let turn = &messages.last().unwrap()["params"]["turn"];
    assert_eq!(turn["status"], json!("failed"));
    assert_eq!(turn["error"]["codexErrorInfo"], json!("internalServerError"));

    let (model, messages) = run(0, 1, vec![cut_stream(), cut_stream()]);
    assert_eq!(model.bodies().len(), 2);
    let errors: Vec<&Value> =
        messages.iter().filter(|m| m["method"] == "error").map(|m| &m["params"]["willRetry"]).collect();
    assert_eq!(errors, [&json!(true), &json!(false)]);
    let turn = &messages.last().unwrap()["params"]["turn"];
    assert_eq!(
        turn["error"]["message"],
        json!("stream disconnected before completion: stream closed before response.completed")
    );
}

#[test]
fn rate_limits_and_default_options_do_not_retry() {
    let (model, messages) = run(2, 2, vec![Reply::status(429, "{}")]);
    assert_eq!(model.bodies().len(), 1);
    assert_eq!(
        messages.last().unwrap()["params"]["turn"]["error"]["message"],
        json!("exceeded retry limit, last status: 429 Too Many Requests")
    );
    let (model, messages) = run(0, 0, vec![Reply::status(500, "{}"), Reply::ends(message_reply("msg_x", &["never"]))]);
    assert_eq!(model.bodies().len(), 1);
    assert_eq!(messages.last().unwrap()["params"]["turn"]["status"], json!("failed"));
}
