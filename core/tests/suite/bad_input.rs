//! The bad-input catalogue: every class of malformed or hostile input a client can send, each
//! with the answer 0.169 gives it (PROTOCOL.md §1.2, §1.3) — an exact error, or silence — and a
//! connection that keeps working afterwards.

use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use crate::support::{Client, engine};

/// What the engine must answer to one input line.
enum Answer {
    /// No reply at all.
    Silence,
    /// `{"error": {"code": -32600, "message": ...}, "id": <the line's id>}`.
    Invalid(String),
    /// An error with this code and message, maybe with `data`.
    Error(i64, String, Option<Value>),
    /// A result, then `notifications` notifications.
    Accepted { notifications: usize },
}

struct Row {
    class: &'static str,
    line: String,
    answer: Answer,
}

fn row(class: &'static str, line: impl Into<String>, answer: Answer) -> Row {
    Row { class, line: line.into(), answer }
}

const UNKNOWN: &str = "0190b3a2-0000-7000-8000-0000000000ee";

/// Rows for an initialized connection with the experimental API off; `thread_id` is loaded.
fn rows(thread_id: &str) -> Vec<Row> {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_params = format!(
        r#"{{"id":"deep","method":"thread/read","params":{{"threadId":"{thread_id}","x":{}}}}}"#,
        format_args!("{}{}", "[".repeat(5_000), "]".repeat(5_000))
    );
    let huge_id = "f".repeat(1 << 20);
    let too_long = "x".repeat((1 << 20) + 1);
    let huge_name = "n".repeat(1 << 20);
    vec![
        row("not JSON", "{not json", Answer::Silence),
        row("empty line", "", Answer::Silence),
        row("a JSON scalar", "42", Answer::Silence),
        row("a JSON array (batch)", r#"[{"id":1,"method":"thread/loaded/list","params":{}}]"#, Answer::Silence),
        row("nesting deeper than any parser limit", deep, Answer::Silence),
        // The JSON parser's recursion limit makes a deep line unreadable as a whole: silence, as for
        // any line that is not JSON.
        row("deeply nested params", deep_params, Answer::Silence),
        row("id null", r#"{"id":null,"method":"thread/loaded/list","params":{}}"#, Answer::Silence),
        row("a bare id", r#"{"id":78}"#, Answer::Silence),
        row("a response to an unknown server request", r#"{"id":77,"result":{}}"#, Answer::Silence),
        row(
            "an error response to an unknown server request",
            r#"{"id":77,"error":{"code":1,"message":"x"}}"#,
            Answer::Silence,
        ),
        row("an unknown notification", r#"{"method":"no/such/notification","params":{}}"#, Answer::Silence),
        row(
            "an unknown method",
            r#"{"id":"u","method":"no/such/method","params":{}}"#,
            Answer::Invalid("Invalid request: unknown variant `no/such/method`".into()),
        ),
        row(
            "params omitted",
            r#"{"id":"p","method":"thread/loaded/list"}"#,
            Answer::Invalid("Invalid request: missing field `params`".into()),
        ),
        // serde reads a struct from an array by position, as upstream's derive does.
        row(
            "params as an array",
            r#"{"id":"w","method":"thread/read","params":[1,2]}"#,
            Answer::Invalid("Invalid request: invalid type: integer `1`, expected a string".into()),
        ),
        row(
            "params as a string",
            r#"{"id":"ws","method":"thread/read","params":"abc"}"#,
            Answer::Invalid("Invalid request: invalid type: string \"abc\", expected struct ThreadReadParams".into()),
        ),
        row(
            "a field of the wrong type",
            r#"{"id":"f","method":"thread/read","params":{"threadId":42}}"#,
            Answer::Invalid("Invalid request: invalid type: integer `42`, expected a string".into()),
        ),
        row(
            "a huge thread id",
            format!(r#"{{"id":"h","method":"thread/read","params":{{"threadId":"{huge_id}"}}}}"#),
            Answer::Invalid(format!(
                "invalid thread id: invalid length: expected length 32 for simple format, found {}",
                1 << 20
            )),
        ),
        row(
            "an unknown thread",
            format!(r#"{{"id":"t","method":"turn/start","params":{{"threadId":"{UNKNOWN}","input":[]}}}}"#),
            Answer::Invalid(format!("thread not found: {UNKNOWN}")),
        ),
        row(
            "input over the size limit",
            format!(
                r#"{{"id":"big","method":"turn/start","params":{{"threadId":"{thread_id}","input":[{{"type":"text","text":"{too_long}"}}]}}}}"#
            ),
            Answer::Error(
                -32602,
                "Input exceeds the maximum length of 1048576 characters.".into(),
                Some(json!({"input_error_code": "input_too_large", "max_chars": 1_048_576, "actual_chars": 1_048_577})),
            ),
        ),
        row(
            "an experimental method without opt-in",
            format!(r#"{{"id":"x","method":"thread/queue/list","params":{{"threadId":"{thread_id}"}}}}"#),
            Answer::Invalid("thread/queue/list requires experimentalApi capability".into()),
        ),
        row(
            "an experimental field without opt-in",
            r#"{"id":"xf","method":"thread/start","params":{"dynamicTools":[]}}"#,
            Answer::Invalid("thread/start.dynamicTools requires experimentalApi capability".into()),
        ),
        row(
            "a second initialize",
            r#"{"id":"i","method":"initialize","params":{"clientInfo":{"name":"x","version":"1"}}}"#,
            Answer::Invalid("Already initialized".into()),
        ),
        row(
            "a huge thread name is stored, not refused",
            format!(
                r#"{{"id":"n","method":"thread/name/set","params":{{"threadId":"{thread_id}","name":"{huge_name}"}}}}"#
            ),
            Answer::Accepted { notifications: 1 },
        ),
    ]
}

/// Sends `line` and checks the answer `expected`, then proves the connection still answers.
fn check(client: &Client, class: &str, line: &str, expected: &Answer) {
    client.connection.send(line.to_owned()).expect("connection open");
    let id: Value = serde_json::from_str::<Value>(line).ok().and_then(|v| v.get("id").cloned()).unwrap_or(Value::Null);
    match expected {
        Answer::Silence => {}
        Answer::Invalid(message) => {
            let answer = client.next();
            let got = answer["error"]["message"].as_str().unwrap_or_default();
            // Unknown methods are compared up to the list of known ones (§1.3).
            let got = got.split(", expected one of").next().unwrap_or_default();
            assert_eq!(
                (answer["id"].clone(), answer["error"]["code"].clone(), got),
                (id, json!(-32600), message.as_str()),
                "{class}"
            );
        }
        Answer::Accepted { notifications } => {
            let answer = client.next();
            assert!(answer.get("result").is_some(), "{class}: {answer}");
            for _ in 0..*notifications {
                assert!(client.next().get("method").is_some(), "{class}: a notification follows");
            }
        }
        Answer::Error(code, message, data) => {
            let mut error = json!({"code": code, "message": message});
            if let Some(data) = data {
                error["data"] = data.clone();
            }
            assert_eq!(client.next(), json!({"error": error, "id": id}), "{class}");
        }
    }
    client
        .connection
        .send(json!({"id": "probe", "method": "thread/loaded/list", "params": {}}).to_string())
        .expect("open");
    let probe = client.next();
    assert_eq!(probe["id"], json!("probe"), "{class}: the connection answers after it: {probe}");
}

#[test]
fn every_bad_input_class_gets_its_documented_answer_and_the_connection_lives_on() {
    let engine = engine(None, None);
    let mut client = Client::connect(&engine);
    client.request("initialize", json!({"clientInfo": {"name": "tests", "title": null, "version": "1.0.0"}}));
    let thread_id = client.start_thread(json!({}));
    for Row { class, line, answer } in rows(&thread_id) {
        check(&client, class, &line, &answer);
    }
}

#[test]
fn requests_before_initialize_are_refused_and_duplicate_ids_each_get_an_answer() {
    let engine = engine(None, None);
    let client = Client::connect(&engine);
    for method in ["thread/start", "thread/loaded/list", "no/such/method"] {
        client.send(json!({"id": 1, "method": method, "params": {}}));
        assert_eq!(
            client.next(),
            json!({"error": {"code": -32600, "message": "Not initialized"}, "id": 1}),
            "{method}"
        );
    }
    client.send(json!({"id": 1, "method": "initialize", "params": {"clientInfo": {"name": "t", "version": "1"}}}));
    assert_eq!(client.next()["id"], json!(1));
    // Ids need not be unique (§1.2): the same id twice gets two answers carrying it.
    client.send(json!({"id": 7, "method": "thread/loaded/list", "params": {}}));
    client.send(json!({"id": 7, "method": "thread/loaded/list", "params": {}}));
    assert_eq!((client.next()["id"].clone(), client.next()["id"].clone()), (json!(7), json!(7)));
}
