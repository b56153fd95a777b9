//! What the model answers in the `jsonrpc_lines` target: well-formed Responses streams (messages,
//! reasoning, tool calls) and the failures a provider produces, one SSE frame per chunk.

use arbitrary::Arbitrary;
use serde_json::{Value, json};

use super::host::Answer;
use crate::model::scripted::frame;

/// One model answer.
#[derive(Debug, Arbitrary)]
pub(super) enum Reply {
    /// An assistant message streamed as these deltas.
    Message(Vec<String>),
    /// A reasoning item with these summary parts, then a message.
    Reasoning(Vec<String>, String),
    /// A call of a host tool, then `response.completed`.
    ToolCall(Tool, String),
    /// An HTTP error status with no stream.
    Status(u16),
    /// A message whose stream ends before `response.completed`.
    Cut(String),
    /// `response.failed` with this message.
    Failed(String),
}

/// Which tool the model calls.
#[derive(Debug, Arbitrary)]
pub(super) enum Tool {
    Declared,
    Namespaced,
    Unknown(String),
}

impl Reply {
    /// The answer the transport serves; `n` keeps item and call ids apart.
    pub fn answer(&self, n: usize) -> Answer {
        let message = format!("msg_{n}");
        let events = match self {
            Reply::Message(deltas) => [message_events(&message, deltas), vec![completed()]].concat(),
            Reply::Reasoning(summary, text) => {
                let reasoning = format!("rs_{n}");
                let mut events = vec![added(json!({"type": "reasoning", "id": reasoning, "summary": []}))];
                for (index, part) in summary.iter().enumerate() {
                    events.push(json!({"type": "response.reasoning_summary_part.added", "item_id": reasoning,
                        "summary_index": index}));
                    events.push(json!({"type": "response.reasoning_summary_text.delta", "item_id": reasoning,
                        "summary_index": index, "delta": part}));
                }
                let parts: Vec<Value> =
                    summary.iter().map(|text| json!({"type": "summary_text", "text": text})).collect();
                events.push(done(json!({"type": "reasoning", "id": reasoning, "summary": parts,
                    "encrypted_content": "enc"})));
                events.extend(message_events(&message, std::slice::from_ref(text)));
                events.push(completed());
                events
            }
            Reply::ToolCall(tool, arguments) => {
                let (name, namespace) = match tool {
                    Tool::Declared => ("lookup_ticket", None),
                    Tool::Namespaced => ("find_customer", Some("crm")),
                    Tool::Unknown(name) => (name.as_str(), None),
                };
                let mut item = json!({"type": "function_call", "id": format!("fc_{n}"), "call_id": format!("call_{n}"),
                    "name": name, "arguments": arguments, "status": "completed"});
                if let Some(namespace) = namespace {
                    item["namespace"] = json!(namespace);
                }
                vec![done(item), completed()]
            }
            Reply::Status(status) => {
                let body = json!({"error": {"message": "fuzzed failure", "type": "server_error"}});
                return Answer { status: *status, chunks: vec![body.to_string().into_bytes()] };
            }
            Reply::Cut(delta) => message_events(&message, std::slice::from_ref(delta))
                .into_iter()
                .filter(|event| event["type"] != "response.output_item.done")
                .collect(),
            Reply::Failed(text) => vec![json!({"type": "response.failed", "response": {"error": {"message": text}}})],
        };
        Answer { status: 200, chunks: events.iter().map(frame).collect() }
    }
}

fn message_events(id: &str, deltas: &[String]) -> Vec<Value> {
    let mut events = vec![added(json!({"type": "message", "id": id, "role": "assistant", "content": []}))];
    for delta in deltas {
        events.push(json!({"type": "response.output_text.delta", "item_id": id, "delta": delta}));
    }
    events.push(done(json!({"type": "message", "id": id, "role": "assistant",
        "content": [{"type": "output_text", "text": deltas.concat()}]})));
    events
}

fn added(item: Value) -> Value {
    json!({"type": "response.output_item.added", "item": item})
}

fn done(item: Value) -> Value {
    json!({"type": "response.output_item.done", "item": item})
}

fn completed() -> Value {
    json!({"type": "response.completed", "response": {"usage": {"input_tokens": 10, "output_tokens": 5,
        "total_tokens": 15}}})
}
