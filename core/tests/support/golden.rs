//! The golden transcripts (`<repo>/../shared/protocol/transcripts/`): the response to one request,
//! and a shape comparison for responses whose values differ from ours only by ids and timestamps.

use std::path::PathBuf;

use serde_json::Value;

fn transcript_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../../shared/protocol/transcripts/{name}.jsonl"))
}

/// The server's answer to request `id` of transcript `name` (the whole `{id, result|error}` message).
pub fn response(name: &str, id: i64) -> Value {
    let path = transcript_path(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    text.lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("a JSON line"))
        .filter(|line| line["dir"] == "s2c")
        .map(|line| line["msg"].clone())
        .find(|message| message.get("method").is_none() && message["id"] == id)
        .unwrap_or_else(|| panic!("{name} has no response to request {id}"))
}

/// Asserts that `ours` has the keys of `golden` (in any order, as on the wire) at every depth; arrays compare
/// element by element as far as both reach. Values are not compared: ids, timestamps and
/// placeholders differ by design, and a `null` on one side matches anything on the other.
pub fn assert_same_shape(ours: &Value, golden: &Value) {
    assert_shape(ours, golden, "$");
}

fn assert_shape(ours: &Value, golden: &Value, path: &str) {
    match (ours, golden) {
        (Value::Object(ours), Value::Object(golden)) => {
            let mut our_keys: Vec<&String> = ours.keys().collect();
            let mut golden_keys: Vec<&String> = golden.keys().collect();
            our_keys.sort();
            golden_keys.sort();
            assert_eq!(our_keys, golden_keys, "keys at {path}");
            for (key, value) in ours {
                assert_shape(value, &golden[key], &format!("{path}.{key}"));
            }
        }
        (Value::Array(ours), Value::Array(golden)) => {
            for (index, (ours, golden)) in ours.iter().zip(golden).enumerate() {
                assert_shape(ours, golden, &format!("{path}[{index}]"));
            }
        }
        (Value::Null, _) | (_, Value::Null) => {}
        (ours, golden) => assert_eq!(kind(ours), kind(golden), "kind at {path}: {ours} vs {golden}"),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        // The transcripts' normalisation writes these numbers as placeholder strings.
        Value::Number(_) => "number",
        Value::String(text) if ["<ts>", "<ts_ms>", "<duration_ms>"].contains(&text.as_str()) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
