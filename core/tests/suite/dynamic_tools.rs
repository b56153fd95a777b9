//! Host tools: `dynamicTools`, `item/tool/call`, and what the model hears back (PROTOCOL.md §7.5,
//! §8.4, transcripts 05 and 05b).

use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use crate::support::{Client, Reply, ScriptModel, completed, engine, is, message_reply, methods};

fn tools() -> Value {
    json!([
        {"type": "function", "name": "lookup_ticket", "description": "Fetch a ticket by id",
         "inputSchema": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}},
        {"type": "namespace", "name": "crm", "description": "CRM tools", "tools": [
            {"type": "function", "name": "find_customer", "description": "Find a customer", "inputSchema": {"type": "object"}}]}
    ])
}

fn call(name: &str, call_id: &str, arguments: &str) -> Value {
    json!({"type": "response.output_item.done", "item": {"type": "function_call", "id": format!("fc_{call_id}"),
        "name": name, "arguments": arguments, "call_id": call_id, "status": "completed"}})
}

fn namespaced(name: &str, namespace: &str, call_id: &str, arguments: &str) -> Value {
    let mut event = call(name, call_id, arguments);
    event["item"]["namespace"] = json!(namespace);
    event
}

/// A client on a thread with the test tools, and the script the model follows.
fn setup(replies: Vec<Reply>) -> (std::sync::Arc<ScriptModel>, Client, String) {
    let model = ScriptModel::new(replies);
    let engine = engine(Some(model.clone()), None);
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({"dynamicTools": tools()}));
    (model, client, thread_id)
}

fn ask(client: &mut Client, thread_id: &str, text: &str) -> String {
    let answer =
        client.request("turn/start", json!({"threadId": thread_id, "input": [{"type": "text", "text": text}]}));
    answer["result"]["turn"]["id"].as_str().unwrap().to_owned()
}

fn history_tail(body: &Value, n: usize) -> Vec<Value> {
    let input = body["input"].as_array().unwrap();
    input[input.len() - n..]
        .iter()
        .map(|item| {
            let mut item = item.clone();
            if let Some(object) = item.as_object_mut() {
                object.remove("id");
            }
            item
        })
        .collect()
}

#[test]
fn a_declared_call_asks_the_client_and_the_answer_goes_back_to_the_model() {
    let (model, mut client, thread_id) = setup(vec![
        Reply::ends(vec![call("lookup_ticket", "call_lookup_1", "{\"id\": \"ABC-123\"}"), completed()]),
        Reply::ends(message_reply("msg_answer", &["It is open."])),
    ]);
    let turn_id = ask(&mut client, &thread_id, "What is the status of ticket ABC-123?");
    let before = client.until(|m| m["method"] == "item/tool/call");
    let started = &before[before.len() - 2];
    assert_eq!(started["method"], json!("item/started"));
    assert_eq!(
        started["params"]["item"],
        json!({"type": "dynamicToolCall", "id": "call_lookup_1", "namespace": null, "tool": "lookup_ticket",
               "arguments": {"id": "ABC-123"}, "status": "inProgress", "contentItems": null, "success": null,
               "durationMs": null, "startedAtMs": started["params"]["item"]["startedAtMs"], "completedAtMs": null})
    );
    let request = before.last().unwrap();
    assert_eq!(
        *request,
        json!({"method": "item/tool/call", "id": 0, "params": {"threadId": thread_id, "turnId": turn_id,
               "callId": "call_lookup_1", "namespace": null, "tool": "lookup_ticket", "arguments": {"id": "ABC-123"}}})
    );
    let content = json!([{"type": "inputText", "text": "Ticket ABC-123: status=open, owner=kim"}]);
    client.send(json!({"id": 0, "result": {"contentItems": content, "success": true}}));
    let after = client.until(is("turn/completed"));
    assert_eq!(methods(&after)[..3], ["item/completed", "thread/tokenUsage/updated", "item/started"]);
    let item = &after[0]["params"]["item"];
    assert_eq!(
        (item["status"].clone(), item["contentItems"].clone(), item["success"].clone()),
        (json!("completed"), content, json!(true))
    );
    assert!(item["durationMs"].is_i64());

    let bodies = model.bodies();
    assert_eq!(
        bodies[0]["tools"],
        json!([
            {"type": "function", "name": "lookup_ticket", "description": "Fetch a ticket by id", "strict": false,
             "parameters": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}},
            {"type": "namespace", "name": "crm", "description": "CRM tools", "tools": [{"type": "function",
             "name": "find_customer", "description": "Find a customer", "strict": false, "parameters": {"type": "object"}}]}
        ])
    );
    assert_eq!(
        history_tail(&bodies[1], 2),
        [
            json!({"type": "function_call", "name": "lookup_ticket", "arguments": "{\"id\": \"ABC-123\"}", "call_id": "call_lookup_1"}),
            json!({"type": "function_call_output", "call_id": "call_lookup_1", "output": "Ticket ABC-123: status=open, owner=kim"}),
        ]
    );
    assert!(bodies[1]["input"].as_array().unwrap().last().unwrap()["id"].as_str().unwrap().starts_with("fco_"));
}

