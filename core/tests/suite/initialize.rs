//! `initialize` and the connection gate (PROTOCOL.md §1–2, transcript 09).

use pretty_assertions::assert_eq;
use serde_json::json;

use crate::support::{Client, engine};

#[test]
fn initialize_answers_with_a_compatible_user_agent() {
    let engine = engine(None, None);
    let mut client = Client::connect(&engine);
    let answer = client.request("initialize", json!({"clientInfo": {"name": "my_ext", "version": "1.2.3"}}));
    let user_agent = answer["result"]["userAgent"].as_str().unwrap().to_owned();
    assert!(user_agent.starts_with("my_ext/0.169.0 (spindle "), "{user_agent}");
    assert!(user_agent.ends_with("(my_ext; 1.2.3)"), "{user_agent}");
    assert_eq!(
        answer["result"],
        json!({"userAgent": user_agent, "codexHome": "/", "platformFamily": "unix", "platformOs": "linux"})
    );
}

#[test]
fn initialize_gate_and_error_texts_match_upstream() {
    let engine = engine(None, None);
    let mut client = Client::connect(&engine);
    assert_eq!(
        client.request("thread/list", json!({})),
        json!({"error": {"code": -32600, "message": "Not initialized"}, "id": 1})
    );
    client.connection.send("{not json".into()).unwrap();
    client.send(json!({"id": null, "method": "initialize", "params": {}}));
    client.request(
        "initialize",
        json!({"clientInfo": {"name": "a", "title": null, "version": "1"}, "capabilities": {"experimentalApi": false}}),
    );
    assert_eq!(
        client.request("initialize", json!({"clientInfo": {"name": "b", "version": "1"}, "capabilities": null})),
        json!({"error": {"code": -32600, "message": "Already initialized"}, "id": 3})
    );
    let unknown = client.request("no/such/method", json!({}));
    assert!(
        unknown["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid request: unknown variant `no/such/method`, expected one of `initialize`")
    );
    assert_eq!(
        client.request("thread/queue/list", json!({"threadId": "x"}))["error"]["message"],
        json!("thread/queue/list requires experimentalApi capability")
    );
    assert_eq!(
        client.request("thread/start", json!({"dynamicTools": []}))["error"]["message"],
        json!("thread/start.dynamicTools requires experimentalApi capability")
    );
    client.send(json!({"id": "string-id-1", "method": "thread/loaded/list", "params": {}}));
    assert_eq!(client.next(), json!({"id": "string-id-1", "result": {"data": [], "nextCursor": null}}));
    client.send(json!({"method": "unknown/notification", "params": {}}));
    client.send(json!({"id": 777, "result": {}}));
    client.assert_silent(100);
}

#[test]
fn send_after_close_fails() {
    let engine = engine(None, None);
    let client = Client::connect(&engine);
    client.connection.close();
    assert!(client.connection.send("{}".into()).is_err());
}
