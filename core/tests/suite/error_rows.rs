//! The PROTOCOL.md §1.3 error rows (and §5's id rows) that need no special thread state, each
//! with its exact code and text. Rows that need a running turn live with their method's tests.

use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use crate::support::{Client, engine};

#[test]
fn every_stateless_error_row_has_its_code_and_text() {
    let engine = engine(None, None);
    let mut client = Client::initialized(&engine);
    let thread_id = client.start_thread(json!({}));
    let ephemeral = client.start_thread(json!({"ephemeral": true}));
    let unknown = "0190b3a2-0000-7000-8000-0000000000ee";
    let text = json!([{"type": "text", "text": "hi"}]);
    let rows: Vec<(&str, Option<Value>, String)> = vec![
        ("thread/loaded/list", None, "Invalid request: missing field `params`".into()),
        ("thread/read", Some(json!({})), "Invalid request: missing field `threadId`".into()),
        ("thread/read", Some(json!({"threadId": 42})), "Invalid request: invalid type: integer `42`, expected a string".into()),
        (
            "thread/read",
            Some(json!({"threadId": "not-a-uuid"})),
            "invalid thread id: invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `n` at 1".into(),
        ),
        ("turn/start", Some(json!({"threadId": unknown, "input": text})), format!("thread not found: {unknown}")),
        ("turn/interrupt", Some(json!({"threadId": unknown, "turnId": unknown})), format!("thread not found: {unknown}")),
        ("thread/read", Some(json!({"threadId": unknown})), format!("thread not loaded: {unknown}")),
        ("thread/archive", Some(json!({"threadId": unknown})), format!("no rollout found for thread id {unknown}")),
        ("thread/delete", Some(json!({"threadId": unknown})), format!("no rollout found for thread id {unknown}")),
        ("thread/archive", Some(json!({"threadId": ephemeral})), format!("no rollout found for thread id {ephemeral}")),
        ("thread/unarchive", Some(json!({"threadId": thread_id})), format!("no archived rollout found for thread id {thread_id}")),
        ("thread/read", Some(json!({"threadId": ephemeral, "includeTurns": true})), "ephemeral threads do not support includeTurns".into()),
        (
            "turn/start",
            Some(json!({"threadId": thread_id, "input": [{"type": "image", "url": "https://example.invalid/cat.png"}]})),
            "remote image URLs are not supported; use an inline data URL instead".into(),
        ),
        (
            "turn/start",
            Some(json!({"threadId": thread_id, "input": text, "turnId": "zzz"})),
            "invalid turn id: invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `z` at 1".into(),
        ),
    ];
    for (method, params, message) in rows {
        let id = format!("{method} {params:?}");
        let mut request = json!({"id": id, "method": method});
        if let Some(params) = params {
            request["params"] = params;
        }
        client.send(request);
        let answer = client.next();
        assert_eq!(answer, json!({"error": {"code": -32600, "message": message}, "id": id}));
    }
    // None of the rejected requests had a side effect that a client could hear.
    client.assert_silent(100);
}