#[test]
fn error_replies_invalid_answers_and_failed_namespaced_calls_fail_the_item() {
    let (model, mut client, thread_id) = setup(vec![
        Reply::ends(vec![call("lookup_ticket", "call_err", "{\"id\": \"X-2\"}"), completed()]),
        Reply::ends(vec![namespaced("find_customer", "crm", "call_ns", "{\"q\": \"bob\"}"), completed()]),
        Reply::ends(vec![call("lookup_ticket", "call_bad", "{}"), completed()]),
        Reply::ends(message_reply("msg_end", &["done"])),
    ]);
    ask(&mut client, &thread_id, "check things");
    client.until(|m| m["method"] == "item/tool/call");
    client.send(json!({"id": 0, "error": {"code": -32000, "message": "tool crashed"}}));
    let first = client.until(|m| m["method"] == "item/tool/call");
    assert_eq!(first[0]["params"]["item"]["status"], json!("failed"));
    assert_eq!(
        first[0]["params"]["item"]["contentItems"],
        json!([{"type": "inputText", "text": "dynamic tool request failed"}])
    );
    let ns = first.last().unwrap();
    assert_eq!((ns["id"].clone(), ns["params"]["namespace"].clone()), (json!(1), json!("crm")));
    client.send(json!({"id": 1, "result": {"contentItems": [{"type": "inputText", "text": "no such customer"}], "success": false}}));
    let second = client.until(|m| m["method"] == "item/tool/call");
    assert_eq!(second[0]["params"]["item"]["status"], json!("failed"));
    assert_eq!(second[0]["params"]["item"]["success"], json!(false));
    client.send(json!({"id": 2, "result": {"nonsense": true}}));
    let rest = client.until(is("turn/completed"));
    assert_eq!(
        rest[0]["params"]["item"]["contentItems"],
        json!([{"type": "inputText", "text": "dynamic tool response was invalid"}])
    );
    // An answer to an id nobody waits for is ignored.
    client.send(json!({"id": 7, "result": {"contentItems": [], "success": true}}));
    client.assert_silent(100);

    let outputs: Vec<Value> = model.bodies()[3]["input"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| item["type"] == "function_call_output")
        .map(|item| item["output"].clone())
        .collect();
    assert_eq!(
        outputs,
        [json!("dynamic tool request failed"), json!("no such customer"), json!("dynamic tool response was invalid")]
    );
}

