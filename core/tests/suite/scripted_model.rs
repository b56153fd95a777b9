//! The built-in scripted model driven by a model script (README "Scripted model"): host tool calls,
//! HTTP and stream failures, the echo once the script runs out, and scripts in `EngineOptions`.

use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use spindle_core::EngineOptions;
use spindle_core::model::script::ModelScript;
use spindle_core::model::scripted::scripted_reply;

use crate::support::{Client, RecordingModel, engine, engine_with, is, test_options};

fn ask(client: &mut Client, thread_id: &str, text: &str) -> Vec<Value> {
    let answer =
        client.request("turn/start", json!({"threadId": thread_id, "input": [{"type": "text", "text": text}]}));
    assert!(answer["result"]["turn"]["id"].is_string(), "{answer}");
    client.until(is("turn/completed"))
}

fn turn_of(messages: &[Value]) -> &Value {
    &messages.last().expect("turn/completed")["params"]["turn"]
}

#[test]
fn a_script_drives_a_host_tool_call_then_each_kind_of_failure_then_the_echo() {
    let script = ModelScript::from_json(
        r#"{"responses": [
            {"output": [
                {"type": "reasoning", "summary": ["Checking the ticket."]},
                {"type": "functionCall", "name": "lookup_ticket", "arguments": {"id": "ABC-123"}, "callId": "call_1"}
             ],
             "usage": {"inputTokens": 20, "outputTokens": 8}},
            {"output": [{"type": "message", "text": ["Ticket ABC-123 is open ", "and owned by kim."]}],
             "usage": {"inputTokens": 30, "outputTokens": 6}},
            {"status": 429, "error": {"message": "Rate limit reached for requests", "type": "requests"}},
            {"output": [{"type": "message", "text": "cut short"}], "end": "closed"},
            {"end": "failed", "error": {"message": "the model had a bad day"}}
        ]}"#,
    )
    .expect("a valid script");
    let model = RecordingModel::with_script(script);
    let engine = engine(Some(model.clone()), None);
    let mut client = Client::initialized(&engine);
    let tools = json!([{"type": "function", "name": "lookup_ticket", "description": "Fetch a ticket",
        "inputSchema": {"type": "object", "properties": {"id": {"type": "string"}}}}]);
    let thread_id = client.start_thread(json!({"dynamicTools": tools}));

    client.request("turn/start", json!({"threadId": thread_id, "input": [{"type": "text", "text": "ABC-123?"}]}));
    let before_call = client.until(is("item/tool/call"));
    let summary: Vec<&Value> = before_call
        .iter()
        .filter(|m| m["method"] == "item/completed" && m["params"]["item"]["type"] == "reasoning")
        .map(|m| &m["params"]["item"]["summary"])
        .collect();
    assert_eq!(summary, [&json!(["Checking the ticket."])]);
    let call = before_call.last().unwrap();
    assert_eq!(
        (call["params"]["tool"].clone(), call["params"]["callId"].clone(), call["params"]["arguments"].clone()),
        (json!("lookup_ticket"), json!("call_1"), json!({"id": "ABC-123"}))
    );
    client.send(json!({"id": call["id"], "result": {"contentItems": [{"type": "inputText", "text": "open, kim"}], "success": true}}));
    let answered = client.until(is("turn/completed"));
    let turn = turn_of(&answered);
    assert_eq!(turn["status"], json!("completed"));
    let texts: Vec<&Value> = answered
        .iter()
        .filter(|m| m["method"] == "item/completed" && m["params"]["item"]["type"] == "agentMessage")
        .map(|m| &m["params"]["item"]["text"])
        .collect();
    assert_eq!(texts, [&json!("Ticket ABC-123 is open and owned by kim.")]);
    let usage = answered.iter().rev().find(|m| m["method"] == "thread/tokenUsage/updated").expect("token usage");
    assert_eq!(usage["params"]["tokenUsage"]["total"]["totalTokens"], json!(28 + 36));
    let follow_up = model.bodies.lock().unwrap()[1].clone();
    let output = follow_up["input"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (output["type"].clone(), output["call_id"].clone(), output["output"].clone()),
        (json!("function_call_output"), json!("call_1"), json!("open, kim"))
    );

    let failures = [
        (
            "exceeded retry limit, last status: 429 Too Many Requests",
            json!({"responseTooManyFailedAttempts": {"httpStatusCode": 429}}),
        ),
        ("stream disconnected before completion: stream closed before response.completed", json!("other")),
        ("stream disconnected before completion: the model had a bad day", json!("other")),
    ];
    for (message, info) in failures {
        let messages = ask(&mut client, &thread_id, "again");
        let error = &turn_of(&messages)["error"];
        assert_eq!((turn_of(&messages)["status"].clone(), error["message"].clone()), (json!("failed"), json!(message)));
        assert_eq!(error["codexErrorInfo"], info);
        let notified: Vec<&Value> = messages.iter().filter(|m| m["method"] == "error").map(|m| &m["params"]).collect();
        assert_eq!(notified.len(), 1, "{messages:?}");
        assert_eq!(
            (notified[0]["error"]["message"].clone(), notified[0]["willRetry"].clone()),
            (json!(message), json!(false))
        );
    }

    let echoed = ask(&mut client, &thread_id, "Still there?");
    assert_eq!(turn_of(&echoed)["status"], json!("completed"));
    let echo = echoed.iter().find(|m| m["method"] == "item/completed" && m["params"]["item"]["type"] == "agentMessage");
    assert_eq!(echo.map(|m| m["params"]["item"]["text"].clone()), Some(json!(scripted_reply(Some("Still there?")))));
    assert_eq!(model.bodies.lock().unwrap().len(), 6, "one request per scripted response, then the echo's");
}

#[test]
fn engine_options_carry_a_script_to_the_scripted_model() {
    let text = r#"{"model": "mock-model", "modelScript": {"responses": [{"output": [{"type": "message", "text": ["From ", "the options."]}]}]}}"#;
    let options = EngineOptions::from_json(text).expect("valid options");
    let engine = engine_with(EngineOptions { model_provider: test_options().model_provider, ..options }, None, None);
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({}));
    let messages = ask(&mut client, &thread_id, "hi");
    let deltas: Vec<&Value> =
        messages.iter().filter(|m| m["method"] == "item/agentMessage/delta").map(|m| &m["params"]["delta"]).collect();
    assert_eq!(deltas, [&json!("From "), &json!("the options.")]);
}

#[test]
fn a_malformed_script_in_engine_options_is_an_error_naming_the_field() {
    let cases = [
        (
            r#"{"modelScript": {"responses": [{"status": 42}]}}"#,
            "invalid engine options: modelScript.responses[0]: status 42 is not an HTTP status (100 to 599)",
        ),
        (
            r#"{"modelScript": {"responses": [{}, {"end": "done"}]}}"#,
            "invalid engine options: modelScript.responses[1].end: unknown variant `done`",
        ),
        // A path where the script itself belongs: the CLI reads files, the engine does not.
        (
            r#"{"modelScript": "script.json"}"#,
            "invalid engine options: modelScript: invalid type: string \"script.json\", expected a model script object",
        ),
    ];
    for (text, expected) in cases {
        match EngineOptions::from_json(text) {
            Ok(options) => panic!("{text} was accepted: {options:?}"),
            Err(error) => assert!(error.starts_with(expected), "{text}: {error}"),
        }
    }
    assert_eq!(EngineOptions::from_json(r#"{"modelScript": null}"#).map(|o| o.model_script), Ok(None));
}
