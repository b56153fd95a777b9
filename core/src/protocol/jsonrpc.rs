//! JSON-RPC envelope as codex app-server writes it (PROTOCOL.md §1): no `jsonrpc` member,
//! `emittedAtMs` beside notifications, request ids that are numbers or strings.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use ts_rs::TS;

/// A request id: the client's JSON number or string, echoed back verbatim (PROTOCOL.md §1.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(untagged)]
#[ts(export)]
pub enum RequestId {
    /// An integer id.
    Integer(#[ts(type = "number")] i64),
    /// A string id.
    String(String),
}

/// The error object of an error response (PROTOCOL.md §1.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export, rename = "JsonRpcError")]
pub struct RpcError {
    /// One of the codes in `protocol::error`.
    #[ts(type = "number")]
    pub code: i64,
    /// The exact text the real server sends for this situation.
    pub message: String,
    /// Never set by the real server in the captured subset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub data: Option<Value>,
}

/// One message received from a client, classified by its members (PROTOCOL.md §1.1).
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// `{id, method, params?}`: a request; `params` stays raw until the method table parses it.
    Request {
        /// The id to echo.
        id: RequestId,
        /// The method name.
        method: String,
        /// The `params` member, `None` when absent.
        params: Option<Value>,
    },
    /// `{method, params?}` without an id.
    Notification {
        /// The method name.
        method: String,
    },
    /// `{id, result}`: the answer to a server request.
    Response {
        /// The id of the server request it answers.
        id: RequestId,
        /// The result.
        result: Value,
    },
    /// `{id, error}`: a failed answer to a server request.
    ErrorResponse {
        /// The id of the server request it answers.
        id: RequestId,
        /// The error object as sent.
        error: Value,
    },
}

impl Incoming {
    /// Classifies one line of client input. `None` means "drop without reply": text that is not
    /// JSON, a non-object, `"id": null`, or a bare `{"id": …}` (transcript 09).
    pub fn parse(text: &str) -> Option<Incoming> {
        let Value::Object(mut object) = serde_json::from_str::<Value>(text).ok()? else {
            return None;
        };
        let id = match object.remove("id") {
            None => None,
            Some(value) => Some(serde_json::from_value::<RequestId>(value).ok()?),
        };
        let method = match object.remove("method") {
            None => None,
            Some(Value::String(method)) => Some(method),
            Some(_) => return None,
        };
        match (id, method) {
            (Some(id), Some(method)) => Some(Incoming::Request { id, method, params: object.remove("params") }),
            (None, Some(method)) => Some(Incoming::Notification { method }),
            (Some(id), None) => {
                if let Some(result) = object.remove("result") {
                    Some(Incoming::Response { id, result })
                } else {
                    object.remove("error").map(|error| Incoming::ErrorResponse { id, error })
                }
            }
            (None, None) => None,
        }
    }
}

/// Encodes `{"id":…,"result":…}` in one pass, with no intermediate `Value`: a result can be a
/// whole thread with every turn (`thread/read`, `thread/resume`), and building a `Value` tree of it
/// first costs more than writing it.
pub fn encode_response<T: Serialize + ?Sized>(id: &RequestId, result: &T) -> Result<String, serde_json::Error> {
    #[derive(Serialize)]
    struct Response<'a, T: ?Sized> {
        id: &'a RequestId,
        result: &'a T,
    }
    serde_json::to_string(&Response { id, result })
}

/// Encodes `{"error":{…},"id":…}`, the key order 0.169 writes.
pub fn encode_error(id: &RequestId, error: &RpcError) -> String {
    let mut object = Map::new();
    object.insert("error".into(), serde_json::to_value(error).unwrap_or(Value::Null));
    object.insert("id".into(), id_value(id));
    Value::Object(object).to_string()
}

/// Encodes `{"method":…,"params":…,"emittedAtMs":…}` for a server notification.
pub fn encode_notification(method: &str, params: Value, emitted_at_ms: i64) -> String {
    let mut object = Map::new();
    object.insert("method".into(), Value::String(method.into()));
    object.insert("params".into(), params);
    object.insert("emittedAtMs".into(), Value::from(emitted_at_ms));
    Value::Object(object).to_string()
}

/// Encodes `{"method":…,"id":…,"params":…}` (0.169's key order, transcript 05) for a
/// server→client request such as `item/tool/call`.
pub fn encode_server_request(id: i64, method: &str, params: Value) -> String {
    let mut object = Map::new();
    object.insert("method".into(), Value::String(method.into()));
    object.insert("id".into(), Value::from(id));
    object.insert("params".into(), params);
    Value::Object(object).to_string()
}

fn id_value(id: &RequestId) -> Value {
    match id {
        RequestId::Integer(n) => Value::from(*n),
        RequestId::String(s) => Value::String(s.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_request_keeps_its_string_id_and_raw_params() {
        let parsed = Incoming::parse(r#"{"jsonrpc":"2.0","id":"a","method":"m","params":{"x":1}}"#);
        assert_eq!(
            parsed,
            Some(Incoming::Request {
                id: RequestId::String("a".into()),
                method: "m".into(),
                params: Some(json!({"x": 1})),
            })
        );
    }

    #[test]
    fn null_ids_bare_ids_and_invalid_json_are_dropped() {
        assert_eq!(Incoming::parse(r#"{"id":null,"method":"m","params":{}}"#), None);
        assert_eq!(Incoming::parse(r#"{"id":78}"#), None);
        assert_eq!(Incoming::parse("{not json"), None);
        assert_eq!(Incoming::parse("[1,2]"), None);
    }

    #[test]
    fn responses_put_id_before_result_and_keep_the_result_verbatim() {
        let result = json!({"thread": {"id": "t", "turns": [], "name": null}, "readState": null});
        let text = encode_response(&RequestId::String("a".into()), &result).expect("encodes");
        assert_eq!(text, r#"{"id":"a","result":{"thread":{"id":"t","turns":[],"name":null},"readState":null}}"#);
        let text = encode_response(&RequestId::Integer(7), &json!({})).expect("encodes");
        assert_eq!(text, r#"{"id":7,"result":{}}"#);
    }

    #[test]
    fn error_responses_put_error_before_id() {
        let text = encode_error(
            &RequestId::Integer(3),
            &RpcError { code: -32600, message: "Already initialized".into(), data: None },
        );
        assert_eq!(text, r#"{"error":{"code":-32600,"message":"Already initialized"},"id":3}"#);
    }
}