#[test]
fn an_interrupt_cancels_a_waiting_call_and_its_late_answer_is_ignored() {
    let (model, mut client, thread_id) = setup(vec![
        Reply::hangs(vec![call("lookup_ticket", "call_pending", "{\"id\": \"X-1\"}")]),
        Reply::ends(message_reply("msg_next", &["ok"])),
    ]);
    let turn_id = ask(&mut client, &thread_id, "check X-1");
    client.until(|m| m["method"] == "item/tool/call");
    client.send(json!({"id": "i", "method": "turn/interrupt", "params": {"threadId": thread_id, "turnId": turn_id}}));
    let stopped = client.until(is("turn/completed"));
    assert_eq!(methods(&stopped), ["item/completed", "response", "thread/status/changed", "turn/completed"]);
    let item = &stopped[0]["params"]["item"];
    assert_eq!(
        (item["status"].clone(), item["contentItems"].clone(), item["success"].clone()),
        (json!("failed"), json!([]), json!(false))
    );
    client.send(json!({"id": 0, "result": {"contentItems": [{"type": "inputText", "text": "late"}], "success": true}}));
    client.assert_silent(100);

    ask(&mut client, &thread_id, "use a tool that does not exist");
    client.until(is("turn/completed"));
    let tail = history_tail(&model.bodies()[1], 4);
    assert_eq!(tail[0]["type"], json!("function_call"));
    assert_eq!(tail[1]["output"], json!("dynamic tool call was cancelled before receiving a response"));
    assert!(tail[2]["content"][0]["text"].as_str().unwrap().starts_with("<turn_aborted>"));
    assert!(!model.bodies()[1].to_string().contains("late"));
}

#[test]
fn an_undeclared_tool_gets_no_item_and_no_request_and_calls_are_asked_one_at_a_time() {
    let (model, mut client, thread_id) = setup(vec![
        Reply::ends(vec![
            call("no_such_tool", "call_unknown", "{}"),
            namespaced("lookup_ticket", "crm", "call_wrong_ns", "{}"),
            call("lookup_ticket", "call_a", "{\"id\": \"A\"}"),
            call("lookup_ticket", "call_b", "{\"id\": \"B\"}"),
            completed(),
        ]),
        Reply::ends(message_reply("msg_end", &["both"])),
    ]);
    ask(&mut client, &thread_id, "two lookups");
    let first = client.until(|m| m["method"] == "item/tool/call");
    assert!(!first.iter().any(|m| m.to_string().contains("call_unknown") || m.to_string().contains("call_wrong_ns")));
    assert_eq!(first.last().unwrap()["params"]["callId"], json!("call_a"));
    // The second call is not even announced until the first is answered.
    client.assert_silent(100);
    client.send(json!({"id": 0, "result": {"contentItems": [{"type": "inputText", "text": "A ok"}], "success": true}}));
    let second = client.until(|m| m["method"] == "item/tool/call");
    assert_eq!(methods(&second), ["item/completed", "item/started", "item/tool/call"]);
    assert_eq!(second.last().unwrap()["id"], json!(1));
    client.send(json!({"id": 1, "result": {"contentItems": [{"type": "inputText", "text": "B ok"}, {"type": "inputImage", "imageUrl": "data:image/png;base64,AA=="}], "success": true}}));
    let rest = client.until(is("turn/completed"));
    assert_eq!(rest[1]["method"], json!("thread/tokenUsage/updated"));

    // Calls first in model order, then every output (PROTOCOL.md §8.4).
    let tail = history_tail(&model.bodies()[1], 8);
    let kinds: Vec<(Value, Value)> = tail.iter().map(|item| (item["type"].clone(), item["call_id"].clone())).collect();
    let expected: Vec<(Value, Value)> = [
        ("function_call", "call_unknown"),
        ("function_call", "call_wrong_ns"),
        ("function_call", "call_a"),
        ("function_call", "call_b"),
        ("function_call_output", "call_unknown"),
        ("function_call_output", "call_wrong_ns"),
        ("function_call_output", "call_a"),
        ("function_call_output", "call_b"),
    ]
    .iter()
    .map(|(kind, id)| (json!(kind), json!(id)))
    .collect();
    assert_eq!(kinds, expected);
    assert_eq!(tail[4]["output"], json!("unsupported call: no_such_tool"));
    assert_eq!(tail[5]["output"], json!("unsupported call: lookup_ticket"));
    assert_eq!(
        tail[7]["output"],
        json!([{"type": "input_text", "text": "B ok"}, {"type": "input_image", "image_url": "data:image/png;base64,AA=="}])
    );
}
