//! Every way a model request can fail (PROTOCOL.md §7.6, §8.5): the real server's texts and
//! `codexErrorInfo`, the failed-turn notification order, and a thread that works again afterwards.

use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use crate::support::{Client, Reply, ScriptModel, engine, is, message_added, message_reply, methods, text_delta};

/// One failure row: what the model side does, and the `TurnError` clients must see.
struct Row {
    what: &'static str,
    reply: Reply,
    message: &'static str,
    info: Value,
}

fn rows() -> Vec<Row> {
    let closed = "stream disconnected before completion: stream closed before response.completed";
    vec![
        Row {
            what: "HTTP 500",
            reply: Reply::status(500, "{\"error\":{\"message\":\"upstream exploded\"}}"),
            message: "We\u{2019}re currently experiencing high demand, which may cause temporary errors.",
            info: json!("internalServerError"),
        },
        Row {
            what: "HTTP 400 with a JSON body",
            reply: Reply::status(400, "{\"error\":{\"message\":\"bad model\",\"type\":\"invalid_request_error\"}}"),
            message: "{\"error\":{\"message\":\"bad model\",\"type\":\"invalid_request_error\"}}",
            info: json!("other"),
        },
        Row {
            what: "HTTP 401",
            reply: Reply::status(401, "{\"error\":{\"message\":\"Incorrect API key provided\"}}"),
            message: "{\"error\":{\"message\":\"Incorrect API key provided\"}}",
            info: json!("other"),
        },
        Row {
            what: "HTTP 429",
            reply: Reply::status(429, "{\"error\":{\"message\":\"slow down\"}}"),
            message: "exceeded retry limit, last status: 429 Too Many Requests",
            info: json!({"responseTooManyFailedAttempts": {"httpStatusCode": 429}}),
        },
        Row {
            what: "a stream that ends without response.completed",
            reply: Reply::ends(vec![message_added("msg_cut"), text_delta("msg_cut", "half a")]),
            message: closed,
            info: json!("other"),
        },
        Row {
            what: "an event whose data is not JSON, then the end of the stream",
            reply: Reply::raw(vec![message_added("msg_bad")], "event: response.output_text.delta\ndata: {not json\n\n"),
            message: closed,
            info: json!("other"),
        },
        Row {
            what: "response.failed",
            reply: Reply::ends(vec![
                json!({"type": "response.failed", "response": {"error": {"message": "the model gave up"}}}),
            ]),
            message: "stream disconnected before completion: the model gave up",
            info: json!("other"),
        },
        Row {
            what: "response.incomplete",
            reply: Reply::ends(vec![
                json!({"type": "response.incomplete", "response": {"incomplete_details": {"reason": "max_output_tokens"}}}),
            ]),
            message: "Incomplete response returned, reason: max_output_tokens",
            info: json!("other"),
        },
        Row {
            what: "a top-level error event",
            reply: Reply::ends(vec![json!({"type": "error", "message": "server overloaded"})]),
            message: "stream disconnected before completion: server overloaded",
            info: json!("other"),
        },
        Row {
            what: "a transport that rejects",
            reply: Reply::rejects("connect ECONNREFUSED 127.0.0.1:9"),
            message: "stream disconnected before completion: connect ECONNREFUSED 127.0.0.1:9",
            info: json!({"responseStreamConnectionFailed": {"httpStatusCode": null}}),
        },
    ]
}

fn turn_start(client: &mut Client, thread_id: &str, text: &str) -> String {
    let response =
        client.request("turn/start", json!({"threadId": thread_id, "input": [{"type": "text", "text": text}]}));
    response["result"]["turn"]["id"].as_str().expect("turn/start answers a turn id").to_owned()
}

#[test]
fn every_model_failure_fails_the_turn_with_the_real_servers_error_and_the_thread_recovers() {
    for row in rows() {
        let model = ScriptModel::new(vec![row.reply, Reply::ends(message_reply("msg_next", &["fine again"]))]);
        let engine = engine(Some(model.clone()), None);
        let mut client = Client::initialized(&engine);
        let thread_id = client.start_thread(json!({}));

        let turn_id = turn_start(&mut client, &thread_id, "first");
        let messages = client.until(is("turn/completed"));
        let expected = json!({"message": row.message, "codexErrorInfo": row.info, "additionalDetails": null, "misalignment": null});
        let tail: Vec<String> = methods(&messages).into_iter().rev().take(3).rev().collect();
        assert_eq!(tail, ["thread/status/changed", "error", "turn/completed"], "{}: failed-turn order", row.what);
        let [status, error, completed] = &messages[messages.len() - 3..] else { unreachable!() };
        assert_eq!(status["params"]["status"], json!({"type": "systemError"}), "{}", row.what);
        assert_eq!(
            error["params"],
            json!({"error": expected, "willRetry": false, "threadId": thread_id, "turnId": turn_id}),
            "{}: error notification",
            row.what
        );
        let turn = &completed["params"]["turn"];
        assert_eq!(
            (&turn["status"], &turn["error"], &turn["items"]),
            (&json!("failed"), &expected, &json!([])),
            "{}: turn/completed",
            row.what
        );
        assert!(
            !messages.iter().any(|m| m["method"] == "item/completed" && m["params"]["item"]["type"] == "agentMessage"),
            "{}: no partial answer completes",
            row.what
        );

        turn_start(&mut client, &thread_id, "second");
        let messages = client.until(is("turn/completed"));
        let statuses: Vec<&Value> = messages
            .iter()
            .filter(|m| m["method"] == "thread/status/changed")
            .map(|m| &m["params"]["status"]["type"])
            .collect();
        assert_eq!(statuses, [&json!("active"), &json!("idle")], "{}: systemError → active → idle", row.what);
        assert_eq!(messages.last().unwrap()["params"]["turn"]["status"], json!("completed"), "{}", row.what);
        // Only the failed turn's user message is replayed, never its partial output (§8.3).
        let bodies = model.bodies();
        let input = bodies.last().unwrap()["input"].as_array().unwrap().clone();
        let replayed: Vec<String> = input
            .iter()
            .filter(|item| item["role"] != "developer")
            .map(|item| {
                format!(
                    "{}:{}",
                    item["role"].as_str().unwrap_or("?"),
                    item["content"][0]["text"].as_str().unwrap_or("?")
                )
            })
            .collect();
        assert_eq!(replayed, ["user:first", "user:second"], "{}: replayed history", row.what);
    }
}
